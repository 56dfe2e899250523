package procurement_test

import (
	"net/http"
	"strings"
	"testing"
)

// In December a challenge's complaint period runs into the next year,
// whose calendar is not loaded: the challenge is taken and read with the
// clocks that can be counted (complain_by left out), and a complaint is
// refused saying to load the calendar, changing nothing; a complaint
// accepted in December is read without its decision day. A challenge whose
// own 7 working days cross the year is refused, and nothing is kept.
func TestChallengeAtYearEnd(t *testing.T) {
	r := newRig(t, "2026-12-01 09:00:00")
	id := r.accepted(t, goods)
	p := r.must(t, http.StatusCreated, "agency", "POST", id+"/project", `{"lots": [{"title": "课桌椅", "budget": 800000}]}`)
	pid := "/api/v1/projects/" + num(p["id"])
	r.must(t, http.StatusOK, "agency", "POST", pid+"/publish", `{"bid_deadline": "2026-12-28"}`)

	r.now = mustTime(t, "2026-12-10 10:00:00")
	out := r.must(t, http.StatusUnprocessableEntity, "supplier", "POST", pid+"/challenges", `{"step": "process", "grounds": "开标程序"}`)
	if !strings.Contains(out["error"].(string), "2027") {
		t.Fatalf("a challenge of the opening, due in 2027: %v", out)
	}
	if list := r.must(t, http.StatusOK, "regulator", "GET", "/api/v1/challenges", "")["list"]; list != "[]\n" {
		t.Fatalf("a refused challenge was kept: %q", list)
	}
	c := r.must(t, http.StatusCreated, "supplier", "POST", pid+"/challenges", `{"step": "documents", "grounds": "参数指向特定品牌"}`)
	if c["file_by"] != "2026-12-17" || c["reply_by"] != "2026-12-21" || c["complain_by"] != nil {
		t.Fatalf("challenge: %v", c)
	}
	chid := "/api/v1/challenges/" + num(c["id"])
	r.must(t, http.StatusOK, "regulator", "GET", "/api/v1/challenges", "")
	r.must(t, http.StatusOK, "agency", "POST", chid+"/answer", `{"reply": "已澄清", "changes_result": false}`)
	// A complaint of a challenge filed in time (Dec 1) is accepted on Dec
	// 10: its decision, 30 working days on, falls in 2027 and is left out.
	r.now = mustTime(t, "2026-12-01 09:00:00")
	early := r.must(t, http.StatusCreated, "other-supplier", "POST", pid+"/challenges", `{"step": "documents", "grounds": "评分办法不清"}`)
	eid := "/api/v1/challenges/" + num(early["id"])
	r.must(t, http.StatusOK, "agency", "POST", eid+"/answer", `{"reply": "已说明", "changes_result": false}`)
	k := r.must(t, http.StatusCreated, "other-supplier", "POST", eid+"/complaint", `{"grounds": "说明不充分"}`)
	r.now = mustTime(t, "2026-12-10 10:00:00")
	k = r.must(t, http.StatusOK, "regulator", "POST", "/api/v1/complaints/"+num(k["id"])+"/accept", `{}`)
	if k["review_by"] != "2026-12-08" || k["decide_by"] != nil || k["state"] != "accepted" {
		t.Fatalf("complaint accepted in December: %v", k)
	}
	out = r.must(t, http.StatusUnprocessableEntity, "supplier", "POST", chid+"/complaint", `{"grounds": "答复不充分"}`)
	if !strings.Contains(out["error"].(string), "calendar") {
		t.Fatalf("complaint: %v", out)
	}
	if got := r.must(t, http.StatusOK, "supplier", "GET", chid, ""); len(got["complaints"].([]any)) != 0 {
		t.Fatalf("a refused complaint was kept: %v", got["complaints"])
	}
}
