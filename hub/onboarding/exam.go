package onboarding

import (
	"errors"
	"math/rand/v2"
	"time"
)

// The exam's rules (DOMAIN.md, "Agency onboarding", the Kunming seed).
const (
	ExamQuestions = 50               // drawn at random from the bank
	ExamTime      = 40 * time.Minute // enforced by the hub's clock
	ExamPoints    = 100              // each question 100/50 = 2 points
	ExamPass      = 60               // points to pass
	ExamAttempts  = 10               // per person, ever
)

const examBasis = "考试50题、40分钟、满分100分、60分合格、每人最多10次 (seed 2, Kunming: 50 questions, 40 minutes, 100 points, pass mark 60, at most 10 attempts)"

// ErrTimeUp means an answer came after the attempt's 40 minutes.
var ErrTimeUp = errors.New("the time ran out: the attempt's 40 minutes are over and it was scored at its deadline")

// Attempt states.
const (
	AttemptOpen   = "open"   // under way, before its deadline
	AttemptScored = "scored" // submitted, or scored at its deadline
)

// Attempt is one person's sitting of the exam, kept whole: the questions
// drawn (with their answers, never sent before it is scored), the
// person's choices with their times, and the score.
type Attempt struct {
	ID         int64
	User       string
	Agency     string
	Bank       string // the bank's SHA-256
	StartedAt  time.Time
	Deadline   time.Time
	FinishedAt *time.Time
	Questions  []Question
	Answers    []Answer // one per question, in order
	Score      int
	Passed     bool
	TimedOut   bool // scored at the deadline, not submitted
}

// Answer is a person's choice for one question and when it was given.
type Answer struct {
	Choice string     `json:"choice"` // letters, "" when not answered
	At     *time.Time `json:"at,omitempty"`
}

// State is the attempt's state.
func (a Attempt) State() string {
	if a.FinishedAt != nil {
		return AttemptScored
	}
	return AttemptOpen
}

// draw picks n questions of the bank at random, none twice.
func draw(b *Bank, n int) []Question {
	idx := rand.Perm(len(b.Questions))[:n]
	out := make([]Question, n)
	for i, j := range idx {
		out[i] = b.Questions[j]
	}
	return out
}

// score counts the right answers: all the right letters and no other.
func score(qs []Question, as []Answer) (points, right int) {
	for i, q := range qs {
		if i < len(as) && as[i].Choice == q.Answer {
			right++
		}
	}
	return right * ExamPoints / len(qs), right
}
