package procurement

import (
	"errors"
	"net/http"

	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// bad and errNotRecorded are the hub's common refusals (hub/route).
var (
	bad            = route.Bad
	errNotRecorded = route.ErrNotRecorded
)

// answer turns an error into its answer: 422 with the article a rule
// cites, 403 for maker and checker, 409 for a transition the state does not
// take, 422 for a year without a calendar or a missing rule; the rest as
// every domain does (route.Answer: 400 naming the field, a refusal with
// its own status, 503 when the audit log cannot be written, 500).
func (h *HTTP) answer(w http.ResponseWriter, err error) {
	var v *rules.Violation
	var u *unqualified
	switch {
	case errors.As(err, &u):
		route.JSON(w, http.StatusUnprocessableEntity, map[string]any{"error": u.Error(), "rule": "agency_not_qualified",
			"missing": u.missing, "missing_en": u.missingEn})
	case errors.As(err, &v):
		route.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": v.Msg, "basis": v.Basis, "rule": ruleName(v.Kind)})
	case errors.Is(err, ErrSamePerson), errors.Is(err, ErrNotMaker):
		route.JSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
	case errors.Is(err, ErrState):
		route.JSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case errors.Is(err, workday.ErrNoCalendar), errors.Is(err, rules.ErrNoRule):
		route.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
	default:
		route.Answer(h.Log, w, err)
	}
}

// ErrSamePerson means the maker of an entrustment tried to review it.
var ErrSamePerson = errors.New("the person who made an entrustment cannot review it: another person of the unit must (maker and checker differ)")

// ErrNotMaker means someone other than its maker tried to submit an
// entrustment.
var ErrNotMaker = errors.New("not the maker of the entrustment")

func ruleName(kind error) string {
	switch kind {
	case rules.ErrOutsideSystem:
		return "outside_system"
	case rules.ErrNeedsApproval:
		return "needs_approval"
	}
	return "forbidden"
}
