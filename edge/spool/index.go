package spool

import (
	"sort"
	"time"
)

// Entry is what the spool keeps in memory about one stored record.
type Entry struct {
	Stream  string    `json:"stream"`
	Seq     uint64    `json:"seq"`
	LastSeq uint64    `json:"last_seq"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Size    int64     `json:"size"`
	Session string    `json:"session,omitempty"`
	Gap     bool      `json:"gap,omitempty"`
	Hash    string    `json:"hash"` // the record's own hash
	Chain   string    `json:"chain"`
	Prev    string    `json:"prev"`
	Stored  time.Time `json:"stored"` // when it entered the spool
}

// index keeps each stream's entries sorted by sequence number.
type index struct {
	streams map[string][]Entry
	bytes   int64
	count   int64
}

func newIndex() *index { return &index{streams: make(map[string][]Entry)} }

func (x *index) add(e Entry) {
	list := x.streams[e.Stream]
	i := sort.Search(len(list), func(i int) bool { return list[i].Seq >= e.Seq })
	if i < len(list) && list[i].Seq == e.Seq {
		x.bytes -= list[i].Size
		list[i] = e
	} else {
		list = append(list, Entry{})
		copy(list[i+1:], list[i:])
		list[i] = e
		x.count++
	}
	x.streams[e.Stream] = list
	x.bytes += e.Size
}

func (x *index) remove(stream string, seq uint64) {
	list := x.streams[stream]
	i := sort.Search(len(list), func(i int) bool { return list[i].Seq >= seq })
	if i < len(list) && list[i].Seq == seq {
		x.bytes -= list[i].Size
		x.count--
		x.streams[stream] = append(list[:i], list[i+1:]...)
	}
}

// oldest returns the entry that has waited longest, over all streams.
func (x *index) oldest() (Entry, bool) {
	var best Entry
	found := false
	for _, list := range x.streams {
		if len(list) > 0 && (!found || list[0].Stored.Before(best.Stored)) {
			best, found = list[0], true
		}
	}
	return best, found
}
