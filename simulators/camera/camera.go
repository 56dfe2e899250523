// Package camera is a simulated room camera: a devices.Source that produces
// MJPEG frames of a moving test pattern with the room, stream, frame number
// and wall-clock time written on it. Each JPEG also carries its capture time
// in a machine-readable COM segment (see ReadStamp), and faults (black
// picture, frozen picture, unplugged) can be switched on at any time to
// exercise the recorder and the hub's alarms.
package camera

import (
	"context"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/internal/pace"
)

// Camera is a simulated camera; it implements devices.Source. Read may be
// called from one goroutine at a time (concurrent calls are serialised);
// SetFault, Fault, Info and Close may be called from any goroutine.
type Camera struct {
	*pace.Device[Fault] // SetFault, Fault, Close; serialises reads
	cfg                 Config

	// Guarded by the device's read lock:
	paint *painter
	seq   uint64 // number of the last picture drawn
	last  []byte // the last good frame, for FaultFrozen
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
	return &Camera{
		Device: pace.NewDevice(pace.DeviceConfig[Fault]{
			Name: deviceName(cfg), Interval: time.Second / time.Duration(cfg.FPS),
			None: FaultNone, Unplug: FaultUnplug, Parse: ParseFault, Closed: ErrClosed, Clock: clock,
		}),
		cfg:   cfg,
		paint: newPainter(cfg),
	}
}

// Info describes the camera.
func (c *Camera) Info() devices.Info {
	return devices.Info{
		Stream: c.cfg.Stream,
		Kind:   protocol.KindVideo,
		Device: deviceName(c.cfg),
		Codec:  protocol.CodecMJPEG,
		Width:  c.cfg.Width,
		Height: c.cfg.Height,
		FPS:    c.cfg.FPS,
	}
}

func deviceName(cfg Config) string { return "sim:camera/" + cfg.Stream }

// Read waits for the next frame time and returns one complete JPEG. The
// first frame comes at once, then one per 1/FPS second; a slow reader misses
// frames rather than getting a burst. Frame.Time is the capture time, the
// same as the stamp in the JPEG, except under FaultFrozen, where the JPEG
// (stamp included) is the last good one and Frame.Time is when it was
// delivered. Read returns ctx.Err() when ctx ends and ErrClosed after Close.
func (c *Camera) Read(ctx context.Context) (devices.Frame, error) {
	return c.Device.Read(ctx, func(f Fault) (devices.Frame, error) {
		now := c.Now()
		switch f {
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
	})
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
