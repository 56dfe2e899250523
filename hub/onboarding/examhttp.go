package onboarding

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
)

// Audit actions of the exam; the target is exam/ID.
const (
	ActExamStart  = "exam.start"
	ActExamAnswer = "exam.answer"
	ActExamScore  = "exam.score"
)

func examTarget(id int64) string { return fmt.Sprintf("exam/%d", id) }

// attemptOwner: an attempt is its person's alone; anyone else finds none.
func (h *HTTP) attemptOwner(r *http.Request) (route.Owner, error) {
	id, ok := pathID(r)
	if !ok {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad attempt id: a positive number"}
	}
	a, err := h.DB.Attempt(r.Context(), id)
	if err := unknown(err, "no such attempt"); err != nil {
		return route.Owner{}, err
	}
	if p, _ := auth.From(r.Context()); p.User != a.User {
		return route.Owner{}, &route.Error{Code: http.StatusNotFound, Msg: "no such attempt"}
	}
	return route.Owner{Parties: &auth.Parties{Agency: a.Agency}, Unknown: "no such attempt"}, nil
}

// attempts returns a person's attempts, those whose time ran out scored at
// their deadline. The caller holds h.mu.
func (h *HTTP) attempts(ctx context.Context, user string) ([]Attempt, error) {
	all, err := h.DB.Attempts(ctx, user)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i], err = h.settle(ctx, all[i]); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// settle scores an open attempt whose time ran out, at its deadline, with
// the answers given by then. The hub records it (actor hub); when the entry
// cannot be written it is scored all the same (the time did run out) and
// the failure logged. The caller holds h.mu.
func (h *HTTP) settle(ctx context.Context, a Attempt) (Attempt, error) {
	if a.FinishedAt != nil || h.Now().Before(a.Deadline) {
		return a, nil
	}
	a = scored(a, a.Deadline, true)
	if h.Audit != nil {
		if _, err := h.Audit.Record(ctx, "hub", ActExamScore, examTarget(a.ID), scoreDetail(a)); err != nil {
			h.Log.Error("cannot record an exam scored at its deadline; scoring it all the same", "attempt", a.ID, "err", err)
		}
	}
	if err := h.DB.Finish(ctx, a); err != nil {
		return a, fmt.Errorf("score attempt %d at its deadline: %w", a.ID, err)
	}
	h.Log.Info("exam attempt scored at its deadline", "attempt", a.ID, "user", a.User, "score", a.Score)
	return a, nil
}

// scored is the attempt scored at at.
func scored(a Attempt, at time.Time, timedOut bool) Attempt {
	at = at.UTC()
	a.FinishedAt, a.TimedOut = &at, timedOut
	a.Score, _ = score(a.Questions, a.Answers)
	a.Passed = a.Score >= ExamPass
	return a
}

func scoreDetail(a Attempt) string {
	_, right := score(a.Questions, a.Answers)
	d := fmt.Sprintf("%d/%d points, %d of %d right, ", a.Score, ExamPoints, right, len(a.Questions))
	if a.Passed {
		d += "passed"
	} else {
		d += "failed"
	}
	if a.TimedOut {
		d += ", scored at the deadline (time ran out)"
	}
	return d
}
