package procurement

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// The contract's clocks, shared by every method (rules.After).
var (
	signWithin = afterClock("contract_signed") // 30 days from the award notice, Law art. 46
	fileWithin = afterClock("contract_filed")  // 7 working days from signing, Law art. 47
)

func afterClock(step string) rules.Clock {
	for _, c := range rules.After {
		if c.Step == step {
			return c
		}
	}
	panic("procurement: no shared clock " + step)
}

// createContract makes the contract of an active award (the purchaser).
func (h *HTTP) createContract(w http.ResponseWriter, r *http.Request) {
	if !route.Decode(w, r, &struct{}{}) {
		return
	}
	id, _ := pathID(r)
	h.transit(w, r, http.StatusCreated, func(ctx context.Context) (change, error) {
		a, err := h.DB.Award(ctx, id)
		if err != nil {
			return change{}, err
		}
		if _, err := Awards.Next(a.State, "contract"); err != nil {
			return change{}, err
		}
		if err := h.projectUnsuspended(ctx, a.Project); err != nil {
			return change{}, err
		}
		now := h.Now().UTC()
		c := Contract{Award: a.ID, Project: a.Project, Lot: a.Lot, Purchaser: a.Purchaser, Agency: a.Agency,
			Jurisdiction: a.Jurisdiction, Supplier: a.Supplier, Amount: a.Amount, State: ContractPending, CreatedAt: now, UpdatedAt: now}
		detail := fmt.Sprintf("of award %d: project %d lot %d, %s, %d yuan", a.ID, a.Project, a.Lot, a.Supplier, a.Amount)
		return change{action: ActContractCreate, target: target("award", a.ID), detail: detail, apply: func(ctx context.Context) (any, error) {
			c, err := h.DB.InsertContract(ctx, c)
			if err != nil {
				return nil, err
			}
			return h.contract(ctx, c.ID)
		}}, nil
	})
}

// contract reads a contract with its filing's last day.
func (h *HTTP) contract(ctx context.Context, id int64) (Contract, error) {
	c, err := h.DB.Contract(ctx, id)
	if err != nil || c.Signed.IsZero() {
		return c, err
	}
	due, err := h.Calendars.Add(c.Signed, fileWithin.Limit)
	if err != nil {
		return c, err
	}
	c.FileBy = &due
	return c, nil
}

type signReq struct {
	Signed     *workday.Date `json:"signed"` // default today
	LateReason string        `json:"late_reason"`
}

// sign records the signed contract (the purchaser). Refused while the
// project is suspended by a complaint (Law art. 57), while a challenge
// that may change the result is open (Reg art. 54), and later than 30 days
// after the award notice without a recorded reason (Law art. 46).
func (h *HTTP) sign(w http.ResponseWriter, r *http.Request) {
	var q signReq
	if !route.Decode(w, r, &q) {
		return
	}
	h.moveContract(w, r, "sign", ActContractSign, func(ctx context.Context, c *Contract) error {
		today := h.today()
		if q.Signed == nil {
			q.Signed = &today
		}
		if utf8.RuneCountInString(q.LateReason) > 2000 {
			return bad("late_reason", "at most 2000 characters")
		}
		if err := h.signable(ctx, *c, *q.Signed, today, strings.TrimSpace(q.LateReason)); err != nil {
			return err
		}
		c.Signed, c.LateReason = *q.Signed, strings.TrimSpace(q.LateReason)
		return nil
	})
}

// signable checks a signing date against the award notice and the open
// challenges of the project.
func (h *HTTP) signable(ctx context.Context, c Contract, signed, today workday.Date, lateReason string) error {
	a, err := h.DB.Award(ctx, c.Award)
	if err != nil {
		return err
	}
	switch {
	case signed.Before(a.Notice):
		return bad("signed", fmt.Sprintf("%s is before the award notice of %s", signed, a.Notice))
	case today.Before(signed):
		return bad("signed", fmt.Sprintf("%s is in the future: today is %s", signed, today))
	}
	if err := h.noOpenChallenge(ctx, c.Project); err != nil {
		return err
	}
	due, err := h.Calendars.Add(a.Notice, signWithin.Limit)
	if err != nil {
		return err
	}
	if due.Before(signed) && lateReason == "" {
		return &rules.Violation{Kind: rules.ErrForbidden, Basis: signWithin.Basis, Msg: fmt.Sprintf(
			"signed %s, later than %s (30 days after the award notice of %s): record why in late_reason", signed, due, a.Notice)}
	}
	return nil
}

// file records the contract's filing (合同备案) with the finance
// department (the purchaser); due 7 working days after signing (Law art.
// 47), a late filing is recorded as late.
func (h *HTTP) file(w http.ResponseWriter, r *http.Request) {
	if !route.Decode(w, r, &struct{}{}) {
		return
	}
	h.moveContract(w, r, "file", ActContractFile, func(_ context.Context, c *Contract) error {
		c.Filed = h.today()
		return nil
	})
}

// moveContract checks a contract's transition, records it, then makes it.
func (h *HTTP) moveContract(w http.ResponseWriter, r *http.Request, event, action string, edit func(ctx context.Context, c *Contract) error) {
	id, _ := pathID(r)
	h.transit(w, r, http.StatusOK, func(ctx context.Context) (change, error) {
		c, err := h.DB.Contract(ctx, id)
		if err != nil {
			return change{}, err
		}
		from := c.State
		if c.State, err = Contracts.Next(from, event); err != nil {
			return change{}, err
		}
		if err := h.projectUnsuspended(ctx, c.Project); err != nil {
			return change{}, err
		}
		if err := edit(ctx, &c); err != nil {
			return change{}, err
		}
		c.UpdatedAt = h.Now().UTC()
		detail := fmt.Sprintf("%s → %s; signed %s, filed %s", from, c.State, dateText(c.Signed), dateText(c.Filed))
		if c.LateReason != "" {
			detail += "; late: " + c.LateReason
		}
		return change{action: action, target: target("contract", id), detail: detail, apply: func(ctx context.Context) (any, error) {
			if err := h.DB.MoveContract(ctx, c, from); err != nil {
				return nil, err
			}
			return h.contract(ctx, id)
		}}, nil
	})
}

func (h *HTTP) getContract(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	c, err := h.contract(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, http.StatusOK, c)
}

func (h *HTTP) contractOwner(r *http.Request) (route.Owner, error) {
	id, ok := pathID(r)
	if !ok {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad contract id: a positive number"}
	}
	c, err := h.DB.Contract(r.Context(), id)
	return owner(c.Parties(), "no such contract", err)
}
