// Package bus is the hub's view of MQTT: subscribe and publish, either
// inside the embedded mochi broker (no network hop, no per-client queue to
// overflow) or through an external broker with paho.
package bus

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/hub/connlimit"
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
	addr string
	mu   sync.Mutex
	next int
}

// Listen says how the embedded broker's listener guards itself against
// clients that never finish connecting or come in crowds. Zero fields take
// the defaults.
type Listen struct {
	// ConnectTimeout is how long a client has from its TCP connection to
	// a complete CONNECT packet, TLS handshake included; default 10 s.
	// After the CONNECT the MQTT keepalive takes over.
	ConnectTimeout time.Duration
	// PerAddr caps the connections one remote IP address holds open at
	// once (default 64: the rooms of one site may share a NAT address),
	// Total all of them (default 2048); see hub/connlimit.
	PerAddr, Total int
	// MaxPacketSize is the largest MQTT packet read from anyone; default
	// Limits{}.MaxPacketSize() (a live frame with its topic).
	MaxPacketSize int
	// Registry, when set, gets the listener's metrics.
	Registry prometheus.Registerer
}

func (l *Listen) defaults() {
	if l.ConnectTimeout <= 0 {
		l.ConnectTimeout = 10 * time.Second
	}
	if l.PerAddr <= 0 {
		l.PerAddr = 64
	}
	if l.Total <= 0 {
		l.Total = 2048
	}
	if l.MaxPacketSize <= 0 {
		l.MaxPacketSize = Limits{}.MaxPacketSize()
	}
}

// StartEmbedded listens for boxes on addr (host:port): over TLS with a
// client certificate required when tlsCfg is set, plain otherwise.
// access decides who may connect and which topics each may use; lim
// bounds connections.
func StartEmbedded(addr string, tlsCfg *tls.Config, access mochi.Hook, lim Listen, log *slog.Logger) (*Embedded, error) {
	lim.defaults()
	caps := mochi.NewDefaultServerCapabilities()
	// A box has one subscription and little traffic to it; the default
	// queue of 8192 writes costs ~64 KiB per connected room.
	caps.MaximumClientWritesPending = 512
	caps.MaximumSessionExpiryInterval = 24 * 3600
	caps.MaximumPacketSize = uint32(lim.MaxPacketSize)
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: log.With("component", "broker"), Capabilities: caps})
	if err := srv.AddHook(access, nil); err != nil {
		return nil, err
	}
	raw, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("MQTT listener on %s: %w", addr, err)
	}
	timeouts := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "evalroom_broker_connect_timeouts_total",
		Help: "MQTT connections closed because their TLS handshake and CONNECT did not finish in time.",
	})
	if lim.Registry != nil {
		lim.Registry.MustRegister(timeouts)
	}
	var ln net.Listener = &deadlineListener{
		Listener: connlimit.New(raw, connlimit.Options{PerAddr: lim.PerAddr, Total: lim.Total, Name: "mqtt", Log: log.With("component", "broker")}, lim.Registry),
		timeout:  lim.ConnectTimeout, expired: timeouts,
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	if err := srv.AddListener(listeners.NewNet("tcp", ln)); err != nil {
		ln.Close()
		return nil, fmt.Errorf("MQTT listener on %s: %w", addr, err)
	}
	go srv.Serve()
	return &Embedded{srv: srv, addr: raw.Addr().String()}, nil
}

// Addr is the address the broker listens on.
func (e *Embedded) Addr() string { return e.addr }

// deadlineListener gives each accepted connection a deadline for the TLS
// handshake and the CONNECT packet. The broker sets the connection's
// deadline itself once it has read the CONNECT (from the keepalive), which
// ends this one.
type deadlineListener struct {
	net.Listener
	timeout time.Duration
	expired prometheus.Counter
}

// Accept implements net.Listener.
func (l *deadlineListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if err := c.SetDeadline(time.Now().Add(l.timeout)); err != nil {
		c.Close()
		return nil, fmt.Errorf("MQTT connection deadline: %w", err)
	}
	dc := &deadlineConn{Conn: c, expired: l.expired}
	dc.connecting.Store(true)
	return dc, nil
}

// deadlineConn counts a connection that ran out of time before it
// connected.
type deadlineConn struct {
	net.Conn
	expired    prometheus.Counter
	connecting atomic.Bool
}

// Read implements net.Conn.
func (c *deadlineConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && c.connecting.Load() {
		if ne, ok := err.(net.Error); ok && ne.Timeout() && c.connecting.CompareAndSwap(true, false) {
			c.expired.Inc()
		}
	}
	return n, err
}

// SetDeadline implements net.Conn: the broker's first call comes after
// the CONNECT.
func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.connecting.Store(false)
	return c.Conn.SetDeadline(t)
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
