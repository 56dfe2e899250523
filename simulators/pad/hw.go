package pad

import (
	"math/rand/v2"
	"os"
	"sync"

	"github.com/evalroom/evalroom/firmware"
	"github.com/evalroom/evalroom/protocol/pad"
)

// port is the firmware's serial line: the pty's master side, read by a
// goroutine so that the firmware's Read never blocks.
type port struct {
	f       *os.File
	faults  Faults
	rng     *rand.Rand
	rx      chan []byte
	wake    chan struct{}
	pending []byte
}

func newPort(f *os.File, faults Faults) *port {
	return &port{f: f, faults: faults, rng: rand.New(rand.NewPCG(1, 2)),
		rx: make(chan []byte, 64), wake: make(chan struct{}, 1)}
}

func (p *port) readLoop() {
	for {
		b := make([]byte, 512)
		n, err := p.f.Read(b)
		if n > 0 {
			p.rx <- b[:n]
			p.poke()
		}
		if err != nil {
			return
		}
	}
}

func (p *port) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *port) Read(b []byte) (int, error) {
	if len(p.pending) == 0 {
		select {
		case p.pending = <-p.rx:
		default:
			return 0, nil
		}
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

// Write sends one frame of the firmware, with the faults.
func (p *port) Write(b []byte) (int, error) {
	out := append([]byte(nil), b...)
	if p.faults.WrongCRC && len(out) > 2 && pad.Type(out[2]) == pad.TypeSignature {
		out[len(out)-1] ^= 0x5a
	}
	if p.faults.Garbage {
		noise := make([]byte, 1+p.rng.IntN(16))
		for i := range noise {
			noise[i] = byte(p.rng.IntN(256))
		}
		out = append(noise, out...)
	}
	if _, err := p.f.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// pen plays the script of strokes, then "sign" or "refuse".
type pen struct {
	events []firmware.Event
	gate   chan struct{}
	once   sync.Once
	wake   chan struct{}
}

func newPen(strokes [][]pad.Point, f Faults, wake chan struct{}) *pen {
	p := &pen{gate: make(chan struct{}), wake: wake}
	for _, s := range strokes {
		for _, pt := range s {
			p.events = append(p.events, firmware.Event{Kind: firmware.EventPoint, Point: pt})
		}
		p.events = append(p.events, firmware.Event{Kind: firmware.EventPenUp})
	}
	last := firmware.EventFinish
	if f.Refuse {
		last = firmware.EventRefuse
	}
	p.events = append(p.events, firmware.Event{Kind: last})
	if !f.Slow {
		p.release()
	}
	return p
}

func (p *pen) release() {
	p.once.Do(func() { close(p.gate) })
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Poll gives the script again for every digest shown: each signature is
// the same writing.
func (p *pen) Poll() firmware.Event {
	select {
	case <-p.gate:
	default:
		return firmware.Event{}
	}
	return p.next()
}

func (p *pen) next() firmware.Event {
	if len(p.events) == 0 {
		return firmware.Event{}
	}
	e := p.events[0]
	p.events = append(p.events[1:], e) // round robin: the next signature replays it
	return e
}

type display struct{}

func (display) ShowDigest(*[pad.DigestSize]byte) {}
func (display) Show(firmware.Screen)             {}

type keys [32]byte

func (k keys) Seed(dst *[32]byte) error { *dst = k; return nil }

// ticks is the pad's millisecond counter: it advances by one per reading,
// so stroke times are the same from run to run.
type ticks struct{ ms uint32 }

func (t *ticks) Millis() uint32 { t.ms++; return t.ms }
