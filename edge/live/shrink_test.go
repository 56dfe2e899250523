package live

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// testJPEG paints a w×h picture (left half red, right half blue, a grey
// ramp down) and adds a comment segment after its SOI.
func testJPEG(t testing.TB, w, h int, comment string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 220, G: uint8(y * 200 / h), B: 20, A: 255}
			if x >= w/2 {
				c = color.RGBA{R: 20, G: uint8(y * 200 / h), B: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	seg := append([]byte{0xFF, 0xFE, byte((len(comment) + 2) >> 8), byte(len(comment) + 2)}, comment...)
	return withComments(b.Bytes(), [][]byte{seg})
}

func TestShrinkKeepsPictureAndStamp(t *testing.T) {
	for _, size := range []image.Point{{640, 360}, {1280, 720}, {1920, 1080}, {641, 361}} {
		src := testJPEG(t, size.X, size.Y, "evalroom-stamp v1 frame=7")
		small, err := Shrink(src, protocol.SubWidth)
		if err != nil {
			t.Fatalf("%v: %v", size, err)
		}
		img, err := jpeg.Decode(bytes.NewReader(small))
		if err != nil {
			t.Fatalf("%v: the sub frame is not a JPEG: %v", size, err)
		}
		b := img.Bounds()
		if b.Dx() > protocol.SubWidth || b.Dx() < protocol.SubWidth/2 {
			t.Fatalf("%v shrunk to %v, want at most %d wide and more than half of it", size, b.Size(), protocol.SubWidth)
		}
		if got, want := b.Dx()*1000/b.Dy(), size.X*1000/size.Y; got < want*95/100 || got > want*105/100 {
			t.Fatalf("%v shrunk to %v: the aspect changed", size, b.Size())
		}
		// The colours stay where they were: red on the left, blue on the right.
		l, r := img.At(b.Dx()/4, b.Dy()/2), img.At(b.Dx()*3/4, b.Dy()/2)
		lr, _, lb, _ := l.RGBA()
		rr, _, rb, _ := r.RGBA()
		if lr>>8 < 150 || lb>>8 > 100 || rb>>8 < 150 || rr>>8 > 100 {
			t.Fatalf("%v: colours moved: left %v right %v", size, l, r)
		}
		if c := comments(small); len(c) != 1 || !bytes.Contains(c[0], []byte("frame=7")) {
			t.Fatalf("%v: the capture stamp is lost: %q", size, c)
		}
		if len(small) >= len(src) {
			t.Fatalf("%v: the sub frame (%d bytes) is not smaller than the frame (%d)", size, len(small), len(src))
		}
	}
	narrow := testJPEG(t, 320, 180, "x")
	if out, err := Shrink(narrow, protocol.SubWidth); err != nil || !bytes.Equal(out, narrow) {
		t.Fatalf("a picture already %d wide was changed (err %v)", protocol.SubWidth, err)
	}
	if _, err := Shrink([]byte("not a jpeg"), protocol.SubWidth); err == nil {
		t.Fatal("Shrink took bytes that are no JPEG")
	}
}

// TestRenditionsLeasedApart: a main lease sends main frames only, a sub
// lease sub frames only, at protocol.SubFPS from a 10 fps camera, each
// stopping with its own lease.
func TestRenditionsLeasedApart(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	type got struct {
		rendition string
		width     int
	}
	var frames []got
	l := New("room-1", pubFunc(func(stream string, b []byte) {
		h, data, err := protocol.DecodeLive(b)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, got{h.Rendition, cfg.Width})
	}))
	l.now = func() time.Time { return now }
	known := func(s string) bool { return s == "cam1" }
	info := devices.Info{Stream: "cam1", Codec: protocol.CodecMJPEG, Width: 640, Height: 360, FPS: 10}
	pic := testJPEG(t, 640, 360, "stamp")
	second := func(start time.Time) {
		for i := range 10 {
			l.Frame(info, uint64(i), devices.Frame{Data: pic, Time: start.Add(time.Duration(i) * 100 * time.Millisecond)})
		}
	}
	count := func() (main, sub int) {
		for _, f := range frames {
			switch {
			case f.rendition == protocol.RenditionMain && f.width == 640:
				main++
			case f.rendition == protocol.RenditionSub && f.width == protocol.SubWidth:
				sub++
			default:
				t.Fatalf("a frame of rendition %q, %d wide", f.rendition, f.width)
			}
		}
		frames = nil
		return main, sub
	}
	on := func(r string, on bool) {
		if err := l.Command(protocol.Command{Kind: protocol.CmdLive, Stream: "cam1", Rendition: r, On: on, Lease: protocol.Duration(time.Minute)}, known); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Command(protocol.Command{Kind: protocol.CmdLive, Stream: "cam1", Rendition: "hd", On: true, Lease: protocol.Duration(time.Minute)}, known); err == nil {
		t.Fatal("a lease of an unknown rendition was taken")
	}
	on(protocol.RenditionSub, true)
	second(now)
	if m, s := count(); m != 0 || s != protocol.SubFPS {
		t.Fatalf("sub lease: %d main and %d sub frames in a second, want 0 and %d", m, s, protocol.SubFPS)
	}
	on(protocol.RenditionMain, true)
	second(now.Add(time.Second))
	if m, s := count(); m != 10 || s != protocol.SubFPS {
		t.Fatalf("both leases: %d main and %d sub frames, want 10 and %d", m, s, protocol.SubFPS)
	}
	on(protocol.RenditionSub, false)
	second(now.Add(2 * time.Second))
	if m, s := count(); m != 10 || s != 0 {
		t.Fatalf("sub stopped: %d main and %d sub frames, want 10 and 0", m, s)
	}
	// A 30 fps camera still gives SubFPS.
	on(protocol.RenditionMain, false)
	on(protocol.RenditionSub, true)
	for i := range 90 {
		l.Frame(info, uint64(i), devices.Frame{Data: pic, Time: now.Add(10*time.Second + time.Duration(i)*time.Second/30)})
	}
	if m, s := count(); m != 0 || s < 3*protocol.SubFPS-1 || s > 3*protocol.SubFPS+1 {
		t.Fatalf("30 fps for 3 s: %d main and %d sub frames, want 0 and %d±1", m, s, 3*protocol.SubFPS)
	}
	// Sound has no sub-stream.
	l.Command(protocol.Command{Kind: protocol.CmdLive, Stream: "cam1", Rendition: protocol.RenditionSub, On: true, Lease: protocol.Duration(time.Minute)}, known)
	l.Frame(devices.Info{Stream: "cam1", Codec: protocol.CodecPCM}, 1, devices.Frame{Data: []byte{0, 0}, Time: now.Add(20 * time.Second)})
	if len(frames) != 0 {
		t.Fatal("a sub frame of sound was sent")
	}
}

// BenchmarkShrink is the box's cost of one sub-stream frame from the
// simulator's size (640×360).
func BenchmarkShrink(b *testing.B) {
	pic := testJPEG(b, 640, 360, "stamp")
	for b.Loop() {
		if _, err := Shrink(pic, protocol.SubWidth); err != nil {
			b.Fatal(err)
		}
	}
}
