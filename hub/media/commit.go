package media

import (
	"context"
	"sync"

	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/store"
)

// pending is one upload waiting for its bytes to be stored and its index
// row committed.
type pending struct {
	row  store.NewSegment
	rec  *recstore.Record // its bytes; put sets where they went
	done chan error
}

// committer makes concurrent uploads durable together (group commit): one
// put of their bytes (a sync per pack, or an object per room in an object
// store) and one database transaction for every upload that arrived
// while the previous batch was committing. It has no goroutine of its
// own: a batch is committed by the first caller that finds none running, and
// whatever queued up meanwhile by a goroutine that lives only while there is
// work.
type committer struct {
	insert func(ctx context.Context, rows []store.NewSegment) error
	put    func(ctx context.Context, batch []*recstore.Record) error // durable on return

	mu      sync.Mutex
	queue   []*pending
	running bool
}

// commit blocks until p's bytes are stored and its row committed. It
// waits even when ctx is cancelled: the caller must know whether the row
// went in before it answers the box, and the wait is one put and one
// transaction.
func (c *committer) commit(ctx context.Context, p *pending) error {
	p.done = make(chan error, 1)
	c.mu.Lock()
	c.queue = append(c.queue, p)
	lead := !c.running
	c.running = true
	c.mu.Unlock()
	if lead {
		c.run(context.WithoutCancel(ctx))
	}
	return <-p.done
}

// run commits batches until the queue is empty. The leader commits one
// batch; later batches go to a new goroutine so the leader can answer its
// own client.
func (c *committer) run(ctx context.Context) {
	c.mu.Lock()
	batch := c.queue
	c.queue = nil
	c.mu.Unlock()

	c.flush(ctx, batch)

	c.mu.Lock()
	more := len(c.queue) > 0
	c.running = more
	c.mu.Unlock()
	if more {
		go c.run(ctx)
	}
}

func (c *committer) flush(ctx context.Context, batch []*pending) {
	recs := make([]*recstore.Record, len(batch))
	for i, p := range batch {
		recs[i] = p.rec
	}
	if err := c.put(ctx, recs); err != nil {
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	rows := make([]store.NewSegment, len(batch))
	for i, p := range batch {
		rows[i] = p.row
		rows[i].Path, rows[i].Offset = p.rec.Path, p.rec.Offset
	}
	if err := c.insert(ctx, rows); err == nil || len(batch) == 1 {
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	// One bad row must not fail the others: commit them one by one.
	for i, p := range batch {
		p.done <- c.insert(ctx, rows[i:i+1])
	}
}
