package mic

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
)

// ToneFrequency is the frequency of SignalTone in hertz.
const ToneFrequency = 440

// level is the peak amplitude of both signals: -12 dBFS of 16-bit full
// scale, about 8231.
var level = 32767 * math.Pow(10, -12.0/20)

// generator produces the signal sample by sample; its state carries over
// from one chunk to the next, so the tone's phase is continuous.
type generator struct {
	noise bool
	phase float64 // radians, in [0, 2π)
	step  float64 // radians per sample
	rng   *rand.Rand
}

func newGenerator(cfg Config) *generator {
	return &generator{
		noise: cfg.Signal == SignalNoise,
		step:  2 * math.Pi * ToneFrequency / float64(cfg.SampleRate),
		rng:   rand.New(rand.NewPCG(0x65766c72, 0x6d6f6f72)), // fixed seed: repeatable
	}
}

// next returns the next sample of the signal, in [-level, level].
func (g *generator) next() float64 {
	if g.noise {
		return level * (2*g.rng.Float64() - 1)
	}
	v := level * math.Sin(g.phase)
	g.phase += g.step
	if g.phase >= 2*math.Pi {
		g.phase -= 2 * math.Pi
	}
	return v
}

// chunk returns n samples of the signal with fault f applied, as 16-bit
// little-endian PCM. The signal advances under every fault, as a real
// signal goes on while a microphone is muted.
func (g *generator) chunk(n int, f Fault) []byte {
	out := make([]byte, 2*n)
	for i := range n {
		v := g.next()
		switch f {
		case FaultSilence:
			v = 0
		case FaultClip:
			v *= ClipGain
		}
		binary.LittleEndian.PutUint16(out[2*i:], uint16(toInt16(v)))
	}
	return out
}

// toInt16 rounds v and clips it to the 16-bit range.
func toInt16(v float64) int16 {
	v = math.Round(v)
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}
