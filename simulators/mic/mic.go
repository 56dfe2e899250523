// Package mic is a simulated room microphone: a devices.Source that produces
// 16-bit little-endian mono PCM chunks of a steady tone or noise, paced in
// real time. Faults (silence, clipping, unplugged) can be switched on at any
// time to exercise the recorder and the hub's alarms.
package mic

import (
	"context"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/internal/pace"
)

// Mic is a simulated microphone; it implements devices.Source. Read may be
// called from one goroutine at a time (concurrent calls are serialised);
// SetFault, Fault, Info and Close may be called from any goroutine.
type Mic struct {
	*pace.Device[Fault] // SetFault, Fault, Close; serialises reads
	cfg                 Config
	gen                 *generator // guarded by the device's read lock
}

var _ devices.Source = (*Mic)(nil)

// New returns a microphone producing chunks as cfg says, timestamped by
// clock (nil means time.Now); chunks are paced by real timers. It panics if
// cfg does not Validate: check it first.
func New(cfg Config, clock func() time.Time) *Mic {
	if err := cfg.Validate(); err != nil {
		panic("mic.New: " + err.Error())
	}
	cfg = cfg.WithDefaults()
	return &Mic{
		Device: pace.NewDevice(pace.DeviceConfig[Fault]{
			Name: deviceName(cfg), Interval: cfg.Chunk,
			None: FaultNone, Unplug: FaultUnplug, Parse: ParseFault, Closed: ErrClosed, Clock: clock,
		}),
		cfg: cfg,
		gen: newGenerator(cfg),
	}
}

// Info describes the microphone.
func (m *Mic) Info() devices.Info {
	return devices.Info{
		Stream:     m.cfg.Stream,
		Kind:       protocol.KindAudio,
		Device:     deviceName(m.cfg),
		Codec:      protocol.CodecPCM,
		SampleRate: m.cfg.SampleRate,
	}
}

func deviceName(cfg Config) string { return "sim:mic/" + cfg.Stream }

// Read waits for the next chunk time and returns one chunk of
// SampleRate*Chunk samples (two bytes each). The first chunk comes at once,
// then one per Chunk; a slow reader misses chunks rather than getting a
// burst. Frame.Time is when the chunk was captured, that is when its last
// sample came in. Read returns ctx.Err() when ctx ends and ErrClosed after
// Close.
func (m *Mic) Read(ctx context.Context) (devices.Frame, error) {
	return m.Device.Read(ctx, func(f Fault) (devices.Frame, error) {
		return devices.Frame{Data: m.gen.chunk(m.cfg.samples(), f), Time: m.Now()}, nil
	})
}
