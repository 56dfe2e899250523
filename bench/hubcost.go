package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evalroom/evalroom/internal/bearer"
	"github.com/evalroom/evalroom/protocol"
)

// costFrames is how many different pictures each replay box cycles through.
const costFrames = 10

// costPlan measures a hub process's CPU and memory with K live streams
// watched, next to the same hub with none watched.
func costPlan(ctx context.Context, cfg Config, hub *hubBinary, log *slog.Logger) (*plan, error) {
	bin, err := hub.get(ctx)
	if err != nil {
		return nil, err
	}
	frames, err := drawFrames(ctx, cfg, costFrames)
	if err != nil {
		return nil, err
	}
	rooms := benchRooms(cfg)
	streams := camerasPerBox * cfg.CostRooms
	exp := &Experiment{
		Name: ExpCost, Unit: UnitCPU,
		Variants: []*Variant{{Name: "idle", About: fmt.Sprintf("hub process, %d boxes connected, nobody watching", cfg.CostRooms)}},
		Notes: []string{
			fmt.Sprintf("every side: a real evalroom-hub process (built from hub/cmd, embedded mochi, SQLite) with %d rooms created through its API and %d boxes connected to its broker, each with %d cameras (%d streams). A box is the real edge/reporter and edge/live fed every 1/%d s with one of %d JPEGs the simulated camera drew beforehand (%dx%d, about %d KB); it publishes a stream at QoS 0 only while the hub holds a lease on it, and records nothing, so the hub does only fleet and live work.", cfg.CostRooms, cfg.CostRooms, camerasPerBox, streams, cfg.LiveFPS, costFrames, cfg.LiveWidth, cfg.LiveHeight, avgLen(frames)/1000),
			fmt.Sprintf("K watched: K HTTP clients in the bench process each GET one stream's live.mjpeg and read every part (no decoding: the client's cost is not the hub's). Once every client has frames and %v more have passed, the hub's CPU time (the sum over its threads of /proc/PID/task/*/schedstat, in ns; utime+stime of /proc/PID/stat where the kernel lacks it) is taken over %v and its VmRSS (/proc/PID/status) averaged over samples every 100 ms. A gap in X-Frame is a lost frame and fails the run.", costSettle(cfg), cfg.CostWindow),
			"baseline: the same hub and boxes with nobody watching (the hub must receive no live frame then). Per stream = (K watched - idle) / K, from the medians; \"from K1 to K2\" = (K2 watched - K1 watched) / (K2 - K1), the cost of one more stream once some are watched.",
		},
	}
	runs := map[string]runFunc{"idle": func(ctx context.Context, dir string) (Sample, error) {
		return measureHub(ctx, cfg, bin, dir, rooms, frames, 0, log)
	}}
	for i, k := range cfg.CostWatched {
		name := fmt.Sprintf("watch%d", k)
		exp.Variants = append(exp.Variants, &Variant{Name: name, About: fmt.Sprintf("same, %d streams watched", k)})
		exp.Rows = append(exp.Rows,
			Row{Label: fmt.Sprintf("hub CPU per watched stream, %d watched", k), Real: name, Baseline: "idle", Per: k},
			Row{Label: fmt.Sprintf("  hub RSS per watched stream, %d watched", k), Real: name, Baseline: "idle", Per: k, Stat: StatRSS})
		if i > 0 && k > cfg.CostWatched[i-1] {
			prev := cfg.CostWatched[i-1]
			from := fmt.Sprintf("watch%d", prev)
			exp.Rows = append(exp.Rows,
				Row{Label: fmt.Sprintf("  CPU per stream from %d to %d watched", prev, k), Real: name, Baseline: from, Per: k - prev},
				Row{Label: fmt.Sprintf("  RSS per stream from %d to %d watched", prev, k), Real: name, Baseline: from, Per: k - prev, Stat: StatRSS})
		}
		runs[name] = func(ctx context.Context, dir string) (Sample, error) {
			return measureHub(ctx, cfg, bin, dir, rooms, frames, k, log)
		}
	}
	return &plan{exp: exp, runs: runs}, nil
}

// benchRooms names the rooms of the replay boxes.
func benchRooms(cfg Config) []string {
	rooms := make([]string, cfg.CostRooms)
	for i := range rooms {
		rooms[i] = fmt.Sprintf("bench-room-%02d", i+1)
	}
	return rooms
}

// costSettle is how long the watched hub runs before it is measured.
func costSettle(cfg Config) time.Duration { return cfg.CostWindow / 4 }

// startReplayHub starts a hub process with the rooms created through its
// API and their replay boxes connected and online; sent, when not nil,
// counts the live bytes the boxes publish. stop ends boxes, then hub.
func startReplayHub(ctx context.Context, cfg Config, bin, dir string, rooms []string, frames [][]byte, sent *atomic.Int64, log *slog.Logger) (h *hubProc, stop func(), err error) {
	if h, err = startHubProc(ctx, bin, dir); err != nil {
		return nil, nil, err
	}
	stops := []func(){func() { stopHub(h, log) }}
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	keys := make(map[string]protocol.Signer, len(rooms))
	for _, id := range rooms {
		if keys[id], err = createRoom(ctx, h.url, h.opToken, id, "Bench "+id); err != nil {
			return nil, nil, err
		}
	}
	stopBoxes, err := startReplayBoxes(ctx, h.mqtt, keys, frames, cfg.LiveFPS, sent, boxLogger(log))
	if err != nil {
		return nil, nil, err
	}
	stops = append(stops, stopBoxes)
	if err := waitOnline(ctx, h.url, h.opToken, rooms); err != nil {
		return nil, nil, err
	}
	return h, stop, nil
}

// measureHub starts a hub process and the replay boxes, has k streams
// watched, and measures the hub over cfg.CostWindow.
func measureHub(ctx context.Context, cfg Config, bin, dir string, rooms []string, frames [][]byte, k int, log *slog.Logger) (Sample, error) {
	h, stop, err := startReplayHub(ctx, cfg, bin, dir, rooms, frames, nil, log)
	if err != nil {
		return Sample{}, err
	}
	defer stop()
	vs := newViewers(ctx, h.url, h.viewToken, rooms, k, "")
	defer vs.stop()
	if err := vs.waitFrames(ctx); err != nil {
		return Sample{}, err
	}
	if err := sleepCtx(ctx, costSettle(cfg)); err != nil {
		return Sample{}, err
	}
	s, err := sampleProc(ctx, h.pid(), cfg.CostWindow, vs.frames)
	if err != nil {
		return Sample{}, err
	}
	if err := vs.check(); err != nil {
		return Sample{}, err
	}
	if k == 0 {
		n, err := hubMetric(ctx, h.url, h.opToken, "evalroom_hub_live_frames_total")
		if err != nil {
			return Sample{}, err
		}
		if n != 0 {
			return Sample{}, fmt.Errorf("the hub received %.0f live frames while nobody watched", n)
		}
	}
	return s, nil
}

// sampleProc measures process pid over window: CPU time used, mean RSS
// (sampled every 100 ms) and how far count moved.
func sampleProc(ctx context.Context, pid int, window time.Duration, count func() int64) (Sample, error) {
	c0, err := procCPU(pid)
	if err != nil {
		return Sample{}, err
	}
	t0, n0 := time.Now(), count()
	var rss, samples int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for end := t0.Add(window); time.Now().Before(end); {
		r, err := procRSS(pid)
		if err != nil {
			return Sample{}, err
		}
		rss, samples = rss+r, samples+1
		select {
		case <-ctx.Done():
			return Sample{}, ctx.Err()
		case <-tick.C:
		}
	}
	c1, err := procCPU(pid)
	if err != nil {
		return Sample{}, err
	}
	return Sample{Elapsed: time.Since(t0), Count: count() - n0, CPU: c1 - c0, RSS: rss / samples}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func avgLen(frames [][]byte) int {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	return n / max(1, len(frames))
}

// viewers watch k streams: the two cameras of the first rooms, in turn.
type viewers struct {
	list   []*countingViewer
	cancel context.CancelFunc
	wg     sync.WaitGroup
	tr     *http.Transport
}

// newViewers starts k viewers of the rooms' cameras in turn; query is
// added to each live.mjpeg address ("?rendition=sub": the sub-stream,
// whose X-Frame numbers skip the camera frames it leaves out).
func newViewers(ctx context.Context, hubURL, token string, rooms []string, k int, query string) *viewers {
	ctx, cancel := context.WithCancel(ctx)
	vs := &viewers{cancel: cancel, tr: &http.Transport{MaxIdleConnsPerHost: k}}
	client := &http.Client{Transport: bearer.Transport(token, vs.tr)}
	for i := range k {
		v := &countingViewer{url: fmt.Sprintf("%s/api/v1/rooms/%s/streams/cam%d/live.mjpeg%s", hubURL, rooms[i/camerasPerBox], i%camerasPerBox+1, query), skips: query != ""}
		vs.list = append(vs.list, v)
		vs.wg.Go(func() { v.run(ctx, client) })
	}
	return vs
}

func (vs *viewers) stop() {
	vs.cancel()
	vs.wg.Wait()
	vs.tr.CloseIdleConnections()
}
