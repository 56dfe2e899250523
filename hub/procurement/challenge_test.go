package procurement_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// A challenge of the opening (bid deadline Thu 2026-10-08) is due within 7
// working days: Oct 10 is a make-up Saturday, so the last day is Fri Oct
// 16; filed on Oct 16 it is taken, on Oct 17 refused with the article.
func TestChallengeClock(t *testing.T) {
	r := newRig(t, "2026-09-11 10:00:00")
	pid := r.tendered(t)
	body := `{"step": "process", "grounds": "开标记录缺少报价"}`
	r.now = mustTime(t, "2026-10-17 09:00:00")
	out := r.must(t, http.StatusUnprocessableEntity, "supplier", "POST", pid+"/challenges", body)
	if !strings.Contains(out["basis"].(string), "Order 94 art. 10") || !strings.Contains(out["error"].(string), "2026-10-16") {
		t.Fatalf("a day late: %v", out)
	}
	r.now = mustTime(t, "2026-10-16 17:00:00")
	c := r.must(t, http.StatusCreated, "supplier", "POST", pid+"/challenges", body)
	if c["state"] != "claim" || c["known"] != "2026-10-08" || c["file_by"] != "2026-10-16" || c["supplier"] != "gx-desk" {
		t.Fatalf("challenge: %v", c)
	}
	// The reply is due 7 working days later, Oct 27.
	if c["reply_by"] != "2026-10-27" {
		t.Fatalf("reply_by: %v", c["reply_by"])
	}
	for body, field := range map[string]string{`{"step": "bids", "grounds": "x"}`: "step", `{"step": "process", "grounds": ""}`: "grounds"} {
		if out := r.must(t, http.StatusBadRequest, "supplier", "POST", pid+"/challenges", body); out["field"] != field {
			t.Errorf("%s: %v", body, out)
		}
	}
	r.must(t, http.StatusForbidden, "maker", "POST", pid+"/challenges", body)
	r.must(t, http.StatusNotFound, "supplier", "POST", "/api/v1/projects/99/challenges", body)
	r.must(t, http.StatusForbidden, "supplier", "GET", pid, "") // a supplier reads no projects
}

// A challenge stops signing (Reg art. 54); its reply, a complaint, the
// finance department's review, a paused clock and a suspension that
// blocks signing (Law art. 57) until it is lifted; evidence kept with its
// SHA-256.
func TestChallengeComplaintSuspension(t *testing.T) {
	r := newRig(t, "2026-09-11 10:00:00")
	pid := r.tendered(t)
	a := r.must(t, http.StatusCreated, "agency", "POST", pid+"/awards", winner)
	aid := "/api/v1/awards/" + num(a["id"])
	r.now = mustTime(t, "2026-10-12 09:00:00")
	r.must(t, http.StatusOK, "maker", "POST", aid+"/confirm", `{}`)
	cont := r.must(t, http.StatusCreated, "maker", "POST", aid+"/contract", `{}`)
	cid := "/api/v1/contracts/" + num(cont["id"])
	r.now = mustTime(t, "2026-10-13 09:00:00")
	ch := r.must(t, http.StatusCreated, "other-supplier", "POST", pid+"/challenges", `{"step": "result", "grounds": "评分错误"}`)
	chid := "/api/v1/challenges/" + num(ch["id"])
	// The result's announcement period ends Oct 13; 7 working days: Oct 22.
	if ch["known"] != "2026-10-13" || ch["file_by"] != "2026-10-22" {
		t.Fatalf("result challenge: %v", ch)
	}
	out := r.must(t, http.StatusUnprocessableEntity, "maker", "POST", cid+"/sign", `{}`)
	if !strings.Contains(out["basis"].(string), "Reg art. 54") {
		t.Fatalf("signing with an open challenge: %v", out)
	}
	r.must(t, http.StatusNotFound, "supplier", "GET", chid, "") // another company's
	r.must(t, http.StatusOK, "other-supplier", "GET", chid, "")
	r.must(t, http.StatusOK, "regulator", "GET", chid, "")
	doc := r.upload(t, "other-supplier", chid+"/documents?name=评分表.pdf", "%PDF-1.7 evidence")
	sum := sha256.Sum256([]byte("%PDF-1.7 evidence"))
	if doc["sha256"] != hex.EncodeToString(sum[:]) || doc["size"] != 17.0 {
		t.Fatalf("document: %v", doc)
	}
	r.must(t, http.StatusUnprocessableEntity, "other-supplier", "POST", chid+"/complaint", `{"grounds": "未答复"}`) // reply period runs
	r.must(t, http.StatusBadRequest, "agency", "POST", chid+"/answer", `{"reply": "评分无误"}`)
	r.must(t, http.StatusForbidden, "other-supplier", "POST", chid+"/answer", `{"reply": "x", "changes_result": false}`)
	ch = r.must(t, http.StatusOK, "agency", "POST", chid+"/answer", `{"reply": "评分无误", "changes_result": false}`)
	if ch["state"] != "answered" || ch["complain_by"] != "2026-11-12" {
		t.Fatalf("answered: %v", ch)
	}
	k := r.must(t, http.StatusCreated, "other-supplier", "POST", chid+"/complaint", `{"grounds": "答复不满意"}`)
	kid := "/api/v1/complaints/" + num(k["id"])
	if k["state"] != "pending" || k["review_by"] != "2026-10-20" {
		t.Fatalf("complaint: %v", k)
	}
	r.must(t, http.StatusForbidden, "agency", "POST", kid+"/accept", `{}`)
	r.must(t, http.StatusNotFound, "other-regulator", "POST", kid+"/accept", `{}`)
	r.must(t, http.StatusBadRequest, "regulator", "POST", kid+"/suspend", `{"reason": "x", "days": 31}`)
	r.must(t, http.StatusOK, "regulator", "POST", kid+"/suspend", `{"reason": "需调查"}`)
	p := r.must(t, http.StatusOK, "maker", "GET", pid, "")
	if p["legal_state"] != "suspended_by_complaint" || p["state"] != "evaluated" || p["suspension"].(map[string]any)["until"] != "2026-11-12" {
		t.Fatalf("suspended project: %v", p)
	}
	ch = r.must(t, http.StatusOK, "other-supplier", "GET", chid, "")
	if len(ch["complaints"].([]any)) != 1 || len(ch["documents"].([]any)) != 1 {
		t.Fatalf("challenge's complaints and documents: %v", ch)
	}
	out = r.must(t, http.StatusUnprocessableEntity, "maker", "POST", cid+"/sign", `{}`)
	if !strings.Contains(out["basis"].(string), "Law art. 57") {
		t.Fatalf("signing while suspended: %v", out)
	}
	r.must(t, http.StatusUnprocessableEntity, "agency", "POST", aid+"/cancel", `{"reason": "x"}`)
	k = r.must(t, http.StatusOK, "regulator", "POST", kid+"/accept", `{}`)
	// Accepted Tue Oct 13: 30 working days is Nov 24.
	if k["decide_by"] != "2026-11-24" {
		t.Fatalf("decide_by: %v", k["decide_by"])
	}
	r.must(t, http.StatusOK, "regulator", "POST", kid+"/pause", `{"reason": "检验"}`)
	r.must(t, http.StatusConflict, "regulator", "POST", kid+"/pause", `{"reason": "检验"}`)
	r.now = mustTime(t, "2026-10-16 09:00:00") // three working days paused
	k = r.must(t, http.StatusOK, "regulator", "POST", kid+"/resume", `{}`)
	if k["paused_working_days"] != 3.0 || k["decide_by"] != "2026-11-27" {
		t.Fatalf("resumed: %v", k)
	}
	k = r.must(t, http.StatusOK, "regulator", "POST", kid+"/decline", `{"decision": "投诉缺乏事实依据，驳回"}`)
	if k["state"] != "declined" {
		t.Fatalf("declined: %v", k)
	}
	if p = r.must(t, http.StatusOK, "maker", "GET", pid, ""); p["legal_state"] != nil {
		t.Fatalf("lifted: %v", p)
	}
	r.must(t, http.StatusConflict, "regulator", "POST", kid+"/satisfy", `{"decision": "x"}`)
	r.must(t, http.StatusOK, "maker", "POST", cid+"/sign", `{}`)
	r.must(t, http.StatusOK, "other-supplier", "POST", chid+"/resolve", `{}`)
	trail := r.trail(t)
	for _, want := range []string{"challenge.file project/1", "document.add challenge/1", "challenge.answer challenge/1",
		"complaint.file challenge/1", "complaint.suspend complaint/1", "complaint.accept complaint/1", "complaint.pause complaint/1",
		"complaint.resume complaint/1", "complaint.decline complaint/1", "challenge.resolve challenge/1"} {
		if !slices.Contains(trail, want) {
			t.Errorf("no %q in the audit log", want)
		}
	}
}

// upload posts raw bytes as who and returns the decoded answer.
func (r *rig) upload(t *testing.T, who, path, content string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", r.url+path, strings.NewReader(content))
	req.Header.Set("Authorization", "Bearer "+r.tokens[who])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", res.StatusCode, b)
	}
	return decode(t, b)
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return out
}
