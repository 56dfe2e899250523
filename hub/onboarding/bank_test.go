package onboarding

import (
	"strings"
	"testing"
)

// The sample bank is valid, large enough, marked a sample, and has both
// kinds of question, each with its rule.
func TestSampleBank(t *testing.T) {
	b, err := SampleBank()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, q := range b.Questions {
		kinds[q.Type]++
	}
	if !b.Sample || len(b.Questions) < 60 || kinds["single"] == 0 || kinds["multiple"] == 0 || !strings.Contains(b.Note, BankFile) {
		t.Fatalf("sample bank: sample %v, %d questions %v, note %q", b.Sample, len(b.Questions), kinds, b.Note)
	}
}

// A bank that cannot serve an exam is refused, naming what is wrong.
func TestParseBankRefuses(t *testing.T) {
	one := func(q string) string {
		var qs []string
		for i := range ExamQuestions {
			qs = append(qs, strings.ReplaceAll(`{"id": "qN", "type": "single", "text": "t", "options": ["a", "b"], "answer": "A", "rule": "r"}`, "qN", "q"+string(rune('a'+i/26))+string(rune('a'+i%26))))
		}
		qs[0] = q
		return `{"questions": [` + strings.Join(qs, ",") + `]}`
	}
	for bank, want := range map[string]string{
		`{"questions": []}`: "at least 50",
		one(`{"id": "qab", "type": "single", "text": "t", "options": ["a", "b"], "answer": "A", "rule": "r"}`):  "used twice",
		one(`{"id": "x", "type": "single", "text": "t", "options": ["a", "b"], "answer": "C", "rule": "r"}`):    "answer",
		one(`{"id": "x", "type": "multiple", "text": "t", "options": ["a", "b"], "answer": "A", "rule": "r"}`):  "two or more",
		one(`{"id": "x", "type": "single", "text": "t", "options": ["a", "b"], "answer": "A", "rule": ""}`):     "rule",
		one(`{"id": "x", "type": "truefalse", "text": "t", "options": ["a", "b"], "answer": "A", "rule": "r"}`): "type",
	} {
		if _, err := ParseBank([]byte(bank)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60s…: %v, want %q", bank, err, want)
		}
	}
}

// Each question is 2 points; a multiple choice is all or nothing.
func TestScore(t *testing.T) {
	qs := make([]Question, ExamQuestions)
	as := make([]Answer, ExamQuestions)
	for i := range qs {
		qs[i] = Question{Type: "multiple", Answer: "AC"}
		as[i].Choice = "AC"
	}
	as[0].Choice, as[1].Choice, as[2].Choice = "A", "ACD", ""
	if p, right := score(qs, as); p != 94 || right != 47 {
		t.Fatalf("score %d, %d right; want 94, 47", p, right)
	}
}

// A draw has no repeats.
func TestDraw(t *testing.T) {
	b, _ := SampleBank()
	for range 20 {
		seen := map[string]bool{}
		for _, q := range draw(b, ExamQuestions) {
			if seen[q.ID] {
				t.Fatalf("%s drawn twice", q.ID)
			}
			seen[q.ID] = true
		}
	}
}
