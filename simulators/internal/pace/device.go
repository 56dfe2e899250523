package pace

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// Device is what every simulated source shares: a fault switched from any
// goroutine, reads paced on the device's grid and serialised, an unplugged
// device that fails one interval after each read, and an idempotent Close.
// F is the source's fault type.
type Device[F ~string] struct {
	name   string // devices.Info.Device, for errors
	clock  func() time.Time
	unplug F
	parse  func(string) (F, error)
	closed error // what a read returns after Close
	done   chan struct{}
	close  sync.Once

	mu    sync.Mutex
	fault F

	readMu sync.Mutex // held for a whole Read
	pace   Pacer
}

// DeviceConfig says how a Device behaves.
type DeviceConfig[F ~string] struct {
	Name     string                  // the device's name in errors, e.g. "sim:camera/cam1"
	Interval time.Duration           // one frame or chunk
	None     F                       // the fault at start
	Unplug   F                       // the fault that makes reads fail
	Parse    func(string) (F, error) // refuses what SetFault must refuse
	Closed   error                   // returned by reads after Close
	Clock    func() time.Time        // stamps captures; nil: time.Now
}

// NewDevice returns a device as cfg says.
func NewDevice[F ~string](cfg DeviceConfig[F]) *Device[F] {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Device[F]{
		name: cfg.Name, clock: cfg.Clock, unplug: cfg.Unplug, parse: cfg.Parse, closed: cfg.Closed,
		done: make(chan struct{}), fault: cfg.None, pace: Pacer{Interval: cfg.Interval},
	}
}

// Now is the device's clock, which stamps captures (pacing uses real
// timers whatever it says).
func (d *Device[F]) Now() time.Time { return d.clock() }

// SetFault switches to fault f from the next read on. It refuses anything
// the device's parser refuses.
func (d *Device[F]) SetFault(f F) error {
	if _, err := d.parse(string(f)); err != nil {
		return err
	}
	d.mu.Lock()
	d.fault = f
	d.mu.Unlock()
	return nil
}

// Fault returns the fault in force.
func (d *Device[F]) Fault() F {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fault
}

// Read waits for the next due time and calls fill with the fault in force,
// one reader at a time (fill may use what only readers touch). The first
// read comes at once, then one per interval; a slow reader misses reads
// rather than getting a burst. Unplugged, it waits one interval and
// returns an error wrapping devices.ErrUnplugged; the first read after the
// fault clears comes at once, as from a device that has just come back.
// It returns ctx.Err() when ctx ends and the Closed error after Close.
func (d *Device[F]) Read(ctx context.Context, fill func(F) (devices.Frame, error)) (devices.Frame, error) {
	d.readMu.Lock()
	defer d.readMu.Unlock()
	if d.Fault() == d.unplug {
		d.pace.Reset()
		if err := Sleep(ctx, d.done, d.closed, d.pace.Interval); err != nil {
			return devices.Frame{}, err
		}
		return devices.Frame{}, d.unplugged()
	}
	if err := d.pace.Wait(ctx, d.done, d.closed); err != nil {
		return devices.Frame{}, err
	}
	f := d.Fault()
	if f == d.unplug {
		d.pace.Reset()
		return devices.Frame{}, d.unplugged()
	}
	return fill(f)
}

func (d *Device[F]) unplugged() error {
	return fmt.Errorf("%s: %w", d.name, devices.ErrUnplugged)
}

// Close stops the device: a read in progress and all later reads return
// the Closed error. Close is idempotent.
func (d *Device[F]) Close() error {
	d.close.Do(func() { close(d.done) })
	return nil
}

// CheckIDs says which of a device configuration's room and stream ids is
// not a protocol id; what names the configuration ("camera config").
func CheckIDs(what, room, stream string) error {
	for _, id := range []struct{ name, v string }{{"room", room}, {"stream", stream}} {
		if !protocol.ValidID(id.v) {
			return fmt.Errorf("%s: %s %q: use 1-63 lower-case letters, digits or dashes", what, id.name, id.v)
		}
	}
	return nil
}
