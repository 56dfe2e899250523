package systest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
)

// token makes an API token for role and scope on the hub.
func (e *hubEnv) token(role auth.Role, scope string) string {
	e.t.Helper()
	tok, err := e.hub.Store().CreateAPIToken(e.ctx, store.APIToken{Name: "systest-" + string(role), Role: string(role), Scope: scope}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// mjpegReader opens a stream's live.mjpeg as token; next returns the next
// picture or the error that ended the stream.
func mjpegReader(t *testing.T, e *hubEnv, token, roomID, stream string) (next func() error, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/rooms/%s/streams/%s/live.mjpeg", e.url(), roomID, stream), nil)
	resp, err := e.clientAs(token).Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		cancel()
		t.Fatalf("live.mjpeg of %s/%s: %d %s", roomID, stream, resp.StatusCode, b)
	}
	_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	mr := multipart.NewReader(bufio.NewReader(resp.Body), params["boundary"])
	next = func() error {
		part, err := mr.NextPart()
		if err != nil {
			return err
		}
		_, err = io.ReadAll(part)
		return err
	}
	return next, func() { cancel(); resp.Body.Close() }
}

// liveSocket opens the page's live WebSocket as token and watches keys.
func liveSocket(t *testing.T, e *hubEnv, token string, keys ...string) *websocket.Conn {
	t.Helper()
	pem, err := os.ReadFile(e.caFile())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	d := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: roots}, HandshakeTimeout: 10 * time.Second}
	url := "wss://" + e.cfg.HTTP + "/api/v1/live/ws"
	conn, resp, err := d.Dial(url, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("live socket: %v (%v)", err, resp)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.WriteJSON(map[string][]string{"watch": keys}); err != nil {
		t.Fatal(err)
	}
	return conn
}

type wsNotice struct {
	Stream, Ended, Error string
}

// readSocket reads one message: a binary frame (the stream it is of) or a
// text notice.
func readSocket(conn *websocket.Conn, within time.Duration) (frameOf string, n *wsNotice, err error) {
	conn.SetReadDeadline(time.Now().Add(within))
	kind, b, err := conn.ReadMessage()
	if err != nil {
		return "", nil, err
	}
	if kind == websocket.TextMessage {
		n = new(wsNotice)
		return "", n, json.Unmarshal(b, n)
	}
	if len(b) < 6 || string(b[:4]) != "ERLF" {
		return "", nil, fmt.Errorf("not a live frame: % x", b[:min(len(b), 8)])
	}
	hl := int(b[4])<<8 | int(b[5])
	var h struct{ Room, Stream string }
	if err := json.Unmarshal(b[6:6+hl], &h); err != nil {
		return "", nil, err
	}
	return h.Room + "/" + h.Stream, nil, nil
}

// TestSessionEndsTechniciansLiveViews: a technician watches room-1 over
// MJPEG and over the page's WebSocket while no session runs; when a
// procurement session starts, both end at once, while a regulator's view of
// the same camera goes on. (Before, a view opened before the session kept
// flowing: only new requests were refused.)
func TestSessionEndsTechniciansLiveViews(t *testing.T) {
	e := startHub(t)
	rs := startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	tech := e.token(auth.Technician, "room-1")

	techMJPEG, stopTech := mjpegReader(t, e, tech, "room-1", "cam1")
	defer stopTech()
	regMJPEG, stopReg := mjpegReader(t, e, e.regToken, "room-1", "cam1")
	defer stopReg()
	for i := 0; i < 3; i++ {
		if err := techMJPEG(); err != nil {
			t.Fatalf("technician's picture %d before the session: %v", i, err)
		}
		if err := regMJPEG(); err != nil {
			t.Fatalf("regulator's picture %d before the session: %v", i, err)
		}
	}
	ws := liveSocket(t, e, tech, "room-1/cam1", "room-1/cam2")
	got := map[string]bool{}
	for len(got) < 2 {
		k, n, err := readSocket(ws, 20*time.Second)
		if err != nil || n != nil {
			t.Fatalf("technician's socket before the session: %v %+v", err, n)
		}
		got[k] = true
	}

	started := time.Now()
	rs.list[0].Agent.SetSession("zfcg-2026-001")

	// The technician's MJPEG ends: reading goes on until the hub closes it.
	mjpegEnded := make(chan time.Duration, 1)
	go func() {
		for techMJPEG() == nil {
		}
		mjpegEnded <- time.Since(started)
	}()
	// The socket says which streams ended and why; no frame of room-1
	// follows the notices.
	ended := map[string]bool{}
	var wsEnded time.Duration
	for deadline := time.Now().Add(30 * time.Second); len(ended) < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("the technician's socket still carries room-1 30 s after a procurement session started (ended: %v)", ended)
		}
		_, n, err := readSocket(ws, 20*time.Second)
		if err != nil {
			t.Fatalf("technician's socket after the session started: %v (ended so far %v)", err, ended)
		}
		if n != nil {
			if n.Ended != "session" || !strings.Contains(n.Error, "only regulators") {
				t.Fatalf("notice %+v", n)
			}
			ended[n.Stream] = true
			wsEnded = time.Since(started)
		}
	}
	select {
	case d := <-mjpegEnded:
		t.Logf("session start to the technician's MJPEG ending: %s; to the socket's notices: %s", d.Round(time.Millisecond), wsEnded.Round(time.Millisecond))
	case <-time.After(30 * time.Second):
		t.Fatal("the technician's MJPEG view still runs after a procurement session started")
	}
	// Frames already queued when the notices went may follow them at
	// once; none may come a second later.
	quietFrom := time.Now().Add(time.Second)
	for {
		k, n, err := readSocket(ws, 3*time.Second)
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			break
		}
		if err != nil {
			t.Fatalf("socket: %v", err)
		}
		if n != nil || time.Now().After(quietFrom) {
			t.Fatalf("after the notices the socket still carries %q %+v", k, n)
		}
	}
	// The regulator still watches.
	for i := 0; i < 3; i++ {
		if err := regMJPEG(); err != nil {
			t.Fatalf("regulator's picture %d during the session: %v", i, err)
		}
	}
	// And the technician cannot open a new view.
	resp, err := e.clientAs(tech).Get(e.url() + "/api/v1/rooms/room-1/streams/cam1/live.mjpeg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a technician's new view during the session: %d, want 403", resp.StatusCode)
	}
}
