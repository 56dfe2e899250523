package api

import (
	"encoding/json"
	"slices"

	"github.com/evalroom/evalroom/protocol"
)

// viewing is the detail of a live view's audit entry: how the streams were
// watched ("websocket", the hub's page; "mjpeg", a player) and which, the
// main streams and the sub-streams (small thumbnails) apart, in a form the
// page words in the reader's language. One viewing of a room is one entry,
// its target the room.
type viewing struct {
	Via     string   `json:"via"`
	Streams []string `json:"streams,omitempty"`
	Sub     []string `json:"sub,omitempty"`
}

func (d *viewing) add(stream, rendition string) {
	if rendition == protocol.RenditionSub {
		d.Sub = append(d.Sub, stream)
	} else {
		d.Streams = append(d.Streams, stream)
	}
}

func (d viewing) String() string {
	slices.Sort(d.Streams)
	slices.Sort(d.Sub)
	b, _ := json.Marshal(d) // strings only: cannot fail
	return string(b)
}

// playbackDetail is the detail of a playback's audit entry: the segment the
// player started from.
type playbackDetail struct {
	FromSeq uint64 `json:"from_seq"`
}

func (d playbackDetail) String() string {
	b, _ := json.Marshal(d)
	return string(b)
}
