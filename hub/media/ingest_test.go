package media_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/media"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

type env struct {
	t   *testing.T
	dir string
	st  *store.Store
	srv *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	st := storetest.Open(t)
	for room, signer := range map[string]protocol.Signer{"room-1": prototest.Signer, "room-2": prototest.OtherSigner} {
		storetest.Enroll(t, st, room, room, signer.PublicKey().String())
	}
	in := media.NewIngest(recstore.Files(dir), st, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
	mux := http.NewServeMux()
	mux.Handle("PUT /api/v1/ingest/{room}/{stream}/{seq}", in)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, dir: dir, st: st, srv: srv}
}

func (e *env) put(room, stream string, seq uint64, body []byte) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/ingest/%s/%s/%d", e.srv.URL, room, stream, seq), bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// stored lists what the hub holds for a stream: its index rows, and how
// many records the store holds whole under them. It fails the test when the
// room's packs hold any byte no row of the room accounts for (a refused or
// repeated upload left something).
func (e *env) stored(room, stream string) (rows []store.Segment, records int) {
	e.t.Helper()
	ctx := context.Background()
	all := func(stream string) []store.Segment {
		rows, err := e.st.Segments(ctx, room, stream, time.Unix(0, 0), time.Now().Add(time.Hour*24*365), 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		return rows
	}
	var onDisk, indexed int64
	ents, _ := os.ReadDir(filepath.Join(e.dir, "media", room))
	for _, de := range ents {
		if fi, err := de.Info(); err == nil && fi.Mode().IsRegular() {
			onDisk += fi.Size()
		}
	}
	streams, err := e.st.Streams(ctx, room)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range streams {
		for _, r := range all(s) {
			indexed += r.Size
		}
	}
	if onDisk != indexed {
		e.t.Fatalf("room %s: the store holds %d bytes, its index %d", room, onDisk, indexed)
	}
	rows = all(stream)
	for _, r := range rows {
		b, err := recstore.FileReader{}.Read(context.Background(), r.Path, r.Offset, r.Size)
		if err != nil {
			e.t.Fatalf("seq %d: %v", r.Seq, err)
		}
		if seg, err := protocol.DecodeSegment(b); err == nil && seg.Hash() == r.Hash {
			records++
		}
	}
	return rows, records
}

func TestIngestAcceptsChainAndReplays(t *testing.T) {
	e := newEnv(t)
	a := prototest.MediaSegment("room-1", "cam1", 0, "")
	b := prototest.MediaSegment("room-1", "cam1", 1, a.Hash())
	c := prototest.MediaSegment("room-1", "cam1", 2, b.Hash())
	// Live-first upload order: the newest arrives before its predecessor.
	for _, s := range []*protocol.Segment{a, c, b} {
		if code := e.put("room-1", "cam1", s.Header.Seq, s.Encode()); code != http.StatusCreated {
			t.Fatalf("seq %d: %d", s.Header.Seq, code)
		}
	}
	if code := e.put("room-1", "cam1", 1, b.Encode()); code != http.StatusOK {
		t.Fatalf("replay: %d, want 200", code)
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

func TestIngestRefusesAndStoresNothing(t *testing.T) {
	a := prototest.MediaSegment("room-1", "cam1", 0, "")
	b := prototest.MediaSegment("room-1", "cam1", 1, a.Hash())

	forged := *b
	forged.Signature, _ = prototest.OtherSigner.Sign(b.HeaderBytes)
	otherKey, _ := protocol.Seal(b.Header, b.Payload, prototest.OtherSigner)
	broken := prototest.MediaSegment("room-1", "cam1", 1, prototest.MediaSegment("room-1", "cam1", 9, "").Hash())
	conflict := prototest.MediaSegment("room-1", "cam1", 0, "")
	conflict.Payload = append([]byte(nil), conflict.Payload...)
	conflict.Payload[3] ^= 1
	conflict, _ = protocol.Seal(conflict.Header, conflict.Payload, prototest.Signer)
	flipped := b.Encode()
	flipped[len(flipped)-2] ^= 1

	cases := []struct {
		name   string
		room   string
		seq    uint64
		body   []byte
		status int
	}{
		{"bad signature", "room-1", 1, forged.Encode(), http.StatusForbidden},
		{"another room's key", "room-1", 1, otherKey.Encode(), http.StatusForbidden},
		{"signed by room-1 sent as room-2", "room-2", 1, b.Encode(), http.StatusBadRequest},
		{"broken chain", "room-1", 1, broken.Encode(), http.StatusConflict},
		{"conflicting record at a taken place", "room-1", 0, conflict.Encode(), http.StatusConflict},
		{"payload flipped", "room-1", 1, flipped, http.StatusBadRequest},
		{"wrong seq in path", "room-1", 7, b.Encode(), http.StatusBadRequest},
		{"garbage", "room-1", 1, []byte("hello"), http.StatusBadRequest},
		{"path traversal", "..", 1, b.Encode(), http.StatusNotFound},
		{"unknown room", "room-9", 1, prototest.MediaSegment("room-9", "cam1", 1, "").Encode(), http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if code := e.put("room-1", "cam1", 0, a.Encode()); code != http.StatusCreated {
				t.Fatalf("first segment: %d", code)
			}
			code := e.put(c.room, "cam1", c.seq, c.body)
			if code != c.status && !(c.name == "path traversal" && code >= 400 && code < 500) {
				t.Fatalf("status %d, want %d", code, c.status)
			}
			rows, files := e.stored("room-1", "cam1")
			if len(rows) != 1 || files != 1 || rows[0].Hash != a.Hash() {
				t.Fatalf("after refusal: %d rows, %d files", len(rows), files)
			}
			if rows2, files2 := e.stored("room-2", "cam1"); len(rows2) != 0 || files2 != 0 {
				t.Fatal("something was stored for room-2")
			}
		})
	}
}

// Uploads of several streams at once, each stream's records out of order
// and some twice, share group commits; every record ends up stored once,
// named, indexed and verified.
func TestIngestConcurrentUploadsGroupCommit(t *testing.T) {
	e := newEnv(t)
	const perStream = 12
	streams := []string{"cam1", "cam2", "mic1"}
	var all []*protocol.Segment
	for _, s := range streams {
		prev := ""
		for seq := range uint64(perStream) {
			seg := prototest.MediaSegment("room-1", s, seq, prev)
			prev = seg.Hash()
			all = append(all, seg)
		}
	}
	work := make(chan *protocol.Segment, 2*len(all))
	for i := len(all) - 1; i >= 0; i-- { // newest first, as after an outage
		work <- all[i]
	}
	for i := 0; i < len(all); i += 5 { // replays
		work <- all[i]
	}
	close(work)
	var wg sync.WaitGroup
	bad := make(chan string, len(all)*2)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seg := range work {
				h := seg.Header
				req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/ingest/room-1/%s/%d", e.srv.URL, h.Stream, h.Seq), bytes.NewReader(seg.Encode()))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					bad <- err.Error()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
					bad <- fmt.Sprintf("%s/%d: %d", h.Stream, h.Seq, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(bad)
	for b := range bad {
		t.Error(b)
	}
	for _, s := range streams {
		rows, files := e.stored("room-1", s)
		if len(rows) != perStream || files != perStream {
			t.Fatalf("%s: %d rows and %d files, want %d", s, len(rows), files, perStream)
		}
		for _, r := range rows {
			if !r.Verified {
				t.Errorf("%s seq %d not verified", s, r.Seq)
			}
			if _, err := (recstore.FileReader{}).Read(context.Background(), r.Path, r.Offset, r.Size); err != nil {
				t.Errorf("%s seq %d: %v", s, r.Seq, err)
			}
		}
	}
}
