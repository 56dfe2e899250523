// Package meter measures a byte rate over the last few whole seconds.
package meter

import (
	"sync"
	"time"
)

// Meter is safe for concurrent use; the zero value is ready.
type Meter struct {
	mu      sync.Mutex
	buckets [8]int64
	secs    [8]int64
}

// Add counts n bytes at now.
func (m *Meter) Add(now time.Time, n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := now.Unix()
	i := s % int64(len(m.buckets))
	if m.secs[i] != s {
		m.secs[i], m.buckets[i] = s, 0
	}
	m.buckets[i] += n
}

// Rate averages the last five complete seconds, bytes per second.
func (m *Meter) Rate(now time.Time) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := now.Unix()
	var sum int64
	for i, sec := range m.secs {
		if sec < s && sec >= s-5 {
			sum += m.buckets[i]
		}
	}
	return float64(sum) / 5
}
