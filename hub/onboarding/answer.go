package onboarding

import (
	"errors"
	"net/http"

	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// fieldError is bad input in one field of a request.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func bad(field, msg string) error { return &fieldError{field, msg} }

// ErrNotAssigned means a technician not assigned to an application tried
// to run its acceptance.
var ErrNotAssigned = errors.New("you are not assigned to this application: the platform operator assigns its technicians")

// ErrLimit means a rule of the exam refuses the request (no attempts
// left).
var ErrLimit = errors.New("refused by the exam's rules")

var errNotRecorded = errors.New("not recorded in the audit log")

// answer turns an error into its answer: 400 naming the field, 403 for a
// technician not assigned, 409 for a transition the state does not take
// or an exam answer after its time ran out,
// 422 for a year without a calendar or an exam rule, 503 when the audit
// log cannot be written, 500 otherwise.
func (h *HTTP) answer(w http.ResponseWriter, err error) {
	var fe *fieldError
	var re *route.Error
	switch {
	case errors.As(err, &fe):
		route.JSON(w, http.StatusBadRequest, map[string]string{"error": fe.Error(), "field": fe.field})
	case errors.As(err, &re):
		route.Fail(h.Log, w, re.Code, re.Msg, re.Err)
	case errors.Is(err, ErrNotAssigned):
		route.JSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
	case errors.Is(err, ErrState), errors.Is(err, ErrTimeUp):
		route.JSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case errors.Is(err, ErrNotFound):
		route.JSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case errors.Is(err, workday.ErrNoCalendar), errors.Is(err, ErrLimit):
		route.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
	case errors.Is(err, errNotRecorded):
		w.Header().Set("Retry-After", "60")
		route.Fail(h.Log, w, http.StatusServiceUnavailable, route.NotRecorded, err)
	default:
		route.Fail(h.Log, w, http.StatusInternalServerError, "cannot change the record", err)
	}
}
