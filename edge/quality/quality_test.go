package quality_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/quality"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/camera"
	"github.com/evalroom/evalroom/simulators/mic"
)

type changes struct {
	mu  sync.Mutex
	log []string
}

func (c *changes) record(signal string, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on {
		c.log = append(c.log, "+"+signal)
	} else {
		c.log = append(c.log, "-"+signal)
	}
}

func (c *changes) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.log, "")
}

// feed reads frames from src into a until cond holds or n frames passed.
func feed(t *testing.T, src devices.Source, a quality.Analyzer, n int, cond func(protocol.Quality) bool) protocol.Quality {
	t.Helper()
	ctx := context.Background()
	for range n {
		f, err := src.Read(ctx)
		if err != nil {
			a.Error()
			continue
		}
		a.Frame(f)
		if q := a.Quality(); cond(q) {
			return q
		}
	}
	t.Fatalf("condition not reached in %d frames: %+v", n, a.Quality())
	return protocol.Quality{}
}

func has(s string) func(protocol.Quality) bool {
	return func(q protocol.Quality) bool { return slices.Contains(q.Signals, s) }
}

func none(q protocol.Quality) bool { return len(q.Signals) == 0 }

func TestVideoBlackAndFrozen(t *testing.T) {
	cam := camera.New(camera.Config{Room: "room-1", Stream: "cam1", Width: 160, Height: 90, FPS: 50}, nil)
	defer cam.Close()
	var ch changes
	v := quality.NewVideo(quality.VideoConfig{SampleEvery: 100 * time.Millisecond, FrozenFor: 300 * time.Millisecond}, ch.record)
	q := feed(t, cam, v, 20, func(q protocol.Quality) bool { return q.Width > 0 && q.FPS > 0 })
	if q.Width != 160 || q.Height != 90 || q.Luma < 40 || len(q.Signals) != 0 {
		t.Fatalf("healthy picture: %+v", q)
	}
	cam.SetFault(camera.FaultBlack)
	feed(t, cam, v, 50, has(protocol.SignalBlack))
	cam.SetFault(camera.FaultNone)
	feed(t, cam, v, 50, none)
	cam.SetFault(camera.FaultFrozen)
	feed(t, cam, v, 100, has(protocol.SignalFrozen))
	cam.SetFault(camera.FaultNone)
	feed(t, cam, v, 50, none)
	if got, want := ch.String(), "+black-black+frozen-frozen"; got != want {
		t.Fatalf("changes %s, want %s", got, want)
	}
	flags := v.TakeFlags()
	if !slices.Equal(flags, []string{"black", "frozen"}) {
		t.Fatalf("flags since start %v", flags)
	}
	if flags := v.TakeFlags(); len(flags) != 0 {
		t.Fatalf("flags after take %v", flags)
	}
}

func TestAudioSilenceAndClipping(t *testing.T) {
	m := mic.New(mic.Config{Room: "room-1", Stream: "mic1", Chunk: 20 * time.Millisecond}, nil)
	defer m.Close()
	var ch changes
	a := quality.NewAudio(quality.AudioConfig{Window: 100 * time.Millisecond, SilentFor: 300 * time.Millisecond}, ch.record)
	q := feed(t, m, a, 20, func(q protocol.Quality) bool { return q.RMSdBFS > -120 })
	if q.RMSdBFS > -12 || q.RMSdBFS < -20 || len(q.Signals) != 0 {
		t.Fatalf("tone at -12 dBFS peak: %+v", q)
	}
	m.SetFault(mic.FaultSilence)
	q = feed(t, m, a, 60, has(protocol.SignalSilent))
	if q.RMSdBFS != -120 {
		t.Fatalf("silence measured at %v dBFS", q.RMSdBFS)
	}
	m.SetFault(mic.FaultClip)
	q = feed(t, m, a, 30, has(protocol.SignalClipping))
	if q.PeakdBFS != 0 || slices.Contains(q.Signals, protocol.SignalSilent) {
		t.Fatalf("clipping: %+v", q)
	}
	m.SetFault(mic.FaultNone)
	feed(t, m, a, 30, none)
	if got, want := ch.String(), "+silent-silent+clipping-clipping"; got != want && got != "+silent+clipping-silent-clipping" {
		t.Fatalf("changes %s, want %s", got, want)
	}
}
