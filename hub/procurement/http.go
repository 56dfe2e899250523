package procurement

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// Audit actions of the workflow; the target is entrustment/ID or project/ID.
const (
	ActEntrustCreate  = "entrustment.create"
	ActEntrustSubmit  = "entrustment.submit"
	ActEntrustApprove = "entrustment.approve"
	ActEntrustReject  = "entrustment.reject"
	ActEntrustAccept  = "entrustment.accept"
	ActEntrustReturn  = "entrustment.return"
	ActProjectCreate  = "project.create"
	ActProjectPublish = "project.publish"
	ActProjectExtend  = "project.extend"
	ActProjectCancel  = "project.cancel"
)

// Access is what the handlers need of the hub's audit log (hub/api).
type Access interface {
	// WriteAudit writes an entry for the signed-in caller; an error means
	// nothing was written.
	WriteAudit(r *http.Request, action, target, detail string) error
}

// Options are what the workflow's handlers are built from.
type Options struct {
	DB        *DB
	Rules     *rules.Rules
	Calendars *workday.Calendars
	Access    Access
	// Agencies says whether an agency may take an entrustment; required:
	// the platform gives projects only to qualified agencies.
	Agencies Qualifier
	Now      workday.Clock // decides every timestamp and "today"; time.Now when nil
	Log      *slog.Logger
}

// HTTP serves the workflow's routes of /api/v1.
type HTTP struct {
	Options
	mu sync.Mutex // one transition at a time: checked, recorded, then made
}

// NewHTTP returns the workflow's HTTP handlers.
func NewHTTP(o Options) *HTTP {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Agencies == nil {
		panic("procurement: Options.Agencies is required (the agencies' qualification)")
	}
	o.Log = o.Log.With("component", "procurement")
	return &HTTP{Options: o}
}

// Routes lists the workflow's routes with what each needs.
func (h *HTTP) Routes() []route.Route {
	ent, proj := h.entrustmentOwner, h.projectOwner
	return append([]route.Route{
		{Pattern: "GET /api/v1/entrustments", Perm: auth.ProjectsRead, Handler: h.listEntrustments},
		{Pattern: "POST /api/v1/entrustments", Perm: auth.EntrustMake, Handler: h.createEntrustment},
		{Pattern: "GET /api/v1/entrustments/{id}", Perm: auth.ProjectsRead, Owner: ent, Handler: h.getEntrustment},
		{Pattern: "POST /api/v1/entrustments/{id}/submit", Perm: auth.EntrustMake, Owner: ent, Handler: h.submit},
		{Pattern: "POST /api/v1/entrustments/{id}/review", Perm: auth.EntrustMake, Owner: ent, Handler: h.review},
		{Pattern: "POST /api/v1/entrustments/{id}/accept", Perm: auth.ProjectsWork, Owner: ent, Handler: h.accept},
		{Pattern: "POST /api/v1/entrustments/{id}/return", Perm: auth.ProjectsWork, Owner: ent, Handler: h.giveBack},
		{Pattern: "POST /api/v1/entrustments/{id}/project", Perm: auth.ProjectsWork, Owner: ent, Handler: h.createProject},
		{Pattern: "GET /api/v1/projects", Perm: auth.ProjectsRead, Handler: h.listProjects},
		{Pattern: "GET /api/v1/projects/{id}", Perm: auth.ProjectsRead, Owner: proj, Handler: h.getProject},
		{Pattern: "POST /api/v1/projects/{id}/publish", Perm: auth.ProjectsWork, Owner: proj, Handler: h.publish},
		{Pattern: "POST /api/v1/projects/{id}/extend", Perm: auth.ProjectsWork, Owner: proj, Handler: h.extend},
		{Pattern: "POST /api/v1/projects/{id}/cancel", Perm: auth.ProjectsWork, Owner: proj, Handler: h.cancel},
		{Pattern: "GET /api/v1/projects/{id}/awards", Perm: auth.ProjectsRead, Owner: proj, Handler: h.listAwards},
		{Pattern: "POST /api/v1/projects/{id}/awards", Perm: auth.ProjectsWork, Owner: proj, Handler: h.createAward},
		{Pattern: "GET /api/v1/awards/{id}", Perm: auth.ProjectsRead, Owner: h.awardOwner, Handler: h.getAward},
		{Pattern: "POST /api/v1/awards/{id}/confirm", Perm: auth.AwardsSign, Owner: h.awardOwner, Handler: h.confirm},
		{Pattern: "POST /api/v1/awards/{id}/cancel", Perm: auth.ProjectsWork, Owner: h.awardOwner, Handler: h.cancelAward},
		{Pattern: "POST /api/v1/awards/{id}/contract", Perm: auth.AwardsSign, Owner: h.awardOwner, Handler: h.createContract},
		{Pattern: "GET /api/v1/contracts/{id}", Perm: auth.ProjectsRead, Owner: h.contractOwner, Handler: h.getContract},
		{Pattern: "POST /api/v1/contracts/{id}/sign", Perm: auth.AwardsSign, Owner: h.contractOwner, Handler: h.sign},
		{Pattern: "POST /api/v1/contracts/{id}/file", Perm: auth.AwardsSign, Owner: h.contractOwner, Handler: h.file},
	}, h.challengeRoutes()...)
}

// challengeRoutes are the routes of challenges and complaints: a supplier
// files and follows its own, the agency answers, the finance department
// of the jurisdiction decides.
func (h *HTTP) challengeRoutes() []route.Route {
	chal, comp := h.challengeOwner, h.complaintOwner
	return append([]route.Route{
		{Pattern: "POST /api/v1/projects/{id}/challenges", Perm: auth.ChallengeAdd, Handler: h.fileChallenge},
		{Pattern: "GET /api/v1/challenges", Perm: auth.ChallengeRd, Handler: h.listChallenges},
		{Pattern: "GET /api/v1/challenges/{id}", Perm: auth.ChallengeRd, Owner: chal, Handler: h.getChallenge},
		{Pattern: "POST /api/v1/challenges/{id}/answer", Perm: auth.ProjectsWork, Owner: chal, Handler: h.answerChallenge},
		{Pattern: "POST /api/v1/challenges/{id}/resolve", Perm: auth.ChallengeAdd, Owner: chal, Handler: h.resolveChallenge},
		{Pattern: "POST /api/v1/challenges/{id}/documents", Perm: auth.ChallengeAdd, Owner: chal, Handler: h.addDocument("challenge")},
		{Pattern: "POST /api/v1/challenges/{id}/complaint", Perm: auth.ChallengeAdd, Owner: chal, Handler: h.fileComplaint},
		{Pattern: "GET /api/v1/complaints/{id}", Perm: auth.ChallengeRd, Owner: comp, Handler: h.getComplaint},
		{Pattern: "POST /api/v1/complaints/{id}/documents", Perm: auth.ChallengeAdd, Owner: comp, Handler: h.addDocument("complaint")},
		{Pattern: "POST /api/v1/complaints/{id}/withdraw", Perm: auth.ChallengeAdd, Owner: comp, Handler: h.complaintStep("withdraw")},
	}, h.decisionRoutes(comp)...)
}

// decisionRoutes are the finance department's steps on a complaint.
func (h *HTTP) decisionRoutes(comp func(r *http.Request) (route.Owner, error)) []route.Route {
	var out []route.Route
	for _, ev := range []string{"accept", "reject", "pause", "resume", "satisfy", "decline", "suspend", "lift"} {
		out = append(out, route.Route{Pattern: "POST /api/v1/complaints/{id}/" + ev, Perm: auth.ComplaintAct, Owner: comp, Handler: h.complaintStep(ev)})
	}
	return out
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (h *HTTP) entrustmentOwner(r *http.Request) (route.Owner, error) {
	id, ok := pathID(r)
	if !ok {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad entrustment id: a positive number"}
	}
	e, err := h.DB.Entrustment(r.Context(), id)
	return owner(e.Parties(), "no such entrustment", err)
}

func (h *HTTP) projectOwner(r *http.Request) (route.Owner, error) {
	id, ok := pathID(r)
	if !ok {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad project id: a positive number"}
	}
	p, err := h.DB.Project(r.Context(), id)
	return owner(p.Parties(), "no such project", err)
}

func owner(p auth.Parties, unknown string, err error) (route.Owner, error) {
	switch {
	case errors.Is(err, ErrNotFound):
		return route.Owner{}, &route.Error{Code: http.StatusNotFound, Msg: unknown}
	case err != nil:
		return route.Owner{}, &route.Error{Code: http.StatusInternalServerError, Msg: "cannot read the record", Err: err}
	}
	return route.Owner{Parties: &p, Unknown: unknown}, nil
}

// today is the date in China now.
func (h *HTTP) today() workday.Date { return workday.DateOf(h.Now()) }
