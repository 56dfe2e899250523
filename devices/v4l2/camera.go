// Package v4l2 is the camera driver for Linux's Video4Linux2: a
// devices.Camera that opens a capture node (by path, or by a stable
// /dev/v4l/by-id or /dev/v4l/by-path name), negotiates native MJPEG first
// and YUYV otherwise (encoded to JPEG on the box), asks for the configured
// size and rate and reports what the camera gave, stamps each frame with the
// driver's capture time mapped to the wall clock, and reopens the camera by
// itself when it comes back after going away.
//
// The driver uses cgo (github.com/vladimirvivien/go4vl); a build without
// cgo or for another system has the same API and reports the camera absent.
package v4l2

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"time"
)

// Config says which camera to open and what to ask of it.
type Config struct {
	Stream string // stream id in the room, e.g. "cam1"
	// Path is the capture node: /dev/video0, or better a stable name from
	// /dev/v4l/by-id or /dev/v4l/by-path, which survives re-plugging.
	Path   string
	Width  int // wanted; the camera's nearest is used; default 1280
	Height int // wanted; default 720
	FPS    int // wanted; default 25
	// Quality is the JPEG quality (1-100) for cameras without MJPEG,
	// whose pictures the box encodes; default 80.
	Quality int
	// Retry is how often a camera that went away is looked for; default 1s.
	Retry time.Duration
	// Stall is how long a streaming camera may give no frame before it is
	// taken for lost and reopened; default 5s.
	Stall  time.Duration
	Logger *slog.Logger
}

// WithDefaults fills in what Config leaves out.
func (c Config) WithDefaults() Config {
	if c.Width <= 0 || c.Height <= 0 {
		c.Width, c.Height = 1280, 720
	}
	if c.FPS <= 0 {
		c.FPS = 25
	}
	if c.Quality <= 0 || c.Quality > 100 {
		c.Quality = 80
	}
	if c.Retry <= 0 {
		c.Retry = time.Second
	}
	if c.Stall <= 0 {
		c.Stall = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("v4l2: camera closed")

// Pixel formats the driver takes, in the order it prefers them, as V4L2
// four-character codes.
const (
	fourccMJPEG = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	fourccJPEG  = 'J' | 'P'<<8 | 'E'<<16 | 'G'<<24
	fourccYUYV  = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
)

// pickFormat chooses the pixel format from those a camera offers: native
// MJPEG (or JPEG) first, YUYV next; ok is false when it offers neither.
func pickFormat(offered []uint32) (fourcc uint32, ok bool) {
	for _, want := range []uint32{fourccMJPEG, fourccJPEG, fourccYUYV} {
		for _, f := range offered {
			if f == want {
				return f, true
			}
		}
	}
	return 0, false
}

// fourccString spells a four-character code, e.g. "YUYV".
func fourccString(f uint32) string {
	b := []byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)}
	return string(bytes.TrimRight(b, " \x00"))
}

// mode says, for a person, what the camera gives.
func mode(fourcc uint32, w, h, fps int) string {
	s := fmt.Sprintf("%s %dx%d at %d fps", fourccString(fourcc), w, h, fps)
	if fourcc == fourccYUYV {
		s += ", JPEG made on the box"
	}
	return s
}

// yuyvEncoder turns YUYV 4:2:2 pictures into JPEG, reusing its picture and
// buffer: no allocation per pixel, and none per frame but the result.
type yuyvEncoder struct {
	img  *image.YCbCr
	buf  bytes.Buffer
	opts jpeg.Options
}

func newYUYVEncoder(w, h, quality int) *yuyvEncoder {
	return &yuyvEncoder{
		img:  image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio422),
		opts: jpeg.Options{Quality: quality},
	}
}

// encode converts one YUYV picture (stride bytes a row) to a JPEG the
// caller owns.
func (e *yuyvEncoder) encode(src []byte, stride int) ([]byte, error) {
	m := e.img
	w, h := m.Rect.Dx(), m.Rect.Dy()
	if stride < 2*w {
		stride = 2 * w
	}
	if len(src) < stride*(h-1)+2*w {
		return nil, fmt.Errorf("short YUYV picture: %d bytes for %dx%d", len(src), w, h)
	}
	for y := range h {
		row := src[y*stride : y*stride+2*w]
		yrow := m.Y[y*m.YStride : y*m.YStride+w]
		cb := m.Cb[y*m.CStride : y*m.CStride+(w+1)/2]
		cr := m.Cr[y*m.CStride : y*m.CStride+(w+1)/2]
		for x := 0; x+1 < w; x += 2 {
			i := 2 * x
			yrow[x], cb[x/2], yrow[x+1], cr[x/2] = row[i], row[i+1], row[i+2], row[i+3]
		}
		if w%2 == 1 { // an odd width's last pixel has its own pair
			i := 2 * (w - 1)
			yrow[w-1], cb[w/2] = row[i], row[i+1]
			if i+3 < len(row) {
				cr[w/2] = row[i+3]
			}
		}
	}
	e.buf.Reset()
	if err := jpeg.Encode(&e.buf, m, &e.opts); err != nil {
		return nil, fmt.Errorf("encode JPEG: %w", err)
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// standardDHT holds the standard Huffman tables (JPEG Annex K) as DHT
// segments, taken from what image/jpeg writes.
var standardDHT = func() []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		panic("v4l2: image/jpeg cannot encode an 8x8 picture: " + err.Error())
	}
	var dht []byte
	walkSegments(b.Bytes(), func(marker byte, seg []byte) bool {
		if marker == 0xC4 {
			dht = append(dht, seg...)
		}
		return marker != 0xDA
	})
	return dht
}()

// walkSegments calls f with each marker segment (marker bytes included) of
// a JPEG up to and including SOS, until f returns false.
func walkSegments(jpg []byte, f func(marker byte, seg []byte) bool) {
	i := 2 // past SOI
	for i+4 <= len(jpg) && jpg[i] == 0xFF {
		marker := jpg[i+1]
		n := int(jpg[i+2])<<8 | int(jpg[i+3])
		if i+2+n > len(jpg) || !f(marker, jpg[i:i+2+n]) {
			return
		}
		i += 2 + n
	}
}

// withHuffman returns the MJPEG frame as a JPEG any decoder reads: many USB
// cameras leave out the Huffman tables, which MJPEG implies; the standard
// ones go in before the scan.
func withHuffman(jpg []byte) []byte {
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return jpg
	}
	has, sos := false, -1
	off := 2
	walkSegments(jpg, func(marker byte, seg []byte) bool {
		switch marker {
		case 0xC4:
			has = true
		case 0xDA:
			sos = off
			return false
		}
		off += len(seg)
		return true
	})
	if has || sos < 0 {
		return jpg
	}
	out := make([]byte, 0, len(jpg)+len(standardDHT))
	out = append(out, jpg[:sos]...)
	out = append(out, standardDHT...)
	return append(out, jpg[sos:]...)
}
