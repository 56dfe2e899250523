package systest

import (
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// TestEvictionDuringOutage gives a room a small spool, keeps the hub away
// until the budget forces footage out, and checks that the hub ends up with
// an unbroken, verified chain in which every dropped segment is covered by a
// signed spool_eviction gap record.
func TestEvictionDuringOutage(t *testing.T) {
	e := startHub(t)
	l := newLedger()
	rs := startRoomsBudget(t, e, 1, l, 150_000)
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	e.shutdown()
	eventually(t, 60*time.Second, "the spool evicts", func() bool { return rs.list[0].Agent.Spool().Stats().Evicted > 0 })
	e.start()
	want := l.snapshot()
	eventually(t, 2*time.Minute, "every recorded segment stored or covered by a gap", func() bool {
		for key, segs := range want {
			have := hubHas(t, e.hub.Store(), key)
			for seq, hash := range segs {
				if have[seq].Hash == hash {
					continue
				}
				if !coveredByEviction(have, seq) {
					return false
				}
			}
		}
		return true
	})
	rs.stop()
	gaps := 0
	for key := range want {
		have := hubHas(t, e.hub.Store(), key)
		var maxSeq uint64
		for s := range want[key] {
			maxSeq = max(maxSeq, s)
		}
		seq := uint64(0)
		for ; ; seq = have[seq].LastSeq + 1 {
			r, ok := have[seq]
			if !ok {
				break
			}
			if !r.Verified {
				t.Fatalf("%s seq %d not verified", key, seq)
			}
			if r.GapReason == protocol.GapSpoolEviction {
				gaps++
			}
		}
		if seq <= maxSeq {
			t.Fatalf("%s: the chain at the hub stops at seq %d, recorded up to %d", key, seq, maxSeq)
		}
	}
	if gaps == 0 {
		t.Fatal("no spool_eviction gap record reached the hub")
	}
}

func coveredByEviction(have map[uint64]store.Segment, seq uint64) bool {
	for _, r := range have {
		if r.GapReason == protocol.GapSpoolEviction && r.Seq <= seq && seq <= r.LastSeq {
			return true
		}
	}
	return false
}
