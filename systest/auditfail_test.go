package systest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/hub/store"
)

// TestAccessRefusedWhenAuditFails: while the hub cannot write its audit
// log, every access that must be on record is refused with 503 and words
// saying why, and nothing of it is served: live pictures (MJPEG and the
// page's socket), playback, download, evidence export and a decision on an
// alert (which stays as it was). Once the log takes entries again, all of
// them work. The failure is injected in the real database: a trigger
// refuses inserts into the audit table as a full disk would. (Before, only
// the evidence export was refused; the rest was served unrecorded.)
func TestAccessRefusedWhenAuditFails(t *testing.T) {
	e := startHub(t)
	startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	var first store.Segment
	eventually(t, 30*time.Second, "a stored segment", func() bool {
		segs, err := e.hub.Store().Segments(e.ctx, "room-1", "cam1", time.Unix(0, 0), time.Now().Add(time.Hour), 1)
		if err == nil && len(segs) > 0 {
			first = segs[0]
			return true
		}
		return false
	})
	al, err := e.hub.Store().InsertAlert(e.ctx, store.Alert{Room: "room-1", Stream: "cam1", Kind: "camera_black", Severity: "warning", State: store.AlertOpen, Detail: "test", OpenedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	from, to := first.Start.Add(-time.Second).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339)
	accesses := []struct{ what, method, path string }{
		{"live MJPEG", "GET", "/api/v1/rooms/room-1/streams/cam1/live.mjpeg"},
		{"playback", "GET", fmt.Sprintf("/api/v1/rooms/room-1/streams/cam1/segments/%d/payload", first.Seq)},
		{"download", "GET", "/api/v1/rooms/room-1/download?from=" + from + "&to=" + to},
		{"evidence export", "GET", "/api/v1/rooms/room-1/evidence?from=" + from + "&to=" + to},
		{"acknowledge", "POST", fmt.Sprintf("/api/v1/alerts/%d/ack", al.ID)},
	}
	do := func(method, path string) (int, string) {
		req, _ := http.NewRequestWithContext(e.ctx, method, e.url()+path, strings.NewReader(`{"comment":"on it"}`))
		resp, err := e.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "multipart/") {
			return resp.StatusCode, "" // a live stream: its status is what counts
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	db := e.hub.Store().DB()
	if _, err := db.ExecContext(e.ctx, sqldbtest.RefuseInserts(db, "systest_audit_full", "audit", "database or disk is full")); err != nil {
		t.Fatal(err)
	}
	for _, a := range accesses {
		code, body := do(a.method, a.path)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "audit log") {
			t.Errorf("%s while the audit log cannot be written: %d %.200s, want 503 saying why", a.what, code, body)
		}
	}
	if got, err := e.hub.Store().Alert(e.ctx, al.ID); err != nil || got.State != store.AlertOpen || got.AckedBy != "" {
		t.Errorf("the alert changed though its acknowledgement was not recorded: %+v %v", got, err)
	}
	ws := liveSocket(t, e, e.regToken, "room-1/cam1")
	_, n, err := readSocket(ws, 20*time.Second)
	if err != nil || n == nil || n.Ended != "not_recorded" || n.Stream != "room-1/cam1" {
		t.Fatalf("the live socket while the audit log cannot be written: %+v %v, want a not_recorded notice", n, err)
	}

	if _, err := db.ExecContext(e.ctx, sqldbtest.DropTrigger(db, "systest_audit_full", "audit")); err != nil {
		t.Fatal(err)
	}
	for _, a := range accesses {
		if a.what == "live MJPEG" {
			continue // streams until cancelled; watched below
		}
		if code, body := do(a.method, a.path); code != http.StatusOK {
			t.Errorf("%s once the audit log works: %d %.200s", a.what, code, body)
		}
	}
	watchMJPEG(t, e, "room-1", "cam1", 2)
}
