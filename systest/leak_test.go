package systest

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/internal/leaktest"
	"github.com/evalroom/evalroom/internal/run"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/room"
)

// TestNoGoroutineLeft starts a hub (with webhooks, so every long-running
// part runs) and a room's agent, lets the agent record and upload, and
// stops both, $EVALROOM_LEAK_ROUNDS times (default 8). After each round no
// goroutine of evalroom may be left the moment the hub's Shutdown and the
// agent's Run have returned, and no other goroutine once connections have
// closed. The parts' goroutines linger a little after they end, so a Close
// that does not wait for them is caught every time.
func TestNoGoroutineLeft(t *testing.T) {
	rounds := 8
	if v, err := strconv.Atoi(os.Getenv("EVALROOM_LEAK_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	e := &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: t.TempDir(), HTTP: anyPort, MQTT: anyPort, HeartbeatTimeout: 6 * time.Second,
		PingInterval: 200 * time.Millisecond,
		// Nobody listens there: deliveries fail and wait to retry.
		Webhooks: []string{"http://" + freeAddr(t) + "/hook"},
	}}
	boxDir := t.TempDir()
	run.Linger = 100 * time.Millisecond
	t.Cleanup(func() { run.Linger = 0 })
	before := leaktest.Take()
	for i := range rounds {
		e.start()
		roundOf(t, e, boxDir, i)
		e.shutdown()
		leaktest.Check(t, before, 10*time.Second)
	}
}

// roundOf runs room-1's agent against the hub until the hub holds a record
// of this round, then stops the agent and returns once its Run has.
func roundOf(t *testing.T, e *hubEnv, dir string, round int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := room.New(ctx, room.Config{
		ID: "room-1", Name: "room-1", Hub: e.url(), MQTT: e.cfg.MQTT, DataDir: dir, CAFile: e.caFile(), Token: e.opToken,
		Cameras: 1, Mics: 1, Width: 160, Height: 90, FPS: 5, Segment: time.Second, Report: time.Second,
		KeyAlg: keyAlg(),
	}, e.log, nil, func(*protocol.Segment) {})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- r.Agent.Run(ctx) }()
	start := time.Now()
	eventually(t, 30*time.Second, "room-1 online with a record uploaded in round "+strconv.Itoa(round), func() bool {
		segs, err := e.hub.Store().Segments(ctx, "room-1", "cam1", start, time.Now().Add(time.Hour), 1)
		return err == nil && len(segs) > 0 && e.hub.Fleet.State("room-1").Online
	})
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("round %d: agent: %v", round, err)
	}
}
