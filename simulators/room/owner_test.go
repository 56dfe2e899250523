package room

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// fakeHub answers the rooms API the way the hub does and notes every
// request as "METHOD path body".
type fakeHub struct {
	mu    sync.Mutex
	known map[string]bool // rooms the hub has
	log   []string
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, r.Method+" "+r.URL.Path+" "+string(b))
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/rooms":
		if h.known["room-1"] {
			w.WriteHeader(http.StatusConflict)
			return
		}
		h.known["room-1"] = true
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"room":"room-1","token":"t1"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/rooms/room-1/token":
		io.WriteString(w, `{"room":"room-1","token":"t2"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/enroll":
		io.WriteString(w, `{"room":"room-1","name":"第1评标室"}`)
	case r.Method == http.MethodPatch && r.URL.Path == "/api/v1/rooms/room-1":
		io.WriteString(w, `{"id":"room-1"}`)
	default:
		http.NotFound(w, r)
	}
}

func (h *fakeHub) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.log
	h.log = nil
	for i, l := range out {
		if strings.HasPrefix(l, "POST /api/v1/enroll ") {
			out[i] = "POST /api/v1/enroll" // the key differs every run
		}
	}
	return out
}

func TestOwnerReachesTheHub(t *testing.T) {
	const owner = `"jurisdiction":{"code":"450206","name":"柳州市柳江区"},"agency":{"id":"lz-shifan","name":"柳州示范招标代理有限公司"}`
	hub := &fakeHub{known: map[string]bool{}}
	srv := httptest.NewServer(hub)
	defer srv.Close()
	cfg := Config{ID: "room-1", Name: "第1评标室", Hub: srv.URL, MQTT: "127.0.0.1:1", Cameras: 1,
		Owner: Owner{JurisdictionCode: "450206", JurisdictionName: "柳州市柳江区", AgencyID: "lz-shifan", AgencyName: "柳州示范招标代理有限公司"}}
	log := slog.New(slog.DiscardHandler)
	start := func(dir string) {
		t.Helper()
		c := cfg
		c.DataDir = dir
		r, err := New(context.Background(), c, log, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Agent.Spool().Close()
	}
	for _, step := range []struct {
		name string
		dir  string
		want []string
	}{
		{"a new room carries its owner", t.TempDir(), []string{
			`POST /api/v1/rooms {"id":"room-1","name":"第1评标室",` + owner + `}`, "POST /api/v1/enroll"}},
		{"a room the hub has gets it set", t.TempDir(), []string{
			`POST /api/v1/rooms {"id":"room-1","name":"第1评标室",` + owner + `}`, "POST /api/v1/rooms/room-1/token ", "POST /api/v1/enroll",
			`PATCH /api/v1/rooms/room-1 {` + owner + `}`}},
	} {
		start(step.dir)
		if got := hub.take(); !reflect.DeepEqual(got, step.want) {
			t.Fatalf("%s:\n got %q\nwant %q", step.name, got, step.want)
		}
		// A restart of an enrolled room sets it again (the hub may be
		// older than owners), and one with the hub away still starts.
		start(step.dir)
		if got, want := hub.take(), []string{`PATCH /api/v1/rooms/room-1 {` + owner + `}`}; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, restart:\n got %q\nwant %q", step.name, got, want)
		}
	}
	// An enrolled room starts while the hub is away.
	dir := t.TempDir()
	start(dir)
	hub.take()
	srv.Close()
	start(dir)
}
