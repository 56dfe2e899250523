// Package bus is the hub's view of MQTT: subscribe and publish, either
// inside the embedded mochi broker (no network hop, no per-client queue to
// overflow) or through an external broker with paho.
package bus

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Handler receives one message.
type Handler func(topic string, payload []byte)

// Bus is what the hub's parts need of MQTT.
type Bus interface {
	Subscribe(filter string, h Handler) error
	Publish(topic string, payload []byte, qos byte, retained bool) error
	Close() error
}

// Embedded is a mochi broker inside the hub process.
type Embedded struct {
	srv  *mochi.Server
	mu   sync.Mutex
	next int
}

// StartEmbedded listens for boxes on addr (host:port): over TLS with a
// client certificate required when tlsCfg is set, plain otherwise.
// access decides who may connect and which topics each may use.
func StartEmbedded(addr string, tlsCfg *tls.Config, access mochi.Hook, log *slog.Logger) (*Embedded, error) {
	caps := mochi.NewDefaultServerCapabilities()
	// A box has one subscription and little traffic to it; the default
	// queue of 8192 writes costs ~64 KiB per connected room.
	caps.MaximumClientWritesPending = 512
	caps.MaximumSessionExpiryInterval = 24 * 3600
	caps.MaximumPacketSize = 8 << 20
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: log.With("component", "broker"), Capabilities: caps})
	if err := srv.AddHook(access, nil); err != nil {
		return nil, err
	}
	ln := listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr, TLSConfig: tlsCfg})
	if err := srv.AddListener(ln); err != nil {
		return nil, fmt.Errorf("MQTT listener on %s: %w", addr, err)
	}
	go srv.Serve()
	return &Embedded{srv: srv}, nil
}

// Addr is the address the broker listens on.
func (e *Embedded) Addr() string {
	l, _ := e.srv.Listeners.Get("tcp")
	return l.(*listeners.TCP).Address()
}

// Subscribe implements Bus.
func (e *Embedded) Subscribe(filter string, h Handler) error {
	e.mu.Lock()
	e.next++
	id := e.next
	e.mu.Unlock()
	return e.srv.Subscribe(filter, id, func(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
		h(pk.TopicName, pk.Payload)
	})
}

// Publish implements Bus.
func (e *Embedded) Publish(topic string, payload []byte, qos byte, retained bool) error {
	return e.srv.Publish(topic, payload, retained, qos)
}

// Close stops the broker.
func (e *Embedded) Close() error { return e.srv.Close() }

// External is a paho client of an external broker.
type External struct {
	c    mqtt.Client
	mu   sync.Mutex
	subs map[string]Handler
	log  *slog.Logger
}

// DialExternal connects to an external broker at url: tcp://host:port, or
// ssl://host:port with tlsCfg (the hub's client certificate and the CA
// that signed the broker's).
func DialExternal(ctx context.Context, url, clientID string, tlsCfg *tls.Config, log *slog.Logger) (*External, error) {
	x := &External{subs: map[string]Handler{}, log: log.With("component", "bus")}
	opts := mqtt.NewClientOptions().AddBroker(url).SetClientID(clientID).SetCleanSession(true).SetTLSConfig(tlsCfg).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(time.Second).SetOrderMatters(false).
		SetKeepAlive(10 * time.Second).
		SetOnConnectHandler(func(c mqtt.Client) {
			x.mu.Lock()
			defer x.mu.Unlock()
			for f, h := range x.subs {
				x.subscribe(f, h)
			}
			x.log.Info("connected to the external broker", "url", url)
		}).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { x.log.Warn("lost the external broker", "err", err) })
	x.c = mqtt.NewClient(opts)
	tok := x.c.Connect()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return nil, fmt.Errorf("connect to %s: %w", url, err)
		}
	case <-ctx.Done():
		return nil, fmt.Errorf("connect to %s: %w", url, ctx.Err())
	}
	return x, nil
}

func (x *External) subscribe(filter string, h Handler) mqtt.Token {
	return x.c.Subscribe(filter, 1, func(_ mqtt.Client, m mqtt.Message) { h(m.Topic(), m.Payload()) })
}

// Subscribe implements Bus; subscriptions are renewed on reconnect.
func (x *External) Subscribe(filter string, h Handler) error {
	x.mu.Lock()
	x.subs[filter] = h
	x.mu.Unlock()
	tok := x.subscribe(filter, h)
	if !tok.WaitTimeout(10 * time.Second) {
		return fmt.Errorf("subscribe %s: no answer from the broker", filter)
	}
	return tok.Error()
}

// Publish implements Bus.
func (x *External) Publish(topic string, payload []byte, qos byte, retained bool) error {
	tok := x.c.Publish(topic, qos, retained, payload)
	if qos == 0 {
		return nil
	}
	if !tok.WaitTimeout(10 * time.Second) {
		return fmt.Errorf("publish %s: no answer from the broker", topic)
	}
	return tok.Error()
}

// Close disconnects.
func (x *External) Close() error {
	x.c.Disconnect(250)
	return nil
}
