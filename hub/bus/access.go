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
	"github.com/prometheus/client_golang/prometheus"

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

// Access is the embedded broker's authentication, access control and
// limits. Over TLS a box is known by its certificate (room in the common
// name, current, issued by the hub's CA); on a plain listener
// (--insecure-dev) by its room as user name and a password signed with its
// key. Either way it must use its room's client id (protocol.BoxClientID),
// may publish only to its own room's topics, retained only to its status,
// within Limits, and subscribe only to its own commands. The hub's own
// inline client may do anything.
type Access struct {
	mochi.HookBase
	boxes       Boxes
	hasStream   func(room, stream string) bool
	onViolation func(Violation)
	guard       *guard
	log         *slog.Logger
}

// AccessConfig is what Access needs besides a logger.
type AccessConfig struct {
	Boxes  Boxes
	Limits Limits
	// HasStream reports whether room has stream; live frames of any other
	// stream are refused. Nil lets every stream through.
	HasStream func(room, stream string) bool
	// OnViolation, when set, is told when a box tries to connect with
	// another room's client id, and when a box keeps exceeding its
	// limits (see Violation.Count); at most once a minute per room and
	// reason. It is called on the client's goroutine: do not block.
	OnViolation func(Violation)
	// Registry, when set, gets the broker's refusal counters.
	Registry prometheus.Registerer
}

// NewAccess returns the hook.
func NewAccess(cfg AccessConfig, log *slog.Logger) *Access {
	return &Access{
		boxes: cfg.Boxes, hasStream: cfg.HasStream, onViolation: cfg.OnViolation,
		guard: newGuard(cfg.Limits, cfg.Registry), log: log.With("component", "broker-access"),
	}
}

// ID implements mochi.Hook.
func (a *Access) ID() string { return "evalroom-access" }

// Provides implements mochi.Hook.
func (a *Access) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck, mochi.OnPublish, mochi.OnDisconnect}, []byte{b})
}

// OnConnectAuthenticate implements mochi.Hook. On success the client's user
// name is set to its room, which OnACLCheck then trusts. It runs before
// the broker hands the client id's session over, so a refused client
// leaves the session's owner connected.
func (a *Access) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	if cl.Net.Inline {
		return true
	}
	room, err := a.identify(cl, pk)
	if err != nil {
		a.log.Warn("refused an MQTT client", "remote", cl.Net.Remote, "client_id", cl.ID, "why", err)
		return false
	}
	if want := protocol.BoxClientID(room); cl.ID != want {
		a.violate(Violation{Room: room, ClientID: cl.ID, Remote: cl.Net.Remote, Reason: ReasonClientID, Topic: cl.ID,
			Detail: fmt.Sprintf("the box of %s connected as client id %q; its own is %q", room, cl.ID, want)})
		return false
	}
	if pk.Connect.WillFlag {
		why := ""
		switch {
		case pk.Connect.WillTopic != protocol.RoomTopic(room, protocol.TopicStatus):
			why = fmt.Sprintf("last will on %q; only the room's status may have one", pk.Connect.WillTopic)
		case len(pk.Connect.WillPayload) > a.guard.lim.MessageSize:
			why = fmt.Sprintf("last will of %d bytes, at most %d", len(pk.Connect.WillPayload), a.guard.lim.MessageSize)
		}
		if why != "" {
			a.violate(Violation{Room: room, ClientID: cl.ID, Remote: cl.Net.Remote, Reason: ReasonWill, Topic: pk.Connect.WillTopic, Detail: why})
			return false
		}
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
		what := "subscribe to"
		if write {
			what = "publish to"
		}
		a.violate(Violation{Room: room, ClientID: cl.ID, Remote: cl.Net.Remote, Reason: ReasonTopic, Topic: topic,
			Detail: what + " a topic outside the box's room"})
	}
	return ok
}

// OnPublish implements mochi.Hook: a box's publish within its room (the
// ACL has passed) must also keep to Limits. A refused publish is
// acknowledged (QoS 1) but neither kept nor delivered, so that a faulty
// box does not send it again and again; an MQTT 5 box gets the reason
// code.
func (a *Access) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil
	}
	room := string(cl.Properties.Username)
	_, kind, stream, err := protocol.ParseTopic(pk.TopicName)
	if err != nil { // the ACL lets no such topic through; refuse all the same
		return pk, packets.CodeSuccessIgnore
	}
	reason, detail := a.guard.check(room, kind, len(pk.Payload), pk.FixedHeader.Retain, func() bool {
		return a.hasStream == nil || a.hasStream(room, stream)
	})
	if reason == "" {
		return pk, nil
	}
	a.violate(Violation{Room: room, ClientID: cl.ID, Remote: cl.Net.Remote, Reason: reason, Topic: pk.TopicName, Detail: detail})
	if cl.Properties.ProtocolVersion == 5 && pk.FixedHeader.Qos > 0 {
		return pk, refusalCode[reason]
	}
	return pk, packets.CodeSuccessIgnore
}

var refusalCode = map[string]packets.Code{
	ReasonRetained: packets.ErrRetainNotSupported,
	ReasonSize:     packets.ErrPacketTooLarge,
	ReasonStream:   packets.ErrTopicNameInvalid,
	ReasonBudget:   packets.ErrQuotaExceeded,
}

// OnDisconnect implements mochi.Hook: a box that sent a packet over the
// broker's maximum packet size has been disconnected for it.
func (a *Access) OnDisconnect(cl *mochi.Client, err error, _ bool) {
	if cl.Net.Inline || len(cl.Properties.Username) == 0 || !errors.Is(err, packets.ErrPacketTooLarge) {
		return
	}
	a.violate(Violation{Room: string(cl.Properties.Username), ClientID: cl.ID, Remote: cl.Net.Remote, Reason: ReasonSize,
		Detail: fmt.Sprintf("a packet over the broker's maximum of %d bytes; disconnected", a.guard.lim.MaxPacketSize())})
}

// violate counts a refusal, logs it (at most every 10 s per room and
// reason) and tells OnViolation when due.
func (a *Access) violate(v Violation) {
	log, report := a.guard.strike(v)
	if log {
		a.log.Warn("refused a box", "room", v.Room, "reason", v.Reason, "client_id", v.ClientID, "remote", v.Remote, "topic", v.Topic, "detail", v.Detail)
	}
	if report > 0 && a.onViolation != nil {
		v.Count = report
		a.onViolation(v)
	}
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
