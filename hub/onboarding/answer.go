package onboarding

import (
	"errors"
	"net/http"

	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// bad and errNotRecorded are the hub's common refusals (hub/route).
var (
	bad            = route.Bad
	errNotRecorded = route.ErrNotRecorded
)

// ErrNotAssigned means a technician not assigned to an application tried
// to run its acceptance.
var ErrNotAssigned = errors.New("you are not assigned to this application: the platform operator assigns its technicians")

// ErrLimit means a rule of the exam refuses the request (no attempts
// left).
var ErrLimit = errors.New("refused by the exam's rules")

// answer turns an error into its answer: 403 for a technician not
// assigned, 409 for a transition the state does not take or an exam answer
// after its time ran out, 422 for a year without a calendar or an exam
// rule, 404 for an unknown record; the rest as every domain does
// (route.Answer: 400 naming the field, 503 when the audit log cannot be
// written, 500).
func (h *HTTP) answer(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotAssigned):
		route.JSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
	case errors.Is(err, ErrState), errors.Is(err, ErrTimeUp):
		route.JSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case errors.Is(err, ErrNotFound):
		route.JSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case errors.Is(err, workday.ErrNoCalendar), errors.Is(err, ErrLimit):
		route.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
	default:
		route.Answer(h.Log, w, err)
	}
}
