package onboarding

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/evalroom/evalroom/hub/workday"
	"github.com/evalroom/evalroom/internal/run"
)

// Alert kinds of an overdue statutory step, one per room (one application
// per room).
const (
	AlertAssignOverdue  = "onboarding_assign_overdue"  // technicians not arranged within 3 working days
	AlertPublishOverdue = "onboarding_publish_overdue" // the mark not published within 5 working days of passing
)

var overdueKind = map[string]string{"assign_technicians": AlertAssignOverdue, "publish_mark": AlertPublishOverdue}

// Overdue is one application's statutory step past its due day.
type Overdue struct {
	Room        string
	Application int64
	Kind        string // AlertAssignOverdue or AlertPublishOverdue
	Due         workday.Date
	Detail      string
}

// WatchOptions are what a Watcher is built from.
type WatchOptions struct {
	DB        *DB
	Calendars *workday.Calendars
	Now       workday.Clock // decides "today"; time.Now when nil
	Every     time.Duration // how often the clocks are read; default 1 min
	Log       *slog.Logger
}

// Watcher reads every application's clocks on the hub's calendar and keeps
// the steps that are overdue, for the alerts engine to raise (hub/server
// wires it): a step is overdue from the first day after its due day until
// it is done.
type Watcher struct {
	o    WatchOptions
	runs *run.Group // nil until Start

	mu      sync.Mutex
	overdue []Overdue
}

// NewWatcher returns a watcher; Start runs it.
func NewWatcher(o WatchOptions) *Watcher {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Every <= 0 {
		o.Every = time.Minute
	}
	o.Log = o.Log.With("component", "onboarding watch")
	return &Watcher{o: o}
}

// Start checks now and then every interval until ctx ends or Close.
func (w *Watcher) Start(ctx context.Context) {
	w.runs = run.New(ctx, "onboarding watch")
	w.runs.Go(func(ctx context.Context) {
		check := func(ctx context.Context) {
			if err := w.Check(ctx); err != nil && ctx.Err() == nil {
				w.o.Log.Error("cannot read the onboarding clocks; overdue steps are not alerted until this is fixed", "err", err)
			}
		}
		check(ctx)
		run.Every(ctx, w.o.Every, check)
	})
}

// Close stops what Start started and returns once it has stopped.
func (w *Watcher) Close() { w.runs.Close() }

// Check reads every application's clocks today and keeps the overdue
// steps. An application whose clock needs a year without a calendar is
// logged and left out (never guessed); the others are still checked.
func (w *Watcher) Check(ctx context.Context) error {
	apps, err := w.o.DB.Applications(ctx, "")
	if err != nil {
		return fmt.Errorf("read the applications: %w", err)
	}
	today := workday.DateOf(w.o.Now())
	var out []Overdue
	for _, a := range apps {
		ds, err := deadlines(w.o.Calendars, a, today)
		if err != nil {
			w.o.Log.Error("cannot compute an application's clocks", "application", a.ID, "room", a.Room, "err", err)
			continue
		}
		for _, d := range ds {
			if d.Status != "overdue" {
				continue
			}
			out = append(out, Overdue{Room: a.Room, Application: a.ID, Kind: overdueKind[d.Step], Due: d.Due,
				Detail: fmt.Sprintf("application %d: %s was due %s (%s)", a.ID, d.Step, d.Due, d.Limit)})
		}
	}
	w.mu.Lock()
	w.overdue = out
	w.mu.Unlock()
	return nil
}

// Overdue returns the steps overdue at the last check.
func (w *Watcher) Overdue() []Overdue {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.overdue)
}
