package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/procurement"
	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/hub/workday"
	"github.com/evalroom/evalroom/protocol"
)

// rig is the API over a real database in a temp dir, a fleet fed messages
// by hand and the real audit log.
type rig struct {
	url   string
	st    *store.Store
	fleet *fleet.Fleet
	audit *audit.Log
	// token is sent by do: an operator's, unless a test changes it;
	// regulator is a regulator's of every jurisdiction.
	token, regulator string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	au, err := audit.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	fl := fleet.New(time.Minute, log, nil)
	mux := http.NewServeMux()
	newAPI(st, fl, au).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r := &rig{url: srv.URL, st: st, fleet: fl, audit: au}
	r.token = r.tokenFor(t, auth.Operator, "")
	r.regulator = r.tokenFor(t, auth.Regulator, auth.AllJurisdictions)
	return r
}

// newAPI is the API as the hub mounts it, with its domains (alerts
// without an engine: the tests decide on no alert).
func newAPI(st *store.Store, fl *fleet.Fleet, au *audit.Log) *API {
	log := slog.New(slog.DiscardHandler)
	a := New(st, fl, nil, au, log, time.Hour)
	work, err := procurement.Open(context.Background(), st.DB())
	if err != nil {
		panic(err)
	}
	onb, err := onboarding.Open(context.Background(), st.DB())
	if err != nil {
		panic(err)
	}
	o := onboarding.NewHTTP(onboarding.Options{DB: onb, Rooms: st, Users: st, Fleet: fl, Calendars: workday.New(), Access: a, Audit: au, Log: log})
	return a.Mount(alerts.NewHTTP(st, nil, a, log), procurement.NewHTTP(procurement.Options{
		DB: work, Rules: rules.Shipped(), Calendars: workday.New(), Access: a, Agencies: o, Log: log}), o)
}

// tokenFor makes an API token named for its role.
func (r *rig) tokenFor(t *testing.T, role auth.Role, scope string) string {
	t.Helper()
	tok, err := r.st.CreateAPIToken(context.Background(), store.APIToken{Name: string(role), Role: string(role), Scope: scope}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// do sends a request with r.token and returns the status and the body.
func (r *rig) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	return r.doAs(t, r.token, method, path, body)
}

// doAs sends a request with token ("" for none).
func (r *rig) doAs(t *testing.T, token, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// send hands the fleet a message as if the room's box had published it.
func (r *rig) send(t *testing.T, kind string, m protocol.Message) {
	t.Helper()
	b, err := protocol.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	var room struct{ Room string }
	json.Unmarshal(b, &room)
	r.fleet.Handle(protocol.RoomTopic(room.Room, kind), b)
}

func (r *rig) online(t *testing.T, room string, devs ...protocol.DeviceState) {
	t.Helper()
	r.send(t, protocol.TopicHealth, &protocol.Health{V: protocol.Version, Room: room, Time: time.Now(), Devices: devs})
}

// trail is the audit log, oldest first, as "action target: detail".
func (r *rig) trail(t *testing.T) []string {
	t.Helper()
	list, err := r.audit.List(context.Background(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Action+" "+list[i].Target+": "+list[i].Detail)
	}
	return out
}

func (r *rig) add(t *testing.T, body string) {
	t.Helper()
	if code, b := r.do(t, http.MethodPost, "/api/v1/rooms", body); code != http.StatusCreated {
		t.Fatalf("POST /api/v1/rooms %s: %d %s", body, code, b)
	}
}

func ids(t *testing.T, body string) string {
	t.Helper()
	var rooms []Room
	if err := json.Unmarshal([]byte(body), &rooms); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var out []string
	for _, rm := range rooms {
		out = append(out, rm.ID)
	}
	return strings.Join(out, ",")
}
