package procurement

import (
	"context"
	"fmt"

	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/workday"
)

// The articles the legal sub-states cite.
const (
	basisSuspension = "政府采购法 第五十七条 (Law art. 57)"
	basisChallenge  = "实施条例 第五十四条 (Reg art. 54)"
)

// LegalSuspended is the project's legal sub-state while a complaint has
// suspended it, beside its working state.
const LegalSuspended = "suspended_by_complaint"

// unsuspended refuses a transition of a project that a complaint has
// suspended (Law art. 57).
func (h *HTTP) unsuspended(ctx context.Context, p Project) error {
	s, err := h.DB.Suspension(ctx, p.ID, h.today())
	if err != nil || s == nil {
		return err
	}
	return &rules.Violation{Kind: rules.ErrForbidden, Basis: basisSuspension, Msg: fmt.Sprintf(
		"project %d is suspended by complaint %d until %s: awards and contracts wait until the finance department lifts it or it ends", p.ID, s.Complaint, s.Until)}
}

// projectUnsuspended is unsuspended for the project of that id.
func (h *HTTP) projectUnsuspended(ctx context.Context, id int64) error {
	p, err := h.DB.Project(ctx, id)
	if err != nil {
		return err
	}
	return h.unsuspended(ctx, p)
}

// noOpenChallenge refuses signing while a challenge of the project is
// unanswered: until its reply it may change the result (Reg art. 54).
func (h *HTTP) noOpenChallenge(ctx context.Context, project int64) error {
	open, err := h.DB.ChallengesWhere(ctx, project, ChalClaim, 1)
	if err != nil || len(open) == 0 {
		return err
	}
	return &rules.Violation{Kind: rules.ErrForbidden, Basis: basisChallenge, Msg: fmt.Sprintf(
		"challenge %d of this project is open and may change the result: sign after the agency's reply", open[0].ID)}
}

// legalState sets the project's legal sub-state.
func (h *HTTP) legalState(ctx context.Context, p *Project) error {
	s, err := h.DB.Suspension(ctx, p.ID, h.today())
	if err != nil {
		return err
	}
	if s != nil {
		p.LegalState, p.Suspension = LegalSuspended, s
	}
	return nil
}

// workingDaysBetween counts the working days after from up to and
// including to (none when to is not after from).
func workingDaysBetween(cal *workday.Calendars, from, to workday.Date) (int, error) {
	n := 0
	for d := from.AddDays(1); !to.Before(d); d = d.AddDays(1) {
		ok, err := cal.IsWorkingDay(d)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
