// Package mic is a simulated room microphone: a devices.Source that produces
// 16-bit little-endian mono PCM chunks of a steady tone or noise, paced in
// real time. Faults (silence, clipping, unplugged) can be switched on at any
// time to exercise the recorder and the hub's alarms.
package mic

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/internal/pace"
)

// Mic is a simulated microphone; it implements devices.Source. Read may be
// called from one goroutine at a time (concurrent calls are serialised);
// SetFault, Fault, Info and Close may be called from any goroutine.
type Mic struct {
	cfg   Config
	clock func() time.Time
	done  chan struct{}
	close sync.Once

	mu    sync.Mutex
	fault Fault

	readMu sync.Mutex // held for a whole Read; guards what follows
	pace   pace.Pacer
	gen    *generator
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
	if clock == nil {
		clock = time.Now
	}
	return &Mic{
		cfg:   cfg,
		clock: clock,
		done:  make(chan struct{}),
		fault: FaultNone,
		pace:  pace.Pacer{Interval: cfg.Chunk},
		gen:   newGenerator(cfg),
	}
}

// Info describes the microphone.
func (m *Mic) Info() devices.Info {
	return devices.Info{
		Stream:     m.cfg.Stream,
		Kind:       protocol.KindAudio,
		Device:     "sim:mic/" + m.cfg.Stream,
		Codec:      protocol.CodecPCM,
		SampleRate: m.cfg.SampleRate,
	}
}

// SetFault switches the microphone to fault f from the next chunk on. It
// refuses anything ParseFault refuses.
func (m *Mic) SetFault(f Fault) error {
	if _, err := ParseFault(string(f)); err != nil {
		return err
	}
	m.mu.Lock()
	m.fault = f
	m.mu.Unlock()
	return nil
}

// Fault returns the fault in force.
func (m *Mic) Fault() Fault {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fault
}

// Read waits for the next chunk time and returns one chunk of
// SampleRate*Chunk samples (two bytes each). The first chunk comes at once,
// then one per Chunk; a slow reader misses chunks rather than getting a
// burst. Frame.Time is when the chunk was captured, that is when its last
// sample came in. Read returns ctx.Err() when ctx ends and ErrClosed after
// Close.
func (m *Mic) Read(ctx context.Context) (devices.Frame, error) {
	m.readMu.Lock()
	defer m.readMu.Unlock()
	if m.Fault() == FaultUnplug {
		m.pace.Reset()
		if err := pace.Sleep(ctx, m.done, ErrClosed, m.pace.Interval); err != nil {
			return devices.Frame{}, err
		}
		return devices.Frame{}, m.unplugged()
	}
	if err := m.pace.Wait(ctx, m.done, ErrClosed); err != nil {
		return devices.Frame{}, err
	}
	now := m.clock()
	f := m.Fault()
	if f == FaultUnplug {
		m.pace.Reset()
		return devices.Frame{}, m.unplugged()
	}
	return devices.Frame{Data: m.gen.chunk(m.cfg.samples(), f), Time: now}, nil
}

func (m *Mic) unplugged() error {
	return fmt.Errorf("%s: %w", m.Info().Device, devices.ErrUnplugged)
}

// Close stops the microphone: a Read in progress and all later Reads return
// ErrClosed. Close is idempotent.
func (m *Mic) Close() error {
	m.close.Do(func() { close(m.done) })
	return nil
}
