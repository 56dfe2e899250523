//go:build linux && cgo

package alsa

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/gen2brain/malgo"

	"github.com/evalroom/evalroom/devices"
)

// Available reports whether this build has the ALSA driver.
const Available = true

// defaultBackend captures through miniaudio's ALSA backend, which loads
// libasound.so.2 at run time.
type defaultBackend struct{}

type malgoCapture struct {
	ctx *malgo.AllocatedContext
	dev *malgo.Device
}

func (c *malgoCapture) running() bool { return c.dev.IsStarted() }

func (c *malgoCapture) close() {
	c.dev.Uninit()
	c.ctx.Uninit()
	c.ctx.Free()
}

func (defaultBackend) open(pcm string, rate int, s *sink) (capture, error) {
	if len(pcm) >= len(malgo.DeviceID{}) {
		return nil, fmt.Errorf("ALSA device name %q is too long", pcm)
	}
	// One context per device, so that its log (where miniaudio reports an
	// overrun as "EPIPE (read)") speaks of this device only.
	ctx, err := malgo.InitContext([]malgo.Backend{malgo.BackendAlsa}, malgo.ContextConfig{}, func(msg string) {
		if strings.Contains(msg, "EPIPE (read)") {
			s.overrun()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("cannot load ALSA (libasound.so.2: %v): install libasound2 on the box: %w", err, devices.ErrAbsent)
	}
	var id malgo.DeviceID // miniaudio's ALSA id is the name, NUL-terminated
	copy(id[:], pcm)
	var pin runtime.Pinner
	pin.Pin(&id)
	defer pin.Unpin()
	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = 1
	cfg.Capture.DeviceID = unsafe.Pointer(&id)
	cfg.SampleRate = uint32(rate)
	cfg.PeriodSizeInMilliseconds = 100
	cfg.Periods = 4
	dev, err := malgo.InitDevice(ctx.Context, cfg, malgo.DeviceCallbacks{
		Data: func(_, in []byte, _ uint32) { s.data(in) },
		Stop: func() { s.stopped(errors.New("ALSA stopped the capture")) },
	})
	if err != nil {
		ctx.Uninit()
		ctx.Free()
		return nil, openError(pcm, err)
	}
	if err := dev.Start(); err != nil {
		dev.Uninit()
		ctx.Uninit()
		ctx.Free()
		return nil, fmt.Errorf("start capture on ALSA %s: %v: the device opened but does not capture; try plughw: instead of hw:", pcm, err)
	}
	return &malgoCapture{ctx: ctx, dev: dev}, nil
}

// openError says what a failed open means and what to do.
func openError(pcm string, err error) error {
	switch {
	case errors.Is(err, malgo.ErrDoesNotExist), errors.Is(err, malgo.ErrNoDevice):
		return fmt.Errorf("microphone %s is not there (%v): check its cable and the name (`evalroom-edge devices` lists microphones): %w", pcm, err, devices.ErrAbsent)
	case errors.Is(err, malgo.ErrAccessDenied):
		return fmt.Errorf("need more access to %s (%v): add the user to group audio or a udev rule", pcm, err)
	case errors.Is(err, malgo.ErrBusy), errors.Is(err, malgo.ErrAlreadyInUse):
		return fmt.Errorf("%s is busy (%v): another program records from it (arecord, pulseaudio?); stop it, or share the card with dsnoop", pcm, err)
	}
	return fmt.Errorf("open ALSA %s: %v: check the name (hw:CARD,DEV, plughw:…, or the card's name; `evalroom-edge devices` lists them); plughw: converts formats and rates the card lacks: %w", pcm, err, devices.ErrAbsent)
}
