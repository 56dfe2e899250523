package reporter

import (
	"bytes"
	"testing"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

func TestByteStoreHandsOutFreshPackets(t *testing.T) {
	s := newStore()
	pub := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	pub.Qos, pub.MessageID, pub.TopicName, pub.Payload = 1, 7, "evalroom/v1/room/room-1/health", []byte(`{"v":1}`)
	s.Put("o.7", pub)

	got, ok := s.Get("o.7").(*packets.PublishPacket)
	if !ok || got == pub {
		t.Fatalf("Get = %#v: want a fresh publish packet, not the stored object", got)
	}
	if got.MessageID != 7 || got.Qos != 1 || got.TopicName != pub.TopicName || !bytes.Equal(got.Payload, pub.Payload) {
		t.Fatalf("decoded %+v, want %+v", got, pub)
	}
	got.Dup = true // what paho's resume does
	if again := s.Get("o.7").(*packets.PublishPacket); again.Dup || pub.Dup {
		t.Fatal("changing a packet from Get changed the stored one or the original")
	}
	if keys := s.All(); len(keys) != 1 || keys[0] != "o.7" {
		t.Fatalf("All = %v", keys)
	}
	s.Del("o.7")
	if s.Get("o.7") != nil || len(s.All()) != 0 {
		t.Fatal("Del left the packet")
	}
	s.Put("o.8", pub)
	s.Reset()
	if len(s.All()) != 0 {
		t.Fatal("Reset left packets")
	}
}
