// Package alerts turns what the hub knows of each room into alerts that a
// regulator can trust: opened only when a condition holds, deduplicated per
// room, stream and kind, kept open while a condition flaps, resolved once it
// has been clear for a while, raised in severity during a procurement
// session, and notified again while nobody has acknowledged them.
//
// It is a domain package (docs/ARCHITECTURE.md, "Domain packages"): it
// owns the alert model and its JSON form, the engine, and the HTTP
// handlers of /api/v1/alerts (http.go); it declares the small interfaces it
// needs (Store and Queries for the database, Source for room state, Access
// for the scope and the audit log) and lists its routes with their
// permissions (HTTP.Routes), which hub/server mounts into hub/api.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/internal/run"
)

// Alert kinds.
const (
	RoomOffline   = "room_offline"
	DeviceAbsent  = "device_absent"
	DeviceFailed  = "device_failed"
	CameraBlack   = "camera_black"
	CameraFrozen  = "camera_frozen"
	MicSilent     = "mic_silent"
	MicClipping   = "mic_clipping"
	SpoolBacklog  = "spool_backlog"
	DiskLow       = "disk_low"
	ClockOffset   = "clock_offset"
	ChainBreak    = "chain_break"
	UploadRefused = "upload_refused"
	// Of the hub itself, for the operator (no room).
	HubStorageLow     = "hub_storage_low"     // free space below the minimum
	HubStorageFailing = "hub_storage_failing" // writes to the data directory fail
	// BoxImpersonation: a box connected to the broker with another room's
	// client id (refused); the alert is on the room whose certificate it
	// showed.
	BoxImpersonation = "box_impersonation"
	// BoxLimits: a box keeps exceeding the broker's limits (retained
	// messages, sizes, streams, its budget, topics outside its room).
	BoxLimits = "box_limits"
)

// Severities.
const (
	Warning  = "warning"
	Critical = "critical"
)

// ErrState is returned for an acknowledgement or resolution that does not
// fit the alert's state.
var ErrState = errors.New("alert is not in a state that allows this")

// Config holds the thresholds; zero fields take the defaults.
type Config struct {
	RaiseAfter   time.Duration // a condition must hold this long to open an alert; default 2 s
	ClearAfter   time.Duration // and be clear this long to resolve it; default 10 s
	Renotify     time.Duration // notify again while unacknowledged; default 15 min
	StartupGrace time.Duration // no offline alerts this soon after start; default 30 s
	EventHold    time.Duration // a refused upload or chain break counts this long; default 10 min
	Backlog      time.Duration // oldest unsent segment older than this; default 5 min
	DiskDays     float64       // box disk lasts fewer days than this at the current rate; default 2
	ClockLimit   time.Duration // box clock off by more than this; default 2 s
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.RaiseAfter, 2*time.Second)
	def(&c.ClearAfter, 10*time.Second)
	def(&c.Renotify, 15*time.Minute)
	def(&c.StartupGrace, 30*time.Second)
	def(&c.EventHold, 10*time.Minute)
	def(&c.Backlog, 5*time.Minute)
	def(&c.ClockLimit, 2*time.Second)
	if c.DiskDays <= 0 {
		c.DiskDays = 2
	}
}

// Store keeps alerts.
type Store interface {
	InsertAlert(ctx context.Context, a store.Alert) (store.Alert, error)
	UpdateAlert(ctx context.Context, a store.Alert) error
	Alert(ctx context.Context, id int64) (store.Alert, error)
	UnresolvedAlerts(ctx context.Context) ([]store.Alert, error)
}

// Notifier is told about every change of an alert ("opened", "acked",
// "resolved", "renotify", "severity").
type Notifier interface {
	Notify(event string, a store.Alert)
}

type key struct{ room, stream, kind string }

type tracked struct {
	alert    store.Alert
	lastTrue time.Time
}

// Engine evaluates conditions and keeps alerts.
type Engine struct {
	cfg     Config
	st      Store
	src     Source
	notify  Notifier
	log     *slog.Logger
	now     func() time.Time
	started time.Time

	mu      sync.Mutex
	hub     []func() []Condition // conditions of the hub itself
	domains []func() []Condition // conditions other domains keep about rooms
	active  map[key]*tracked
	pending map[key]time.Time
	events  map[key]eventCond

	runs *run.Group // nil until Start
}

type eventCond struct {
	at     time.Time
	detail string
}

// New loads the unresolved alerts and returns an engine.
func New(ctx context.Context, cfg Config, st Store, src Source, n Notifier, log *slog.Logger) (*Engine, error) {
	return newEngine(ctx, cfg, st, src, n, log, time.Now)
}

func newEngine(ctx context.Context, cfg Config, st Store, src Source, n Notifier, log *slog.Logger, now func() time.Time) (*Engine, error) {
	cfg.defaults()
	e := &Engine{
		cfg: cfg, st: st, src: src, notify: n, log: log.With("component", "alerts"), now: now,
		active: map[key]*tracked{}, pending: map[key]time.Time{}, events: map[key]eventCond{},
	}
	e.started = e.now()
	open, err := st.UnresolvedAlerts(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range open {
		e.active[key{a.Room, a.Stream, a.Kind}] = &tracked{alert: a, lastTrue: e.started}
	}
	return e, nil
}

// Start runs Run in a goroutine until ctx ends or Close.
func (e *Engine) Start(ctx context.Context, every time.Duration) {
	e.runs = run.New(ctx, "alerts engine")
	e.runs.Go(func(ctx context.Context) { e.Run(ctx, every) })
}

// Close stops what Start started and returns once it has stopped; then
// its notifier is told no more.
func (e *Engine) Close() { e.runs.Close() }

// Run evaluates every interval until ctx ends.
func (e *Engine) Run(ctx context.Context, every time.Duration) {
	run.Every(ctx, every, func(ctx context.Context) {
		if err := e.Evaluate(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("evaluating alerts failed", "err", err)
		}
	})
}

// WatchHub adds a source of conditions of the hub itself (its storage):
// their alerts have no room and are the operator's.
func (e *Engine) WatchHub(f func() []Condition) {
	e.mu.Lock()
	e.hub = append(e.hub, f)
	e.mu.Unlock()
}

// Watch adds a source of conditions that another domain keeps about
// rooms (an onboarding step overdue): each holds while f returns it, and
// is raised, renotified and resolved like a room's own. The source names
// its kinds (onboarding.AlertAssignOverdue, AlertPublishOverdue).
func (e *Engine) Watch(f func() []Condition) {
	e.mu.Lock()
	e.domains = append(e.domains, f)
	e.mu.Unlock()
}

// Report records an instantaneous condition, such as a refused upload; it
// counts as holding for EventHold.
func (e *Engine) Report(room, stream, kind, detail string) {
	e.mu.Lock()
	e.events[key{room, stream, kind}] = eventCond{at: e.now(), detail: detail}
	e.mu.Unlock()
}

// Evaluate compares the conditions holding now with the alerts and opens,
// updates, re-notifies and resolves accordingly.
func (e *Engine) Evaluate(ctx context.Context) error {
	conds, err := e.conditions(ctx)
	if err != nil {
		return err
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, ev := range e.events {
		if now.Sub(ev.at) < e.cfg.EventHold {
			conds[k] = Condition{Room: k.room, Stream: k.stream, Kind: k.kind, Detail: ev.detail}
		} else {
			delete(e.events, k)
		}
	}
	var errs []error
	for k, c := range conds {
		sev := severity(c)
		if t, ok := e.active[k]; ok {
			t.lastTrue = now
			changed := false
			if sev == Critical && t.alert.Severity != Critical {
				t.alert.Severity, changed = Critical, true
				e.emit("severity", t.alert)
			}
			if t.alert.State == store.AlertOpen && now.Sub(t.alert.NotifiedAt) >= e.cfg.Renotify {
				t.alert.NotifiedAt, t.alert.Notified = now, t.alert.Notified+1
				changed = true
				e.emit("renotify", t.alert)
			}
			if changed {
				errs = append(errs, e.st.UpdateAlert(ctx, t.alert))
			}
			continue
		}
		first, seen := e.pending[k]
		if !seen {
			e.pending[k] = now
			first = now
		}
		if now.Sub(first) < e.cfg.RaiseAfter {
			continue
		}
		delete(e.pending, k)
		a, err := e.st.InsertAlert(ctx, store.Alert{
			Room: c.Room, Stream: c.Stream, Kind: c.Kind, Severity: sev, State: store.AlertOpen, Detail: c.Detail,
			OpenedAt: now, NotifiedAt: now, Notified: 1,
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.active[k] = &tracked{alert: a, lastTrue: now}
		e.log.Warn("alert opened", "id", a.ID, "room", a.Room, "stream", a.Stream, "kind", a.Kind, "severity", a.Severity, "detail", a.Detail)
		e.emit("opened", a)
	}
	for k := range e.pending {
		if _, ok := conds[k]; !ok {
			delete(e.pending, k)
		}
	}
	for k, t := range e.active {
		if _, ok := conds[k]; ok || now.Sub(t.lastTrue) < e.cfg.ClearAfter {
			continue
		}
		t.alert.State, t.alert.ResolvedAt = store.AlertResolved, now
		if err := e.st.UpdateAlert(ctx, t.alert); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(e.active, k)
		e.log.Info("alert resolved", "id", t.alert.ID, "room", t.alert.Room, "stream", t.alert.Stream, "kind", t.alert.Kind)
		e.emit("resolved", t.alert)
	}
	return errors.Join(errs...)
}

// Recorder puts a decision on record before it takes effect (the audit
// log); an error leaves the alert as it was. Nil records nothing.
type Recorder func(changed store.Alert) error

// Ack acknowledges an open alert: somebody is on it. Notifications stop;
// the alert still resolves by itself when the condition clears.
func (e *Engine) Ack(ctx context.Context, id int64, by, comment string, rec Recorder) (store.Alert, error) {
	return e.change(ctx, id, rec, func(a *store.Alert) error {
		if a.State != store.AlertOpen {
			return fmt.Errorf("%w: alert %d is %s", ErrState, id, a.State)
		}
		a.State, a.AckedAt, a.AckedBy, a.Comment = store.AlertAcked, e.now(), by, comment
		return nil
	}, "acked")
}

// Resolve closes an alert by hand. If its condition still holds, a new
// alert opens on the next evaluation: nothing is hidden.
func (e *Engine) Resolve(ctx context.Context, id int64, by, comment string, rec Recorder) (store.Alert, error) {
	return e.change(ctx, id, rec, func(a *store.Alert) error {
		if a.State == store.AlertResolved {
			return fmt.Errorf("%w: alert %d is already resolved", ErrState, id)
		}
		a.State, a.ResolvedAt = store.AlertResolved, e.now()
		if by != "" {
			a.AckedBy = by
		}
		if comment != "" {
			a.Comment = comment
		}
		return nil
	}, "resolved")
}

func (e *Engine) change(ctx context.Context, id int64, rec Recorder, f func(*store.Alert) error, event string) (store.Alert, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var t *tracked
	for _, x := range e.active {
		if x.alert.ID == id {
			t = x
		}
	}
	var a store.Alert
	if t != nil {
		a = t.alert
	} else {
		var err error
		if a, err = e.st.Alert(ctx, id); err != nil {
			return a, err
		}
	}
	was := a
	if err := f(&a); err != nil {
		return a, err
	}
	if rec != nil {
		if err := rec(a); err != nil {
			return was, err
		}
	}
	if err := e.st.UpdateAlert(ctx, a); err != nil {
		return a, err
	}
	if t != nil {
		t.alert = a
		if a.State == store.AlertResolved {
			delete(e.active, key{a.Room, a.Stream, a.Kind})
		}
	}
	e.emit(event, a)
	return a, nil
}

func (e *Engine) emit(event string, a store.Alert) {
	if e.notify != nil {
		e.notify.Notify(event, a)
	}
}
