package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"time"
)

// runFunc runs one variant once in a fresh temp dir and returns what it did.
type runFunc func(ctx context.Context, dir string) (Sample, error)

// plan is an experiment ready to run.
type plan struct {
	exp     *Experiment
	runs    map[string]runFunc // by variant name
	cleanup func()
}

// Run measures what cfg asks for. Every temp dir is made under one parent,
// so that real and baseline share the file system. A failed variant is
// reported in its experiment; Run itself fails only when it cannot start.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	blog := log.With("component", "bench")
	parent, err := os.MkdirTemp(cfg.TempDir, "evalroom-bench-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(parent)
	rep := &Report{Started: time.Now().UTC(), Machine: Describe(parent), Config: cfg}
	hub := &hubBinary{path: cfg.HubBin, dir: parent} // built once, for the live measurements
	type build struct {
		name string
		make func() (*plan, error)
	}
	builds := []build{
		{ExpSpool, func() (*plan, error) { return spoolPlan(cfg, log) }},
		{ExpUpload, func() (*plan, error) { return uploadPlan(ctx, cfg, parent, log) }},
		{ExpStatus, func() (*plan, error) { return statusPlan(cfg, log) }},
		{ExpLive, func() (*plan, error) { return livePlan(ctx, cfg, hub, log) }},
		{ExpCost, func() (*plan, error) { return costPlan(ctx, cfg, hub, log) }},
		{ExpWall, func() (*plan, error) { return wallPlan(ctx, cfg, hub, log) }},
		{ExpSubCPU, func() (*plan, error) { return subCPUPlan(ctx, cfg) }},
	}
	for _, b := range builds {
		if !cfg.wants(b.name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		blog.Info("preparing", "measurement", b.name)
		p, err := b.make()
		if err != nil {
			exp := &Experiment{Name: b.name, Failures: []string{"prepare: " + err.Error()}}
			rep.Experiments = append(rep.Experiments, exp)
			continue
		}
		start := time.Now()
		runPlan(ctx, p, cfg.Rounds, parent, blog)
		p.exp.Duration = time.Since(start)
		rep.Experiments = append(rep.Experiments, p.exp)
	}
	rep.Duration = time.Since(rep.Started)
	return rep, ctx.Err()
}

// runPlan runs every variant once per round, in turn, reversing the order
// every other round so that neither side always runs first.
func runPlan(ctx context.Context, p *plan, rounds int, parent string, log *slog.Logger) {
	if p.cleanup != nil {
		defer p.cleanup()
	}
	for _, v := range p.exp.Variants {
		v.unit = p.exp.Unit
	}
	for r := range rounds {
		order := slices.Clone(p.exp.Variants)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, v := range order {
			if v.Err != "" || ctx.Err() != nil {
				continue
			}
			s, err := runOnce(ctx, p.runs[v.Name], parent, p.exp.Name+"-"+v.Name)
			if err != nil {
				v.Err = err.Error()
				p.exp.Failures = append(p.exp.Failures, fmt.Sprintf("%s: %v", v.Name, err))
				log.Error("measurement failed", "measurement", p.exp.Name, "variant", v.Name, "err", err)
				continue
			}
			v.Rounds = append(v.Rounds, s)
			log.Info("measured", "measurement", p.exp.Name, "variant", v.Name, "round", r+1,
				"elapsed", s.Elapsed.Round(time.Millisecond), "rate", fmt.Sprintf("%.1f %s", v.Rate(s), v.unit))
		}
	}
	p.exp.score()
}

func runOnce(ctx context.Context, run runFunc, parent, name string) (Sample, error) {
	dir, err := os.MkdirTemp(parent, name+"-")
	if err != nil {
		return Sample{}, err
	}
	defer os.RemoveAll(dir)
	runtime.GC() // start each run without the last one's garbage
	return run(ctx, dir)
}
