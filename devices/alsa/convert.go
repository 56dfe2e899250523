package alsa

import (
	"encoding/binary"
	"strconv"
)

// Sample formats the driver takes from a card (ALSA's numbers).
const (
	formatS16LE = 2  // 16-bit little-endian
	formatS24LE = 6  // 24-bit in the low three bytes of four
	formatS32LE = 10 // 32-bit little-endian
)

func formatName(f int) string {
	switch f {
	case formatS16LE:
		return "S16_LE"
	case formatS24LE:
		return "S24_LE"
	case formatS32LE:
		return "S32_LE"
	}
	return "format " + strconv.Itoa(f)
}

func sampleBytes(f int) int {
	if f == formatS16LE {
		return 2
	}
	return 4
}

// converter turns what a card gives (16, 24 or 32 bits, any number of
// channels, its rate) into 16-bit mono at the rate recorded: channels are
// averaged; a rate that is a whole multiple of the recorded one is
// averaged down (which also filters what would fold back), any other is
// interpolated linearly.
type converter struct {
	format, channels int
	from, to         int

	// whole-multiple decimation
	acc, k, n int
	// linear interpolation
	last  int32   // the last sample of the call before
	have  bool    // last is set
	phase float64 // where the next output sample is, in input samples after last
	mono  []int32
}

func newConverter(format, channels, from, to int) *converter {
	c := &converter{format: format, channels: channels, from: from, to: to}
	if from%to == 0 {
		c.k = from / to
	}
	return c
}

// identity reports whether the card's sound is already what is recorded.
func (c *converter) identity() bool {
	return c.format == formatS16LE && c.channels == 1 && c.from == c.to
}

// convert returns in as 16-bit little-endian mono at the recorded rate.
func (c *converter) convert(in []byte) []byte {
	if c.identity() {
		return in
	}
	sb := sampleBytes(c.format)
	fb := sb * c.channels
	c.mono = c.mono[:0]
	for i := 0; i+fb <= len(in); i += fb {
		var sum int64
		for ch := range c.channels {
			sum += int64(c.sample(in[i+ch*sb:]))
		}
		c.mono = append(c.mono, int32(sum/int64(c.channels)))
	}
	out := make([]byte, 0, 2*(len(c.mono)*c.to/c.from+2))
	put := func(v int32) {
		v = max(-32768, min(32767, v))
		out = binary.LittleEndian.AppendUint16(out, uint16(int16(v)))
	}
	switch {
	case c.k == 1:
		for _, v := range c.mono {
			put(v)
		}
	case c.k > 1:
		for _, v := range c.mono {
			c.acc += int(v)
			c.n++
			if c.n == c.k {
				put(int32(c.acc / c.k))
				c.acc, c.n = 0, 0
			}
		}
	default:
		xs := c.mono
		if !c.have && len(xs) > 0 {
			c.last, c.have, c.phase = xs[0], true, 0
			xs = xs[1:]
		}
		if !c.have {
			break
		}
		// y(0) is last, y(j) is xs[j-1]; phase is where the next output
		// sample falls, counted from last.
		y := func(j int) int32 {
			if j == 0 {
				return c.last
			}
			return xs[j-1]
		}
		n, step := len(xs), float64(c.from)/float64(c.to)
		for c.phase <= float64(n) {
			i := int(c.phase)
			f := c.phase - float64(i)
			v := float64(y(i))
			if i < n {
				v = v*(1-f) + float64(y(i+1))*f
			}
			put(int32(v))
			c.phase += step
		}
		if n > 0 {
			c.last = xs[n-1]
			c.phase -= float64(n)
		}
	}
	return out
}

// sample reads one sample as a 16-bit value.
func (c *converter) sample(b []byte) int32 {
	switch c.format {
	case formatS16LE:
		return int32(int16(binary.LittleEndian.Uint16(b)))
	case formatS24LE:
		v := int32(binary.LittleEndian.Uint32(b)<<8) >> 8 // sign from bit 23
		return v >> 8
	default:
		return int32(binary.LittleEndian.Uint32(b)) >> 16
	}
}
