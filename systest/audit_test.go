package systest

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	_ "modernc.org/sqlite"
)

// TestAuditTrailAndVerify watches a camera, exports a range and checks the
// audit log shows both; then edits one row in the database file and checks
// that `evalroom-hub audit verify` fails and names it.
func TestAuditTrailAndVerify(t *testing.T) {
	e := startHub(t)
	startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	watchMJPEG(t, e, "room-1", "cam1", 2)
	resp, err := e.client().Get(e.url() + "/api/v1/rooms/room-1/download")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var entries []struct {
		ID     int64  `json:"id"`
		Action string `json:"action"`
		Target string `json:"target"`
		Actor  string `json:"actor"`
		Detail string `json:"detail"`
	}
	getJSON(t, e, e.url()+"/api/v1/audit", &entries)
	seen := map[string]bool{}
	for _, x := range entries {
		seen[x.Action+" "+x.Target] = true
		if x.Action == "live.view" {
			seen[x.Action+" "+x.Target+" "+x.Detail] = true
		}
	}
	// A viewing is one entry on the room naming its streams.
	for _, want := range []string{"room.create room-1", "box.enroll room-1", `live.view room-1 {"via":"mjpeg","streams":["cam1"]}`, "recording.export room-1"} {
		if !seen[want] {
			t.Errorf("audit log lacks %q: %+v", want, entries)
		}
	}
	e.shutdown()

	verify := func() (string, error) {
		out, err := exec.Command("go", append([]string{"run", "../hub/cmd/evalroom-hub", "audit", "verify"}, sqldbtest.Args(t, e.cfg.DataDir)...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("untouched log: %v\n%s", err, out)
	}
	db := sqldbtest.OpenHub(t, e.cfg.DataDir)
	for _, s := range []string{sqldbtest.DropTrigger(db, "audit_no_update", "audit"), `UPDATE audit SET actor = 'someone-else' WHERE id = 2`} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out, err := verify()
	if err == nil || !strings.Contains(out, "audit entry 2") {
		t.Fatalf("edited log: %v\n%s", err, out)
	}
}
