package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/config"
	"github.com/evalroom/evalroom/edge/quality"
	"github.com/evalroom/evalroom/protocol"
)

type deviceResult struct {
	results     []Result
	bytesPerSec float64
}

// checkDevice opens one device, watches it for Watch and judges what it
// gave: the rate, and the picture (black, frozen) or the sound (level).
func checkDevice(ctx context.Context, opts Options, d config.Device) deviceResult {
	name := "device " + d.Stream
	src, err := opts.Open(d)
	if err != nil {
		return deviceResult{results: []Result{fail(name, "build evalroom-edge with the driver (CGO_ENABLED=1 for v4l2), or fix the config", "%s:%s: %v", d.Driver, d.Path, err)}}
	}
	defer src.Close()
	if drv, isDriver := src.(devices.Driver); isDriver {
		if _, err := drv.Init(ctx); err != nil {
			fix := "plug it in, check its cable and the path in the config (`evalroom-edge devices` lists what is there)"
			if strings.Contains(err.Error(), "busy") {
				fix = "the agent is recording from it: run doctor with the agent stopped (systemctl stop evalroom-edge)"
			}
			return deviceResult{results: []Result{fail(name, fix, "%s:%s does not open: %v", d.Driver, d.Path, err)}}
		}
	}
	info := src.Info()
	var an interface {
		Frame(devices.Frame)
		Quality() protocol.Quality
	}
	if d.Kind == protocol.KindAudio {
		an = quality.NewAudio(quality.AudioConfig{}, nil)
	} else {
		an = quality.NewVideo(quality.VideoConfig{}, nil)
	}
	wctx, cancel := context.WithTimeout(ctx, opts.Watch)
	defer cancel()
	var frames, bytes, overruns int
	var readErr error
	for {
		f, err := src.Read(wctx)
		if wctx.Err() != nil {
			break
		}
		var ov *devices.Overrun
		if errors.As(err, &ov) {
			overruns++
			continue
		}
		if err != nil {
			readErr = err
			break
		}
		frames++
		bytes += len(f.Data)
		an.Frame(f)
	}
	info = src.Info()
	dev := fmt.Sprintf("%s:%s", d.Driver, d.Path)
	if info.Mode != "" {
		dev += " (" + info.Mode + ")"
	}
	if frames == 0 {
		why := "nothing"
		if readErr != nil {
			why = readErr.Error()
		}
		return deviceResult{results: []Result{fail(name, "check the device's cable and power; unplug and plug it in again", "%s opened but gave nothing in %v: %s", dev, opts.Watch, why)}}
	}
	res := deviceResult{bytesPerSec: float64(bytes) / opts.Watch.Seconds()}
	q := an.Quality()
	var out []Result
	if d.Kind == protocol.KindAudio {
		rate := float64(bytes/2) / opts.Watch.Seconds()
		want := float64(info.SampleRate)
		switch {
		case readErr != nil:
			out = append(out, fail(name, "check the microphone's cable; unplug and plug it in again", "%s stopped while watched: %v", dev, readErr))
		case want > 0 && rate < 0.9*want:
			out = append(out, warn(name, "the box is too slow or the device's clock is off: try another USB port or microphone", "%s gave %.0f samples a second, not %.0f", dev, rate, want))
		case overruns > 0:
			out = append(out, warn(name, "the box did not read the microphone in time: it is short of CPU", "%s lost sound %d times in %v (overruns)", dev, overruns, opts.Watch))
		default:
			out = append(out, ok(name, "%s gives %.0f samples a second", dev, rate))
		}
		level := "sound " + d.Stream
		switch {
		case slices.Contains(q.Signals, protocol.SignalSilent) || q.RMSdBFS <= -60:
			out = append(out, warn(level, "speak near the microphone while doctor runs; check that it is not muted (alsamixer) and is plugged into the input, not the output", "%s hears nothing: level %.0f dBFS", d.Stream, q.RMSdBFS))
		case slices.Contains(q.Signals, protocol.SignalClipping):
			out = append(out, warn(level, "turn the input gain down (alsamixer) or move the microphone away from loudspeakers", "%s clips: level %.0f dBFS, peaks %.0f dBFS", d.Stream, q.RMSdBFS, q.PeakdBFS))
		default:
			out = append(out, ok(level, "%s level %.0f dBFS, peaks %.0f dBFS", d.Stream, q.RMSdBFS, q.PeakdBFS))
		}
	} else {
		fps := float64(frames) / opts.Watch.Seconds()
		want := float64(info.FPS)
		switch {
		case readErr != nil:
			out = append(out, fail(name, "check the camera's cable; unplug and plug it in again", "%s stopped while watched: %v", dev, readErr))
		case d.FPS > 0 && info.FPS > 0 && info.FPS < d.FPS:
			out = append(out, warn(name, fmt.Sprintf("set fps to %d in the config (or choose a size the camera gives faster: `evalroom-edge devices`)", info.FPS), "%s gives at most %d frames a second, the config asks %d", dev, info.FPS, d.FPS))
		case d.Width > 0 && info.Width > 0 && (info.Width != d.Width || info.Height != d.Height):
			out = append(out, warn(name, fmt.Sprintf("set width and height to %dx%d in the config, or choose a size from `evalroom-edge devices`", info.Width, info.Height), "%s gives %dx%d, the config asks %dx%d", dev, info.Width, info.Height, d.Width, d.Height))
		case want > 0 && fps < 0.8*want:
			out = append(out, warn(name, "cameras slow down in the dark: light the room; or lower fps in the config, or use a USB port of its own", "%s delivers %.1f frames a second, configured %.0f", dev, fps, want))
		default:
			out = append(out, ok(name, "%s delivers %.1f frames a second", dev, fps))
		}
		pic := "picture " + d.Stream
		switch {
		case slices.Contains(q.Signals, protocol.SignalBlack):
			out = append(out, fail(pic, "take off the lens cap, light the room, point the camera at the table; check its cable", "%s is black (mean brightness %.0f of 255)", d.Stream, q.Luma))
		case slices.Contains(q.Signals, protocol.SignalFrozen):
			out = append(out, fail(pic, "the camera sends the same picture over and over: unplug it and plug it in again, or replace it", "%s is frozen: the same picture for %v", d.Stream, opts.Watch))
		default:
			out = append(out, ok(pic, "%s: %dx%d, mean brightness %.0f of 255", d.Stream, q.Width, q.Height, q.Luma))
		}
	}
	res.results = out
	return res
}
