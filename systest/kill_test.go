package systest

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/evalroom/evalroom/edge/spool"
)

var recordedLine = regexp.MustCompile(`msg="segment recorded" room=(\S+) .*stream=(\S+) seq=(\d+) record=\S+ hash=([0-9a-f]{64})`)

// buildSim builds the simulator binary, so the test kills a real process.
func buildSim(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "evalroom-sim")
	out, err := exec.Command("go", "build", "-o", bin, "../simulators/cmd/evalroom-sim").CombinedOutput()
	if err != nil {
		t.Fatalf("build simulator: %v\n%s", err, out)
	}
	return bin
}

type simProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startSim runs one simulated room and feeds every "segment recorded" log
// line into l.
func startSim(t *testing.T, bin string, e *hubEnv, data string, l *ledger) *simProc {
	t.Helper()
	cmd := exec.Command(bin, "--hub", e.url(), "--mqtt", e.cfg.MQTT, "--rooms", "1", "--data", data,
		"--log-level", "debug", "--segment", "500ms", "--fps", "10", "--width", "160", "--height", "90", "--report", "1s", "--ca", e.caFile(), "--token", e.opToken)
	cmd.Args = append(cmd.Args, "--key-alg", keyAlg())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &simProc{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := recordedLine.FindStringSubmatch(sc.Text()); m != nil {
				seq, _ := strconv.ParseUint(m[3], 10, 64)
				l.addRaw(m[1]+"/"+m[2], seq, m[4])
			}
		}
		cmd.Wait()
	}()
	return p
}

func (l *ledger) addRaw(key string, seq uint64, hash string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.segs[key] == nil {
		l.segs[key] = map[uint64]string{}
	}
	l.segs[key][seq] = hash
}

// TestKillLoop kills a real agent process with SIGKILL at random moments,
// many times over, and checks after each kill that the spool opens cleanly
// and every segment the agent had reported durable is still in the spool
// or already at the hub.
func TestKillLoop(t *testing.T) {
	kills := 20
	if v := os.Getenv("EVALROOM_KILLS"); v != "" {
		kills, _ = strconv.Atoi(v)
	}
	bin := buildSim(t)
	e := startHub(t)
	data := t.TempDir()
	spoolPath := filepath.Join(data, "room-1", "spool")
	l := newLedger()
	for i := range kills {
		p := startSim(t, bin, e, data, l)
		time.Sleep(time.Duration(100+rand.IntN(2400)) * time.Millisecond)
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done

		if !fileExists(spoolPath) {
			continue // killed before the spool was created
		}
		sp, err := spool.Open(spoolPath, spool.Options{})
		if err != nil {
			t.Fatalf("kill %d: spool does not open: %v", i, err)
		}
		if err := sp.Check(); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		inSpool := map[string]map[uint64]string{}
		for key := range l.snapshot() {
			_, stream := splitKey(key)
			inSpool[key] = map[uint64]string{}
			for _, en := range sp.Entries(stream) {
				inSpool[key][en.Seq] = en.Hash
			}
		}
		sp.Close()
		for key, segs := range l.snapshot() {
			have := hubHas(t, e.hub.Store(), key)
			for seq, hash := range segs {
				if inSpool[key][seq] == hash || have[seq].Hash == hash {
					continue
				}
				t.Fatalf("kill %d: %s seq %d was reported durable but is neither in the spool nor at the hub", i, key, seq)
			}
		}
	}
	if len(l.snapshot()) == 0 {
		t.Fatal("the agent never recorded anything")
	}
	// A last clean run drains the spool; then the hub holds the whole chain.
	p := startSim(t, bin, e, data, l)
	want := l.snapshot()
	waitArrived(t, e.hub.Store(), want, 2*time.Minute)
	p.cmd.Process.Signal(syscall.SIGINT)
	<-p.done
	for key, segs := range want {
		have := hubHas(t, e.hub.Store(), key)
		var maxSeq uint64
		for s := range segs {
			maxSeq = max(maxSeq, s)
		}
		for seq := uint64(0); seq <= maxSeq; seq++ {
			if !have[seq].Verified {
				t.Errorf("%s seq %d missing or not verified at the hub", key, seq)
			}
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func splitKey(key string) (string, string) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:]
		}
	}
	return key, ""
}
