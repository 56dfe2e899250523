package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/live"
	"github.com/evalroom/evalroom/protocol"
)

// TestSubStreamOverWebSocket: a page that watches "room/stream/sub" makes
// the hub lease the box's sub-stream (not its main stream), gets sub frames
// only, and switching to the main stream ends the sub lease; the audit log
// names the stream and the rendition.
func TestSubStreamOverWebSocket(t *testing.T) {
	rg := newRig(t)
	ctx := context.Background()
	if err := rg.st.CreateRoom(ctx, "room-1", "第1评标室"); err != nil {
		t.Fatal(err)
	}
	lb := &loopBus{}
	cmds := make(chan protocol.Command, 16)
	if err := lb.Subscribe(protocol.RoomTopic("room-1", protocol.TopicCmd), func(_ string, b []byte) {
		var c protocol.Command
		if err := protocol.Decode(b, &c); err != nil {
			t.Error(err)
		}
		cmds <- c
	}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	lh := live.New(lb, log, nil)
	if err := lh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lh.Close)
	a := New(rg.st, rg.fleet, lh, rg.audit, log, time.Hour)
	reg := auth.Principal{User: "li-jian", Name: "李建", Role: auth.Regulator, Scope: auth.AllJurisdictions}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.ws(w, r.WithContext(auth.With(r.Context(), reg)))
	}))
	t.Cleanup(srv.Close)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	next := func(what string) protocol.Command {
		t.Helper()
		select {
		case c := <-cmds:
			return c
		case <-time.After(10 * time.Second):
			t.Fatalf("no live command: %s", what)
		}
		return protocol.Command{}
	}
	if err := conn.WriteJSON(watchMsg{Watch: []string{"room-1/cam1/sub", "room-1/cam1/hd", "room-1/cam1/sub/x"}}); err != nil {
		t.Fatal(err)
	}
	if c := next("sub-stream on"); c.Kind != protocol.CmdLive || c.Stream != "cam1" || c.Rendition != protocol.RenditionSub || !c.On {
		t.Fatalf("first command %+v, want the sub-stream of cam1 on", c)
	}
	if n := lh.ViewersOf("room-1", "cam1", protocol.RenditionSub); n != 1 || lh.Viewers("room-1", "cam1") != 0 {
		t.Fatalf("%d sub viewers and %d main viewers, want 1 and 0", n, lh.Viewers("room-1", "cam1"))
	}
	publish := func(rendition string, seq uint64) {
		b, err := protocol.EncodeLive(protocol.LiveHeader{Room: "room-1", Stream: "cam1", Rendition: rendition, Seq: seq, Codec: protocol.CodecMJPEG}, []byte("jpeg"))
		if err != nil {
			t.Fatal(err)
		}
		lb.Publish(protocol.LiveTopic("room-1", "cam1"), b, 0, false)
	}
	publish(protocol.RenditionMain, 1)
	publish(protocol.RenditionSub, 2)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := protocol.DecodeLive(msg)
	if err != nil || h.Rendition != protocol.RenditionSub || h.Seq != 2 {
		t.Fatalf("first frame on the socket %+v (%v), want sub frame 2 (the main frame is nobody's)", h, err)
	}

	if err := conn.WriteJSON(watchMsg{Watch: []string{"room-1/cam1"}}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for range 2 {
		c := next("main on, sub off")
		got[c.Rendition+"/"+map[bool]string{true: "on", false: "off"}[c.On]] = true
	}
	if !got["/on"] || !got["sub/off"] {
		t.Fatalf("commands %v, want the main stream on and the sub-stream off", got)
	}
	entries, err := rg.audit.List(ctx, audit.Filter{Action: audit.LiveView})
	if err != nil {
		t.Fatal(err)
	}
	details := map[string]bool{}
	for _, e := range entries {
		if e.Target != "room-1" {
			t.Errorf("a live view audited as %q, want room-1 (one entry per room viewing)", e.Target)
		}
		details[e.Detail] = true
	}
	if !details[`{"via":"websocket","sub":["cam1"]}`] || !details[`{"via":"websocket","streams":["cam1"]}`] || len(entries) != 2 {
		t.Fatalf("audit details %v in %d entries, want one sub-stream view and one main view", details, len(entries))
	}
}
