package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/procurement"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// who are the principals the tests use; room-1 is in the jurisdiction
// 450206 (a district of the city 450200) and belongs to agency lz-a.
var who = map[string]struct {
	role  auth.Role
	scope string
}{
	"operator":        {auth.Operator, ""},
	"regulator":       {auth.Regulator, "450206"},
	"city-regulator":  {auth.Regulator, "450200"},
	"other-regulator": {auth.Regulator, "110101"},
	"agency-admin":    {auth.AgencyAdmin, "lz-a"},
	"agency-staff":    {auth.AgencyStaff, "lz-a"},
	"other-agency":    {auth.AgencyStaff, "lz-b"},
	"purchaser":       {auth.Purchaser, "unit-a"},
	"other-purchaser": {auth.Purchaser, "unit-b"},
	"expert":          {auth.Expert, ""},
	"technician":      {auth.Technician, "room-1"},
	"other-tech":      {auth.Technician, "room-2"},
	"supplier":        {auth.Supplier, "sup-a"},
	"other-supplier":  {auth.Supplier, "sup-b"},
}

// allowed is, for every route, who may use it on room-1 (or its alert).
// A route missing here fails the test: every new route says who may use it.
var allowed = map[string][]string{
	"POST /api/v1/login":                                               {"*"},
	"POST /api/v1/enroll":                                              {"*"},
	"GET /api/v1/session":                                              {"operator", "regulator", "city-regulator", "other-regulator", "agency-admin", "agency-staff", "other-agency", "purchaser", "other-purchaser", "expert", "technician", "other-tech", "supplier", "other-supplier"},
	"POST /api/v1/logout":                                              {"operator", "regulator", "city-regulator", "other-regulator", "agency-admin", "agency-staff", "other-agency", "purchaser", "other-purchaser", "expert", "technician", "other-tech", "supplier", "other-supplier"},
	"GET /api/v1/rooms":                                                {"operator", "regulator", "city-regulator", "other-regulator", "agency-admin", "agency-staff", "other-agency", "technician", "other-tech"},
	"POST /api/v1/rooms":                                               {"operator"},
	"PATCH /api/v1/rooms/{room}":                                       {"operator"},
	"POST /api/v1/rooms/{room}/token":                                  {"operator", "technician"},
	"GET /api/v1/rooms/{room}/streams/{stream}/segments":               {"regulator", "city-regulator"},
	"GET /api/v1/rooms/{room}/streams/{stream}/live.mjpeg":             {"regulator", "city-regulator", "technician"},
	"GET /api/v1/live/ws":                                              {"regulator", "city-regulator", "other-regulator", "technician", "other-tech"},
	"GET /api/v1/rooms/{room}/streams/{stream}/segments/{seq}":         {"regulator", "city-regulator"},
	"GET /api/v1/rooms/{room}/streams/{stream}/segments/{seq}/payload": {"regulator", "city-regulator"},
	"GET /api/v1/rooms/{room}/timeline":                                {"regulator", "city-regulator"},
	"GET /api/v1/rooms/{room}/download":                                {"regulator", "city-regulator"},
	"GET /api/v1/rooms/{room}/evidence":                                {"regulator", "city-regulator"},
	"GET /api/v1/audit":                                                {"operator", "regulator", "city-regulator", "other-regulator"},
	"GET /api/v1/audit/status":                                         {"operator", "regulator", "city-regulator", "other-regulator"},
	"GET /api/v1/alerts":                                               {"operator", "regulator", "city-regulator", "other-regulator", "agency-admin", "agency-staff", "other-agency", "technician", "other-tech"},
	"POST /api/v1/alerts/{id}/ack":                                     {"operator", "regulator", "city-regulator", "technician"},
	"POST /api/v1/alerts/{id}/resolve":                                 {"operator", "regulator", "city-regulator", "technician"},
	"GET /api/v1/entrustments":                                         workReaders,
	"POST /api/v1/entrustments":                                        {"purchaser", "other-purchaser"},
	"GET /api/v1/entrustments/{id}":                                    workInScope,
	"POST /api/v1/entrustments/{id}/submit":                            {"purchaser"},
	"POST /api/v1/entrustments/{id}/review":                            {"purchaser"},
	"POST /api/v1/entrustments/{id}/accept":                            {"agency-admin", "agency-staff"},
	"POST /api/v1/entrustments/{id}/return":                            {"agency-admin", "agency-staff"},
	"POST /api/v1/entrustments/{id}/project":                           {"agency-admin", "agency-staff"},
	"GET /api/v1/projects":                                             workReaders,
	"GET /api/v1/projects/{id}":                                        workInScope,
	"POST /api/v1/projects/{id}/publish":                               {"agency-admin", "agency-staff"},
	"POST /api/v1/projects/{id}/extend":                                {"agency-admin", "agency-staff"},
	"POST /api/v1/projects/{id}/cancel":                                {"agency-admin", "agency-staff"},
	"GET /api/v1/projects/{id}/awards":                                 workInScope,
	"POST /api/v1/projects/{id}/awards":                                {"agency-admin", "agency-staff"},
	"GET /api/v1/awards/{id}":                                          workInScope,
	"POST /api/v1/awards/{id}/confirm":                                 {"purchaser"},
	"POST /api/v1/awards/{id}/cancel":                                  {"agency-admin", "agency-staff"},
	"POST /api/v1/awards/{id}/contract":                                {"purchaser"},
	"GET /api/v1/contracts/{id}":                                       workInScope,
	"POST /api/v1/contracts/{id}/sign":                                 {"purchaser"},
	"POST /api/v1/contracts/{id}/file":                                 {"purchaser"},
	"POST /api/v1/projects/{id}/challenges":                            {"supplier", "other-supplier"},
	"GET /api/v1/challenges":                                           append(workReaders, "supplier", "other-supplier"),
	"GET /api/v1/challenges/{id}":                                      append(workInScope, "supplier"),
	"POST /api/v1/challenges/{id}/answer":                              {"agency-admin", "agency-staff"},
	"POST /api/v1/challenges/{id}/resolve":                             {"supplier"},
	"POST /api/v1/challenges/{id}/documents":                           {"supplier"},
	"POST /api/v1/challenges/{id}/complaint":                           {"supplier"},
	"GET /api/v1/complaints/{id}":                                      append(workInScope, "supplier"),
	"POST /api/v1/complaints/{id}/documents":                           {"supplier"},
	"POST /api/v1/complaints/{id}/withdraw":                            {"supplier"},
	"POST /api/v1/complaints/{id}/accept":                              regulators,
	"POST /api/v1/complaints/{id}/reject":                              regulators,
	"POST /api/v1/complaints/{id}/pause":                               regulators,
	"POST /api/v1/complaints/{id}/resume":                              regulators,
	"POST /api/v1/complaints/{id}/satisfy":                             regulators,
	"POST /api/v1/complaints/{id}/decline":                             regulators,
	"POST /api/v1/complaints/{id}/suspend":                             regulators,
	"POST /api/v1/complaints/{id}/lift":                                regulators,
	"GET /api/v1/onboarding/applications":                              {"operator", "regulator", "city-regulator", "other-regulator", "agency-admin", "agency-staff", "other-agency", "technician", "other-tech"},
	"POST /api/v1/onboarding/applications":                             {"agency-admin"},
	"GET /api/v1/onboarding/applications/{id}":                         {"operator", "regulator", "city-regulator", "agency-admin", "agency-staff", "technician"},
	"POST /api/v1/onboarding/applications/{id}/assign":                 {"operator"},
	"POST /api/v1/onboarding/applications/{id}/run":                    {"technician"},
	"POST /api/v1/onboarding/applications/{id}/items/{item}":           {"technician"},
	"POST /api/v1/onboarding/applications/{id}/finish":                 {"technician"},
	"POST /api/v1/onboarding/applications/{id}/publish":                {"operator"},
	"GET /api/v1/onboarding/agencies/{agency}/qualification":           {"operator", "regulator", "city-regulator", "agency-admin", "agency-staff"},
	"PUT /api/v1/onboarding/agencies/{agency}/staff":                   {"agency-admin"},
	"PUT /api/v1/onboarding/agencies/{agency}/specialist":              {"agency-admin"},
	"GET /api/v1/exam/attempts":                                        {"agency-admin", "agency-staff", "other-agency"},
	"POST /api/v1/exam/attempts":                                       {"agency-admin", "agency-staff", "other-agency"},
	"GET /api/v1/exam/attempts/{id}":                                   {"agency-staff"},
	"POST /api/v1/exam/attempts/{id}/answers":                          {"agency-staff"},
	"POST /api/v1/exam/attempts/{id}/submit":                           {"agency-staff"},
}

// The procurement records of the tests belong to unit-a, agency lz-a and
// jurisdiction 450206: everyone who reads the workflow lists, those
// parties (and the operator) open one, the others find none (404).
var (
	workReaders = []string{"operator", "regulator", "city-regulator", "other-regulator", "agency-admin", "agency-staff", "other-agency", "purchaser", "other-purchaser"}
	workInScope = []string{"operator", "regulator", "city-regulator", "agency-admin", "agency-staff", "purchaser"}
	// the finance departments of the records' jurisdiction decide complaints
	regulators = []string{"regulator", "city-regulator"}
)

type authzRig struct {
	*rig
	api    *API
	tokens map[string]string
	alert  int64
	// an entrustment and its project, of unit-a, agency lz-a, 450206,
	// and the project's award and contract
	entrustment, project, award, contract int64
	challenge, complaint                  int64 // sup-a's
	application                           int64 // onboarding's, of room-1
	attempt                               int64 // an exam attempt of the agency-staff token
}

func newAuthzRig(t *testing.T) *authzRig {
	t.Helper()
	r := newRig(t)
	ctx := context.Background()
	for _, rm := range []store.Room{
		{ID: "room-1", Name: "一", Jurisdiction: store.Jurisdiction{Code: "450206", Name: "柳江区"}, Agency: store.Agency{ID: "lz-a", Name: "A"}},
		{ID: "room-2", Name: "二", Jurisdiction: store.Jurisdiction{Code: "450202", Name: "城中区"}, Agency: store.Agency{ID: "lz-b", Name: "B"}},
		{ID: "room-3", Name: "三"},
	} {
		if _, err := r.st.AddRoom(ctx, rm); err != nil {
			t.Fatal(err)
		}
	}
	al, err := r.st.InsertAlert(ctx, store.Alert{Room: "room-1", Stream: "cam1", Kind: "camera_black", Severity: "warning", State: store.AlertOpen, OpenedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ar := &authzRig{rig: r, api: newAPI(r.st, r.fleet, r.audit), tokens: map[string]string{}, alert: al.ID}
	ar.entrustment, ar.project, ar.award, ar.contract = workRecords(t, r.st)
	ar.challenge, ar.complaint = challengeRecords(t, r.st, ar.project)
	ar.application, ar.attempt = onboardRecord(t, r.st)
	for name, w := range who {
		ar.tokens[name] = r.tokenFor(t, w.role, w.scope)
	}
	return ar
}

// TestEveryRoleAgainstEveryRoute runs each principal, and nobody, against
// every route of the API on room-1. The handlers are replaced by one that
// answers 204, so what is tested is exactly the check in front of them:
// 401 without credentials, 403 for the wrong role or scope (404 for an
// alert outside the scope), through for the rest.
func TestEveryRoleAgainstEveryRoute(t *testing.T) {
	r := newAuthzRig(t)
	mux := http.NewServeMux()
	var patterns []string
	perms := map[string]auth.Perm{}
	for _, rt := range r.api.Routes() {
		perms[rt.Pattern] = rt.Perm
		rt.Handler = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }
		mux.HandleFunc(rt.Pattern, r.api.guard(rt))
		patterns = append(patterns, rt.Pattern)
		if _, ok := allowed[rt.Pattern]; !ok {
			t.Errorf("route %s is not in the access table: say who may use it", rt.Pattern)
		}
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sort.Strings(patterns)
	names := append([]string{""}, keys(who)...)
	for _, pattern := range patterns {
		method, path, _ := strings.Cut(pattern, " ")
		id := r.alert
		switch {
		case strings.HasPrefix(path, "/api/v1/entrustments/"):
			id = r.entrustment
		case strings.HasPrefix(path, "/api/v1/projects/"):
			id = r.project
		case strings.HasPrefix(path, "/api/v1/awards/"):
			id = r.award
		case strings.HasPrefix(path, "/api/v1/contracts/"):
			id = r.contract
		case strings.HasPrefix(path, "/api/v1/challenges/"):
			id = r.challenge
		case strings.HasPrefix(path, "/api/v1/complaints/"):
			id = r.complaint
		case strings.HasPrefix(path, "/api/v1/onboarding/applications/"):
			id = r.application
		case strings.HasPrefix(path, "/api/v1/exam/attempts/"):
			id = r.attempt
		}
		path = strings.NewReplacer("{room}", "room-1", "{stream}", "cam1", "{seq}", "0", "{id}", itoa(id), "{item}", "e_seal",
			"{agency}", "lz-a").Replace(path)
		for _, name := range names {
			t.Run(pattern+"/"+name, func(t *testing.T) {
				req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("{}"))
				if name != "" {
					req.Header.Set("Authorization", "Bearer "+r.tokens[name])
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				want := http.StatusForbidden
				switch {
				case contains(allowed[pattern], "*") || (name != "" && contains(allowed[pattern], name)):
					want = http.StatusNoContent
				case name == "":
					want = http.StatusUnauthorized
				case (strings.Contains(pattern, "{id}") || strings.Contains(pattern, "{agency}")) && auth.Principal{Role: who[name].role}.Can(perms[pattern]):
					// An alert (an agency, an attempt) outside the scope is
					// not found, as an unknown id is: its id tells nothing
					// of other rooms.
					want = http.StatusNotFound
				}
				if res.StatusCode != want {
					t.Fatalf("%s %s as %q: %d, want %d", method, path, name, res.StatusCode, want)
				}
			})
		}
	}
}

// The room list and the alert list show each principal its own scope.
func TestListsKeepToTheScope(t *testing.T) {
	r := newAuthzRig(t)
	for _, id := range []string{"room-2", "room-3"} {
		if _, err := r.st.InsertAlert(context.Background(), store.Alert{Room: id, Stream: "cam1", Kind: "camera_black", Severity: "warning", State: store.AlertOpen, OpenedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]string{
		"operator":        "room-1,room-2,room-3",
		"regulator":       "room-1",
		"city-regulator":  "room-1,room-2",
		"other-regulator": "",
		"agency-admin":    "room-1",
		"other-agency":    "room-2",
		"technician":      "room-1",
		"other-tech":      "room-2",
	}
	for name, want := range cases {
		code, body := r.doAs(t, r.tokens[name], http.MethodGet, "/api/v1/rooms", "")
		if code != http.StatusOK || ids(t, body) != want {
			t.Errorf("%s sees rooms %q (%d), want %q", name, ids(t, body), code, want)
		}
		code, body = r.doAs(t, r.tokens[name], http.MethodGet, "/api/v1/alerts", "")
		if code != http.StatusOK || alertRooms(body) != want {
			t.Errorf("%s sees alerts of %q (%d), want %q", name, alertRooms(body), code, want)
		}
	}
}

// While a procurement session runs, only regulators see the room live.
func TestLiveDuringSessionIsForRegulators(t *testing.T) {
	r := newAuthzRig(t)
	r.send(t, protocol.TopicTelemetry, &protocol.Telemetry{V: protocol.Version, Room: "room-1", Time: time.Now(), Session: "zfcg-2026-001"})
	p := auth.Principal{Role: auth.Technician, Scope: "room-1"}
	if code, _ := r.api.roomAccess(context.Background(), p, "room-1", auth.Live); code != http.StatusForbidden {
		t.Fatalf("technician during a session: %d, want 403", code)
	}
	p = auth.Principal{Role: auth.Regulator, Scope: "450206"}
	if code, msg := r.api.roomAccess(context.Background(), p, "room-1", auth.Live); code != 0 {
		t.Fatalf("regulator during a session: %d %s", code, msg)
	}
}

// workRecords makes an entrustment, its project, an award and a contract
// for the access test.
func workRecords(t *testing.T, st *store.Store) (ent, proj, award, contract int64) {
	t.Helper()
	ctx := context.Background()
	db, err := procurement.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e, err := db.InsertEntrustment(ctx, procurement.Entrustment{Purchaser: "unit-a", Agency: "lz-a", Jurisdiction: "450206",
		Title: "t", Category: "goods", Budget: 500000, PlanLine: "p", Method: "open_tender", State: procurement.EntAccepted,
		Maker: "m", FiscalYear: 2026, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.InsertProject(ctx, procurement.Project{Entrustment: e.ID, Purchaser: "unit-a", Agency: "lz-a", Jurisdiction: "450206",
		Title: "t", Category: "goods", Method: "open_tender", Budget: 500000, State: procurement.ProjPlanning,
		Lots: []procurement.Lot{{Number: 1, Title: "l", Budget: 500000, State: procurement.LotActive}}, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.InsertAward(ctx, procurement.Award{Project: p.ID, Lot: 1, Purchaser: "unit-a", Agency: "lz-a", Jurisdiction: "450206",
		Supplier: "sup-a", SupplierName: "A", Amount: 1, State: procurement.AwardActive, CreatedAt: now, UpdatedAt: now}, procurement.ProjPlanning)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.InsertContract(ctx, procurement.Contract{Award: a.ID, Project: p.ID, Lot: 1, Purchaser: "unit-a", Agency: "lz-a",
		Jurisdiction: "450206", Supplier: "sup-a", Amount: 1, State: procurement.ContractPending, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID, p.ID, a.ID, c.ID
}

// challengeRecords makes sup-a's challenge of the project and its
// complaint for the access test.
func challengeRecords(t *testing.T, st *store.Store, project int64) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := procurement.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := procurement.Challenge{Project: project, Purchaser: "unit-a", Agency: "lz-a", Jurisdiction: "450206", Supplier: "sup-a",
		Step: procurement.StepResult, Grounds: "g", State: procurement.ChalAnswered, CreatedAt: now, UpdatedAt: now}
	cid, err := db.InsertChallenge(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := db.InsertComplaint(ctx, procurement.Complaint{Challenge: cid, Project: project, Purchaser: "unit-a", Agency: "lz-a",
		Jurisdiction: "450206", Supplier: "sup-a", Grounds: "g", State: procurement.CompPending, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return cid, kid
}

// onboardRecord makes an acceptance application for room-1 and an exam
// attempt of the agency-staff token.
func onboardRecord(t *testing.T, st *store.Store) (int64, int64) {
	t.Helper()
	db, err := onboarding.Open(context.Background(), st.DB())
	if err != nil {
		t.Fatal(err)
	}
	id, err := db.Insert(context.Background(), onboarding.Application{Room: "room-1", Agency: "lz-a", Jurisdiction: "450206",
		Address: "a", Contact: "c", Specialist: "s", State: onboarding.Applied, Applicant: "a", AppliedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	at, err := db.InsertAttempt(context.Background(), onboarding.Attempt{User: "token:agency-staff", Agency: "lz-a",
		StartedAt: time.Now(), Deadline: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return id, at
}

func alertRooms(body string) string {
	var list []struct{ Room string }
	jsonUnmarshal(body, &list)
	seen := map[string]bool{}
	var out []string
	for _, a := range list {
		if !seen[a.Room] {
			seen[a.Room] = true
			out = append(out, a.Room)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func jsonUnmarshal(s string, v any) { json.Unmarshal([]byte(s), v) }

// A regulator's page of the audit log is full even when the newest entries
// belong to rooms outside its scope.
func TestAuditPageFillsWithinScope(t *testing.T) {
	r := newAuthzRig(t)
	ctx := context.Background()
	for i := range 5 {
		if _, err := r.audit.Record(ctx, "x@test", "live.view", "room-1/cam1", itoa(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		if _, err := r.audit.Record(ctx, "x@test", "live.view", "room-2/cam1", itoa(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	code, body := r.doAs(t, r.tokens["regulator"], http.MethodGet, "/api/v1/audit?action=live.view&limit=4", "")
	var list []struct{ Target string }
	jsonUnmarshal(body, &list)
	if code != http.StatusOK || len(list) != 4 {
		t.Fatalf("%d: %d entries, want 4 of room-1: %s", code, len(list), body)
	}
	for _, e := range list {
		if e.Target != "room-1/cam1" {
			t.Fatalf("an entry outside the scope: %s", e.Target)
		}
	}
}
