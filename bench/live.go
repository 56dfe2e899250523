package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/evalroom/evalroom/simulators/room"
)

// liveRoom is the room whose cameras the delay measurement watches.
const liveRoom = "bench-live"

// livePlan compares the live delay, capture to decoded frame in an HTTP
// client, through the real hub with two bare relays of the same simulated
// camera's frames.
func livePlan(ctx context.Context, cfg Config, hub *hubBinary, log *slog.Logger) (*plan, error) {
	bin, err := hub.get(ctx)
	if err != nil {
		return nil, err
	}
	exp := &Experiment{
		Name: ExpLive, Unit: UnitMs,
		Variants: []*Variant{
			{Name: "hub", About: "sim camera -> edge agent -> MQTT QoS 0 -> evalroom-hub -> live.mjpeg"},
			{Name: "relay", About: "sim camera -> bare HTTP multipart server"},
			{Name: "mqtt", About: "sim camera -> paho QoS 0 -> bare mochi -> HTTP multipart"},
		},
		Rows: []Row{
			{Label: fmt.Sprintf("live delay p50, %d streams %dx%d@%d", cfg.LiveStreams, cfg.LiveWidth, cfg.LiveHeight, cfg.LiveFPS), Real: "hub", Baseline: "relay"},
			{Label: "  p95", Real: "hub", Baseline: "relay", Stat: StatP95},
			{Label: "  vs bare MQTT relay, p50 (info)", Real: "hub", Baseline: "mqtt"},
			{Label: "  vs bare MQTT relay, p95 (info)", Real: "hub", Baseline: "mqtt", Stat: StatP95},
		},
		Notes: []string{
			fmt.Sprintf("every side: %d simulated cameras (simulators/camera, %dx%d JPEG at %d fps, capture time stamped in the JPEG) watched at once, one HTTP client per stream on loopback; the client reads each multipart part by its Content-Length, decodes it (image/jpeg), reads the stamp, and only then takes the time: delay = now - stamp. It skips %d warm-up frames and measures %d per stream. X-Capture-Time must equal the stamp, and a gap in X-Frame is a lost frame and fails the run. Ratio = hub / baseline; lower is better.", cfg.LiveStreams, cfg.LiveWidth, cfg.LiveHeight, cfg.LiveFPS, liveWarmFrames, cfg.LiveFrames),
			"hub: a real evalroom-hub process (embedded mochi, SQLite, built from hub/cmd) and a whole simulated room in the bench process (simulators/room: the real edge agent with recorder, signal checks, spool and uploader, recording and uploading all along); the client GETs /api/v1/rooms/{room}/streams/{stream}/live.mjpeg, the hub sends the live command, the box publishes each frame at QoS 0 while leased, the hub fans it out.",
			"baseline: a bare net/http server on loopback whose handler reads the same simulated camera and writes each frame as a part (same headers as the hub) and flushes, as soon as it is captured.",
			"informative: the same camera published raw at QoS 0 by a paho client to a bare mochi broker in the bench process (defaults, allow-all, nothing else); an inline subscription hands each frame to the HTTP handler (a channel of 2, drop the oldest, as the hub's) that writes and flushes it.",
		},
	}
	return &plan{exp: exp, runs: map[string]runFunc{
		"hub":   func(ctx context.Context, dir string) (Sample, error) { return liveThroughHub(ctx, cfg, bin, dir, log) },
		"relay": func(ctx context.Context, _ string) (Sample, error) { return liveThroughRelay(ctx, cfg) },
		"mqtt":  func(ctx context.Context, _ string) (Sample, error) { return liveThroughMQTT(ctx, cfg, log) },
	}}, nil
}

// liveThroughHub watches a simulated room's cameras through a hub process.
func liveThroughHub(ctx context.Context, cfg Config, bin, dir string, log *slog.Logger) (Sample, error) {
	h, err := startHubProc(ctx, bin, dir)
	if err != nil {
		return Sample{}, err
	}
	defer stopHub(h, log)
	rm, err := room.New(ctx, room.Config{
		ID: liveRoom, Name: "Bench live room", Hub: h.url, MQTT: h.mqtt, DataDir: filepath.Join(dir, "box"), Token: h.opToken,
		Cameras: cfg.LiveStreams, Width: cfg.LiveWidth, Height: cfg.LiveHeight, FPS: cfg.LiveFPS, Segment: 2 * time.Second,
	}, boxLogger(log), nil, nil)
	if err != nil {
		return Sample{}, fmt.Errorf("simulated room: %w", err)
	}
	actx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rm.Agent.Run(actx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			log.Warn("simulated room stopped with an error", "component", "bench", "err", err)
		}
	}()
	if err := waitOnline(ctx, h.url, h.opToken, []string{liveRoom}); err != nil {
		return Sample{}, err
	}
	return watchAll(ctx, cfg, h.viewToken, func(stream string) string {
		return fmt.Sprintf("%s/api/v1/rooms/%s/streams/%s/live.mjpeg", h.url, liveRoom, stream)
	})
}
