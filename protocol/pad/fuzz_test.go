package pad_test

import (
	"bytes"
	"testing"

	"github.com/evalroom/evalroom/protocol/pad"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func FuzzDecodeFrame(f *testing.F) {
	for _, v := range prototest.PadFrames() {
		f.Add(v.Data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := pad.DecodeFrame(b)
		if err != nil {
			return
		}
		again, aerr := pad.AppendFrame(nil, fr.Type, fr.Payload)
		if aerr != nil || !bytes.Equal(again, b[:n]) {
			t.Fatal("a decoded frame does not re-encode to the same bytes")
		}
		if fr.Type == pad.TypeStroke {
			if _, _, err := pad.ParseStroke(fr.Payload, nil); err != nil {
				t.Fatalf("checked stroke does not parse: %v", err)
			}
		}
	})
}

func FuzzDecodeStrokes(f *testing.F) {
	f.Add(prototest.PadStrokeBytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := pad.DecodeStrokes(b)
		if err != nil {
			return
		}
		if !bytes.Equal(pad.EncodeStrokes(nil, s), b) {
			t.Fatal("decoded strokes do not re-encode to the same bytes")
		}
	})
}

func FuzzReader(f *testing.F) {
	for _, v := range prototest.PadFrames() {
		f.Add(v.Data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := pad.NewReader(bytes.NewReader(b))
		for range len(b) + 1 {
			if _, err := r.Next(); err != nil && !isFrameErr(err) {
				return
			}
		}
		t.Fatal("Reader does not end on finite input")
	})
}

func isFrameErr(err error) bool { return err == pad.ErrCRC || err == pad.ErrInvalid }
