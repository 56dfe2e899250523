package media

import (
	"context"
	"sync"

	"github.com/evalroom/evalroom/hub/store"
)

// pending is one upload waiting for its directory sync and index row.
type pending struct {
	row  store.NewSegment
	pack string // pack file holding the record's bytes, to sync
	done chan error
}

// committer makes concurrent uploads durable together (group commit): one
// sync per pack and one database transaction for every upload that arrived
// while the previous batch was committing. It has no goroutine of its
// own: a batch is committed by the first caller that finds none running, and
// whatever queued up meanwhile by a goroutine that lives only while there is
// work.
type committer struct {
	insert func(ctx context.Context, rows []store.NewSegment) error
	packer func(pack string) error // syncs a pack's data

	mu      sync.Mutex
	queue   []*pending
	running bool
}

// commit blocks until p's directory is synced and its row committed. It
// waits even when ctx is cancelled: the caller must know whether the row
// went in before it may remove the file, and the wait is one transaction.
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
	if err := syncEach(batch, func(p *pending) string { return p.pack }, c.packer); err != nil {
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	rows := make([]store.NewSegment, len(batch))
	for i, p := range batch {
		rows[i] = p.row
	}
	if err := c.insert(ctx, rows); err == nil || len(batch) == 1 {
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	// One bad row must not fail the others: commit them one by one.
	for _, p := range batch {
		p.done <- c.insert(ctx, []store.NewSegment{p.row})
	}
}

// syncEach runs sync once for each distinct non-empty key of the batch,
// concurrently, before the index.
func syncEach(batch []*pending, key func(*pending) string, sync func(string) error) error {
	keys := make(map[string]bool)
	for _, p := range batch {
		if k := key(p); k != "" {
			keys[k] = true
		}
	}
	errs := make(chan error, len(keys))
	for k := range keys {
		go func() { errs <- sync(k) }()
	}
	var first error
	for range keys {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
