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
	return insertSegments(b.Bytes(), [][]byte{seg})
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

// TestShrinkCameraMJPEG: a frame as many USB cameras send it, without
// Huffman tables, is refused by image/jpeg as it is and shrunk all the same.
func TestShrinkCameraMJPEG(t *testing.T) {
	src := testJPEG(t, 640, 360, "stamp")
	var bare []byte
	bare = append(bare, src[:2]...)
	for _, s := range segments(src) {
		if s[1] != 0xC4 {
			bare = append(bare, s...)
		}
	}
	rest := len(bytes.Join(segments(src), nil)) + 2
	bare = append(bare, src[rest:]...)
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("a JPEG without Huffman tables decoded: the test does not make what cameras send")
	}
	small, err := Shrink(bare, protocol.SubWidth)
	if err != nil {
		t.Fatalf("a camera's MJPEG frame without Huffman tables: %v", err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(small)); err != nil || cfg.Width != 320 || cfg.Height != 180 {
		t.Fatalf("shrunk to %+v (%v), want 320×180", cfg, err)
	}
}

// TestShrinkPlanes422: 4:2:2 pictures (what USB cameras' MJPEG usually is)
// keep their chroma in place; the planes are averaged block by block.
func TestShrinkPlanes422(t *testing.T) {
	src := image.NewYCbCr(image.Rect(0, 0, 8, 4), image.YCbCrSubsampleRatio422)
	for y := range 4 {
		for x := range 8 {
			src.Y[y*src.YStride+x] = uint8(10 * x)
		}
		for x := range 4 {
			src.Cb[y*src.CStride+x] = map[bool]uint8{true: 50, false: 200}[x < 2]
		}
	}
	out, err := shrinkImage(src, 2)
	if err != nil {
		t.Fatal(err)
	}
	dst := out.(*image.YCbCr)
	if dst.SubsampleRatio != image.YCbCrSubsampleRatio422 || dst.Rect.Dx() != 4 || dst.Rect.Dy() != 2 {
		t.Fatalf("shrunk to %v %v", dst.Rect, dst.SubsampleRatio)
	}
	if got := dst.Y[:4]; !bytes.Equal(got, []byte{5, 25, 45, 65}) {
		t.Fatalf("luma %v, want the means 5 25 45 65", got)
	}
	if got := dst.Cb[:2]; !bytes.Equal(got, []byte{50, 200}) {
		t.Fatalf("chroma %v, want 50 then 200", got)
	}
}

// TestSubStreamSpacing: a camera whose frames come late (a loaded box, an
// uneven driver) never gets two sub-stream pictures closer than three
// quarters of the interval: a late frame restarts the schedule instead of
// catching up.
func TestSubStreamSpacing(t *testing.T) {
	l := New("room-1", pubFunc(func(string, []byte) {}))
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// 10 fps with jitter: the second frame 60 ms late, then one 144 ms
	// after it (the pair seen in a loaded CI run).
	times := []time.Duration{0, 260 * time.Millisecond, 404 * time.Millisecond, 500 * time.Millisecond, 600 * time.Millisecond, 700 * time.Millisecond}
	var taken []time.Duration
	for _, d := range times {
		if l.subDue("cam1", t0.Add(d)) {
			taken = append(taken, d)
		}
	}
	for i := 1; i < len(taken); i++ {
		if gap := taken[i] - taken[i-1]; gap < subInterval*3/4 {
			t.Fatalf("sub-stream pictures at %v: %v and %v only %v apart", taken, taken[i-1], taken[i], gap)
		}
	}
	if len(taken) < 3 {
		t.Fatalf("only %v taken of %v", taken, times)
	}
}
