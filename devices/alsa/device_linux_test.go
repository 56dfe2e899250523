//go:build linux

package alsa

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unsafe"

	"github.com/evalroom/evalroom/devices"
)

// The structures the kernel reads have its sizes (64-bit systems).
func TestKernelStructSizes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes checked on 64-bit systems")
	}
	if s := unsafe.Sizeof(hwParams{}); s != 608 {
		t.Errorf("snd_pcm_hw_params is %d bytes, the kernel's 608", s)
	}
	if s := unsafe.Sizeof(xferi{}); s != 24 {
		t.Errorf("snd_xferi is %d bytes, the kernel's 24", s)
	}
	if ioctlHWRefine != 0xc2604110 || ioctlReadI != 0x80184151 || ioctlWriteI != 0x40184150 {
		t.Errorf("ioctl numbers %#x %#x %#x", ioctlHWRefine, ioctlReadI, ioctlWriteI)
	}
}

// On this machine: a card that is not there is absent, with words that
// say what to check.
func TestMissingCard(t *testing.T) {
	m := New(Config{Stream: "mic1", Device: "hw:97,0"})
	defer m.Close()
	ok, err := m.Init(context.Background())
	if ok || !errors.Is(err, devices.ErrAbsent) || !strings.Contains(err.Error(), "hw:97,0") {
		t.Fatalf("Init of card 97 = %v, %v; want absent, naming the device", ok, err)
	}
	m2 := New(Config{Stream: "mic1", Device: "NoSuchCard"})
	defer m2.Close()
	if ok, err := m2.Init(context.Background()); ok || !errors.Is(err, devices.ErrAbsent) || !strings.Contains(err.Error(), "NoSuchCard") {
		t.Fatalf("Init of a card by a name not there = %v, %v", ok, err)
	}
}
