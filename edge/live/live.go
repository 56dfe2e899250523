// Package live publishes a stream's frames while the hub holds a lease on
// it: nobody watching costs no bandwidth, and a hub that goes away stops
// the stream when its lease runs out.
package live

import (
	"fmt"
	"sync"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// Publisher sends one encoded live frame; it must not block.
type Publisher interface {
	PublishLive(stream string, frame []byte)
}

// Live tracks leases per stream and forwards frames of leased streams.
type Live struct {
	room string
	pub  Publisher
	now  func() time.Time

	mu     sync.Mutex
	leases map[string]time.Time
}

// New returns a Live for one room.
func New(room string, pub Publisher) *Live {
	return &Live{room: room, pub: pub, now: time.Now, leases: make(map[string]time.Time)}
}

// Command applies a live command; it returns an error for a stream the box
// does not have.
func (l *Live) Command(cmd protocol.Command, known func(stream string) bool) error {
	if !known(cmd.Stream) {
		return fmt.Errorf("no stream %q in this room", cmd.Stream)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if cmd.On {
		l.leases[cmd.Stream] = l.now().Add(time.Duration(cmd.Lease))
	} else {
		delete(l.leases, cmd.Stream)
	}
	return nil
}

// Active reports whether a stream is live now.
func (l *Live) Active(stream string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	until, ok := l.leases[stream]
	if ok && l.now().After(until) {
		delete(l.leases, stream)
		return false
	}
	return ok
}

// Frame implements recorder.LiveSink.
func (l *Live) Frame(info devices.Info, seq uint64, f devices.Frame) {
	if !l.Active(info.Stream) {
		return
	}
	b, err := protocol.EncodeLive(protocol.LiveHeader{Room: l.room, Stream: info.Stream, Seq: seq, Time: f.Time.UnixNano(), Codec: info.Codec}, f.Data)
	if err != nil {
		return // a frame over the live size bound is skipped, it is still recorded
	}
	l.pub.PublishLive(info.Stream, b)
}
