package systest

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/internal/s3test"
	"github.com/evalroom/evalroom/protocol"
)

// startHubOnS3 starts a real SeaweedFS and a hub that keeps its
// recordings there (--store s3://…).
func startHubOnS3(t *testing.T) (*hubEnv, *s3test.Server) {
	t.Helper()
	srv := s3test.Start(t)
	srv.Env(t)
	e := startHubWith(t, func(c *server.Config) { c.Store = srv.URL() })
	return e, srv
}

// everyRowInTheBucket checks that each record the hub indexed for the
// ledger's streams is in the bucket, whole: nothing was acknowledged that
// the object store does not hold.
func everyRowInTheBucket(t *testing.T, e *hubEnv, srv *s3test.Server, want map[string]map[uint64]string) int {
	t.Helper()
	recs, err := recstore.Open(t.Context(), srv.URL(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for key := range want {
		for seq, row := range hubHas(t, e.hub.Store(), key) {
			if !strings.HasPrefix(row.Path, "s3://"+srv.Bucket+"/") {
				t.Fatalf("%s seq %d stored at %s, not in the bucket", key, seq, row.Path)
			}
			b, err := recs.Read(t.Context(), row.Path, row.Offset, row.Size)
			if err != nil {
				t.Fatalf("%s seq %d: %v", key, seq, err)
			}
			if seg, err := protocol.DecodeSegment(b); err != nil || seg.Hash() != row.Hash {
				t.Fatalf("%s seq %d: the bucket holds other bytes than the index says (%v)", key, seq, err)
			}
			n++
		}
	}
	return n
}

// TestRecordingsInS3 runs a hub with --store s3:// against a real
// SeaweedFS: a room records; playback, download and evidence export read
// the records back from the bucket and verify-evidence passes (for the
// export over HTTP and the command's, given --store). Then the object store
// is stopped while the room uploads and started again: uploads meanwhile
// are refused 503, /healthz says the object store is failing, and once it
// is back every record the room made arrives, none lost, and every record
// the hub indexed is whole in the bucket.
func TestRecordingsInS3(t *testing.T) {
	bin := buildHub(t)
	e, srv := startHubOnS3(t)
	from := time.Now().Add(-time.Minute).UTC()
	l := newLedger()
	rs := startRooms(t, e, 1, l)
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	time.Sleep(5 * time.Second) // a few records of each stream
	// Records starting before "to" are all in the snapshot, under load too.
	first, to := l.snapshot(), time.Now().Add(-3*time.Second).UTC()
	waitArrived(t, e.hub.Store(), first, time.Minute)

	// Playback: a record's payload, from a ranged GET of its object.
	base := e.url() + "/api/v1/rooms/room-1/streams/"
	resp, err := e.client().Get(base + "cam1/segments/0/payload")
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(payload) == 0 || resp.Header.Get("X-Segment-SHA256") == "" {
		t.Fatalf("payload: %s, %d bytes", resp.Status, len(payload))
	}

	// Download: every file matches its manifest entry.
	q := "?from=" + url.QueryEscape(from.Format(time.RFC3339Nano))
	resp, err = e.client().Get(e.url() + "/api/v1/rooms/room-1/download" + q)
	if err != nil {
		t.Fatal(err)
	}
	files := checkDownload(t, resp)
	if files < 9 {
		t.Fatalf("download held %d records, want at least 3 per stream", files)
	}

	// Evidence over HTTP, checked offline.
	viaHTTP, _ := exportEvidence(t, e, "room-1", from, to)
	out, err := exec.Command(bin, "verify-evidence", viaHTTP).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "WHOLE: every record") {
		t.Fatalf("verify-evidence: %v\n%s", err, out)
	}

	// The object store goes away while the room uploads.
	srv.Stop()
	eventually(t, 30*time.Second, "/healthz says the object store is failing", func() bool {
		st, objects := objectsHealth(t, e)
		return st == http.StatusServiceUnavailable && objects == "failing"
	})
	before := l.snapshot()
	eventually(t, 30*time.Second, "the room records on while the hub refuses its uploads", func() bool {
		ok, _ := allArrived(t, e.hub.Store(), l.snapshot())
		return !ok
	})
	time.Sleep(3 * time.Second) // a backlog builds on the box
	srv.Start()
	srv.Ready()
	time.Sleep(2 * time.Second) // and some recorded after the restart
	want, end := l.snapshot(), time.Now().Add(-3*time.Second).UTC()
	if n, m := len(want["room-1/cam1"]), len(before["room-1/cam1"]); n <= m {
		t.Fatalf("cam1: %d records before the outage, %d after", m, n)
	}
	waitArrived(t, e.hub.Store(), want, 2*time.Minute)
	eventually(t, 30*time.Second, "/healthz ok again", func() bool {
		st, objects := objectsHealth(t, e)
		return st == http.StatusOK && objects == "ok"
	})
	if n := everyRowInTheBucket(t, e, srv, want); n == 0 {
		t.Fatal("no record indexed")
	}

	// The command's export after the hub stopped reads the bucket too.
	rs.stop()
	e.shutdown()
	viaCommand := filepath.Join(t.TempDir(), "room-1-cli.tar")
	out, err = exec.Command(bin, append(append([]string{"evidence", "export"}, sqldbtest.Args(t, e.cfg.DataDir)...), "--store", srv.URL(), "--room", "room-1",
		"--from", from.Format(time.RFC3339Nano), "--to", end.Format(time.RFC3339Nano), "--out", viaCommand, "--by", "systest")...).CombinedOutput()
	if err != nil {
		t.Fatalf("evidence export --store: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "verify-evidence", viaCommand).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "WHOLE: every record") {
		t.Fatalf("verify-evidence of the command's export: %v\n%s", err, out)
	}
}

// checkDownload reads a download's tar: every file's hash is its manifest
// entry's. It returns how many files it held.
func checkDownload(t *testing.T, resp *http.Response) int {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %s", resp.Status)
	}
	tr := tar.NewReader(resp.Body)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != "manifest.json" {
		t.Fatalf("first entry %v, %v", hdr, err)
	}
	var man struct {
		Segments []struct {
			File   string `json:"file"`
			SHA256 string `json:"sha256"`
		} `json:"segments"`
	}
	if err := json.NewDecoder(tr).Decode(&man); err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, s := range man.Segments {
		sums[s.File] = s.SHA256
	}
	n := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("truncated download after %d files: %v", n, err)
		}
		b, _ := io.ReadAll(tr)
		seg, err := protocol.DecodeSegment(b)
		if err != nil || seg.Hash() != sums[hdr.Name] {
			sum := sha256.Sum256(b)
			t.Fatalf("%s: does not match the manifest (%v, sha256 of file %s)", hdr.Name, err, hex.EncodeToString(sum[:8]))
		}
		n++
	}
	if n != len(man.Segments) {
		t.Fatalf("%d files for %d manifest entries", n, len(man.Segments))
	}
	return n
}

// objectsHealth returns /healthz's status code and the object store's state.
func objectsHealth(t *testing.T, e *hubEnv) (int, string) {
	t.Helper()
	resp, err := e.client().Get(e.url() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Objects *struct {
			Status string `json:"status"`
		} `json:"objects"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	if h.Objects == nil {
		return resp.StatusCode, ""
	}
	return resp.StatusCode, h.Objects.Status
}
