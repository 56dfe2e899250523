// Package quality measures what a device captures, cheaply enough to run on
// every frame of a small box: frame rate, resolution, black and frozen
// pictures for cameras; level, silence and clipping for microphones. What
// it finds goes into health, into the segment headers and into events.
package quality

import (
	"slices"
	"sync"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// Analyzer watches one device's frames.
type Analyzer interface {
	// Frame takes one captured frame; it must be cheap.
	Frame(f devices.Frame)
	// Error counts one capture error.
	Error()
	// Quality returns the current figures and conditions.
	Quality() protocol.Quality
	// TakeFlags returns the conditions seen since the last call, for the
	// segment being cut.
	TakeFlags() []string
}

// signals keeps which conditions hold now and which were seen since the
// segment started, and tells about changes.
type signals struct {
	mu       sync.Mutex
	on       map[string]bool
	seen     map[string]bool
	onChange func(signal string, on bool)
}

func newSignals(onChange func(string, bool)) signals {
	return signals{on: map[string]bool{}, seen: map[string]bool{}, onChange: onChange}
}

// set records a condition; the caller holds mu.
func (s *signals) set(name string, on bool) {
	if on {
		s.seen[name] = true
	}
	if s.on[name] == on {
		return
	}
	s.on[name] = on
	if s.onChange != nil {
		s.onChange(name, on)
	}
}

func (s *signals) list() []string {
	var out []string
	for k, v := range s.on {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (s *signals) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.seen {
		out = append(out, k)
	}
	slices.Sort(out)
	s.seen = map[string]bool{}
	for k, v := range s.on { // still holding: counts for the next segment too
		if v {
			s.seen[k] = true
		}
	}
	return out
}

// rate counts events in a sliding window.
type rate struct {
	window time.Duration
	times  []time.Time
}

func (r *rate) add(t time.Time) {
	r.times = append(r.times, t)
	cut := 0
	for cut < len(r.times) && t.Sub(r.times[cut]) > r.window {
		cut++
	}
	r.times = r.times[cut:]
}

func (r *rate) perSecond() float64 {
	if len(r.times) < 2 {
		return 0
	}
	span := r.times[len(r.times)-1].Sub(r.times[0]).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(len(r.times)-1) / span
}
