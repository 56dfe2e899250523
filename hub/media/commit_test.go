package media

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/store"
)

// A row the database refuses fails its own upload only; the rest of its
// batch is committed.
func TestCommitterIsolatesAFailingRow(t *testing.T) {
	errBad := errors.New("refused")
	var mu sync.Mutex
	var committed []uint64
	batches := 0
	gate := make(chan struct{})
	c := &committer{
		put: func(context.Context, []*recstore.Record) error { return nil },
		insert: func(_ context.Context, rows []store.NewSegment) error {
			mu.Lock()
			defer mu.Unlock()
			if batches == 0 {
				<-gate // hold the first batch so the others queue up behind it
			}
			batches++
			for _, r := range rows {
				if r.Seq == 3 {
					return errBad
				}
			}
			for _, r := range rows {
				committed = append(committed, r.Seq)
			}
			return nil
		},
	}
	errs := make([]error, 6)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs[0] = c.commit(context.Background(), &pending{row: store.NewSegment{Segment: store.Segment{Seq: 0}}, rec: &recstore.Record{Room: "room-1"}})
	}()
	for !queued(c, 0) {
		runtime.Gosched()
	}
	for i := 1; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.commit(context.Background(), &pending{row: store.NewSegment{Segment: store.Segment{Seq: uint64(i)}}, rec: &recstore.Record{Room: "room-1"}})
		}()
	}
	for !queued(c, 5) {
		runtime.Gosched()
	}
	close(gate)
	wg.Wait()
	for i, err := range errs {
		if (i == 3) != errors.Is(err, errBad) {
			t.Errorf("seq %d: %v", i, err)
		}
	}
	if len(committed) != 5 {
		t.Fatalf("committed %v, want every seq but 3", committed)
	}
	if batches < 3 { // the first alone, then the five together, then one by one
		t.Fatalf("%d inserts: the waiting uploads were not batched", batches)
	}
}

// queued reports whether the committer is running and n uploads wait.
func queued(c *committer, n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running && len(c.queue) == n
}
