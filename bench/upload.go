package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/edge/uploader"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// drainTimeout bounds one drain; a healthy one takes seconds.
const drainTimeout = 2 * time.Minute

// sink is where the uploader sends: the real hub or a bare server.
type sink struct {
	url    string
	stored func(ctx context.Context) (int64, error) // segments it holds
	close  func() error
}

type startSink func(ctx context.Context, dir string) (*sink, error)

// uploadPlan pre-fills one spool and drains a copy of it into each server
// with the same uploader code, so that only the server differs.
func uploadPlan(ctx context.Context, cfg Config, parent string, log *slog.Logger) (*plan, error) {
	dir, err := os.MkdirTemp(parent, "upload-prefill-")
	if err != nil {
		return nil, err
	}
	src := filepath.Join(dir, "spool")
	streams := streamNames("cam", cfg.UploadStreams)
	segs, err := prefill(ctx, src, cfg, streams, log)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	w := cfg.UploadWorkers
	exp := &Experiment{
		Name: ExpUpload, Unit: UnitMBps,
		Variants: []*Variant{
			{Name: "real", About: "uploader -> hub (server.Start)"},
			{Name: "file", About: "uploader -> bare PUT: file+fsync"},
			{Name: "discard", About: "uploader -> bare PUT: discard"},
			{Name: "real-mem", About: "in-memory queue: uploader -> hub"},
			{Name: "file-mem", About: "in-memory queue: uploader -> bare PUT: file+fsync"},
		},
		Rows: []Row{
			{Label: fmt.Sprintf("upload drain, %d workers", w), Real: "real", Baseline: "file", Target: 0.7},
			{Label: "  vs discarding server (informative)", Real: "real", Baseline: "discard"},
			{Label: "  servers only, in-memory queue (info)", Real: "real-mem", Baseline: "file-mem"},
		},
		Notes: []string{
			fmt.Sprintf("real: edge/uploader with %d workers drains a copy of a pre-filled spool (%d segments of %d KiB, %d streams of one room) into a hub from server.Start on 127.0.0.1:0 with the room enrolled for prototest.Signer's key; the hub (plain HTTP, as the baseline) verifies, chains, appends the record to the room's pack file, and syncs the pack and commits the index in SQLite (synchronous=FULL), once for all uploads that arrived together, before it acks. Timed from start until the spool is empty (every ack committed); backlog order (LiveWindow 1 ns: oldest first).", w, cfg.UploadSegments, cfg.PayloadBytes>>10, cfg.UploadStreams),
			"baseline: the same uploader, spool copy and HTTP client against a bare net/http PUT server on loopback that reads each body, writes it to a new file, fsyncs it and answers 201 with the JSON ack ({\"stored\":true,\"hash\":X-Evalroom-Hash}). Only the server differs; the edge side (spool reads, acks) is in both.",
			"informative: the same against a bare PUT server that discards the body: the edge side's own ceiling.",
			"informative: hub against the file+fsync server with the spool replaced by an in-memory queue of the same segments, so that the edge's own cost does not hide the servers' difference.",
		},
	}
	hub := func(ctx context.Context, dir string) (*sink, error) { return hubSink(ctx, dir, "", streams, log) }
	file := func(ctx context.Context, dir string) (*sink, error) { return bareSink(dir, true) }
	discard := func(ctx context.Context, dir string) (*sink, error) { return bareSink(dir, false) }
	fromSpool, fromMemory := openSpoolCopy(src, log), openMemQueue(segs)
	drainTo := func(start startSink, open func(string) (source, int64, int64, error)) runFunc {
		return func(ctx context.Context, dir string) (Sample, error) {
			return drain(ctx, dir, cfg, start, open, log)
		}
	}
	runs := map[string]runFunc{
		"real":     drainTo(hub, fromSpool),
		"file":     drainTo(file, fromSpool),
		"discard":  drainTo(discard, fromSpool),
		"real-mem": drainTo(hub, fromMemory),
		"file-mem": drainTo(file, fromMemory),
	}
	if cfg.UploadStore != "" {
		exp.Variants = append(exp.Variants, &Variant{Name: "real-s3", About: "uploader -> hub with --store " + cfg.UploadStore})
		exp.Rows = append(exp.Rows, Row{Label: "  hub on the object store vs pack files", Real: "real-s3", Baseline: "real"})
		exp.Notes = append(exp.Notes, "real-s3: the same drain into a hub that puts each group commit's records as one object per room (PutObject) and acks after the object store confirmed it, instead of appending to the pack and syncing it.")
		s3 := func(ctx context.Context, dir string) (*sink, error) {
			return hubSink(ctx, dir, cfg.UploadStore, streams, log)
		}
		runs["real-s3"] = drainTo(s3, fromSpool)
	}
	return &plan{exp: exp, cleanup: func() { os.RemoveAll(dir) }, runs: runs}, nil
}

// prefill appends cfg.UploadSegments segments, spread over the streams,
// each stream from its own goroutine, and returns them by stream.
func prefill(ctx context.Context, path string, cfg Config, streams []string, log *slog.Logger) ([][]*protocol.Segment, error) {
	pool, err := payloadPool(cfg.PayloadBytes)
	if err != nil {
		return nil, err
	}
	sp, err := spool.Open(path, spool.Options{Signer: prototest.Signer, Logger: log})
	if err != nil {
		return nil, err
	}
	defer sp.Close()
	lists := make([][]*protocol.Segment, len(streams))
	for i, s := range streams {
		n := cfg.UploadSegments / len(streams)
		if i < cfg.UploadSegments%len(streams) {
			n++
		}
		h := sp.Head(s)
		if lists[i], err = chain(pool, cfg.PayloadBytes, benchRoom, s, h.NextSeq, h.Prev, n); err != nil {
			return nil, err
		}
	}
	if err := each(lists, func(l []*protocol.Segment) error {
		for _, seg := range l {
			if err := sp.Append(ctx, seg); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("pre-fill the upload spool: %w", err)
	}
	return lists, sp.Close()
}

// source is what the uploader drains in one run: a spool, or the same
// segments in memory.
type source interface {
	uploader.Queue
	// left is how many records are not acknowledged yet.
	left() int64
	close() error
}

type spoolSource struct{ *spool.Spool }

func (s spoolSource) left() int64  { return s.Stats().Records }
func (s spoolSource) close() error { return s.Close() }

// openSpoolCopy copies the pre-filled spool into dir and opens the copy.
func openSpoolCopy(src string, log *slog.Logger) func(dir string) (source, int64, int64, error) {
	return func(dir string) (source, int64, int64, error) {
		db := filepath.Join(dir, "spool")
		if err := copyDir(src, db); err != nil {
			return nil, 0, 0, err
		}
		sp, err := spool.Open(db, spool.Options{Signer: prototest.Signer, Logger: log})
		if err != nil {
			return nil, 0, 0, err
		}
		st := sp.Stats()
		return spoolSource{sp}, st.Records, st.Bytes, nil
	}
}

// drain runs the uploader from a fresh source into a fresh sink until every
// record is acknowledged, then checks that the sink holds them all.
func drain(ctx context.Context, dir string, cfg Config, start startSink, open func(dir string) (source, int64, int64, error), log *slog.Logger) (Sample, error) {
	q, records, bytes, err := open(dir)
	if err != nil {
		return Sample{}, err
	}
	defer q.close()
	sk, err := start(ctx, dir)
	if err != nil {
		return Sample{}, err
	}
	defer sk.close()
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.UploadWorkers} // as edge/agent sets it
	defer tr.CloseIdleConnections()
	var refusedMu sync.Mutex
	var refused []string
	up := uploader.New(uploader.Config{
		Hub: sk.url, Room: benchRoom, Workers: cfg.UploadWorkers, LiveWindow: time.Nanosecond,
		Client: &http.Client{Timeout: time.Minute, Transport: tr},
	}, q, log, func(stream string, seq uint64, why string) {
		refusedMu.Lock()
		refused = append(refused, fmt.Sprintf("%s/%d: %s", stream, seq, why))
		refusedMu.Unlock()
	})

	runCtx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	sw := startStopwatch()
	done := make(chan struct{})
	go func() {
		defer close(done)
		up.Run(runCtx)
	}()
	err = waitEmpty(runCtx, q)
	s := sw.sample(records, bytes)
	cancel()
	<-done
	if err != nil {
		return Sample{}, fmt.Errorf("drain: %w (%d of %d records left, %d failed attempts, refused: %v)", err, q.left(), records, up.Failures(), refused)
	}
	if n := up.Failures(); n > 0 || len(refused) > 0 {
		return Sample{}, fmt.Errorf("%d failed upload attempts on loopback (refused: %v)", n, refused)
	}
	if got := up.BytesSent(); got != bytes {
		return Sample{}, fmt.Errorf("uploader acked %d bytes, the queue held %d", got, bytes)
	}
	stored, err := sk.stored(ctx)
	if err != nil {
		return Sample{}, err
	}
	if stored != records {
		return Sample{}, fmt.Errorf("server holds %d segments, the queue held %d", stored, records)
	}
	return s, nil
}

// waitEmpty polls until every record is acknowledged.
func waitEmpty(ctx context.Context, q source) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		if q.left() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// copyDir copies the files of a spool directory.
func copyDir(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	for _, e := range ents {
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies a closed spool file and makes the copy durable, so that
// its write-back does not land in the measurement.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err = io.Copy(out, in); err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy spool %s: %w", src, err)
	}
	return nil
}
