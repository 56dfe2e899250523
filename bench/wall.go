package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evalroom/evalroom/edge/live"
	"github.com/evalroom/evalroom/protocol"
)

// wallWindow is how long a wall is measured: long enough for a few dozen
// sub-stream frames per tile, so that one frame more or less is little.
func wallWindow(cfg Config) time.Duration { return 3 * cfg.CostWindow }

// wallPlan measures a wall with a tile for every camera of the replay
// boxes: what leaves the hub and what the boxes send up, per tile, with the
// tiles on the sub-stream and, in the same run, on the full stream.
func wallPlan(ctx context.Context, cfg Config, hub *hubBinary, log *slog.Logger) (*plan, error) {
	bin, err := hub.get(ctx)
	if err != nil {
		return nil, err
	}
	frames, err := drawFrames(ctx, cfg, costFrames)
	if err != nil {
		return nil, err
	}
	rooms := benchRooms(cfg)
	tiles := camerasPerBox * cfg.CostRooms
	exp := &Experiment{
		Name: ExpWall, Unit: UnitKBps,
		Variants: []*Variant{
			{Name: "sub", About: fmt.Sprintf("%d wall tiles on the sub-stream (at most %d wide, %d fps)", tiles, protocol.SubWidth, protocol.SubFPS)},
			{Name: "full", About: fmt.Sprintf("the same %d tiles on the full stream (%dx%d, %d fps)", tiles, cfg.LiveWidth, cfg.LiveHeight, cfg.LiveFPS)},
		},
		Rows: []Row{
			{Label: fmt.Sprintf("hub egress per wall tile, sub-stream / full (%d tiles)", tiles), Real: "sub", Baseline: "full"},
			{Label: "  box upload per wall tile, sub-stream / full", Real: "sub", Baseline: "full", Stat: StatUpload},
			{Label: fmt.Sprintf("  hub CPU for the %d tiles, sub-stream / full", tiles), Real: "sub", Baseline: "full", Stat: StatCPU},
		},
		Notes: []string{
			fmt.Sprintf("both sides: an evalroom-hub process and %d replay boxes (edge/reporter and edge/live, %d cameras each, fed %d fps from %d JPEGs of %dx%d, about %d KB) as in hubcost; one HTTP client per camera reads its live.mjpeg, as a wall of %d tiles watches. sub asks ?rendition=sub: the box shrinks each picture it sends (edge/live.Shrink) and sends %d a second; full asks for the main stream.", cfg.CostRooms, camerasPerBox, cfg.LiveFPS, costFrames, cfg.LiveWidth, cfg.LiveHeight, avgLen(frames)/1000, tiles, protocol.SubFPS),
			fmt.Sprintf("once every client has a picture (its width checked: %d for sub, %d for full) and %v more have passed, over %v: hub egress = the JPEG bytes the clients read, box upload = the bytes of the live frames the boxes publish (header and JPEG), each divided by the tiles; hub CPU as in hubcost. Sub-stream frame numbers skip by design, so gaps are not counted as losses there.", protocol.SubWidth, cfg.LiveWidth, costSettle(cfg), wallWindow(cfg)),
		},
	}
	runs := map[string]runFunc{}
	for _, r := range []struct{ name, query string }{{"sub", "?rendition=sub"}, {"full", ""}} {
		runs[r.name] = func(ctx context.Context, dir string) (Sample, error) {
			return measureWall(ctx, cfg, bin, dir, rooms, frames, r.query, log)
		}
	}
	return &plan{exp: exp, runs: runs}, nil
}

// measureWall runs a hub and the replay boxes with every camera watched
// through query and measures one window.
func measureWall(ctx context.Context, cfg Config, bin, dir string, rooms []string, frames [][]byte, query string, log *slog.Logger) (Sample, error) {
	var sent atomic.Int64
	h, stop, err := startReplayHub(ctx, cfg, bin, dir, rooms, frames, &sent, log)
	if err != nil {
		return Sample{}, err
	}
	defer stop()
	tiles := camerasPerBox * len(rooms)
	vs := newViewers(ctx, h.url, h.viewToken, rooms, tiles, query)
	defer vs.stop()
	if err := vs.waitFrames(ctx); err != nil {
		return Sample{}, err
	}
	want := int64(cfg.LiveWidth)
	if query != "" {
		want = int64(cfg.LiveWidth / ((cfg.LiveWidth + protocol.SubWidth - 1) / protocol.SubWidth))
	}
	if w := vs.widths(); slices.ContainsFunc(w, func(x int64) bool { return x != want }) {
		return Sample{}, fmt.Errorf("pictures %v wide, want %d", w, want)
	}
	if err := sleepCtx(ctx, costSettle(cfg)); err != nil {
		return Sample{}, err
	}
	b0, u0 := vs.bytes(), sent.Load()
	s, err := sampleProc(ctx, h.pid(), wallWindow(cfg), vs.frames)
	if err != nil {
		return Sample{}, err
	}
	s.Bytes, s.Upload = (vs.bytes()-b0)/int64(tiles), (sent.Load()-u0)/int64(tiles)
	return s, vs.check()
}

// subCPUStreams is how many cameras the box CPU measurement feeds at once.
const subCPUStreams = 4

// subCPUPlan measures what making sub-streams costs a box: the bench
// process's CPU with cameras fed to edge/live and their sub-streams
// leased, next to the same with nothing leased and with the main streams
// leased.
func subCPUPlan(ctx context.Context, cfg Config) (*plan, error) {
	frames, err := drawFrames(ctx, cfg, costFrames)
	if err != nil {
		return nil, err
	}
	exp := &Experiment{
		Name: ExpSubCPU, Unit: UnitCPU,
		Variants: []*Variant{
			{Name: "none", About: fmt.Sprintf("%d cameras fed to edge/live, nothing leased", subCPUStreams)},
			{Name: "main", About: "the same, every main stream leased"},
			{Name: "sub", About: "the same, every sub-stream leased"},
		},
		Rows: []Row{
			{Label: fmt.Sprintf("box CPU per sub-stream made (%d fps, from %dx%d)", protocol.SubFPS, cfg.LiveWidth, cfg.LiveHeight), Real: "sub", Baseline: "none", Per: subCPUStreams},
			{Label: "  box CPU per main stream sent", Real: "main", Baseline: "none", Per: subCPUStreams},
		},
		Notes: []string{
			fmt.Sprintf("the bench process alone (no hub): %d cameras each offer edge/live.(*Live).Frame one of %d JPEGs of %dx%d every 1/%d s, as the recorder does; live leases as the hub sends them; what is published is counted and dropped. CPU of the whole process (its threads' schedstat) over %v, after %v; per stream = (leased - none) / %d. Sub-stream frames: decode with image/jpeg, average each 2x2 block of Y, Cb and Cr, encode at quality 70.", subCPUStreams, costFrames, cfg.LiveWidth, cfg.LiveHeight, cfg.LiveFPS, 2*cfg.CostWindow, costSettle(cfg), subCPUStreams),
		},
	}
	runs := map[string]runFunc{}
	for _, r := range []string{"none", "main", "sub"} {
		runs[r] = func(ctx context.Context, _ string) (Sample, error) { return measureBox(ctx, cfg, frames, r) }
	}
	return &plan{exp: exp, runs: runs}, nil
}

func measureBox(ctx context.Context, cfg Config, frames [][]byte, lease string) (Sample, error) {
	var sent, published atomic.Int64
	b := &replayBox{room: "bench-box", streams: streamNames("cam", subCPUStreams)}
	b.live = live.New(b.room, countingPublisher{n: &sent, counted: &published})
	for _, s := range b.streams {
		if lease == "none" {
			continue
		}
		cmd := protocol.Command{Kind: protocol.CmdLive, Stream: s, On: true, Lease: protocol.Duration(time.Hour)}
		if lease == "sub" {
			cmd.Rendition = protocol.RenditionSub
		}
		if err := b.live.Command(cmd, func(string) bool { return true }); err != nil {
			return Sample{}, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for _, s := range b.streams {
		wg.Go(func() { b.feed(ctx, s, frames, cfg.LiveFPS) })
	}
	if err := sleepCtx(ctx, costSettle(cfg)); err != nil {
		return Sample{}, err
	}
	s, err := sampleProc(ctx, os.Getpid(), 2*cfg.CostWindow, published.Load)
	if err != nil {
		return Sample{}, err
	}
	if lease != "none" && s.Count == 0 {
		return Sample{}, fmt.Errorf("nothing published with the %s streams leased", lease)
	}
	if lease == "none" && s.Count != 0 {
		return Sample{}, fmt.Errorf("%d frames published with nothing leased", s.Count)
	}
	return s, nil
}
