package fleet

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func newFleet() *Fleet {
	return New(10*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

// TestSharedVectors feeds every message vector to the fleet on its topic:
// good ones change the room's state, malformed ones change nothing.
func TestSharedVectors(t *testing.T) {
	kinds := map[string]string{"status": protocol.TopicStatus, "health": protocol.TopicHealth, "telemetry": protocol.TopicTelemetry, "event": protocol.TopicEvents}
	for _, v := range prototest.Messages {
		kind := ""
		for prefix, k := range kinds {
			if len(v.Name) >= len(prefix) && v.Name[:len(prefix)] == prefix {
				kind = k
			}
		}
		if kind == "" {
			continue // commands and replies do not go to the fleet
		}
		t.Run(v.Name, func(t *testing.T) {
			f := newFleet()
			f.Handle(protocol.RoomTopic("room-1", kind), []byte(v.Data))
			_, seen := f.All()["room-1"]
			if v.Err != nil && seen {
				t.Fatal("a malformed message changed the fleet")
			}
			if v.Err == nil && !seen {
				t.Fatal("a good message was ignored")
			}
		})
	}
}

func TestMisaddressedMessagesChangeNothing(t *testing.T) {
	f := newFleet()
	good := `{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:30:00Z"}`
	f.Handle(protocol.RoomTopic("room-2", protocol.TopicStatus), []byte(good)) // room-1 posing as room-2
	f.Handle("evalroom/v1/room/../status", []byte(good))
	f.Handle("elsewhere/room-1/status", []byte(good))
	if n := len(f.All()); n != 0 {
		t.Fatalf("%d rooms after misaddressed messages", n)
	}
}

func TestOnlineOfflineAndHeartbeat(t *testing.T) {
	f := newFleet()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	f.now = func() time.Time { return now }
	f.Handle(protocol.RoomTopic("room-1", protocol.TopicStatus), []byte(`{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:30:00Z"}`))
	if !f.State("room-1").Online {
		t.Fatal("not online after status")
	}
	now = now.Add(11 * time.Second)
	if f.State("room-1").Online {
		t.Fatal("still online after the heartbeat timeout")
	}
	f.Handle(protocol.RoomTopic("room-1", protocol.TopicHealth), []byte(`{"v":1,"room":"room-1","time":"2026-03-02T09:30:11Z","devices":[]}`))
	if !f.State("room-1").Online {
		t.Fatal("health did not bring the room back")
	}
	f.Handle(protocol.RoomTopic("room-1", protocol.TopicStatus), []byte(`{"v":1,"room":"room-1","online":false,"time":"0001-01-01T00:00:00Z"}`))
	if f.State("room-1").Online {
		t.Fatal("last will did not take the room offline")
	}
}

func TestSignalEventsShowBeforeTheNextHealth(t *testing.T) {
	f := newFleet()
	f.Handle(protocol.RoomTopic("room-1", protocol.TopicHealth), []byte(`{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","devices":[{"stream":"cam1","kind":"video","device":"sim","state":"ok","quality":{"fps":10}}]}`))
	f.Handle(protocol.RoomTopic("room-1", protocol.TopicEvents), []byte(`{"v":1,"room":"room-1","time":"2026-03-02T09:30:01Z","kind":"signal_on","stream":"cam1","detail":"black"}`))
	q := f.State("room-1").Devices[0].Quality
	if q == nil || len(q.Signals) != 1 || q.Signals[0] != "black" || q.FPS != 10 {
		t.Fatalf("after signal_on: %+v", q)
	}
	f.Handle(protocol.RoomTopic("room-1", protocol.TopicEvents), []byte(`{"v":1,"room":"room-1","time":"2026-03-02T09:30:02Z","kind":"signal_off","stream":"cam1","detail":"black"}`))
	if q := f.State("room-1").Devices[0].Quality; len(q.Signals) != 0 {
		t.Fatalf("after signal_off: %+v", q)
	}
}

// A box says in its status what its build offers; a box of an older build
// names nothing, and a later status of the same room replaces the list.
func TestStatusFeatures(t *testing.T) {
	f := newFleet()
	topic := protocol.RoomTopic("room-1", protocol.TopicStatus)
	f.Handle(topic, []byte(`{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:30:00Z","version":"old"}`))
	if got := f.State("room-1").Features; len(got) != 0 {
		t.Fatalf("an older box offers %v, want nothing", got)
	}
	f.Handle(topic, []byte(`{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:31:00Z","features":["live.sub"]}`))
	if got := f.State("room-1").Features; len(got) != 1 || got[0] != protocol.FeatureLiveSub {
		t.Fatalf("features %v, want [live.sub]", got)
	}
	f.Handle(topic, []byte(`{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:32:00Z","features":[""]}`))
	if got := f.State("room-1").Features; len(got) != 1 {
		t.Fatalf("a status naming an empty feature was taken: %v", got)
	}
}
