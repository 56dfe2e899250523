package camera

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// Stamp is the capture record the camera writes into each JPEG as a COM
// segment right after SOI, so the capture time survives with the picture.
type Stamp struct {
	Room, Stream string
	Frame        uint64
	Time         time.Time
}

// ErrNoStamp is wrapped by every ReadStamp error.
var ErrNoStamp = errors.New("no evalroom stamp")

const (
	stampMagic   = "evalroom-stamp"
	stampVersion = "v1"
	markerSOI    = 0xD8
	markerEOI    = 0xD9
	markerSOS    = 0xDA
	markerCOM    = 0xFE
)

// String returns the stamp text as it is stored in the COM segment.
func (s Stamp) String() string {
	return fmt.Sprintf("%s %s room=%s stream=%s frame=%d t=%d",
		stampMagic, stampVersion, s.Room, s.Stream, s.Frame, s.Time.UnixNano())
}

// withStamp returns a new JPEG: jpg with a COM segment holding s inserted
// after its SOI marker. jpg must start with SOI.
func withStamp(jpg []byte, s Stamp) []byte {
	text := s.String()
	n := len(text) + 2
	out := make([]byte, 0, len(jpg)+2+n)
	out = append(out, 0xFF, markerSOI, 0xFF, markerCOM, byte(n>>8), byte(n))
	out = append(out, text...)
	return append(out, jpg[2:]...)
}

// ReadStamp finds the stamp in a JPEG. It walks the marker segments from SOI
// up to the first SOS, checking every length against the input, and parses
// the first COM segment that starts with "evalroom-stamp ". It never reads
// past the input and never panics.
func ReadStamp(jpg []byte) (Stamp, error) {
	if len(jpg) < 2 || jpg[0] != 0xFF || jpg[1] != markerSOI {
		return Stamp{}, fmt.Errorf("%w: not a JPEG (no SOI)", ErrNoStamp)
	}
	pos := 2
	for pos < len(jpg) {
		if jpg[pos] != 0xFF {
			return Stamp{}, fmt.Errorf("%w: byte %d: expected a marker", ErrNoStamp, pos)
		}
		for pos < len(jpg) && jpg[pos] == 0xFF { // fill bytes
			pos++
		}
		if pos >= len(jpg) {
			break
		}
		m := jpg[pos]
		pos++
		switch {
		case m == markerSOS || m == markerEOI:
			return Stamp{}, fmt.Errorf("%w: none before the image data", ErrNoStamp)
		case m == 0x00 || m == markerSOI:
			return Stamp{}, fmt.Errorf("%w: byte %d: unexpected marker 0x%02X", ErrNoStamp, pos-1, m)
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // standalone markers
			continue
		}
		if len(jpg)-pos < 2 {
			break
		}
		n := int(jpg[pos])<<8 | int(jpg[pos+1])
		if n < 2 {
			return Stamp{}, fmt.Errorf("%w: byte %d: segment length %d", ErrNoStamp, pos, n)
		}
		if n > len(jpg)-pos {
			break
		}
		payload := jpg[pos+2 : pos+n]
		pos += n
		if m == markerCOM && strings.HasPrefix(string(payload), stampMagic+" ") {
			return parseStamp(string(payload))
		}
	}
	return Stamp{}, fmt.Errorf("%w: JPEG truncated", ErrNoStamp)
}

func parseStamp(text string) (Stamp, error) {
	bad := func(what string) (Stamp, error) {
		return Stamp{}, fmt.Errorf("%w: malformed stamp: %s", ErrNoStamp, what)
	}
	f := strings.Split(text, " ")
	if len(f) != 6 {
		return bad("want 6 fields")
	}
	if f[1] != stampVersion {
		return Stamp{}, fmt.Errorf("%w: unsupported stamp version %q", ErrNoStamp, f[1])
	}
	room, ok1 := strings.CutPrefix(f[2], "room=")
	stream, ok2 := strings.CutPrefix(f[3], "stream=")
	frame, ok3 := strings.CutPrefix(f[4], "frame=")
	t, ok4 := strings.CutPrefix(f[5], "t=")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return bad("fields out of order")
	}
	if !protocol.ValidID(room) || !protocol.ValidID(stream) {
		return bad("room or stream is not an identifier")
	}
	n, err := strconv.ParseUint(frame, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != frame {
		return bad("frame number")
	}
	ns, err := strconv.ParseInt(t, 10, 64)
	if err != nil || strconv.FormatInt(ns, 10) != t {
		return bad("time")
	}
	return Stamp{Room: room, Stream: stream, Frame: n, Time: time.Unix(0, ns)}, nil
}
