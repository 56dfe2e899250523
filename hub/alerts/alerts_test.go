package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type source struct {
	*store.Store
	*fleet.Fleet
}

type notes struct {
	mu  sync.Mutex
	got []string
}

func (n *notes) Notify(event string, a store.Alert) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, fmt.Sprintf("%s %s/%s %s %s", event, a.Room, a.Stream, a.Kind, a.Severity))
}

func (n *notes) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.got
	n.got = nil
	return out
}

type rig struct {
	t   *testing.T
	st  *store.Store
	fl  *fleet.Fleet
	e   *Engine
	n   *notes
	now time.Time
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, sqldbtest.Target(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.CreateRoom(ctx, "room-1", "room-1")
	tok, _, _ := st.IssueToken(ctx, "room-1", time.Hour)
	if _, err := st.Enroll(ctx, tok, prototest.Signer.PublicKey().String()); err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, st: st, fl: fleet.New(time.Hour, quiet, nil), n: &notes{}, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	r.e = r.engine()
	return r
}

func (r *rig) engine() *Engine {
	e, err := newEngine(context.Background(), Config{StartupGrace: time.Second}, r.st, source{r.st, r.fl}, r.n, quiet, func() time.Time { return r.now })
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

// health tells the fleet room-1 is online with cam1 showing these signals.
func (r *rig) health(signals string, session string) {
	r.fl.Handle(protocol.RoomTopic("room-1", protocol.TopicStatus), []byte(`{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:00:00Z"}`))
	r.fl.Handle(protocol.RoomTopic("room-1", protocol.TopicHealth), []byte(`{"v":1,"room":"room-1","time":"2026-03-02T09:00:00Z","devices":[{"stream":"cam1","kind":"video","device":"sim","state":"ok","quality":{"signals":[`+signals+`]}}]}`))
	r.fl.Handle(protocol.RoomTopic("room-1", protocol.TopicTelemetry), []byte(`{"v":1,"room":"room-1","time":"2026-03-02T09:00:00Z","spool_bytes":0,"spool_segments":0,"oldest_unsent_seconds":0,"disk_free_bytes":0,"upload_bytes_per_sec":0,"evicted_segments":0,"session":"`+session+`"}`))
}

func (r *rig) at(d time.Duration) []string {
	r.t.Helper()
	r.now = r.now.Add(d)
	if err := r.e.Evaluate(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return r.n.take()
}

func eq(t *testing.T, step string, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: notified %q, want %q", step, got, want)
	}
}

func TestFlappingConditionIsOneAlert(t *testing.T) {
	r := newRig(t)
	r.health(`"black"`, "")
	eq(t, "first sight", r.at(0))
	eq(t, "held", r.at(2*time.Second), "opened room-1/cam1 camera_black warning")
	r.health(``, "")
	eq(t, "clear for 3s", r.at(3*time.Second))
	r.health(`"black"`, "")
	eq(t, "flaps back", r.at(time.Second))
	r.health(``, "")
	eq(t, "clear for 9s", r.at(9*time.Second))
	eq(t, "clear for 10s", r.at(time.Second), "resolved room-1/cam1 camera_black warning")
	all, _ := r.st.Alerts(context.Background(), "", "", 10)
	if len(all) != 1 || all[0].State != store.AlertResolved {
		t.Fatalf("alerts %+v, want one resolved", all)
	}
}

func TestBlipDoesNotOpen(t *testing.T) {
	r := newRig(t)
	r.health(`"frozen"`, "")
	r.at(0)
	r.health(``, "")
	eq(t, "blip", r.at(time.Second))
	eq(t, "later", r.at(5*time.Second))
}

func TestAckStopsRenotifyAndSessionRaisesSeverity(t *testing.T) {
	r := newRig(t)
	r.health(`"silent"`, "")
	r.at(0)
	eq(t, "opened", r.at(2*time.Second), "opened room-1/cam1 mic_silent warning")
	eq(t, "renotify", r.at(15*time.Minute), "renotify room-1/cam1 mic_silent warning")
	r.health(`"silent"`, "proj-1")
	eq(t, "session", r.at(time.Second), "severity room-1/cam1 mic_silent critical")
	open, _ := r.st.Alerts(context.Background(), store.AlertOpen, "room-1", 10)
	a, err := r.e.Ack(context.Background(), open[0].ID, "regulator-7", "technician called", nil)
	if err != nil || a.State != store.AlertAcked || a.AckedBy != "regulator-7" {
		t.Fatalf("Ack = %+v, %v", a, err)
	}
	r.n.take()
	eq(t, "acked: no renotify", r.at(20*time.Minute))
	if _, err := r.e.Ack(context.Background(), a.ID, "x", "", nil); !errors.Is(err, ErrState) {
		t.Fatalf("second ack: %v", err)
	}
	// A restarted hub picks the unresolved alert up again.
	r.e = r.engine()
	r.health(``, "")
	eq(t, "after restart, clear", r.at(11*time.Second), "resolved room-1/cam1 mic_silent critical")
}

func TestOfflineAfterGraceAndReportedEvents(t *testing.T) {
	r := newRig(t)
	eq(t, "in grace", r.at(0))
	r.at(time.Second)
	eq(t, "offline", r.at(2*time.Second), "opened room-1/ room_offline critical")
	r.health(``, "")
	r.e.Report("room-1", "cam1", UploadRefused, "hub answered 403")
	r.at(0)
	eq(t, "refused", r.at(2*time.Second), "opened room-1/cam1 upload_refused warning")
	eq(t, "held", r.at(9*time.Minute), "resolved room-1/ room_offline critical")
	eq(t, "event expires", r.at(12*time.Minute), "resolved room-1/cam1 upload_refused warning")
}

func TestManualResolveOfHoldingConditionReopens(t *testing.T) {
	r := newRig(t)
	r.health(`"clipping"`, "")
	r.at(0)
	r.at(2 * time.Second)
	open, _ := r.st.Alerts(context.Background(), store.AlertOpen, "", 10)
	if _, err := r.e.Resolve(context.Background(), open[0].ID, "regulator-7", "checked", nil); err != nil {
		t.Fatal(err)
	}
	r.n.take()
	r.at(time.Second)
	eq(t, "still clipping", r.at(2*time.Second), "opened room-1/cam1 mic_clipping warning")
}

func TestWebhookDelivers(t *testing.T) {
	got := make(chan Payload, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p Payload
		json.NewDecoder(r.Body).Decode(&p)
		got <- p
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := NewWebhook(ctx, []string{srv.URL}, quiet)
	w.Notify("opened", store.Alert{ID: 7, Room: "room-1", Kind: CameraBlack, State: store.AlertOpen})
	select {
	case p := <-got:
		if p.Event != "opened" || p.Alert.ID != 7 || p.Alert.Kind != CameraBlack {
			t.Fatalf("payload %+v", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("webhook not delivered")
	}
}

func TestDiskLowFollowsTheRecordingRate(t *testing.T) {
	r := newRig(t)
	tel := func(upload, record int) {
		r.fl.Handle(protocol.RoomTopic("room-1", protocol.TopicTelemetry), []byte(fmt.Sprintf(`{"v":1,"room":"room-1","time":"2026-03-02T09:00:00Z","spool_bytes":0,"spool_segments":0,"oldest_unsent_seconds":0,"disk_free_bytes":1000000000,"upload_bytes_per_sec":%d,"record_bytes_per_sec":%d,"evicted_segments":0}`, upload, record)))
	}
	r.health(``, "")
	tel(50_000_000, 1000) // a backlog drains fast; recording is slow: 11 days of disk
	r.at(0)
	eq(t, "draining backlog", r.at(3*time.Second))
	tel(0, 100_000) // 0.1 days of recording left
	r.at(0)
	eq(t, "disk filling", r.at(3*time.Second), "opened room-1/ disk_low warning")
}
