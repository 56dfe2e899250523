package firmware_test

import (
	"bytes"
	"crypto/ed25519"

	"github.com/evalroom/evalroom/firmware"
	"github.com/evalroom/evalroom/protocol/pad"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// line is a Port: the box writes into in, the pad's frames collect in out.
type line struct{ in, out bytes.Buffer }

func (l *line) Read(p []byte) (int, error) {
	if l.in.Len() == 0 {
		return 0, nil
	}
	return l.in.Read(p)
}
func (l *line) Write(p []byte) (int, error) { return l.out.Write(p) }

type script struct{ events []firmware.Event }

func (s *script) Poll() firmware.Event {
	if len(s.events) == 0 {
		return firmware.Event{}
	}
	e := s.events[0]
	s.events = s.events[1:]
	return e
}

type screen struct{ last firmware.Screen }

func (s *screen) ShowDigest(*[pad.DigestSize]byte) {}
func (s *screen) Show(v firmware.Screen)           { s.last = v }

type seed struct{}

func (seed) Seed(dst *[32]byte) error { copy(dst[:], prototest.PadKey.Seed()); return nil }

type ticks struct{ ms uint32 }

func (c *ticks) Millis() uint32 { c.ms += 4; return c.ms }

type bench struct {
	line   *line
	script *script
	screen *screen
	pad    *firmware.Pad
}

func newBench() *bench {
	b := &bench{line: &line{}, script: &script{}, screen: &screen{}}
	p, err := firmware.New(firmware.Hardware{Port: b.line, Digitiser: b.script, Display: b.screen,
		Keys: seed{}, Clock: &ticks{}, Firmware: "1.0.0", Serial: "PAD-0001"})
	if err != nil {
		panic(err)
	}
	b.pad = p
	return b
}

func (b *bench) send(t pad.Type, payload []byte) {
	f, _ := pad.AppendFrame(nil, t, payload)
	b.line.in.Write(f)
}

// run steps the pad until nothing happens.
func (b *bench) run() {
	for b.pad.Step() {
	}
}

func (b *bench) frames() []pad.Frame {
	var out []pad.Frame
	r := pad.NewReader(bytes.NewReader(b.line.out.Bytes()))
	for {
		f, err := r.Next()
		if err != nil {
			return out
		}
		out = append(out, pad.Frame{Type: f.Type, Payload: append([]byte(nil), f.Payload...)})
	}
}

func stroke(pts ...pad.Point) []firmware.Event {
	var ev []firmware.Event
	for _, p := range pts {
		ev = append(ev, firmware.Event{Kind: firmware.EventPoint, Point: p})
	}
	return append(ev, firmware.Event{Kind: firmware.EventPenUp})
}

var padPub = prototest.PadKey.Public().(ed25519.PublicKey)
