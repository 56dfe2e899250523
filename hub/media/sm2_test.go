package media_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/evalroom/evalroom/hub/media"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// envKey is an ingest whose only room, room-1, is enrolled with key.
func envKey(t *testing.T, key protocol.PublicKey) *env {
	t.Helper()
	dir := t.TempDir()
	st := storetest.Open(t)
	storetest.Enroll(t, st, "room-1", "room-1", key.String())
	mux := http.NewServeMux()
	mux.Handle("PUT /api/v1/ingest/{room}/{stream}/{seq}", media.NewIngest(recstore.Files(dir), st, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, dir: dir, st: st, srv: srv}
}

// TestIngestSignatureVectors: the hub stores what the shared vectors say
// verifies with the enrolled key, of either algorithm, and refuses the
// rest, among them a record whose algorithm is not the enrolled key's.
func TestIngestSignatureVectors(t *testing.T) {
	for _, v := range prototest.Signatures() {
		t.Run(v.Name, func(t *testing.T) {
			e := envKey(t, v.Key)
			s, err := protocol.DecodeSegment(v.Data)
			if err != nil {
				t.Fatal(err)
			}
			want := http.StatusCreated
			if v.Err != nil {
				want = http.StatusForbidden
			}
			if code := e.put("room-1", "cam1", s.Header.Seq, v.Data); code != want {
				t.Fatalf("status %d, want %d", code, want)
			}
			if rows, files := e.stored("room-1", "cam1"); v.Err != nil && (len(rows) != 0 || files != 0) {
				t.Fatalf("a refused record left %d rows and %d files", len(rows), files)
			}
		})
	}
}

// TestIngestSM2Chain: an SM2 box's media and gap records are stored,
// verified and chained as an Ed25519 box's are.
func TestIngestSM2Chain(t *testing.T) {
	signer := prototest.SM2Signer
	e := envKey(t, signer.PublicKey())
	a := prototest.MediaSegmentBy(signer, "room-1", "cam1", 0, "")
	g := prototest.GapSegmentBy(signer, "room-1", "cam1", 1, a.Hash())
	b := prototest.MediaSegmentBy(signer, "room-1", "cam1", 2, g.ChainHash())
	for _, s := range []*protocol.Segment{a, b, g} {
		if code := e.put("room-1", "cam1", s.Header.Seq, s.Encode()); code != http.StatusCreated {
			t.Fatalf("seq %d: %d", s.Header.Seq, code)
		}
	}
	if code := e.put("room-1", "cam1", 1, g.Encode()); code != http.StatusOK {
		t.Fatalf("replay: %d, want 200", code)
	}
	broken := prototest.MediaSegmentBy(signer, "room-1", "cam1", 3, a.Hash())
	if code := e.put("room-1", "cam1", 3, broken.Encode()); code != http.StatusConflict {
		t.Fatalf("broken chain: %d, want 409", code)
	}
	rows, files := e.stored("room-1", "cam1")
	if len(rows) != 3 || files != 3 {
		t.Fatalf("%d rows and %d files, want 3 and 3", len(rows), files)
	}
	for _, r := range rows {
		if !r.Verified {
			t.Errorf("seq %d not verified", r.Seq)
		}
	}
}
