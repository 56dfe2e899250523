package bench

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestRunTiny runs every measurement with a few small segments and
// messages: the real components must take everything, and the report must
// print. It checks wiring, not speed.
func TestRunTiny(t *testing.T) {
	cfg := Config{
		TempDir: t.TempDir(), Rounds: 1, PayloadBytes: 4 << 10, Only: []string{ExpSpool, ExpUpload, ExpStatus},
		SpoolStreams: 2, SpoolPerStream: 3,
		UploadStreams: 2, UploadSegments: 6, UploadWorkers: 2,
		Rooms: 2, MsgsPerRoom: 10, Window: 4,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Experiments {
		for _, f := range e.Failures {
			t.Errorf("%s: %s", e.Name, f)
		}
		for _, r := range e.Rows {
			if r.Failed || r.Ratio <= 0 {
				t.Errorf("%s %q: no ratio", e.Name, r.Label)
			}
		}
	}
	if len(rep.Experiments) != 3 {
		t.Fatalf("%d experiments, want 3", len(rep.Experiments))
	}
	var out bytes.Buffer
	Print(&out, rep)
	for _, want := range []string{"spool write, 2 streams", "upload drain, 2 workers", "status ingest, 2 rooms", "kernel"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestLiveTiny watches a few small frames through a hub process and both
// relays, and has a hub process measured idle and with 1 and 4 streams
// watched. It checks counts (every frame measured arrived, decoded and
// stamped; none lost), not times.
func TestLiveTiny(t *testing.T) {
	cfg := Quick()
	cfg.TempDir, cfg.Only = t.TempDir(), []string{ExpLive, ExpCost}
	cfg.LiveWidth, cfg.LiveHeight, cfg.LiveStreams, cfg.LiveFrames = 160, 90, 2, 5
	cfg.CostRooms, cfg.CostWatched, cfg.CostWindow = 2, []int{1, 4}, 300*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Experiments) != 2 {
		t.Fatalf("%d experiments, want 2", len(rep.Experiments))
	}
	for _, e := range rep.Experiments {
		for _, f := range e.Failures {
			t.Errorf("%s: %s", e.Name, f)
		}
		for _, r := range e.Rows {
			if r.Failed {
				t.Errorf("%s %q: no result", e.Name, r.Label)
			}
		}
		for _, v := range e.Variants {
			if len(v.Rounds) != 1 {
				t.Fatalf("%s %s: %d runs, want 1", e.Name, v.Name, len(v.Rounds))
			}
			s := v.Rounds[0]
			switch {
			case e.Name == ExpLive && s.Count != int64(cfg.LiveStreams*cfg.LiveFrames):
				t.Errorf("live %s: %d frames measured, want %d", v.Name, s.Count, cfg.LiveStreams*cfg.LiveFrames)
			case e.Name == ExpLive && (s.P50 <= 0 || s.P95 < s.P50):
				t.Errorf("live %s: p50 %v, p95 %v", v.Name, s.P50, s.P95)
			case e.Name == ExpCost && v.Name == "idle" && s.Count != 0:
				t.Errorf("hubcost idle: %d frames to viewers, want none", s.Count)
			case e.Name == ExpCost && v.Name != "idle" && s.Count == 0:
				t.Errorf("hubcost %s: no frames to viewers", v.Name)
			case e.Name == ExpCost && s.RSS <= 0:
				t.Errorf("hubcost %s: RSS %d", v.Name, s.RSS)
			}
		}
	}
	var out bytes.Buffer
	Print(&out, rep)
	for _, want := range []string{"live delay p50, 2 streams", "hub CPU per watched stream, 4 watched", "RSS per stream from 1 to 4 watched"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestWallTiny measures a wall of 2 tiles on sub-streams and full streams,
// and a box making sub-streams: every picture has the rendition's width
// (checked in the run), and the sub-stream costs the hub's egress and the
// box's upload less than half of the full stream (half the frames, a
// quarter of the pixels).
func TestWallTiny(t *testing.T) {
	cfg := Quick()
	cfg.TempDir, cfg.Only = t.TempDir(), []string{ExpWall, ExpSubCPU}
	cfg.CostRooms, cfg.CostWindow = 1, 300*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Experiments) != 2 {
		t.Fatalf("%d experiments, want 2", len(rep.Experiments))
	}
	for _, e := range rep.Experiments {
		for _, f := range e.Failures {
			t.Errorf("%s: %s", e.Name, f)
		}
		for _, r := range e.Rows {
			switch {
			case r.Failed:
				t.Errorf("%s %q: no result", e.Name, r.Label)
			case e.Name == ExpWall && r.Stat != StatCPU && (r.Ratio <= 0 || r.Ratio >= 0.5):
				t.Errorf("%s %q: sub-stream / full %.2f, want above 0 and below 0.5", e.Name, r.Label, r.Ratio)
			}
		}
	}
	var out bytes.Buffer
	Print(&out, rep)
	for _, want := range []string{"hub egress per wall tile, sub-stream / full (2 tiles)", "box CPU per sub-stream made"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestMedianAndScore(t *testing.T) {
	sec := func(mb float64) Sample { return Sample{Elapsed: time.Second, Bytes: int64(mb * 1e6), Count: 1} }
	e := &Experiment{Unit: UnitMBps, Variants: []*Variant{
		{Name: "real", Rounds: []Sample{sec(90), sec(10), sec(50)}, unit: UnitMBps},
		{Name: "base", Rounds: []Sample{sec(100), sec(200)}, unit: UnitMBps},
		{Name: "broken", Err: "boom", unit: UnitMBps},
	}, Rows: []Row{
		{Label: "a", Real: "real", Baseline: "base", Target: 0.4},
		{Label: "b", Real: "real", Baseline: "base", Target: 0.6},
		{Label: "c", Real: "real", Baseline: "broken", Target: 0.1},
	}}
	e.score()
	// Medians: real 50 (middle of three), base 100 (lower middle of two).
	if r := e.Rows[0]; r.Ratio != 0.5 || !r.Met {
		t.Errorf("row a: %+v", r)
	}
	if r := e.Rows[1]; r.Met {
		t.Errorf("row b met a target above its ratio: %+v", r)
	}
	if r := e.Rows[2]; !r.Failed {
		t.Errorf("row c against a failed variant did not fail: %+v", r)
	}
}

func TestValidate(t *testing.T) {
	c := Defaults()
	c.Only = []string{"spool", "nope"}
	if err := c.Validate(); err == nil {
		t.Error("unknown measurement accepted")
	}
	if err := Quick().Validate(); err != nil {
		t.Error(err)
	}
	c = Defaults()
	c.CostWatched = []int{4, 2*c.CostRooms + 1}
	if err := c.Validate(); err == nil {
		t.Error("more watched streams than the boxes have accepted")
	}
}
