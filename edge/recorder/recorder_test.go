package recorder_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/recorder"
	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// script is a source that plays a fixed list of frames and errors, then
// ends the test by cancelling.
type script struct {
	steps  []step
	cancel context.CancelFunc
}

type step struct {
	t   time.Time
	err error
}

func (s *script) Info() devices.Info {
	return devices.Info{Stream: "cam1", Kind: protocol.KindVideo, Device: "script:cam1", Codec: protocol.CodecMJPEG}
}

func (s *script) Read(ctx context.Context) (devices.Frame, error) {
	if len(s.steps) == 0 {
		s.cancel()
		<-ctx.Done()
		return devices.Frame{}, ctx.Err()
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	if st.err != nil {
		return devices.Frame{}, st.err
	}
	return devices.Frame{Data: []byte("jpeg@" + st.t.Format(time.StampMilli)), Time: st.t}, nil
}

func (s *script) Close() error { return nil }

func frames(from time.Time, n int, every time.Duration) []step {
	var out []step
	for i := range n {
		out = append(out, step{t: from.Add(time.Duration(i) * every)})
	}
	return out
}

func run(t *testing.T, sp *spool.Spool, steps []step) *devices.Registry {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := devices.NewRegistry()
	src := &script{steps: steps, cancel: cancel}
	r := recorder.New(recorder.Config{Room: "room-1"}, src, sp, prototest.Signer, reg, nil, nil, nil)
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return reg
}

// records decodes and chain-checks everything in the spool for cam1.
func records(t *testing.T, sp *spool.Spool) []protocol.SegmentHeader {
	t.Helper()
	var out []protocol.SegmentHeader
	var last uint64
	var chain string
	for i, e := range sp.Entries("cam1") {
		b, err := sp.Get("cam1", e.Seq)
		if err != nil {
			t.Fatal(err)
		}
		seg, err := protocol.DecodeSegment(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := seg.Verify(prototest.Signer.PublicKey()); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if err := seg.Follows(last, chain); err != nil {
				t.Fatal(err)
			}
		}
		last, chain = seg.Header.LastSeq(), seg.ChainHash()
		out = append(out, seg.Header)
	}
	return out
}

func summary(hs []protocol.SegmentHeader) string {
	s := ""
	for _, h := range hs {
		if h.Gap != nil {
			s += fmt.Sprintf("[gap %s %v] ", h.Gap.Reason, h.End.Sub(h.Start))
		} else {
			s += fmt.Sprintf("[%d frames %v] ", len(h.Frames), h.End.Sub(h.Start))
		}
	}
	return s
}

func openSpool(t *testing.T, path string) *spool.Spool {
	sp, err := spool.Open(path, spool.Options{Signer: prototest.Signer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

func TestSegmentsAreCutContiguous(t *testing.T) {
	sp := openSpool(t, filepath.Join(t.TempDir(), "spool"))
	run(t, sp, frames(prototest.T0, 50, 100*time.Millisecond)) // 5 s at 10 fps
	got := summary(records(t, sp))
	want := "[20 frames 2s] [20 frames 2s] [10 frames 900ms] "
	if got != want {
		t.Fatalf("segments %s, want %s", got, want)
	}
}

func TestUnplugWritesDeviceLostGap(t *testing.T) {
	sp := openSpool(t, filepath.Join(t.TempDir(), "spool"))
	steps := frames(prototest.T0, 5, 100*time.Millisecond)
	steps = append(steps, step{err: fmt.Errorf("read: %w", devices.ErrUnplugged)}, step{err: devices.ErrUnplugged})
	steps = append(steps, frames(prototest.T0.Add(3*time.Second), 5, 100*time.Millisecond)...)
	reg := run(t, sp, steps)
	got := summary(records(t, sp))
	want := "[5 frames 400ms] [gap device_lost 2.6s] [5 frames 400ms] "
	if got != want {
		t.Fatalf("segments %s, want %s", got, want)
	}
	if st := reg.States(); len(st) != 1 || st[0].State != protocol.StateOK {
		t.Fatalf("registry after the camera came back: %+v", st)
	}
}

// An overrun (data lost, device still there) is an overrun gap over the
// time lost; the segment before it ends there and the device stays ok.
func TestOverrunWritesGap(t *testing.T) {
	sp := openSpool(t, filepath.Join(t.TempDir(), "spool"))
	steps := frames(prototest.T0, 5, 100*time.Millisecond)
	lostFrom := prototest.T0.Add(500 * time.Millisecond)
	steps = append(steps, step{err: &devices.Overrun{Start: lostFrom, End: lostFrom.Add(12 * time.Second), Count: 1, Detail: "ALSA overrun"}})
	steps = append(steps, frames(lostFrom.Add(12*time.Second), 5, 100*time.Millisecond)...)
	reg := run(t, sp, steps)
	hs := records(t, sp)
	got := summary(hs)
	want := "[5 frames 500ms] [gap overrun 12s] [5 frames 400ms] "
	if got != want {
		t.Fatalf("segments %s, want %s (a 12 s overrun is no clock jump)", got, want)
	}
	if d := hs[1].Gap.Detail; !strings.Contains(d, "ALSA overrun") || !strings.Contains(d, "overrun 1") {
		t.Errorf("gap detail %q: want the count and the driver's words", d)
	}
	if st := reg.States(); len(st) != 1 || st[0].State != protocol.StateOK {
		t.Fatalf("registry after an overrun: %+v, want ok", st)
	}
}

func TestLongUnplugIsNotAClockJump(t *testing.T) {
	sp := openSpool(t, filepath.Join(t.TempDir(), "spool"))
	steps := frames(prototest.T0, 5, 100*time.Millisecond)
	steps = append(steps, step{err: devices.ErrUnplugged})
	steps = append(steps, frames(prototest.T0.Add(time.Minute), 5, 100*time.Millisecond)...)
	run(t, sp, steps)
	got := summary(records(t, sp))
	want := "[5 frames 400ms] [gap device_lost 59.6s] [5 frames 400ms] "
	if got != want {
		t.Fatalf("segments %s, want %s", got, want)
	}
}

func TestClockJumpWritesGap(t *testing.T) {
	sp := openSpool(t, filepath.Join(t.TempDir(), "spool"))
	steps := frames(prototest.T0, 5, 100*time.Millisecond)
	steps = append(steps, frames(prototest.T0.Add(-time.Hour), 5, 100*time.Millisecond)...)
	run(t, sp, steps)
	got := summary(records(t, sp))
	want := "[5 frames 400ms] [gap clock_jump 0s] [5 frames 400ms] "
	if got != want {
		t.Fatalf("segments %s, want %s", got, want)
	}
}

func TestRestartWritesGapAndContinuesChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool")
	sp, err := spool.Open(path, spool.Options{Signer: prototest.Signer})
	if err != nil {
		t.Fatal(err)
	}
	run(t, sp, frames(time.Now().Add(-time.Minute), 5, 100*time.Millisecond))
	sp.Close()
	sp = openSpool(t, path)
	run(t, sp, frames(time.Now(), 5, 100*time.Millisecond))
	hs := records(t, sp)
	if len(hs) != 3 || hs[1].Gap == nil || hs[1].Gap.Reason != protocol.GapRestart {
		t.Fatalf("after restart: %s", summary(hs))
	}
}

// calls records, in order, what the live sink and the analyzer were given.
type calls struct{ log []string }

func (c *calls) Frame(info devices.Info, seq uint64, f devices.Frame) {
	c.log = append(c.log, fmt.Sprintf("live %d %s", seq, f.Time.Format(time.StampMilli)))
}

// analyzer is a recorder.Analyzer that writes into the same calls log.
type analyzer struct{ c *calls }

func (a analyzer) Frame(f devices.Frame) {
	a.c.log = append(a.c.log, "analyze "+f.Time.Format(time.StampMilli))
}
func (a analyzer) Error()              { a.c.log = append(a.c.log, "error") }
func (a analyzer) TakeFlags() []string { return nil }

var (
	_ recorder.LiveSink = (*calls)(nil)
	_ recorder.Analyzer = analyzer{}
)

// TestLiveFirst: every frame goes to live viewers before the analyzer's
// decode, and before the gap record that the first frame after a lost device
// or a clock jump writes.
func TestLiveFirst(t *testing.T) {
	sp := openSpool(t, filepath.Join(t.TempDir(), "spool"))
	steps := frames(prototest.T0, 2, 100*time.Millisecond)
	steps = append(steps, step{err: devices.ErrUnplugged})
	steps = append(steps, frames(prototest.T0.Add(time.Second), 2, 100*time.Millisecond)...)
	steps = append(steps, frames(prototest.T0.Add(-time.Hour), 1, 0)...)
	want := []string{
		"live 0 Mar  2 09:30:00.000", "analyze Mar  2 09:30:00.000",
		"live 1 Mar  2 09:30:00.100", "analyze Mar  2 09:30:00.100",
		"error", "recorded media",
		"live 2 Mar  2 09:30:01.000", "analyze Mar  2 09:30:01.000", "recorded gap device_lost",
		"live 3 Mar  2 09:30:01.100", "analyze Mar  2 09:30:01.100",
		"live 4 Mar  2 08:30:00.000", "analyze Mar  2 08:30:00.000", "recorded media", "recorded gap clock_jump",
		"recorded media",
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &calls{}
	cfg := recorder.Config{Room: "room-1", Analyzer: analyzer{c}, Recorded: func(seg *protocol.Segment) {
		if g := seg.Header.Gap; g != nil {
			c.log = append(c.log, "recorded gap "+g.Reason)
		} else {
			c.log = append(c.log, "recorded media")
		}
	}}
	src := &script{steps: steps, cancel: cancel}
	r := recorder.New(cfg, src, sp, prototest.Signer, devices.NewRegistry(), c, nil, nil)
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.log, "\n"), strings.Join(want, "\n"); got != want {
		t.Fatalf("calls:\n%s\nwant:\n%s", got, want)
	}
}
