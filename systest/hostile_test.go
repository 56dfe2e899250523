package systest

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/room"
)

// TestHostileClients sends a real hub on HTTPS what an attacker or a broken
// client would: spent and expired enrollment tokens, an upload over the
// size limit, headers over the limit, a client that never finishes its
// headers, a body of the wrong JSON. Each gets a clear refusal and nothing
// changes.
func TestHostileClients(t *testing.T) {
	e := &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: t.TempDir(), HTTP: anyPort, MQTT: anyPort, ReadHeaderTimeout: time.Second,
	}}
	e.start()
	t.Cleanup(e.shutdown)
	rs := startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	ctx := context.Background()
	st := e.hub.Store()
	before, err := st.Room(ctx, "room-1")
	if err != nil {
		t.Fatal(err)
	}

	tls1 := boxTLS(t, room.Dir(rs.dir, "room-1"), e.caFile())
	t.Run("upload over the size limit", func(t *testing.T) {
		big := bytes.Repeat([]byte{1}, protocol.MaxSegmentSize+1)
		req, _ := http.NewRequest(http.MethodPut, e.url()+"/api/v1/ingest/room-1/cam7/0", bytes.NewReader(big))
		res, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: tls1}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d, want 413", res.StatusCode)
		}
		if streams, _ := st.Streams(ctx, "room-1"); contains(streams, "cam7") {
			t.Fatal("something of the oversized upload was stored")
		}
	})

	t.Run("headers over the limit", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, e.url()+"/api/v1/rooms", nil)
		req.Header.Set("X-Padding", strings.Repeat("a", 128<<10))
		res, err := e.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("%d, want 431", res.StatusCode)
		}
	})

	t.Run("a client that never finishes its headers", func(t *testing.T) {
		conn, err := tls.Dial("tcp", e.cfg.HTTP, &tls.Config{RootCAs: tls1.RootCAs, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /api/v1/rooms HTTP/1.1\r\nHost: x\r\n") // and nothing more
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err = io.ReadAll(conn)
		if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
			t.Fatal("the hub kept a client with unfinished headers for 30 s")
		}
	})

	t.Run("bad bodies", func(t *testing.T) {
		for _, body := range []string{`{"username":`, `{"username":"a","password":"b","admin":true}`, strings.Repeat("x", 70<<10)} {
			res, err := e.client().Post(e.url()+"/api/v1/login", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("login body %.30q: %d, want 400", body, res.StatusCode)
			}
		}
	})

	t.Run("spent and expired enrollment tokens", func(t *testing.T) {
		spent, _, err := st.IssueToken(ctx, "room-1", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		expired, _, err := st.IssueToken(ctx, "room-1", -time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		enroll := func(tok string) error {
			dir := t.TempDir()
			key, err := identity.LoadOrCreateKey(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = identity.Enroll(ctx, &http.Client{}, e.url(), tok, dir, key, identity.Trust{CAFile: e.caFile()})
			return err
		}
		if err := enroll(spent); err != nil {
			t.Fatalf("a fresh token: %v", err)
		}
		for name, tok := range map[string]string{"spent": spent, "expired": expired, "made up": "not-a-token"} {
			if err := enroll(tok); err == nil || !strings.Contains(err.Error(), "403") {
				t.Errorf("%s token: %v, want a 403 refusal", name, err)
			}
		}
		// The one good enrollment replaced the box; the refusals changed nothing more.
		boxes, err := st.Boxes(ctx, "room-1")
		if err != nil || len(boxes) != 2 {
			t.Fatalf("room-1 has had %d boxes (%v), want 2", len(boxes), err)
		}
	})

	after, err := st.Room(ctx, "room-1")
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != before.Name {
		t.Fatalf("room-1 changed: %+v", after)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
