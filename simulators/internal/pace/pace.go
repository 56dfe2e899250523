// Package pace spaces simulated captures on a fixed grid of real time, the
// way a device's clock does.
package pace

import (
	"context"
	"time"
)

// Pacer spaces frames or chunks Interval apart.
type Pacer struct {
	Interval time.Duration
	next     time.Time // deadline of the next one; zero: now
}

// Wait blocks until the next one is due and moves the deadline on. If the
// caller fell behind, missed ones are skipped, staying on the grid. It
// returns ctx.Err(), or closed once done is closed.
func (p *Pacer) Wait(ctx context.Context, done <-chan struct{}, closed error) error {
	now := time.Now()
	if p.next.IsZero() {
		p.next = now
	}
	if err := Sleep(ctx, done, closed, p.next.Sub(now)); err != nil {
		return err
	}
	p.next = p.next.Add(p.Interval)
	if late := time.Since(p.next); late >= 0 {
		p.next = p.next.Add((late/p.Interval + 1) * p.Interval)
	}
	return nil
}

// Reset makes the next one due at once.
func (p *Pacer) Reset() { p.next = time.Time{} }

// Sleep waits for d, returning early with ctx.Err(), or closed once done is
// closed.
func Sleep(ctx context.Context, done <-chan struct{}, closed error, d time.Duration) error {
	select {
	case <-done:
		return closed
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
		return closed
	case <-t.C:
		return nil
	}
}
