package procurement

import (
	"context"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
	"github.com/evalroom/evalroom/protocol"
)

// Audit actions of awards and contracts; the target is award/ID or
// contract/ID.
const (
	ActAwardCreate    = "award.create"
	ActAwardConfirm   = "award.confirm"
	ActAwardCancel    = "award.cancel"
	ActContractCreate = "contract.create"
	ActContractSign   = "contract.sign"
	ActContractFile   = "contract.file"
)

// awardReq is the agency's record of the evaluation's result for a lot.
type awardReq struct {
	Lot          int           `json:"lot"`
	Supplier     string        `json:"supplier"`
	SupplierName string        `json:"supplier_name"`
	Amount       int64         `json:"amount"`
	Evaluated    *workday.Date `json:"evaluation_done"` // default today
}

func (q awardReq) check(p Project, today workday.Date) error {
	switch {
	case q.Lot < 1 || q.Lot > len(p.Lots) || p.Lots[q.Lot-1].State != LotActive:
		return bad("lot", fmt.Sprintf("the number of one of the project's %d active lots", len(p.Lots)))
	case !protocol.ValidID(q.Supplier):
		return bad("supplier", "the winning company's id (lower-case letters, digits, dashes), as its supplier account's scope")
	case q.SupplierName == "" || utf8.RuneCountInString(q.SupplierName) > 200:
		return bad("supplier_name", "the company's name, 1 to 200 characters")
	case q.Amount <= 0 || q.Amount > p.Lots[q.Lot-1].Budget:
		return bad("amount", fmt.Sprintf("the winning price in whole yuan, above 0 and within the lot's budget of %d", p.Lots[q.Lot-1].Budget))
	case q.Evaluated.Before(p.BidDeadline):
		return bad("evaluation_done", fmt.Sprintf("%s is before the bid deadline %s: bids are opened at the deadline (Order 87 art. 39)", *q.Evaluated, p.BidDeadline))
	case today.Before(*q.Evaluated):
		return bad("evaluation_done", fmt.Sprintf("%s is in the future: today is %s", *q.Evaluated, today))
	}
	return nil
}

// createAward records the evaluation's result for a lot (the agency); the
// project becomes evaluated.
func (h *HTTP) createAward(w http.ResponseWriter, r *http.Request) {
	var q awardReq
	if !route.Decode(w, r, &q) {
		return
	}
	id, _ := pathID(r)
	h.transit(w, r, http.StatusCreated, func(ctx context.Context) (change, error) {
		p, err := h.DB.Project(ctx, id)
		if err != nil {
			return change{}, err
		}
		if _, err := Projects.Next(p.State, "award"); err != nil {
			return change{}, err
		}
		if err := h.unsuspended(ctx, p); err != nil {
			return change{}, err
		}
		today := h.today()
		if q.Evaluated == nil {
			q.Evaluated = &today
		}
		if err := q.check(p, today); err != nil {
			return change{}, err
		}
		now := h.Now().UTC()
		a := Award{Project: p.ID, Lot: q.Lot, Purchaser: p.Purchaser, Agency: p.Agency, Jurisdiction: p.Jurisdiction,
			Supplier: q.Supplier, SupplierName: q.SupplierName, Amount: q.Amount, State: AwardPending, Evaluated: *q.Evaluated,
			CreatedAt: now, UpdatedAt: now}
		detail := fmt.Sprintf("project %d lot %d: %s (%s) %d yuan, evaluated %s", p.ID, q.Lot, q.SupplierName, q.Supplier, q.Amount, a.Evaluated)
		return change{action: ActAwardCreate, target: target("project", p.ID), detail: detail, apply: func(ctx context.Context) (any, error) {
			a, err := h.DB.InsertAward(ctx, a, p.State)
			if err != nil {
				return nil, err
			}
			return h.award(ctx, a.ID)
		}}, nil
	})
}

// award reads an award with its contract's last day.
func (h *HTTP) award(ctx context.Context, id int64) (Award, error) {
	a, err := h.DB.Award(ctx, id)
	if err != nil || a.Notice.IsZero() {
		return a, err
	}
	due, err := h.Calendars.Add(a.Notice, signWithin.Limit)
	if err != nil {
		return a, err
	}
	a.SignBy = &due
	return a, nil
}

// confirm is the purchaser's confirmation of the result: the award is
// active and its notice goes out today (Reg art. 43).
func (h *HTTP) confirm(w http.ResponseWriter, r *http.Request) {
	h.moveAward(w, r, "confirm", ActAwardConfirm, func(ctx context.Context, a *Award) error {
		who, _ := auth.From(ctx)
		a.Notice, a.ConfirmedBy = h.today(), who.User
		return nil
	})
}

// cancelAward cancels a result not yet contracted (the agency), with a
// reason: a challenge or complaint found it wrong, or the winner withdrew.
func (h *HTTP) cancelAward(w http.ResponseWriter, r *http.Request) {
	var q reasonReq
	if !route.Decode(w, r, &q) {
		return
	}
	if err := q.need(); err != nil {
		h.answer(w, err)
		return
	}
	h.moveAward(w, r, "cancel", ActAwardCancel, func(ctx context.Context, a *Award) error {
		if a.Contract != 0 {
			return fmt.Errorf("%w: the award has contract %d: a signed contract is ended by the parties, not by cancelling its award", ErrState, a.Contract)
		}
		a.Reason = q.Reason
		return nil
	})
}

// moveAward checks an award's transition (and that no complaint has
// suspended the project), records it, then makes it.
func (h *HTTP) moveAward(w http.ResponseWriter, r *http.Request, event, action string, edit func(ctx context.Context, a *Award) error) {
	id, _ := pathID(r)
	h.transit(w, r, http.StatusOK, func(ctx context.Context) (change, error) {
		a, err := h.DB.Award(ctx, id)
		if err != nil {
			return change{}, err
		}
		if err := h.projectUnsuspended(ctx, a.Project); err != nil {
			return change{}, err
		}
		from := a.State
		if a.State, err = Awards.Next(from, event); err != nil {
			return change{}, err
		}
		if err := edit(ctx, &a); err != nil {
			return change{}, err
		}
		a.UpdatedAt = h.Now().UTC()
		detail := fmt.Sprintf("%s → %s; notice %s", from, a.State, dateText(a.Notice))
		if a.Reason != "" {
			detail += ": " + a.Reason
		}
		return change{action: action, target: target("award", id), detail: detail, apply: func(ctx context.Context) (any, error) {
			if err := h.DB.MoveAward(ctx, a, from); err != nil {
				return nil, err
			}
			return h.award(ctx, id)
		}}, nil
	})
}

func (h *HTTP) getAward(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	a, err := h.award(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, http.StatusOK, a)
}

func (h *HTTP) listAwards(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	list, err := h.DB.ProjectAwards(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	for i := range list {
		if list[i], err = h.award(r.Context(), list[i].ID); err != nil {
			h.answer(w, err)
			return
		}
	}
	route.JSON(w, http.StatusOK, list)
}

func (h *HTTP) awardOwner(r *http.Request) (route.Owner, error) {
	id, ok := pathID(r)
	if !ok {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad award id: a positive number"}
	}
	a, err := h.DB.Award(r.Context(), id)
	return owner(a.Parties(), "no such award", err)
}
