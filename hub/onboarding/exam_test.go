package onboarding_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/onboarding"
)

// answers is the sample bank's answer to each question id.
func answers(t *testing.T) map[string]onboarding.Question {
	t.Helper()
	b, err := onboarding.SampleBank()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]onboarding.Question{}
	for _, q := range b.Questions {
		out[q.ID] = q
	}
	return out
}

// wrong is a choice that is not q's answer (and is valid for its type).
func wrong(q onboarding.Question) string {
	if q.Answer == "A" {
		return "B"
	}
	if q.Type == "multiple" {
		return q.Answer[:1] // a right letter, not all of them: no points
	}
	return "A"
}

// sit starts an attempt as who and answers right the first right
// questions, wrong the rest; it returns the attempt's path.
func (r *rig) sit(t *testing.T, who string, right int) string {
	t.Helper()
	bank := answers(t)
	a := r.must(t, http.StatusCreated, who, "POST", "/api/v1/exam/attempts", `{}`)
	path := "/api/v1/exam/attempts/" + num(a["id"])
	for i, q := range a["questions"].([]any) {
		q := bank[q.(map[string]any)["id"].(string)]
		c := q.Answer
		if i >= right {
			c = wrong(q)
		}
		r.must(t, http.StatusOK, who, "POST", path+"/answers", fmt.Sprintf(`{"question": %d, "choice": %q}`, i+1, c))
	}
	return path
}

// An attempt draws 50 different questions and sends none of their answers.
func TestExamDrawsWithoutAnswers(t *testing.T) {
	r := newRig(t, "2026-03-02 09:00:00")
	a := r.must(t, http.StatusCreated, "staff", "POST", "/api/v1/exam/attempts", `{}`)
	qs := a["questions"].([]any)
	seen := map[string]bool{}
	for _, q := range qs {
		q := q.(map[string]any)
		for _, k := range []string{"answer", "rule"} {
			if _, ok := q[k]; ok {
				t.Fatalf("question %v carries its %s", q["id"], k)
			}
		}
		if seen[q["id"].(string)] {
			t.Fatalf("question %v drawn twice", q["id"])
		}
		seen[q["id"].(string)] = true
	}
	if len(qs) != 50 || a["remaining_seconds"] != float64(2400) || a["attempts_left"] != float64(9) || a["score"] != nil {
		t.Fatalf("attempt: %d questions, %v s, %v left, score %v", len(qs), a["remaining_seconds"], a["attempts_left"], a["score"])
	}
	path := "/api/v1/exam/attempts/" + num(a["id"])
	for _, who := range []string{"staff2", "admin", "other-admin"} {
		r.must(t, http.StatusNotFound, who, "GET", path, "")
	}
	r.must(t, http.StatusForbidden, "operator", "GET", path, "")
	r.must(t, http.StatusConflict, "staff", "POST", "/api/v1/exam/attempts", `{}`) // one at a time
}

// 30 right is 60 points, a pass; 29 is 58, a fail; a multiple-choice
// question with only some of its letters scores nothing.
func TestExamScoring(t *testing.T) {
	r := newRig(t, "2026-03-02 09:00:00")
	for _, c := range []struct {
		who    string
		right  int
		score  float64
		passed bool
	}{{"staff", 30, 60, true}, {"staff2", 29, 58, false}, {"admin", 50, 100, true}} {
		path := r.sit(t, c.who, c.right)
		out := r.must(t, http.StatusOK, c.who, "POST", path+"/submit", `{}`)
		if out["score"] != c.score || out["passed"] != c.passed || out["right"] != float64(c.right) || out["questions"] != nil {
			t.Fatalf("%d right: %v", c.right, out)
		}
		r.must(t, http.StatusConflict, c.who, "POST", path+"/answers", `{"question": 1, "choice": "A"}`)
	}
	list := r.must(t, http.StatusOK, "staff", "GET", "/api/v1/exam/attempts", "")
	if list["passed"] != true || list["attempts_left"] != float64(9) {
		t.Fatalf("list: %v", list)
	}
	trail := strings.Join(r.trail(t), "\n")
	for _, want := range []string{"exam.start exam/1", "exam.answer exam/1", "exam.score exam/1"} {
		if !strings.Contains(trail, want) {
			t.Fatalf("no %q in the audit trail", want)
		}
	}
}

// 40 minutes by the hub's clock: an answer at 39:59 is taken, at 40:00 it
// is refused (409, the time ran out) and the attempt is scored at its
// deadline with the answers given by then.
func TestExamTimeRunsOut(t *testing.T) {
	r := newRig(t, "2026-03-02 09:00:00")
	start := r.now
	path := r.sit(t, "staff", 30)
	r.now = start.Add(40*time.Minute - time.Second)
	r.must(t, http.StatusOK, "staff", "POST", path+"/answers", `{"question": 50, "choice": ""}`)
	r.now = start.Add(40 * time.Minute)
	out := r.must(t, http.StatusConflict, "staff", "POST", path+"/answers", `{"question": 1, "choice": "A"}`)
	if !strings.Contains(out["error"].(string), "time ran out") {
		t.Fatalf("refusal: %v", out)
	}
	r.must(t, http.StatusConflict, "staff", "POST", path+"/submit", `{}`)
	a := r.must(t, http.StatusOK, "staff", "GET", path, "")
	if a["state"] != "scored" || a["timed_out"] != true || a["score"] != float64(60) || a["finished_at"] != "2026-03-02T01:40:00Z" {
		t.Fatalf("attempt after its deadline: %v", a)
	}
	if trail := r.trail(t); !slices.Contains(trail, "exam.score exam/1") {
		t.Fatalf("the score at the deadline is not on record: %v", trail)
	}
}

// The 11th attempt is refused with the rule.
func TestExamTenAttempts(t *testing.T) {
	r := newRig(t, "2026-03-02 09:00:00")
	for i := range 10 {
		a := r.must(t, http.StatusCreated, "staff", "POST", "/api/v1/exam/attempts", `{}`)
		if a["attempts_left"] != float64(9-i) {
			t.Fatalf("attempt %d: %v left", i+1, a["attempts_left"])
		}
		r.must(t, http.StatusOK, "staff", "POST", "/api/v1/exam/attempts/"+num(a["id"])+"/submit", `{}`)
	}
	out := r.must(t, http.StatusUnprocessableEntity, "staff", "POST", "/api/v1/exam/attempts", `{}`)
	if !strings.Contains(out["error"].(string), "all 10 attempts") {
		t.Fatalf("11th attempt: %v", out)
	}
	r.must(t, http.StatusCreated, "staff2", "POST", "/api/v1/exam/attempts", `{}`) // per person
}

// Bad answers are refused naming the field.
func TestExamBadAnswers(t *testing.T) {
	r := newRig(t, "2026-03-02 09:00:00")
	a := r.must(t, http.StatusCreated, "staff", "POST", "/api/v1/exam/attempts", `{}`)
	path := "/api/v1/exam/attempts/" + num(a["id"]) + "/answers"
	single := 0
	for i, q := range a["questions"].([]any) {
		if q.(map[string]any)["type"] == "single" {
			single = i + 1
			break
		}
	}
	for body, field := range map[string]string{
		`{"question": 0, "choice": "A"}`:                        "question",
		`{"question": 51, "choice": "A"}`:                       "question",
		`{"question": 1, "choice": "Z"}`:                        "choice",
		`{"question": 1, "choice": "BA"}`:                       "choice",
		fmt.Sprintf(`{"question": %d, "choice": "AB"}`, single): "choice",
	} {
		out := r.must(t, http.StatusBadRequest, "staff", "POST", path, body)
		if out["field"] != field {
			t.Errorf("%s: field %v, want %s", body, out["field"], field)
		}
	}
	r.must(t, http.StatusBadRequest, "staff", "POST", path, `{"question": 1, "choice": "A", "x": 1}`)
}
