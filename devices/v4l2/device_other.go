//go:build !linux || !cgo

package v4l2

import (
	"context"
	"fmt"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// Available reports whether this build has the V4L2 driver: it needs Linux
// and cgo.
const Available = false

// Camera stands in for the V4L2 camera in a build without cgo or for
// another system: it is always absent.
type Camera struct{ cfg Config }

// New returns the camera cfg names; in this build it is always absent.
func New(cfg Config) *Camera { return &Camera{cfg: cfg.WithDefaults()} }

// Info describes the camera.
func (c *Camera) Info() devices.Info {
	return devices.Info{Stream: c.cfg.Stream, Kind: protocol.KindVideo, Device: "v4l2:" + c.cfg.Path, Codec: protocol.CodecMJPEG,
		Width: c.cfg.Width, Height: c.cfg.Height, FPS: c.cfg.FPS}
}

func (c *Camera) absent() error {
	return fmt.Errorf("this evalroom-edge was built without the V4L2 driver (it needs Linux and cgo: build with CGO_ENABLED=1): %w", devices.ErrAbsent)
}

// Init reports the camera absent.
func (c *Camera) Init(context.Context) (bool, error) { return false, c.absent() }

// Read reports the camera absent.
func (c *Camera) Read(context.Context) (devices.Frame, error) { return devices.Frame{}, c.absent() }

// Close does nothing.
func (c *Camera) Close() error { return nil }

// List finds no cameras in this build.
func List() ([]Found, error) {
	return nil, fmt.Errorf("this evalroom-edge was built without the V4L2 driver (it needs Linux and cgo): build with CGO_ENABLED=1")
}
