package procurement

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// Audit actions of complaints: complaint.file, complaint.accept, ….
const actComplaint = "complaint."

// The complaint's clocks (Order 94 art. 21; Law art. 56, Reg art. 58;
// Law art. 57).
var (
	reviewWithin   = workday.WD(5)
	decideWithin   = workday.WD(30)
	suspendAtMost  = 30 // calendar days
	basisSuspendAt = "政府采购法 第五十七条 (Law art. 57): at most 30 days"
)

// fileComplaint is the supplier's complaint about a challenge's reply (or
// its absence), within 15 working days after the reply period (Law art.
// 55); not before the reply or the end of its period.
func (h *HTTP) fileComplaint(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Grounds string `json:"grounds"`
	}
	if !route.Decode(w, r, &q) {
		return
	}
	if err := text("grounds", q.Grounds, 5000); err != nil {
		h.answer(w, err)
		return
	}
	id, _ := pathID(r)
	h.transit(w, r, http.StatusCreated, func(ctx context.Context) (change, error) {
		c, err := h.challenge(ctx, id)
		if err != nil {
			return change{}, err
		}
		if _, err := Challenges.Next(c.State, "complain"); err != nil {
			return change{}, err
		}
		today := h.today()
		if c.ReplyBy.IsZero() || c.ComplainBy.IsZero() {
			return change{}, fmt.Errorf("%w: the challenge's reply or complaint period runs into a year whose calendar is not loaded: load it, then complain", workday.ErrNoCalendar)
		}
		if c.State == ChalClaim && !c.ReplyBy.Before(today) {
			return change{}, &rules.Violation{Kind: rules.ErrForbidden, Basis: basisComplaint, Msg: fmt.Sprintf(
				"the agency may reply until %s: complain after its reply or once that day has passed", c.ReplyBy)}
		}
		if c.ComplainBy.Before(today) {
			return change{}, &rules.Violation{Kind: rules.ErrForbidden, Basis: basisComplaint, Msg: fmt.Sprintf(
				"a complaint is due within 15 working days after the reply period ended on %s, by %s; today is %s", c.ReplyBy, c.ComplainBy, today)}
		}
		k := Complaint{Challenge: c.ID, Project: c.Project, Purchaser: c.Purchaser, Agency: c.Agency, Jurisdiction: c.Jurisdiction,
			Supplier: c.Supplier, Grounds: q.Grounds, State: CompPending, Filed: today, CreatedAt: h.Now().UTC()}
		k.UpdatedAt = k.CreatedAt
		return change{action: actComplaint + "file", target: target("challenge", c.ID), detail: q.Grounds, apply: func(ctx context.Context) (any, error) {
			kid, err := h.DB.InsertComplaint(ctx, k)
			if err != nil {
				return nil, err
			}
			return h.complaint(ctx, kid)
		}}, nil
	})
}

// complaint reads a complaint with its clocks and documents.
func (h *HTTP) complaint(ctx context.Context, id int64) (Complaint, error) {
	k, err := h.DB.Complaint(ctx, id)
	if err != nil {
		return k, err
	}
	// As a challenge's: a clock into a year without a calendar is left out.
	if k.ReviewBy, err = h.Calendars.Add(k.Filed, reviewWithin); err != nil && !errors.Is(err, workday.ErrNoCalendar) {
		return k, err
	}
	if !k.Accepted.IsZero() {
		span := decideWithin
		span.N += k.PausedDays + h.pausedNow(k)
		due, err := h.Calendars.Add(k.Accepted, span)
		switch {
		case err == nil:
			k.DecideBy = &due
		case !errors.Is(err, workday.ErrNoCalendar):
			return k, err
		}
	}
	k.Documents, err = h.DB.Documents(ctx, target("complaint", id))
	return k, err
}

// pausedNow is the working days of a pause still running, up to today.
func (h *HTTP) pausedNow(k Complaint) int {
	if k.PausedSince.IsZero() {
		return 0
	}
	n, _ := workingDaysBetween(h.Calendars, k.PausedSince, h.today())
	return n
}

// decideReq is a regulator's step on a complaint.
type decideReq struct {
	Reason   string `json:"reason"`   // reject, pause, suspend
	Decision string `json:"decision"` // satisfy, decline
	Days     int    `json:"days"`     // suspend: 1 to 30, default 30
}

// complaintStep is one of the finance department's steps, or the
// supplier's withdrawal.
func (h *HTTP) complaintStep(event string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var q decideReq
		if !route.Decode(w, r, &q) {
			return
		}
		if err := q.check(event); err != nil {
			h.answer(w, err)
			return
		}
		id, _ := pathID(r)
		h.transit(w, r, http.StatusOK, func(ctx context.Context) (change, error) {
			return h.planComplaint(ctx, id, event, q)
		})
	}
}

func (q *decideReq) check(event string) error {
	switch event {
	case "reject", "pause", "suspend":
		if err := text("reason", q.Reason, 2000); err != nil {
			return err
		}
	case "satisfy", "decline":
		if err := text("decision", q.Decision, 5000); err != nil {
			return err
		}
	}
	if event == "suspend" {
		if q.Days == 0 {
			q.Days = suspendAtMost
		}
		if q.Days < 0 || q.Days > suspendAtMost {
			return bad("days", "1 to 30: "+basisSuspendAt)
		}
	}
	return nil
}

func (h *HTTP) planComplaint(ctx context.Context, id int64, event string, q decideReq) (change, error) {
	k, err := h.DB.Complaint(ctx, id)
	if err != nil {
		return change{}, err
	}
	from := k.State
	if k.State, err = Complaints.Next(from, event); err != nil {
		return change{}, err
	}
	today := h.today()
	after, err := h.editComplaint(ctx, &k, event, q, today)
	if err != nil {
		return change{}, err
	}
	k.UpdatedAt = h.Now().UTC()
	detail := fmt.Sprintf("%s → %s (%s) %s%s", from, k.State, event, q.Reason, q.Decision)
	return change{action: actComplaint + event, target: target("complaint", id), detail: detail, apply: func(ctx context.Context) (any, error) {
		if err := h.DB.MoveComplaint(ctx, k, from); err != nil {
			return nil, err
		}
		if err := after(ctx); err != nil {
			return nil, err
		}
		return h.complaint(ctx, id)
	}}, nil
}

// editComplaint makes the event's change to k and returns what else to
// write with it (the project's suspension).
func (h *HTTP) editComplaint(ctx context.Context, k *Complaint, event string, q decideReq, today workday.Date) (func(context.Context) error, error) {
	none := func(context.Context) error { return nil }
	lift := func(ctx context.Context) error { return h.DB.Lift(ctx, k.ID, today) }
	switch event {
	case "accept":
		k.Accepted = today
	case "pause":
		if !k.PausedSince.IsZero() {
			return nil, fmt.Errorf("%w: the decision clock is paused since %s", ErrState, k.PausedSince)
		}
		k.PausedSince, k.PauseReason = today, q.Reason
	case "resume":
		if k.PausedSince.IsZero() {
			return nil, fmt.Errorf("%w: the decision clock is not paused", ErrState)
		}
		k.PausedDays += h.pausedNow(*k)
		k.PausedSince, k.PauseReason = workday.Date{}, ""
	case "satisfy", "decline":
		k.Decision, k.Decided = q.Decision, today
		return lift, nil
	case "reject":
		k.Decision, k.Decided = q.Reason, today
		return lift, nil
	case "withdraw":
		return lift, nil
	case "suspend":
		return h.suspend(ctx, *k, q, today)
	case "lift":
		return lift, nil
	}
	return none, nil
}

// suspend checks that the project is not suspended already and returns
// the write of a suspension of at most 30 days (Law art. 57).
func (h *HTTP) suspend(ctx context.Context, k Complaint, q decideReq, today workday.Date) (func(context.Context) error, error) {
	s, err := h.DB.Suspension(ctx, k.Project, today)
	if err != nil {
		return nil, err
	}
	if s != nil {
		return nil, fmt.Errorf("%w: the project is suspended until %s by complaint %d", ErrState, s.Until, s.Complaint)
	}
	sus := Suspension{Complaint: k.ID, Since: today, Until: today.AddDays(q.Days), Reason: q.Reason}
	return func(ctx context.Context) error { return h.DB.Suspend(ctx, k.Project, sus) }, nil
}

func (h *HTTP) getComplaint(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	k, err := h.complaint(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, http.StatusOK, k)
}

func (h *HTTP) complaintOwner(r *http.Request) (route.Owner, error) {
	id, ok := pathID(r)
	if !ok {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad complaint id: a positive number"}
	}
	k, err := h.DB.Complaint(r.Context(), id)
	return owner(k.Parties(), "no such complaint", err)
}
