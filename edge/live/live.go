// Package live publishes a stream's frames while the hub holds a lease on
// it: nobody watching costs no bandwidth, and a hub that goes away stops
// the stream when its lease runs out. A camera has two renditions, each
// leased on its own: the main one (its frames as captured) and the
// sub-stream (at most protocol.SubWidth wide and protocol.SubFPS a
// second, made on the box by shrinking the camera's JPEG), for thumbnails.
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

// lease names one rendition of one stream.
type lease struct{ stream, rendition string }

// subInterval is the time between sub-stream frames; a frame up to a
// quarter of it early is taken, so a camera whose rate is not a multiple
// of protocol.SubFPS still gives SubFPS on average.
const subInterval = time.Second / protocol.SubFPS

// Live tracks leases per stream and rendition and forwards frames of leased
// ones.
type Live struct {
	room string
	pub  Publisher
	now  func() time.Time

	mu      sync.Mutex
	leases  map[lease]time.Time
	subNext map[string]time.Time // per stream: the capture time the next sub frame is due
}

// New returns a Live for one room.
func New(room string, pub Publisher) *Live {
	return &Live{room: room, pub: pub, now: time.Now, leases: make(map[lease]time.Time), subNext: make(map[string]time.Time)}
}

// Command applies a live command; it returns an error for a stream the box
// does not have.
func (l *Live) Command(cmd protocol.Command, known func(stream string) bool) error {
	if !known(cmd.Stream) {
		return fmt.Errorf("no stream %q in this room", cmd.Stream)
	}
	if !protocol.ValidRendition(cmd.Rendition) {
		return fmt.Errorf("no rendition %q: this box offers the main stream and %q", cmd.Rendition, protocol.RenditionSub)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := lease{cmd.Stream, cmd.Rendition}
	if cmd.On {
		l.leases[k] = l.now().Add(time.Duration(cmd.Lease))
	} else {
		delete(l.leases, k)
	}
	return nil
}

// Active reports whether the main rendition of a stream is live now.
func (l *Live) Active(stream string) bool { return l.active(lease{stream, protocol.RenditionMain}) }

// SubActive reports whether the sub-stream of a stream is live now.
func (l *Live) SubActive(stream string) bool { return l.active(lease{stream, protocol.RenditionSub}) }

func (l *Live) active(k lease) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	until, ok := l.leases[k]
	if ok && l.now().After(until) {
		delete(l.leases, k)
		return false
	}
	return ok
}

// Frame implements recorder.LiveSink. The main rendition goes first, as
// it came; a sub-stream frame, when one is due, is made after it.
func (l *Live) Frame(info devices.Info, seq uint64, f devices.Frame) {
	if l.Active(info.Stream) {
		l.publish(info, protocol.RenditionMain, seq, f.Time, f.Data)
	}
	if info.Codec != protocol.CodecMJPEG || !l.SubActive(info.Stream) || !l.subDue(info.Stream, f.Time) {
		return
	}
	small, err := Shrink(f.Data, protocol.SubWidth)
	if err != nil {
		return // a picture that cannot be shrunk is skipped here; it is still recorded
	}
	l.publish(info, protocol.RenditionSub, seq, f.Time, small)
}

// subDue reports whether a frame captured at t is the next sub-stream
// frame of stream, and if so schedules the one after it.
func (l *Live) subDue(stream string, t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	next, ok := l.subNext[stream]
	if ok && t.Before(next.Add(-subInterval/4)) {
		return false
	}
	next = next.Add(subInterval)
	// A frame taken late restarts the schedule from it, so that the next
	// one comes no sooner than three quarters of the interval after it
	// (catching up would send two pictures close together); so does the
	// first frame, a pause or a clock step.
	if !ok || next.Before(t.Add(subInterval)) || next.After(t.Add(2*subInterval)) {
		next = t.Add(subInterval)
	}
	l.subNext[stream] = next
	return true
}

func (l *Live) publish(info devices.Info, rendition string, seq uint64, t time.Time, data []byte) {
	b, err := protocol.EncodeLive(protocol.LiveHeader{Room: l.room, Stream: info.Stream, Rendition: rendition, Seq: seq, Time: t.UnixNano(), Codec: info.Codec}, data)
	if err != nil {
		return // a frame over the live size bound is skipped, it is still recorded
	}
	l.pub.PublishLive(info.Stream, b)
}
