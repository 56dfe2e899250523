//go:build !linux

package alsa

import (
	"errors"
	"fmt"

	"github.com/evalroom/evalroom/devices"
)

// Available reports whether this build has the ALSA driver: it needs Linux.
const Available = false

// defaultBackend stands in on other systems: every microphone is absent.
type defaultBackend struct{}

func (defaultBackend) open(string, int, *sink) (capture, error) {
	return nil, fmt.Errorf("ALSA is Linux's: %w", devices.ErrAbsent)
}

// Playback is not available on this system.
type Playback struct{}

// OpenPlayback fails on this system.
func OpenPlayback(string, int) (*Playback, error) { return nil, errors.New("ALSA is Linux's") }

// Write fails on this system.
func (*Playback) Write([]byte) error { return errors.New("ALSA is Linux's") }

// Close does nothing.
func (*Playback) Close() error { return nil }
