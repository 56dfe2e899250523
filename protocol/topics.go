package protocol

import (
	"fmt"
	"strings"
)

// TopicRoot is the first level of every evalroom topic; the second is the
// protocol version so that two versions can share one broker.
const TopicRoot = "evalroom/v1/room"

// Topic kinds under evalroom/v1/room/{room}/.
const (
	TopicStatus    = "status"    // retained; the box's last will sets it offline
	TopicHealth    = "health"    // device states, QoS 1
	TopicTelemetry = "telemetry" // spool, disk and upload figures, QoS 1
	TopicEvents    = "events"    // things that happened, QoS 1
	TopicCmd       = "cmd"       // hub to box, QoS 1
	TopicReply     = "reply"     // box to hub, QoS 1
	TopicLive      = "live"      // live/{stream}: frames, QoS 0, only while watched
)

// RoomTopic returns evalroom/v1/room/{room}/{kind}.
func RoomTopic(room, kind string) string { return TopicRoot + "/" + room + "/" + kind }

// LiveTopic returns the topic a box publishes live frames of one stream to.
func LiveTopic(room, stream string) string { return RoomTopic(room, TopicLive) + "/" + stream }

// RoomFilter returns the subscription filter for one kind across all rooms.
func RoomFilter(kind string) string { return TopicRoot + "/+/" + kind }

// ParseTopic splits a topic into room, kind and (for live) stream, and
// refuses anything outside the tree.
func ParseTopic(topic string) (room, kind, stream string, err error) {
	rest, ok := strings.CutPrefix(topic, TopicRoot+"/")
	if !ok {
		return "", "", "", fmt.Errorf("%w: topic %q is outside %s", ErrInvalid, topic, TopicRoot)
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 2 && parts[1] != TopicLive:
		room, kind = parts[0], parts[1]
	case len(parts) == 3 && parts[1] == TopicLive:
		room, kind, stream = parts[0], parts[1], parts[2]
		if err := checkID("stream", stream); err != nil {
			return "", "", "", err
		}
	default:
		return "", "", "", fmt.Errorf("%w: topic %q has the wrong shape", ErrInvalid, topic)
	}
	if err := checkID("room", room); err != nil {
		return "", "", "", err
	}
	switch kind {
	case TopicStatus, TopicHealth, TopicTelemetry, TopicEvents, TopicCmd, TopicReply, TopicLive:
	default:
		return "", "", "", fmt.Errorf("%w: unknown topic kind %q", ErrInvalid, kind)
	}
	return room, kind, stream, nil
}
