package onboarding

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// Audit actions of onboarding; the target is onboarding/ID (an
// application), exam/ID (an attempt) or agency/ID.
const (
	ActApply      = "onboarding.apply"
	ActAssign     = "onboarding.assign"
	ActStart      = "onboarding.start"
	ActItem       = "onboarding.item"
	ActPass       = "onboarding.pass"
	ActFail       = "onboarding.fail"
	ActPublish    = "onboarding.publish"
	ActWithdraw   = "onboarding.withdraw"
	ActSpecialist = "onboarding.specialist"
)

// Access is what the handlers need of the hub's guard and audit log
// (hub/api).
type Access interface {
	// WriteAudit writes an entry for the signed-in caller; an error means
	// nothing was written.
	WriteAudit(r *http.Request, action, target, detail string) error
	// InScope returns a test for room ids in the signed-in caller's scope.
	InScope(ctx context.Context) (func(room string) bool, error)
}

// Options are what onboarding's handlers are built from.
type Options struct {
	DB    *DB
	Rooms Rooms
	Users Users // the agency's people, named as staff
	// Bank is the exam's question bank; the embedded sample when nil.
	Bank      *Bank
	Fleet     Fleet
	Calendars *workday.Calendars
	Access    Access
	// Audit writes the hub's own entries, for what no person does: a mark
	// withdrawn when a box is replaced.
	Audit *audit.Log
	Now   workday.Clock // decides every timestamp and "today"; time.Now when nil
	Log   *slog.Logger
}

// HTTP serves onboarding's routes of /api/v1.
type HTTP struct {
	Options
	mu sync.Mutex // one transition at a time: checked, recorded, then made
}

// NewHTTP returns onboarding's HTTP handlers.
func NewHTTP(o Options) *HTTP {
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Log = o.Log.With("component", "onboarding")
	if o.Bank == nil {
		b, err := SampleBank()
		if err != nil {
			panic("the embedded sample bank is broken: " + err.Error())
		}
		o.Bank = b
	}
	return &HTTP{Options: o}
}

// Routes lists onboarding's routes with what each needs.
func (h *HTTP) Routes() []route.Route {
	app := h.applicationOwner
	const (
		a  = "/api/v1/onboarding/applications"
		ag = "/api/v1/onboarding/agencies/{agency}"
		e  = "/api/v1/exam/attempts"
	)
	return []route.Route{
		{Pattern: "GET " + a, Perm: auth.OnboardRead, Handler: h.list},
		{Pattern: "POST " + a, Perm: auth.OnboardApply, Handler: h.apply},
		{Pattern: "GET " + a + "/{id}", Perm: auth.OnboardRead, Owner: app, Handler: h.get},
		{Pattern: "POST " + a + "/{id}/assign", Perm: auth.OnboardRun, Owner: app, Handler: h.assign},
		{Pattern: "POST " + a + "/{id}/run", Perm: auth.OnboardCheck, Owner: app, Handler: h.start},
		{Pattern: "POST " + a + "/{id}/items/{item}", Perm: auth.OnboardCheck, Owner: app, Handler: h.item},
		{Pattern: "POST " + a + "/{id}/finish", Perm: auth.OnboardCheck, Owner: app, Handler: h.finish},
		{Pattern: "POST " + a + "/{id}/publish", Perm: auth.OnboardRun, Owner: app, Handler: h.publish},
		{Pattern: "GET " + ag + "/qualification", Perm: auth.OnboardRead, Owner: h.agencyOwner, Handler: h.qualification},
		{Pattern: "PUT " + ag + "/staff", Perm: auth.OnboardApply, Owner: h.agencyOwner, Handler: h.setStaff},
		{Pattern: "PUT " + ag + "/specialist", Perm: auth.OnboardApply, Owner: h.agencyOwner, Handler: h.setSpecialist},
		{Pattern: "GET " + e, Perm: auth.ExamTake, Handler: h.examList},
		{Pattern: "POST " + e, Perm: auth.ExamTake, Handler: h.examStart},
		{Pattern: "GET " + e + "/{id}", Perm: auth.ExamTake, Owner: h.attemptOwner, Handler: h.examGet},
		{Pattern: "POST " + e + "/{id}/answers", Perm: auth.ExamTake, Owner: h.attemptOwner, Handler: h.examAnswer},
		{Pattern: "POST " + e + "/{id}/submit", Perm: auth.ExamTake, Owner: h.attemptOwner, Handler: h.examSubmit},
	}
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// applicationOwner: an application is its room's, checked like {room}.
func (h *HTTP) applicationOwner(r *http.Request) (route.Owner, error) {
	id, ok := pathID(r)
	if !ok {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad application id: a positive number"}
	}
	a, err := h.DB.Application(r.Context(), id)
	if err := unknown(err, "no such application"); err != nil {
		return route.Owner{}, err
	}
	return route.Owner{Room: a.Room, Unknown: "no such application"}, nil
}

func unknown(err error, msg string) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return &route.Error{Code: http.StatusNotFound, Msg: msg}
	case err != nil:
		return &route.Error{Code: http.StatusInternalServerError, Msg: "cannot read the record", Err: err}
	}
	return nil
}

// today is the date in China now.
func (h *HTTP) today() workday.Date { return workday.DateOf(h.Now()) }
