package health

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestStorageStates(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	s := NewStorage(Options{Dir: dir, MinFree: 1}, quiet(), reg)
	if r := s.Report(); r.Status != OK || r.FreeBytes <= 0 || r.TotalBytes < r.FreeBytes || r.Problem != "" {
		t.Fatalf("a writable dir with room: %+v", r)
	}

	// Less free than the minimum: degraded, and the report says what to do.
	s = NewStorage(Options{Dir: dir, MinFree: 1 << 62}, quiet(), nil)
	if r := s.Report(); r.Status != Degraded || !strings.Contains(r.Problem, "free space") {
		t.Fatalf("below the minimum: %+v", r)
	}

	// A write that fails elsewhere makes the hub failing for Hold, even
	// though the probe succeeds.
	now := time.Now()
	s = NewStorage(Options{Dir: dir, MinFree: 1, Hold: time.Minute}, quiet(), prometheus.NewRegistry())
	s.now = func() time.Time { return now }
	s.Failed(errors.New("database or disk is full"))
	if r := s.Check(); r.Status != Failing || !strings.Contains(r.Problem, "database or disk is full") {
		t.Fatalf("after a failed write: %+v", r)
	}
	now = now.Add(2 * time.Minute)
	if r := s.Check(); r.Status != OK {
		t.Fatalf("a minute after the last failed write, with the probe passing: %+v", r)
	}
	// A write that succeeds there ends the failure at once.
	s.Failed(errors.New("database or disk is full"))
	s.Stored()
	if r := s.Check(); r.Status != OK {
		t.Fatalf("after a write succeeded again: %+v", r)
	}

	// A directory that cannot be written: failing, from the probe.
	s = NewStorage(Options{Dir: filepath.Join(dir, "gone"), MinFree: 1}, quiet(), nil)
	if r := s.Report(); r.Status != Failing || !strings.Contains(r.Problem, "cannot write") {
		t.Fatalf("an unwritable dir: %+v", r)
	}
	if got := testutil.ToFloat64(s.failures); got != 1 {
		t.Fatalf("write failures counted: %v, want 1", got)
	}
}

func TestHealthzAnswers(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		opts Options
		code int
		want string
	}{
		{Options{Dir: dir, MinFree: 1}, http.StatusOK, `"status":"ok"`},
		{Options{Dir: dir, MinFree: 1 << 62}, http.StatusOK, `"status":"degraded"`},
		{Options{Dir: filepath.Join(dir, "gone"), MinFree: 1}, http.StatusServiceUnavailable, `"status":"failing"`},
	} {
		rec := httptest.NewRecorder()
		NewStorage(c.opts, quiet(), nil).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.want) || !strings.Contains(rec.Body.String(), `"free_bytes"`) {
			t.Errorf("%+v: %d %s", c.opts, rec.Code, rec.Body)
		}
	}
}

func TestStartAndClose(t *testing.T) {
	s := NewStorage(Options{Dir: t.TempDir(), Every: time.Millisecond}, quiet(), nil)
	s.Start(t.Context())
	first := s.Report().CheckedAt
	deadline := time.Now().Add(10 * time.Second)
	for s.Report().CheckedAt.Equal(first) {
		if time.Now().After(deadline) {
			t.Fatal("the timer never checked again")
		}
		time.Sleep(time.Millisecond)
	}
	s.Close() // returns only once the goroutine has ended
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{512: "512 B", 1536: "1.5 KiB", 3 << 30: "3.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
