// Package live fans live frames out to viewers. The first viewer of a
// stream's rendition (the main stream, or the sub-stream thumbnails ask
// for) asks the box to start publishing it, the hub renews the lease while
// anybody watches, and the last viewer leaving stops it: a box sends a
// rendition only while somebody watches that rendition.
package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/internal/run"
	"github.com/evalroom/evalroom/protocol"
)

// Lease is how long one live command keeps a stream on; it is renewed at a
// third of that while anybody watches.
const Lease = 30 * time.Second

// Frame is one live frame: its header and the encoded bytes as they came
// from the box (protocol live frame format).
type Frame struct {
	Header protocol.LiveHeader
	Raw    []byte
	Data   []byte // the JPEG or PCM inside Raw
}

type key struct{ room, stream, rendition string }

// Hub is the live fan-out.
type Hub struct {
	bus bus.Bus
	log *slog.Logger

	mu      sync.Mutex
	viewers map[key]map[*Viewer]struct{}

	received, receivedSub atomic.Uint64

	watched, watchedSub prometheus.Gauge
	frames, framesSub   prometheus.Counter
	dropped             prometheus.Counter

	renew *run.Group // nil until Start
}

// Viewer receives the newest frames of one stream; a slow viewer skips
// frames rather than slowing anybody else.
type Viewer struct {
	C     chan Frame
	key   key
	hub   *Hub
	close sync.Once
}

// New returns a live hub.
func New(b bus.Bus, log *slog.Logger, reg prometheus.Registerer) *Hub {
	h := &Hub{
		bus: b, log: log.With("component", "live"), viewers: map[key]map[*Viewer]struct{}{},
		watched:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "evalroom_hub_live_streams_watched", Help: "Stream renditions (main or sub) with at least one live viewer."}),
		watchedSub: prometheus.NewGauge(prometheus.GaugeOpts{Name: "evalroom_hub_live_substreams_watched", Help: "Sub-streams with at least one live viewer (also counted in evalroom_hub_live_streams_watched)."}),
		frames:     prometheus.NewCounter(prometheus.CounterOpts{Name: "evalroom_hub_live_frames_total", Help: "Live frames received from boxes, of either rendition."}),
		framesSub:  prometheus.NewCounter(prometheus.CounterOpts{Name: "evalroom_hub_live_sub_frames_total", Help: "Sub-stream live frames received from boxes (also counted in evalroom_hub_live_frames_total)."}),
		dropped:    prometheus.NewCounter(prometheus.CounterOpts{Name: "evalroom_hub_live_frames_skipped_total", Help: "Live frames a slow viewer skipped."}),
	}
	if reg != nil {
		reg.MustRegister(h.watched, h.watchedSub, h.frames, h.framesSub, h.dropped)
	}
	return h
}

// Start subscribes to live frames and renews leases until ctx ends or
// Close.
func (h *Hub) Start(ctx context.Context) error {
	if err := h.bus.Subscribe(protocol.TopicRoot+"/+/"+protocol.TopicLive+"/+", h.handle); err != nil {
		return err
	}
	h.renew = run.New(ctx, "live leases")
	h.renew.Go(func(ctx context.Context) {
		run.Every(ctx, Lease/3, func(context.Context) {
			h.mu.Lock()
			var keys []key
			for k := range h.viewers {
				keys = append(keys, k)
			}
			h.mu.Unlock()
			for _, k := range keys {
				h.command(k, true)
			}
		})
	})
	return nil
}

// Close stops renewing leases and returns once it has stopped.
func (h *Hub) Close() { h.renew.Close() }

func (h *Hub) handle(topic string, payload []byte) {
	room, _, stream, err := protocol.ParseTopic(topic)
	if err != nil {
		return
	}
	hdr, data, err := protocol.DecodeLive(payload)
	if err != nil || hdr.Room != room || hdr.Stream != stream {
		h.log.Debug("refused a live frame", "topic", topic, "err", err)
		return
	}
	h.frames.Inc()
	if hdr.Rendition == protocol.RenditionSub {
		h.framesSub.Inc()
		h.receivedSub.Add(1)
	} else {
		h.received.Add(1)
	}
	f := Frame{Header: hdr, Raw: payload, Data: data}
	h.mu.Lock()
	defer h.mu.Unlock()
	for v := range h.viewers[key{room, stream, hdr.Rendition}] {
		select {
		case v.C <- f:
		default:
			// Drop the oldest queued frame for the newest.
			select {
			case <-v.C:
			default:
			}
			select {
			case v.C <- f:
			default:
			}
			h.dropped.Inc()
		}
	}
}

// Watch adds a viewer of one stream's main rendition; call Close when done.
func (h *Hub) Watch(room, stream string) *Viewer {
	return h.WatchRendition(room, stream, protocol.RenditionMain)
}

// WatchRendition adds a viewer of one rendition of a stream
// (protocol.RenditionMain or RenditionSub); call Close when done.
func (h *Hub) WatchRendition(room, stream, rendition string) *Viewer {
	k := key{room, stream, rendition}
	v := &Viewer{C: make(chan Frame, 2), key: k, hub: h}
	h.mu.Lock()
	first := h.viewers[k] == nil
	if first {
		h.viewers[k] = map[*Viewer]struct{}{}
		h.watched.Inc()
		if rendition == protocol.RenditionSub {
			h.watchedSub.Inc()
		}
	}
	h.viewers[k][v] = struct{}{}
	h.mu.Unlock()
	if first {
		h.command(k, true)
	}
	return v
}

// Close removes the viewer; the last one out stops the stream.
func (v *Viewer) Close() {
	v.close.Do(func() {
		h := v.hub
		h.mu.Lock()
		delete(h.viewers[v.key], v)
		last := len(h.viewers[v.key]) == 0
		if last {
			delete(h.viewers, v.key)
			h.watched.Dec()
			if v.key.rendition == protocol.RenditionSub {
				h.watchedSub.Dec()
			}
		}
		h.mu.Unlock()
		if last {
			h.command(v.key, false)
		}
	})
}

// Received counts main-stream live frames taken from boxes since start.
func (h *Hub) Received() uint64 { return h.received.Load() }

// ReceivedSub counts sub-stream live frames taken from boxes since start.
func (h *Hub) ReceivedSub() uint64 { return h.receivedSub.Load() }

// Viewers returns the number of viewers of a stream's main rendition.
func (h *Hub) Viewers(room, stream string) int {
	return h.ViewersOf(room, stream, protocol.RenditionMain)
}

// ViewersOf returns the number of viewers of one rendition of a stream.
func (h *Hub) ViewersOf(room, stream, rendition string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.viewers[key{room, stream, rendition}])
}

// renditionLabel names a rendition in metrics.
func renditionLabel(r string) string {
	if r == protocol.RenditionMain {
		return "main"
	}
	return r
}

func (h *Hub) command(k key, on bool) {
	id := make([]byte, 8)
	rand.Read(id)
	cmd := &protocol.Command{V: protocol.Version, ID: hex.EncodeToString(id), Room: k.room, Kind: protocol.CmdLive, Stream: k.stream, Rendition: k.rendition, On: on, Sent: time.Now().UTC()}
	if on {
		cmd.Lease = protocol.Duration(Lease)
	}
	b, err := protocol.Encode(cmd)
	if err != nil {
		h.log.Error("cannot encode live command", "err", err)
		return
	}
	if err := h.bus.Publish(protocol.RoomTopic(k.room, protocol.TopicCmd), b, 1, false); err != nil {
		h.log.Warn("cannot send live command", "room", k.room, "stream", k.stream, "rendition", renditionLabel(k.rendition), "err", err)
	}
}
