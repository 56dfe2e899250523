package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
)

// A regulator's audit log shows the sign-ins of its jurisdiction's people
// and the decisions on its rooms' alerts (entries whose target is no room)
// and nothing of another jurisdiction's; the scope is derived when read,
// so the entries are written and hashed as before.
func TestAuditScopeFollowsPeopleAndAlerts(t *testing.T) {
	r := newAuthzRig(t)
	ctx := context.Background()
	if _, err := r.st.AddRoom(ctx, store.Room{ID: "room-4", Name: "四", Jurisdiction: store.Jurisdiction{Code: "450302", Name: "秀峰区"}, Agency: store.Agency{ID: "gl-c", Name: "C"}}); err != nil {
		t.Fatal(err)
	}
	other, err := r.st.InsertAlert(ctx, store.Alert{Room: "room-4", Stream: "cam1", Kind: "camera_black", Severity: "warning", State: store.AlertOpen, OpenedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	people := []struct {
		name  string
		role  auth.Role
		scope string
		city  bool // of 柳州市 (450200)
	}{
		{"reg-yj", auth.Regulator, "450206", true},
		{"reg-gl", auth.Regulator, "450300", false},
		{"reg-all", auth.Regulator, auth.AllJurisdictions, false},
		{"tech-1", auth.Technician, "room-1", true},
		{"tech-3", auth.Technician, "room-3", false},
		{"staff-b", auth.AgencyStaff, "lz-b", true},
		{"staff-c", auth.AgencyStaff, "gl-c", false},
	}
	for _, p := range people {
		addUser(t, r.st, p.name, "correct horse battery", p.role, p.scope)
		if res, body := call(t, browser(t), "POST", r.url+"/api/v1/login", `{"username":"`+p.name+`","password":"correct horse battery"}`, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("sign in %s: %d %s", p.name, res.StatusCode, body)
		}
	}
	call(t, browser(t), "POST", r.url+"/api/v1/login", `{"username":"nobody","password":"wrong"}`, nil)
	// Decisions as the alerts' handler writes them (hub/alerts: target alert/ID).
	for _, d := range []struct{ actor, target string }{
		{"token:operator@127.0.0.1", fmt.Sprintf("alert/%d", r.alert)},
		{"reg-yj@10.0.0.1", fmt.Sprintf("alert/%d", r.alert)},
		{"reg-gl@10.0.0.2", fmt.Sprintf("alert/%d", other.ID)},
		{"token:operator@127.0.0.1", fmt.Sprintf("alert/%d", other.ID)},
		{"token:operator@127.0.0.1", "alert/999999"},
	} {
		if _, err := r.audit.Record(ctx, d.actor, "alert.ack", d.target, "camera_black"); err != nil {
			t.Fatal(err)
		}
	}
	tokenOf := func(name, scope string) string {
		tok, err := r.st.CreateAPIToken(ctx, store.APIToken{Name: name, Role: string(auth.Regulator), Scope: scope}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	list := func(token, action string) []string {
		t.Helper()
		code, body := r.doAs(t, token, http.MethodGet, "/api/v1/audit?action="+action, "")
		if code != http.StatusOK {
			t.Fatalf("GET /api/v1/audit?action=%s: %d %s", action, code, body)
		}
		var es []struct{ Actor, Target string }
		jsonUnmarshal(body, &es)
		var out []string
		for _, e := range es {
			out = append(out, e.Actor+" "+e.Target)
		}
		slices.Sort(out)
		return out
	}
	var citySignIns, guilinSignIns []string
	for _, p := range people {
		e := fmt.Sprintf("%s@127.0.0.1 user/%s", p.name, p.name)
		switch {
		case p.city:
			citySignIns = append(citySignIns, e)
		case p.scope == "450300" || p.name == "staff-c":
			guilinSignIns = append(guilinSignIns, e)
		}
	}
	slices.Sort(citySignIns)
	slices.Sort(guilinSignIns)
	liuzhou, guilin := tokenOf("liuzhou", "450200"), tokenOf("guilin", "450300")
	for _, c := range []struct {
		who, token, action string
		want               []string
	}{
		{"柳州市", liuzhou, "user.signin", citySignIns},
		{"桂林市", guilin, "user.signin", guilinSignIns},
		{"柳州市", liuzhou, "alert.ack", []string{fmt.Sprintf("reg-yj@10.0.0.1 alert/%d", r.alert), fmt.Sprintf("token:operator@127.0.0.1 alert/%d", r.alert)}},
		{"桂林市", guilin, "alert.ack", []string{fmt.Sprintf("reg-gl@10.0.0.2 alert/%d", other.ID), fmt.Sprintf("token:operator@127.0.0.1 alert/%d", other.ID)}},
		{"柳州市", liuzhou, "user.signin_failed", nil},
	} {
		if got := list(c.token, c.action); !slices.Equal(got, c.want) {
			t.Errorf("%s's %s entries:\n got %q\nwant %q", c.who, c.action, got, c.want)
		}
	}
	// The operator reads them all; every entry still verifies.
	if got := list(r.token, "user.signin"); len(got) != len(people) {
		t.Errorf("the operator sees %d sign-ins, want %d", len(got), len(people))
	}
	if _, err := r.audit.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// A person of two jurisdictions (a technician of rooms in both) shows each
// regulator only what happened in its own rooms; and a room that happens
// to be called "user" does not make every user entry its own.
func TestAuditScopeKeepsOtherJurisdictionsRooms(t *testing.T) {
	r := newAuthzRig(t)
	ctx := context.Background()
	for _, id := range []string{"room-4", "user"} {
		if _, err := r.st.AddRoom(ctx, store.Room{ID: id, Name: id, Jurisdiction: store.Jurisdiction{Code: "450302", Name: "秀峰区"}, Agency: store.Agency{ID: "gl-c", Name: "C"}}); err != nil {
			t.Fatal(err)
		}
	}
	addUser(t, r.st, "tech-both", "correct horse battery", auth.Technician, "room-1,room-4")
	addUser(t, r.st, "reg-yj", "correct horse battery", auth.Regulator, "450206")
	for _, e := range []struct{ actor, action, target string }{
		{"tech-both@10.0.0.9", "live.view", "room-1"},
		{"tech-both@10.0.0.9", "live.view", "room-4"},
		{"tech-both@10.0.0.9", "segment.download", "room-4/cam1"},
		{"reg-yj@10.0.0.1", "user.signin", "user/reg-yj"},
	} {
		if _, err := r.audit.Record(ctx, e.actor, e.action, e.target, ""); err != nil {
			t.Fatal(err)
		}
	}
	tokenOf := func(name, scope string) string {
		tok, err := r.st.CreateAPIToken(ctx, store.APIToken{Name: name, Role: string(auth.Regulator), Scope: scope}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	targets := func(token string) []string {
		t.Helper()
		code, body := r.doAs(t, token, http.MethodGet, "/api/v1/audit?actor=", "")
		if code != http.StatusOK {
			t.Fatalf("GET /api/v1/audit: %d %s", code, body)
		}
		var es []struct{ Actor, Target string }
		jsonUnmarshal(body, &es)
		var out []string
		for _, e := range es {
			if e.Actor == "tech-both@10.0.0.9" || e.Actor == "reg-yj@10.0.0.1" {
				out = append(out, e.Target)
			}
		}
		slices.Sort(out)
		return out
	}
	if got, want := targets(tokenOf("liuzhou", "450200")), []string{"room-1", "user/reg-yj"}; !slices.Equal(got, want) {
		t.Errorf("柳州市 sees %q, want %q", got, want)
	}
	if got, want := targets(tokenOf("guilin", "450300")), []string{"room-4", "room-4/cam1"}; !slices.Equal(got, want) {
		t.Errorf("桂林市 sees %q, want %q", got, want)
	}
}
