package camera_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/camera"
)

// fakeClock returns a clock that moves on 1 ms every time it is read.
func fakeClock() func() time.Time {
	base := time.Date(2026, 11, 23, 9, 30, 0, 123456789, time.UTC)
	var n atomic.Int64
	return func() time.Time { return base.Add(time.Duration(n.Add(1)) * time.Millisecond) }
}

func testConfig() camera.Config {
	return camera.Config{Room: "room-7", Stream: "cam1", Width: 320, Height: 180, FPS: 20}
}

func read(t *testing.T, c *camera.Camera) devices.Frame {
	t.Helper()
	f, err := c.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return f
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg does not decode the frame: %v", err)
	}
	return img
}

// luma returns the Y value of the pixel at x, y.
func luma(img image.Image, x, y int) uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return uint8((299*r + 587*g + 114*b) / 1000 >> 8)
}

// barX returns the mean x of the white bar in the middle row, or -1.
func barX(img image.Image) int {
	b := img.Bounds()
	sum, n := 0, 0
	for x := b.Min.X; x < b.Max.X; x++ {
		if luma(img, x, b.Dy()/2) > 230 {
			sum, n = sum+x, n+1
		}
	}
	if n == 0 {
		return -1
	}
	return sum / n
}

func TestFrameDecodesAndStampRoundTrips(t *testing.T) {
	c := camera.New(testConfig(), fakeClock())
	defer c.Close()
	info := c.Info()
	want := devices.Info{Stream: "cam1", Kind: protocol.KindVideo, Device: "sim:camera/cam1",
		Codec: protocol.CodecMJPEG, Width: 320, Height: 180, FPS: 20}
	if info != want {
		t.Fatalf("Info = %+v, want %+v", info, want)
	}
	for i := uint64(1); i <= 2; i++ {
		f := read(t, c)
		if b := decode(t, f.Data).Bounds(); b.Dx() != 320 || b.Dy() != 180 {
			t.Fatalf("frame is %v, want 320x180", b)
		}
		s, err := camera.ReadStamp(f.Data)
		if err != nil {
			t.Fatalf("ReadStamp: %v", err)
		}
		if s.Room != "room-7" || s.Stream != "cam1" || s.Frame != i || !s.Time.Equal(f.Time) {
			t.Fatalf("stamp %+v, want room-7/cam1 frame %d at %v", s, i, f.Time)
		}
	}
}

func TestDefaults(t *testing.T) {
	info := camera.New(camera.Config{Room: "r", Stream: "s"}, nil).Info()
	if info.Width != 640 || info.Height != 360 || info.FPS != 10 {
		t.Fatalf("defaults: %+v", info)
	}
}

func TestPace(t *testing.T) {
	const fps, window = 50, 250 * time.Millisecond
	cfg := testConfig()
	cfg.FPS, cfg.Width, cfg.Height = fps, 64, 36
	c := camera.New(cfg, nil)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	n := 0
	var prev time.Time
	for {
		f, err := c.Read(ctx)
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Read: %v, want the context's error", err)
			}
			break
		}
		if !prev.IsZero() && f.Time.Before(prev) {
			t.Fatal("frame times go backwards")
		}
		prev = f.Time
		n++
	}
	if most := int(window*fps/time.Second) + 1; n < 3 || n > most {
		t.Fatalf("%d frames in %v at %d fps, want 3 to %d", n, window, fps, most)
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]func(*camera.Config){
		"negative width": func(c *camera.Config) { c.Width = -1 },
		"tiny width":     func(c *camera.Config) { c.Width = 8 },
		"huge height":    func(c *camera.Config) { c.Height = 10000 },
		"negative fps":   func(c *camera.Config) { c.FPS = -5 },
		"fast fps":       func(c *camera.Config) { c.FPS = 1000 },
		"quality":        func(c *camera.Config) { c.Quality = 101 },
		"no room":        func(c *camera.Config) { c.Room = "" },
		"bad stream":     func(c *camera.Config) { c.Stream = "Cam 1" },
	}
	for name, mutate := range bad {
		cfg := testConfig()
		mutate(&cfg)
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, cfg)
		}
	}
	if err := (camera.Config{Room: "r1", Stream: "cam1"}).Validate(); err != nil {
		t.Errorf("zero sizes take defaults, but Validate says %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted a bad config")
		}
	}()
	camera.New(camera.Config{Room: "r1", Stream: "cam1", Width: 1}, nil)
}

func TestClose(t *testing.T) {
	cfg := testConfig()
	cfg.FPS = 1
	c := camera.New(cfg, nil)
	read(t, c) // the first frame comes at once; the next one is a second away
	go c.Close()
	if _, err := c.Read(context.Background()); !errors.Is(err, camera.ErrClosed) {
		t.Fatalf("Read during Close: %v, want ErrClosed", err)
	}
	if _, err := c.Read(context.Background()); !errors.Is(err, camera.ErrClosed) {
		t.Fatalf("Read after Close: %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
