package reporter

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// resumeSafeStore is paho's memory store, except that Get returns a copy
// of a stored PUBLISH. On reconnect paho runs OnConnect (which publishes)
// concurrently with resume, and resume sets the DUP flag on the packets it
// reads from the store, which may be the very packets being written at that
// moment (paho.mqtt.golang issue 703, a data race in v1.5.x). On a copy,
// setting DUP touches nothing anybody else holds.
type resumeSafeStore struct {
	*mqtt.MemoryStore
}

func newStore() mqtt.Store { return resumeSafeStore{mqtt.NewMemoryStore()} }

// Get implements mqtt.Store.
func (s resumeSafeStore) Get(key string) packets.ControlPacket {
	p := s.MemoryStore.Get(key)
	if pp, ok := p.(*packets.PublishPacket); ok {
		cp := *pp
		return &cp
	}
	return p
}
