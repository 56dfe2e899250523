package onboarding_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/store"
)

// qualified makes lz-a's people s1…s6 (and x1 of lz-b), passes the exam
// for the first passed of s1…s5, names them staff and, when asked, the
// specialist and a published mark for room-1.
func (r *rig) qualified(t *testing.T, passed int, specialist, mark bool) {
	t.Helper()
	ctx := context.Background()
	for _, u := range []store.User{{Username: "s1", Scope: "lz-a"}, {Username: "s2", Scope: "lz-a"}, {Username: "s3", Scope: "lz-a"},
		{Username: "s4", Scope: "lz-a"}, {Username: "s5", Scope: "lz-a"}, {Username: "s6", Scope: "lz-a"}, {Username: "x1", Scope: "lz-b"}} {
		u.Role, u.Name = "agency-staff", u.Username
		if err := r.st.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for i, u := range []string{"s1", "s2", "s3", "s4", "s5"} {
		a := onboarding.Attempt{User: u, Agency: "lz-a", StartedAt: r.now, Deadline: r.now, Questions: []onboarding.Question{{}}, Answers: []onboarding.Answer{{}}}
		id, err := r.onb.DB.InsertAttempt(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		a.ID, a.FinishedAt, a.Score, a.Passed = id, &r.now, 40, i < passed
		if a.Passed {
			a.Score = 80
		}
		if err := r.onb.DB.Finish(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	r.must(t, http.StatusOK, "admin", "PUT", "/api/v1/onboarding/agencies/lz-a/staff", `{"staff": ["s1", "s2", "s3", "s4", "s5"]}`)
	if specialist {
		r.must(t, http.StatusOK, "admin", "PUT", "/api/v1/onboarding/agencies/lz-a/specialist", `{"user": "s6"}`)
	}
	if mark {
		id, err := r.onb.DB.Insert(ctx, onboarding.Application{Room: "room-1", Agency: "lz-a", Jurisdiction: "450206", Address: "a",
			Contact: "c", Specialist: "s6", State: onboarding.Applied, Applicant: "admin", AppliedAt: r.now})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.onb.DB.Move(ctx, id, onboarding.Applied, onboarding.Published, onboarding.Change{Decided: true, Published: true}, r.now); err != nil {
			t.Fatal(err)
		}
	}
}

// Qualified with every condition met; each condition missing in turn says
// so in words, and nothing else.
func TestQualification(t *testing.T) {
	for _, c := range []struct {
		name             string
		passed           int
		specialist, mark bool
		missing          string
	}{
		{"all met", 5, true, true, ""},
		{"four passed", 4, true, true, "4 named full-time staff have passed the exam; at least 5 must"},
		{"no specialist", 5, false, true, "no device specialist is named"},
		{"room without mark", 5, true, false, "room room-1 (第1评标室) has no valid 可视化 mark"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, "2026-03-02 09:00:00")
			r.qualified(t, c.passed, c.specialist, c.mark)
			q := r.must(t, http.StatusOK, "staff", "GET", "/api/v1/onboarding/agencies/lz-a/qualification", "")
			en, _ := q["missing_en"].([]any)
			if q["qualified"] != (c.missing == "") || len(en) != len(q["missing"].([]any)) ||
				(c.missing != "" && (len(en) != 1 || !strings.HasPrefix(en[0].(string), c.missing))) {
				t.Fatalf("qualification: %v", q)
			}
		})
	}
}

// The agency sees its own qualification, regulators in scope and the
// operator theirs; naming people takes the agency's own users.
func TestQualificationScopeAndInput(t *testing.T) {
	r := newRig(t, "2026-03-02 09:00:00")
	r.qualified(t, 5, true, true)
	const q = "/api/v1/onboarding/agencies/lz-a/qualification"
	for who, code := range map[string]int{"admin": 200, "staff": 200, "operator": 200, "regulator": 200,
		"other-regulator": 404, "other-admin": 404, "tech": 404, "purchaser": 403} {
		r.must(t, code, who, "GET", q, "")
	}
	r.must(t, http.StatusNotFound, "operator", "GET", "/api/v1/onboarding/agencies/nobody/qualification", "")
	r.must(t, http.StatusForbidden, "staff", "PUT", "/api/v1/onboarding/agencies/lz-a/staff", `{"staff": []}`)
	r.must(t, http.StatusNotFound, "other-admin", "PUT", "/api/v1/onboarding/agencies/lz-a/staff", `{"staff": []}`)
	const staff = "/api/v1/onboarding/agencies/lz-a/staff"
	for body, field := range map[string]string{
		`{}`:                      "staff",
		`{"staff": ["s1", "x1"]}`: "staff[1]",
		`{"staff": ["s1", "s1"]}`: "staff[1]",
		`{"staff": ["nobody"]}`:   "staff[0]",
		`{"staff": ["s1", "s2"], "specialist": "s6"}`: "",
	} {
		out := r.must(t, http.StatusBadRequest, "admin", "PUT", staff, body)
		if field != "" && out["field"] != field {
			t.Errorf("%s: field %v, want %s", body, out["field"], field)
		}
	}
	for body, field := range map[string]string{`{"user": ""}`: "user", `{"user": "x1"}`: "user"} {
		if out := r.must(t, http.StatusBadRequest, "admin", "PUT", "/api/v1/onboarding/agencies/lz-a/specialist", body); out["field"] != field {
			t.Errorf("%s: field %v", body, out["field"])
		}
	}
	trail := strings.Join(r.trail(t), "\n")
	if !strings.Contains(trail, "onboarding.staff agency/lz-a") || !strings.Contains(trail, "onboarding.specialist agency/lz-a") {
		t.Fatalf("naming not on record: %s", trail)
	}
}
