package live

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
)

// subQuality is the JPEG quality of sub-stream frames: a thumbnail shows
// who is in the room and that the picture moves, not fine detail.
const subQuality = 70

// Shrink decodes a JPEG and scales it down by the smallest whole factor
// that makes it at most maxWidth wide (averaging each factor×factor block
// of every plane, on the decoded YCbCr, with no colour conversion), then
// encodes it again at subQuality. The source's comment segments (a
// camera's capture stamp) are kept. A picture already narrow enough is
// returned as it is.
func Shrink(jpg []byte, maxWidth int) ([]byte, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil {
		return nil, fmt.Errorf("sub-stream: %w", err)
	}
	k := (cfg.Width + maxWidth - 1) / maxWidth
	if k <= 1 {
		return jpg, nil
	}
	img, err := jpeg.Decode(bytes.NewReader(withHuffman(jpg)))
	if err != nil {
		return nil, fmt.Errorf("sub-stream: %w", err)
	}
	small, err := shrinkImage(img, k)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(jpg) / (k * k))
	if err := jpeg.Encode(&out, small, &jpeg.Options{Quality: subQuality}); err != nil {
		return nil, fmt.Errorf("sub-stream: %w", err)
	}
	return insertSegments(out.Bytes(), comments(jpg)), nil
}

func shrinkImage(img image.Image, k int) (image.Image, error) {
	if img.Bounds().Min != (image.Point{}) {
		return nil, errors.New("sub-stream: a picture that does not start at 0,0")
	}
	w, h := img.Bounds().Dx()/k, img.Bounds().Dy()/k
	if w == 0 || h == 0 {
		return nil, fmt.Errorf("sub-stream: a %v picture is too small to shrink %d times", img.Bounds().Size(), k)
	}
	switch src := img.(type) {
	case *image.YCbCr:
		dst := image.NewYCbCr(image.Rect(0, 0, w, h), src.SubsampleRatio)
		sw, sh := img.Bounds().Dx(), img.Bounds().Dy()
		shrinkPlane(dst.Y, dst.YStride, w, h, src.Y, src.YStride, sw, sh, k)
		hd, vd := chromaDiv(src.SubsampleRatio)
		cw, ch := ceilDiv(w, hd), ceilDiv(h, vd)
		scw, sch := ceilDiv(sw, hd), ceilDiv(sh, vd)
		shrinkPlane(dst.Cb, dst.CStride, cw, ch, src.Cb, src.CStride, scw, sch, k)
		shrinkPlane(dst.Cr, dst.CStride, cw, ch, src.Cr, src.CStride, scw, sch, k)
		return dst, nil
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, w, h))
		shrinkPlane(dst.Pix, dst.Stride, w, h, src.Pix, src.Stride, img.Bounds().Dx(), img.Bounds().Dy(), k)
		return dst, nil
	}
	return nil, fmt.Errorf("sub-stream: JPEG colour model %T is not shrunk", img)
}

// shrinkPlane writes the dw×dh plane dst, each sample the mean of a k×k
// block of src (clipped to the sw×sh source).
func shrinkPlane(dst []byte, dstStride, dw, dh int, src []byte, srcStride, sw, sh, k int) {
	for y := range dh {
		y0, y1 := y*k, min(y*k+k, sh)
		for x := range dw {
			x0, x1 := x*k, min(x*k+k, sw)
			sum, n := 0, 0
			for sy := y0; sy < y1; sy++ {
				row := src[sy*srcStride:]
				for sx := x0; sx < x1; sx++ {
					sum += int(row[sx])
				}
				n += x1 - x0
			}
			if n > 0 {
				dst[y*dstStride+x] = byte((sum + n/2) / n)
			}
		}
	}
}

// chromaDiv returns how many luma samples share one chroma sample across
// and down.
func chromaDiv(r image.YCbCrSubsampleRatio) (h, v int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// segments returns the marker segments (marker, length and body) of a
// JPEG from its SOI up to its first SOS; anything malformed ends the walk.
func segments(jpg []byte) [][]byte {
	var out [][]byte
	if len(jpg) < 2 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return nil
	}
	for pos := 2; pos+4 <= len(jpg) && jpg[pos] == 0xFF; {
		marker := jpg[pos+1]
		if marker == 0xDA || marker == 0xD9 {
			break
		}
		n := int(jpg[pos+2])<<8 | int(jpg[pos+3])
		if n < 2 || pos+2+n > len(jpg) {
			break
		}
		out = append(out, jpg[pos:pos+2+n])
		pos += 2 + n
	}
	return out
}

// comments returns the COM segments of a JPEG.
func comments(jpg []byte) [][]byte {
	var out [][]byte
	for _, s := range segments(jpg) {
		if s[1] == 0xFE {
			out = append(out, s)
		}
	}
	return out
}

// standardHuffman is the DHT segments of the JPEG standard's example
// tables (Annex K.3), which Go's encoder writes into every JPEG it makes:
// taken from one it makes.
var standardHuffman = func() [][]byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil); err != nil { // colour: all four tables
		panic(err)
	}
	var out [][]byte
	for _, s := range segments(b.Bytes()) {
		if s[1] == 0xC4 {
			out = append(out, s)
		}
	}
	return out
}()

// withHuffman gives a JPEG without Huffman tables the standard ones: many
// USB cameras' MJPEG frames leave them out (they are implied, AVI1), and
// image/jpeg refuses such a frame.
func withHuffman(jpg []byte) []byte {
	for _, s := range segments(jpg) {
		if s[1] == 0xC4 {
			return jpg
		}
	}
	return insertSegments(jpg, standardHuffman)
}

// insertSegments inserts marker segments right after the SOI of jpg.
func insertSegments(jpg []byte, segs [][]byte) []byte {
	if len(segs) == 0 {
		return jpg
	}
	out := append([]byte(nil), jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}
