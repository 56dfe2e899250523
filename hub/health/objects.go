package health

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/evalroom/evalroom/internal/run"
)

// ObjectsReport is the object store's state as /healthz shows it.
type ObjectsReport struct {
	Status    string    `json:"status"` // ok, or failing: recordings cannot be stored
	Store     string    `json:"store"`  // which store, without credentials
	Problem   string    `json:"problem,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// Objects checks the object store that keeps recordings, on a timer, and
// hears of uploads it did or did not take. Failing, the hub answers uploads
// 503 and the boxes keep their recordings until it recovers.
type Objects struct {
	name  string
	check func(context.Context) error
	every time.Duration
	hold  time.Duration
	log   *slog.Logger
	now   func() time.Time

	mu        sync.Mutex
	report    ObjectsReport
	checkErr  error
	failedAt  time.Time // the last put that failed, unless one succeeded since
	failedErr error
	run       *run.Group
}

// NewObjects checks the store once (check is its probe; name says which
// store it is); Start runs the check every `every` (default 10 s).
func NewObjects(ctx context.Context, name string, check func(context.Context) error, every time.Duration, log *slog.Logger) *Objects {
	if every <= 0 {
		every = 10 * time.Second
	}
	o := &Objects{name: name, check: check, every: every, hold: time.Minute, log: log.With("component", "health"), now: time.Now}
	o.probe(ctx)
	return o
}

// Start checks the store every period until Close.
func (o *Objects) Start(ctx context.Context) {
	o.run = run.New(ctx, "object store check")
	o.run.Go(func(ctx context.Context) { run.Every(ctx, o.every, o.probe) })
}

// Close stops the timer and returns once its goroutine has ended.
func (o *Objects) Close() { o.run.Close() }

// Failed is told of a put the store did not take.
func (o *Objects) Failed(err error) {
	o.mu.Lock()
	o.failedAt, o.failedErr = o.now(), err
	o.mu.Unlock()
	o.update()
}

// Stored is told of a put the store confirmed.
func (o *Objects) Stored() {
	o.mu.Lock()
	was := !o.failedAt.IsZero()
	o.failedAt, o.failedErr = time.Time{}, nil
	o.mu.Unlock()
	if was {
		o.update()
	}
}

// Report is the state now.
func (o *Objects) Report() ObjectsReport {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.report
}

func (o *Objects) probe(ctx context.Context) {
	err := o.check(ctx)
	o.mu.Lock()
	o.checkErr = err
	o.report.CheckedAt = o.now()
	o.mu.Unlock()
	o.update()
}

func (o *Objects) update() {
	o.mu.Lock()
	r := &o.report
	before := r.Status
	r.Store = o.name
	err := o.checkErr
	if err == nil && !o.failedAt.IsZero() && o.now().Sub(o.failedAt) <= o.hold {
		err = o.failedErr
	}
	if err != nil {
		r.Status = Failing
		r.Problem = "the object store does not take recordings: " + err.Error() +
			". Uploads are refused (503) and stay on the room boxes until it does; check that the object store runs, " +
			"is reachable from the hub and holds the bucket, then the hub recovers by itself"
	} else {
		r.Status, r.Problem = OK, ""
	}
	after, problem := r.Status, r.Problem
	o.mu.Unlock()
	if before != "" && before != after {
		o.log.Warn("object store state changed", "store", o.name, "from", before, "to", after, "problem", problem)
	}
}
