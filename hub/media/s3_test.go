package media_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/evalroom/evalroom/hub/media"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/internal/s3test"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// heard keeps what ingest told the hub's storage health.
type heard struct {
	mu     sync.Mutex
	failed []error
	stored int
}

func (h *heard) Failed(err error) { h.mu.Lock(); h.failed = append(h.failed, err); h.mu.Unlock() }
func (h *heard) Stored()          { h.mu.Lock(); h.stored++; h.mu.Unlock() }

// While the object store is down an upload is answered 503 with
// Retry-After, indexed nowhere and reported to the storage health; once
// it is back the same upload is stored and reads back from the bucket.
func TestIngestAnswers503WhileTheObjectStoreIsDown(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	ctx := t.Context()
	recs, err := recstore.Open(ctx, srv.URL(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	storetest.Enroll(t, st, "room-1", "room-1", prototest.Signer.PublicKey().String())
	in := media.NewIngest(recs, st, slog.New(slog.DiscardHandler), nil, nil)
	var h heard
	in.WatchStorage(&h)
	mux := http.NewServeMux()
	mux.Handle("PUT /api/v1/ingest/{room}/{stream}/{seq}", in)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	put := func(seq uint64, body []byte) *http.Response {
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/ingest/room-1/cam1/%d", hs.URL, seq), bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	a := prototest.MediaSegment("room-1", "cam1", 0, "")
	b := prototest.MediaSegment("room-1", "cam1", 1, a.Hash())
	if r := put(0, a.Encode()); r.StatusCode != http.StatusCreated {
		t.Fatalf("first upload: %d", r.StatusCode)
	}
	srv.Stop()
	r := put(1, b.Encode())
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("upload with the object store down: %d, Retry-After %q; want 503 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if _, err := st.Segment(ctx, "room-1", "cam1", 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a record the object store did not take is indexed: %v", err)
	}
	if len(h.failed) != 1 || !errors.Is(h.failed[0], recstore.ErrUnavailable) {
		t.Fatalf("storage health heard %v", h.failed)
	}
	srv.Start()
	srv.Ready()
	if r := put(1, b.Encode()); r.StatusCode != http.StatusCreated {
		t.Fatalf("upload after the object store is back: %d", r.StatusCode)
	}
	row, err := st.Segment(ctx, "room-1", "cam1", 1)
	if err != nil || !row.Verified {
		t.Fatalf("seq 1 after the restart: %+v %v", row, err)
	}
	got, err := recs.Read(ctx, row.Path, row.Offset, row.Size)
	if err != nil || !bytes.Equal(got, b.Encode()) {
		t.Fatalf("seq 1 from %s: %v", row.Path, err)
	}
}
