package camera

import (
	"fmt"

	"github.com/evalroom/evalroom/simulators/internal/pace"
)

// Defaults for the zero fields of a Config.
const (
	// DefaultWidth is the picture width in pixels.
	DefaultWidth = 640
	// DefaultHeight is the picture height in pixels.
	DefaultHeight = 360
	// DefaultFPS is the frame rate in frames per second.
	DefaultFPS = 10
	// DefaultQuality is the JPEG quality.
	DefaultQuality = 70
)

// Bounds a Config must stay within.
const (
	// MinSize is the smallest width or height in pixels.
	MinSize = 16
	// MaxSize is the largest width or height in pixels.
	MaxSize = 4096
	// MaxFPS is the highest frame rate.
	MaxFPS = 60
)

// Config says what the simulated camera produces. Zero Width, Height, FPS
// and Quality take the defaults; Room and Stream are required and must be
// protocol identifiers (protocol.ValidID).
type Config struct {
	Room, Stream  string
	Width, Height int
	FPS           int
	Quality       int // JPEG quality, 1 to 100
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Width == 0 {
		c.Width = DefaultWidth
	}
	if c.Height == 0 {
		c.Height = DefaultHeight
	}
	if c.FPS == 0 {
		c.FPS = DefaultFPS
	}
	if c.Quality == 0 {
		c.Quality = DefaultQuality
	}
	return c
}

// Validate reports the first field that is out of bounds, after defaults.
func (c Config) Validate() error {
	c = c.WithDefaults()
	if err := pace.CheckIDs("camera config", c.Room, c.Stream); err != nil {
		return err
	}
	switch {
	case c.Width < MinSize || c.Width > MaxSize:
		return fmt.Errorf("camera config: width %d: must be %d to %d pixels", c.Width, MinSize, MaxSize)
	case c.Height < MinSize || c.Height > MaxSize:
		return fmt.Errorf("camera config: height %d: must be %d to %d pixels", c.Height, MinSize, MaxSize)
	case c.FPS < 1 || c.FPS > MaxFPS:
		return fmt.Errorf("camera config: fps %d: must be 1 to %d", c.FPS, MaxFPS)
	case c.Quality < 1 || c.Quality > 100:
		return fmt.Errorf("camera config: quality %d: must be 1 to 100", c.Quality)
	}
	return nil
}
