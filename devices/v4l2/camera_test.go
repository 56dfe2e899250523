package v4l2

import (
	"bytes"
	"image"
	"image/jpeg"
	"strings"
	"testing"
)

func TestPickFormatPrefersMJPEG(t *testing.T) {
	cases := []struct {
		offered []uint32
		want    uint32
		ok      bool
	}{
		{[]uint32{fourccYUYV, fourccMJPEG}, fourccMJPEG, true},
		{[]uint32{fourccYUYV}, fourccYUYV, true},
		{[]uint32{fourccJPEG, fourccYUYV}, fourccJPEG, true},
		{[]uint32{'N' | 'V'<<8 | '1'<<16 | '2'<<24}, 0, false},
	}
	for _, c := range cases {
		got, ok := pickFormat(c.offered)
		if got != c.want || ok != c.ok {
			t.Errorf("pickFormat(%v) = %s, %v; want %s, %v", c.offered, fourccString(got), ok, fourccString(c.want), c.ok)
		}
	}
	if m := mode(fourccYUYV, 640, 480, 25); m != "YUYV 640x480 at 25 fps, JPEG made on the box" {
		t.Errorf("mode = %q", m)
	}
}

// yuyv makes a YUYV picture with a row stride of stride bytes: luma rising
// left to right, blue-ish chroma.
func yuyv(w, h, stride int) []byte {
	b := make([]byte, stride*h)
	for y := range h {
		for x := 0; x < w; x += 2 {
			i := y*stride + 2*x
			b[i], b[i+1], b[i+2], b[i+3] = byte(x*255/w), 200, byte((x+1)*255/w), 100
		}
	}
	return b
}

func TestYUYVEncodesToJPEG(t *testing.T) {
	const w, h, stride = 64, 48, 64*2 + 16
	e := newYUYVEncoder(w, h, 90)
	jpg, err := e.encode(yuyv(w, h, stride), stride)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatalf("image/jpeg does not decode the frame: %v", err)
	}
	if img.Bounds() != image.Rect(0, 0, w, h) {
		t.Fatalf("bounds %v", img.Bounds())
	}
	yc, ok := img.(*image.YCbCr)
	if !ok {
		t.Fatalf("decoded %T, want YCbCr", img)
	}
	left, right := yc.YCbCrAt(2, h/2), yc.YCbCrAt(w-3, h/2)
	if left.Y > 30 || right.Y < 220 || abs(int(left.Cb)-200) > 8 || abs(int(left.Cr)-100) > 8 {
		t.Errorf("left %v, right %v: luma ramp or chroma lost", left, right)
	}
	if _, err := e.encode(make([]byte, 10), stride); err == nil {
		t.Error("a short picture was encoded")
	}
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := e.encode(yuyv(w, h, stride), stride); err != nil {
			t.Fatal(err)
		}
	})
	// yuyv's picture, the JPEG clone and a handful in image/jpeg; none per pixel
	if allocs > 20 {
		t.Errorf("%v allocations per frame", allocs)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestHuffmanTablesAdded(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	full := b.Bytes()
	// Strip the DHT segments, as many USB cameras send MJPEG.
	var stripped []byte
	stripped = append(stripped, full[:2]...)
	off := 2
	walkSegments(full, func(marker byte, seg []byte) bool {
		if marker != 0xC4 {
			stripped = append(stripped, seg...)
		}
		off += len(seg)
		return marker != 0xDA
	})
	stripped = append(stripped, full[off:]...)
	if _, err := jpeg.Decode(bytes.NewReader(stripped)); err == nil {
		t.Fatal("a JPEG without Huffman tables decoded; the test is wrong")
	}
	if _, err := jpeg.Decode(bytes.NewReader(withHuffman(stripped))); err != nil {
		t.Fatalf("with the standard tables put back: %v", err)
	}
	if !bytes.Equal(withHuffman(full), full) {
		t.Error("a JPEG with tables was changed")
	}
}

func TestConfigLine(t *testing.T) {
	f := Found{Path: "/dev/video0", Stable: []string{"/dev/v4l/by-id/usb-Cam_123-video-index0"}, Formats: []Format{
		{Name: "MJPG", Sizes: []Size{{1920, 1080, 30}, {1280, 720, 30}, {640, 480, 30}}},
	}}
	want := `{"stream": "cam1", "kind": "video", "driver": "v4l2", "path": "/dev/v4l/by-id/usb-Cam_123-video-index0", "width": 1280, "height": 720, "fps": 25}`
	if got := f.ConfigLine("cam1"); got != want {
		t.Errorf("ConfigLine = %s\nwant %s", got, want)
	}
	slow := Found{Path: "/dev/video2", Formats: []Format{{Name: "YUYV", Sizes: []Size{{640, 360, 10}}}}}
	if got := slow.ConfigLine("cam2"); !strings.Contains(got, `"path": "/dev/video2", "width": 640, "height": 360, "fps": 10`) {
		t.Errorf("ConfigLine = %s", got)
	}
}
