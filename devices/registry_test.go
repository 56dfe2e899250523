package devices_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

type fakeDriver struct {
	info   devices.Info
	loaded bool
	err    error
}

func (d fakeDriver) Info() devices.Info                 { return d.info }
func (d fakeDriver) Init(context.Context) (bool, error) { return d.loaded, d.err }

var _ devices.Driver = fakeDriver{}

func TestRegistryStates(t *testing.T) {
	r := devices.NewRegistry()
	ctx := context.Background()
	cam := devices.Info{Stream: "cam1", Kind: protocol.KindVideo, Device: "v4l2:/dev/video0"}
	mic := devices.Info{Stream: "mic1", Kind: protocol.KindAudio, Device: "alsa:hw:1"}
	cam2 := devices.Info{Stream: "cam2", Kind: protocol.KindVideo, Device: "v4l2:/dev/video2"}
	if err := r.Init(ctx, fakeDriver{cam, true, nil}); err != nil {
		t.Fatal(err)
	}
	if err := r.Init(ctx, fakeDriver{mic, false, fmt.Errorf("no card: %w", devices.ErrAbsent)}); err != nil {
		t.Fatal(err)
	}
	if err := r.Init(ctx, fakeDriver{cam2, true, errors.New("permission denied: add a udev rule")}); err == nil {
		t.Fatal("failed driver returned no error")
	}
	got := r.States()
	want := []string{"cam1=ok", "cam2=failed", "mic1=absent"}
	for i, s := range got {
		if s.Stream+"="+s.State != want[i] {
			t.Errorf("state %d = %s=%s, want %s", i, s.Stream, s.State, want[i])
		}
	}
	if !r.SetErr(cam, fmt.Errorf("read: %w", devices.ErrUnplugged)) {
		t.Error("unplugging did not change the state")
	}
	if r.States()[0].State != protocol.StateAbsent {
		t.Errorf("unplugged camera is %s", r.States()[0].State)
	}
	if !r.SetErr(cam, fmt.Errorf("dequeue: %w", devices.ErrLost)) {
		t.Error("losing the camera while recording did not change the state")
	}
	if s := r.States()[0]; s.State != protocol.StateFailed || !errors.Is(devices.ErrLost, devices.ErrUnplugged) {
		t.Errorf("camera lost while recording is %s, want failed (and ErrLost wrapping ErrUnplugged)", s.State)
	}
}
