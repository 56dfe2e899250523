package alsa

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// fakeALSA is a capture device the test drives: it is there or not, and the
// test hands its sink sound and faults as the backend's thread would.
type fakeALSA struct {
	mu      sync.Mutex
	present bool
	opened  []string
	sink    *sink
	cap     *fakeCapture
}

type fakeCapture struct {
	mu      sync.Mutex
	stopped bool
}

func (c *fakeCapture) running() bool { c.mu.Lock(); defer c.mu.Unlock(); return !c.stopped }
func (c *fakeCapture) close()        { c.mu.Lock(); c.stopped = true; c.mu.Unlock() }
func (c *fakeCapture) mode() string  { return "fake" }

func (f *fakeALSA) open(pcm string, rate int, s *sink) (capture, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, pcm)
	if !f.present {
		return nil, errors.Join(errors.New("no such card"), devices.ErrAbsent)
	}
	f.sink, f.cap = s, &fakeCapture{}
	return f.cap, nil
}

func (f *fakeALSA) set(present bool) {
	f.mu.Lock()
	f.present = present
	f.mu.Unlock()
}

func (f *fakeALSA) current() (*sink, *fakeCapture) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sink, f.cap
}

// clock is the box's wall clock in the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const rate = 8000

func rig(t *testing.T, cfg Config) (*Mic, *fakeALSA, *clock) {
	t.Helper()
	cfg.Stream, cfg.SampleRate, cfg.Retry = "mic1", rate, 10*time.Millisecond
	if cfg.Device == "" {
		cfg.Device = "hw:1,0"
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	be := &fakeALSA{present: true}
	clk := &clock{t: t0}
	m := newMic(cfg, be, clk.now)
	t.Cleanup(func() { m.Close() })
	return m, be, clk
}

// period delivers d of sound ending now+d, as the backend does every period.
func period(s *sink, clk *clock, d time.Duration, value int16) {
	n := int(int64(rate) * int64(d) / int64(time.Second))
	pcm := make([]byte, 2*n)
	for i := range n {
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(value))
	}
	clk.add(d)
	s.data(pcm)
}

func read(t *testing.T, m *Mic) (devices.Frame, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := m.Read(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("Read did not return")
	}
	return f, err
}

func TestParseName(t *testing.T) {
	for in, want := range map[string]pcmName{
		"hw:1,0":                 {card: "1", dev: 0},
		"hw:1":                   {card: "1"},
		"plughw:CARD=USB,DEV=2":  {card: "USB", dev: 2, plug: true},
		"hw:CARD=Loopback,DEV=1": {card: "Loopback", dev: 1},
		"USB":                    {card: "USB", plug: true},
		"Loopback,1":             {card: "Loopback", dev: 1, plug: true},
	} {
		if got, err := parseName(in); err != nil || got != want {
			t.Errorf("parseName(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "default", "dsnoop:1,0", "hw:1,x", "hw:1,0,0", "hw:FOO=1"} {
		if _, err := parseName(bad); err == nil {
			t.Errorf("parseName(%q) took it", bad)
		}
	}
}

// A card's name is found through /proc/asound's links; a missing one is
// named with the cards there are.
func TestCardIndex(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "card3"), 0o755)
	os.Symlink("card3", filepath.Join(dir, "Loopback"))
	os.WriteFile(filepath.Join(dir, "cards"), []byte(" 3 [Loopback       ]: Loopback - Loopback\n                      Loopback 1\n"), 0o644)
	if i, err := cardIndex(dir, "Loopback"); err != nil || i != 3 {
		t.Fatalf("cardIndex(Loopback) = %d, %v", i, err)
	}
	if i, err := cardIndex(dir, "2"); err != nil || i != 2 {
		t.Fatalf("cardIndex(2) = %d, %v", i, err)
	}
	if _, err := cardIndex(dir, "USB"); err == nil || !strings.Contains(err.Error(), "3 Loopback") {
		t.Fatalf("cardIndex(USB) = %v, want the cards there are", err)
	}
}

// Periods of sound come out as chunks of Config.Chunk whose capture times
// follow each other exactly.
func TestChunksAreContiguous(t *testing.T) {
	m, be, clk := rig(t, Config{Device: "Loopback,1"})
	if ok, err := m.Init(context.Background()); !ok || err != nil {
		t.Fatalf("Init = %v, %v", ok, err)
	}
	if be.opened[0] != "Loopback,1" {
		t.Fatalf("opened %q", be.opened[0])
	}
	s, _ := be.current()
	for range 3 {
		period(s, clk, 150*time.Millisecond, 1000)
	}
	for i := range 4 {
		f, err := read(t, m)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Data) != 2*rate/10 {
			t.Fatalf("chunk %d: %d bytes, want 100 ms", i, len(f.Data))
		}
		if want := t0.Add(time.Duration(i) * 100 * time.Millisecond); !f.Time.Equal(want) {
			t.Fatalf("chunk %d at %v, want %v", i, f.Time.Sub(t0), want.Sub(t0))
		}
	}
	info := m.Info()
	if info.Kind != protocol.KindAudio || info.Codec != protocol.CodecPCM || info.SampleRate != rate || info.Mode == "" {
		t.Fatalf("info %+v", info)
	}
}

// An overrun the backend reports is returned after the sound before it,
// covering the time the sound fell behind the clock, and counted.
func TestOverrunIsAGap(t *testing.T) {
	m, be, clk := rig(t, Config{})
	m.Init(context.Background())
	s, _ := be.current()
	period(s, clk, 100*time.Millisecond, 1000)
	clk.add(300 * time.Millisecond) // the box did not read for a while
	s.overrun()                     // ALSA: EPIPE
	period(s, clk, 100*time.Millisecond, 1000)

	if f, err := read(t, m); err != nil || !f.Time.Equal(t0) {
		t.Fatalf("first chunk %v, %v", f.Time, err)
	}
	_, err := read(t, m)
	var ov *devices.Overrun
	if !errors.As(err, &ov) {
		t.Fatalf("after the overrun Read = %v, want *devices.Overrun", err)
	}
	if !ov.Start.Equal(t0.Add(100*time.Millisecond)) || ov.End.Sub(ov.Start) != 300*time.Millisecond || ov.Count != 1 {
		t.Fatalf("overrun %v..%v count %d, want 300ms from 100ms, count 1", ov.Start.Sub(t0), ov.End.Sub(t0), ov.Count)
	}
	f, err := read(t, m)
	if err != nil || !f.Time.Equal(ov.End) {
		t.Fatalf("after the gap: %v at %v, want sound from %v", err, f.Time.Sub(t0), ov.End.Sub(t0))
	}
	if m.Overruns() != 1 {
		t.Fatalf("Overruns = %d", m.Overruns())
	}
}

// Sound that falls behind the clock by more than Jump without a report is
// lost too; a small drift is followed without a gap.
func TestLagIsAnOverrun(t *testing.T) {
	m, be, clk := rig(t, Config{Jump: 500 * time.Millisecond})
	m.Init(context.Background())
	s, _ := be.current()
	period(s, clk, 100*time.Millisecond, 1)
	clk.add(30 * time.Millisecond) // jitter: no gap
	period(s, clk, 100*time.Millisecond, 1)
	clk.add(2 * time.Second)
	period(s, clk, 100*time.Millisecond, 1)
	var got []string
	for range 3 {
		_, err := read(t, m)
		var ov *devices.Overrun
		switch {
		case errors.As(err, &ov):
			got = append(got, "overrun")
			if d := ov.End.Sub(ov.Start); d < 1900*time.Millisecond || d > 2100*time.Millisecond {
				t.Errorf("overrun of %v, want about 2 s", d)
			}
		case err != nil:
			t.Fatal(err)
		default:
			got = append(got, "sound")
		}
	}
	if want := "[sound sound overrun]"; fmtList(got) != want {
		t.Fatalf("got %s, want %s", fmtList(got), want)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

// Sound nobody reads for MaxBuffer is dropped and counted, not kept
// without bound.
func TestFullBufferIsAnOverrun(t *testing.T) {
	m, be, clk := rig(t, Config{MaxBuffer: time.Second})
	m.Init(context.Background())
	s, _ := be.current()
	for range 15 {
		period(s, clk, 100*time.Millisecond, 1)
	}
	_, err := read(t, m)
	var ov *devices.Overrun
	if !errors.As(err, &ov) || !ov.Start.Equal(t0) || m.Overruns() != 1 {
		t.Fatalf("Read = %v (overruns %d), want the dropped second as an overrun from t0", err, m.Overruns())
	}
	if m.queued > m.maxBytes {
		t.Fatalf("%d bytes queued, more than %d", m.queued, m.maxBytes)
	}
}

// A microphone that stops (unplugged) is lost: its last sound, then an
// error wrapping ErrLost, which the registry calls failed; it is opened
// again by itself when it is back.
func TestUnplugAndBack(t *testing.T) {
	m, be, clk := rig(t, Config{})
	reg := devices.NewRegistry()
	if err := reg.Init(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	s, _ := be.current()
	period(s, clk, 50*time.Millisecond, 1)
	be.set(false)
	s.stopped(errors.New("ALSA stopped the capture"))
	if f, err := read(t, m); err != nil || len(f.Data) != 2*rate/20 {
		t.Fatalf("the sound before the unplug: %d bytes, %v", len(f.Data), err)
	}
	_, err := read(t, m)
	if !errors.Is(err, devices.ErrLost) {
		t.Fatalf("Read after unplug = %v, want ErrLost", err)
	}
	reg.SetErr(m.Info(), err)
	if st := reg.States()[0]; st.State != protocol.StateFailed || st.Reason == "" {
		t.Fatalf("state %+v, want failed with the reason", st)
	}
	if _, err := read(t, m); !errors.Is(err, devices.ErrLost) {
		t.Fatalf("Read while away = %v, want ErrLost", err)
	}
	be.set(true)
	done := make(chan error, 1)
	go func() { _, err := read(t, m); done <- err }()
	var s2 *sink
	deadline := time.Now().Add(10 * time.Second)
	for {
		if cur, _ := be.current(); cur != s {
			s2 = cur
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the microphone was not opened again")
		}
		time.Sleep(5 * time.Millisecond)
	}
	period(s2, clk, 100*time.Millisecond, 1)
	if err := <-done; err != nil {
		t.Fatalf("Read after it came back = %v", err)
	}
}

// A microphone that gives no sound for Stall is taken for lost.
func TestStallIsLost(t *testing.T) {
	m, _, clk := rig(t, Config{Stall: time.Second})
	m.Init(context.Background())
	clk.add(2 * time.Second)
	if _, err := read(t, m); !errors.Is(err, devices.ErrLost) {
		t.Fatalf("Read of a silent device = %v, want ErrLost", err)
	}
}

// A microphone missing at start is absent; Close ends a Read in progress.
func TestAbsentAndClose(t *testing.T) {
	m, be, _ := rig(t, Config{})
	be.set(false)
	if ok, err := m.Init(context.Background()); ok || !errors.Is(err, devices.ErrAbsent) {
		t.Fatalf("Init of a missing microphone = %v, %v", ok, err)
	}
	be.set(true)
	done := make(chan error, 1)
	go func() { _, err := m.Read(context.Background()); done <- err }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s, _ := be.current(); s != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not opened")
		}
		time.Sleep(5 * time.Millisecond)
	}
	m.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
	if _, c := be.current(); c.running() {
		t.Fatal("the device is still open after Close")
	}
}

// Capture devices are listed from /proc/asound with the card's name as the
// config's path; playback-only devices are not.
func TestList(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cards"), []byte(" 0 [Loopback       ]: Loopback - Loopback\n                      Loopback 1\n 1 [USB            ]: USB-Audio - Jabra SPEAK 410 USB\n                      GN Jabra SPEAK 410 USB at usb-0000:00:14.0-2\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "pcm"), []byte("00-00: Loopback PCM : Loopback PCM : playback 8 : capture 8\n00-01: Loopback PCM : Loopback PCM : playback 8 : capture 8\n01-00: USB Audio : USB Audio : playback 1 : capture 1\n02-03: HDMI 0 : HDMI 0 : playback 1\n"), 0o644)
	found, err := list(dir)
	if err != nil || len(found) != 3 {
		t.Fatalf("list = %+v, %v; want 3 capture devices", found, err)
	}
	if f := found[1]; f.Path != "Loopback,1" || f.Card != 0 || f.Device != 1 {
		t.Errorf("second: %+v", f)
	}
	if f := found[2]; f.Path != "USB" || f.CardName != "USB-Audio - Jabra SPEAK 410 USB" {
		t.Errorf("third: %+v", f)
	}
	if line := found[2].ConfigLine("mic1"); line != `{"stream": "mic1", "kind": "audio", "driver": "alsa", "path": "USB", "sample_rate": 16000}` {
		t.Errorf("config line %s", line)
	}
	if found, err := list(filepath.Join(dir, "none")); err != nil || len(found) != 0 {
		t.Errorf("no /proc/asound: %v, %v", found, err)
	}
}
