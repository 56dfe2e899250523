package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Queries are the alert queries the HTTP handlers need.
type Queries interface {
	Alerts(ctx context.Context, state, room string, limit int) ([]store.Alert, error)
	Alert(ctx context.Context, id int64) (store.Alert, error)
}

// Access is what the handlers need of the hub's access rules and audit
// log (hub/api provides both).
type Access interface {
	// InScope returns a test for room ids in the signed-in caller's scope.
	InScope(ctx context.Context) (func(room string) bool, error)
	// WriteAudit writes an entry for the signed-in caller; an error means
	// nothing was written.
	WriteAudit(r *http.Request, action, target, detail string) error
}

// HTTP serves the alerts of /api/v1: the list, and a person's
// acknowledgement or resolution of one alert.
type HTTP struct {
	q      Queries
	engine *Engine
	access Access
	log    *slog.Logger
}

// NewHTTP returns the alerts' HTTP handlers; engine decides on alerts.
func NewHTTP(q Queries, engine *Engine, access Access, log *slog.Logger) *HTTP {
	return &HTTP{q: q, engine: engine, access: access, log: log.With("component", "api")}
}

// Routes lists the alerts' routes with what each needs.
func (h *HTTP) Routes() []route.Route {
	return []route.Route{
		{Pattern: "GET /api/v1/alerts", Perm: auth.AlertsRead, Handler: h.list},
		{Pattern: "POST /api/v1/alerts/{id}/ack", Perm: auth.AlertsAct, Owner: h.owner, Handler: h.ack},
		{Pattern: "POST /api/v1/alerts/{id}/resolve", Perm: auth.AlertsAct, Owner: h.owner, Handler: h.resolve},
	}
}

// owner is the room of the path's alert, for the access check.
func (h *HTTP) owner(r *http.Request) (route.Owner, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad alert id"}
	}
	al, err := h.q.Alert(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return route.Owner{}, &route.Error{Code: http.StatusNotFound, Msg: "no such alert"}
	}
	if err != nil {
		return route.Owner{}, &route.Error{Code: http.StatusInternalServerError, Msg: "cannot read the alert", Err: err}
	}
	return route.Owner{Room: al.Room, Unknown: "no such alert"}, nil
}

const maxList = 1000

func (h *HTTP) list(w http.ResponseWriter, r *http.Request) {
	state, room := r.URL.Query().Get("state"), r.URL.Query().Get("room")
	switch state {
	case "", store.AlertOpen, store.AlertAcked, store.AlertResolved:
	default:
		route.Fail(h.log, w, http.StatusBadRequest, "state must be open, acked or resolved", nil)
		return
	}
	if room != "" && !protocol.ValidID(room) {
		route.Fail(h.log, w, http.StatusBadRequest, "bad room id", nil)
		return
	}
	list, err := h.q.Alerts(r.Context(), state, room, maxList)
	if err != nil {
		route.Fail(h.log, w, http.StatusInternalServerError, "cannot read alerts", err)
		return
	}
	seen, err := h.access.InScope(r.Context())
	if err != nil {
		route.Fail(h.log, w, http.StatusInternalServerError, "cannot read alerts", err)
		return
	}
	// Who acknowledged, by name where the store knows people (additive: a
	// Queries without UserByName leaves the login name alone).
	names := map[string]string{}
	users, _ := h.q.(interface {
		UserByName(ctx context.Context, username string) (store.User, error)
	})
	out := make([]JSONAlert, 0, len(list))
	for _, al := range list {
		if !seen(al.Room) {
			continue
		}
		j := ToJSON(al)
		if j.AckedBy != "" && users != nil {
			name, ok := names[j.AckedBy]
			if !ok {
				if u, err := users.UserByName(r.Context(), j.AckedBy); err == nil {
					name = u.Name
				}
				names[j.AckedBy] = name
			}
			j.AckedByName = name
		}
		out = append(out, j)
	}
	route.JSON(w, http.StatusOK, out)
}

type decision struct {
	By      string `json:"by"`
	Comment string `json:"comment"`
}

func (h *HTTP) ack(w http.ResponseWriter, r *http.Request) {
	h.decide(w, r, h.engine.Ack, audit.AlertAck)
}

func (h *HTTP) resolve(w http.ResponseWriter, r *http.Request) {
	h.decide(w, r, h.engine.Resolve, audit.AlertResolve)
}

func (h *HTTP) decide(w http.ResponseWriter, r *http.Request, f func(ctx context.Context, id int64, by, comment string, rec Recorder) (store.Alert, error), action string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		route.Fail(h.log, w, http.StatusBadRequest, "bad alert id", nil)
		return
	}
	var req decision
	if !route.Decode(w, r, &req) {
		return
	}
	if len(req.Comment) > 2000 {
		route.Fail(h.log, w, http.StatusBadRequest, `"comment" is at most 2000 bytes`, nil)
		return
	}
	// Who acts is who signed in (the route checked the alert's room);
	// "by" in the body is not trusted.
	p, _ := auth.From(r.Context())
	req.By = p.User
	// The decision is on record before it takes effect.
	var notRecorded error
	al, err := f(r.Context(), id, req.By, req.Comment, func(al store.Alert) error {
		notRecorded = h.access.WriteAudit(r, action, fmt.Sprintf("alert/%d", id), fmt.Sprintf("%s %s/%s: %s", al.Kind, al.Room, al.Stream, req.Comment))
		return notRecorded
	})
	switch {
	case notRecorded != nil:
		route.Answer(h.log, w, fmt.Errorf("%w: refused the decision on alert %d: %w", route.ErrNotRecorded, id, notRecorded))
	case errors.Is(err, store.ErrNotFound):
		route.Fail(h.log, w, http.StatusNotFound, "no such alert", nil)
	case errors.Is(err, ErrState):
		route.Fail(h.log, w, http.StatusConflict, err.Error(), nil)
	case err != nil:
		route.Fail(h.log, w, http.StatusInternalServerError, "cannot change the alert", err)
	default:
		h.log.Info("alert changed", "id", id, "state", al.State, "by", req.By)
		route.JSON(w, http.StatusOK, ToJSON(al))
	}
}
