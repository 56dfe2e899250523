// Package hardware brings up the real devices a box's configuration names,
// with their drivers, and records each one's state in the registry. It is
// kept apart from the agent so that only the edge binary links the drivers
// (and their cgo); the simulators hand the agent their own sources.
package hardware

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/devices/alsa"
	"github.com/evalroom/evalroom/devices/v4l2"
	"github.com/evalroom/evalroom/edge/config"
	"github.com/evalroom/evalroom/protocol"
)

// Open returns a source for every configured device that the agent should
// record. A V4L2 camera or ALSA microphone that is not there yet is still
// returned (marked absent): it is recorded from the moment it is plugged
// in. A device whose driver is not in this build is marked absent and left
// out.
func Open(ctx context.Context, devs []config.Device, reg *devices.Registry, log *slog.Logger) []devices.Source {
	var out []devices.Source
	for _, d := range devs {
		info := devices.Info{Stream: d.Stream, Kind: d.Kind, Device: d.Driver + ":" + d.Path}
		src, err := New(d, log)
		if err != nil {
			reg.SetErr(info, err)
			log.Error("device did not come up; the room reports it", "stream", d.Stream, "device", info.Device, "err", err)
			continue
		}
		what := "camera"
		if d.Kind == protocol.KindAudio {
			what = "microphone"
		}
		if err := reg.Init(ctx, src.(devices.Driver)); err != nil {
			log.Error(what+" is there but cannot be used; the room reports it, and it is tried again", "stream", d.Stream, "device", info.Device, "err", err)
		} else if st := stateOf(reg, d.Stream); st.State != protocol.StateOK {
			log.Warn(what+" not there; it is recorded as soon as it is plugged in", "stream", d.Stream, "device", info.Device, "reason", st.Reason)
		}
		out = append(out, src)
	}
	return out
}

// New returns the driver of one configured device, not yet opened (Init
// or Read opens it); an error when its driver is not in this build.
func New(d config.Device, log *slog.Logger) (devices.Source, error) {
	switch {
	case d.Driver == config.DriverV4L2 && v4l2.Available:
		return v4l2.New(v4l2.Config{Stream: d.Stream, Path: d.Path, Width: d.Width, Height: d.Height, FPS: d.FPS, Quality: d.JPEGQuality, Logger: log}), nil
	case d.Driver == config.DriverALSA && alsa.Available:
		return alsa.New(alsa.Config{Stream: d.Stream, Device: d.Path, SampleRate: d.SampleRate, Logger: log}), nil
	}
	return nil, fmt.Errorf("driver %q is not in this build (this build has: %s): %w", d.Driver, drivers(), devices.ErrAbsent)
}

func drivers() string {
	if v4l2.Available && alsa.Available {
		return "v4l2, alsa"
	}
	return "none: build with CGO_ENABLED=1 for v4l2 and alsa"
}

func stateOf(reg *devices.Registry, stream string) protocol.DeviceState {
	for _, s := range reg.States() {
		if s.Stream == stream {
			return s
		}
	}
	return protocol.DeviceState{}
}
