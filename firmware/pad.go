package firmware

import (
	"crypto/ed25519"
	"errors"
	"io"

	"github.com/evalroom/evalroom/protocol/pad"
)

// ErrHardware means the Hardware given to New lacks a part.
var ErrHardware = errors.New("firmware: hardware lacks a port, digitiser, display, key store or clock")

type state uint8

const (
	stateIdle state = iota
	stateCapturing
)

// Pad is the firmware's state. Make one with New and call Step in the main
// loop.
type Pad struct {
	hw      Hardware
	key     ed25519.PrivateKey
	pub     [pad.PublicKeySize]byte
	in      *pad.Reader
	state   state
	digest  [pad.DigestSize]byte
	shownAt uint32

	points    [pad.MaxPoints]pad.Point
	strokeLen [pad.MaxStrokes]uint16
	nPoints   int
	nStrokes  int
	strokeAt  int // index of the open stroke's first point
	unsent    int // index of the first point not yet sent

	tx  [pad.MaxFrame]byte
	pl  [pad.MaxPayload]byte
	msg [16 + pad.DigestSize + pad.MaxStrokesSize]byte
}

// New makes the pad's key from its key store and returns the core, idle.
func New(hw Hardware) (*Pad, error) {
	if hw.Port == nil || hw.Digitiser == nil || hw.Display == nil || hw.Keys == nil || hw.Clock == nil {
		return nil, ErrHardware
	}
	var seed [32]byte
	if err := hw.Keys.Seed(&seed); err != nil {
		return nil, err
	}
	p := &Pad{hw: hw, key: ed25519.NewKeyFromSeed(seed[:])}
	copy(p.pub[:], p.key[32:])
	p.in = pad.NewReader(nonBlocking{hw.Port})
	hw.Display.Show(ScreenIdle)
	return p, nil
}

// PublicKey is the pad's public key.
func (p *Pad) PublicKey() [pad.PublicKeySize]byte { return p.pub }

// Capturing reports whether the pad shows a digest and takes strokes.
func (p *Pad) Capturing() bool { return p.state == stateCapturing }

// Step handles at most one frame from the box and one event of the
// digitiser; it reports whether anything happened, so that a loop can
// sleep (or wait for an interrupt) when nothing did.
func (p *Pad) Step() bool {
	did := p.readFrame()
	if p.state == stateCapturing {
		if ev := p.hw.Digitiser.Poll(); ev.Kind != EventNone {
			p.onEvent(ev)
			did = true
		}
	}
	return did
}

func (p *Pad) readFrame() bool {
	f, err := p.in.Next()
	switch {
	case err == nil:
		p.onFrame(f)
	case err == pad.ErrCRC:
		p.sendError(pad.ErrCodeCRC)
	case err == pad.ErrInvalid:
		p.sendError(pad.ErrCodeInvalid)
	default: // nothing waiting, or the line is down: the box says hello again
		return false
	}
	return true
}

// nonBlocking turns "no byte waiting" into io.ErrNoProgress for pad.Reader.
type nonBlocking struct{ Port }

func (n nonBlocking) Read(b []byte) (int, error) {
	k, err := n.Port.Read(b)
	if k == 0 && err == nil {
		return 0, io.ErrNoProgress
	}
	return k, err
}
