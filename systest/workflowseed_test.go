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
)

// TestDemoWorkflowSeed runs the demo's seed (evalroom-sim workflow) against
// a real hub over HTTPS: the cast sign in with their passwords and put one
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
		pw := "pw-" + p.name + "-0123456789"
		hash, err := auth.HashPassword(pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.hub.Store().AddUser(ctx, store.User{Username: p.name, Name: p.name, Role: string(p.role), Scope: p.scope, PassHash: hash}); err != nil {
			t.Fatal(err)
		}
		*p.login = people.Login{Username: p.name, Password: pw}
	}
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
