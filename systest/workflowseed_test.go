package systest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/simulators/people"
	"github.com/evalroom/evalroom/simulators/room"
)

// TestDemoWorkflowSeed runs the demo's seed (evalroom-sim workflow) against
// a real hub over HTTPS and a simulated room of the agency: the cast sign in
// with their passwords, qualify the agency (the room's acceptance, five
// staff through the exam) and put one
// open tender part-way through the hub's API, on today's date. The
// regulator of the city then sees the project, published with a bid
// deadline 25 days on (or, in a year whose calendar the hub lacks, in
// planning with the reason), a second entrustment waiting for intake, and
// each step in the audit log (as the operator sees it) under the person
// who took it.
func TestDemoWorkflowSeed(t *testing.T) {
	e := startHub(t)
	ctx := context.Background()
	cast := people.Cast{AgencyID: "lz-shifan", Jurisdiction: "450206"}
	for _, p := range []struct {
		login *people.Login
		name  string
		role  auth.Role
		scope string
	}{
		{&cast.Maker, "buyer", auth.Purchaser, "lj-school"},
		{&cast.Checker, "buyer-checker", auth.Purchaser, "lj-school"},
		{&cast.Agency, "agency", auth.AgencyStaff, "lz-shifan"},
		{&cast.Supplier, "supplier-desk", auth.Supplier, "gx-desk"},
	} {
		*p.login = addPerson(t, e, p.name, p.role, p.scope)
	}
	// The agency takes entrustments once qualified: its room (a simulated
	// one, recording) passes acceptance, five of its people the exam.
	ob := &people.Onboarding{Rooms: []string{"room-1"}, Bank: "../hub/onboarding/bank/sample.json"}
	for _, p := range []struct {
		login *people.Login
		name  string
		role  auth.Role
		scope string
	}{
		{&ob.Operator, "operator", auth.Operator, ""},
		{&ob.Admin, "agency-admin", auth.AgencyAdmin, "lz-shifan"},
		{&ob.Technician, "technician", auth.Technician, "room-1"},
	} {
		*p.login = addPerson(t, e, p.name, p.role, p.scope)
	}
	ob.Staff = []people.Login{cast.Agency}
	for i := 2; i <= 5; i++ {
		ob.Staff = append(ob.Staff, addPerson(t, e, fmt.Sprintf("staff-%d", i), auth.AgencyStaff, "lz-shifan"))
	}
	cast.Onboarding = ob
	rctx, stopRoom := context.WithCancel(ctx)
	rm, err := room.New(rctx, room.Config{
		ID: "room-1", Name: "第1评标室", Hub: e.url(), MQTT: e.cfg.MQTT, DataDir: room.Dir(t.TempDir(), "room-1"), CAFile: e.caFile(),
		Token: e.opToken, Cameras: 1, Mics: 1, Width: 160, Height: 90, FPS: 5, Segment: time.Second, Report: time.Second, KeyAlg: keyAlg(),
		Owner: room.Owner{JurisdictionCode: "450206", JurisdictionName: "柳州市柳江区", AgencyID: "lz-shifan", AgencyName: "柳州示范招标代理有限公司"},
	}, e.log, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	roomDone := make(chan struct{})
	go func() { defer close(roomDone); rm.Agent.Run(rctx) }()
	t.Cleanup(func() { stopRoom(); <-roomDone })
	e.client() // makes e.transport, which trusts the hub's CA
	now := time.Now()
	s, err := people.Seed(ctx, e.url(), e.transport, cast, now)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		State       string `json:"state"`
		BidDeadline string `json:"bid_deadline"`
		Lots        []any  `json:"lots"`
		Timetable   []struct {
			Step string  `json:"step"`
			Due  *string `json:"due"`
		} `json:"timetable"`
	}
	getJSON(t, e, fmt.Sprintf("%s/api/v1/projects/%d", e.url(), s.Project), &p)
	if len(p.Lots) != 2 {
		t.Fatalf("project: %+v", p)
	}
	switch p.State {
	case "tendering":
		want := now.In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 25).Format(time.DateOnly)
		if p.BidDeadline != want || s.BidDeadline != want {
			t.Fatalf("bid deadline %s (seed says %s), want %s", p.BidDeadline, s.BidDeadline, want)
		}
		if s.Challenge == 0 {
			t.Fatalf("no challenge waits for the agency: %+v", s)
		}
	case "planning":
		if !strings.Contains(s.Note, "calendar") {
			t.Fatalf("left in planning without the reason: %+v", s)
		}
	default:
		t.Fatalf("project state %s", p.State)
	}
	var ent struct {
		State string `json:"state"`
		Maker string `json:"maker"`
	}
	getJSON(t, e, fmt.Sprintf("%s/api/v1/entrustments/%d", e.url(), s.Waiting), &ent)
	if ent.State != "submitted" || ent.Maker != "buyer" {
		t.Fatalf("second entrustment: %+v", ent)
	}
	var trail []struct {
		Action string `json:"action"`
		Actor  string `json:"actor"`
	}
	res, err := e.clientAs(e.opToken).Get(e.url() + "/api/v1/audit?limit=200") // the operator sees every entry
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&trail); err != nil {
		t.Fatal(err)
	}
	by := map[string]string{}
	for _, a := range trail {
		by[a.Action] = a.Actor
	}
	want := map[string]string{"entrustment.create": "buyer", "entrustment.approve": "buyer-checker",
		"entrustment.accept": "agency", "project.create": "agency"}
	if s.Challenge != 0 {
		want["challenge.file"] = "supplier-desk"
	}
	for action, who := range want {
		if !strings.HasPrefix(by[action], who+"@") { // the actor is user@address
			t.Errorf("audit: %s by %q, want %s (%v)", action, by[action], who, by)
		}
	}
}

// addPerson makes a person who signs in with a password.
func addPerson(t *testing.T, e *hubEnv, name string, role auth.Role, scope string) people.Login {
	t.Helper()
	pw := "pw-" + name + "-0123456789"
	hash, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.hub.Store().AddUser(context.Background(), store.User{Username: name, Name: name, Role: string(role), Scope: scope, PassHash: hash}); err != nil {
		t.Fatal(err)
	}
	return people.Login{Username: name, Password: pw}
}
