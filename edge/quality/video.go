package quality

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/jpeg"
	"math"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// VideoConfig tunes the camera checks.
type VideoConfig struct {
	// SampleEvery is how often a picture is decoded for its brightness;
	// decoding is the only costly step. Default 1 s.
	SampleEvery time.Duration
	// BlackLuma is the mean luma (0-255) below which a picture with no
	// bright spot counts as black. Default 16.
	BlackLuma float64
	// FrozenFor is how long identical pictures must repeat to count as
	// frozen. Default 3 s.
	FrozenFor time.Duration
}

func (c *VideoConfig) defaults() {
	if c.SampleEvery <= 0 {
		c.SampleEvery = time.Second
	}
	if c.BlackLuma <= 0 {
		c.BlackLuma = 16
	}
	if c.FrozenFor <= 0 {
		c.FrozenFor = 3 * time.Second
	}
}

// Video analyzes a camera's JPEG frames.
type Video struct {
	cfg VideoConfig
	signals

	fps        rate
	lastSample time.Time
	width      int
	height     int
	luma       float64
	lastHash   uint64
	sameSince  time.Time
	errors     int64
}

// NewVideo returns a camera analyzer; onChange (may be nil) hears when a
// condition starts or ends.
func NewVideo(cfg VideoConfig, onChange func(signal string, on bool)) *Video {
	cfg.defaults()
	return &Video{cfg: cfg, signals: newSignals(onChange), fps: rate{window: 5 * time.Second}}
}

// Frame implements Analyzer.
func (v *Video) Frame(f devices.Frame) {
	h := fnv.New64a()
	h.Write(f.Data)
	sum := h.Sum64()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.fps.add(f.Time)
	if sum != v.lastHash || v.sameSince.IsZero() {
		v.lastHash, v.sameSince = sum, f.Time
	}
	v.set(protocol.SignalFrozen, f.Time.Sub(v.sameSince) >= v.cfg.FrozenFor)
	if f.Time.Sub(v.lastSample) < v.cfg.SampleEvery && !v.lastSample.IsZero() {
		return
	}
	v.lastSample = f.Time
	img, err := jpeg.Decode(bytes.NewReader(f.Data))
	if err != nil {
		v.errors++
		return
	}
	b := img.Bounds()
	v.width, v.height = b.Dx(), b.Dy()
	mean, peak := lumaStats(img)
	v.luma = mean
	v.set(protocol.SignalBlack, mean < v.cfg.BlackLuma && peak < 3*v.cfg.BlackLuma)
}

// Error implements Analyzer.
func (v *Video) Error() {
	v.mu.Lock()
	v.errors++
	v.mu.Unlock()
}

// Quality implements Analyzer.
func (v *Video) Quality() protocol.Quality {
	v.mu.Lock()
	defer v.mu.Unlock()
	return protocol.Quality{FPS: round1(v.fps.perSecond()), Width: v.width, Height: v.height, Luma: round1(v.luma), Errors: v.errors, Signals: v.list()}
}

// TakeFlags implements Analyzer.
func (v *Video) TakeFlags() []string { return v.take() }

// lumaStats samples every 8th pixel of every 8th row.
func lumaStats(img image.Image) (mean, peak float64) {
	b := img.Bounds()
	var sum, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 8 {
		for x := b.Min.X; x < b.Max.X; x += 8 {
			var l float64
			switch im := img.(type) {
			case *image.YCbCr:
				l = float64(im.Y[im.YOffset(x, y)])
			case *image.Gray:
				l = float64(im.Pix[im.PixOffset(x, y)])
			default:
				r, g, bl, _ := im.At(x, y).RGBA()
				l = (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			}
			sum += l
			n++
			peak = max(peak, l)
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / n, peak
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
