package procurement_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// tendered is a published open tender of lj-school by lz-a (documents
// issued 2026-09-11, bids until 2026-10-08), with the clock moved to the
// day after the deadline; it returns the project's path.
func (r *rig) tendered(t *testing.T) string {
	t.Helper()
	id := r.accepted(t, goods)
	p := r.must(t, http.StatusCreated, "agency", "POST", id+"/project", `{"lots": [{"title": "课桌椅", "budget": 800000}]}`)
	pid := "/api/v1/projects/" + num(p["id"])
	r.must(t, http.StatusOK, "agency", "POST", pid+"/publish", `{"bid_deadline": "2026-10-08"}`)
	r.now = mustTime(t, "2026-10-09 09:00:00")
	return pid
}

const winner = `{"lot": 1, "supplier": "gx-desk", "supplier_name": "广西某家具有限公司", "amount": 760000}`

// The result of an open tender from evaluation to a filed contract, late
// signing refused without a reason (Law art. 46) and taken with one.
func TestAwardToFiledContract(t *testing.T) {
	r := newRig(t, "2026-09-11 10:00:00")
	pid := r.tendered(t)
	// Bad input names the field; the purchaser does not record results.
	for body, field := range map[string]string{
		`{"lot": 2, "supplier": "gx-desk", "supplier_name": "x", "amount": 1}`:                                  "lot",
		`{"lot": 1, "supplier": "GX desk", "supplier_name": "x", "amount": 1}`:                                  "supplier",
		`{"lot": 1, "supplier": "gx-desk", "supplier_name": "x", "amount": 900000}`:                             "amount",
		`{"lot": 1, "supplier": "gx-desk", "supplier_name": "x", "amount": 1, "evaluation_done": "2026-10-07"}`: "evaluation_done",
	} {
		if out := r.must(t, http.StatusBadRequest, "agency", "POST", pid+"/awards", body); out["field"] != field {
			t.Errorf("%s: %v, want field %s", body, out, field)
		}
	}
	r.must(t, http.StatusForbidden, "maker", "POST", pid+"/awards", winner)
	r.must(t, http.StatusNotFound, "other-agency", "POST", pid+"/awards", winner)
	a := r.must(t, http.StatusCreated, "agency", "POST", pid+"/awards", winner)
	if a["state"] != "pending" || a["evaluation_done"] != "2026-10-09" || a["sign_by"] != nil {
		t.Fatalf("award: %v", a)
	}
	r.must(t, http.StatusConflict, "agency", "POST", pid+"/awards", winner) // the lot has one
	if p := r.must(t, http.StatusOK, "regulator", "GET", pid, ""); p["state"] != "evaluated" {
		t.Fatalf("project after the award: %v", p["state"])
	}
	aid := "/api/v1/awards/" + num(a["id"])
	r.must(t, http.StatusOK, "regulator", "GET", aid, "")
	r.must(t, http.StatusNotFound, "other-regulator", "GET", aid, "")
	r.must(t, http.StatusForbidden, "regulator", "POST", aid+"/confirm", `{}`)
	r.must(t, http.StatusForbidden, "agency", "POST", aid+"/confirm", `{}`)
	r.must(t, http.StatusNotFound, "other-unit", "POST", aid+"/confirm", `{}`)
	r.must(t, http.StatusConflict, "maker", "POST", aid+"/contract", `{}`) // not confirmed yet
	r.now = mustTime(t, "2026-10-12 09:00:00")
	a = r.must(t, http.StatusOK, "checker", "POST", aid+"/confirm", `{}`)
	// 30 days from Oct 12 is Nov 11, a Wednesday.
	if a["state"] != "active" || a["award_notice"] != "2026-10-12" || a["sign_by"] != "2026-11-11" || a["confirmed_by"] != "token:checker" {
		t.Fatalf("confirmed: %v", a)
	}
	r.must(t, http.StatusConflict, "checker", "POST", aid+"/confirm", `{}`)
	c := r.must(t, http.StatusCreated, "maker", "POST", aid+"/contract", `{}`)
	r.must(t, http.StatusConflict, "maker", "POST", aid+"/contract", `{}`) // one contract per award
	cid := "/api/v1/contracts/" + num(c["id"])
	r.must(t, http.StatusConflict, "agency", "POST", aid+"/cancel", `{"reason": "x"}`) // contracted
	r.must(t, http.StatusConflict, "maker", "POST", cid+"/file", `{}`)                 // not signed
	r.now = mustTime(t, "2026-11-12 09:00:00")
	out := r.must(t, http.StatusUnprocessableEntity, "maker", "POST", cid+"/sign", `{}`)
	if !strings.Contains(out["basis"].(string), "Law art. 46") || !strings.Contains(out["error"].(string), "late_reason") {
		t.Fatalf("late signing: %v", out)
	}
	r.must(t, http.StatusBadRequest, "maker", "POST", cid+"/sign", `{"signed": "2026-11-13"}`)
	r.must(t, http.StatusForbidden, "agency", "POST", cid+"/sign", `{}`)
	c = r.must(t, http.StatusOK, "maker", "POST", cid+"/sign", `{"late_reason": "中标人因台风延迟到场签约"}`)
	// Nov 12 plus 7 working days is Nov 23.
	if c["state"] != "signed" || c["signed"] != "2026-11-12" || c["file_by"] != "2026-11-23" {
		t.Fatalf("signed: %v", c)
	}
	c = r.must(t, http.StatusOK, "maker", "POST", cid+"/file", `{}`)
	if c["state"] != "filed" || c["filed"] != "2026-11-12" {
		t.Fatalf("filed: %v", c)
	}
	r.must(t, http.StatusOK, "regulator", "GET", cid, "")
	r.must(t, http.StatusNotFound, "other-unit", "GET", cid, "")
	trail := r.trail(t)
	for _, want := range []string{"award.create project/1", "award.confirm award/1", "contract.create award/1", "contract.sign contract/1", "contract.file contract/1"} {
		if !slices.Contains(trail, want) {
			t.Errorf("no %q in the audit log: %v", want, trail)
		}
	}
}

// A contract signed within 30 days needs no reason; a cancelled award
// frees its lot for another.
func TestCancelledAwardAndTimelySigning(t *testing.T) {
	r := newRig(t, "2026-09-11 10:00:00")
	pid := r.tendered(t)
	a := r.must(t, http.StatusCreated, "agency", "POST", pid+"/awards", winner)
	aid := "/api/v1/awards/" + num(a["id"])
	r.must(t, http.StatusBadRequest, "agency", "POST", aid+"/cancel", `{}`)
	if a = r.must(t, http.StatusOK, "agency", "POST", aid+"/cancel", `{"reason": "第一名放弃中标"}`); a["state"] != "cancelled" {
		t.Fatalf("cancelled: %v", a)
	}
	r.must(t, http.StatusConflict, "maker", "POST", aid+"/confirm", `{}`)
	a = r.must(t, http.StatusCreated, "agency", "POST", pid+"/awards", strings.Replace(winner, "gx-desk", "gx-chair", 1))
	aid = "/api/v1/awards/" + num(a["id"])
	r.must(t, http.StatusOK, "maker", "POST", aid+"/confirm", `{}`)
	c := r.must(t, http.StatusCreated, "maker", "POST", aid+"/contract", `{}`)
	r.now = mustTime(t, "2026-11-09 09:00:00")
	c = r.must(t, http.StatusOK, "maker", "POST", "/api/v1/contracts/"+num(c["id"])+"/sign", `{}`)
	if c["late_reason"] != nil || c["supplier"] != "gx-chair" {
		t.Fatalf("signed in time: %v", c)
	}
	if list := r.must(t, http.StatusOK, "maker", "GET", pid+"/awards", ""); !strings.Contains(list["list"].(string), "gx-chair") {
		t.Fatalf("awards: %v", list)
	}
}
