package api

import (
	"encoding/json"
	"slices"
)

// viewDetail is the detail of a live view's audit entry: how the streams
// were watched ("websocket", the hub's page; "mjpeg", a player) and which,
// in a form the page words in the reader's language. One viewing of a room
// is one entry, its target the room.
type viewDetail struct {
	Via     string   `json:"via"`
	Streams []string `json:"streams"`
}

func (d viewDetail) String() string {
	slices.Sort(d.Streams)
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
