package systest

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/protocol"
)

// buildHub builds the hub binary, so the test runs the real commands.
func buildHub(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "evalroom-hub")
	if out, err := exec.Command("go", "build", "-o", bin, "../hub/cmd/evalroom-hub").CombinedOutput(); err != nil {
		t.Fatalf("build hub: %v\n%s", err, out)
	}
	return bin
}

// TestEvidenceAcrossNetworkCut records two rooms, cuts room-1 off the
// network long enough for a camera to be unplugged and for its small
// spool to evict footage, lets everything arrive, then exports room-1's
// range from the running hub over HTTP and from its data directory with
// the command, and checks both with `evalroom-hub verify-evidence`: whole,
// with the device_lost and spool_eviction gap records in the chain, the
// same records as the hub holds, and a flipped byte refused.
func TestEvidenceAcrossNetworkCut(t *testing.T) {
	bin := buildHub(t)
	e := startHub(t)
	from := time.Now().Add(-time.Minute).UTC()
	l := newLedger()
	rs := startRoomsBudget(t, e, 2, l, 150_000)
	eventually(t, 30*time.Second, "both rooms online", func() bool {
		return e.hub.Fleet.State("room-1").Online && e.hub.Fleet.State("room-2").Online
	})
	time.Sleep(2 * time.Second)
	r1 := rs.list[0]
	r1.Net.SetDown(true)
	r1.SetFault("cam1", "unplug")
	time.Sleep(3 * time.Second)
	r1.SetFault("cam1", "none")
	eventually(t, 60*time.Second, "room-1's spool evicts during the cut", func() bool { return r1.Agent.Spool().Stats().Evicted > 0 })
	time.Sleep(2 * time.Second)
	r1.Net.SetDown(false)
	reconnected := time.Now()
	time.Sleep(6 * time.Second) // recorded after the cut (3 s of it before "to"), and uploaded with the backlog

	want := l.snapshot()
	to := time.Now().Add(-3 * time.Second).UTC() // records starting before it were all in the snapshot, under load too

	eventually(t, 2*time.Minute, "every recorded segment stored or covered by an eviction gap", func() bool {
		for key, segs := range want {
			have := hubHas(t, e.hub.Store(), key)
			for seq, hash := range segs {
				if have[seq].Hash != hash && !coveredByEviction(have, seq) {
					return false
				}
			}
		}
		return true
	})

	viaHTTP, body := exportEvidence(t, e, "room-1", from, to)
	rep := verifyFile(t, bin, viaHTTP)
	stored, afterCut := 0, 0
	for _, st := range []string{"cam1", "cam2", "mic1"} {
		segs, err := e.hub.Store().Segments(t.Context(), "room-1", st, from, to, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		stored += len(segs)
		for _, s := range segs {
			if s.Start.After(reconnected) {
				afterCut++
			}
		}
	}
	if rep.Records < stored || rep.Streams != 3 || len(rep.Holes()) != 0 || afterCut < 3 {
		t.Fatalf("%d records in %d streams with %d holes; the hub holds %d in the range, %d after the cut", rep.Records, rep.Streams, len(rep.Holes()), stored, afterCut)
	}

	rs.stop()
	e.shutdown()
	viaCommand := filepath.Join(t.TempDir(), "room-1-cli.tar")
	out, err := exec.Command(bin, append(append([]string{"evidence", "export"}, sqldbtest.Args(t, e.cfg.DataDir)...), "--room", "room-1",
		"--from", from.Format(time.RFC3339Nano), "--to", to.Format(time.RFC3339Nano), "--out", viaCommand, "--by", "systest")...).CombinedOutput()
	if err != nil {
		t.Fatalf("evidence export: %v\n%s", err, out)
	}
	if again := verifyFile(t, bin, viaCommand); again.Records != rep.Records || again.ExportedBy == rep.ExportedBy {
		t.Fatalf("command export: %d records by %s; HTTP export: %d by %s", again.Records, again.ExportedBy, rep.Records, rep.ExportedBy)
	}

	flipped := bytes.Clone(body)
	flipped[len(flipped)/2] ^= 0x01
	bad := filepath.Join(t.TempDir(), "flipped.tar")
	os.WriteFile(bad, flipped, 0o444)
	out, err = exec.Command(bin, "verify-evidence", "--faults-only", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "NOT WHOLE") {
		t.Fatalf("a flipped byte passed: %v\n%s", err, out)
	}
}

// verifyFile runs `evalroom-hub verify-evidence` on a file, requires it to
// pass with gap records of both kinds in the chain, and returns the
// verifier's report of the same file.
func verifyFile(t *testing.T, bin, path string) *bundle.Report {
	t.Helper()
	out, err := exec.Command(bin, "verify-evidence", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "WHOLE: every record") {
		t.Fatalf("verify-evidence %s: %v\n%s", path, err, out)
	}
	for _, gap := range []string{protocol.GapDeviceLost, protocol.GapSpoolEviction} {
		if !strings.Contains(string(out), "gap record: "+gap) {
			t.Errorf("%s: no %s gap record\n%s", path, gap, out)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := bundle.Verify(f)
	if err != nil || rep.Err() != nil {
		t.Fatalf("%v %v", err, rep.Err())
	}
	return rep
}

// exportEvidence has a regulator export a room's range over HTTP and keeps
// the file; it returns its path and bytes.
func exportEvidence(t *testing.T, e *hubEnv, room string, from, to time.Time) (string, []byte) {
	t.Helper()
	q := "?from=" + url.QueryEscape(from.Format(time.RFC3339Nano)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339Nano))
	resp, err := e.client().Get(e.url() + "/api/v1/rooms/" + room + "/evidence" + q)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("evidence: %s %s", resp.Status, body.String())
	}
	path := filepath.Join(t.TempDir(), room+".tar")
	if err := os.WriteFile(path, body.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	return path, body.Bytes()
}
