// Package health tells whether the hub can keep its promises: that there
// is room on the disk that holds its database and recordings, and that
// writes to it succeed. /healthz, the metrics, an operator alert and the
// page all read the same state from here.
package health

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/internal/run"
)

// States, from good to bad.
const (
	OK       = "ok"       // room enough, writes succeed
	Degraded = "degraded" // writes succeed, but free space is below the minimum
	Failing  = "failing"  // writes fail: nothing new can be stored or recorded
)

// Options configure the storage check; zero fields take the defaults.
type Options struct {
	Dir     string        // the data directory (database, packs, audit)
	MinFree int64         // below this many free bytes the hub is degraded; default 2 GiB
	Every   time.Duration // how often the disk is checked; default 10 s
	// Hold keeps the hub failing this long after a write failed elsewhere
	// (an upload), even when a small probe succeeds, unless a write
	// succeeds there first; default 1 min.
	Hold time.Duration
}

// DefaultMinFree is the free space below which the hub says it is degraded.
const DefaultMinFree = 2 << 30

func (o *Options) defaults() {
	if o.MinFree <= 0 {
		o.MinFree = DefaultMinFree
	}
	if o.Every <= 0 {
		o.Every = 10 * time.Second
	}
	if o.Hold <= 0 {
		o.Hold = time.Minute
	}
}

// Report is the storage state as /healthz shows it.
type Report struct {
	Status     string    `json:"status"`
	Dir        string    `json:"data_dir"`
	FreeBytes  int64     `json:"free_bytes"`
	TotalBytes int64     `json:"total_bytes"`
	MinFree    int64     `json:"min_free_bytes"`
	Problem    string    `json:"problem,omitempty"` // what is wrong and what to do, in words
	CheckedAt  time.Time `json:"checked_at"`
}

// Storage checks the data directory's disk on a timer and hears of write
// failures from the rest of the hub.
type Storage struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time

	mu        sync.Mutex
	report    Report
	failedAt  time.Time // the last write failure reported by another part
	failedErr error
	probeErr  error
	failing   atomic.Bool // a reported failure holds (Stored has work to do)

	failures prometheus.Counter
	run      *run.Group
	objects  *Objects // nil: recordings are kept in the data directory
}

// NewStorage checks the disk once and returns the check; Start runs it on
// its timer.
func NewStorage(opts Options, log *slog.Logger, reg prometheus.Registerer) *Storage {
	opts.defaults()
	s := &Storage{
		opts: opts, log: log.With("component", "health"), now: time.Now,
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "evalroom_hub_storage_write_failures_total", Help: "Writes to the hub's data directory that failed (uploads, audit entries, the storage probe)."}),
	}
	s.check()
	if reg != nil {
		reg.MustRegister(s.failures,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "evalroom_hub_storage_free_bytes", Help: "Free bytes on the disk of the hub's data directory."}, func() float64 { return float64(s.Report().FreeBytes) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "evalroom_hub_storage_size_bytes", Help: "Size of the disk of the hub's data directory."}, func() float64 { return float64(s.Report().TotalBytes) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "evalroom_hub_storage_min_free_bytes", Help: "Free bytes below which the hub reports itself degraded."}, func() float64 { return float64(opts.MinFree) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "evalroom_hub_storage_state", Help: "0 ok, 1 degraded (free space below the minimum), 2 failing (writes fail)."}, func() float64 {
				switch s.Report().Status {
				case Degraded:
					return 1
				case Failing:
					return 2
				}
				return 0
			}))
	}
	return s
}

// Start checks the disk every Options.Every until Close.
func (s *Storage) Start(ctx context.Context) {
	s.run = run.New(ctx, "storage check")
	s.run.Go(func(ctx context.Context) { run.Every(ctx, s.opts.Every, func(context.Context) { s.check() }) })
}

// Close stops the timer and returns once its goroutine has ended.
func (s *Storage) Close() { s.run.Close() }

// Failed is told of a write to the data directory that failed elsewhere
// in the hub; the hub is failing from now until Hold has passed without
// another.
func (s *Storage) Failed(err error) {
	if err == nil {
		return
	}
	s.failures.Inc()
	s.mu.Lock()
	first := s.failedAt.IsZero() || s.now().Sub(s.failedAt) > s.opts.Hold
	s.failedAt, s.failedErr = s.now(), err
	s.failing.Store(true)
	s.mu.Unlock()
	if first {
		s.log.Error("a write to the hub's storage failed", "dir", s.opts.Dir, "err", err)
	}
	s.update()
}

// Stored is told of a write that succeeded elsewhere (a segment stored):
// an earlier reported failure no longer holds.
func (s *Storage) Stored() {
	if !s.failing.Load() {
		return
	}
	s.mu.Lock()
	s.failedAt, s.failedErr = time.Time{}, nil
	s.mu.Unlock()
	s.update()
}

// Report is the state now.
func (s *Storage) Report() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.report
}

// Check looks at the disk now, as the timer does.
func (s *Storage) Check() Report {
	s.check()
	return s.Report()
}

// probeFile is written and synced at every check: a disk that takes no
// more bytes fails it.
const probeFile = ".storage-probe"

func (s *Storage) check() {
	var st syscall.Statfs_t
	statErr := syscall.Statfs(s.opts.Dir, &st)
	probeErr := probe(filepath.Join(s.opts.Dir, probeFile))
	if probeErr != nil {
		s.failures.Inc()
	}
	s.mu.Lock()
	if statErr == nil {
		s.report.FreeBytes = int64(st.Bavail) * int64(st.Bsize)
		s.report.TotalBytes = int64(st.Blocks) * int64(st.Bsize)
	}
	was := s.probeErr
	s.probeErr = probeErr
	if statErr != nil && probeErr == nil {
		s.probeErr = fmt.Errorf("cannot read the disk's free space: %w", statErr)
	}
	s.report.CheckedAt = s.now()
	s.mu.Unlock()
	if probeErr != nil && was == nil {
		s.log.Error("the hub cannot write to its data directory", "dir", s.opts.Dir, "err", probeErr)
	}
	s.update()
}

// update sets the status and problem from what is known; it logs changes.
func (s *Storage) update() {
	s.mu.Lock()
	r := &s.report
	before := r.Status
	r.Dir, r.MinFree = s.opts.Dir, s.opts.MinFree
	recent := !s.failedAt.IsZero() && s.now().Sub(s.failedAt) <= s.opts.Hold
	s.failing.Store(recent)
	switch {
	case s.probeErr != nil || recent:
		err := s.probeErr
		if err == nil {
			err = s.failedErr
		}
		r.Status = Failing
		r.Problem = fmt.Sprintf("the hub cannot write to %s (%s free of %s): %v. Recordings stay on the room boxes until it can; "+
			"free space on that disk or move the data directory to a larger one, then the hub recovers by itself", s.opts.Dir, Bytes(r.FreeBytes), Bytes(r.TotalBytes), err)
	case r.FreeBytes < s.opts.MinFree:
		r.Status = Degraded
		r.Problem = fmt.Sprintf("only %s free on the disk of %s (the minimum is %s): when it is full, nothing more is stored and access to recordings is refused; free space or add a disk now",
			Bytes(r.FreeBytes), s.opts.Dir, Bytes(s.opts.MinFree))
	default:
		r.Status, r.Problem = OK, ""
	}
	after, problem := r.Status, r.Problem
	s.mu.Unlock()
	if before != "" && before != after {
		s.log.Warn("storage state changed", "from", before, "to", after, "problem", problem)
	}
}

func probe(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	var buf [4096]byte
	copy(buf[:], "evalroom storage probe\n")
	_, err = f.Write(buf[:])
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write a %d-byte probe: %w", len(buf), err)
	}
	return nil
}

// Bytes writes n the way an operator reads it: 1.5 GiB, 320 MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
