package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/internal/run"
	"github.com/evalroom/evalroom/protocol"
)

// pingTimeout is how long a ping waits for its reply before it is dropped.
const pingTimeout = 30 * time.Second

type pending struct {
	room string
	sent time.Time
}

// StartPings measures each online box's clock offset every interval: the
// hub sends a ping, the box answers with its clock, and the offset is the
// box time minus the midpoint of the round trip (as NTP does). The pings
// stop when ctx ends or at Close.
func (f *Fleet) StartPings(ctx context.Context, b bus.Bus, every time.Duration) error {
	if err := b.Subscribe(protocol.RoomFilter(protocol.TopicReply), f.handleReply); err != nil {
		return err
	}
	f.pinger = run.New(ctx, "fleet pings")
	f.pinger.Go(func(ctx context.Context) {
		run.Every(ctx, every, func(context.Context) {
			for room, st := range f.All() {
				if st.Online {
					f.ping(b, room)
				}
			}
		})
	})
	return nil
}

// Close stops the pings and returns once they have stopped.
func (f *Fleet) Close() { f.pinger.Close() }

func (f *Fleet) ping(b bus.Bus, room string) {
	id := make([]byte, 8)
	rand.Read(id)
	now := f.now()
	cmd := &protocol.Command{V: protocol.Version, ID: "ping-" + hex.EncodeToString(id), Room: room, Kind: protocol.CmdPing, Sent: now.UTC()}
	msg, err := protocol.Encode(cmd)
	if err != nil {
		return
	}
	f.mu.Lock()
	for k, p := range f.pings {
		if now.Sub(p.sent) > pingTimeout {
			delete(f.pings, k)
		}
	}
	f.pings[cmd.ID] = pending{room: room, sent: now}
	f.mu.Unlock()
	if err := b.Publish(protocol.RoomTopic(room, protocol.TopicCmd), msg, 1, false); err != nil {
		f.log.Warn("cannot send ping", "room", room, "err", err)
	}
}

func (f *Fleet) handleReply(topic string, payload []byte) {
	room, _, _, err := protocol.ParseTopic(topic)
	if err != nil {
		f.refuse(topic, err)
		return
	}
	var r protocol.Reply
	if err := protocol.Decode(payload, &r); err != nil || r.Room != room {
		f.refuse(topic, err)
		return
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pings[r.ID]
	if !ok || p.room != room {
		return // a reply to a live command, or a late one
	}
	delete(f.pings, r.ID)
	rtt := now.Sub(p.sent)
	if st := f.rooms[room]; st != nil {
		st.ClockOffset = r.BoxTime.Sub(p.sent.Add(rtt / 2))
		st.RTT = rtt
		st.OffsetAt = now
	}
}
