package protocol_test

import (
	"testing"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func TestMQTTPassword(t *testing.T) {
	pw, err := protocol.MQTTPassword(prototest.Signer, "room-1", "evalroom-box-room-1")
	if err != nil {
		t.Fatal(err)
	}
	pub := prototest.Signer.PublicKey()
	if err := protocol.VerifyMQTTPassword(pub, "room-1", "evalroom-box-room-1", pw); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string][3]string{
		"another room":      {"room-2", "evalroom-box-room-1", pw},
		"another client id": {"room-1", "x", pw},
		"not base64":        {"room-1", "evalroom-box-room-1", "!!"},
		"empty":             {"room-1", "evalroom-box-room-1", ""},
	} {
		if err := protocol.VerifyMQTTPassword(pub, c[0], c[1], c[2]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := protocol.VerifyMQTTPassword(prototest.OtherSigner.PublicKey(), "room-1", "evalroom-box-room-1", pw); err == nil {
		t.Error("another key's password accepted")
	}
}

func TestBoxTopics(t *testing.T) {
	for topic, want := range map[string]bool{
		"evalroom/v1/room/room-1/status":    true,
		"evalroom/v1/room/room-1/live/cam1": true,
		"evalroom/v1/room/room-1/cmd":       false,
		"evalroom/v1/room/room-2/status":    false,
		"evalroom/v1/room/room-1/status/x":  false,
		"evalroom/v1/room/+/status":         false,
		"evalroom/v1/room/#":                false,
		"other/room-1/status":               false,
	} {
		if got := protocol.BoxMayPublish("room-1", topic); got != want {
			t.Errorf("publish %s: %v", topic, got)
		}
	}
	if !protocol.BoxMaySubscribe("room-1", "evalroom/v1/room/room-1/cmd") || protocol.BoxMaySubscribe("room-1", "evalroom/v1/room/+/cmd") {
		t.Error("subscribe rules")
	}
}

// FuzzMQTTPassword: whatever a client sends as its password, no panic and
// no login without the box's signature.
func FuzzMQTTPassword(f *testing.F) {
	pw, _ := protocol.MQTTPassword(prototest.Signer, "room-1", "c")
	f.Add("room-1", "c", pw)
	f.Add("room-1", "c", "")
	f.Fuzz(func(t *testing.T, room, client, password string) {
		err := protocol.VerifyMQTTPassword(prototest.OtherSigner.PublicKey(), room, client, password)
		if err == nil {
			t.Fatal("a password not signed by the key was accepted")
		}
	})
}
