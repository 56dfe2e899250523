package onboarding_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/workday"
	"github.com/evalroom/evalroom/internal/run"
)

// The watcher on the 2026 calendar: a step is overdue from the day after
// its due day until it is done; a Friday before a holiday, the make-up
// Saturday after National Day, the publication clock, and a clock running
// into 2027 (no calendar: left out and logged, the others still seen).
func TestWatcherOverdueOn2026Calendar(t *testing.T) {
	for _, c := range []struct {
		name, applied, passed string // applied (and passed, when the mark's clock runs)
		due, today            string
		want                  string // the overdue kind, "" for none
	}{
		{"Friday before Qingming, on the due day", "2026-04-03", "", "2026-04-09", "2026-04-09", ""},
		{"Friday before Qingming, the day after", "2026-04-03", "", "2026-04-09", "2026-04-10", onboarding.AlertAssignOverdue},
		{"make-up Saturday is the due day", "2026-09-30", "", "2026-10-10", "2026-10-10", ""},
		{"the Sunday after the make-up Saturday", "2026-09-30", "", "2026-10-10", "2026-10-11", onboarding.AlertAssignOverdue},
		{"mark on its last day", "2026-09-20", "2026-09-30", "2026-10-13", "2026-10-13", ""},
		{"mark a day late", "2026-09-20", "2026-09-30", "2026-10-13", "2026-10-14", onboarding.AlertPublishOverdue},
		{"a clock into 2027", "2026-12-30", "", "", "2027-01-08", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, c.applied+" 10:00:00")
			ctx := context.Background()
			id, err := r.onb.DB.Insert(ctx, onboarding.Application{Room: "room-1", Agency: "lz-a", Jurisdiction: "450206",
				Address: "a", Contact: "c", Specialist: "s", State: onboarding.Applied, Applicant: "admin", AppliedAt: r.now})
			if err != nil {
				t.Fatal(err)
			}
			if c.passed != "" {
				assigned := mustTime(t, c.applied+" 11:00:00")
				if err := r.onb.DB.Move(ctx, id, onboarding.Applied, onboarding.Assigned, onboarding.Change{Technicians: []string{"tech"}, Assigned: true}, assigned); err != nil {
					t.Fatal(err)
				}
				if err := r.onb.DB.Move(ctx, id, onboarding.Assigned, onboarding.Passed, onboarding.Change{Decided: true}, mustTime(t, c.passed+" 16:00:00")); err != nil {
					t.Fatal(err)
				}
			}
			// room-2's application in the same year, overdue, is seen
			// whatever room-1's clock does.
			if _, err := r.onb.DB.Insert(ctx, onboarding.Application{Room: "room-2", Agency: "lz-b", Jurisdiction: "450202",
				Address: "a", Contact: "c", Specialist: "s", State: onboarding.Applied, Applicant: "other-admin", AppliedAt: mustTime(t, "2026-01-05 09:00:00")}); err != nil {
				t.Fatal(err)
			}
			r.now = mustTime(t, c.today+" 09:00:00")
			w := onboarding.NewWatcher(onboarding.WatchOptions{DB: r.onb.DB, Calendars: workday.New(), Now: func() time.Time { return r.now }, Log: slog.New(slog.DiscardHandler)})
			if err := w.Check(ctx); err != nil {
				t.Fatal(err)
			}
			got := map[string]onboarding.Overdue{}
			for _, o := range w.Overdue() {
				got[o.Room] = o
			}
			if o, ok := got["room-2"]; !ok || o.Kind != onboarding.AlertAssignOverdue || o.Due.String() != "2026-01-08" {
				t.Fatalf("room-2: %+v", got)
			}
			o, ok := got["room-1"]
			if c.want == "" {
				if ok {
					t.Fatalf("room-1 overdue on %s: %+v", c.today, o)
				}
				return
			}
			if !ok || o.Kind != c.want || o.Due.String() != c.due || o.Application != id {
				t.Fatalf("room-1 on %s: %+v, want %s due %s", c.today, got, c.want, c.due)
			}
			if want := fmt.Sprintf("application %d: ", id); o.Detail[:len(want)] != want {
				t.Fatalf("detail: %q", o.Detail)
			}
		})
	}
}

// Start checks at once and on its interval; Close returns once its
// goroutine has ended.
func TestWatcherStopsOnClose(t *testing.T) {
	run.Linger = 50 * time.Millisecond
	t.Cleanup(func() { run.Linger = 0 })
	r := newRig(t, "2026-04-03 10:00:00")
	if _, err := r.onb.DB.Insert(context.Background(), onboarding.Application{Room: "room-1", Agency: "lz-a", Jurisdiction: "450206",
		Address: "a", Contact: "c", Specialist: "s", State: onboarding.Applied, Applicant: "admin", AppliedAt: r.now}); err != nil {
		t.Fatal(err)
	}
	later := mustTime(t, "2026-04-10 09:00:00")
	w := onboarding.NewWatcher(onboarding.WatchOptions{DB: r.onb.DB, Calendars: workday.New(), Now: func() time.Time { return later },
		Every: time.Hour, Log: slog.New(slog.DiscardHandler)})
	w.Start(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for len(w.Overdue()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(w.Overdue()) != 1 {
		t.Fatalf("the first check at start found %v", w.Overdue())
	}
	w.Close()
	if n := run.Running()["onboarding watch"]; n > 0 {
		t.Fatalf("%d goroutine(s) of the watcher still run after Close", n)
	}
}
