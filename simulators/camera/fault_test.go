package camera_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/simulators/camera"
)

func TestFaults(t *testing.T) {
	c := camera.New(testConfig(), fakeClock())
	defer c.Close()
	interval := time.Second / 20
	var lastGood []byte
	var lastBar int
	steps := []struct {
		fault camera.Fault
		check func(t *testing.T, f devices.Frame, err error, took time.Duration)
	}{
		{camera.FaultNone, func(t *testing.T, f devices.Frame, err error, _ time.Duration) {
			lastGood, lastBar = f.Data, barX(decode(t, f.Data))
		}},
		{camera.FaultFrozen, func(t *testing.T, f devices.Frame, err error, _ time.Duration) {
			if !bytes.Equal(f.Data, lastGood) {
				t.Fatal("frozen frame differs from the last good frame")
			}
		}},
		{camera.FaultFrozen, func(t *testing.T, f devices.Frame, err error, _ time.Duration) {
			if !bytes.Equal(f.Data, lastGood) {
				t.Fatal("second frozen frame differs from the last good frame")
			}
		}},
		{camera.FaultBlack, func(t *testing.T, f devices.Frame, err error, _ time.Duration) {
			img := decode(t, f.Data)
			b := img.Bounds()
			sum := 0
			for y := b.Min.Y; y < b.Max.Y; y += 3 {
				for x := b.Min.X; x < b.Max.X; x += 3 {
					sum += int(luma(img, x, y))
				}
			}
			if mean := sum / ((b.Dx() + 2) / 3 * ((b.Dy() + 2) / 3)); mean > 4 {
				t.Fatalf("black frame has mean luma %d", mean)
			}
			if s, err := camera.ReadStamp(f.Data); err != nil || !s.Time.Equal(f.Time) {
				t.Fatalf("black frame stamp %+v, %v", s, err)
			}
		}},
		{camera.FaultUnplug, func(t *testing.T, f devices.Frame, err error, took time.Duration) {
			if !errors.Is(err, devices.ErrUnplugged) {
				t.Fatalf("unplugged Read: %v, want ErrUnplugged", err)
			}
			if took < interval {
				t.Fatalf("unplugged Read returned after %v, want at least %v", took, interval)
			}
		}},
		{camera.FaultNone, func(t *testing.T, f devices.Frame, err error, _ time.Duration) {
			if x := barX(decode(t, f.Data)); x < 0 || x == lastBar {
				t.Fatalf("bar at %d after resuming, was at %d: not moving", x, lastBar)
			}
		}},
	}
	for i, s := range steps {
		if err := c.SetFault(s.fault); err != nil {
			t.Fatalf("SetFault(%s): %v", s.fault, err)
		}
		if c.Fault() != s.fault {
			t.Fatalf("Fault() = %s, want %s", c.Fault(), s.fault)
		}
		start := time.Now()
		f, err := c.Read(context.Background())
		if s.fault != camera.FaultUnplug && err != nil {
			t.Fatalf("step %d (%s): Read: %v", i, s.fault, err)
		}
		s.check(t, f, err, time.Since(start))
	}
}

func TestParseFault(t *testing.T) {
	for _, s := range []string{"none", "black", "frozen", "unplug"} {
		if f, err := camera.ParseFault(s); err != nil || string(f) != s {
			t.Errorf("ParseFault(%q) = %q, %v", s, f, err)
		}
	}
	c := camera.New(testConfig(), nil)
	for _, s := range []string{"silence", "clip"} {
		if _, err := camera.ParseFault(s); err == nil || !strings.Contains(err.Error(), "microphone") {
			t.Errorf("ParseFault(%q) = %v, want a microphone-fault error", s, err)
		}
		if err := c.SetFault(camera.Fault(s)); err == nil {
			t.Errorf("SetFault(%q) accepted an audio fault", s)
		}
	}
	for _, s := range []string{"", "Black", "bogus"} {
		if _, err := camera.ParseFault(s); err == nil {
			t.Errorf("ParseFault(%q) accepted", s)
		}
	}
	if c.Fault() != camera.FaultNone {
		t.Errorf("refused faults changed the fault to %s", c.Fault())
	}
}

func TestSetFaultWhileReading(t *testing.T) {
	cfg := testConfig()
	cfg.FPS = 60
	c := camera.New(cfg, fakeClock())
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, f := range []camera.Fault{camera.FaultBlack, camera.FaultFrozen, camera.FaultNone} {
			for range 5 {
				if err := c.SetFault(f); err != nil {
					t.Error(err)
				}
				_ = c.Fault()
			}
		}
	}()
	for range 6 {
		f, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if _, err := camera.ReadStamp(f.Data); err != nil {
			t.Fatalf("ReadStamp: %v", err)
		}
	}
	cancel()
	wg.Wait()
}
