package procurement_test

import (
	"net/http"
	"strings"
	"testing"
)

// An agency its onboarding has not qualified cannot take an entrustment:
// 422 naming each condition it lacks, and nothing changes; once qualified
// it can.
func TestUnqualifiedAgencyCannotAccept(t *testing.T) {
	r := newRig(t, "2026-03-02 09:00:00")
	e := r.must(t, http.StatusCreated, "maker", "POST", "/api/v1/entrustments", strings.Replace(goods, `"lz-a"`, `"lz-b"`, 1))
	id := "/api/v1/entrustments/" + num(e["id"])
	r.must(t, http.StatusOK, "maker", "POST", id+"/submit", `{}`)
	r.must(t, http.StatusOK, "checker", "POST", id+"/review", `{"approve": true}`)
	before := len(r.trail(t))
	out := r.must(t, http.StatusUnprocessableEntity, "other-agency", "POST", id+"/accept", `{}`)
	en, _ := out["missing_en"].([]any)
	zh, _ := out["missing"].([]any)
	if out["rule"] != "agency_not_qualified" || len(en) != 3 || len(zh) != 3 ||
		!strings.Contains(out["error"].(string), "0 named full-time staff have passed the exam; at least 5 must") ||
		!strings.Contains(out["error"].(string), "no device specialist is named") {
		t.Fatalf("refusal: %v", out)
	}
	if got := r.must(t, http.StatusOK, "other-agency", "GET", id, ""); got["state"] != "submitted" {
		t.Fatalf("state after the refusal: %v", got["state"])
	}
	if n := len(r.trail(t)); n != before {
		t.Fatalf("the refusal wrote %d audit entries", n-before)
	}
	r.qualify(t, "lz-b")
	r.must(t, http.StatusOK, "other-agency", "POST", id+"/accept", `{}`)
}
