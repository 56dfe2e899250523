package quality

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// AudioConfig tunes the microphone checks.
type AudioConfig struct {
	// Window is what levels are measured over. Default 1 s.
	Window time.Duration
	// SilentBelow is the RMS level, dBFS, under which the room counts as
	// silent. Default -60.
	SilentBelow float64
	// SilentFor is how long it must stay under it. Default 3 s.
	SilentFor time.Duration
	// ClipShare is the share of full-scale samples in a window above which
	// the microphone counts as clipping. Default 0.01.
	ClipShare float64
}

func (c *AudioConfig) defaults() {
	if c.Window <= 0 {
		c.Window = time.Second
	}
	if c.SilentBelow == 0 {
		c.SilentBelow = -60
	}
	if c.SilentFor <= 0 {
		c.SilentFor = 3 * time.Second
	}
	if c.ClipShare <= 0 {
		c.ClipShare = 0.01
	}
}

// Audio analyzes 16-bit little-endian PCM chunks.
type Audio struct {
	cfg AudioConfig
	signals

	winStart    time.Time
	sumSq       float64
	peak        float64
	clipped, n  int
	rms, peakDB float64
	loudAt      time.Time
	errors      int64
}

// NewAudio returns a microphone analyzer.
func NewAudio(cfg AudioConfig, onChange func(signal string, on bool)) *Audio {
	cfg.defaults()
	return &Audio{cfg: cfg, signals: newSignals(onChange), rms: -120, peakDB: -120}
}

// Frame implements Analyzer.
func (a *Audio) Frame(f devices.Frame) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.winStart.IsZero() {
		a.winStart, a.loudAt = f.Time, f.Time
	}
	for i := 0; i+1 < len(f.Data); i += 2 {
		s := float64(int16(binary.LittleEndian.Uint16(f.Data[i:])))
		a.sumSq += s * s
		a.peak = max(a.peak, math.Abs(s))
		if s >= 32767 || s <= -32768 {
			a.clipped++
		}
		a.n++
	}
	if f.Time.Sub(a.winStart) < a.cfg.Window || a.n == 0 {
		return
	}
	a.rms = dbfs(math.Sqrt(a.sumSq / float64(a.n)))
	a.peakDB = dbfs(a.peak)
	a.set(protocol.SignalClipping, float64(a.clipped)/float64(a.n) > a.cfg.ClipShare)
	if a.rms >= a.cfg.SilentBelow {
		a.loudAt = f.Time
	}
	a.set(protocol.SignalSilent, f.Time.Sub(a.loudAt) >= a.cfg.SilentFor)
	a.winStart, a.sumSq, a.peak, a.clipped, a.n = f.Time, 0, 0, 0, 0
}

// Error implements Analyzer.
func (a *Audio) Error() {
	a.mu.Lock()
	a.errors++
	a.mu.Unlock()
}

// Quality implements Analyzer.
func (a *Audio) Quality() protocol.Quality {
	a.mu.Lock()
	defer a.mu.Unlock()
	return protocol.Quality{RMSdBFS: round1(a.rms), PeakdBFS: round1(a.peakDB), Errors: a.errors, Signals: a.list()}
}

// TakeFlags implements Analyzer.
func (a *Audio) TakeFlags() []string { return a.take() }

func dbfs(v float64) float64 {
	if v <= 0 {
		return -120
	}
	return max(-120, min(0, 20*math.Log10(v/32768)))
}
