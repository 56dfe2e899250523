//go:build linux && cgo

package alsa

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/devices"
)

// Through the real library (libasound.so.2 loaded by miniaudio): a card
// that is not there is absent, with words that say what to check.
func TestRealLibraryMissingCard(t *testing.T) {
	m := New(Config{Stream: "mic1", Device: "hw:97,0"})
	defer m.Close()
	ok, err := m.Init(context.Background())
	if ok || !errors.Is(err, devices.ErrAbsent) {
		t.Fatalf("Init of card 97 = %v, %v; want absent", ok, err)
	}
	if !strings.Contains(err.Error(), "hw:97,0") {
		t.Fatalf("error %q does not name the device", err)
	}
	t.Log(err)
}
