package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

const benchRoom = "bench-room"

// spoolPlan compares (*spool.Spool).Append from concurrent streams with
// plain appends of the same bytes, each made durable before going on.
func spoolPlan(cfg Config, log *slog.Logger) (*plan, error) {
	pool, err := payloadPool(cfg.PayloadBytes)
	if err != nil {
		return nil, err
	}
	streams := streamNames("cam", cfg.SpoolStreams)
	segs := make([][]*protocol.Segment, len(streams))
	for i, s := range streams {
		// A new spool's head is {NextSeq: 0, Prev: ""}; each Append is
		// checked against spool.Head as it goes.
		if segs[i], err = chain(pool, cfg.PayloadBytes, benchRoom, s, 0, "", cfg.SpoolPerStream); err != nil {
			return nil, err
		}
	}
	n := cfg.SpoolStreams
	exp := &Experiment{
		Name: ExpSpool, Unit: UnitMBps,
		Variants: []*Variant{
			{Name: "real", About: fmt.Sprintf("spool.Append, %d streams", n)},
			{Name: "fdatasync", About: fmt.Sprintf("O_APPEND file, %d writers, write+fdatasync each", n)},
			{Name: "single", About: "O_APPEND file, 1 writer, write+fdatasync each"},
		},
		// The baseline is raw fsynced sequential writes of the same
		// sizes: one writer. Six concurrent writers, whose flushes the disk
		// overlaps, are the harder comparison and are shown too.
		Rows: []Row{
			{Label: fmt.Sprintf("spool write, %d streams", n), Real: "real", Baseline: "single", Target: 0.8},
			{Label: fmt.Sprintf("  vs %d raw writers at once (info)", n), Real: "real", Baseline: "fdatasync"},
		},
		Notes: []string{
			fmt.Sprintf("real: %d goroutines, one stream each, call (*spool.Spool).Append with %d KiB signed media segments (prototest.Signer, chained from spool.Head, sealed before the clock starts); Append returns after the bbolt commit of the stream's own file (fdatasync of the data pages, then of the meta page); the streams' files commit side by side.", n, cfg.PayloadBytes>>10),
			"baseline: raw fsynced sequential writes of the same encoded segments: one writer appends each to a plain file (O_APPEND) and fdatasyncs it before the next (what `dd oflag=dsync` measures): the same per-segment durability without a database.",
			fmt.Sprintf("informative: %d writers, one per stream, do the same to one file at once; the kernel overlaps their flushes and may merge them in one journal commit, the raw form of what a file per stream gives the spool.", n),
		},
	}
	return &plan{exp: exp, runs: map[string]runFunc{
		"real": func(ctx context.Context, dir string) (Sample, error) { return runSpool(ctx, dir, segs, log) },
		"fdatasync": func(ctx context.Context, dir string) (Sample, error) {
			return runAppendFile(ctx, dir, segs)
		},
		"single": func(ctx context.Context, dir string) (Sample, error) {
			return runAppendFile(ctx, dir, [][]*protocol.Segment{interleave(segs)})
		},
	}}, nil
}

func runSpool(ctx context.Context, dir string, segs [][]*protocol.Segment, log *slog.Logger) (Sample, error) {
	sp, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{Signer: prototest.Signer, Logger: log})
	if err != nil {
		return Sample{}, err
	}
	defer sp.Close()
	sw := startStopwatch()
	err = each(segs, func(list []*protocol.Segment) error {
		for _, seg := range list {
			h := sp.Head(seg.Header.Stream)
			if h.NextSeq != seg.Header.Seq || h.Prev != seg.Header.Prev {
				return fmt.Errorf("%s: spool head at %d, segment is %d", seg.Header.Stream, h.NextSeq, seg.Header.Seq)
			}
			if err := sp.Append(ctx, seg); err != nil {
				return err
			}
		}
		return nil
	})
	s := total(segs, sw)
	if err != nil {
		return Sample{}, err
	}
	if st := sp.Stats(); st.Records != s.Count || st.Bytes != s.Bytes {
		return Sample{}, fmt.Errorf("spool holds %d records, %d bytes; appended %d, %d bytes", st.Records, st.Bytes, s.Count, s.Bytes)
	}
	if err := sp.Check(); err != nil {
		return Sample{}, err
	}
	return s, sp.Close()
}

// runAppendFile writes each list from its own goroutine to one O_APPEND
// file, fdatasync after every segment.
func runAppendFile(ctx context.Context, dir string, segs [][]*protocol.Segment) (Sample, error) {
	f, err := os.OpenFile(filepath.Join(dir, "segments.raw"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return Sample{}, err
	}
	defer f.Close()
	fd := int(f.Fd())
	sw := startStopwatch()
	err = each(segs, func(list []*protocol.Segment) error {
		for _, seg := range list {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := f.Write(seg.Encode()); err != nil {
				return err
			}
			if err := syscall.Fdatasync(fd); err != nil {
				return fmt.Errorf("fdatasync: %w", err)
			}
		}
		return nil
	})
	s := total(segs, sw)
	if err != nil {
		return Sample{}, err
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != s.Bytes {
		return Sample{}, fmt.Errorf("baseline file has the wrong size (want %d bytes): %v", s.Bytes, err)
	}
	return s, f.Close()
}

// each runs fn on every list concurrently and returns the first error.
func each(lists [][]*protocol.Segment, fn func([]*protocol.Segment) error) error {
	errs := make(chan error, len(lists))
	var wg sync.WaitGroup
	for _, l := range lists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- fn(l)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// total ends the timed section of a run that stored segs.
func total(segs [][]*protocol.Segment, sw stopwatch) Sample {
	var count, bytes int64
	for _, l := range segs {
		for _, seg := range l {
			count++
			bytes += encodedSize(seg)
		}
	}
	return sw.sample(count, bytes)
}

// interleave orders the segments of all streams round-robin, as one writer
// of several streams would write them.
func interleave(segs [][]*protocol.Segment) []*protocol.Segment {
	var out []*protocol.Segment
	for i := 0; ; i++ {
		added := false
		for _, l := range segs {
			if i < len(l) {
				out = append(out, l[i])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}
