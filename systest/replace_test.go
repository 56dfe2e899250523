package systest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/room"
)

// TestBoxReplacement replaces a room's box: the old one stops, a new box
// with a new key is enrolled for the same room, and records. The room
// keeps its history, and each stream's chain goes on unbroken at the hub
// through a signed box_replaced gap record, under the new key.
func TestBoxReplacement(t *testing.T) {
	e := startHub(t)
	l := newLedger()
	rs := startRooms(t, e, 1, l)
	eventually(t, 30*time.Second, "the first box's records arrive", func() bool {
		return len(hubHas(t, e.hub.Store(), "room-1/cam1")) >= 3
	})
	rs.stop() // the old box fails
	before := map[string]int{}
	for _, s := range []string{"cam1", "cam2", "mic1"} {
		before[s] = len(hubHas(t, e.hub.Store(), "room-1/"+s))
	}
	oldKey := e.hub.Store()
	rm, err := oldKey.Room(context.Background(), "room-1")
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	nb, err := room.New(ctx, room.Config{
		ID: "room-1", Name: "room-1", Hub: e.url(), MQTT: e.cfg.MQTT, DataDir: t.TempDir(), CAFile: e.caFile(), Token: e.opToken,
		Cameras: 2, Mics: 1, Width: 160, Height: 90, FPS: 5, Segment: time.Second, Report: time.Second,
	}, e.log, nil, l.add)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); nb.Agent.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })

	after, err := e.hub.Store().Room(context.Background(), "room-1")
	if err != nil {
		t.Fatal(err)
	}
	if after.PublicKey == rm.PublicKey {
		t.Fatal("the room still has the old box's key")
	}
	for _, s := range []string{"cam1", "cam2", "mic1"} {
		key := "room-1/" + s
		eventually(t, 60*time.Second, key+": the new box's records arrive after the old ones", func() bool {
			return len(hubHas(t, e.hub.Store(), key)) >= before[s]+3
		})
		have := hubHas(t, e.hub.Store(), key)
		replaced := 0
		for seq := uint64(0); seq < uint64(len(have)); {
			r, ok := have[seq]
			if !ok {
				t.Fatalf("%s: seq %d missing: the chain is not whole", key, seq)
			}
			if !r.Verified {
				t.Fatalf("%s: seq %d not verified", key, seq)
			}
			if r.GapReason == protocol.GapBoxReplaced {
				replaced++
				if seq != uint64(before[s]) {
					t.Errorf("%s: box_replaced at seq %d, want %d (right after the old box's last)", key, seq, before[s])
				}
			}
			seq = r.LastSeq + 1
		}
		if replaced != 1 {
			t.Fatalf("%s: %d box_replaced gap records, want 1", key, replaced)
		}
	}
}
