// Package camera is a simulated room camera: a devices.Source that produces
// MJPEG frames of a moving test pattern with the room, stream, frame number
// and wall-clock time written on it. Each JPEG also carries its capture time
// in a machine-readable COM segment (see ReadStamp), and faults (black
// picture, frozen picture, unplugged) can be switched on at any time to
// exercise the recorder and the hub's alarms.
package camera

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/internal/pace"
)

// Camera is a simulated camera; it implements devices.Source. Read may be
// called from one goroutine at a time (concurrent calls are serialised);
// SetFault, Fault, Info and Close may be called from any goroutine.
type Camera struct {
	cfg   Config
	clock func() time.Time
	done  chan struct{}
	close sync.Once

	mu    sync.Mutex
	fault Fault

	readMu sync.Mutex // held for a whole Read; guards what follows
	pace   pace.Pacer
	paint  *painter
	seq    uint64 // number of the last picture drawn
	last   []byte // the last good frame, for FaultFrozen
}

var _ devices.Source = (*Camera)(nil)

// New returns a camera producing frames as cfg says, timestamped by clock
// (nil means time.Now); frames are paced by real timers. It panics if cfg
// does not Validate: check it first.
func New(cfg Config, clock func() time.Time) *Camera {
	if err := cfg.Validate(); err != nil {
		panic("camera.New: " + err.Error())
	}
	cfg = cfg.WithDefaults()
	if clock == nil {
		clock = time.Now
	}
	return &Camera{
		cfg:   cfg,
		clock: clock,
		done:  make(chan struct{}),
		fault: FaultNone,
		pace:  pace.Pacer{Interval: time.Second / time.Duration(cfg.FPS)},
		paint: newPainter(cfg),
	}
}

// Info describes the camera.
func (c *Camera) Info() devices.Info {
	return devices.Info{
		Stream: c.cfg.Stream,
		Kind:   protocol.KindVideo,
		Device: "sim:camera/" + c.cfg.Stream,
		Codec:  protocol.CodecMJPEG,
		Width:  c.cfg.Width,
		Height: c.cfg.Height,
		FPS:    c.cfg.FPS,
	}
}

// SetFault switches the camera to fault f from the next frame on. It refuses
// anything ParseFault refuses.
func (c *Camera) SetFault(f Fault) error {
	if _, err := ParseFault(string(f)); err != nil {
		return err
	}
	c.mu.Lock()
	c.fault = f
	c.mu.Unlock()
	return nil
}

// Fault returns the fault in force.
func (c *Camera) Fault() Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fault
}

// Read waits for the next frame time and returns one complete JPEG. The
// first frame comes at once, then one per 1/FPS second; a slow reader misses
// frames rather than getting a burst. Frame.Time is the capture time, the
// same as the stamp in the JPEG, except under FaultFrozen, where the JPEG
// (stamp included) is the last good one and Frame.Time is when it was
// delivered. Read returns ctx.Err() when ctx ends and ErrClosed after Close.
func (c *Camera) Read(ctx context.Context) (devices.Frame, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.Fault() == FaultUnplug {
		return devices.Frame{}, c.unplugged(ctx)
	}
	if err := c.pace.Wait(ctx, c.done, ErrClosed); err != nil {
		return devices.Frame{}, err
	}
	now := c.clock()
	switch c.Fault() {
	case FaultUnplug:
		c.pace.Reset()
		return devices.Frame{}, fmt.Errorf("%s: %w", c.Info().Device, devices.ErrUnplugged)
	case FaultFrozen:
		if c.last == nil {
			if _, err := c.good(now); err != nil {
				return devices.Frame{}, err
			}
		}
		return devices.Frame{Data: append([]byte(nil), c.last...), Time: now}, nil
	case FaultBlack:
		jpg, err := c.paint.blackFrame()
		if err != nil {
			return devices.Frame{}, err
		}
		c.seq++
		return devices.Frame{Data: withStamp(jpg, c.stamp(now)), Time: now}, nil
	}
	data, err := c.good(now)
	if err != nil {
		return devices.Frame{}, err
	}
	return devices.Frame{Data: data, Time: now}, nil
}

// good draws the next test-pattern frame and keeps it as the last good one.
func (c *Camera) good(now time.Time) ([]byte, error) {
	c.seq++
	jpg, err := c.paint.frame(c.seq, now)
	if err != nil {
		return nil, err
	}
	c.last = withStamp(jpg, c.stamp(now))
	return c.last, nil
}

func (c *Camera) stamp(t time.Time) Stamp {
	return Stamp{Room: c.cfg.Room, Stream: c.cfg.Stream, Frame: c.seq, Time: t}
}

// unplugged waits one frame interval and returns the unplugged error; the
// first frame after the fault clears comes at once, as from a device that
// has just come back.
func (c *Camera) unplugged(ctx context.Context) error {
	c.pace.Reset()
	if err := pace.Sleep(ctx, c.done, ErrClosed, c.pace.Interval); err != nil {
		return err
	}
	return fmt.Errorf("%s: %w", c.Info().Device, devices.ErrUnplugged)
}

// Close stops the camera: a Read in progress and all later Reads return
// ErrClosed. Close is idempotent.
func (c *Camera) Close() error {
	c.close.Do(func() { close(c.done) })
	return nil
}
