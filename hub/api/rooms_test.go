package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

const (
	j1 = `{"code": "450206", "name": "柳州市柳江区"}`
	j2 = `{"code": "450202", "name": "柳州市城中区"}`
	a1 = `{"id": "lz-shifan", "name": "柳州示范招标代理有限公司"}`
	a2 = `{"id": "gx-yangli", "name": "广西样例项目管理有限公司"}`
)

func TestListRoomsFilters(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.add(t, `{"id": "room-1", "name": "第1评标室", "jurisdiction": `+j1+`, "agency": `+a1+`}`)
	r.add(t, `{"id": "room-2", "name": "第2评标室", "jurisdiction": `+j2+`, "agency": `+a1+`}`)
	r.add(t, `{"id": "room-3", "name": "第3评标室", "jurisdiction": {"code": "450206"}, "agency": `+a2+`}`)
	r.add(t, `{"id": "room-4", "name": "第4评标室"}`)
	r.add(t, `{"id": "room-5", "name": "第5评标室", "jurisdiction": {"code": "450202"}, "agency": {"id": "gx-yangli"}}`)
	r.add(t, `{"id": "room-6", "name": "第6评标室", "jurisdiction": {"code": "450202"}, "agency": {"id": "gx-yangli"}}`)

	cam := protocol.DeviceState{Stream: "cam1", Kind: protocol.KindVideo, State: protocol.StateOK}
	r.online(t, "room-1", cam)
	absent := cam
	absent.State, absent.Reason = protocol.StateAbsent, "unplugged"
	r.online(t, "room-2", absent)
	// room-3 never spoke: offline.
	r.online(t, "room-4", cam)
	if _, err := r.st.InsertAlert(ctx, store.Alert{Room: "room-4", Kind: "disk_low", Severity: "warning", State: store.AlertAcked, OpenedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	r.online(t, "room-5", cam)
	r.send(t, protocol.TopicTelemetry, &protocol.Telemetry{V: protocol.Version, Room: "room-5", Time: time.Now(), OldestUnsentSeconds: 120})
	black := cam
	black.Quality = &protocol.Quality{Signals: []string{protocol.SignalBlack}}
	r.online(t, "room-6", black)
	if _, err := r.st.InsertAlert(ctx, store.Alert{Room: "room-6", Kind: "camera_black", Severity: "warning", State: store.AlertResolved, OpenedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		query string
		want  string // ids, or the start of the error
		code  int
	}{
		{"", "room-1,room-2,room-3,room-4,room-5,room-6", 200},
		{"?jurisdiction=450206", "room-1,room-3", 200},
		{"?agency=lz-shifan", "room-1,room-2", 200},
		{"?jurisdiction=450202&agency=lz-shifan", "room-2", 200},
		{"?jurisdiction=-", "room-4", 200},
		{"?agency=-&jurisdiction=450206", "", 200},
		{"?jurisdiction=110000", "", 200},
		{"?state=online", "room-1,room-2,room-4,room-5,room-6", 200},
		{"?state=offline", "room-3", 200},
		{"?state=alert", "room-4", 200},
		{"?state=problems", "room-2,room-3,room-4,room-5,room-6", 200},
		{"?state=problems&jurisdiction=450206", "room-3", 200},
		{"?state=online&agency=gx-yangli", "room-5,room-6", 200},
		{"?jurisdiction=4502", "jurisdiction must be a 6-digit", 400},
		{"?jurisdiction=柳江", "jurisdiction must be a 6-digit", 400},
		{"?agency=a%2Fb", "agency must be an agency id", 400},
		{"?state=red", "state must be online, offline, alert", 400},
	} {
		t.Run(tc.query, func(t *testing.T) {
			code, body := r.do(t, http.MethodGet, "/api/v1/rooms"+tc.query, "")
			if code != tc.code {
				t.Fatalf("%d %s", code, body)
			}
			if code != 200 {
				var e map[string]string
				if json.Unmarshal([]byte(body), &e); !strings.HasPrefix(e["error"], tc.want) {
					t.Fatalf("error %q, want %q…", e["error"], tc.want)
				}
				return
			}
			if got := ids(t, body); got != tc.want {
				t.Fatalf("rooms %s, want %s", got, tc.want)
			}
		})
	}

	// Each room carries its owner; a room without one shows null.
	_, body := r.do(t, http.MethodGet, "/api/v1/rooms?jurisdiction=450206", "")
	var got []map[string]any
	json.Unmarshal([]byte(body), &got)
	want := []map[string]any{
		{"jurisdiction": map[string]any{"code": "450206", "name": "柳州市柳江区"}, "agency": map[string]any{"id": "lz-shifan", "name": "柳州示范招标代理有限公司"}},
		{"jurisdiction": map[string]any{"code": "450206", "name": "柳州市柳江区"}, "agency": map[string]any{"id": "gx-yangli", "name": "广西样例项目管理有限公司"}},
	}
	for i := range want {
		for k, v := range want[i] {
			if !reflect.DeepEqual(got[i][k], v) {
				t.Errorf("room %v %s = %v, want %v", got[i]["id"], k, got[i][k], v)
			}
		}
	}
	_, body = r.do(t, http.MethodGet, "/api/v1/rooms?jurisdiction=-", "")
	if !strings.Contains(body, `"jurisdiction":null,"agency":null`) {
		t.Errorf("a room without an owner: %s", body)
	}
}

func TestCreateRoomValidation(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		code       int
		field      string // of the 400
		detail     string // of the room.create entry
	}{
		{"no owner", `{"id": "room-1", "name": "第1评标室"}`, 201, "", "第1评标室"},
		{"owner", `{"id": "room-1", "name": "第1评标室", "jurisdiction": ` + j1 + `, "agency": ` + a2 + `}`, 201, "",
			"第1评标室; jurisdiction: 450206 柳州市柳江区; agency: gx-yangli 广西样例项目管理有限公司"},
		{"bad code", `{"id": "room-1", "name": "x", "jurisdiction": {"code": "45O206", "name": "x"}}`, 400, "jurisdiction.code", ""},
		{"new code without a name", `{"id": "room-1", "name": "x", "jurisdiction": {"code": "450206"}}`, 400, "jurisdiction.name", ""},
		{"empty jurisdiction", `{"id": "room-1", "name": "x", "jurisdiction": {}}`, 400, "jurisdiction.code", ""},
		{"agency without id", `{"id": "room-1", "name": "x", "agency": {"name": "某公司"}}`, 400, "agency.id", ""},
		{"unknown field", `{"id": "room-1", "name": "x", "agency": {"id": "a", "name": "b", "boss": "c"}}`, 400, "", ""},
		{"no name", `{"id": "room-1"}`, 400, "name", ""},
		{"bad id", `{"id": "Room 1", "name": "x"}`, 400, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			code, body := r.do(t, http.MethodPost, "/api/v1/rooms", tc.body)
			if code != tc.code {
				t.Fatalf("%d %s", code, body)
			}
			var e map[string]string
			json.Unmarshal([]byte(body), &e)
			if code != 201 {
				if e["field"] != tc.field || e["error"] == "" {
					t.Fatalf("field %q error %q, want field %q", e["field"], e["error"], tc.field)
				}
				if trail := r.trail(t); len(trail) != 0 {
					t.Fatalf("a refused room was audited: %v", trail)
				}
				if _, err := r.st.Room(context.Background(), "room-1"); err == nil {
					t.Fatal("a refused room was stored")
				}
				return
			}
			if e["token"] == "" {
				t.Fatalf("no token: %s", body)
			}
			if trail, want := r.trail(t), []string{"room.create room-1: " + tc.detail}; !reflect.DeepEqual(trail, want) {
				t.Fatalf("audit %q, want %q", trail, want)
			}
		})
	}
}

func TestUpdateRoom(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		code       int
		field      string   // of a 400
		after      string   // jurisdiction and agency after, "code/id"
		audit      []string // entries after the two creations
	}{
		{"set the owner", `{"jurisdiction": ` + j2 + `, "agency": ` + a2 + `}`, 200, "", "450202/gx-yangli",
			[]string{"room.update room-1: jurisdiction: 450206 柳州市柳江区 → 450202 柳州市城中区; agency: lz-shifan 柳州示范招标代理有限公司 → gx-yangli 广西样例项目管理有限公司"}},
		{"known code, no name", `{"agency": {"id": "lz-shifan"}, "jurisdiction": {"code": "450206"}}`, 200, "", "450206/lz-shifan", nil},
		{"clear the agency", `{"agency": null}`, 200, "", "450206/",
			[]string{"room.update room-1: agency: lz-shifan 柳州示范招标代理有限公司 → (none)"}},
		{"rename the room", `{"name": "开标室A"}`, 200, "", "450206/lz-shifan",
			[]string{"room.update room-1: name: 第1评标室 → 开标室A"}},
		{"another name renames the agency everywhere", `{"agency": {"id": "lz-shifan", "name": "柳州示范招标有限公司"}}`, 200, "", "450206/lz-shifan",
			[]string{"agency.rename lz-shifan: 柳州示范招标代理有限公司 → 柳州示范招标有限公司 (2 rooms)"}},
		{"bad code", `{"jurisdiction": {"code": "4502060", "name": "x"}}`, 400, "jurisdiction.code", "", nil},
		{"new agency without a name", `{"agency": {"id": "new-agency"}}`, 400, "agency.name", "", nil},
		{"empty agency", `{"agency": {}}`, 400, "agency.id", "", nil},
		{"empty name", `{"name": ""}`, 400, "name", "", nil},
		{"nothing to change", `{}`, 400, "", "", nil},
		{"unknown field", `{"owner": "x"}`, 400, "", "", nil},
		{"unknown field inside", `{"jurisdiction": {"code": "450206", "level": "district"}}`, 400, "", "", nil},
		{"not JSON", `jurisdiction=450206`, 400, "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.add(t, `{"id": "room-1", "name": "第1评标室", "jurisdiction": `+j1+`, "agency": `+a1+`}`)
			r.add(t, `{"id": "room-2", "name": "第2评标室", "agency": {"id": "lz-shifan"}}`)
			before := r.trail(t)
			code, body := r.do(t, http.MethodPatch, "/api/v1/rooms/room-1", tc.body)
			if code != tc.code {
				t.Fatalf("%d %s", code, body)
			}
			if code != 200 {
				var e map[string]string
				json.Unmarshal([]byte(body), &e)
				if e["field"] != tc.field || e["error"] == "" {
					t.Fatalf("field %q error %q, want field %q", e["field"], e["error"], tc.field)
				}
			} else {
				var rm Room
				if err := json.Unmarshal([]byte(body), &rm); err != nil {
					t.Fatal(err)
				}
				got := ""
				if rm.Jurisdiction != nil {
					got = rm.Jurisdiction.Code
				}
				got += "/"
				if rm.Agency != nil {
					got += rm.Agency.ID
				}
				if got != tc.after || rm.ID != "room-1" {
					t.Fatalf("room after: %s, want %s", body, tc.after)
				}
			}
			if got := r.trail(t)[len(before):]; !reflect.DeepEqual(got, tc.audit) && len(got)+len(tc.audit) > 0 {
				t.Fatalf("audit entries %q, want %q", got, tc.audit)
			}
		})
	}
}

func TestUpdateUnknownRoom(t *testing.T) {
	r := newRig(t)
	for path, want := range map[string]int{"/api/v1/rooms/room-9": 404, "/api/v1/rooms/Room%209": 400} {
		if code, body := r.do(t, http.MethodPatch, path, `{"name": "x"}`); code != want {
			t.Errorf("PATCH %s: %d %s, want %d", path, code, body, want)
		}
	}
}
