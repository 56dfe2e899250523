package server

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/internal/run"
)

// TestEachPartStopsBeforeItsCloseReturns starts a hub with every
// long-running part and stops the parts one at a time, in the order
// Shutdown does: once a part's Close has returned, none of its goroutines
// may run. They linger a little after they end, so a Close that does not
// wait for them is caught whatever the parts after it take.
// (systest.TestNoGoroutineLeft checks the whole hub and a box.)
func TestEachPartStopsBeforeItsCloseReturns(t *testing.T) {
	run.Linger = 100 * time.Millisecond
	t.Cleanup(func() { run.Linger = 0 })
	hook, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer hook.Close()
	for round := range 3 {
		dir := t.TempDir()
		h, err := Start(context.Background(), Config{
			DataDir: dir, Database: sqldbtest.For(t, dir), HTTP: "127.0.0.1:0", MQTT: "127.0.0.1:0", Insecure: true,
			PingInterval: 50 * time.Millisecond, Webhooks: []string{"http://" + hook.Addr().String() + "/hook"},
		}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := h.http.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		for i := len(h.parts) - 1; i >= 0; i-- {
			p := h.parts[i]
			p.close()
			if n := run.Running()[p.name]; n > 0 {
				t.Errorf("round %d: %d goroutine(s) of %s still running after its Close returned", round, n, p.name)
			}
		}
		h.parts = nil
		if left := run.Running(); len(left) > 0 {
			t.Fatalf("round %d: still running after every part stopped: %v", round, left)
		}
	}
}
