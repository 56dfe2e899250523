package evidence_test

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
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/media"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// env is a hub without a network: a real store and audit log in a temp
// dir, and the real ingest behind a loopback HTTP server, with room-1
// enrolled with the shared test key and room-2 with the other one.
type env struct {
	t   *testing.T
	dir string
	st  *store.Store
	au  *audit.Log
	srv *httptest.Server
}

var (
	t0   = prototest.T0
	from = t0.Add(-time.Minute)
	to   = t0.Add(time.Hour)
	// end falls inside the last records of the standard room, so the
	// export of [from, end] holds all of them and nothing is missing after.
	end   = t0.Add(13 * time.Second)
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st := storetest.Open(t)
	au, err := audit.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, st: st, au: au}
	for room, signer := range map[string]protocol.Signer{"room-1": prototest.Signer, "room-2": prototest.OtherSigner} {
		key := signer.PublicKey().String()
		storetest.Enroll(t, st, room, "第"+room[5:]+"评标室", key)
		e.audit("operator@127.0.0.1", audit.RoomCreate, room, room)
		e.audit("box@127.0.0.1", audit.BoxEnroll, room, key)
	}
	mux := http.NewServeMux()
	mux.Handle("PUT /api/v1/ingest/{room}/{stream}/{seq}", media.NewIngest(recstore.Files(dir), st, quiet, nil, nil))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) audit(actor, action, target, detail string) {
	e.t.Helper()
	if _, err := e.au.Record(context.Background(), actor, action, target, detail); err != nil {
		e.t.Fatal(err)
	}
}

// put uploads records through the real ingest; each must be stored.
func (e *env) put(segs ...*protocol.Segment) {
	e.t.Helper()
	for _, s := range segs {
		h := s.Header
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/ingest/%s/%s/%d", e.srv.URL, h.Room, h.Stream, h.Seq), bytes.NewReader(s.Encode()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			e.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			e.t.Fatalf("%s/%s seq %d: %s %s", h.Room, h.Stream, h.Seq, resp.Status, body)
		}
	}
}

// chain makes a stream's records: m media, g a device_lost gap, e a
// spool_eviction gap standing for two records dropped unsent. Each record
// starts 2 s after the one before, from start.
func chain(signer protocol.Signer, room, stream, kinds string, start time.Time) []*protocol.Segment {
	return chainFrom(signer, room, stream, kinds, start, 0, "")
}

// chainFrom goes on with a chain at seq after the record whose chain hash
// is prev.
func chainFrom(signer protocol.Signer, room, stream, kinds string, start time.Time, seq uint64, prev string) []*protocol.Segment {
	var out []*protocol.Segment
	t := start
	for _, k := range kinds {
		h := protocol.SegmentHeader{Room: room, Stream: stream, Seq: seq, Start: t, End: t.Add(2 * time.Second), Prev: prev}
		var payload []byte
		switch k {
		case 'm':
			payload = fmt.Appendf(nil, "\xff\xd8%s/%s frame %d\xff\xd9", room, stream, seq)
			h.Record, h.Codec, h.Frames = protocol.RecordMedia, protocol.CodecMJPEG, []protocol.Frame{{Offset: 0, Size: len(payload), Time: t.UnixNano()}}
		case 'g':
			h.Record, h.Gap = protocol.RecordGap, &protocol.Gap{Reason: protocol.GapDeviceLost, Detail: "camera unplugged"}
		case 'e':
			dropped := prototest.MediaSegment(room, stream, seq+1, "")
			h.Record, h.Gap = protocol.RecordGap, &protocol.Gap{Reason: protocol.GapSpoolEviction, LastSeq: seq + 1, LastHash: dropped.Hash(), Bytes: 4096}
		}
		s, err := protocol.Seal(h, payload, signer)
		if err != nil {
			panic(err)
		}
		out = append(out, s)
		seq, prev, t = s.Header.LastSeq()+1, s.ChainHash(), t.Add(2*time.Second)
	}
	return out
}

// export writes room-1's evidence for [from, to] to a file and returns its
// bytes and the export.
func (e *env) export(from, to time.Time) ([]byte, *evidence.Export) {
	e.t.Helper()
	ctx := context.Background()
	ex, err := evidence.Prepare(ctx, e.st, e.au, evidence.Request{Room: "room-1", From: from, To: to, By: "regulator@127.0.0.1"}, t0.Add(3*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	path := filepath.Join(e.t.TempDir(), ex.FileName())
	f, err := os.Create(path)
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := ex.Write(ctx, f)
	if err != nil || len(res.Problems) > 0 {
		e.t.Fatalf("write: %v %v", err, res.Problems)
	}
	if err := f.Close(); err != nil {
		e.t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, ex
}

func verify(t *testing.T, b []byte) *bundle.Report {
	t.Helper()
	rep, err := bundle.Verify(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func dump(rep *bundle.Report) string {
	var b bytes.Buffer
	for _, l := range rep.Lines {
		b.WriteString(l.String() + "\n")
	}
	return b.String() + rep.Summary()
}

// recorded is the standard room: room-1 with a camera that lost its
// device and had records evicted, and a microphone; room-2 recording at
// the same time; audit entries of both rooms interleaved.
func recorded(t *testing.T) *env {
	e := newEnv(t)
	e.put(chain(prototest.Signer, "room-1", "cam1", "mmgmemm", t0)...)
	e.put(chain(prototest.Signer, "room-1", "mic1", "mmmmmmm", t0)...)
	e.put(chain(prototest.OtherSigner, "room-2", "cam1", "mmm", t0)...)
	e.audit("regulator@127.0.0.1", audit.LiveView, "room-2/cam1", "mjpeg")
	e.audit("regulator@127.0.0.1", audit.Playback, "room-1/cam1", "from seq 0")
	e.audit("regulator@127.0.0.1", audit.LiveView, "room-2/cam1", "websocket")
	return e
}
