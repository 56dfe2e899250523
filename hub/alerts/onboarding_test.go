package alerts

import (
	"context"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/workday"
)

// Onboarding's overdue steps are raised through the engine (Watch) on a
// fake clock on the 2026 calendar: technicians not arranged within 3
// working days of an application made the day before National Day (due on
// the make-up Saturday, 2026-10-10) open an alert on the room the next
// day, and arranging them resolves it.
func TestOnboardingOverdueIsAnAlert(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	db, err := onboarding.Open(ctx, r.st.DB())
	if err != nil {
		t.Fatal(err)
	}
	r.st.CreateRoom(ctx, "room-9", "room-9") // no box yet: its application's clock runs all the same
	r.now = time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC)
	id, err := db.Insert(ctx, onboarding.Application{Room: "room-9", Agency: "lz-a", Address: "a", Contact: "c", Specialist: "s",
		State: onboarding.Applied, Applicant: "admin", AppliedAt: r.now})
	if err != nil {
		t.Fatal(err)
	}
	w := onboarding.NewWatcher(onboarding.WatchOptions{DB: db, Calendars: workday.New(), Now: func() time.Time { return r.now }, Log: quiet})
	r.e.Watch(func() []Condition {
		var out []Condition
		for _, o := range w.Overdue() {
			out = append(out, Condition{Room: o.Room, Kind: o.Kind, Detail: o.Detail})
		}
		return out
	})
	r.health("", "") // room-1 online and well: only onboarding speaks
	day := func(d string) {
		t.Helper()
		var err error
		if r.now, err = time.ParseInLocation(time.DateTime, d+" 09:00:00", workday.China); err != nil {
			t.Fatal(err)
		}
		if err := w.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	day("2026-10-10")
	eq(t, "due day (make-up Saturday)", append(r.at(0), r.at(3*time.Second)...))
	day("2026-10-11")
	r.at(0)
	eq(t, "the day after", r.at(3*time.Second), "opened room-9/ onboarding_assign_overdue warning")
	open, err := r.st.UnresolvedAlerts(ctx)
	if err != nil || len(open) != 1 || open[0].Detail != "application 1: assign_technicians was due 2026-10-10 (3wd)" {
		t.Fatalf("open alerts: %+v %v", open, err)
	}
	if err := db.Move(ctx, id, onboarding.Applied, onboarding.Assigned, onboarding.Change{Technicians: []string{"tech"}, Assigned: true}, r.now); err != nil {
		t.Fatal(err)
	}
	if err := w.Check(ctx); err != nil {
		t.Fatal(err)
	}
	eq(t, "arranged", r.at(11*time.Second), "resolved room-9/ onboarding_assign_overdue warning")
}
