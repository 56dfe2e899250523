package camera

import (
	"errors"
	"fmt"
)

// Fault is a failure the simulated camera can be told to show.
type Fault string

// Camera faults.
const (
	// FaultNone is normal operation: a moving test pattern.
	FaultNone Fault = "none"
	// FaultBlack is an all-black picture, still stamped with its capture time.
	FaultBlack Fault = "black"
	// FaultFrozen repeats the exact JPEG bytes of the last good frame, as a
	// stuck capture pipeline would.
	FaultFrozen Fault = "frozen"
	// FaultUnplug makes Read fail with an error wrapping devices.ErrUnplugged
	// after one frame interval.
	FaultUnplug Fault = "unplug"
)

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("camera closed")

// ParseFault returns the camera fault named s. Microphone faults ("silence",
// "clip") and unknown names are refused.
func ParseFault(s string) (Fault, error) {
	switch f := Fault(s); f {
	case FaultNone, FaultBlack, FaultFrozen, FaultUnplug:
		return f, nil
	case "silence", "clip":
		return "", fmt.Errorf("fault %q is a microphone fault; a camera takes none, black, frozen or unplug", s)
	}
	return "", fmt.Errorf("unknown camera fault %q: use none, black, frozen or unplug", s)
}
