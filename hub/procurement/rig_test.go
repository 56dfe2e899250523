package procurement_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/api"
	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/procurement"
	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/hub/workday"
)

// rig is the workflow mounted on the real API (its guard, the real audit
// log) over a database in a temp dir, on a fixed clock.
type rig struct {
	url    string
	onb    *onboarding.HTTP
	st     *store.Store
	audit  *audit.Log
	now    time.Time
	tokens map[string]string
}

// people are the tokens the tests act with: two people of unit lj-school
// (maker, checker), another unit, the agency and another, regulators.
var people = map[string]struct {
	role  auth.Role
	scope string
}{
	"maker":           {auth.Purchaser, "lj-school"},
	"checker":         {auth.Purchaser, "lj-school"},
	"other-unit":      {auth.Purchaser, "lz-hospital"},
	"no-unit":         {auth.Purchaser, ""},
	"agency":          {auth.AgencyStaff, "lz-a"},
	"other-agency":    {auth.AgencyStaff, "lz-b"},
	"regulator":       {auth.Regulator, "450200"},
	"other-regulator": {auth.Regulator, "110101"},
	"operator":        {auth.Operator, ""},
	"expert":          {auth.Expert, ""},
	"supplier":        {auth.Supplier, "gx-desk"},
	"other-supplier":  {auth.Supplier, "gx-other"},
}

func newRig(t *testing.T, now string) *rig {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	au, err := audit.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	r := &rig{st: st, audit: au, tokens: map[string]string{}}
	r.now, err = time.ParseInLocation(time.DateTime, now, workday.China)
	if err != nil {
		t.Fatal(err)
	}
	db, err := procurement.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	odb, err := onboarding.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	fl := fleet.New(time.Minute, log, nil)
	a := api.New(st, fl, nil, au, log, time.Hour)
	clock := func() time.Time { return r.now }
	r.onb = onboarding.NewHTTP(onboarding.Options{DB: odb, Rooms: st, Users: st, Fleet: fl, Calendars: workday.New(), Access: a,
		Audit: au, Now: clock, Log: log})
	a.Mount(procurement.NewHTTP(procurement.Options{DB: db, Rules: rules.Shipped(), Calendars: workday.New(), Access: a,
		Agencies: r.onb, Now: clock, Log: log}), r.onb)
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	for name, p := range people {
		tok, err := st.CreateAPIToken(ctx, store.APIToken{Name: name, Role: string(p.role), Scope: p.scope}, 0)
		if err != nil {
			t.Fatal(err)
		}
		r.tokens[name] = tok
	}
	r.qualify(t, "lz-a")
	return r
}

// qualify makes agency qualified through onboarding's own records: a room
// with a published 可视化 mark, five staff who passed the exam, and a
// device specialist (lz-b stays unqualified).
func (r *rig) qualify(t *testing.T, agency string) {
	t.Helper()
	ctx := context.Background()
	room := agency + "-room"
	if _, err := r.st.AddRoom(ctx, store.Room{ID: room, Name: room, Jurisdiction: store.Jurisdiction{Code: "450206", Name: "柳江区"},
		Agency: store.Agency{ID: agency, Name: agency}}); err != nil {
		t.Fatal(err)
	}
	id, err := r.onb.DB.Insert(ctx, onboarding.Application{Room: room, Agency: agency, Jurisdiction: "450206", Address: "a",
		Contact: "c", Specialist: agency + "-6", State: onboarding.Applied, Applicant: "admin", AppliedAt: r.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.onb.DB.Move(ctx, id, onboarding.Applied, onboarding.Published, onboarding.Change{Decided: true, Published: true}, r.now); err != nil {
		t.Fatal(err)
	}
	var staff []string
	for i := 1; i <= 6; i++ {
		u := agency + "-" + strconv.Itoa(i)
		if err := r.st.AddUser(ctx, store.User{Username: u, Name: u, Role: string(auth.AgencyStaff), Scope: agency}); err != nil {
			t.Fatal(err)
		}
		if i == 6 {
			break
		}
		staff = append(staff, u)
		a := onboarding.Attempt{User: u, Agency: agency, StartedAt: r.now, Deadline: r.now, Questions: []onboarding.Question{{}}, Answers: []onboarding.Answer{{}}}
		if a.ID, err = r.onb.DB.InsertAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
		a.FinishedAt, a.Score, a.Passed = &r.now, 80, true
		if err := r.onb.DB.Finish(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.onb.DB.SetStaff(ctx, agency, staff, "admin", r.now); err != nil {
		t.Fatal(err)
	}
	if err := r.onb.DB.SetSpecialist(ctx, agency, agency+"-6", "admin", r.now); err != nil {
		t.Fatal(err)
	}
}

// do sends body as who and returns the status and the decoded body.
func (r *rig) do(t *testing.T, who, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.tokens[who])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := map[string]any{}
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	} else {
		out["list"] = string(b)
	}
	return res.StatusCode, out
}

// must sends and fails unless the status is want.
func (r *rig) must(t *testing.T, want int, who, method, path, body string) map[string]any {
	t.Helper()
	code, out := r.do(t, who, method, path, body)
	if code != want {
		t.Fatalf("%s %s as %s: %d %v, want %d", method, path, who, code, out, want)
	}
	return out
}

// trail is the audit log's actions and targets, oldest first.
func (r *rig) trail(t *testing.T) []string {
	t.Helper()
	list, err := r.audit.List(context.Background(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Action+" "+list[i].Target)
	}
	return out
}

const goods = `{"title": "柳江区实验学校课桌椅采购", "category": "goods", "budget": 800000, "agency": "lz-a",
	"jurisdiction": "450206", "plan_line": "LJ-2026-0042", "method": "open_tender"}`

// accepted makes an entrustment of body and takes it to accepted.
func (r *rig) accepted(t *testing.T, body string) string {
	t.Helper()
	e := r.must(t, http.StatusCreated, "maker", "POST", "/api/v1/entrustments", body)
	id := "/api/v1/entrustments/" + num(e["id"])
	r.must(t, http.StatusOK, "maker", "POST", id+"/submit", `{}`)
	r.must(t, http.StatusOK, "checker", "POST", id+"/review", `{"approve": true}`)
	r.must(t, http.StatusOK, "agency", "POST", id+"/accept", `{}`)
	return id
}

// num is a JSON number id as it goes in a path.
func num(v any) string {
	f, _ := v.(float64)
	return strconv.FormatInt(int64(f), 10)
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(time.DateTime, s, workday.China)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
