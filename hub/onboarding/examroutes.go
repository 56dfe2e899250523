package onboarding

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
)

// examList: the caller's attempts (without questions), how many are used
// and left, whether one passed, and the rules.
func (h *HTTP) examList(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	h.mu.Lock()
	all, err := h.attempts(r.Context(), p.User)
	h.mu.Unlock()
	if err != nil {
		h.answer(w, err)
		return
	}
	out := struct {
		Attempts []AttemptView `json:"attempts"`
		Used     int           `json:"attempts_used"`
		Left     int           `json:"attempts_left"`
		Passed   bool          `json:"passed"`
		Rules    Rules         `json:"rules"`
		Sample   bool          `json:"sample_bank"` // the bank is the sample, to be replaced
	}{Attempts: []AttemptView{}, Used: len(all), Left: max(0, ExamAttempts-len(all)), Rules: rules, Sample: h.Bank.Sample}
	for _, a := range all {
		out.Attempts = append(out.Attempts, viewOf(a, h.Now(), len(all), false))
		out.Passed = out.Passed || a.Passed
	}
	route.JSON(w, http.StatusOK, out)
}

// examStart: the caller starts an attempt: 50 questions drawn at random,
// 40 minutes from now; refused while one is under way or after the 10th.
func (h *HTTP) examStart(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	ctx := r.Context()
	h.mu.Lock()
	defer h.mu.Unlock()
	all, err := h.attempts(ctx, p.User)
	if err != nil {
		h.answer(w, err)
		return
	}
	for _, a := range all {
		if a.FinishedAt == nil {
			h.answer(w, fmt.Errorf("%w: attempt %d is under way until %s: answer and submit it first", ErrState, a.ID, a.Deadline.Format("15:04:05 MST")))
			return
		}
	}
	if len(all) >= ExamAttempts {
		h.answer(w, fmt.Errorf("%w: you have used all %d attempts a person has (%s)", ErrLimit, ExamAttempts, examBasis))
		return
	}
	now := h.Now().UTC()
	a := Attempt{User: p.User, Agency: p.Scope, Bank: h.Bank.Digest, StartedAt: now, Deadline: now.Add(ExamTime),
		Questions: draw(h.Bank, ExamQuestions), Answers: make([]Answer, ExamQuestions)}
	if a.ID, err = h.DB.InsertAttempt(ctx, a); err != nil {
		h.answer(w, err)
		return
	}
	detail := fmt.Sprintf("attempt %d of %d: %d questions from bank %.12s, deadline %s", len(all)+1, ExamAttempts, ExamQuestions,
		a.Bank, a.Deadline.Format("2006-01-02T15:04:05Z"))
	if err := h.Access.WriteAudit(r, ActExamStart, examTarget(a.ID), detail); err != nil {
		if derr := h.DB.DeleteAttempt(ctx, a.ID); derr != nil {
			h.Log.Error("cannot remove an exam attempt that is not on record", "attempt", a.ID, "err", derr)
		}
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	h.Log.Info("exam attempt started", "attempt", a.ID, "user", p.User)
	route.JSON(w, http.StatusCreated, viewOf(a, now, len(all)+1, true))
}

// examGet: one of the caller's attempts; the questions while it is open.
func (h *HTTP) examGet(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sendAttempt(w, r, http.StatusOK, id)
}

func (h *HTTP) sendAttempt(w http.ResponseWriter, r *http.Request, code int, id int64) {
	a, err := h.DB.Attempt(r.Context(), id)
	if err == nil {
		a, err = h.settle(r.Context(), a)
	}
	var all []Attempt
	if err == nil {
		all, err = h.DB.Attempts(r.Context(), a.User)
	}
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, code, viewOf(a, h.Now(), len(all), true))
}

type answerReq struct {
	Question int    `json:"question"` // 1 to 50
	Choice   string `json:"choice"`   // letters, "" to clear
}

// examAnswer: the caller answers one question of an open attempt; after
// its deadline 409, the time ran out.
func (h *HTTP) examAnswer(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	var q answerReq
	if !route.Decode(w, r, &q) {
		return
	}
	q.Choice = strings.ToUpper(strings.TrimSpace(q.Choice))
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.openAttempt(r, id)
	if err != nil {
		h.answer(w, err)
		return
	}
	if q.Question < 1 || q.Question > len(a.Questions) {
		h.answer(w, bad("question", fmt.Sprintf("the question's number, 1 to %d", len(a.Questions))))
		return
	}
	qu := a.Questions[q.Question-1]
	if err := checkChoice(qu, q.Choice); err != nil {
		h.answer(w, err)
		return
	}
	now := h.Now().UTC()
	detail := fmt.Sprintf("question %d (%s): %q", q.Question, qu.ID, q.Choice)
	if err := h.Access.WriteAudit(r, ActExamAnswer, examTarget(id), detail); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	a.Answers[q.Question-1] = Answer{Choice: q.Choice, At: &now}
	if err := h.DB.PutAnswers(r.Context(), id, a.Answers); err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, http.StatusOK, map[string]any{"question": q.Question, "choice": q.Choice,
		"remaining_seconds": int(a.Deadline.Sub(now).Seconds())})
}

// checkChoice: "" clears; otherwise letters among the question's options,
// exactly one for a single-choice question.
func checkChoice(q Question, c string) error {
	if c == "" {
		return nil
	}
	n, err := choice(c, len(q.Options))
	if err != nil {
		return bad("choice", err.Error())
	}
	if q.Type == "single" && n != 1 {
		return bad("choice", "one letter: the question is single choice")
	}
	return nil
}

// openAttempt is an attempt still open at the hub's clock: one whose time
// ran out is scored at its deadline and refused (ErrTimeUp). The caller
// holds h.mu.
func (h *HTTP) openAttempt(r *http.Request, id int64) (Attempt, error) {
	a, err := h.DB.Attempt(r.Context(), id)
	if err != nil {
		return a, err
	}
	if a, err = h.settle(r.Context(), a); err != nil {
		return a, err
	}
	switch {
	case a.TimedOut:
		return a, ErrTimeUp
	case a.FinishedAt != nil:
		return a, fmt.Errorf("%w: the attempt was submitted and scored: start a new one", ErrState)
	}
	return a, nil
}

// examSubmit: the caller submits an open attempt, which is scored now.
func (h *HTTP) examSubmit(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.openAttempt(r, id)
	if err != nil {
		h.answer(w, err)
		return
	}
	a = scored(a, h.Now(), false)
	if err := h.Access.WriteAudit(r, ActExamScore, examTarget(id), scoreDetail(a)); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	if err := h.DB.Finish(r.Context(), a); err != nil {
		h.answer(w, err)
		return
	}
	h.Log.Info("exam attempt submitted", "attempt", id, "user", a.User, "score", a.Score)
	h.sendAttempt(w, r, http.StatusOK, id)
}
