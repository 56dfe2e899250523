package procurement_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// One entrustment from a purchaser's maker to a published project, each
// transition on record.
func TestEntrustmentToPublishedProject(t *testing.T) {
	r := newRig(t, "2026-09-11 10:00:00")
	e := r.must(t, http.StatusCreated, "maker", "POST", "/api/v1/entrustments", goods)
	if e["state"] != "draft" || e["purchaser"] != "lj-school" || e["maker"] != "token:maker" {
		t.Fatalf("new entrustment: %v", e)
	}
	id := "/api/v1/entrustments/" + num(e["id"])
	r.must(t, http.StatusOK, "maker", "POST", id+"/submit", `{}`)
	// The maker may not check its own entrustment.
	out := r.must(t, http.StatusForbidden, "maker", "POST", id+"/review", `{"approve": true}`)
	if !strings.Contains(out["error"].(string), "maker and checker") {
		t.Fatalf("maker reviews: %v", out)
	}
	r.must(t, http.StatusOK, "checker", "POST", id+"/review", `{"approve": false, "reason": "预算说明不全"}`)
	r.must(t, http.StatusOK, "maker", "POST", id+"/submit", `{}`)
	e = r.must(t, http.StatusOK, "checker", "POST", id+"/review", `{"approve": true}`)
	if e["state"] != "submitted" || e["checker"] != "token:checker" {
		t.Fatalf("approved: %v", e)
	}
	e = r.must(t, http.StatusOK, "agency", "POST", id+"/return", `{"reason": "缺少需求书"}`)
	if e["state"] != "returned" || e["reason"] != "缺少需求书" {
		t.Fatalf("returned: %v", e)
	}
	r.must(t, http.StatusOK, "maker", "POST", id+"/submit", `{}`)
	r.must(t, http.StatusOK, "checker", "POST", id+"/review", `{"approve": true}`)
	r.must(t, http.StatusOK, "agency", "POST", id+"/accept", `{}`)
	p := r.must(t, http.StatusCreated, "agency", "POST", id+"/project",
		`{"lots": [{"title": "课桌", "budget": 500000}, {"title": "椅子", "budget": 300000}]}`)
	if p["state"] != "planning" || len(p["lots"].([]any)) != 2 {
		t.Fatalf("project: %v", p)
	}
	pid := "/api/v1/projects/" + num(p["id"])
	// Sep 11 + 20 days is Oct 1, in the National Day holiday: Oct 8 at the earliest.
	out = r.must(t, http.StatusUnprocessableEntity, "agency", "POST", pid+"/publish", `{"bid_deadline": "2026-10-01"}`)
	if !strings.Contains(out["basis"].(string), "Law art. 35") || !strings.Contains(out["error"].(string), "2026-10-08") {
		t.Fatalf("a bid deadline under 20 days: %v", out)
	}
	p = r.must(t, http.StatusOK, "agency", "POST", pid+"/publish", `{"bid_deadline": "2026-10-08"}`)
	if p["state"] != "tendering" || p["documents_issued"] != "2026-09-11" {
		t.Fatalf("published: %v", p)
	}
	due := map[string]any{}
	for _, d := range p["timetable"].([]any) {
		d := d.(map[string]any)
		due[d["step"].(string)] = d["due"]
		if d["basis"] == "" {
			t.Errorf("%s has no basis", d["step"])
		}
	}
	for step, want := range map[string]any{
		"notice_period": "2026-09-18", "documents_on_offer": "2026-09-18", "bid_deadline": "2026-10-08",
		"last_clarification": "2026-09-23", "contract_signed": nil,
	} {
		if due[step] != want {
			t.Errorf("%s due %v, want %v", step, due[step], want)
		}
	}
	next := p["next_deadline"].(map[string]any)
	if next["step"] != "last_clarification" || next["status"] != "ok" {
		t.Errorf("next deadline: %v", next)
	}
	r.must(t, http.StatusOK, "agency", "POST", pid+"/extend", `{"bid_deadline": "2026-10-12"}`)
	p = r.must(t, http.StatusOK, "agency", "POST", pid+"/cancel", `{"reason": "需求变更"}`)
	if p["state"] != "cancelled" || p["lots"].([]any)[0].(map[string]any)["state"] != "cancelled" {
		t.Fatalf("cancelled: %v", p)
	}
	want := []string{
		"entrustment.create entrustment/1", "entrustment.submit entrustment/1", "entrustment.reject entrustment/1",
		"entrustment.submit entrustment/1", "entrustment.approve entrustment/1", "entrustment.return entrustment/1",
		"entrustment.submit entrustment/1", "entrustment.approve entrustment/1", "entrustment.accept entrustment/1",
		"project.create entrustment/1", "project.publish project/1", "project.extend project/1", "project.cancel project/1",
	}
	if got := r.trail(t); !slices.Equal(got, want) {
		t.Fatalf("audit trail:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The amber and red of the next deadline follow the injected clock.
func TestNextDeadlineTurnsAmberThenRed(t *testing.T) {
	r := newRig(t, "2026-09-11 10:00:00")
	id := r.accepted(t, goods)
	p := r.must(t, http.StatusCreated, "agency", "POST", id+"/project", `{"lots": [{"title": "课桌椅", "budget": 800000}]}`)
	pid := "/api/v1/projects/" + num(p["id"])
	r.must(t, http.StatusOK, "agency", "POST", pid+"/publish", `{"bid_deadline": "2026-10-08"}`)
	for _, tc := range []struct{ now, step, status string }{
		{"2026-09-21 09:00:00", "last_clarification", "approaching"},
		{"2026-09-24 09:00:00", "bid_deadline", "ok"},
		{"2026-10-06 09:00:00", "bid_deadline", "approaching"},
		{"2026-10-09 09:00:00", "bid_deadline", "overdue"},
	} {
		r.now = mustTime(t, tc.now)
		next := r.must(t, http.StatusOK, "regulator", "GET", pid, "")["next_deadline"].(map[string]any)
		if next["step"] != tc.step || next["status"] != tc.status {
			t.Errorf("on %s: %v, want %s %s", tc.now, next, tc.step, tc.status)
		}
	}
}

// The rules refuse what the law does not allow, with the article.
func TestRulesRefuse(t *testing.T) {
	r := newRig(t, "2026-05-06 10:00:00")
	cases := []struct{ name, body, rule, basis string }{
		{"below the district's threshold", strings.Replace(goods, "800000", "299999", 1), "outside_system", "广西"},
		{"negotiation above open tender without approval",
			strings.NewReplacer("800000", "2500000", "open_tender", "competitive_negotiation").Replace(goods), "needs_approval", "Law art. 27"},
		{"inquiry for services",
			strings.NewReplacer(`"goods"`, `"services"`, "open_tender", "inquiry").Replace(goods), "forbidden", "Law art. 26"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := r.must(t, http.StatusUnprocessableEntity, "maker", "POST", "/api/v1/entrustments", tc.body)
			if out["rule"] != tc.rule || !strings.Contains(out["basis"].(string), tc.basis) {
				t.Fatalf("%v", out)
			}
		})
	}
	approved := strings.NewReplacer("800000", "2500000", "open_tender", "competitive_negotiation",
		`"method"`, `"approval": "柳财采〔2026〕12号", "method"`).Replace(goods)
	r.must(t, http.StatusCreated, "maker", "POST", "/api/v1/entrustments", approved)
}

// Same-category purchases of a unit that add up past the open-tender
// threshold in one fiscal year are flagged, and the flag is on record.
func TestSplittingIsFlagged(t *testing.T) {
	r := newRig(t, "2026-05-06 10:00:00")
	neg := strings.Replace(goods, "open_tender", "competitive_negotiation", 1)
	for _, budget := range []string{"900000", "800000"} {
		e := r.must(t, http.StatusCreated, "maker", "POST", "/api/v1/entrustments", strings.Replace(neg, "800000", budget, 1))
		if e["split"] != nil {
			t.Fatalf("flagged at %s: %v", budget, e["split"])
		}
	}
	e := r.must(t, http.StatusCreated, "maker", "POST", "/api/v1/entrustments", strings.Replace(neg, "800000", "400000", 1))
	if !strings.Contains(e["split"].(string), "Reg art. 28") {
		t.Fatalf("not flagged: %v", e)
	}
	// Another unit's purchases do not count.
	other := r.must(t, http.StatusCreated, "other-unit", "POST", "/api/v1/entrustments", strings.Replace(neg, "800000", "400000", 1))
	if other["split"] != nil {
		t.Fatalf("another unit flagged: %v", other)
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	r := newRig(t, "2026-05-06 10:00:00")
	for field, body := range map[string]string{
		"title":        strings.Replace(goods, "柳江区实验学校课桌椅采购", "", 1),
		"category":     strings.Replace(goods, `"goods"`, `"food"`, 1),
		"budget":       strings.Replace(goods, "800000", "-1", 1),
		"agency":       strings.Replace(goods, `"lz-a"`, `"LZ A"`, 1),
		"jurisdiction": strings.Replace(goods, "450206", "4502", 1),
		"plan_line":    strings.Replace(goods, "LJ-2026-0042", "", 1),
		"method":       strings.Replace(goods, "open_tender", "auction", 1),
	} {
		out := r.must(t, http.StatusBadRequest, "maker", "POST", "/api/v1/entrustments", body)
		if out["field"] != field {
			t.Errorf("bad %s: %v", field, out)
		}
	}
	out := r.must(t, http.StatusBadRequest, "maker", "POST", "/api/v1/entrustments", `{"titel": "x"}`)
	if !strings.Contains(out["error"].(string), "titel") {
		t.Errorf("unknown field: %v", out)
	}
	id := r.accepted(t, goods)
	for field, body := range map[string]string{
		"lots":           `{"lots": []}`,
		"lots[1].title":  `{"lots": [{"title": "a", "budget": 1}, {"title": "", "budget": 1}]}`,
		"lots[0].budget": `{"lots": [{"title": "a", "budget": 0}]}`,
	} {
		out := r.must(t, http.StatusBadRequest, "agency", "POST", id+"/project", body)
		if out["field"] != field {
			t.Errorf("bad %s: %v", field, out)
		}
	}
	out = r.must(t, http.StatusBadRequest, "agency", "POST", id+"/project", `{"lots": [{"title": "a", "budget": 900000}]}`)
	if out["field"] != "lots" || !strings.Contains(out["error"].(string), "800000") {
		t.Errorf("lots over the budget: %v", out)
	}
	p := r.must(t, http.StatusCreated, "agency", "POST", id+"/project", `{"lots": [{"title": "a", "budget": 800000}]}`)
	pid := "/api/v1/projects/" + num(p["id"])
	for field, body := range map[string]string{
		"bid_deadline":     `{}`,
		"documents_issued": `{"documents_issued": "2026-05-01", "bid_deadline": "2026-06-30"}`,
	} {
		out := r.must(t, http.StatusBadRequest, "agency", "POST", pid+"/publish", body)
		if out["field"] != field {
			t.Errorf("publish, bad %s: %v", field, out)
		}
	}
	r.must(t, http.StatusBadRequest, "agency", "POST", pid+"/publish", `{"bid_deadline": "30/06/2026"}`)
	r.must(t, http.StatusBadRequest, "agency", "POST", pid+"/cancel", `{"reason": " "}`)
	r.must(t, http.StatusBadRequest, "agency", "POST", "/api/v1/projects/x/cancel", `{"reason": "r"}`)
}

// Transitions the state does not take are 409, and a deadline beyond the
// calendars is refused, not guessed.
func TestForbiddenTransitions(t *testing.T) {
	r := newRig(t, "2026-12-01 10:00:00")
	e := r.must(t, http.StatusCreated, "maker", "POST", "/api/v1/entrustments", goods)
	id := "/api/v1/entrustments/" + num(e["id"])
	r.must(t, http.StatusConflict, "agency", "POST", id+"/accept", `{}`)                 // a draft is not with the agency
	r.must(t, http.StatusConflict, "checker", "POST", id+"/review", `{"approve": true}`) // not submitted for review
	r.must(t, http.StatusConflict, "agency", "POST", id+"/project", `{"lots": [{"title": "a", "budget": 1}]}`)
	r.must(t, http.StatusForbidden, "checker", "POST", id+"/submit", `{}`) // only the maker submits
	id = r.accepted(t, strings.Replace(goods, "LJ-2026-0042", "LJ-2026-0043", 1))
	p := r.must(t, http.StatusCreated, "agency", "POST", id+"/project", `{"lots": [{"title": "a", "budget": 800000}]}`)
	r.must(t, http.StatusConflict, "agency", "POST", id+"/project", `{"lots": [{"title": "a", "budget": 800000}]}`)
	pid := "/api/v1/projects/" + num(p["id"])
	r.must(t, http.StatusConflict, "agency", "POST", pid+"/extend", `{"bid_deadline": "2026-12-30"}`) // not published
	out := r.must(t, http.StatusUnprocessableEntity, "agency", "POST", pid+"/publish", `{"documents_issued": "2026-12-20", "bid_deadline": "2027-01-20"}`)
	if !strings.Contains(out["error"].(string), "2027.json") { // Dec 20 + 20 days ends in 2027, whose days off are unknown
		t.Fatalf("deadline in a year without a calendar: %v", out)
	}
	r.must(t, http.StatusOK, "agency", "POST", pid+"/publish", `{"bid_deadline": "2026-12-22"}`)
	r.must(t, http.StatusBadRequest, "agency", "POST", pid+"/extend", `{"bid_deadline": "2026-12-21"}`) // earlier
	r.must(t, http.StatusOK, "agency", "POST", pid+"/cancel", `{"reason": "r"}`)
	r.must(t, http.StatusConflict, "agency", "POST", pid+"/cancel", `{"reason": "r"}`)
}

// Each party sees its own; others get 403 for the wrong role and 404 for
// a record outside their scope.
func TestRolesAndScopes(t *testing.T) {
	r := newRig(t, "2026-05-06 10:00:00")
	id := r.accepted(t, goods)
	for who, want := range map[string]int{
		"maker": 200, "agency": 200, "regulator": 200, "operator": 200,
		"other-unit": 404, "other-agency": 404, "other-regulator": 404, "no-unit": 404, "expert": 403,
	} {
		if code, _ := r.do(t, who, "GET", id, ""); code != want {
			t.Errorf("%s reads the entrustment: %d, want %d", who, code, want)
		}
	}
	for who, want := range map[string]int{
		"maker": 403, "regulator": 403, "operator": 403, "other-agency": 404, "agency": 201,
	} {
		if code, _ := r.do(t, who, "POST", id+"/project", `{"lots": [{"title": "a", "budget": 800000}]}`); code != want {
			t.Errorf("%s makes the project: %d, want %d", who, code, want)
		}
	}
	r.must(t, http.StatusForbidden, "no-unit", "POST", "/api/v1/entrustments", goods)
	r.must(t, http.StatusForbidden, "agency", "POST", "/api/v1/entrustments", goods)
	for who, want := range map[string]int{"maker": 1, "other-unit": 0, "regulator": 1, "other-regulator": 0, "other-agency": 0} {
		list := r.must(t, http.StatusOK, who, "GET", "/api/v1/projects", "")["list"].(string)
		if got := strings.Count(list, `"entrustment":`); got != want {
			t.Errorf("%s lists %d projects, want %d", who, got, want)
		}
	}
}
