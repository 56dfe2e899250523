package systest

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/evalroom/evalroom/hub/server"
)

var metricName = regexp.MustCompile(`evalroom_[a-z_]+`)

// TestDeployFilesUseRealMetrics checks that every evalroom metric named in
// the Prometheus rules and the Grafana dashboard is one the hub serves.
func TestDeployFilesUseRealMetrics(t *testing.T) {
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	b, err := os.ReadFile("../deploy/prometheus/evalroom-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatalf("rules file: %v", err)
	}
	var exprs []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Fatalf("rule without alert name or expr: %+v", r)
			}
			exprs = append(exprs, r.Expr)
		}
	}
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	b, err = os.ReadFile("../deploy/grafana/evalroom-rooms.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}

	e := &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: t.TempDir(), HTTP: anyPort, MQTT: anyPort, PingInterval: 500 * time.Millisecond,
	}}
	e.start()
	t.Cleanup(e.shutdown)
	rs := startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	rs.list[0].SetFault("cam1", "black") // an alert, so the alert gauge has a series
	var served string
	eventually(t, 60*time.Second, "per-room, ping and alert metrics served", func() bool {
		resp, err := e.clientAs(e.opToken).Get(e.url() + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		served = string(body)
		return strings.Contains(served, "evalroom_room_signal{") && strings.Contains(served, "evalroom_alerts_unresolved{") &&
			strings.Contains(served, "evalroom_room_clock_offset_seconds{") && strings.Contains(served, "evalroom_hub_uploads_refused_total")
	})
	for _, ex := range exprs {
		for _, m := range metricName.FindAllString(ex, -1) {
			if !strings.Contains(served, "\n"+m+"{") && !strings.Contains(served, "\n"+m+" ") {
				t.Errorf("%q uses %s, which the hub does not serve", ex, m)
			}
		}
	}
}

// TestSystemdUnitsUseRealFlags runs each unit's command line with --help and
// checks that every flag it passes exists.
func TestSystemdUnitsUseRealFlags(t *testing.T) {
	for _, c := range []struct{ unit, pkg, sub string }{
		{"evalroom-hub.service", "../hub/cmd/evalroom-hub", "serve"},
		{"evalroom-edge.service", "../edge/cmd/evalroom-edge", "run"},
	} {
		b, err := os.ReadFile("../deploy/systemd/" + c.unit)
		if err != nil {
			t.Fatal(err)
		}
		var line string
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
				line = v
			}
		}
		args := strings.Fields(line)
		if len(args) < 2 || args[1] != c.sub {
			t.Fatalf("%s: ExecStart %q", c.unit, line)
		}
		out, _ := exec.Command("go", "run", c.pkg, c.sub, "-h").CombinedOutput()
		for _, a := range args[2:] {
			if strings.HasPrefix(a, "--") && !strings.Contains(string(out), "-"+strings.TrimPrefix(a, "--")+" ") {
				t.Errorf("%s passes %s, which %s %s does not know:\n%s", c.unit, a, c.pkg, c.sub, out)
			}
		}
	}
}
