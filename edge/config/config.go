// Package config is the edge agent's typed configuration: one JSON file,
// decoded strictly, with defaults and Validate.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// Config is the whole agent configuration.
type Config struct {
	DataDir string `json:"data_dir"`
	Hub     string `json:"hub"`     // base URL; defaults to the one from enrollment
	MQTT    string `json:"mqtt"`    // broker host:port
	Metrics string `json:"metrics"` // listen address for /metrics; "" = off
	// KeyAlgorithm is the box key a new box makes on first start:
	// "ed25519" (default) or "sm2" (SM2 with SM3, where national
	// algorithms are required). An existing key of another kind is refused.
	KeyAlgorithm string            `json:"key_algorithm"`
	Segment      protocol.Duration `json:"segment"` // segment length
	Spool        Spool             `json:"spool"`
	Upload       Upload            `json:"upload"`
	Report       Report            `json:"report"`
	Devices      []Device          `json:"devices"`
}

// Spool limits.
type Spool struct {
	BudgetBytes  int64 `json:"budget_bytes"`
	MinFreeBytes int64 `json:"min_free_bytes"`
}

// Upload settings.
type Upload struct {
	Workers        int               `json:"workers"`
	MaxBytesPerSec int64             `json:"max_bytes_per_sec"`
	LiveWindow     protocol.Duration `json:"live_window"`
}

// Report settings.
type Report struct {
	Interval protocol.Duration `json:"interval"`
}

// Drivers a device may name.
const (
	DriverV4L2 = "v4l2" // cameras: Video4Linux2
	DriverALSA = "alsa" // microphones
)

// Device is one capture device of the room.
type Device struct {
	Stream string `json:"stream"`
	Kind   string `json:"kind"`   // video or audio
	Driver string `json:"driver"` // v4l2 (video), alsa (audio)
	// Path: for v4l2 the capture node, best a stable name such as
	// /dev/v4l/by-id/usb-…-video-index0 or /dev/v4l/by-path/…; for alsa a
	// device such as plughw:1,0 or a card's name (see devices/alsa).
	Path string `json:"path"`
	// Width, Height, FPS: what to ask a camera for; it gives the nearest
	// it has, and the box reports what it got (default 1280x720 at 25 fps).
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	FPS    int `json:"fps,omitempty"`
	// JPEGQuality (1-100, default 80) for a camera without MJPEG, whose
	// pictures the box encodes.
	JPEGQuality int `json:"jpeg_quality,omitempty"`
	// SampleRate: samples a second a microphone is recorded at, 16-bit
	// mono (8000 to 48000, default 16000).
	SampleRate int `json:"sample_rate,omitempty"`
}

// Default returns a configuration with every default filled in.
func Default() Config {
	return Config{
		DataDir:      "/var/lib/evalroom",
		MQTT:         "127.0.0.1:1883",
		KeyAlgorithm: protocol.AlgEd25519,
		Segment:      protocol.Duration(2 * time.Second),
		Spool:        Spool{BudgetBytes: 20 << 30, MinFreeBytes: 1 << 30},
		Upload:       Upload{Workers: 2, LiveWindow: protocol.Duration(10 * time.Second)},
		Report:       Report{Interval: protocol.Duration(5 * time.Second)},
	}
}

// Load reads a config file over the defaults; unknown fields are an error.
func Load(path string) (Config, error) {
	c := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "":
		return fmt.Errorf("data_dir is required")
	case c.MQTT == "":
		return fmt.Errorf("mqtt (broker host:port) is required")
	case c.KeyAlgorithm != protocol.AlgEd25519 && c.KeyAlgorithm != protocol.AlgSM2:
		return fmt.Errorf("key_algorithm %q: use %q (default) or %q where national algorithms are required", c.KeyAlgorithm, protocol.AlgEd25519, protocol.AlgSM2)
	case time.Duration(c.Segment) < 500*time.Millisecond || time.Duration(c.Segment) > 60*time.Second:
		return fmt.Errorf("segment %v: use 0.5s to 60s", time.Duration(c.Segment))
	case c.Spool.BudgetBytes < 0 || c.Spool.MinFreeBytes < 0:
		return fmt.Errorf("spool limits must not be negative")
	case c.Upload.Workers < 1 || c.Upload.Workers > 16:
		return fmt.Errorf("upload.workers %d: use 1 to 16", c.Upload.Workers)
	case c.Upload.MaxBytesPerSec < 0:
		return fmt.Errorf("upload.max_bytes_per_sec must not be negative")
	case time.Duration(c.Report.Interval) < time.Second:
		return fmt.Errorf("report.interval must be at least 1s")
	}
	seen := map[string]bool{}
	for _, d := range c.Devices {
		if !protocol.ValidID(d.Stream) || seen[d.Stream] {
			return fmt.Errorf("device stream %q: need a unique lower-case id such as cam1", d.Stream)
		}
		seen[d.Stream] = true
		if d.Kind != protocol.KindVideo && d.Kind != protocol.KindAudio {
			return fmt.Errorf("device %s: kind %q, want video or audio", d.Stream, d.Kind)
		}
		if d.Driver == "" || d.Path == "" {
			return fmt.Errorf("device %s: driver and path are required", d.Stream)
		}
		switch {
		case d.Kind == protocol.KindVideo && d.Driver != DriverV4L2:
			return fmt.Errorf("device %s: driver %q for video, want %q", d.Stream, d.Driver, DriverV4L2)
		case d.Kind == protocol.KindAudio && d.Driver != DriverALSA:
			return fmt.Errorf("device %s: driver %q for audio, want %q", d.Stream, d.Driver, DriverALSA)
		case d.Width < 0 || d.Height < 0 || d.FPS < 0 || d.FPS > 120 || (d.Width == 0) != (d.Height == 0):
			return fmt.Errorf("device %s: width and height together, fps 1 to 120 (or leave them out for 1280x720 at 25)", d.Stream)
		case d.SampleRate != 0 && (d.SampleRate < 8000 || d.SampleRate > 48000):
			return fmt.Errorf("device %s: sample_rate %d, use 8000 to 48000 (or leave it out for 16000)", d.Stream, d.SampleRate)
		case d.JPEGQuality < 0 || d.JPEGQuality > 100:
			return fmt.Errorf("device %s: jpeg_quality %d, use 1 to 100", d.Stream, d.JPEGQuality)
		}
	}
	return nil
}
