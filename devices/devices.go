// Package devices holds the contracts between the room agent and the
// hardware of a room (cameras, microphones, signing pads, GPIO indicators
// and switches) and the registry that tracks each device's state. Real
// drivers and the simulators both plug in here.
package devices

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors a device returns; test them with errors.Is.
var (
	// ErrUnplugged means the device went away; the agent records a gap and
	// keeps asking.
	ErrUnplugged = errors.New("device unplugged")
	// ErrAbsent means the device is not there at all.
	ErrAbsent = errors.New("device absent")
	// ErrLost means a device that was recording went away (its node
	// removed, its driver unbound, its cable pulled). It wraps ErrUnplugged;
	// the registry calls the device failed rather than absent, since the
	// room expects it, and a driver that returns it reopens the device by
	// itself when it is back.
	ErrLost = fmt.Errorf("device lost while recording: %w", ErrUnplugged)
)

// Overrun is the error Read returns when the device captured more than the
// box read in time and what was captured between Start and End is lost
// (an ALSA overrun, a full buffer); the device itself is still there, and
// the next Read goes on after the loss. The recorder writes it into the
// chain as an overrun gap and leaves the device's state alone.
type Overrun struct {
	Start, End time.Time // what is lost, by the box's wall clock
	Count      int64     // overruns of this device since it was opened, this one included
	Detail     string    // for a person: what was lost and what to do
}

// Error says how much was lost and why, for the gap record and the log.
func (o *Overrun) Error() string {
	return fmt.Sprintf("overrun %d: %v lost: %s", o.Count, o.End.Sub(o.Start).Round(time.Millisecond), o.Detail)
}

// Info describes one capture device.
type Info struct {
	Stream     string // stream id in the room, e.g. "cam1"
	Kind       string // protocol.KindVideo or protocol.KindAudio
	Device     string // driver and path, e.g. "v4l2:/dev/video0", "sim:cam1"
	Codec      string // protocol.CodecMJPEG or protocol.CodecPCM
	Width      int    // video
	Height     int    // video
	FPS        int    // video frames per second
	SampleRate int    // audio samples per second (mono, 16 bit)
	// Mode says what a real device negotiated, for a person, e.g.
	// "YUYV 640x480 at 25 fps, JPEG made on the box"; "" for simulators.
	Mode string
}

// Frame is one unit of capture: a JPEG picture, or a chunk of PCM samples.
type Frame struct {
	Data []byte
	Time time.Time // when it was captured, by the box's wall clock
}

// Source is what the recorder reads: a camera or a microphone.
type Source interface {
	Info() Info
	// Read blocks until the next frame, ctx ends, or the device fails; a
	// device that went away returns an error wrapping ErrUnplugged, one that
	// lost data but is still there a *Overrun.
	Read(ctx context.Context) (Frame, error)
	Close() error
}

// Camera is a Source of JPEG frames (Info.Kind is video).
type Camera = Source

// Microphone is a Source of 16-bit little-endian mono PCM chunks (Info.Kind
// is audio).
type Microphone = Source

// PadSignature is what a signing pad returns for one document: the strokes
// it captured and the signature over the document digest made inside the pad.
type PadSignature struct {
	Signer    string
	Strokes   []byte
	Signature []byte
	Time      time.Time
}

// SigningPad is an expert's signing pad on a serial line.
type SigningPad interface {
	Info() Info
	// Sign shows the digest of a document on the pad and waits for the
	// signer to sign or refuse.
	Sign(ctx context.Context, digest []byte) (PadSignature, error)
	Close() error
}

// Indicator is a GPIO output, such as the "recording" lamp over the door.
type Indicator interface {
	Set(on bool) error
}

// Switch is a GPIO input, such as the door contact of the equipment cabinet.
type Switch interface {
	Read() (bool, error)
}
