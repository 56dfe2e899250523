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
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
	"github.com/evalroom/evalroom/simulators/room"
)

// TestUploadsNeedTheRoomsCertificate runs real boxes against a hub on
// HTTPS and then sends uploads by hand: without a certificate, with another
// room's certificate, and with the certificate of a box that was replaced.
// Each is refused and stores nothing; the room's own box is accepted.
func TestUploadsNeedTheRoomsCertificate(t *testing.T) {
	e := startHub(t)
	l := newLedger()
	rs := startRooms(t, e, 2, l)
	eventually(t, 30*time.Second, "rooms online over TLS", func() bool {
		return e.hub.Fleet.State("room-1").Online && e.hub.Fleet.State("room-2").Online
	})
	dir1 := room.Dir(rs.dir, "room-1")
	key1, err := identity.LoadOrCreateKey(dir1)
	if err != nil {
		t.Fatal(err)
	}
	tls1 := boxTLS(t, dir1, e.caFile())
	seg := func(roomID string) *protocol.Segment {
		v := prototest.MediaSegment(roomID, "cam9", 0, "")
		s, err := protocol.Seal(v.Header, v.Payload, key1) // signed by room-1's real key
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	put := func(cfg *tls.Config, roomID string, s *protocol.Segment) int {
		t.Helper()
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/ingest/%s/cam9/0", e.url(), roomID), bytes.NewReader(s.Encode()))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	stored := func(roomID string) int {
		rows, err := e.hub.Store().Segments(context.Background(), roomID, "cam9", time.Unix(0, 0), time.Now().Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	noCert := &tls.Config{RootCAs: tls1.RootCAs, ServerName: "127.0.0.1"}
	cases := []struct {
		name string
		cfg  *tls.Config
		room string
		want int
	}{
		{"no certificate", noCert, "room-1", http.StatusUnauthorized},
		{"room-1's certificate uploading as room-2", tls1, "room-2", http.StatusForbidden},
	}
	for _, c := range cases {
		if got := put(c.cfg, c.room, seg(c.room)); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
		if n := stored(c.room); n != 0 {
			t.Errorf("%s: %d records stored", c.name, n)
		}
	}
	if got := put(tls1, "room-1", seg("room-1")); got != http.StatusCreated {
		t.Fatalf("room-1's own box: %d, want 201", got)
	}

	// A replaced box: room-1 is enrolled again with another key; the old
	// certificate is refused from then on.
	ctx := context.Background()
	tok, _, err := e.hub.Store().IssueToken(ctx, "room-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	newDir := t.TempDir()
	newKey, err := identity.LoadOrCreateKey(newDir)
	if err != nil {
		t.Fatal(err)
	}
	// The technician has the token and the CA's pin that room add prints.
	wrongPin := "sha256:" + strings.Repeat("0", 64)
	if _, err := identity.Enroll(ctx, &http.Client{}, e.url(), tok, newDir, newKey, identity.Trust{CAPin: wrongPin}); err == nil {
		t.Fatal("a box enrolled with a hub whose CA does not match its pin")
	}
	if _, err := identity.Enroll(ctx, &http.Client{}, e.url(), tok, newDir, newKey, identity.Trust{CAPin: e.hub.CA().Pin()}); err != nil {
		t.Fatalf("enrolling the new box: %v", err)
	}
	next := prototest.MediaSegment("room-1", "cam9", 1, seg("room-1").Hash())
	next, _ = protocol.Seal(next.Header, next.Payload, key1)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tls1}}
	req, _ := http.NewRequest(http.MethodPut, e.url()+"/api/v1/ingest/room-1/cam9/1", bytes.NewReader(next.Encode()))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("replaced box's upload: %d, want 403", resp.StatusCode)
	}
	if n := stored("room-1"); n != 1 {
		t.Fatalf("room-1 holds %d cam9 records, want the 1 sent before the box was replaced", n)
	}
	eventually(t, 30*time.Second, "the replaced box is off the broker", func() bool { return !rs.list[0].Agent.Connected() })
}
