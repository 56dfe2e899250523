// Package run gives every long-running part of the hub and the box one
// shape: its goroutines run under a context of the part's own, derived from
// the one it was started with, and Close cancels that context and returns
// only once they have all ended, so that whoever stops the part knows
// nothing of it runs on (mediamtx's parts have the same shape).
package run

import (
	"context"
	"sync"
	"time"
)

// Linger, set by leak tests only, holds each goroutine of a group this long
// after its function has returned before it counts as ended: a Close that
// does not wait for its goroutines is then caught, not hidden by how fast
// a cancelled goroutine usually ends.
var Linger time.Duration

// Group is the goroutines of one part. Its zero value is not usable; a nil
// *Group (a part never started) may be closed and waited for.
type Group struct {
	name   string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a group whose goroutines run until ctx ends or Close; name
// says whose they are ("fleet pings").
func New(ctx context.Context, name string) *Group {
	ctx, cancel := context.WithCancel(ctx)
	return &Group{name: name, ctx: ctx, cancel: cancel}
}

// running counts the goroutines of every group by name, for Running.
var running = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

func count(name string, d int) {
	running.Lock()
	defer running.Unlock()
	running.n[name] += d
	if running.n[name] == 0 {
		delete(running.n, name)
	}
}

// Running returns how many goroutines of each named group have not ended.
func Running() map[string]int {
	running.Lock()
	defer running.Unlock()
	out := make(map[string]int, len(running.n))
	for k, v := range running.n {
		out[k] = v
	}
	return out
}

// Go runs f in a goroutine of the group with the group's context.
func (g *Group) Go(f func(ctx context.Context)) {
	linger := Linger
	count(g.name, 1)
	g.wg.Go(func() {
		defer count(g.name, -1)
		f(g.ctx)
		if linger > 0 {
			time.Sleep(linger)
		}
	})
}

// Close cancels the group's context and returns once every goroutine of
// the group has ended. It may be called more than once.
func (g *Group) Close() {
	if g == nil {
		return
	}
	g.cancel()
	g.wg.Wait()
}

// Wait returns once every goroutine of the group has ended (after Close, or
// once the context the group was made with ends and they return).
func (g *Group) Wait() {
	if g == nil {
		return
	}
	g.wg.Wait()
}

// Every calls f every interval until ctx ends; the first call is one
// interval after the start.
func Every(ctx context.Context, every time.Duration, f func(ctx context.Context)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}
