package reporter

import (
	"bytes"
	"sort"
	"sync"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// byteStore is paho's session store kept in memory as encoded packets, the
// way paho's FileStore keeps them on disk: Put encodes, Get decodes a fresh
// packet. paho's own MemoryStore hands out the stored objects themselves,
// and on reconnect paho runs OnConnect (which publishes) concurrently with
// resume, which reads and modifies (sets DUP on) the very packets the
// writer goroutine is encoding: a data race in paho v1.5.x (upstream issue
// 703). paho calls Put before a packet is queued for writing and never from
// resume, so encoding in Put and decoding in Get shares nothing with the
// writer.
type byteStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

var _ mqtt.Store = (*byteStore)(nil)

func newStore() *byteStore { return &byteStore{m: map[string][]byte{}} }

// Open implements mqtt.Store.
func (s *byteStore) Open() {}

// Close implements mqtt.Store.
func (s *byteStore) Close() {}

// Put implements mqtt.Store.
func (s *byteStore) Put(key string, p packets.ControlPacket) {
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		return // paho cannot use a packet it cannot encode either
	}
	s.mu.Lock()
	s.m[key] = b.Bytes()
	s.mu.Unlock()
}

// Get implements mqtt.Store; it returns nil for an unknown key.
func (s *byteStore) Get(key string) packets.ControlPacket {
	s.mu.Lock()
	b, ok := s.m[key]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	p, err := packets.ReadPacket(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	return p
}

// All implements mqtt.Store.
func (s *byteStore) All() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Del implements mqtt.Store.
func (s *byteStore) Del(key string) {
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
}

// Reset implements mqtt.Store.
func (s *byteStore) Reset() {
	s.mu.Lock()
	s.m = map[string][]byte{}
	s.mu.Unlock()
}
