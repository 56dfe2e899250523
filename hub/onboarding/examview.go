package onboarding

import "time"

// Rules are the exam's rules as the person sees them.
type Rules struct {
	Questions int    `json:"questions"`
	Minutes   int    `json:"minutes"`
	Points    int    `json:"points"`
	Pass      int    `json:"pass"`
	Attempts  int    `json:"attempts"`
	Basis     string `json:"basis"`
}

var rules = Rules{Questions: ExamQuestions, Minutes: int(ExamTime / time.Minute), Points: ExamPoints, Pass: ExamPass,
	Attempts: ExamAttempts, Basis: examBasis}

// AttemptView is an attempt as its person sees it: the questions without
// their answers, the choices so far, the time left; the score once scored.
type AttemptView struct {
	ID         int64          `json:"id"`
	State      string         `json:"state"` // open, scored
	StartedAt  time.Time      `json:"started_at"`
	Deadline   time.Time      `json:"deadline"`
	Remaining  int            `json:"remaining_seconds"` // by the hub's clock; 0 once scored
	Questions  []QuestionView `json:"questions,omitempty"`
	Answered   int            `json:"answered"`
	FinishedAt *time.Time     `json:"finished_at"`
	Score      *int           `json:"score"`  // out of 100, once scored
	Right      *int           `json:"right"`  // questions right, once scored
	Passed     *bool          `json:"passed"` // once scored
	TimedOut   bool           `json:"timed_out"`
	Used       int            `json:"attempts_used"`
	Left       int            `json:"attempts_left"`
	Rules      Rules          `json:"rules"`
}

// QuestionView is a question without its answer and rule.
type QuestionView struct {
	N       int      `json:"n"` // 1 to 50
	ID      string   `json:"id"`
	Type    string   `json:"type"`
	Text    string   `json:"text"`
	Options []string `json:"options"`
	Choice  string   `json:"choice"` // the person's, "" when not answered
}

// viewOf shows an attempt to its person; the questions only while it is
// open (when withQuestions), never their answers.
func viewOf(a Attempt, now time.Time, used int, withQuestions bool) AttemptView {
	v := AttemptView{ID: a.ID, State: a.State(), StartedAt: a.StartedAt, Deadline: a.Deadline, FinishedAt: a.FinishedAt,
		TimedOut: a.TimedOut, Used: used, Left: max(0, ExamAttempts-used), Rules: rules}
	for i, q := range a.Questions {
		c := a.Answers[i].Choice
		if c != "" {
			v.Answered++
		}
		if withQuestions && v.State == AttemptOpen {
			v.Questions = append(v.Questions, QuestionView{N: i + 1, ID: q.ID, Type: q.Type, Text: q.Text, Options: q.Options, Choice: c})
		}
	}
	if v.State == AttemptOpen {
		v.Remaining = int(max(0, a.Deadline.Sub(now)) / time.Second)
		return v
	}
	s, right := score(a.Questions, a.Answers)
	v.Score, v.Right, v.Passed = &s, &right, &a.Passed
	return v
}
