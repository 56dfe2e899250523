package uploader

import (
	"context"
	"io"
	"sync"
	"time"
)

// limiter is a token bucket shared by all uploads: rate bytes per second
// with a burst of one second's worth.
type limiter struct {
	rate   int64
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newLimiter(rate int64) *limiter { return &limiter{rate: rate} }

func (l *limiter) reader(ctx context.Context, r io.Reader) io.Reader {
	if l.rate <= 0 {
		return r
	}
	return &limitedReader{ctx: ctx, r: r, l: l}
}

// take waits until n bytes may be sent.
func (l *limiter) take(ctx context.Context, n int) error {
	wait := l.reserve(time.Now(), n)
	if wait == 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return nil
	}
}

// reserve takes n bytes from the bucket at now and returns how long the
// caller must wait before sending them.
func (l *limiter) reserve(now time.Time, n int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last.IsZero() {
		l.tokens = float64(l.rate)
	} else {
		l.tokens = min(float64(l.rate), l.tokens+now.Sub(l.last).Seconds()*float64(l.rate))
	}
	l.last = now
	l.tokens -= float64(n)
	if l.tokens >= 0 {
		return 0
	}
	return time.Duration(-l.tokens / float64(l.rate) * float64(time.Second))
}

type limitedReader struct {
	ctx context.Context
	r   io.Reader
	l   *limiter
}

func (r *limitedReader) Read(p []byte) (int, error) {
	if max := int(r.l.rate / 10); max > 0 && len(p) > max {
		p = p[:max] // small steps keep the rate smooth
	}
	n, err := r.r.Read(p)
	if n > 0 {
		if werr := r.l.take(r.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}
