package procurement

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

// Audit actions of challenges and complaints; the target is challenge/ID
// or complaint/ID.
const (
	ActChallengeFile    = "challenge.file"
	ActChallengeAnswer  = "challenge.answer"
	ActChallengeResolve = "challenge.resolve"
	ActDocumentAdd      = "document.add"
)

// The challenge's clocks (Order 94 art. 10, 13; Law art. 52, 53, 55).
var (
	challengeWithin = workday.WD(7)
	replyWithin     = workday.WD(7)
	complainWithin  = workday.WD(15)
)

const (
	basisChallengeFile = "政府采购法 第五十二条, 财政部令第94号 第十条 (Law art. 52, Order 94 art. 10)"
	basisComplaint     = "政府采购法 第五十五条, 财政部令第94号 第十七条 (Law art. 55, Order 94 art. 17)"
)

func text(field, v string, max int) error {
	if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > max {
		return bad(field, fmt.Sprintf("1 to %d characters", max))
	}
	return nil
}

// known is the day the supplier knew of the step it challenges: the end
// of the documents' offer (or their issue), the bid deadline's opening,
// the end of the result's announcement period (Order 94 art. 10).
func (h *HTTP) known(ctx context.Context, p Project, step string) (workday.Date, error) {
	if p.DocumentsIssued.IsZero() {
		return workday.Date{}, fmt.Errorf("%w: the project's documents are not issued yet", ErrState)
	}
	switch step {
	case StepDocuments:
		m, err := h.Rules.Method(p.Method)
		if err != nil {
			return workday.Date{}, err
		}
		if c, ok := m.Clock("documents_on_offer"); ok {
			return h.Calendars.Add(p.DocumentsIssued, c.Limit)
		}
		return p.DocumentsIssued, nil
	case StepProcess:
		return p.BidDeadline, nil
	case StepResult:
		var last workday.Date
		awards, err := h.DB.ProjectAwards(ctx, p.ID)
		for _, a := range awards {
			if a.State == AwardActive && last.Before(a.Notice) {
				last = a.Notice
			}
		}
		if err != nil || last.IsZero() {
			return last, cmp(err, fmt.Errorf("%w: no result is announced yet: challenge the result once it is", ErrState))
		}
		period, _ := afterClockOK("announcement_period")
		return h.Calendars.Add(last, period.Limit)
	}
	return workday.Date{}, bad("step", "documents, process or result")
}

func cmp(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

func afterClockOK(step string) (rules.Clock, bool) {
	for _, c := range rules.After {
		if c.Step == step {
			return c, true
		}
	}
	return rules.Clock{}, false
}

// fileChallenge is a supplier's challenge of a published project's step,
// refused after 7 working days from the day it knew (Law art. 52).
func (h *HTTP) fileChallenge(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Step    string `json:"step"`
		Grounds string `json:"grounds"`
	}
	if !route.Decode(w, r, &q) {
		return
	}
	if !slices.Contains([]string{StepDocuments, StepProcess, StepResult}, q.Step) {
		h.answer(w, bad("step", "documents, process or result"))
		return
	}
	if err := text("grounds", q.Grounds, 5000); err != nil {
		h.answer(w, err)
		return
	}
	who, _ := auth.From(r.Context())
	id, _ := pathID(r)
	h.transit(w, r, http.StatusCreated, func(ctx context.Context) (change, error) {
		p, err := h.DB.Project(ctx, id)
		if err != nil || p.State == ProjPlanning {
			return change{}, &route.Error{Code: http.StatusNotFound, Msg: "no such project"}
		}
		today := h.today()
		c := Challenge{Project: p.ID, Purchaser: p.Purchaser, Agency: p.Agency, Jurisdiction: p.Jurisdiction, Supplier: who.Scope,
			Step: q.Step, Grounds: q.Grounds, State: ChalClaim, Filed: today, CreatedAt: h.Now().UTC()}
		c.UpdatedAt = c.CreatedAt
		if c.Known, err = h.known(ctx, p, q.Step); err != nil {
			return change{}, err
		}
		if c.FileBy, err = h.Calendars.Add(c.Known, challengeWithin); err != nil {
			return change{}, err
		}
		if c.FileBy.Before(today) {
			return change{}, &rules.Violation{Kind: rules.ErrForbidden, Basis: basisChallengeFile, Msg: fmt.Sprintf(
				"a challenge of the %s is due within 7 working days of %s, by %s; today is %s", q.Step, c.Known, c.FileBy, today)}
		}
		detail := fmt.Sprintf("project %d, %s, by %s: %s", p.ID, q.Step, c.Supplier, q.Grounds)
		return change{action: ActChallengeFile, target: target("project", p.ID), detail: detail, apply: func(ctx context.Context) (any, error) {
			cid, err := h.DB.InsertChallenge(ctx, c)
			if err != nil {
				return nil, err
			}
			return h.challenge(ctx, cid)
		}}, nil
	})
}

// challenge reads a challenge with its clocks, documents and complaints.
func (h *HTTP) challenge(ctx context.Context, id int64) (Challenge, error) {
	c, err := h.DB.Challenge(ctx, id)
	if err != nil {
		return c, err
	}
	// A clock that runs into a year without a calendar is left out (zero)
	// until that year's calendar is loaded: the challenge is still read.
	if c.FileBy, err = h.Calendars.Add(c.Known, challengeWithin); err != nil && !errors.Is(err, workday.ErrNoCalendar) {
		return c, err
	}
	if c.ReplyBy, err = h.Calendars.Add(c.Filed, replyWithin); err != nil && !errors.Is(err, workday.ErrNoCalendar) {
		return c, err
	}
	if !c.ReplyBy.IsZero() {
		if c.ComplainBy, err = h.Calendars.Add(c.ReplyBy, complainWithin); err != nil && !errors.Is(err, workday.ErrNoCalendar) {
			return c, err
		}
	}
	if c.Documents, err = h.DB.Documents(ctx, target("challenge", id)); err != nil {
		return c, err
	}
	comps, err := h.DB.ComplaintsWhere(ctx, id, "")
	c.Complaints = []int64{}
	for _, k := range comps {
		c.Complaints = append(c.Complaints, k.ID)
	}
	return c, err
}

// answerChallenge is the agency's written reply; a reply that changes the
// result means the agency cancels the award and awards again.
func (h *HTTP) answerChallenge(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Reply         string `json:"reply"`
		ChangesResult *bool  `json:"changes_result"`
	}
	if !route.Decode(w, r, &q) {
		return
	}
	if err := text("reply", q.Reply, 5000); err != nil {
		h.answer(w, err)
		return
	}
	if q.ChangesResult == nil {
		h.answer(w, bad("changes_result", "true when the challenge is upheld so that the result changes, else false"))
		return
	}
	h.moveChallenge(w, r, "answer", ActChallengeAnswer, func(c *Challenge) string {
		c.Reply, c.ChangesResult, c.Answered = q.Reply, *q.ChangesResult, h.today()
		return fmt.Sprintf("changes the result: %t; %s", c.ChangesResult, c.Reply)
	})
}

// resolveChallenge is the supplier content with the reply.
func (h *HTTP) resolveChallenge(w http.ResponseWriter, r *http.Request) {
	if !route.Decode(w, r, &struct{}{}) {
		return
	}
	h.moveChallenge(w, r, "resolve", ActChallengeResolve, func(*Challenge) string { return "the supplier accepts the reply" })
}

func (h *HTTP) moveChallenge(w http.ResponseWriter, r *http.Request, event, action string, edit func(c *Challenge) string) {
	id, _ := pathID(r)
	h.transit(w, r, http.StatusOK, func(ctx context.Context) (change, error) {
		c, err := h.DB.Challenge(ctx, id)
		if err != nil {
			return change{}, err
		}
		from := c.State
		if c.State, err = Challenges.Next(from, event); err != nil {
			return change{}, err
		}
		c.UpdatedAt = h.Now().UTC()
		detail := from + " → " + c.State + ": " + edit(&c)
		return change{action: action, target: target("challenge", id), detail: detail, apply: func(ctx context.Context) (any, error) {
			if err := h.DB.MoveChallenge(ctx, c, from); err != nil {
				return nil, err
			}
			return h.challenge(ctx, id)
		}}, nil
	})
}

func (h *HTTP) getChallenge(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	c, err := h.challenge(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, http.StatusOK, c)
}

// listChallenges lists the challenges in the caller's scope, newest first.
func (h *HTTP) listChallenges(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	list, err := h.DB.ChallengesWhere(r.Context(), 0, r.URL.Query().Get("state"), maxList)
	if err != nil {
		h.answer(w, err)
		return
	}
	out := []Challenge{}
	for _, c := range list {
		if p.SeesParties(c.Parties()) {
			if c, err = h.challenge(r.Context(), c.ID); err != nil {
				h.answer(w, err)
				return
			}
			out = append(out, c)
		}
	}
	route.JSON(w, http.StatusOK, out)
}

func (h *HTTP) challengeOwner(r *http.Request) (route.Owner, error) {
	id, ok := pathID(r)
	if !ok {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad challenge id: a positive number"}
	}
	c, err := h.DB.Challenge(r.Context(), id)
	return owner(c.Parties(), "no such challenge", err)
}
