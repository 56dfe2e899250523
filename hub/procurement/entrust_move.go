package procurement

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
)

// move is one transition of an entrustment.
type move struct {
	event, action string
	reason        string // why (a rejection, a return)
	check         func(p auth.Principal, e Entrustment) error
}

type reasonReq struct {
	Reason string `json:"reason"`
}

func (q reasonReq) need() error {
	if strings.TrimSpace(q.Reason) == "" || utf8.RuneCountInString(q.Reason) > 2000 {
		return bad("reason", "say why, in 1 to 2000 characters")
	}
	return nil
}

// submit sends a draft (or a returned entrustment) to the unit's checker;
// only its maker may.
func (h *HTTP) submit(w http.ResponseWriter, r *http.Request) {
	h.moveEntrustment(w, r, move{event: "submit", action: ActEntrustSubmit, check: func(p auth.Principal, e Entrustment) error {
		if p.User != e.Maker {
			return fmt.Errorf("%w: only its maker (%s) submits an entrustment for review", ErrNotMaker, e.Maker)
		}
		return nil
	}})
}

// review is the checker's decision: {"approve": true} sends it to the
// agency, {"approve": false, "reason"} back to its maker.
func (h *HTTP) review(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Approve *bool  `json:"approve"`
		Reason  string `json:"reason"`
	}
	if !route.Decode(w, r, &q) {
		return
	}
	if q.Approve == nil {
		h.answer(w, bad("approve", "true to send it to the agency, false (with a reason) to send it back"))
		return
	}
	m := move{event: "approve", action: ActEntrustApprove, reason: q.Reason, check: differentPerson}
	if !*q.Approve {
		if err := (reasonReq{q.Reason}).need(); err != nil {
			h.answer(w, err)
			return
		}
		m.event, m.action = "reject", ActEntrustReject
	}
	h.moveEntrustment(w, r, m)
}

func differentPerson(p auth.Principal, e Entrustment) error {
	if p.User == e.Maker {
		return ErrSamePerson
	}
	return nil
}

// accept takes the entrustment in (the agency), once the agency is
// qualified.
func (h *HTTP) accept(w http.ResponseWriter, r *http.Request) {
	h.moveEntrustment(w, r, move{event: "accept", action: ActEntrustAccept, check: func(_ auth.Principal, e Entrustment) error {
		return h.qualifiedAgency(r.Context(), e.Agency)
	}})
}

// giveBack returns it to the purchaser with a reason (the agency).
func (h *HTTP) giveBack(w http.ResponseWriter, r *http.Request) {
	var q reasonReq
	if !route.Decode(w, r, &q) {
		return
	}
	if err := q.need(); err != nil {
		h.answer(w, err)
		return
	}
	h.moveEntrustment(w, r, move{event: "return", action: ActEntrustReturn, reason: q.Reason})
}

// moveEntrustment checks a transition, puts it on record, then makes it.
func (h *HTTP) moveEntrustment(w http.ResponseWriter, r *http.Request, m move) {
	p, _ := auth.From(r.Context())
	id, _ := pathID(r)
	h.mu.Lock()
	defer h.mu.Unlock()
	e, err := h.DB.Entrustment(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	to, err := Entrustments.Next(e.State, m.event)
	if err == nil && m.check != nil {
		err = m.check(p, e)
	}
	if err != nil {
		h.answer(w, err)
		return
	}
	checker := ""
	if m.event == "approve" || m.event == "reject" {
		checker = p.User
	}
	detail := e.State + " → " + to
	if m.reason != "" {
		detail += ": " + m.reason
	}
	if err := h.Access.WriteAudit(r, m.action, target("entrustment", id), detail); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	if err := h.DB.MoveEntrustment(r.Context(), id, e.State, to, checker, m.reason, h.Now().UTC()); err != nil {
		h.answer(w, err)
		return
	}
	h.Log.Info("entrustment moved", "id", id, "from", e.State, "to", to, "by", p.User)
	e, err = h.DB.Entrustment(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, http.StatusOK, e)
}
