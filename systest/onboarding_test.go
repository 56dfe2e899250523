package systest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/simulators/room"
)

// callJSON sends body (JSON) with client and decodes the answer into out;
// it returns the status.
func callJSON(t *testing.T, c *http.Client, method, url string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return res.StatusCode
}

type application struct {
	ID      int64    `json:"id"`
	State   string   `json:"state"`
	Reasons []string `json:"reasons"`
	Checks  []struct {
		Item  string `json:"item"`
		Pass  bool   `json:"pass"`
		Value string `json:"value"`
		By    string `json:"by"`
	} `json:"checks"`
}

// A room's device acceptance against a real hub and a real simulated room
// that records and uploads: the agency applies, the operator assigns a
// technician; a run with a camera unplugged through the simulator's
// control endpoint fails on exactly that camera; with it back, the hub's
// checks pass from the room's real state, the run passes, the operator
// publishes, and GET /api/v1/rooms shows the mark.
func TestRoomAcceptanceWithSimulatedRoom(t *testing.T) {
	e := startHub(t)
	st := e.hub.Store()
	token := func(name string, role auth.Role, scope string) *http.Client {
		tok, err := st.CreateAPIToken(e.ctx, store.APIToken{Name: name, Role: string(role), Scope: scope}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return e.clientAs(tok)
	}
	admin := token("ob-admin", auth.AgencyAdmin, "lz-ob")
	tech := token("ob-tech", auth.Technician, "room-ob")
	op := e.clientAs(e.opToken)

	ctx, cancel := context.WithCancel(context.Background())
	rm, err := room.New(ctx, room.Config{
		ID: "room-ob", Name: "第9评标室", Hub: e.url(), MQTT: e.cfg.MQTT, DataDir: room.Dir(t.TempDir(), "room-ob"), CAFile: e.caFile(),
		Token: e.opToken, Cameras: 2, Mics: 1, Width: 160, Height: 90, FPS: 5, Segment: time.Second, Report: time.Second, KeyAlg: keyAlg(),
		Owner: room.Owner{JurisdictionCode: "450206", JurisdictionName: "柳州市柳江区", AgencyID: "lz-ob", AgencyName: "柳州验收测试代理有限公司"},
	}, e.log, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); rm.Agent.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	control := httptest.NewServer(room.Control(map[string]*room.Room{"room-ob": rm}))
	t.Cleanup(control.Close)

	api := e.url() + "/api/v1"
	var a application
	if code := callJSON(t, admin, "POST", api+"/onboarding/applications", map[string]any{
		"room": "room-ob", "address": "柳州市柳江区拉堡镇柳堡路1号3楼", "contact": "张三 0772-1234567", "specialist": "李四",
		"equipment": []map[string]string{{"kind": "camera", "make": "海康威视", "model": "DS-2CD3T47", "serial": "C1"},
			{"kind": "camera", "make": "海康威视", "model": "DS-2CD3T47", "serial": "C2"}, {"kind": "microphone", "make": "得胜", "model": "PC-K600", "serial": "M1"}},
	}, &a); code != http.StatusCreated {
		t.Fatalf("apply: %d %+v", code, a)
	}
	app := fmt.Sprintf("%s/onboarding/applications/%d", api, a.ID)
	if code := callJSON(t, op, "POST", app+"/assign", map[string]any{"technicians": []string{"token:ob-tech"}}, &a); code != http.StatusOK || a.State != "assigned" {
		t.Fatalf("assign: %d %+v", code, a)
	}

	// streamState is a stream's state and whether its latest record at the
	// hub is media (not a gap).
	streamState := func(stream string) (string, bool) {
		var rooms []struct {
			ID      string `json:"id"`
			Online  bool   `json:"online"`
			Streams []struct{ ID, State string }
		}
		callJSON(t, op, "GET", api+"/rooms", nil, &rooms)
		state := ""
		for _, r := range rooms {
			for _, s := range r.Streams {
				if r.ID == "room-ob" && r.Online && s.ID == stream {
					state = s.State
				}
			}
		}
		var segs []struct{ Gap bool }
		callJSON(t, e.client(), "GET", fmt.Sprintf("%s/rooms/room-ob/streams/%s/segments?from=%s", api, stream,
			time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)), nil, &segs)
		return state, len(segs) > 0 && !segs[len(segs)-1].Gap
	}
	for _, s := range []string{"cam1", "cam2", "mic1"} {
		eventually(t, 30*time.Second, s+" ok and recorded at the hub", func() bool { st, rec := streamState(s); return st == "ok" && rec })
	}

	post := func(path string, body any) {
		t.Helper()
		if code := callJSON(t, tech, "POST", app+path, body, &a); code != http.StatusOK {
			t.Fatalf("POST %s: %d %+v", path, code, a)
		}
	}
	evidence := strings.Repeat("ab", 32)
	runAll := func() {
		t.Helper()
		post("/run", map[string]any{})
		for _, it := range []string{"e_signature", "e_seal", "video_conference", "remote_opening", "remote_evaluation"} {
			post("/items/"+it, map[string]any{"pass": true, "note": "现场测试通过", "evidence_sha256": evidence})
		}
		post("/finish", map[string]any{"form_sha256": evidence})
	}

	// cam2 unplugged: the run fails on cam2 and on nothing else of the hub's.
	if code := callJSON(t, http.DefaultClient, "POST", control.URL+"/rooms/room-ob/streams/cam2/fault", map[string]string{"fault": "unplug"}, nil); code != http.StatusOK {
		t.Fatalf("unplug: %d", code)
	}
	eventually(t, 30*time.Second, "cam2 absent at the hub", func() bool { st, _ := streamState("cam2"); return st == "absent" })
	runAll()
	if a.State != "failed" || !strings.Contains(strings.Join(a.Reasons, "\n"), "camera:cam2: absent") {
		t.Fatalf("run with cam2 unplugged: %+v", a)
	}
	var failedHub []string
	for _, c := range a.Checks {
		if c.By == "hub" && !c.Pass {
			failedHub = append(failedHub, c.Item)
		}
	}
	if fmt.Sprint(failedHub) != "[video_surveillance camera:cam2]" {
		t.Fatalf("hub checks failed: %v, want cam2's and the surveillance item naming it (%+v)", failedHub, a.Checks)
	}

	// cam2 back: every check the hub makes passes from the room's state.
	if code := callJSON(t, http.DefaultClient, "POST", control.URL+"/rooms/room-ob/streams/cam2/fault", map[string]string{"fault": "none"}, nil); code != http.StatusOK {
		t.Fatalf("plug in: %d", code)
	}
	eventually(t, 30*time.Second, "cam2 ok and recording again", func() bool { st, rec := streamState("cam2"); return st == "ok" && rec })
	runAll()
	if a.State != "passed" {
		t.Fatalf("run with every device: %+v", a)
	}
	hubChecks := 0
	for _, c := range a.Checks {
		if c.By == "hub" {
			hubChecks++
			if !c.Pass {
				t.Fatalf("hub check %s failed: %s", c.Item, c.Value)
			}
		}
	}
	if hubChecks < 7 { // box_online, video_surveillance, camera:cam1, camera:cam2, live_audio, microphone:mic1, recording_storage, live_video_regulator
		t.Fatalf("only %d hub checks: %+v", hubChecks, a.Checks)
	}
	if code := callJSON(t, op, "POST", app+"/publish", map[string]any{}, &a); code != http.StatusOK || a.State != "published" {
		t.Fatalf("publish: %d %+v", code, a)
	}
	var rooms []struct {
		ID   string `json:"id"`
		Mark *struct {
			Label, State string
			Application  int64
		} `json:"mark"`
	}
	callJSON(t, op, "GET", api+"/rooms", nil, &rooms)
	for _, r := range rooms {
		if r.ID == "room-ob" && (r.Mark == nil || r.Mark.Label != "可视化" || r.Mark.State != "published" || r.Mark.Application != a.ID) {
			t.Fatalf("room-ob's mark: %+v", r.Mark)
		}
	}
}
