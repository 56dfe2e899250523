package mic

import (
	"fmt"
	"time"

	"github.com/evalroom/evalroom/simulators/internal/pace"
)

// Defaults for the zero fields of a Config.
const (
	// DefaultSampleRate is the sample rate in samples per second.
	DefaultSampleRate = 16000
	// DefaultChunk is how much audio one Read returns.
	DefaultChunk = 100 * time.Millisecond
	// DefaultSignal is the signal picked up.
	DefaultSignal = SignalTone
)

// Signals the microphone can pick up.
const (
	// SignalTone is a 440 Hz sine with peaks at -12 dBFS.
	SignalTone = "tone"
	// SignalNoise is seeded pseudo-random white noise with peaks at -12 dBFS.
	SignalNoise = "noise"
)

// Bounds a Config must stay within.
const (
	// MinSampleRate is the lowest sample rate.
	MinSampleRate = 8000
	// MaxSampleRate is the highest sample rate.
	MaxSampleRate = 48000
	// MinChunk is the shortest chunk.
	MinChunk = 10 * time.Millisecond
	// MaxChunk is the longest chunk.
	MaxChunk = time.Second
)

// Config says what the simulated microphone produces. Zero SampleRate, Chunk
// and Signal take the defaults; Room and Stream are required and must be
// protocol identifiers (protocol.ValidID).
type Config struct {
	Room, Stream string
	SampleRate   int           // samples per second, mono, 16 bit
	Chunk        time.Duration // audio per Read
	Signal       string        // SignalTone or SignalNoise
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.SampleRate == 0 {
		c.SampleRate = DefaultSampleRate
	}
	if c.Chunk == 0 {
		c.Chunk = DefaultChunk
	}
	if c.Signal == "" {
		c.Signal = DefaultSignal
	}
	return c
}

// Validate reports the first field that is out of bounds, after defaults.
// A chunk must hold a whole number of samples.
func (c Config) Validate() error {
	c = c.WithDefaults()
	if err := pace.CheckIDs("mic config", c.Room, c.Stream); err != nil {
		return err
	}
	switch {
	case c.SampleRate < MinSampleRate || c.SampleRate > MaxSampleRate:
		return fmt.Errorf("mic config: sample rate %d: must be %d to %d", c.SampleRate, MinSampleRate, MaxSampleRate)
	case c.Chunk < MinChunk || c.Chunk > MaxChunk:
		return fmt.Errorf("mic config: chunk %v: must be %v to %v", c.Chunk, MinChunk, MaxChunk)
	case int64(c.SampleRate)*int64(c.Chunk)%int64(time.Second) != 0:
		return fmt.Errorf("mic config: chunk %v at %d Hz is not a whole number of samples", c.Chunk, c.SampleRate)
	case c.Signal != SignalTone && c.Signal != SignalNoise:
		return fmt.Errorf("mic config: signal %q: use %q or %q", c.Signal, SignalTone, SignalNoise)
	}
	return nil
}

// samples returns the number of samples in one chunk of a valid config.
func (c Config) samples() int {
	return int(int64(c.SampleRate) * int64(c.Chunk) / int64(time.Second))
}
