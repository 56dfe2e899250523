package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Machine describes where the figures were measured.
type Machine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Kernel     string `json:"kernel"`
	Go         string `json:"go"`
	TempDir    string `json:"temp_dir"`
	FS         string `json:"fs"`      // file system type of TempDir
	Device     string `json:"device"`  // what is mounted there
	MountAt    string `json:"mount"`   // where
	LoadAvg    string `json:"loadavg"` // at the start; the machine is shared
}

// Describe reads the machine's description; what it cannot read stays
// "unknown".
func Describe(tempDir string) Machine {
	m := Machine{
		CPU: "unknown", Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Kernel: "unknown", Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		TempDir: tempDir, FS: "unknown", Device: "unknown", MountAt: "unknown", LoadAvg: "unknown",
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	m.Device, m.MountAt, m.FS = mountOf(tempDir)
	return m
}

// mountOf finds the mount that holds dir: the longest mount point that
// is a prefix of its resolved path.
func mountOf(dir string) (dev, at, fs string) {
	dev, at, fs = "unknown", "unknown", "unknown"
	if p, err := filepath.EvalSymlinks(dir); err == nil {
		dir = p
	}
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return
	}
	defer f.Close()
	best := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 3 {
			continue
		}
		mp := strings.ReplaceAll(fl[1], `\040`, " ")
		if (dir == mp || strings.HasPrefix(dir, strings.TrimSuffix(mp, "/")+"/")) && len(mp) >= best {
			best, dev, at, fs = len(mp), fl[0], mp, fl[2]
		}
	}
	return
}
