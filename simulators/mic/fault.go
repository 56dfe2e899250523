package mic

import (
	"errors"
	"fmt"
)

// Fault is a failure the simulated microphone can be told to show.
type Fault string

// Microphone faults.
const (
	// FaultNone is normal operation: the configured signal.
	FaultNone Fault = "none"
	// FaultSilence is all-zero samples, as from a muted or dead capsule.
	FaultSilence Fault = "silence"
	// FaultClip is the signal amplified ClipGain times and hard-clipped to
	// the 16-bit range, as from a gain set far too high.
	FaultClip Fault = "clip"
	// FaultUnplug makes Read fail with an error wrapping devices.ErrUnplugged
	// after one chunk interval.
	FaultUnplug Fault = "unplug"
)

// ClipGain is the gain applied to the signal under FaultClip.
const ClipGain = 8

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("microphone closed")

// ParseFault returns the microphone fault named s. Camera faults ("black",
// "frozen") and unknown names are refused.
func ParseFault(s string) (Fault, error) {
	switch f := Fault(s); f {
	case FaultNone, FaultSilence, FaultClip, FaultUnplug:
		return f, nil
	case "black", "frozen":
		return "", fmt.Errorf("fault %q is a camera fault; a microphone takes none, silence, clip or unplug", s)
	}
	return "", fmt.Errorf("unknown microphone fault %q: use none, silence, clip or unplug", s)
}
