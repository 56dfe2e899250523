package alsa

import (
	"encoding/binary"
	"math"
	"testing"
)

func le16(vs ...int16) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

func samples(b []byte) []int16 {
	var out []int16
	for i := 0; i+1 < len(b); i += 2 {
		out = append(out, int16(binary.LittleEndian.Uint16(b[i:])))
	}
	return out
}

func TestConvertChannelsAndFormats(t *testing.T) {
	stereo := newConverter(formatS16LE, 2, 16000, 16000)
	if got := samples(stereo.convert(le16(100, 300, -100, -300))); len(got) != 2 || got[0] != 200 || got[1] != -200 {
		t.Fatalf("stereo to mono: %v", got)
	}
	u32 := func(v int32) uint32 { return uint32(v) }
	var s32 []byte
	s32 = binary.LittleEndian.AppendUint32(s32, u32(1000<<16))
	s32 = binary.LittleEndian.AppendUint32(s32, u32(-1000<<16))
	if got := samples(newConverter(formatS32LE, 1, 8000, 8000).convert(s32)); got[0] != 1000 || got[1] != -1000 {
		t.Fatalf("S32: %v", got)
	}
	var s24 []byte
	s24 = binary.LittleEndian.AppendUint32(s24, u32(-1000<<8)&0xFFFFFF) // only 24 bits set
	if got := samples(newConverter(formatS24LE, 1, 8000, 8000).convert(s24)); got[0] != -1000 {
		t.Fatalf("S24: %v", got)
	}
}

// A sine keeps its level through either way of changing the rate, and the
// number of samples follows the ratio across calls of any size.
func TestConvertRate(t *testing.T) {
	for _, from := range []int{48000, 44100} {
		c := newConverter(formatS16LE, 1, from, 16000)
		var out []int16
		phase := 0
		for _, n := range []int{1, 4410, 777, 4800, 1000, 9} {
			in := make([]int16, n)
			for i := range in {
				in[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(phase)/float64(from)))
				phase++
			}
			out = append(out, samples(c.convert(le16(in...)))...)
		}
		want := phase * 16000 / from
		if d := len(out) - want; d < -2 || d > 2 {
			t.Errorf("%d Hz: %d samples in, %d out, want about %d", from, phase, len(out), want)
		}
		var sum float64
		for _, v := range out {
			sum += float64(v) * float64(v)
		}
		rms := math.Sqrt(sum / float64(len(out)))
		if rms < 5300 || rms > 5900 { // 8000/sqrt(2) = 5657
			t.Errorf("%d Hz: RMS %.0f after conversion, want about 5657", from, rms)
		}
	}
}
