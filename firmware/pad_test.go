package firmware_test

import (
	"testing"

	"github.com/evalroom/evalroom/firmware"
	"github.com/evalroom/evalroom/protocol/pad"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func TestHelloGivesIdentity(t *testing.T) {
	b := newBench()
	b.send(pad.TypeHello, nil)
	b.run()
	fs := b.frames()
	if len(fs) != 1 || fs[0].Type != pad.TypeIdentity {
		t.Fatalf("frames %v", fs)
	}
	id, err := pad.ParseIdentity(fs[0].Payload)
	if err != nil || string(id.PublicKey[:]) != string(padPub) || id.Firmware != "1.0.0" || id.Serial != "PAD-0001" {
		t.Fatalf("identity %+v %v", id, err)
	}
}

func TestSignStreamsStrokesAndSigns(t *testing.T) {
	b := newBench()
	b.send(pad.TypeShow, prototest.PadDigest[:])
	b.run()
	if !b.pad.Capturing() {
		t.Fatal("not capturing after show")
	}
	var long []pad.Point
	for i := range 100 { // more than one frame's worth
		long = append(long, pad.Point{X: uint16(i), Y: 7, Pressure: 100})
	}
	b.script.events = append(stroke(long...), stroke(pad.Point{X: 1, Y: 2, Pressure: 3})...)
	b.script.events = append(b.script.events, firmware.Event{Kind: firmware.EventFinish})
	b.run()
	var strokes [][]pad.Point
	var cur []pad.Point
	var sig []byte
	for _, f := range b.frames() {
		switch f.Type {
		case pad.TypeStroke:
			var up bool
			cur, up, _ = pad.ParseStroke(f.Payload, cur)
			if up {
				strokes, cur = append(strokes, cur), nil
			}
		case pad.TypeSignature:
			sig = f.Payload
		}
	}
	if len(strokes) != 2 || len(strokes[0]) != 100 {
		t.Fatalf("strokes %d", len(strokes))
	}
	if err := pad.Verify(padPub, prototest.PadDigest[:], pad.EncodeStrokes(nil, strokes), sig); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if b.pad.Capturing() || b.screen.last != firmware.ScreenSigned {
		t.Fatal("pad not idle and showing signed")
	}
}

func TestRefuseCancelAndErrors(t *testing.T) {
	cases := []struct {
		name string
		act  func(b *bench)
		want pad.Type
		code byte
	}{
		{"refuse", func(b *bench) {
			b.script.events = []firmware.Event{{Kind: firmware.EventRefuse}}
		}, pad.TypeRefuse, pad.RefuseBySigner},
		{"damaged frame", func(b *bench) {
			f, _ := pad.AppendFrame(nil, pad.TypeCancel, nil)
			f[len(f)-1] ^= 1
			b.line.in.Write(f)
		}, pad.TypeError, pad.ErrCodeCRC},
		{"unexpected frame", func(b *bench) { b.send(pad.TypeFinish, pad.AppendFinish(nil, 1, 1)) }, pad.TypeError, pad.ErrCodeUnexpected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBench()
			b.send(pad.TypeShow, prototest.PadDigest[:])
			b.run()
			c.act(b)
			b.run()
			fs := b.frames()
			if len(fs) != 1 || fs[0].Type != c.want || fs[0].Payload[0] != c.code {
				t.Fatalf("frames %+v", fs)
			}
		})
	}
	b := newBench()
	b.send(pad.TypeShow, prototest.PadDigest[:])
	b.send(pad.TypeCancel, nil)
	b.run()
	if b.pad.Capturing() || b.screen.last != firmware.ScreenCancelled {
		t.Fatal("cancel did not stop capturing")
	}
}
