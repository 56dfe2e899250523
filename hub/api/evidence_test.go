package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/media"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// TestEvidenceEndpoint: the route serves a file that verifies on its own,
// names the manifest's digest in a header, puts the export in the audit
// log under the client's name, and refuses what cannot be exported.
func TestEvidenceEndpoint(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, room := range []string{"room-1", "room-2"} {
		if err := r.st.CreateRoom(ctx, room, room); err != nil {
			t.Fatal(err)
		}
	}
	tok, _, _ := r.st.IssueToken(ctx, "room-1", time.Hour)
	if _, err := r.st.Enroll(ctx, tok, prototest.Signer.PublicKey().String()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("PUT /api/v1/ingest/{room}/{stream}/{seq}", media.NewIngest(recstore.Files(t.TempDir()), r.st, slog.New(slog.DiscardHandler), nil, nil))
	ingest := httptest.NewServer(mux)
	defer ingest.Close()
	a := prototest.MediaSegment("room-1", "cam1", 0, "")
	b := prototest.MediaSegment("room-1", "cam1", 1, a.Hash())
	for i, s := range [][]byte{a.Encode(), b.Encode()} {
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/ingest/room-1/cam1/%d", ingest.URL, i), bytes.NewReader(s))
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			b, _ := io.ReadAll(res.Body)
			t.Fatalf("ingest seq %d: %v %v %s", i, err, res.Status, b)
		}
		res.Body.Close()
	}
	q := func(from, to time.Time) string {
		return "?from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339))
	}
	t0 := prototest.T0
	req, _ := http.NewRequest(http.MethodGet, r.url+"/api/v1/rooms/room-1/evidence"+q(t0.Add(-time.Minute), t0.Add(3*time.Second)), nil)
	req.Header.Set("Authorization", "Bearer "+r.regulator)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/x-tar" || !strings.Contains(res.Header.Get("Content-Disposition"), "evalroom-evidence-room-1-") {
		t.Fatalf("%s %v", res.Status, res.Header)
	}
	rep, err := bundle.Verify(res.Body)
	if err != nil || rep.Err() != nil || rep.Records != 2 || rep.ManifestSHA256 != res.Header.Get("X-Evidence-Manifest-SHA256") {
		t.Fatalf("%v %v: %d records, manifest %s", err, rep.Err(), rep.Records, rep.ManifestSHA256)
	}
	list, _ := r.audit.List(ctx, audit.Filter{Action: audit.Export, Target: "room-1"})
	if len(list) != 1 || list[0].Actor != "token:regulator@127.0.0.1" || !strings.Contains(list[0].Detail, rep.ManifestSHA256) {
		t.Fatalf("audit %+v", list)
	}
	for _, c := range []struct {
		path string
		code int
	}{
		{"/api/v1/rooms/room-9/evidence", http.StatusNotFound},
		{"/api/v1/rooms/room-2/evidence", http.StatusConflict},
		{"/api/v1/rooms/room-1/evidence?from=yesterday", http.StatusBadRequest},
		{"/api/v1/rooms/room-1/evidence" + q(t0, t0.Add(-time.Second)), http.StatusBadRequest},
		{"/api/v1/rooms/Room_1/evidence", http.StatusBadRequest},
	} {
		if code, body := r.doAs(t, r.regulator, http.MethodGet, c.path, ""); code != c.code {
			t.Errorf("%s: %d %s, want %d", c.path, code, body, c.code)
		}
	}
}
