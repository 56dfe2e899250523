package camera

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// painter draws the test pattern. The background is drawn once; each frame
// copies it, moves a bar across it and writes the text over it.
type painter struct {
	cfg   Config
	bg    *image.RGBA // colour bars, grey ramp and the text panel
	work  *image.RGBA // the frame being drawn
	buf   bytes.Buffer
	opts  jpeg.Options
	black []byte // the all-black JPEG, encoded on first use
}

const (
	textMargin = 4
	lineHeight = 15
	textLines  = 3
)

var (
	barColor   = color.RGBA{255, 255, 255, 255}
	panelColor = color.RGBA{16, 16, 16, 255}
	// 75% colour bars: white, yellow, cyan, green, magenta, red, blue.
	bars = []color.RGBA{
		{191, 191, 191, 255}, {191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255},
		{191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255},
	}
)

func newPainter(cfg Config) *painter {
	r := image.Rect(0, 0, cfg.Width, cfg.Height)
	p := &painter{cfg: cfg, bg: image.NewRGBA(r), work: image.NewRGBA(r), opts: jpeg.Options{Quality: cfg.Quality}}
	rampTop := cfg.Height * 2 / 3
	for x := 0; x < cfg.Width; x++ {
		c := bars[x*len(bars)/cfg.Width]
		g := uint8(x * 200 / cfg.Width)
		for y := 0; y < cfg.Height; y++ {
			if y >= rampTop {
				p.bg.SetRGBA(x, y, color.RGBA{g, g, g, 255})
			} else {
				p.bg.SetRGBA(x, y, c)
			}
		}
	}
	chars := max(len(p.header()), len("2006-01-02 15:04:05.000 -07:00"))
	panel := image.Rect(0, 0, 2*textMargin+chars*7, 2*textMargin+textLines*lineHeight)
	draw.Draw(p.bg, panel, image.NewUniform(panelColor), image.Point{}, draw.Src)
	return p
}

func (p *painter) header() string {
	return "room " + p.cfg.Room + "  stream " + p.cfg.Stream
}

// frame draws and encodes picture number n captured at t; the result is
// valid until the next call.
func (p *painter) frame(n uint64, t time.Time) ([]byte, error) {
	copy(p.work.Pix, p.bg.Pix)
	p.drawBar(n)
	d := font.Drawer{Dst: p.work, Src: image.White, Face: basicfont.Face7x13}
	lines := []string{p.header(), fmt.Sprintf("frame %d", n), t.Format("2006-01-02 15:04:05.000 -07:00")}
	for i, s := range lines {
		d.Dot = fixed.P(textMargin, textMargin+11+i*lineHeight)
		d.DrawString(s)
	}
	return p.encode(p.work)
}

// drawBar draws a vertical bar that crosses the picture every two seconds.
func (p *painter) drawBar(n uint64) {
	w := max(2, p.cfg.Width/20)
	step := max(1, p.cfg.Width/(2*p.cfg.FPS))
	x0 := int(n * uint64(step) % uint64(p.cfg.Width))
	x1 := min(x0+w, p.cfg.Width)
	for y := 0; y < p.cfg.Height; y++ {
		row := p.work.Pix[y*p.work.Stride:]
		for x := x0; x < x1; x++ {
			c := row[4*x : 4*x+4]
			c[0], c[1], c[2], c[3] = barColor.R, barColor.G, barColor.B, barColor.A
		}
	}
}

// blackFrame returns the all-black JPEG, encoding it once.
func (p *painter) blackFrame() ([]byte, error) {
	if p.black == nil {
		img := image.NewRGBA(image.Rect(0, 0, p.cfg.Width, p.cfg.Height))
		draw.Draw(img, img.Rect, image.Black, image.Point{}, draw.Src)
		b, err := p.encode(img)
		if err != nil {
			return nil, err
		}
		p.black = bytes.Clone(b)
	}
	return p.black, nil
}

// encode returns img as a baseline JPEG, in a buffer that the next encode
// reuses.
func (p *painter) encode(img image.Image) ([]byte, error) {
	p.buf.Reset()
	if err := jpeg.Encode(&p.buf, img, &p.opts); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	return p.buf.Bytes(), nil
}
