package procurement_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// walkTable is every deadline the walk below meets, counted by hand from
// DOMAIN.md (2026 calendar: 中秋 Sep 25–27 and 国庆 Oct 1–7 off, Sep 20
// and Sat Oct 10 worked; the start day not counted; a calendar-day limit
// ending on a day off moves to the next working day, Order 87 art. 85).
var walkTable = []struct{ what, due, why string }{
	// Documents issued Wed Sep 30, the eve of National Day.
	{"notice_period", "2026-10-13", "5 WD from Sep 30: Oct 8, 9, Sat 10 (make-up), 12, 13 (Order 87 art. 16)"},
	{"documents_on_offer", "2026-10-13", "5 WD from Sep 30, as above (Reg art. 31)"},
	{"bid_deadline", "2026-10-20", "20 days from Sep 30: Tue Oct 20, a working day (Law art. 35)"},
	{"last_clarification", "2026-10-12", "15 days before the bid deadline Tue Oct 27 (Reg art. 31)"},
	// A challenge of the documents, filed Wed Oct 14.
	{"documents challenge file_by", "2026-10-22", "7 WD from the end of the offer Oct 13: 14, 15, 16, 19, 20, 21, 22 (Law art. 52)"},
	{"documents challenge reply_by", "2026-10-23", "7 WD from Oct 14 (Law art. 53)"},
	{"documents challenge complain_by", "2026-11-13", "15 WD after the reply period Oct 23 (Law art. 55)"},
	// The award notice, Fri Oct 30.
	{"sign_by", "2026-11-30", "30 days from Oct 30: Sun Nov 29, moved to Mon Nov 30 (Law art. 46)"},
	// A challenge of the result, filed Mon Nov 2.
	{"result challenge known", "2026-11-02", "the 1-WD announcement period after Oct 30 ends Mon Nov 2 (Order 87)"},
	{"result challenge file_by", "2026-11-11", "7 WD from Nov 2 (Law art. 52)"},
	{"result challenge reply_by", "2026-11-11", "7 WD from the filing on Nov 2 (Law art. 53)"},
	// Its complaint, filed Thu Nov 5, accepted Fri Nov 6.
	{"complaint review_by", "2026-11-12", "5 WD from Nov 5 (Order 94 art. 21)"},
	{"complaint decide_by", "2026-12-18", "30 WD from Nov 6, nothing paused (Law art. 56)"},
	// The contract signed Tue Nov 10.
	{"contract file_by", "2026-11-19", "7 WD from Nov 10 (Law art. 47)"},
}

// TestWalkOpenTender walks one open tender through every step the
// workflow has, on a fake clock over the 2026 calendar, from the
// entrustment to the filed contract with a challenge of the documents and
// one of the result (with its complaint and a suspension), and checks
// every deadline the hub computes against walkTable, every refusal the
// law makes on the way, and the audit trail.
func TestWalkOpenTender(t *testing.T) {
	r := newRig(t, "2026-09-01 10:00:00")
	got := map[string]string{}
	at := func(s string) { r.now = mustTime(t, s) }

	// Entrustment: made, reviewed by another person, taken in; the project in two lots.
	id := r.accepted(t, goods)
	p := r.must(t, http.StatusCreated, "agency", "POST", id+"/project",
		`{"lots": [{"title": "课桌椅", "budget": 500000}, {"title": "讲台", "budget": 300000}]}`)
	pid := "/api/v1/projects/" + num(p["id"])

	// The documents go out on the eve of National Day; a bid deadline one day
	// short of the 20 days is refused with the article.
	at("2026-09-30 09:00:00")
	out := r.must(t, http.StatusUnprocessableEntity, "agency", "POST", pid+"/publish", `{"bid_deadline": "2026-10-19"}`)
	if !strings.Contains(out["basis"].(string), "Law art. 35") || !strings.Contains(out["error"].(string), "2026-10-20 at the earliest") {
		t.Fatalf("a bid deadline of Oct 19: %v", out)
	}
	p = r.must(t, http.StatusOK, "agency", "POST", pid+"/publish", `{"bid_deadline": "2026-10-27"}`)
	for _, c := range p["timetable"].([]any) {
		c := c.(map[string]any)
		if due, ok := c["due"].(string); ok {
			got[c["step"].(string)] = due
		}
	}
	nextIs(t, p, "last_clarification", "2026-10-12", "ok")
	at("2026-10-10 10:00:00") // the make-up Saturday: two days left
	nextIs(t, r.must(t, http.StatusOK, "regulator", "GET", pid, ""), "last_clarification", "2026-10-12", "approaching")

	// A challenge of the documents, answered and resolved.
	at("2026-10-14 11:00:00")
	ch := r.must(t, http.StatusCreated, "supplier", "POST", pid+"/challenges", `{"step": "documents", "grounds": "技术参数指向特定品牌"}`)
	got["documents challenge file_by"], got["documents challenge reply_by"], got["documents challenge complain_by"] = str(ch["file_by"]), str(ch["reply_by"]), str(ch["complain_by"])
	chid := "/api/v1/challenges/" + num(ch["id"])
	at("2026-10-16 15:00:00")
	r.must(t, http.StatusOK, "agency", "POST", chid+"/answer", `{"reply": "参数已修改并澄清", "changes_result": false}`)
	r.must(t, http.StatusOK, "supplier", "POST", chid+"/resolve", `{}`)

	// The bid deadline passes; the evaluation's result for lot 1.
	at("2026-10-28 09:00:00")
	nextIs(t, r.must(t, http.StatusOK, "agency", "GET", pid, ""), "bid_deadline", "2026-10-27", "overdue")
	a := r.must(t, http.StatusCreated, "agency", "POST", pid+"/awards",
		`{"lot": 1, "supplier": "gx-desk", "supplier_name": "广西课桌有限公司", "amount": 468000, "evaluation_done": "2026-10-28"}`)
	aid := "/api/v1/awards/" + num(a["id"])
	at("2026-10-30 10:00:00")
	a = r.must(t, http.StatusOK, "checker", "POST", aid+"/confirm", `{}`)
	if a["award_notice"] != "2026-10-30" {
		t.Fatalf("award notice: %v", a)
	}
	got["sign_by"] = str(a["sign_by"])

	// A challenge of the result stops signing until it is answered.
	at("2026-11-02 09:30:00")
	rc := r.must(t, http.StatusCreated, "other-supplier", "POST", pid+"/challenges", `{"step": "result", "grounds": "评分有误"}`)
	got["result challenge known"], got["result challenge file_by"], got["result challenge reply_by"] = str(rc["known"]), str(rc["file_by"]), str(rc["reply_by"])
	rcid := "/api/v1/challenges/" + num(rc["id"])
	cont := r.must(t, http.StatusCreated, "maker", "POST", aid+"/contract", `{}`)
	cid := "/api/v1/contracts/" + num(cont["id"])
	refused(t, r.must(t, http.StatusUnprocessableEntity, "maker", "POST", cid+"/sign", `{}`), "Reg art. 54")
	at("2026-11-04 09:00:00")
	r.must(t, http.StatusOK, "agency", "POST", rcid+"/answer", `{"reply": "评分无误", "changes_result": false}`)

	// The supplier complains; the finance department accepts, suspends
	// (signing refused, Law art. 57), lifts and declines.
	at("2026-11-05 09:00:00")
	comp := r.must(t, http.StatusCreated, "other-supplier", "POST", rcid+"/complaint", `{"grounds": "答复未说明评分依据"}`)
	got["complaint review_by"] = str(comp["review_by"])
	compid := "/api/v1/complaints/" + num(comp["id"])
	at("2026-11-06 09:00:00")
	comp = r.must(t, http.StatusOK, "regulator", "POST", compid+"/accept", `{}`)
	got["complaint decide_by"] = str(comp["decide_by"])
	r.must(t, http.StatusOK, "regulator", "POST", compid+"/suspend", `{"reason": "调查评分", "days": 10}`)
	if p := r.must(t, http.StatusOK, "maker", "GET", pid, ""); p["legal_state"] != "suspended_by_complaint" {
		t.Fatalf("suspended: %v", p["legal_state"])
	}
	refused(t, r.must(t, http.StatusUnprocessableEntity, "maker", "POST", cid+"/sign", `{}`), "Law art. 57")
	at("2026-11-09 09:00:00")
	r.must(t, http.StatusOK, "regulator", "POST", compid+"/lift", `{}`)
	r.must(t, http.StatusOK, "regulator", "POST", compid+"/decline", `{"decision": "评分符合招标文件，投诉不成立"}`)

	// The contract signed, then filed.
	at("2026-11-10 14:00:00")
	cont = r.must(t, http.StatusOK, "maker", "POST", cid+"/sign", `{}`)
	got["contract file_by"] = str(cont["file_by"])
	at("2026-11-12 10:00:00")
	if c := r.must(t, http.StatusOK, "maker", "POST", cid+"/file", `{}`); c["state"] != "filed" || c["filed"] != "2026-11-12" {
		t.Fatalf("filed: %v", c)
	}

	for _, w := range walkTable {
		if got[w.what] != w.due {
			t.Errorf("%s: the hub says %q, DOMAIN.md %s (%s)", w.what, got[w.what], w.due, w.why)
		}
	}
	trail := strings.Join(r.trail(t), "\n")
	for _, act := range []string{"entrustment.create", "entrustment.submit", "entrustment.approve", "entrustment.accept",
		"project.create", "project.publish", "challenge.file", "challenge.answer", "challenge.resolve", "award.create", "award.confirm",
		"contract.create", "complaint.file", "complaint.accept", "complaint.suspend", "complaint.lift", "complaint.decline",
		"contract.sign", "contract.file"} {
		if !strings.Contains(trail, act+" ") {
			t.Errorf("the audit trail lacks %s:\n%s", act, trail)
		}
	}
}

// nextIs checks a project's next deadline and its colour.
func nextIs(t *testing.T, p map[string]any, step, due, status string) {
	t.Helper()
	n, _ := p["next_deadline"].(map[string]any)
	if n["step"] != step || n["due"] != due || n["status"] != status {
		t.Fatalf("next deadline: %v, want %s %s %s", n, step, due, status)
	}
}

// refused checks a 422 names the article.
func refused(t *testing.T, out map[string]any, basis string) {
	t.Helper()
	if b, _ := out["basis"].(string); !strings.Contains(b, basis) {
		t.Fatalf("refused: %v, want the basis %s", out, basis)
	}
}

func str(v any) string { return fmt.Sprint(v) }
