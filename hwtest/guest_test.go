package hwtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// run runs a command and returns its standard output, failing the test
// with its standard error.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// cacheDir is where the kernel package and what is made from it stay
// between runs: $EVALROOM_HW_CACHE, else var/hwtest in the repository.
func cacheDir(t *testing.T) string {
	dir := os.Getenv("EVALROOM_HW_CACHE")
	if dir == "" {
		abs, err := filepath.Abs("../var/hwtest")
		if err != nil {
			t.Fatal(err)
		}
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// kernel is Debian's kernel, unpacked: its image and module tree.
type kernel struct {
	version string // e.g. 6.1.0-57-amd64
	root    string // dpkg-deb -x of the package, with modules.dep
	vmlinuz string
}

// debianKernel downloads (once) the kernel linux-image-amd64 depends on,
// without installing it, and unpacks it into the cache.
func debianKernel(t *testing.T, cache string) kernel {
	t.Helper()
	var pkg string
	for _, line := range strings.Split(run(t, "", nil, "apt-cache", "depends", "linux-image-amd64"), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "Depends: "); ok && strings.HasPrefix(name, "linux-image-") {
			pkg = name
			break
		}
	}
	if pkg == "" {
		t.Fatal("apt-cache depends linux-image-amd64 names no kernel: run apt-get update")
	}
	k := kernel{version: strings.TrimPrefix(pkg, "linux-image-")}
	k.root = filepath.Join(cache, "root-"+k.version)
	k.vmlinuz = filepath.Join(k.root, "boot", "vmlinuz-"+k.version)
	if _, err := os.Stat(filepath.Join(k.root, "lib", "modules", k.version, "modules.dep")); err == nil {
		return k
	}
	debs, _ := filepath.Glob(filepath.Join(cache, pkg+"_*.deb"))
	if len(debs) == 0 {
		t.Logf("downloading %s (about 70 MB, once)", pkg)
		run(t, cache, nil, "apt-get", "download", "-q", pkg)
		if debs, _ = filepath.Glob(filepath.Join(cache, pkg+"_*.deb")); len(debs) == 0 {
			t.Fatalf("apt-get download %s left no package in %s", pkg, cache)
		}
	}
	tmp := k.root + ".tmp"
	os.RemoveAll(tmp)
	run(t, "", nil, "dpkg-deb", "-x", debs[0], tmp)
	run(t, "", nil, "depmod", "-b", tmp, k.version) // the package ships no modules.dep
	if err := os.Rename(tmp, k.root); err != nil {
		t.Fatal(err)
	}
	return k
}

// moduleLoads returns the insmod lines that load mods and what they need,
// in order, and the module files they name.
func (k kernel) moduleLoads(t *testing.T, mods ...string) (lines []string, files []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range mods {
		out := run(t, "", nil, "modprobe", "-d", k.root, "-S", k.version, "--show-depends", m)
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || f[0] != "insmod" || seen[f[1]] {
				continue // builtin
			}
			seen[f[1]] = true
			files = append(files, f[1])
			f[1] = "/lib/modules/" + filepath.Base(f[1])
			lines = append(lines, strings.Join(f, " "))
		}
	}
	return lines, files
}

// buildGuest builds the guest's programs statically (cgo for the V4L2
// driver, no shared libraries in the guest): evalroom-edge and the tone
// player, into dir/bin.
func buildGuest(t *testing.T, dir string) {
	t.Helper()
	for _, p := range []string{"edge/cmd/evalroom-edge", "hwtest/tone"} {
		run(t, "..", []string{"CGO_ENABLED=1"}, "go", "build", "-tags", "netgo,osusergo",
			"-ldflags", "-extldflags -static", "-o", filepath.Join(dir, "bin", filepath.Base(p)), "./"+p)
	}
}

// initramfs writes a newc cpio archive of dir to out.
func initramfs(t *testing.T, dir, out string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", "find . | cpio -o -H newc --quiet > "+out)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio: %v\n%s", err, b)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// console keeps what the guest writes to its serial console, so the test
// can wait for marker lines and show the log when something fails.
type console struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	wake chan struct{}
}

func newConsole() *console { return &console{wake: make(chan struct{}, 1)} }

func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(p)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (c *console) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// waitFor waits until the console shows marker, ctx ends or the guest
// stops (exited closes).
func (c *console) waitFor(ctx context.Context, exited <-chan struct{}, marker string) error {
	for {
		if strings.Contains(c.String(), marker) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no %q on the console: %w", marker, ctx.Err())
		case <-exited:
			if strings.Contains(c.String(), marker) {
				return nil
			}
			return fmt.Errorf("the guest stopped before %q", marker)
		case <-c.wake:
		}
	}
}
