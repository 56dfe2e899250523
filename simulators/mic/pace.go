package mic

import (
	"context"
	"time"
)

// pacer spaces chunks on a fixed grid of real time.
type pacer struct {
	interval time.Duration
	next     time.Time // deadline of the next chunk; zero: now
}

// wait blocks until the next chunk is due and moves the deadline on. If the
// caller fell behind, missed chunks are skipped, staying on the grid.
func (p *pacer) wait(ctx context.Context, done <-chan struct{}) error {
	now := time.Now()
	if p.next.IsZero() {
		p.next = now
	}
	if err := sleep(ctx, done, p.next.Sub(now)); err != nil {
		return err
	}
	p.next = p.next.Add(p.interval)
	if late := time.Since(p.next); late >= 0 {
		p.next = p.next.Add((late/p.interval + 1) * p.interval)
	}
	return nil
}

// reset makes the next chunk due at once.
func (p *pacer) reset() { p.next = time.Time{} }

// sleep waits for d, returning early with ctx.Err() or ErrClosed.
func sleep(ctx context.Context, done <-chan struct{}, d time.Duration) error {
	select {
	case <-done:
		return ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-done:
		return ErrClosed
	case <-t.C:
		return nil
	}
}
