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
		TempDir: t.TempDir(), Rounds: 1, PayloadBytes: 4 << 10,
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
}
