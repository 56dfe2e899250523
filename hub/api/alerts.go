package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

const maxAlerts = 1000

func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) {
	state, room := r.URL.Query().Get("state"), r.URL.Query().Get("room")
	switch state {
	case "", store.AlertOpen, store.AlertAcked, store.AlertResolved:
	default:
		a.fail(w, http.StatusBadRequest, "state must be open, acked or resolved", nil)
		return
	}
	if room != "" && !protocol.ValidID(room) {
		a.fail(w, http.StatusBadRequest, "bad room id", nil)
		return
	}
	list, err := a.store.Alerts(r.Context(), state, room, maxAlerts)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot read alerts", err)
		return
	}
	seen, err := a.inScope(r.Context())
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot read alerts", err)
		return
	}
	out := make([]alerts.JSONAlert, 0, len(list))
	for _, al := range list {
		if seen(al.Room) {
			out = append(out, alerts.ToJSON(al))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type alertAction struct {
	By      string `json:"by"`
	Comment string `json:"comment"`
}

func (a *API) ackAlert(w http.ResponseWriter, r *http.Request) {
	a.alertChange(w, r, a.alerts.Ack, audit.AlertAck)
}

func (a *API) resolveAlert(w http.ResponseWriter, r *http.Request) {
	a.alertChange(w, r, a.alerts.Resolve, audit.AlertResolve)
}

func (a *API) alertChange(w http.ResponseWriter, r *http.Request, f func(ctx context.Context, id int64, by, comment string, rec alerts.Recorder) (store.Alert, error), action string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		a.fail(w, http.StatusBadRequest, "bad alert id", nil)
		return
	}
	var req alertAction
	if !decode(w, r, &req) {
		return
	}
	if len(req.Comment) > 2000 {
		a.fail(w, http.StatusBadRequest, `"comment" is at most 2000 bytes`, nil)
		return
	}
	// Who acts is who signed in (the route checked the alert's room);
	// "by" in the body is not trusted.
	p, _ := auth.From(r.Context())
	req.By = p.User
	// The decision is on record before it takes effect.
	var notRecorded error
	al, err := f(r.Context(), id, req.By, req.Comment, func(al store.Alert) error {
		notRecorded = a.write(r, req.By, action, fmt.Sprintf("alert/%d", id), fmt.Sprintf("%s %s/%s: %s", al.Kind, al.Room, al.Stream, req.Comment))
		return notRecorded
	})
	switch {
	case notRecorded != nil:
		a.log.Error("refused a decision on an alert that could not be recorded in the audit log", "id", id, "err", notRecorded)
		w.Header().Set("Retry-After", "60")
		a.fail(w, http.StatusServiceUnavailable, errNotRecorded, nil)
	case errors.Is(err, store.ErrNotFound):
		a.fail(w, http.StatusNotFound, "no such alert", nil)
	case errors.Is(err, alerts.ErrState):
		a.fail(w, http.StatusConflict, err.Error(), nil)
	case err != nil:
		a.fail(w, http.StatusInternalServerError, "cannot change the alert", err)
	default:
		a.log.Info("alert changed", "id", id, "state", al.State, "by", req.By)
		writeJSON(w, http.StatusOK, alerts.ToJSON(al))
	}
}
