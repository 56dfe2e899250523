package onboarding_test

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
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/hub/workday"
	"github.com/evalroom/evalroom/protocol"
)

// rig is onboarding mounted on the real API (its guard, the real audit log)
// over a database in a temp dir, on a fixed clock, with room-1 of agency
// lz-a in 450206 and room-2 of lz-b.
type rig struct {
	url    string
	st     *store.Store
	fleet  *fleet.Fleet
	audit  *audit.Log
	onb    *onboarding.HTTP
	now    time.Time
	tokens map[string]string
	seq    uint64 // the last record's sequence number per stream
}

var people = map[string]struct {
	role  auth.Role
	scope string
}{
	"admin":           {auth.AgencyAdmin, "lz-a"},
	"staff":           {auth.AgencyStaff, "lz-a"},
	"staff2":          {auth.AgencyStaff, "lz-a"},
	"other-admin":     {auth.AgencyAdmin, "lz-b"},
	"operator":        {auth.Operator, ""},
	"tech":            {auth.Technician, "room-1"},
	"tech2":           {auth.Technician, "room-1"},
	"other-tech":      {auth.Technician, "room-2"},
	"regulator":       {auth.Regulator, "450200"},
	"other-regulator": {auth.Regulator, "110101"},
	"purchaser":       {auth.Purchaser, "lj-school"},
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
	r := &rig{st: st, audit: au, tokens: map[string]string{}, fleet: fleet.New(time.Hour, log, nil), now: mustTime(t, now)}
	for _, rm := range []store.Room{
		{ID: "room-1", Name: "第1评标室", Jurisdiction: store.Jurisdiction{Code: "450206", Name: "柳江区"}, Agency: store.Agency{ID: "lz-a", Name: "A"}},
		{ID: "room-2", Name: "第2评标室", Jurisdiction: store.Jurisdiction{Code: "450202", Name: "城中区"}, Agency: store.Agency{ID: "lz-b", Name: "B"}},
	} {
		if _, err := st.AddRoom(ctx, rm); err != nil {
			t.Fatal(err)
		}
	}
	db, err := onboarding.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(st, r.fleet, nil, au, log, time.Hour)
	r.onb = onboarding.NewHTTP(onboarding.Options{DB: db, Rooms: st, Users: st, Fleet: r.fleet, Calendars: workday.New(), Access: a,
		Audit: au, Now: func() time.Time { return r.now }, Log: log})
	a.Mount(r.onb).WithMarks(r.onb.RoomMarks)
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
	return r
}

// healthy makes room-1's box enrolled, online with cam1, cam2 and mic1
// (cam2 in state cam2State), each stream's latest record verified and
// recent on the rig's clock.
func (r *rig) healthy(t *testing.T, cam2State string) {
	t.Helper()
	ctx := context.Background()
	if r.seq == 0 {
		tok, _, err := r.st.IssueToken(ctx, "room-1", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.st.Enroll(ctx, tok, "ed25519:AAAA"); err != nil {
			t.Fatal(err)
		}
	}
	r.seq++
	devs := []protocol.DeviceState{
		{Stream: "cam1", Kind: protocol.KindVideo, Device: "sim", State: protocol.StateOK},
		{Stream: "cam2", Kind: protocol.KindVideo, Device: "sim", State: cam2State},
		{Stream: "mic1", Kind: protocol.KindAudio, Device: "sim", State: protocol.StateOK},
	}
	if cam2State != protocol.StateOK {
		devs[1].Reason = "device unplugged"
	}
	b, err := protocol.Encode(&protocol.Health{V: protocol.Version, Room: "room-1", Time: time.Now(), Devices: devs})
	if err != nil {
		t.Fatal(err)
	}
	r.fleet.Handle(protocol.RoomTopic("room-1", protocol.TopicHealth), b)
	for _, d := range devs {
		seg := store.Segment{Room: "room-1", Stream: d.Stream, Seq: r.seq, LastSeq: r.seq, Record: "r", Start: r.now.Add(-4 * time.Second),
			End: r.now.Add(-2 * time.Second), Hash: "h" + d.Stream, Chain: "c", Path: "p", Verified: true}
		if err := r.st.InsertSegment(ctx, seg, false); err != nil {
			t.Fatal(err)
		}
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
		var list []any
		json.Unmarshal(b, &list)
		out["list"] = list
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

const application = `{"room": "room-1", "address": "柳州市柳江区拉堡镇柳堡路1号三楼", "contact": "王芳 0772-1234567",
	"specialist": "李强", "equipment": [{"kind": "camera", "make": "海康威视", "model": "DS-2CD3T47", "serial": "HK001"},
	{"kind": "e_seal", "make": "数字认证", "model": "ES-100", "serial": "ES9"}]}`

const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
