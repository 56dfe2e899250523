// Package recorder cuts what a device captures into segments, chains and
// signs them, and hands them to the spool. What was not recorded (a device
// lost, a clock jump, the agent not running) goes into the chain as a signed
// gap record, so a regulator sees what is missing and why.
package recorder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/protocol"
)

// Spool is where segments go; *spool.Spool implements it.
type Spool interface {
	Head(stream string) spool.Head
	Append(ctx context.Context, seg *protocol.Segment) error
}

// LiveSink receives every frame as it is captured; it must not block.
type LiveSink interface {
	Frame(info devices.Info, seq uint64, f devices.Frame)
}

// Events receives things worth telling the hub about.
type Events interface {
	Event(kind, stream, detail string)
}

// Analyzer watches the signal; *quality.Video and *quality.Audio implement it.
type Analyzer interface {
	Frame(f devices.Frame)
	Error()
	TakeFlags() []string
}

// Config says how to record one stream.
type Config struct {
	Room          string
	SegmentLength time.Duration // default 2 s
	// ClockJump is how far apart two frames may be before the recorder
	// calls it a clock jump; default 10 s.
	ClockJump time.Duration
	// Session returns the procurement session in progress ("" for none).
	Session func() string
	// Recorded, when set, is called after each record is durable.
	Recorded func(seg *protocol.Segment)
	// Analyzer, when set, sees every frame; the conditions it found go
	// into each segment's flags.
	Analyzer Analyzer
}

// Recorder records one stream.
type Recorder struct {
	cfg    Config
	src    devices.Source
	info   devices.Info
	spool  Spool
	signer protocol.Signer
	reg    *devices.Registry
	live   LiveSink
	events Events
	log    *slog.Logger

	cur    *builder
	lastT  time.Time
	lostAt time.Time
	frames uint64
}

// New returns a recorder for src. live and events may be nil.
func New(cfg Config, src devices.Source, sp Spool, signer protocol.Signer, reg *devices.Registry, live LiveSink, events Events, log *slog.Logger) *Recorder {
	if cfg.SegmentLength <= 0 {
		cfg.SegmentLength = 2 * time.Second
	}
	if cfg.ClockJump <= 0 {
		cfg.ClockJump = 10 * time.Second
	}
	if cfg.Session == nil {
		cfg.Session = func() string { return "" }
	}
	info := src.Info()
	if log == nil {
		log = slog.Default()
	}
	return &Recorder{
		cfg: cfg, src: src, info: info, spool: sp, signer: signer, reg: reg, live: live, events: events,
		log: log.With("component", "recorder", "stream", info.Stream),
	}
}

// Run records until ctx ends, then writes out the segment in progress.
func (r *Recorder) Run(ctx context.Context) error {
	if h := r.spool.Head(r.info.Stream); h.Replaced {
		r.gap(ctx, protocol.GapBoxReplaced, h.LastEnd, time.Now(), "this box took the room over from a replaced box; the chain goes on under its key")
	} else if !h.LastEnd.IsZero() {
		now := time.Now()
		if now.After(h.LastEnd) {
			r.gap(ctx, protocol.GapRestart, h.LastEnd, now, "the agent was not recording (restart, crash or power loss)")
		}
	}
	for {
		f, err := r.src.Read(ctx)
		if ctx.Err() != nil {
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r.flush(flushCtx, r.lastT)
			return nil
		}
		var ov *devices.Overrun
		if errors.As(err, &ov) {
			r.overrun(ctx, ov)
			continue
		}
		if err != nil {
			if r.cfg.Analyzer != nil {
				r.cfg.Analyzer.Error()
			}
			r.lost(ctx, err)
			continue
		}
		r.frame(ctx, f)
	}
}

func (r *Recorder) lost(ctx context.Context, err error) {
	if r.lostAt.IsZero() {
		r.flush(ctx, r.lastT)
		r.lostAt = r.lastT
		if r.lostAt.IsZero() {
			r.lostAt = time.Now()
		}
		r.reg.SetErr(r.info, err)
		r.event(protocol.EventDeviceLost, err.Error())
		r.log.Warn("device stopped giving data; recording a gap until it is back", "device", r.info.Device, "err", err)
	}
	if !errors.Is(err, devices.ErrUnplugged) {
		// Do not spin on a failing device.
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// overrun seals what came before the loss and writes the loss as a gap; the
// device stays as it was (it is still there).
func (r *Recorder) overrun(ctx context.Context, ov *devices.Overrun) {
	start, end := ov.Start, ov.End
	if !r.lastT.IsZero() && start.Before(r.lastT) {
		start = r.lastT
	}
	if end.Before(start) {
		end = start
	}
	r.flush(ctx, start)
	r.gap(ctx, protocol.GapOverrun, start, end, ov.Error())
	if r.lostAt.IsZero() && !r.lastT.IsZero() {
		r.lastT = end // the gap covers the loss: no clock jump
	}
	r.log.Warn("device lost data (overrun); recorded as a gap", "device", r.info.Device, "lost", end.Sub(start), "count", ov.Count, "detail", ov.Detail)
}

func (r *Recorder) frame(ctx context.Context, f devices.Frame) {
	// Live first: a viewer should not wait for the analyzer's JPEG decode,
	// nor for a gap record to be written.
	if r.live != nil {
		r.live.Frame(r.info, r.frames, f)
	}
	if r.cfg.Analyzer != nil {
		r.cfg.Analyzer.Frame(f)
	}
	if !r.lostAt.IsZero() {
		r.gap(ctx, protocol.GapDeviceLost, r.lostAt, f.Time, "no data from "+r.info.Device)
		r.lostAt = time.Time{}
		r.lastT = time.Time{} // the gap covers the time the device was away: no clock jump
		r.reg.Set(r.info, protocol.StateOK, "")
		r.event(protocol.EventDeviceBack, "")
		r.log.Info("device is back", "device", r.info.Device)
	} else if r.frames == 0 {
		r.reg.Set(r.info, protocol.StateOK, "")
	}
	if !r.lastT.IsZero() && (f.Time.Before(r.lastT) || f.Time.Sub(r.lastT) > r.cfg.ClockJump) {
		r.flush(ctx, r.lastT)
		detail := fmt.Sprintf("clock moved from %s to %s between two frames", r.lastT.Format(time.RFC3339Nano), f.Time.Format(time.RFC3339Nano))
		start, end := r.lastT, f.Time
		if end.Before(start) {
			start = end
		}
		r.gap(ctx, protocol.GapClockJump, start, end, detail)
		r.event(protocol.EventClockJump, detail)
	}
	r.lastT = f.Time
	r.frames++
	if r.cur != nil && f.Time.Sub(r.cur.start) >= r.cfg.SegmentLength {
		r.flush(ctx, f.Time)
	}
	if r.cur == nil {
		r.cur = &builder{start: f.Time, session: r.cfg.Session()}
	}
	r.cur.add(f)
}

// flush seals the segment in progress, ending at end, and appends it.
func (r *Recorder) flush(ctx context.Context, end time.Time) {
	b := r.cur
	r.cur = nil
	if b == nil || len(b.frames) == 0 {
		return
	}
	if end.Before(b.last) {
		end = b.last
	}
	var flags []string
	if r.cfg.Analyzer != nil {
		flags = r.cfg.Analyzer.TakeFlags()
	}
	r.append(ctx, protocol.SegmentHeader{
		Record: protocol.RecordMedia, Start: b.start, End: end, Codec: r.info.Codec,
		Frames: b.frames, Session: b.session, Flags: flags,
	}, b.payload)
}

func (r *Recorder) gap(ctx context.Context, reason string, start, end time.Time, detail string) {
	r.append(ctx, protocol.SegmentHeader{
		Record: protocol.RecordGap, Start: start, End: end, Session: r.cfg.Session(),
		Gap: &protocol.Gap{Reason: reason, Detail: detail},
	}, nil)
}

func (r *Recorder) append(ctx context.Context, h protocol.SegmentHeader, payload []byte) {
	head := r.spool.Head(r.info.Stream)
	h.Room, h.Stream, h.Seq, h.Prev = r.cfg.Room, r.info.Stream, head.NextSeq, head.Prev
	seg, err := protocol.Seal(h, payload, r.signer)
	if err != nil {
		r.log.Error("cannot seal segment; this is a bug", "seq", h.Seq, "err", err)
		return
	}
	for attempt := 0; ; attempt++ {
		err = r.spool.Append(ctx, seg)
		if err == nil {
			break
		}
		if attempt == 4 || ctx.Err() != nil {
			r.log.Error("segment could not be written to the spool and is lost; check the disk", "seq", h.Seq, "err", err)
			return
		}
		time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
	}
	r.log.Debug("segment recorded", "seq", h.Seq, "record", h.Record, "hash", seg.Hash(), "bytes", len(payload))
	if r.cfg.Recorded != nil {
		r.cfg.Recorded(seg)
	}
}

func (r *Recorder) event(kind, detail string) {
	if r.events != nil {
		r.events.Event(kind, r.info.Stream, detail)
	}
}

type builder struct {
	start   time.Time
	last    time.Time
	session string
	payload []byte
	frames  []protocol.Frame
}

func (b *builder) add(f devices.Frame) {
	if len(f.Data) == 0 {
		return
	}
	b.frames = append(b.frames, protocol.Frame{Offset: len(b.payload), Size: len(f.Data), Time: f.Time.UnixNano()})
	b.payload = append(b.payload, f.Data...)
	b.last = f.Time
}
