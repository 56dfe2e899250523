package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/evalroom/evalroom/simulators/camera"
)

const relayTopic = "bench/live/"

// liveThroughMQTT is the informative baseline: the simulated cameras
// published raw at QoS 0 to a bare mochi broker, and an HTTP handler that
// writes what an inline subscription hands it.
func liveThroughMQTT(ctx context.Context, cfg Config, log *slog.Logger) (Sample, error) {
	brokerLog := log
	if !log.Enabled(ctx, slog.LevelInfo) {
		brokerLog = slog.New(quieter{log.Handler(), slog.LevelError}) // mochi warns of every hang-up
	}
	// mochi with its defaults, an inline client and allow-all: nothing else.
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: brokerLog})
	ln := listeners.NewTCP(listeners.Config{ID: "bench", Address: "127.0.0.1:0"})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return Sample{}, err
	}
	if err := srv.AddListener(ln); err != nil {
		return Sample{}, err
	}
	go srv.Serve()
	defer srv.Close()
	fan := &fanout{viewers: map[string]map[chan part]struct{}{}}
	if err := srv.Subscribe(relayTopic+"+", 1, func(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
		fan.deliver(pk.TopicName, pk.Payload)
	}); err != nil {
		return Sample{}, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /live/{stream}", fan.serve)
	base, stop, err := serveLoopback(mux)
	if err != nil {
		return Sample{}, err
	}
	defer stop()

	opts := mqtt.NewClientOptions().AddBroker("tcp://" + ln.Address()).SetClientID("bench-live-relay").
		SetCleanSession(true).SetOrderMatters(false).SetConnectTimeout(5 * time.Second).SetAutoReconnect(false)
	c := mqtt.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(mqttTimeout) || tok.Error() != nil {
		return Sample{}, fmt.Errorf("connect to the bare broker: %v", tok.Error())
	}
	defer c.Disconnect(100)
	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for _, s := range streamNames("cam", cfg.LiveStreams) {
		wg.Go(func() { publishCamera(pctx, c, liveCamera(cfg, s)) })
	}
	return watchAll(ctx, cfg, "", func(stream string) string { return base + "/live/" + stream })
}

// publishCamera publishes every frame of a simulated camera at QoS 0 as
// capture time (8 bytes), frame number (8 bytes) and the JPEG.
func publishCamera(ctx context.Context, c mqtt.Client, cfg camera.Config) {
	cam := camera.New(cfg, nil)
	defer cam.Close()
	for seq := uint64(0); ; seq++ {
		f, err := cam.Read(ctx)
		if err != nil {
			return
		}
		b := make([]byte, 16, 16+len(f.Data))
		binary.BigEndian.PutUint64(b, uint64(f.Time.UnixNano()))
		binary.BigEndian.PutUint64(b[8:], seq)
		c.Publish(relayTopic+cfg.Stream, 0, false, append(b, f.Data...))
	}
}

// fanout hands each frame to the viewers of its stream, dropping the
// oldest queued frame for a slow one, as the hub's live fan-out does.
type fanout struct {
	mu      sync.Mutex
	viewers map[string]map[chan part]struct{}
}

func (f *fanout) deliver(topic string, payload []byte) {
	if len(payload) < 16 {
		return
	}
	p := part{capture: int64(binary.BigEndian.Uint64(payload)), seq: binary.BigEndian.Uint64(payload[8:]), data: payload[16:]}
	stream := topic[strings.LastIndexByte(topic, '/')+1:]
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.viewers[stream] {
		select {
		case ch <- p:
		default:
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- p:
			default:
			}
		}
	}
}

func (f *fanout) serve(w http.ResponseWriter, r *http.Request) {
	stream := r.PathValue("stream")
	ch := make(chan part, 2)
	f.mu.Lock()
	if f.viewers[stream] == nil {
		f.viewers[stream] = map[chan part]struct{}{}
	}
	f.viewers[stream][ch] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.viewers[stream], ch)
		f.mu.Unlock()
	}()
	rc := startMJPEG(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case p := <-ch:
			if writePart(w, p.capture, p.seq, p.data) != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
