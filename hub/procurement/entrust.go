package procurement

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/protocol"
)

// entrustmentReq is a purchaser's new entrustment.
type entrustmentReq struct {
	Title        string         `json:"title"`
	Category     rules.Category `json:"category"`
	Budget       int64          `json:"budget"` // yuan
	Agency       string         `json:"agency"`
	Jurisdiction string         `json:"jurisdiction"`
	PlanLine     string         `json:"plan_line"`
	Method       string         `json:"method"`
	Approval     string         `json:"approval"`
}

var divisionCode = regexp.MustCompile(`^[1-9][0-9]{5}$`)

func (q entrustmentReq) check() error {
	switch {
	case q.Title == "" || utf8.RuneCountInString(q.Title) > 200:
		return bad("title", "give a title of 1 to 200 characters")
	case !slices.Contains(rules.Categories, q.Category):
		return bad("category", "goods, services or works")
	case q.Budget <= 0 || q.Budget > 1e12:
		return bad("budget", "the budget in whole yuan, above 0")
	case !protocol.ValidID(q.Agency):
		return bad("agency", "the agency's id (lower-case letters, digits, dashes)")
	case !divisionCode.MatchString(q.Jurisdiction):
		return bad("jurisdiction", "the 6-digit division code of the finance department that regulates the purchase")
	case q.PlanLine == "" || len(q.PlanLine) > 64:
		return bad("plan_line", "the filed procurement plan line (计划备案) it spends, 1 to 64 bytes")
	case len(q.Approval) > 200:
		return bad("approval", "at most 200 bytes")
	}
	return nil
}

// vet checks an entrustment against the rules in force today: in the
// system, a method that fits, an approval where one is needed; and notes
// whether it looks like a split purchase.
func (h *HTTP) vet(ctx context.Context, e *Entrustment) error {
	m, err := h.Rules.Method(e.Method)
	if err != nil {
		return bad("method", err.Error())
	}
	th, err := h.Rules.Threshold(e.Jurisdiction, e.Category, h.today())
	if err != nil {
		return err
	}
	if err := th.InSystem(e.Budget); err != nil {
		return err
	}
	if err := m.Fits(e.Category); err != nil {
		return err
	}
	if err := th.MethodAllowed(m, e.Budget, e.Approval); err != nil {
		return err
	}
	e.Threshold = fmt.Sprintf("%s %s from %d, open tender from %d: %s", th.Jurisdiction, th.Category, th.System, th.OpenTender, th.Basis)
	if e.Method == rules.OpenTender {
		return nil
	}
	earlier, err := h.DB.EarlierBudgets(ctx, e.Purchaser, e.Category, e.FiscalYear)
	if err != nil {
		return err
	}
	if split, why := th.Splitting(earlier, e.Budget); split {
		e.Split = why
	}
	return nil
}

func (h *HTTP) createEntrustment(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	if p.Scope == "" {
		route.Fail(h.Log, w, http.StatusForbidden, "your account names no purchaser unit: ask the operator to give it one (--scope UNIT)", nil)
		return
	}
	var q entrustmentReq
	if !route.Decode(w, r, &q) {
		return
	}
	if err := q.check(); err != nil {
		h.answer(w, err)
		return
	}
	now := h.Now().UTC()
	e := Entrustment{Purchaser: p.Scope, Agency: q.Agency, Jurisdiction: q.Jurisdiction, Title: q.Title, Category: q.Category,
		Budget: q.Budget, PlanLine: q.PlanLine, Method: q.Method, Approval: q.Approval, State: EntDraft, Maker: p.User,
		FiscalYear: h.today().Year, CreatedAt: now, UpdatedAt: now}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.vet(r.Context(), &e); err != nil {
		h.answer(w, err)
		return
	}
	e, err := h.DB.InsertEntrustment(r.Context(), e)
	if err != nil {
		h.answer(w, err)
		return
	}
	detail := fmt.Sprintf("%s; %s %d yuan; %s; agency %s", e.Title, e.Category, e.Budget, e.Method, e.Agency)
	if e.Split != "" {
		detail += "; flagged: " + e.Split
	}
	if err := h.Access.WriteAudit(r, ActEntrustCreate, target("entrustment", e.ID), detail); err != nil {
		// Nothing stays that is not on record.
		if derr := h.DB.DeleteEntrustment(r.Context(), e.ID); derr != nil {
			h.Log.Error("cannot remove an entrustment whose creation was not recorded", "id", e.ID, "err", derr)
		}
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	route.JSON(w, http.StatusCreated, e)
}

func target(kind string, id int64) string { return fmt.Sprintf("%s/%d", kind, id) }

const maxList = 1000

func (h *HTTP) listEntrustments(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	list, err := h.DB.Entrustments(r.Context(), r.URL.Query().Get("state"), maxList)
	if err != nil {
		route.Fail(h.Log, w, http.StatusInternalServerError, "cannot read entrustments", err)
		return
	}
	out := []Entrustment{}
	for _, e := range list {
		if p.SeesParties(e.Parties()) {
			out = append(out, e)
		}
	}
	route.JSON(w, http.StatusOK, out)
}

func (h *HTTP) getEntrustment(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	e, err := h.DB.Entrustment(r.Context(), id)
	if err != nil {
		route.Fail(h.Log, w, http.StatusInternalServerError, "cannot read the entrustment", err)
		return
	}
	route.JSON(w, http.StatusOK, e)
}
