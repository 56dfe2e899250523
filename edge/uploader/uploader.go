// Package uploader sends spooled segments to the hub over HTTP PUT. A
// segment leaves the spool only after the hub answers that it stored it
// durably; failures back off exponentially with jitter and the queue resumes
// by itself when the hub is back.
package uploader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evalroom/evalroom/edge/internal/meter"
	"github.com/evalroom/evalroom/edge/spool"
)

// Queue is the spool as the uploader sees it.
type Queue interface {
	Next(ctx context.Context, liveWindow time.Duration) (spool.Item, error)
	Ack(ctx context.Context, stream string, seq uint64, hash string) error
	Release(stream string, seq uint64)
}

// Config for an uploader.
type Config struct {
	Hub            string        // base URL of the hub
	Room           string        // this box's room
	Workers        int           // parallel uploads; default 2
	LiveWindow     time.Duration // records younger than this go first; default 10 s
	MaxBytesPerSec int64         // bandwidth cap over all workers; 0 = none
	Client         *http.Client
	MinBackoff     time.Duration // default 500 ms
	MaxBackoff     time.Duration // default 30 s
}

// Ack is the hub's answer to a stored segment.
type Ack struct {
	Stored bool   `json:"stored"`
	Hash   string `json:"hash"`
}

// Uploader drains a queue to the hub.
type Uploader struct {
	cfg     Config
	q       Queue
	log     *slog.Logger
	limiter *limiter
	refused func(stream string, seq uint64, why string)

	mu      sync.Mutex
	backoff time.Duration
	until   time.Time // no attempts before this

	sent     atomic.Int64 // bytes acked
	failures atomic.Int64
	meter    meter.Meter
}

// New returns an uploader. refused, if set, is told about segments the hub
// refused for good (they stay in the spool for a person to look at).
func New(cfg Config, q Queue, log *slog.Logger, refused func(stream string, seq uint64, why string)) *Uploader {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.LiveWindow <= 0 {
		cfg.LiveWindow = 10 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if log == nil {
		log = slog.Default()
	}
	cfg.Hub = strings.TrimRight(cfg.Hub, "/")
	return &Uploader{cfg: cfg, q: q, log: log.With("component", "uploader"), limiter: newLimiter(cfg.MaxBytesPerSec), refused: refused}
}

// Run uploads until ctx ends, and returns once every goroutine it started
// has ended (the workers and the releases of refused segments).
func (u *Uploader) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range u.cfg.Workers {
		wg.Go(func() { u.worker(ctx, &wg) })
	}
	wg.Wait()
	return nil
}

// BytesSent is the total of acknowledged bytes.
func (u *Uploader) BytesSent() int64 { return u.sent.Load() }

// Failures counts failed attempts.
func (u *Uploader) Failures() int64 { return u.failures.Load() }

// Rate is the acknowledged upload rate over the last few seconds, bytes/s.
func (u *Uploader) Rate() float64 { return u.meter.Rate(time.Now()) }

// worker uploads one segment at a time; what it starts joins wg.
func (u *Uploader) worker(ctx context.Context, wg *sync.WaitGroup) {
	for ctx.Err() == nil {
		if err := u.wait(ctx); err != nil {
			return
		}
		it, err := u.q.Next(ctx, u.cfg.LiveWindow)
		if err != nil {
			return
		}
		err = u.put(ctx, it)
		var perm *refusedError
		switch {
		case err == nil:
			if err := u.q.Ack(ctx, it.Stream, it.Seq, it.Hash); err != nil {
				// Stopping mid-ack is no fault: the replay is answered 200.
				if ctx.Err() == nil {
					u.log.Error("hub stored a segment but the spool could not drop it; it will be sent again", "stream", it.Stream, "seq", it.Seq, "err", err)
				}
				u.q.Release(it.Stream, it.Seq)
			}
			u.sent.Add(int64(len(it.Data)))
			u.meter.Add(time.Now(), int64(len(it.Data)))
			u.succeeded()
		case errors.As(err, &perm):
			// Kept in the spool; retried after the longest backoff.
			u.log.Error("hub refused a segment; it stays in the spool", "stream", it.Stream, "seq", it.Seq, "err", err)
			if u.refused != nil {
				u.refused(it.Stream, it.Seq, perm.Error())
			}
			u.failures.Add(1)
			wg.Go(func() {
				select {
				case <-ctx.Done():
				case <-time.After(u.cfg.MaxBackoff):
				}
				u.q.Release(it.Stream, it.Seq)
			})
		default:
			u.q.Release(it.Stream, it.Seq)
			if ctx.Err() == nil {
				u.failures.Add(1)
				d := u.failed()
				u.log.Warn("upload failed; retrying", "stream", it.Stream, "seq", it.Seq, "in", d.Round(time.Millisecond), "err", err)
			}
		}
	}
}

type refusedError struct {
	status int
	body   string
}

func (e *refusedError) Error() string { return fmt.Sprintf("hub answered %d: %s", e.status, e.body) }

func (u *Uploader) put(ctx context.Context, it spool.Item) error {
	url := fmt.Sprintf("%s/api/v1/ingest/%s/%s/%d", u.cfg.Hub, u.cfg.Room, it.Stream, it.Seq)
	body := u.limiter.reader(ctx, bytes.NewReader(it.Data))
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, body)
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(it.Data))
	req.Header.Set("Content-Type", "application/vnd.evalroom.segment")
	req.Header.Set("X-Evalroom-Hash", it.Hash)
	resp, err := u.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated:
		var a Ack
		if err := json.Unmarshal(rb, &a); err != nil || !a.Stored || a.Hash != it.Hash {
			return fmt.Errorf("hub answered %d without a matching durable ack: %q", resp.StatusCode, rb)
		}
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return &refusedError{status: resp.StatusCode, body: strings.TrimSpace(string(rb))}
	default:
		return fmt.Errorf("hub answered %d: %s", resp.StatusCode, strings.TrimSpace(string(rb)))
	}
}

// wait holds a worker while the uploader is backing off.
func (u *Uploader) wait(ctx context.Context) error {
	u.mu.Lock()
	d := time.Until(u.until)
	u.mu.Unlock()
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// failed doubles the backoff (shared by all workers: the hub is one) and
// returns the wait, with equal jitter (half the backoff, plus up to half
// again at random) so a fleet of boxes does not return in step after an
// outage.
func (u *Uploader) failed() time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.backoff == 0 {
		u.backoff = u.cfg.MinBackoff
	} else {
		u.backoff = min(2*u.backoff, u.cfg.MaxBackoff)
	}
	d := u.backoff/2 + rand.N(u.backoff/2+1)
	u.until = time.Now().Add(d)
	return d
}

func (u *Uploader) succeeded() {
	u.mu.Lock()
	u.backoff = 0
	u.until = time.Time{}
	u.mu.Unlock()
}
