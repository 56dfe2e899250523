package mic_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/mic"
)

func testConfig() mic.Config {
	return mic.Config{Room: "room-7", Stream: "mic1", Chunk: 20 * time.Millisecond}
}

func read(t *testing.T, m *mic.Mic) []int16 {
	t.Helper()
	f, err := m.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(f.Data)%2 != 0 {
		t.Fatalf("odd chunk length %d", len(f.Data))
	}
	s := make([]int16, len(f.Data)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(f.Data[2*i:]))
	}
	return s
}

func rms(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}

func TestInfo(t *testing.T) {
	got := mic.New(mic.Config{Room: "r1", Stream: "mic1"}, nil).Info()
	want := devices.Info{Stream: "mic1", Kind: protocol.KindAudio, Device: "sim:mic/mic1",
		Codec: protocol.CodecPCM, SampleRate: 16000}
	if got != want {
		t.Fatalf("Info = %+v, want %+v", got, want)
	}
}

func TestChunkSize(t *testing.T) {
	for _, c := range []struct {
		rate  int
		chunk time.Duration
	}{{0, 0}, {16000, 20 * time.Millisecond}, {8000, 10 * time.Millisecond}, {48000, 50 * time.Millisecond}} {
		cfg := mic.Config{Room: "r1", Stream: "mic1", SampleRate: c.rate, Chunk: c.chunk}
		m := mic.New(cfg, nil)
		f, err := m.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cfg = cfg.WithDefaults()
		if want := int(int64(cfg.SampleRate)*int64(cfg.Chunk)/int64(time.Second)) * 2; len(f.Data) != want {
			t.Errorf("%d Hz, %v: chunk of %d bytes, want %d", cfg.SampleRate, cfg.Chunk, len(f.Data), want)
		}
	}
}

func TestSignalLevel(t *testing.T) {
	// A sine with peaks at -12 dBFS has an RMS of 32767 * 0.251 / √2 ≈ 5820;
	// uniform noise with the same peaks has 32767 * 0.251 / √3 ≈ 4752.
	for signal, want := range map[string]float64{mic.SignalTone: 5820, mic.SignalNoise: 4752} {
		cfg := testConfig()
		cfg.Signal = signal
		s := read(t, mic.New(cfg, nil))
		if got := rms(s); math.Abs(got-want) > want*0.05 {
			t.Errorf("%s: RMS %.0f, want %.0f ± 5%%", signal, got, want)
		}
	}
}

func TestPhaseIsContinuous(t *testing.T) {
	m := mic.New(testConfig(), nil)
	s := append(read(t, m), read(t, m)...)
	// The steepest step of the tone is its peak times 2π·440/16000 ≈ 1422.
	limit := 32767 * math.Pow(10, -12.0/20) * 2 * math.Pi * 440 / 16000
	for i := 1; i < len(s); i++ {
		if d := math.Abs(float64(s[i]) - float64(s[i-1])); d > limit+2 {
			t.Fatalf("step of %.0f between samples %d and %d (chunk boundary at %d)", d, i-1, i, len(s)/2)
		}
	}
}

func TestFaults(t *testing.T) {
	m := mic.New(testConfig(), nil)
	defer m.Close()

	must(t, m.SetFault(mic.FaultSilence))
	for i, v := range read(t, m) {
		if v != 0 {
			t.Fatalf("silence: sample %d is %d", i, v)
		}
	}

	must(t, m.SetFault(mic.FaultClip))
	s := read(t, m)
	pos, neg := 0, 0
	for _, v := range s {
		switch v {
		case math.MaxInt16:
			pos++
		case math.MinInt16:
			neg++
		}
	}
	if pos+neg < len(s)/2 || pos == 0 || neg == 0 {
		t.Fatalf("clip: %d of %d samples at +full scale, %d at -full scale", pos, len(s), neg)
	}

	must(t, m.SetFault(mic.FaultUnplug))
	start := time.Now()
	if _, err := m.Read(context.Background()); !errors.Is(err, devices.ErrUnplugged) {
		t.Fatalf("unplug: Read = %v, want ErrUnplugged", err)
	}
	if took := time.Since(start); took < 20*time.Millisecond {
		t.Fatalf("unplug: Read returned after %v, want at least one chunk", took)
	}

	must(t, m.SetFault(mic.FaultNone))
	if got := rms(read(t, m)); got < 5000 || got > 6500 {
		t.Fatalf("after the faults the tone has RMS %.0f", got)
	}
	if m.Fault() != mic.FaultNone {
		t.Fatalf("Fault() = %s", m.Fault())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseFault(t *testing.T) {
	for _, s := range []string{"none", "silence", "clip", "unplug"} {
		if f, err := mic.ParseFault(s); err != nil || string(f) != s {
			t.Errorf("ParseFault(%q) = %q, %v", s, f, err)
		}
	}
	m := mic.New(testConfig(), nil)
	for _, s := range []string{"black", "frozen"} {
		if _, err := mic.ParseFault(s); err == nil || !strings.Contains(err.Error(), "camera") {
			t.Errorf("ParseFault(%q) = %v, want a camera-fault error", s, err)
		}
		if err := m.SetFault(mic.Fault(s)); err == nil {
			t.Errorf("SetFault(%q) accepted a video fault", s)
		}
	}
	if _, err := mic.ParseFault("loud"); err == nil {
		t.Error("ParseFault accepted an unknown fault")
	}
	if m.Fault() != mic.FaultNone {
		t.Errorf("refused faults changed the fault to %s", m.Fault())
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]func(*mic.Config){
		"low rate":        func(c *mic.Config) { c.SampleRate = 100 },
		"high rate":       func(c *mic.Config) { c.SampleRate = 192000 },
		"short chunk":     func(c *mic.Config) { c.Chunk = time.Millisecond },
		"long chunk":      func(c *mic.Config) { c.Chunk = time.Minute },
		"partial sample":  func(c *mic.Config) { c.SampleRate, c.Chunk = 44100, 15*time.Millisecond },
		"unknown signal":  func(c *mic.Config) { c.Signal = "music" },
		"no stream":       func(c *mic.Config) { c.Stream = "" },
		"bad room":        func(c *mic.Config) { c.Room = "Room/7" },
		"negative chunk":  func(c *mic.Config) { c.Chunk = -time.Second },
		"negative rate":   func(c *mic.Config) { c.SampleRate = -16000 },
		"upper-case tone": func(c *mic.Config) { c.Signal = "Tone" },
	}
	for name, mutate := range bad {
		cfg := testConfig()
		mutate(&cfg)
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, cfg)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted a bad config")
		}
	}()
	mic.New(mic.Config{Room: "r1", Stream: "mic1", SampleRate: 1}, nil)
}

func TestPaceAndClose(t *testing.T) {
	const window = 200 * time.Millisecond
	m := mic.New(testConfig(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	n := 0
	for {
		if _, err := m.Read(ctx); err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Read: %v, want the context's error", err)
			}
			break
		}
		n++
	}
	// Paced like a real microphone: never faster than real time.
	if most := int(window/(20*time.Millisecond)) + 1; n < 1 || n > most {
		t.Fatalf("%d chunks in %v, want 1 to %d", n, window, most)
	}
	closed := make(chan struct{})
	go func() { m.Close(); close(closed) }()
	// A Read racing Close gets a chunk or ErrClosed, nothing else.
	if _, err := m.Read(context.Background()); err != nil && !errors.Is(err, mic.ErrClosed) {
		t.Fatalf("Read during Close: %v, want a chunk or ErrClosed", err)
	}
	<-closed
	if _, err := m.Read(context.Background()); !errors.Is(err, mic.ErrClosed) {
		t.Fatalf("Read after Close: %v, want ErrClosed", err)
	}
}

func TestSetFaultWhileReading(t *testing.T) {
	m := mic.New(testConfig(), nil)
	defer m.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 10 {
			for _, f := range []mic.Fault{mic.FaultSilence, mic.FaultClip, mic.FaultNone} {
				if err := m.SetFault(f); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	for range 3 {
		read(t, m)
	}
	<-done
}
