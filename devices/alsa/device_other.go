//go:build !linux || !cgo

package alsa

import (
	"fmt"

	"github.com/evalroom/evalroom/devices"
)

// Available reports whether this build has the ALSA driver: it needs Linux
// and cgo.
const Available = false

// defaultBackend stands in for miniaudio in a build without cgo or for
// another system: every microphone is absent.
type defaultBackend struct{}

func (defaultBackend) open(string, int, *sink) (capture, error) {
	return nil, fmt.Errorf("this evalroom-edge was built without the ALSA driver (it needs Linux and cgo: build with CGO_ENABLED=1): %w", devices.ErrAbsent)
}
