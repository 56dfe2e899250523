package bus_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/protocol"
)

// box is an enrolled box: its key and, from a hub with a CA, its
// certificate.
type box struct {
	room   string
	signer protocol.Ed25519Signer
	cert   tls.Certificate
}

type world struct {
	t    *testing.T
	st   *store.Store
	ca   *pki.CA
	srv  tls.Certificate
	seen chan string // topics the hub's inline subscriber got
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st := storetest.Open(t)
	ca, srv, err := pki.LoadOrCreate(pki.Options{Dir: filepath.Join(dir, "tls"), Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"room-a", "room-b"} {
		if err := st.CreateRoom(ctx, r, r); err != nil {
			t.Fatal(err)
		}
	}
	return &world{t: t, st: st, ca: ca, srv: srv, seen: make(chan string, 100)}
}

// enroll makes a new box for room the way the API does: token, key,
// certificate request, certificate.
func (w *world) enroll(room string) box {
	w.t.Helper()
	ctx := context.Background()
	tok, _, err := w.st.IssueToken(ctx, room, time.Hour)
	if err != nil {
		w.t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	b := box{room: room, signer: protocol.Ed25519Signer{Key: priv}}
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "box"}}, priv)
	csr := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	_, _, err = w.st.EnrollBox(ctx, tok, b.signer.PublicKey().String(), func(room string) (string, string, error) {
		c, err := w.ca.SignBox(csr, room, priv.Public(), time.Hour)
		if err != nil {
			return "", "", err
		}
		b.cert = tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: priv}
		return pki.Serial(c), "", nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

func (w *world) broker(secure bool) *bus.Embedded {
	w.t.Helper()
	var cfg *tls.Config
	if secure {
		cfg = &tls.Config{Certificates: []tls.Certificate{w.srv}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: w.ca.Pool()}
	}
	b, err := bus.StartEmbedded("127.0.0.1:0", cfg, bus.NewAccess(bus.AccessConfig{Boxes: w.st}, slog.New(slog.NewTextHandler(io.Discard, nil))), bus.Listen{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { b.Close() })
	if err := b.Subscribe(protocol.TopicRoot+"/#", func(topic string, _ []byte) { w.seen <- topic }); err != nil {
		w.t.Fatal(err)
	}
	return b
}

// connect opens a box's MQTT session: over TLS with its certificate, or
// plain with the password signed by key as user.
func (w *world) connect(b *bus.Embedded, bx box, secure bool, user string, key protocol.Signer) (mqtt.Client, error) {
	id := "evalroom-box-" + bx.room
	opts := mqtt.NewClientOptions().SetClientID(id).SetConnectTimeout(5 * time.Second).SetAutoReconnect(false)
	if secure {
		opts.AddBroker("ssl://" + b.Addr()).SetTLSConfig(&tls.Config{RootCAs: w.ca.Pool(), Certificates: []tls.Certificate{bx.cert}, ServerName: "127.0.0.1"})
	} else {
		pw, _ := protocol.MQTTPassword(key, user, id)
		opts.AddBroker("tcp://" + b.Addr()).SetUsername(user).SetPassword(pw)
	}
	c := mqtt.NewClient(opts)
	tok := c.Connect()
	tok.WaitTimeout(10 * time.Second)
	if err := tok.Error(); err != nil {
		return nil, err
	}
	w.t.Cleanup(func() { c.Disconnect(0) })
	return c, nil
}

// publishes sends to each topic in turn at QoS 0 (a refused QoS 1 publish
// ends the session, which the test checks separately), then a marker to
// the box's own status at QoS 1, and returns the topics the hub saw up to
// the marker.
func (w *world) publishes(c mqtt.Client, own string, topics ...string) []string {
	w.t.Helper()
	for _, tp := range topics {
		c.Publish(tp, 0, false, []byte("{}")).WaitTimeout(5 * time.Second)
	}
	c.Publish(own, 1, false, []byte("{}")).WaitTimeout(5 * time.Second)
	var got []string
	deadline := time.After(10 * time.Second)
	for {
		select {
		case tp := <-w.seen:
			got = append(got, tp)
			if tp == own {
				return got
			}
		case <-deadline:
			w.t.Fatalf("the box's own message never arrived; got %v", got)
		}
	}
}

func TestEmbeddedBrokerKeepsBoxesToTheirRoom(t *testing.T) {
	for _, secure := range []bool{true, false} {
		name := map[bool]string{true: "tls", false: "plain"}[secure]
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			a, b := w.enroll("room-a"), w.enroll("room-b")
			br := w.broker(secure)
			ca, err := w.connect(br, a, secure, "room-a", a.signer)
			if err != nil {
				t.Fatalf("room-a's box cannot connect: %v", err)
			}
			own := protocol.RoomTopic("room-a", protocol.TopicStatus)
			got := w.publishes(ca, own,
				protocol.RoomTopic("room-b", protocol.TopicStatus),
				protocol.LiveTopic("room-b", "cam1"),
				protocol.RoomTopic("room-a", protocol.TopicCmd),
				"elsewhere/topic",
				protocol.RoomTopic("room-a", protocol.TopicHealth),
			)
			want := []string{protocol.RoomTopic("room-a", protocol.TopicHealth), own}
			if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("the hub got %v from room-a's box, want only %v", got, want)
			}
			var mu sync.Mutex
			subOK := map[string]bool{}
			for _, f := range []string{protocol.RoomTopic("room-a", protocol.TopicCmd), protocol.RoomTopic("room-b", protocol.TopicCmd), protocol.TopicRoot + "/#"} {
				tok := ca.Subscribe(f, 1, nil)
				tok.WaitTimeout(5 * time.Second)
				st := tok.(*mqtt.SubscribeToken)
				mu.Lock()
				subOK[f] = st.Result()[f] < 0x80
				mu.Unlock()
			}
			if !subOK[protocol.RoomTopic("room-a", protocol.TopicCmd)] || subOK[protocol.RoomTopic("room-b", protocol.TopicCmd)] || subOK[protocol.TopicRoot+"/#"] {
				t.Fatalf("subscriptions granted: %v; want only room-a's commands", subOK)
			}
			// At QoS 1 a publish outside the room ends the box's session.
			ca.Publish(protocol.RoomTopic("room-b", protocol.TopicEvents), 1, false, []byte("{}")).WaitTimeout(5 * time.Second)
			deadline := time.Now().Add(10 * time.Second)
			for ca.IsConnectionOpen() && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if ca.IsConnectionOpen() {
				t.Fatal("a QoS 1 publish to another room's topic did not end the session")
			}
			select {
			case tp := <-w.seen:
				t.Fatalf("the hub got %s", tp)
			default:
			}
			if !secure {
				if _, err := w.connect(br, a, false, "room-b", a.signer); err == nil {
					t.Fatal("room-a's key logged in as room-b")
				}
				if _, err := w.connect(br, b, false, "room-b", protocol.Ed25519Signer{Key: mustKey()}); err == nil {
					t.Fatal("a key nobody enrolled logged in as room-b")
				}
			}
			// A replaced box is refused, by certificate or by key.
			w.enroll("room-a")
			if _, err := w.connect(br, a, secure, "room-a", a.signer); err == nil {
				t.Fatal("the replaced box of room-a still connects")
			}
		})
	}
}

func TestEmbeddedBrokerRefusesClientsWithoutCertificate(t *testing.T) {
	w := newWorld(t)
	br := w.broker(true)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + br.Addr()).SetClientID("x").
		SetConnectTimeout(5 * time.Second).SetAutoReconnect(false).
		SetTLSConfig(&tls.Config{RootCAs: w.ca.Pool(), ServerName: "127.0.0.1"}))
	tok := c.Connect()
	tok.WaitTimeout(10 * time.Second)
	if tok.Error() == nil {
		c.Disconnect(0)
		t.Fatal("a client without a certificate connected")
	}
}

func mustKey() ed25519.PrivateKey {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	return k
}

// TestEmbeddedBrokerBindsClientIDs: a box, by certificate or by signed
// password, may use only its own room's client id; taking another room's
// is refused and reported, and the other room's box keeps its session.
func TestEmbeddedBrokerBindsClientIDs(t *testing.T) {
	for _, secure := range []bool{true, false} {
		name := map[bool]string{true: "tls", false: "plain"}[secure]
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			a, b := w.enroll("room-a"), w.enroll("room-b")
			var mu sync.Mutex
			var told []bus.Violation
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			var cfg *tls.Config
			if secure {
				cfg = &tls.Config{Certificates: []tls.Certificate{w.srv}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: w.ca.Pool()}
			}
			br, err := bus.StartEmbedded("127.0.0.1:0", cfg, bus.NewAccess(bus.AccessConfig{Boxes: w.st, OnViolation: func(v bus.Violation) {
				mu.Lock()
				told = append(told, v)
				mu.Unlock()
			}}, quiet), bus.Listen{}, quiet)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { br.Close() })
			victim, err := w.connect(br, a, secure, "room-a", a.signer)
			if err != nil {
				t.Fatal(err)
			}
			// room-b's box, its own credentials, room-a's client id.
			id := protocol.BoxClientID("room-a")
			opts := mqtt.NewClientOptions().SetClientID(id).SetConnectTimeout(5 * time.Second).SetAutoReconnect(false)
			if secure {
				opts.AddBroker("ssl://" + br.Addr()).SetTLSConfig(&tls.Config{RootCAs: w.ca.Pool(), Certificates: []tls.Certificate{b.cert}, ServerName: "127.0.0.1"})
			} else {
				pw, _ := protocol.MQTTPassword(b.signer, "room-b", id)
				opts.AddBroker("tcp://" + br.Addr()).SetUsername("room-b").SetPassword(pw)
			}
			for range 3 {
				c := mqtt.NewClient(opts)
				if tok := c.Connect(); tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
					c.Disconnect(0)
					t.Fatal("room-b's box connected with room-a's client id")
				}
			}
			if !victim.IsConnectionOpen() {
				t.Fatal("room-a's box lost its session")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(told) != 1 || told[0].Room != "room-b" || told[0].Reason != bus.ReasonClientID || told[0].ClientID != id {
				t.Fatalf("violations told: %+v; want one client_id of room-b", told)
			}
		})
	}
}
