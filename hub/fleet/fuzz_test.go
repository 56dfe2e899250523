package fleet

import (
	"testing"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// FuzzHandle feeds arbitrary topics and payloads to the fleet: it must not
// panic, and a room may appear only for a well-formed message of that room.
func FuzzHandle(f *testing.F) {
	for _, v := range prototest.Messages {
		f.Add(protocol.RoomTopic("room-1", protocol.TopicStatus), []byte(v.Data))
		f.Add(protocol.RoomTopic("room-1", protocol.TopicHealth), []byte(v.Data))
	}
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		fl := newFleet()
		fl.Handle(topic, payload)
		for room := range fl.All() {
			r, kind, _, err := protocol.ParseTopic(topic)
			if err != nil || r != room {
				t.Fatalf("room %q appeared from topic %q", room, topic)
			}
			var m protocol.Message
			switch kind {
			case protocol.TopicStatus:
				m = new(protocol.Status)
			case protocol.TopicHealth:
				m = new(protocol.Health)
			case protocol.TopicTelemetry:
				m = new(protocol.Telemetry)
			case protocol.TopicEvents:
				m = new(protocol.Event)
			default:
				t.Fatalf("room appeared from a %s message", kind)
			}
			if err := protocol.Decode(payload, m); err != nil {
				t.Fatalf("room appeared from a malformed message: %v", err)
			}
		}
	})
}
