package firmware

import "github.com/evalroom/evalroom/protocol/pad"

// Port is the serial line to the box. Read must not block: it returns 0
// and no error when no byte is waiting.
type Port interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
}

// EventKind is what the digitiser or the pad's buttons report.
type EventKind uint8

// Events of the digitiser and the buttons.
const (
	EventNone   EventKind = iota // nothing happened
	EventPoint                   // the pen touches at Point
	EventPenUp                   // the pen was lifted
	EventFinish                  // the signer pressed "sign"
	EventRefuse                  // the signer pressed "refuse"
)

// Event is one report of the digitiser. Point.T is set by the core.
type Event struct {
	Kind  EventKind
	Point pad.Point
}

// Digitiser is the pen surface and the pad's two buttons. Poll must not
// block: EventNone when nothing happened.
type Digitiser interface {
	Poll() Event
}

// Screen says what the pad's display shows.
type Screen uint8

// What the display shows besides a digest.
const (
	ScreenIdle Screen = iota
	ScreenSigned
	ScreenRefused
	ScreenCancelled
	ScreenFull
)

// Display is the pad's screen.
type Display interface {
	ShowDigest(digest *[pad.DigestSize]byte)
	Show(s Screen)
}

// KeyStore holds the seed of the pad's Ed25519 key in storage the box
// cannot read (a secure element or read-protected flash); the key made from
// it never leaves the pad.
type KeyStore interface {
	Seed(dst *[32]byte) error
}

// Clock gives milliseconds from any fixed point (a tick counter).
type Clock interface {
	Millis() uint32
}

// Hardware is everything the core drives.
type Hardware struct {
	Port      Port
	Digitiser Digitiser
	Display   Display
	Keys      KeyStore
	Clock     Clock
	Firmware  string // version, e.g. "1.0.0"
	Serial    string // the pad's serial number
}
