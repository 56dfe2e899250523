package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/hub/live"
	"github.com/evalroom/evalroom/protocol"
)

// loopBus is a bus.Bus in the test process: a publish reaches the handlers
// whose filter matches, as the embedded broker's inline client does.
type loopBus struct {
	mu   sync.Mutex
	subs map[string]bus.Handler
}

var _ bus.Bus = (*loopBus)(nil)

func (b *loopBus) Subscribe(filter string, h bus.Handler) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[string]bus.Handler{}
	}
	b.subs[filter] = h
	return nil
}

func (b *loopBus) Publish(topic string, payload []byte, qos byte, retained bool) error {
	b.mu.Lock()
	var hs []bus.Handler
	for f, h := range b.subs {
		if topicMatches(f, topic) {
			hs = append(hs, h)
		}
	}
	b.mu.Unlock()
	for _, h := range hs {
		h(topic, payload)
	}
	return nil
}

func (b *loopBus) Close() error { return nil }

// topicMatches knows MQTT's single-level wildcard, all the hub uses here.
func topicMatches(filter, topic string) bool {
	f, t := strings.Split(filter, "/"), strings.Split(topic, "/")
	if len(f) != len(t) {
		return false
	}
	for i := range f {
		if f[i] != "+" && f[i] != t[i] {
			return false
		}
	}
	return true
}

// TestMJPEGPartArrivesWithItsFrame reads live.mjpeg with mime/multipart,
// which ends a part only at the next boundary, and needs each frame whole
// before the next one is published.
func TestMJPEGPartArrivesWithItsFrame(t *testing.T) {
	rg := newRig(t)
	if err := rg.st.CreateRoom(context.Background(), "room-1", "第1评标室"); err != nil {
		t.Fatal(err)
	}
	lb := &loopBus{}
	log := slog.New(slog.DiscardHandler)
	lh := live.New(lb, log, nil)
	if err := lh.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lh.Close)
	// The handler alone: what is tested is how it writes, not who may watch.
	a := New(rg.st, rg.fleet, lh, rg.audit, log, time.Hour)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/rooms/{room}/streams/{stream}/live.mjpeg", a.mjpeg)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/rooms/room-1/streams/cam1/live.mjpeg", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	if n := lh.Viewers("room-1", "cam1"); n != 1 {
		t.Fatalf("%d viewers of cam1 once the response began, want 1", n)
	}

	type got struct {
		hdr  map[string][]string
		data string
		err  error
	}
	parts := make(chan got)
	go func() {
		mr := multipart.NewReader(bufio.NewReader(resp.Body), params["boundary"])
		for {
			var g got
			p, err := mr.NextPart()
			if err == nil {
				var b []byte
				b, err = io.ReadAll(p)
				g = got{hdr: p.Header, data: string(b)}
			}
			g.err = err
			select {
			case parts <- g:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	t0 := time.Now().UnixNano()
	for seq := uint64(1); seq <= 3; seq++ {
		data := fmt.Sprintf("\xff\xd8frame %d\r\n--not-the-boundary\r\n\xff\xd9", seq)
		capture := t0 + int64(seq)*int64(100*time.Millisecond)
		b, err := protocol.EncodeLive(protocol.LiveHeader{Room: "room-1", Stream: "cam1", Seq: seq, Time: capture, Codec: protocol.CodecMJPEG}, []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := lb.Publish(protocol.LiveTopic("room-1", "cam1"), b, 0, false); err != nil {
			t.Fatal(err)
		}
		var g got
		select {
		case g = <-parts:
		case <-time.After(10 * time.Second):
			t.Fatalf("frame %d not read from live.mjpeg before the next frame was published", seq)
		}
		if g.err != nil {
			t.Fatalf("frame %d: %v", seq, g.err)
		}
		if g.data != data {
			t.Fatalf("frame %d: part %q, want %q", seq, g.data, data)
		}
		want := map[string]string{
			"Content-Type":   "image/jpeg",
			"Content-Length": fmt.Sprint(len(data)),
			"X-Capture-Time": fmt.Sprint(capture),
			"X-Frame":        fmt.Sprint(seq),
		}
		for k, v := range want {
			if h := g.hdr[k]; len(h) != 1 || h[0] != v {
				t.Errorf("frame %d: %s %q, want %q", seq, k, h, v)
			}
		}
	}
}
