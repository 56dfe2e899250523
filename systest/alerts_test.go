package systest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/hub/server"
)

type apiAlert struct {
	ID         int64      `json:"id"`
	Room       string     `json:"room"`
	Stream     string     `json:"stream"`
	Kind       string     `json:"kind"`
	Severity   string     `json:"severity"`
	State      string     `json:"state"`
	OpenedAt   time.Time  `json:"opened_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	AckedBy    string     `json:"acked_by"`
}

func getAlerts(t *testing.T, e *hubEnv, query string) []apiAlert {
	t.Helper()
	return getAlertsAs(t, e, e.regToken, query)
}

// getAlertsAs lists alerts as the holder of token sees them.
func getAlertsAs(t *testing.T, e *hubEnv, token, query string) []apiAlert {
	t.Helper()
	resp, err := e.clientAs(token).Get(e.url() + "/api/v1/alerts?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET alerts?%s: %s", query, resp.Status)
	}
	var out []apiAlert
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func findAlert(list []apiAlert, stream, kind string) *apiAlert {
	for i := range list {
		if list[i].Stream == stream && list[i].Kind == kind {
			return &list[i]
		}
	}
	return nil
}

// TestFaultsOpenAndResolveAlerts breaks each simulated device in each way
// the simulator can, and cuts the network; each opens the matching alert,
// and clearing the fault resolves it.
func TestFaultsOpenAndResolveAlerts(t *testing.T) {
	e := &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: t.TempDir(), HTTP: anyPort, MQTT: anyPort, HeartbeatTimeout: 5 * time.Second,
		Alerts: alerts.Config{RaiseAfter: time.Second, ClearAfter: 3 * time.Second, StartupGrace: time.Second},
	}}
	e.start()
	t.Cleanup(e.shutdown)
	rs := startRooms(t, e, 1, newLedger())
	r := rs.list[0]
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	eventually(t, 30*time.Second, "no alerts on a healthy room", func() bool { return len(getAlerts(t, e, "state=open")) == 0 })

	cases := []struct {
		stream, fault, kind string
	}{
		{"cam1", "black", alerts.CameraBlack},
		{"cam2", "frozen", alerts.CameraFrozen},
		{"cam1", "unplug", alerts.DeviceAbsent},
		{"mic1", "silence", alerts.MicSilent},
		{"mic1", "clip", alerts.MicClipping},
		{"", "network", alerts.RoomOffline},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			set := func(on bool) {
				if c.fault == "network" {
					r.Net.SetDown(on)
					return
				}
				f := "none"
				if on {
					f = c.fault
				}
				if err := r.SetFault(c.stream, f); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			set(true)
			var open *apiAlert
			eventually(t, 60*time.Second, fmt.Sprintf("%s alert for %q", c.kind, c.stream), func() bool {
				open = findAlert(getAlerts(t, e, "state=open&room=room-1"), c.stream, c.kind)
				return open != nil
			})
			t.Logf("%s opened %v after the fault", c.kind, time.Since(start).Round(100*time.Millisecond))
			set(false)
			eventually(t, 60*time.Second, c.kind+" resolved", func() bool {
				a := findAlert(getAlerts(t, e, "state=resolved&room=room-1"), c.stream, c.kind)
				return a != nil && a.ID == open.ID && a.ResolvedAt != nil
			})
		})
	}
}

// TestAlertAckOverHTTP acknowledges an alert through the API.
func TestAlertAckOverHTTP(t *testing.T) {
	e := &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: t.TempDir(), HTTP: anyPort, MQTT: anyPort,
		Alerts: alerts.Config{RaiseAfter: time.Second, StartupGrace: time.Second},
	}}
	e.start()
	t.Cleanup(e.shutdown)
	rs := startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	rs.list[0].SetFault("cam2", "black")
	var a *apiAlert
	eventually(t, 60*time.Second, "black alert", func() bool {
		a = findAlert(getAlerts(t, e, "state=open"), "cam2", alerts.CameraBlack)
		return a != nil
	})
	post := func(token, body string) int {
		resp, err := e.clientAs(token).Post(fmt.Sprintf("%s/api/v1/alerts/%d/ack", e.url(), a.ID), "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("", `{"comment":"nobody"}`); code != http.StatusUnauthorized {
		t.Fatalf("ack without credentials: %d, want 401", code)
	}
	// Who acts is who signed in, whatever the body says.
	if code := post(e.regToken, `{"by":"somebody-else","comment":"called the agency"}`); code != http.StatusOK {
		t.Fatalf("ack: %d", code)
	}
	if code := post(e.regToken, `{}`); code != http.StatusConflict {
		t.Fatalf("second ack: %d", code)
	}
	acked := findAlert(getAlerts(t, e, "state=acked"), "cam2", alerts.CameraBlack)
	if acked == nil || acked.AckedBy != "token:systest-regulator" {
		t.Fatalf("acked alert %+v", acked)
	}
	if resp, _ := e.client().Get(e.url() + "/api/v1/alerts?state=bogus"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad state filter: %d", resp.StatusCode)
	}
}
