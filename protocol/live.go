package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// MaxLiveFrameSize bounds one live frame on MQTT.
const MaxLiveFrameSize = 4 << 20

var liveMagic = [4]byte{'E', 'R', 'L', 'F'}

// Live renditions of a camera: the main one is the camera's own frames; the
// sub-stream is smaller and slower, for thumbnails on a wall.
const (
	RenditionMain = ""    // the camera's frames as captured (the default)
	RenditionSub  = "sub" // at most SubWidth wide, at most SubFPS frames a second, MJPEG
)

// SubWidth and SubFPS bound a sub-stream frame's width and its rate.
const (
	SubWidth = 320
	SubFPS   = 5
)

// ValidRendition reports whether r names a rendition.
func ValidRendition(r string) bool { return r == RenditionMain || r == RenditionSub }

// LiveHeader describes one live frame.
type LiveHeader struct {
	V         int    `json:"v"`
	Room      string `json:"room"`
	Stream    string `json:"stream"`
	Rendition string `json:"rendition,omitempty"` // RenditionMain or RenditionSub
	Seq       uint64 `json:"seq"`                 // frame number in the stream
	Time      int64  `json:"t"`                   // capture time, Unix nanoseconds
	Codec     string `json:"codec"`               // CodecMJPEG (one JPEG) or CodecPCM
}

func (h *LiveHeader) version() int { return h.V }

// Validate implements Message.
func (h *LiveHeader) Validate() error {
	if err := checkID("room", h.Room); err != nil {
		return err
	}
	if err := checkID("stream", h.Stream); err != nil {
		return err
	}
	if h.Codec != CodecMJPEG && h.Codec != CodecPCM {
		return invalid("live codec %q", h.Codec)
	}
	if !ValidRendition(h.Rendition) {
		return invalid("live rendition %q: use \"\" (main) or %q", h.Rendition, RenditionSub)
	}
	if h.Rendition == RenditionSub && h.Codec != CodecMJPEG {
		return invalid("a sub-stream is MJPEG, not %q", h.Codec)
	}
	return nil
}

// EncodeLive writes magic "ERLF", header length (uint16 BE), header JSON and
// the frame data.
func EncodeLive(h LiveHeader, data []byte) ([]byte, error) {
	h.V = Version
	if err := h.Validate(); err != nil {
		return nil, err
	}
	hb, err := json.Marshal(&h)
	if err != nil {
		return nil, fmt.Errorf("marshal live header: %w", err)
	}
	if 6+len(hb)+len(data) > MaxLiveFrameSize {
		return nil, fmt.Errorf("%w: live frame of %d bytes", ErrTooLarge, len(data))
	}
	b := make([]byte, 0, 6+len(hb)+len(data))
	b = append(b, liveMagic[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(hb)))
	b = append(b, hb...)
	return append(b, data...), nil
}

// DecodeLive parses a live frame strictly. The returned data aliases b.
func DecodeLive(b []byte) (LiveHeader, []byte, error) {
	var h LiveHeader
	if len(b) > MaxLiveFrameSize {
		return h, nil, fmt.Errorf("%w: live frame of %d bytes", ErrTooLarge, len(b))
	}
	if len(b) < 6 || !bytes.Equal(b[:4], liveMagic[:]) {
		return h, nil, invalid("not an evalroom live frame")
	}
	n := int(binary.BigEndian.Uint16(b[4:6]))
	if 6+n > len(b) {
		return h, nil, invalid("live frame truncated")
	}
	if err := decodeJSON(b[6:6+n], MaxMessageSize, &h); err != nil {
		return h, nil, fmt.Errorf("live header: %w", err)
	}
	return h, b[6+n:], nil
}
