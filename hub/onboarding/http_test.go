package onboarding_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/protocol"
)

var manualItems = []string{"e_signature", "e_seal", "video_conference", "remote_opening", "remote_evaluation"}

func (r *rig) recordItems(t *testing.T, id string, skip string) {
	t.Helper()
	for _, it := range manualItems {
		if it != skip {
			r.must(t, http.StatusOK, "tech", "POST", id+"/items/"+it, `{"pass": true, "note": "现场测试通过", "evidence_sha256": "`+digest+`"}`)
		}
	}
}

// deadline finds one step's clock in an application.
func deadline(t *testing.T, a map[string]any, step string) map[string]any {
	t.Helper()
	for _, d := range a["deadlines"].([]any) {
		if d := d.(map[string]any); d["step"] == step {
			return d
		}
	}
	t.Fatalf("no %s deadline in %v", step, a["deadlines"])
	return nil
}

// One application from the agency to the published mark, each transition
// on record, the clocks on the 2026 calendar.
func TestApplicationToPublishedMark(t *testing.T) {
	// Wednesday Sep 30: 3 WD skip the National Day holiday (Oct 1–7) and
	// end on the make-up Saturday, Oct 10.
	r := newRig(t, "2026-09-30 10:00:00")
	a := r.must(t, http.StatusCreated, "admin", "POST", "/api/v1/onboarding/applications", application)
	id := "/api/v1/onboarding/applications/" + num(a["id"])
	d := deadline(t, a, "assign_technicians")
	if a["state"] != "applied" || d["due"] != "2026-10-10" || d["limit"] != "3wd" || d["status"] != "ok" || !strings.Contains(d["basis"].(string), "3") {
		t.Fatalf("applied: %v", a)
	}
	r.now = mustTime(t, "2026-10-09 09:00:00") // the working day before: amber
	if d := deadline(t, r.must(t, http.StatusOK, "operator", "GET", id, ""), "assign_technicians"); d["status"] != "approaching" {
		t.Fatalf("the day before: %v", d)
	}
	r.now = mustTime(t, "2026-10-12 09:00:00") // Monday, past the due day: red
	if d := deadline(t, r.must(t, http.StatusOK, "operator", "GET", id, ""), "assign_technicians"); d["status"] != "overdue" {
		t.Fatalf("the day after: %v", d)
	}
	a = r.must(t, http.StatusOK, "operator", "POST", id+"/assign", `{"technicians": ["token:tech"]}`)
	if d := deadline(t, a, "assign_technicians"); d["status"] != "late" || d["done"] != "2026-10-12" {
		t.Fatalf("assigned late: %v", d)
	}
	r.must(t, http.StatusForbidden, "tech2", "POST", id+"/run", `{}`) // not assigned
	r.healthy(t, protocol.StateOK)
	a = r.must(t, http.StatusOK, "tech", "POST", id+"/run", `{}`)
	if a["state"] != "checking" || a["run"] != 1.0 {
		t.Fatalf("run: %v", a)
	}
	// Finishing before every item is recorded names what is missing.
	out := r.must(t, http.StatusConflict, "tech", "POST", id+"/finish", `{"form_sha256": "`+digest+`"}`)
	if !strings.Contains(out["error"].(string), "remote_evaluation") {
		t.Fatalf("finish early: %v", out)
	}
	r.recordItems(t, id, "")
	r.now = mustTime(t, "2026-10-13 10:00:00") // Tuesday
	r.healthy(t, protocol.StateOK)
	a = r.must(t, http.StatusOK, "tech", "POST", id+"/finish", `{"form_sha256": "`+digest+`"}`)
	if a["state"] != "passed" || len(a["reasons"].([]any)) != 0 {
		t.Fatalf("finished: %v", a)
	}
	if d := deadline(t, a, "publish_mark"); d["due"] != "2026-10-20" || d["limit"] != "5wd" {
		t.Fatalf("publish clock: %v", d)
	}
	rooms := r.must(t, http.StatusOK, "regulator", "GET", "/api/v1/rooms", "")["list"].([]any)
	mark := rooms[0].(map[string]any)["mark"].(map[string]any)
	if mark["label"] != "可视化" || mark["state"] != "passed" || mark["publish_by"] != "2026-10-20" {
		t.Fatalf("mark: %v", mark)
	}
	a = r.must(t, http.StatusOK, "operator", "POST", id+"/publish", `{}`)
	if a["state"] != "published" || deadline(t, a, "publish_mark")["status"] != "met" {
		t.Fatalf("published: %v", a)
	}
	r.must(t, http.StatusConflict, "operator", "POST", id+"/publish", `{}`)
	// A replaced box withdraws the mark.
	r.onb.BoxReplaced(t.Context(), "room-1")
	a = r.must(t, http.StatusOK, "admin", "GET", id, "")
	if a["state"] != "withdrawn" || !strings.Contains(a["reasons"].([]any)[0].(string), "replaced") {
		t.Fatalf("withdrawn: %v", a)
	}
	rooms = r.must(t, http.StatusOK, "operator", "GET", "/api/v1/rooms", "")["list"].([]any)
	if rooms[0].(map[string]any)["mark"] != nil {
		t.Fatalf("a withdrawn mark still shows: %v", rooms[0])
	}
	want := []string{"onboarding.apply", "onboarding.assign", "onboarding.start", "onboarding.item", "onboarding.pass", "onboarding.publish", "onboarding.withdraw"}
	for _, w := range want {
		if !slices.Contains(r.trail(t), w+" onboarding/1") {
			t.Errorf("%s not in the audit trail %v", w, r.trail(t))
		}
	}
}

// A room with a camera unplugged, or an item the technician failed, fails
// acceptance naming it; a new run may start.
func TestFailedRunNamesTheCamera(t *testing.T) {
	r := newRig(t, "2026-09-14 10:00:00")
	a := r.must(t, http.StatusCreated, "admin", "POST", "/api/v1/onboarding/applications", application)
	id := "/api/v1/onboarding/applications/" + num(a["id"])
	r.must(t, http.StatusOK, "operator", "POST", id+"/assign", `{"technicians": ["token:tech"]}`)
	r.healthy(t, protocol.StateAbsent)
	r.must(t, http.StatusOK, "tech", "POST", id+"/run", `{}`)
	r.recordItems(t, id, "e_seal")
	r.must(t, http.StatusOK, "tech", "POST", id+"/items/e_seal", `{"pass": false, "note": "签章设备无响应", "evidence_sha256": "`+digest+`"}`)
	a = r.must(t, http.StatusOK, "tech", "POST", id+"/finish", `{"form_sha256": "`+digest+`"}`)
	reasons := strings.Join(toStrings(a["reasons"]), "\n")
	if a["state"] != "failed" || !strings.Contains(reasons, "camera:cam2: absent: device unplugged") ||
		!strings.Contains(reasons, "e_seal: 签章设备无响应") || strings.Contains(reasons, "cam1") {
		t.Fatalf("failed: %v", a)
	}
	if rooms := r.must(t, http.StatusOK, "operator", "GET", "/api/v1/rooms", "")["list"].([]any); rooms[0].(map[string]any)["mark"] != nil {
		t.Fatal("a failed room carries the mark")
	}
	a = r.must(t, http.StatusOK, "tech", "POST", id+"/run", `{}`)
	if a["run"] != 2.0 || a["state"] != "checking" {
		t.Fatalf("second run: %v", a)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// Bad input names its field; the wrong role or scope is refused.
func TestApplicationRefusals(t *testing.T) {
	r := newRig(t, "2026-09-14 10:00:00")
	for body, field := range map[string]string{
		`{"room": "room-2", "address": "x", "contact": "x", "specialist": "x", "equipment": [{"kind": "camera", "make": "m", "model": "m", "serial": "s"}]}`: "room",
		`{"room": "room-1", "address": "", "contact": "x", "specialist": "x", "equipment": []}`:                                                              "address",
		`{"room": "room-1", "address": "x", "contact": "x", "specialist": "x", "equipment": []}`:                                                             "equipment",
		`{"room": "room-1", "address": "x", "contact": "x", "specialist": "x", "equipment": [{"kind": "fax", "make": "m", "model": "m", "serial": "s"}]}`:    "equipment[0].kind",
		`{"room": "room-1", "address": "x", "contact": "x", "specialist": "x", "equipment": [{"kind": "camera", "make": "m", "model": "m", "serial": ""}]}`:  "equipment[0].serial",
	} {
		if out := r.must(t, http.StatusBadRequest, "admin", "POST", "/api/v1/onboarding/applications", body); out["field"] != field {
			t.Errorf("%s: %v, want field %s", body, out, field)
		}
	}
	r.must(t, http.StatusForbidden, "staff", "POST", "/api/v1/onboarding/applications", application)
	a := r.must(t, http.StatusCreated, "admin", "POST", "/api/v1/onboarding/applications", application)
	r.must(t, http.StatusConflict, "admin", "POST", "/api/v1/onboarding/applications", application)
	id := "/api/v1/onboarding/applications/" + num(a["id"])
	r.must(t, http.StatusNotFound, "other-admin", "GET", id, "")
	r.must(t, http.StatusNotFound, "other-regulator", "GET", id, "")
	r.must(t, http.StatusNotFound, "other-tech", "POST", id+"/run", `{}`)
	r.must(t, http.StatusForbidden, "admin", "POST", id+"/assign", `{"technicians": ["x"]}`)
	r.must(t, http.StatusForbidden, "purchaser", "GET", "/api/v1/onboarding/applications", "")
	if out := r.must(t, http.StatusBadRequest, "operator", "POST", id+"/assign", `{"technicians": []}`); out["field"] != "technicians" {
		t.Fatalf("no technicians: %v", out)
	}
	r.must(t, http.StatusConflict, "tech", "POST", id+"/run", `{}`) // not assigned yet: applied takes no start
	r.must(t, http.StatusOK, "operator", "POST", id+"/assign", `{"technicians": ["token:tech"]}`)
	r.must(t, http.StatusConflict, "tech", "POST", id+"/items/e_seal", `{"pass": true, "note": "x", "evidence_sha256": "`+digest+`"}`)
	r.must(t, http.StatusOK, "tech", "POST", id+"/run", `{}`)
	for path, field := range map[string]string{
		"/items/e_seal":           "evidence_sha256",
		"/items/box_online":       "item",
		"/items/video_conference": "pass",
		"/finish":                 "form_sha256",
	} {
		body := `{"pass": true, "note": "x", "evidence_sha256": "abc"}`
		switch path {
		case "/items/video_conference":
			body = `{"note": "x", "evidence_sha256": "` + digest + `"}`
		case "/finish":
			body = `{"form_sha256": "nope"}`
		}
		if out := r.must(t, http.StatusBadRequest, "tech", "POST", id+path, body); out["field"] != field {
			t.Errorf("%s: %v, want field %s", path, out, field)
		}
	}
	if list := r.must(t, http.StatusOK, "other-admin", "GET", "/api/v1/onboarding/applications", "")["list"].([]any); len(list) != 0 {
		t.Fatalf("another agency sees %v", list)
	}
	if list := r.must(t, http.StatusOK, "regulator", "GET", "/api/v1/onboarding/applications", "")["list"].([]any); len(list) != 1 {
		t.Fatalf("the regulator sees %v", list)
	}
}

// A year without a calendar is refused, never guessed.
func TestNoCalendarNoDeadline(t *testing.T) {
	r := newRig(t, "2027-03-01 10:00:00")
	r.must(t, http.StatusUnprocessableEntity, "admin", "POST", "/api/v1/onboarding/applications", application)
}

// A transition that cannot be put on record is refused (503) and not made.
func TestUnrecordedTransitionRefused(t *testing.T) {
	r := newRig(t, "2026-09-14 10:00:00")
	a := r.must(t, http.StatusCreated, "admin", "POST", "/api/v1/onboarding/applications", application)
	id := "/api/v1/onboarding/applications/" + num(a["id"])
	if _, err := r.st.DB().Exec(sqldbtest.RefuseInserts(r.st.DB(), "audit_full", "audit", "disk full")); err != nil {
		t.Fatal(err)
	}
	r.must(t, http.StatusServiceUnavailable, "operator", "POST", id+"/assign", `{"technicians": ["token:tech"]}`)
	if a := r.must(t, http.StatusOK, "operator", "GET", id, ""); a["state"] != "applied" {
		t.Fatalf("an unrecorded assignment was made: %v", a)
	}
}
