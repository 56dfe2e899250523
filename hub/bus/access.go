package bus

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/protocol"
)

// Boxes is what the broker needs to know boxes: the room's enrolled key,
// and whether a certificate is the room's current one (a replaced box's is
// not).
type Boxes interface {
	BoxKey(ctx context.Context, room string) (protocol.PublicKey, error)
	CurrentCert(ctx context.Context, room, serial string) (bool, error)
}

// Access is the embedded broker's authentication and access control. Over
// TLS a box is known by its certificate (room in the common name, current,
// issued by the hub's CA); on a plain listener (--insecure-dev) by its room
// as user name and a password signed with its key. Either way it may
// publish only to its own room's topics and subscribe only to its own
// commands. The hub's own inline client may do anything.
type Access struct {
	mochi.HookBase
	boxes Boxes
	log   *slog.Logger
}

// NewAccess returns the hook.
func NewAccess(boxes Boxes, log *slog.Logger) *Access {
	return &Access{boxes: boxes, log: log.With("component", "broker-access")}
}

// ID implements mochi.Hook.
func (a *Access) ID() string { return "evalroom-access" }

// Provides implements mochi.Hook.
func (a *Access) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck}, []byte{b})
}

// OnConnectAuthenticate implements mochi.Hook. On success the client's user
// name is set to its room, which OnACLCheck then trusts.
func (a *Access) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	if cl.Net.Inline {
		return true
	}
	room, err := a.identify(cl, pk)
	if err == nil && pk.Connect.WillFlag && !protocol.BoxMayPublish(room, pk.Connect.WillTopic) {
		err = fmt.Errorf("last will on %q, outside its room", pk.Connect.WillTopic)
	}
	if err != nil {
		a.log.Warn("refused an MQTT client", "remote", cl.Net.Remote, "client_id", cl.ID, "why", err)
		return false
	}
	cl.Properties.Username = []byte(room)
	return true
}

func (a *Access) identify(cl *mochi.Client, pk packets.Packet) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if tc, ok := cl.Net.Conn.(*tls.Conn); ok {
		certs := tc.ConnectionState().PeerCertificates
		if len(certs) == 0 {
			return "", errors.New("no client certificate")
		}
		room, err := pki.BoxRoom(certs[0])
		if err != nil {
			return "", err
		}
		ok, err := a.boxes.CurrentCert(ctx, room, pki.Serial(certs[0]))
		if err != nil {
			return "", err
		}
		if !ok {
			return "", fmt.Errorf("certificate %s of room %s is not the room's current box (replaced or unknown)", pki.Serial(certs[0]), room)
		}
		return room, nil
	}
	room := string(pk.Connect.Username)
	if !protocol.ValidID(room) {
		return "", fmt.Errorf("user name %q is not a room", room)
	}
	key, err := a.boxes.BoxKey(ctx, room)
	if err != nil {
		return "", fmt.Errorf("room %s: %w", room, err)
	}
	if err := protocol.VerifyMQTTPassword(key, room, cl.ID, string(pk.Connect.Password)); err != nil {
		return "", fmt.Errorf("password is not signed by the box enrolled for %s", room)
	}
	return room, nil
}

// OnACLCheck implements mochi.Hook.
func (a *Access) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	if cl.Net.Inline {
		return true
	}
	room := string(cl.Properties.Username)
	ok := protocol.BoxMaySubscribe(room, topic)
	if write {
		ok = protocol.BoxMayPublish(room, topic)
	}
	if !ok {
		a.log.Warn("refused a topic outside the box's room", "room", room, "client_id", cl.ID, "topic", topic, "publish", write)
	}
	return ok
}

// Kick ends the sessions of room's box: after the room is enrolled again,
// the replaced box must not go on with the session it opened before.
// Its next attempt is refused by OnConnectAuthenticate.
func (e *Embedded) Kick(room string) int {
	n := 0
	for _, cl := range e.srv.Clients.GetAll() {
		if !cl.Net.Inline && string(cl.Properties.Username) == room {
			e.srv.DisconnectClient(cl, packets.ErrNotAuthorized)
			n++
		}
	}
	return n
}
