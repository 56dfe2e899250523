package retention

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
)

// forget checks a place again inside its transaction: one that got a
// session's record or a record inside the period since it was listed is
// kept whole, index rows and all.
func TestForgetChecksAgain(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	if _, err := Open(ctx, st.DB()); err != nil {
		t.Fatal(err)
	}
	const cutoff = int64(1000)
	row := func(path string, seq uint64, end int64, session string) store.NewSegment {
		return store.NewSegment{Segment: store.Segment{
			Room: "room-1", Stream: "cam1", Seq: seq, LastSeq: seq, Record: "media",
			Start: time.Unix(0, end-10), End: time.Unix(0, end),
			Hash: fmt.Sprint("h", seq), Chain: fmt.Sprint("c", seq), Prev: fmt.Sprint("c", seq-1),
			Size: 10, Path: path, Session: session, Verified: true,
		}}
	}
	if err := st.InsertSegments(ctx, []store.NewSegment{
		row("p-session", 1, 100, ""), row("p-session", 2, 100, "zfcg-2026-001"),
		row("p-newer", 3, 100, ""), row("p-newer", 4, cutoff+1, ""),
		row("p-old", 5, 100, ""), row("p-old", 6, 200, ""),
	}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"p-session", "p-newer"} {
		if n, err := forget(ctx, st.DB(), path, cutoff, 1, 2); err == nil {
			t.Errorf("%s: forgot %d records, want it kept", path, n)
		}
	}
	n, err := forget(ctx, st.DB(), "p-old", cutoff, 1, 2)
	if err != nil || n != 2 {
		t.Fatalf("p-old: forgot %d (%v), want 2", n, err)
	}
	for seq := uint64(1); seq <= 6; seq++ {
		_, err := st.Segment(ctx, "room-1", "cam1", seq)
		if (err == nil) != (seq <= 4) {
			t.Errorf("seq %d indexed: %v, want %v", seq, err == nil, seq <= 4)
		}
	}
}
