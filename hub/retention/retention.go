// Package retention removes footage the hub no longer has to keep, in one
// audited job: footage recorded outside procurement sessions once it is
// older than the configured period (default 180 days). A pack file or
// object that holds any record of a session is never removed (session
// footage and its evidence are kept for the statutory 15 years, which no
// hub outlives without a migration). Each removal is in the audit log
// before anything is removed, and every removed record is kept in the
// job's table, so a later evidence export names the hole as "retention"
// rather than as missing.
package retention

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/internal/run"
)

// Action is the audit log's name for a removal; ActionKept follows one
// that could not be made, naming it.
const (
	Action     = "retention.remove"
	ActionKept = "retention.kept"
)

// DefaultOutside is how long footage outside sessions is kept.
const DefaultOutside = 180 * 24 * time.Hour

// Options configure the job; zero fields take the defaults.
type Options struct {
	Outside time.Duration // keep footage outside sessions this long; default 180 days
	Every   time.Duration // how often the job runs; default 1 h
	Now     func() time.Time
}

// Records removes a place's bytes (recstore.Store).
type Records interface {
	Remove(ctx context.Context, path string) error
}

// Auditor writes the audit entry before a removal.
type Auditor interface {
	Record(ctx context.Context, actor, action, target, detail string) (audit.Entry, error)
}

// Job is the retention job.
type Job struct {
	db   *sql.DB
	recs Records
	au   Auditor
	opts Options
	log  *slog.Logger
	run  *run.Group
}

// New returns the job over the hub's database (Open must have made its
// table), the recordings store and the audit log.
func New(db *sql.DB, recs Records, au Auditor, opts Options, log *slog.Logger) *Job {
	if opts.Outside <= 0 {
		opts.Outside = DefaultOutside
	}
	if opts.Every <= 0 {
		opts.Every = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Job{db: db, recs: recs, au: au, opts: opts, log: log.With("component", "retention")}
}

// Start runs the job every Options.Every until Close.
func (j *Job) Start(ctx context.Context) {
	j.run = run.New(ctx, "retention")
	j.run.Go(func(ctx context.Context) {
		run.Every(ctx, j.opts.Every, func(ctx context.Context) {
			if _, err := j.Run(ctx); err != nil {
				j.log.Error("retention run stopped", "err", err)
			}
		})
	})
}

// Close stops the job and returns once its goroutine has ended.
func (j *Job) Close() { j.run.Close() }

// Result is what one run removed.
type Result struct {
	Places, Records int
}

// Run removes every place whose records are all outside sessions and
// ended before the retention period. A place still written to (a room's
// newest pack file) is kept. A removal that cannot be audited is not made.
func (j *Job) Run(ctx context.Context) (Result, error) {
	var res Result
	ps, err := places(ctx, j.db)
	if err != nil {
		return res, fmt.Errorf("list stored places: %w", err)
	}
	cutoff := j.opts.Now().Add(-j.opts.Outside)
	newest := newestPacks(ps)
	for _, p := range ps {
		if p.session || p.newestEnd >= cutoff.UnixNano() || newest[p.path] {
			continue
		}
		detail := fmt.Sprintf("%s: %d records outside sessions, the newest ended %s, older than the retention period of %s",
			p.path, p.records, time.Unix(0, p.newestEnd).UTC().Format(time.RFC3339), j.opts.Outside)
		e, err := j.au.Record(ctx, "hub", Action, p.room, detail)
		if err != nil {
			return res, fmt.Errorf("a removal must be in the audit log first, and writing it failed: %w", err)
		}
		n, err := forget(ctx, j.db, p.path, cutoff.UnixNano(), e.ID, j.opts.Now().UnixNano())
		if err != nil {
			// The entry announced a removal that did not happen (a
			// session record or a newer one reached the place since it
			// was listed, or the database failed): say so in the log
			// too, and go on with the other places.
			j.log.Error("retention kept a place it had announced", "path", p.path, "err", err, "audit", e.ID)
			if _, aerr := j.au.Record(ctx, "hub", ActionKept, p.room, fmt.Sprintf("%s: not removed after entry %d: %v", p.path, e.ID, err)); aerr != nil {
				j.log.Error("could not record that the place was kept", "path", p.path, "err", aerr)
			}
			continue
		}
		// The index no longer points at the bytes: a crash here leaves
		// dead bytes, never an index row without its record.
		if err := j.recs.Remove(ctx, p.path); err != nil {
			j.log.Error("the index forgot a place but its bytes could not be removed: remove them by hand", "path", p.path, "err", err)
		}
		j.log.Info("removed footage past its retention", "room", p.room, "path", p.path, "records", n, "audit", e.ID)
		res.Places++
		res.Records += int(n)
	}
	return res, nil
}

// newestPacks names each room's newest pack file: the ingest still
// appends to it.
func newestPacks(ps []place) map[string]bool {
	newest := map[string]string{}
	for _, p := range ps {
		if strings.HasPrefix(p.path, "s3://") || !strings.HasPrefix(filepath.Base(p.path), "pack-") {
			continue
		}
		dir := filepath.Dir(p.path)
		if p.path > newest[dir] {
			newest[dir] = p.path
		}
	}
	out := map[string]bool{}
	for _, p := range newest {
		out[p] = true
	}
	return out
}
