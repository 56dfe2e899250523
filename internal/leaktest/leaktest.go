// Package leaktest fails a test that leaves goroutines behind. A part of
// the hub or the box must return from Close (or Run) only once its
// goroutines have ended, so a goroutine of this module that is still there
// the moment the part was stopped is a leak at once; goroutines of the
// libraries underneath (connections closing, a broker's clients) get a
// short time to end, polled, never slept on.
package leaktest

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/internal/run"
)

// Module is the import path prefix of this module's code.
const Module = "github.com/evalroom/evalroom/"

// Snapshot is the goroutines running at one moment, by id.
type Snapshot map[int]string

// Take returns the goroutines running now with their stacks.
func Take() Snapshot {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := Snapshot{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		head, _, _ := strings.Cut(string(g), " [")
		id, err := strconv.Atoi(strings.TrimPrefix(head, "goroutine "))
		if err == nil {
			out[id] = string(g)
		}
	}
	return out
}

// since returns the goroutines of s that were not in before; own keeps only
// those running or started by this module's code (not this package's).
func (s Snapshot) since(before Snapshot, own bool) []string {
	var out []string
	for id, stack := range s {
		if _, ok := before[id]; ok {
			continue
		}
		if own && !ours(stack) {
			continue
		}
		out = append(out, stack)
	}
	return out
}

func ours(stack string) bool {
	for line := range strings.SplitSeq(stack, "\n") {
		line = strings.TrimPrefix(line, "created by ")
		if strings.HasPrefix(line, Module) && !strings.HasPrefix(line, Module+"internal/leaktest") && !strings.Contains(line, "_test.") {
			return true
		}
	}
	return false
}

// Check fails t if goroutines started since before are left: at once for
// any of this module's, and for any other that has not ended within
// settle.
func Check(t testing.TB, before Snapshot, settle time.Duration) {
	t.Helper()
	if parts := run.Running(); len(parts) > 0 {
		t.Fatalf("parts still running after they were stopped (a Close that does not wait?): %v", parts)
	}
	if left := Take().since(before, true); len(left) > 0 {
		t.Fatalf("%d goroutine(s) of evalroom still running after the parts were stopped (a Close that does not wait?):\n\n%s", len(left), strings.Join(left, "\n\n"))
	}
	deadline := time.Now().Add(settle)
	for {
		left := Take().since(before, false)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutine(s) left %v after the parts were stopped:\n\n%s", len(left), settle, strings.Join(left, "\n\n"))
		}
		runtime.Gosched()
		time.Sleep(20 * time.Millisecond) // poll interval, not an assertion
	}
}
