package systest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/hub/store"
)

// smallDisk mounts a tmpfs of size bytes at a new directory: a disk the
// test can fill. It needs root (CI runs as root); elsewhere the test is
// skipped, but never in CI.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "evalroom-test", dir).CombinedOutput()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount a tmpfs for a full disk: %v %s", err, out)
		}
		t.Skipf("a full disk needs a tmpfs, which needs root: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a file in dir until the disk has at most leave bytes free
// (leave 0: until it is full).
func fill(t *testing.T, path string, leave int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
			t.Fatal(err)
		}
		free := int64(st.Bavail) * int64(st.Bsize)
		if leave > 0 && free <= leave {
			return
		}
		n := int64(len(buf))
		if leave > 0 && free-leave < n {
			n = free - leave
		}
		if _, err := f.Write(buf[:n]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

type healthz struct {
	Status  string
	Storage struct {
		FreeBytes int64 `json:"free_bytes"`
		Problem   string
	}
}

func getHealthz(t *testing.T, e *hubEnv) (int, healthz) {
	t.Helper()
	resp, err := e.clientAs("").Get(e.url() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h healthz
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	return resp.StatusCode, h
}

// TestFullDiskIsReported: the hub's data directory is on a small disk that
// fills up while a room records. Below the minimum free space /healthz
// says degraded and the operator gets an alert; once writes fail it answers
// 503 failing with what to do, the metrics say so, sign-in says why it
// cannot work instead of a bare 500, and the box keeps what it recorded.
// Once space is freed everything recovers and every recorded segment
// arrives. (Before, /healthz answered ok throughout.)
func TestFullDiskIsReported(t *testing.T) {
	data := smallDisk(t, "96m")
	e := startHubWith(t, func(c *server.Config) {
		c.DataDir = filepath.Join(data, "hub")
		c.MinFreeBytes = 40 << 20
		c.StorageCheck = 200 * time.Millisecond
	})
	hash, _ := auth.HashPassword("correct horse battery")
	if err := e.hub.Store().AddUser(e.ctx, store.User{Username: "ops", Role: string(auth.Operator), PassHash: hash}); err != nil {
		t.Fatal(err)
	}
	l := newLedger()
	startRooms(t, e, 1, l)
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	if code, h := getHealthz(t, e); code != http.StatusOK || h.Status != "ok" {
		t.Fatalf("/healthz with room: %d %+v", code, h)
	}

	filler := filepath.Join(data, "filler")
	fill(t, filler, 20<<20)
	eventually(t, 30*time.Second, "/healthz degraded", func() bool {
		code, h := getHealthz(t, e)
		return code == http.StatusOK && h.Status == "degraded" && strings.Contains(h.Storage.Problem, "free")
	})
	eventually(t, 30*time.Second, "an operator alert for low storage", func() bool {
		for _, a := range getAlertsAs(t, e, e.opToken, "state=open") {
			if a.Kind == "hub_storage_low" && a.Room == "" {
				return true
			}
		}
		return false
	})
	// The operator's alert of the hub is not a regulator's.
	for _, a := range getAlertsAs(t, e, e.regToken, "") {
		if a.Room == "" {
			t.Fatalf("a regulator sees the hub's own alert %+v", a)
		}
	}

	fill(t, filler, 0)
	eventually(t, 30*time.Second, "/healthz failing", func() bool {
		code, h := getHealthz(t, e)
		return code == http.StatusServiceUnavailable && h.Status == "failing" && strings.Contains(h.Storage.Problem, "cannot write")
	})
	metrics := getText(t, e, e.opToken, "/metrics")
	if !strings.Contains(metrics, "evalroom_hub_storage_state 2") {
		t.Fatalf("metrics lack evalroom_hub_storage_state 2")
	}
	// Sign-in needs a write: it works, or says that the disk is why not.
	resp, err := e.clientAs("").Post(e.url()+"/api/v1/login", "application/json", strings.NewReader(`{"username":"ops","password":"correct horse battery"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && !(resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), "disk")) {
		t.Fatalf("sign-in on a full disk: %d %s", resp.StatusCode, body)
	}
	t.Logf("sign-in on a full disk: %d %s", resp.StatusCode, strings.TrimSpace(string(body)))

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "/healthz ok again", func() bool {
		code, h := getHealthz(t, e)
		return code == http.StatusOK && h.Status == "ok"
	})
	// Nothing the box recorded is lost: what failed to upload is sent again.
	waitArrived(t, e.hub.Store(), l.snapshot(), 2*time.Minute)
}

// getText GETs path as token and returns the body of a 200.
func getText(t *testing.T, e *hubEnv, token, path string) string {
	t.Helper()
	resp, err := e.clientAs(token).Get(e.url() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}
