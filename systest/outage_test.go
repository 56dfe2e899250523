package systest

import (
	"github.com/evalroom/evalroom/hub/server"
	"os"
	"testing"
	"time"
)

// TestHubOutage stops the hub while rooms record, starts it again, and
// checks that every recorded segment arrives, once, verified, in an
// unbroken sequence.
func TestHubOutage(t *testing.T) {
	outage := 60 * time.Second
	if v := os.Getenv("EVALROOM_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		outage = d
	}
	e := startHub(t)
	l := newLedger()
	rs := startRooms(t, e, 2, l)

	eventually(t, 30*time.Second, "both rooms online", func() bool {
		return e.hub.Fleet.State("room-1").Online && e.hub.Fleet.State("room-2").Online
	})
	time.Sleep(3 * time.Second) // some footage before the outage

	e.shutdown()
	eventually(t, 30*time.Second, "rooms notice the hub is gone", func() bool {
		return !rs.list[0].Agent.Connected() && !rs.list[1].Agent.Connected()
	})
	time.Sleep(outage)
	if rs.list[0].Agent.Spool().Stats().Records == 0 {
		t.Fatal("nothing waited in the spool during the outage")
	}
	e.start()
	eventually(t, 30*time.Second, "both rooms online again", func() bool {
		return e.hub.Fleet.State("room-1").Online && e.hub.Fleet.State("room-2").Online
	})
	want := l.snapshot()
	waitArrived(t, e.hub.Store(), want, 2*time.Minute)
	rs.stop()
	for key := range want {
		have := hubHas(t, e.hub.Store(), key)
		for seq := uint64(0); seq < uint64(len(want[key])); seq++ {
			seg, ok := have[seq]
			if !ok {
				t.Fatalf("%s: seq %d missing: sequence not contiguous", key, seq)
			}
			if !seg.Verified {
				t.Errorf("%s seq %d not verified", key, seq)
			}
		}
	}
}

// TestNetworkCut cuts one room off and checks the hub shows it offline and
// then online again, while the other room stays online.
func TestNetworkCut(t *testing.T) {
	e := startHub(t)
	rs := startRooms(t, e, 2, newLedger())
	eventually(t, 30*time.Second, "both rooms online", func() bool {
		return e.hub.Fleet.State("room-1").Online && e.hub.Fleet.State("room-2").Online
	})
	rs.list[0].Net.SetDown(true)
	eventually(t, 30*time.Second, "room-1 offline at the hub", func() bool { return !e.hub.Fleet.State("room-1").Online })
	if !e.hub.Fleet.State("room-2").Online {
		t.Fatal("room-2 went offline with room-1")
	}
	rs.list[0].Net.SetDown(false)
	eventually(t, 30*time.Second, "room-1 online again", func() bool { return e.hub.Fleet.State("room-1").Online })
}

// TestClockOffsetMeasured checks that the hub measures each box's clock
// offset by ping; box and hub share this machine's clock here.
func TestClockOffsetMeasured(t *testing.T) {
	e := &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: t.TempDir(), HTTP: anyPort, MQTT: anyPort, PingInterval: 300 * time.Millisecond,
	}}
	e.start()
	t.Cleanup(e.shutdown)
	startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "offset measured", func() bool { return !e.hub.Fleet.State("room-1").OffsetAt.IsZero() })
	st := e.hub.Fleet.State("room-1")
	if st.RTT <= 0 || st.ClockOffset > st.RTT || -st.ClockOffset > st.RTT {
		t.Fatalf("offset %v with round trip %v: on one clock the offset is within the round trip", st.ClockOffset, st.RTT)
	}
}
