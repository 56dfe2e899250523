package protocol

import (
	"encoding/base64"
	"fmt"
)

// mqttAuthContext is signed by a box as its MQTT password on a plain
// connection, where no certificate names it.
const mqttAuthContext = "evalroom-mqtt/v1"

// BoxClientID is the MQTT client id of a room's box. The broker holds a
// box to it: a box may connect only with its own room's client id, so that
// no box can take over another room's session.
func BoxClientID(room string) string { return "evalroom-box-" + room }

// MQTTUsername is the user name a box connects with: its room.
func MQTTUsername(room string) string { return room }

// MQTTPassword is the password a box connects with on a plain connection:
// its signature over the room and client id. (Over TLS the box is known by
// its certificate and the password is not used.)
func MQTTPassword(s Signer, room, clientID string) (string, error) {
	sig, err := s.Sign(mqttAuthMessage(room, clientID))
	if err != nil {
		return "", fmt.Errorf("sign MQTT password: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyMQTTPassword checks a password made by MQTTPassword against the
// room's enrolled key.
func VerifyMQTTPassword(pub PublicKey, room, clientID, password string) error {
	sig, err := base64.StdEncoding.DecodeString(password)
	if err != nil {
		return fmt.Errorf("%w: MQTT password is not base64", ErrSignature)
	}
	return pub.Verify(mqttAuthMessage(room, clientID), sig)
}

func mqttAuthMessage(room, clientID string) []byte {
	return []byte(mqttAuthContext + "\n" + room + "\n" + clientID)
}

// BoxMayPublish reports whether a box of room may publish to topic: only its
// own room's status, health, telemetry, events, replies and live frames.
func BoxMayPublish(room, topic string) bool {
	r, kind, _, err := ParseTopic(topic)
	return err == nil && r == room && kind != TopicCmd
}

// BoxMaySubscribe reports whether a box of room may subscribe to filter:
// only its own room's commands.
func BoxMaySubscribe(room, filter string) bool {
	return filter == RoomTopic(room, TopicCmd)
}
