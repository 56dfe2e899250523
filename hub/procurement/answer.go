package procurement

import (
	"errors"
	"net/http"

	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// fieldError is bad input in one field of a request.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func bad(field, msg string) error { return &fieldError{field, msg} }

// answer turns an error into its answer: 400 naming the field, 422 with
// the article a rule cites, 409 for a transition the state does not take,
// 422 for a year without a calendar, 500 otherwise.
func (h *HTTP) answer(w http.ResponseWriter, err error) {
	var fe *fieldError
	var v *rules.Violation
	var re *route.Error
	switch {
	case errors.As(err, &re):
		route.JSON(w, re.Code, map[string]string{"error": re.Msg})
	case errors.As(err, &fe):
		route.JSON(w, http.StatusBadRequest, map[string]string{"error": fe.Error(), "field": fe.field})
	case errors.As(err, &v):
		route.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": v.Msg, "basis": v.Basis, "rule": ruleName(v.Kind)})
	case errors.Is(err, ErrSamePerson), errors.Is(err, ErrNotMaker):
		route.JSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
	case errors.Is(err, ErrState):
		route.JSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case errors.Is(err, workday.ErrNoCalendar), errors.Is(err, rules.ErrNoRule):
		route.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
	case errors.Is(err, errNotRecorded):
		w.Header().Set("Retry-After", "60")
		route.Fail(h.Log, w, http.StatusServiceUnavailable, route.NotRecorded, err)
	default:
		route.Fail(h.Log, w, http.StatusInternalServerError, "cannot change the record", err)
	}
}

// ErrSamePerson means the maker of an entrustment tried to review it.
var ErrSamePerson = errors.New("the person who made an entrustment cannot review it: another person of the unit must (maker and checker differ)")

// ErrNotMaker means someone other than its maker tried to submit an
// entrustment.
var ErrNotMaker = errors.New("not the maker of the entrustment")

var errNotRecorded = errors.New("not recorded in the audit log")

func ruleName(kind error) string {
	switch kind {
	case rules.ErrOutsideSystem:
		return "outside_system"
	case rules.ErrNeedsApproval:
		return "needs_approval"
	}
	return "forbidden"
}
