package hardware_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/devices/v4l2"
	"github.com/evalroom/evalroom/edge/config"
	"github.com/evalroom/evalroom/edge/hardware"
	"github.com/evalroom/evalroom/protocol"
)

// A camera or microphone missing at start is absent but still recorded
// when it appears; a driver not in the build is absent and left out.
func TestMissingDevices(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "video9")
	reg := devices.NewRegistry()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srcs := hardware.Open(context.Background(), []config.Device{
		{Stream: "cam1", Kind: protocol.KindVideo, Driver: config.DriverV4L2, Path: missing},
		{Stream: "mic1", Kind: protocol.KindAudio, Driver: config.DriverALSA, Path: "hw:97,0"},
	}, reg, log)
	st := reg.States()
	if len(st) != 2 || st[0].State != protocol.StateAbsent || st[1].State != protocol.StateAbsent {
		t.Fatalf("states %+v, want both absent", st)
	}
	if !v4l2.Available { // the microphone driver is pure Go: always there on Linux
		if len(srcs) != 1 || srcs[0].Info().Device != "alsa:hw:97,0" {
			t.Fatalf("sources %v from a build without the V4L2 driver, want the microphone only", srcs)
		}
		srcs[0].Close()
		return
	}
	if len(srcs) != 2 || srcs[0].Info().Device != "v4l2:"+missing || srcs[1].Info().Device != "alsa:hw:97,0" {
		t.Fatalf("sources %v, want the missing camera and microphone", srcs)
	}
	defer srcs[1].Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := srcs[0].Read(ctx); !errors.Is(err, devices.ErrAbsent) {
		t.Fatalf("Read of a missing camera = %v, want ErrAbsent", err)
	}
	srcs[0].Close()
	if _, err := srcs[0].Read(ctx); !errors.Is(err, v4l2.ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
}
