package pad_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"testing"

	"github.com/evalroom/evalroom/protocol/pad"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func TestCRC16CheckValue(t *testing.T) {
	if got := pad.CRC16([]byte("123456789")); got != 0x29B1 {
		t.Fatalf("CRC16 check value %#x, want 0x29b1", got)
	}
}

func TestFrameVectors(t *testing.T) {
	for _, v := range prototest.PadFrames() {
		t.Run(v.Name, func(t *testing.T) {
			f, n, err := pad.DecodeFrame(v.Data)
			if v.Err != nil {
				if !errors.Is(err, v.Err) {
					t.Fatalf("err %v, want %v", err, v.Err)
				}
				return
			}
			if err != nil || n != len(v.Data) || f.Type != v.Type {
				t.Fatalf("got %v %d %v, want %v %d", f.Type, n, err, v.Type, len(v.Data))
			}
			again, _ := pad.AppendFrame(nil, f.Type, f.Payload)
			if !bytes.Equal(again, v.Data) {
				t.Fatal("does not re-encode to the same bytes")
			}
		})
	}
}

func TestReaderSkipsNoiseAndReportsCRC(t *testing.T) {
	vs := prototest.PadFrames()
	var stream []byte
	stream = append(stream, 0x00, 0xA5, 0x07, 0xFF) // noise, with a start byte in it
	stream = append(stream, vs[0].Data...)
	bad := append([]byte(nil), vs[2].Data...)
	bad[10] ^= 0x40
	stream = append(stream, bad...)
	stream = append(stream, vs[5].Data...)
	r := pad.NewReader(bytes.NewReader(stream))
	if f, err := r.Next(); err != nil || f.Type != pad.TypeHello {
		t.Fatalf("first frame: %v %v", f.Type, err)
	}
	if _, err := r.Next(); !errors.Is(err, pad.ErrCRC) {
		t.Fatalf("damaged frame: %v, want ErrCRC", err)
	}
	if f, err := r.Next(); err != nil || f.Type != pad.TypeSignature {
		t.Fatalf("after the damaged frame: %v %v", f.Type, err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
	if r.Skipped == 0 {
		t.Fatal("noise not counted")
	}
}

func TestStrokesRoundTripAndVerify(t *testing.T) {
	b := prototest.PadStrokeBytes()
	got, err := pad.DecodeStrokes(b)
	if err != nil || len(got) != 2 || got[0][1] != prototest.PadStrokes[0][1] {
		t.Fatalf("decode: %v %v", got, err)
	}
	pub := prototest.PadKey.Public().(ed25519.PublicKey)
	sig := prototest.PadSignature()
	if err := pad.Verify(pub, prototest.PadDigest[:], b, sig); err != nil {
		t.Fatalf("verify: %v", err)
	}
	altered := append([]byte(nil), b...)
	altered[5]++
	if err := pad.Verify(pub, prototest.PadDigest[:], altered, sig); !errors.Is(err, pad.ErrSignature) {
		t.Fatalf("altered stroke: %v, want ErrSignature", err)
	}
	for _, bad := range [][]byte{nil, {0, 1}, {0, 1, 0, 0}, append(b, 0)} {
		if _, err := pad.DecodeStrokes(bad); err == nil {
			t.Fatalf("DecodeStrokes(%x) accepted", bad)
		}
	}
}
