// Package reporter keeps the box's MQTT session with the hub: retained
// status with a last will, periodic health and telemetry, events, commands
// in and replies out, and live frames at QoS 0.
package reporter

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/evalroom/evalroom/protocol"
)

// Source gives the figures the reporter publishes.
type Source interface {
	Health() protocol.Health
	Telemetry() protocol.Telemetry
}

// CommandHandler answers one command from the hub.
type CommandHandler func(cmd protocol.Command) protocol.Reply

// Config for a reporter.
type Config struct {
	Broker string // host:port of the MQTT broker
	// TLS, when set, connects over TLS with the box's certificate, which
	// is how the broker knows the box; otherwise the box signs its
	// password (protocol.MQTTPassword).
	TLS      *tls.Config
	Password string
	Room     string
	Interval time.Duration // health and telemetry; default 5 s
	Version  string
	// Dial, when set, opens the connection to the broker (the simulator
	// uses it to cut a room off the network).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ClientID is the MQTT client id of a room's box (protocol.BoxClientID);
// the broker refuses a box that connects with another.
func ClientID(room string) string { return protocol.BoxClientID(room) }

// Reporter is the box's MQTT side.
type Reporter struct {
	cfg       Config
	src       Source
	onCmd     CommandHandler
	log       *slog.Logger
	client    mqtt.Client
	connected atomic.Bool

	mu     sync.Mutex
	events []protocol.Event // kept while offline, bounded
}

const maxQueuedEvents = 256

// New returns a reporter; call Run.
func New(cfg Config, src Source, onCmd CommandHandler, log *slog.Logger) *Reporter {
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Reporter{cfg: cfg, src: src, onCmd: onCmd, log: log.With("component", "reporter")}
	will, _ := protocol.Encode(&protocol.Status{V: protocol.Version, Room: cfg.Room, Online: false})
	scheme := "tcp://"
	if cfg.TLS != nil {
		scheme = "ssl://"
	}
	opts := mqtt.NewClientOptions().
		AddBroker(scheme+cfg.Broker).
		SetClientID(ClientID(cfg.Room)).
		SetUsername(protocol.MQTTUsername(cfg.Room)).
		SetPassword(cfg.Password).
		SetTLSConfig(cfg.TLS).
		SetCleanSession(false).
		SetStore(newStore()).
		SetOrderMatters(false).
		SetKeepAlive(10*time.Second).
		SetPingTimeout(5*time.Second).
		SetConnectTimeout(5*time.Second).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(2*time.Second).
		SetMaxReconnectInterval(10*time.Second).
		SetWill(protocol.RoomTopic(cfg.Room, protocol.TopicStatus), string(will), 1, true).
		SetOnConnectHandler(r.onConnect).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			r.connected.Store(false)
			r.log.Warn("lost the broker; reconnecting", "err", err)
		})
	if cfg.Dial != nil {
		opts.SetCustomOpenConnectionFn(func(u *url.URL, _ mqtt.ClientOptions) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, err := cfg.Dial(ctx, "tcp", u.Host)
			if err != nil || cfg.TLS == nil {
				return conn, err
			}
			tc := cfg.TLS.Clone()
			tc.ServerName = u.Hostname()
			tconn := tls.Client(conn, tc)
			if err := tconn.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, err
			}
			return tconn, nil
		})
	}
	r.client = mqtt.NewClient(opts)
	return r
}

// Connected reports whether the broker session is up.
func (r *Reporter) Connected() bool { return r.connected.Load() }

// Run connects and publishes until ctx ends, then says goodbye with a
// retained offline status.
func (r *Reporter) Run(ctx context.Context) error {
	r.client.Connect() // retries by itself; onConnect does the rest
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if r.connected.Load() {
				r.publishStatus(false)
			}
			r.client.Disconnect(500)
			return nil
		case <-t.C:
			r.publishPeriodic()
		}
	}
}

func (r *Reporter) onConnect(c mqtt.Client) {
	r.log.Info("connected to the broker", "broker", r.cfg.Broker)
	// paho sends subscriptions and publishes on separate queues: wait for
	// the broker to confirm the command subscription before the status
	// says online, or the hub's first command (live on) may find nobody.
	tok := c.Subscribe(protocol.RoomTopic(r.cfg.Room, protocol.TopicCmd), 1, r.onMessage)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		r.log.Warn("the broker did not confirm the command subscription; commands may be lost until it does", "err", tok.Error())
	}
	r.connected.Store(true)
	r.publishStatus(true)
	r.publishPeriodic()
	r.mu.Lock()
	queued := r.events
	r.events = nil
	r.mu.Unlock()
	for _, e := range queued {
		r.publishEvent(e)
	}
}

func (r *Reporter) publishStatus(online bool) {
	r.publish(protocol.TopicStatus, &protocol.Status{V: protocol.Version, Room: r.cfg.Room, Online: online, Time: time.Now().UTC(), Version: r.cfg.Version, Features: protocol.AgentFeatures}, true)
}

// Refresh publishes health and telemetry now, not at the next tick: the
// hub learns of a change (a session started) at once.
func (r *Reporter) Refresh() { r.publishPeriodic() }

func (r *Reporter) publishPeriodic() {
	if !r.connected.Load() {
		return
	}
	h := r.src.Health()
	r.publish(protocol.TopicHealth, &h, false)
	tm := r.src.Telemetry()
	r.publish(protocol.TopicTelemetry, &tm, false)
}

// Event publishes an event now, or when the broker is back.
func (r *Reporter) Event(kind, stream, detail string) {
	e := protocol.Event{V: protocol.Version, Room: r.cfg.Room, Time: time.Now().UTC(), Kind: kind, Stream: stream, Detail: detail}
	if r.connected.Load() {
		r.publishEvent(e)
		return
	}
	r.mu.Lock()
	if len(r.events) < maxQueuedEvents {
		r.events = append(r.events, e)
	}
	r.mu.Unlock()
}

func (r *Reporter) publishEvent(e protocol.Event) { r.publish(protocol.TopicEvents, &e, false) }

func (r *Reporter) publish(kind string, m protocol.Message, retained bool) {
	b, err := protocol.Encode(m)
	if err != nil {
		r.log.Error("cannot encode message; this is a bug", "kind", kind, "err", err)
		return
	}
	r.client.Publish(protocol.RoomTopic(r.cfg.Room, kind), 1, retained, b)
}

// PublishLive sends one live frame at QoS 0; it never blocks.
func (r *Reporter) PublishLive(stream string, frame []byte) {
	if r.connected.Load() {
		r.client.Publish(protocol.LiveTopic(r.cfg.Room, stream), 0, false, frame)
	}
}

func (r *Reporter) onMessage(_ mqtt.Client, m mqtt.Message) {
	var cmd protocol.Command
	if err := protocol.Decode(m.Payload(), &cmd); err != nil {
		r.log.Warn("refused a malformed command", "topic", m.Topic(), "err", err)
		return
	}
	if cmd.Room != r.cfg.Room {
		r.log.Warn("refused a command for another room", "room", cmd.Room)
		return
	}
	reply := r.onCmd(cmd)
	reply.V, reply.ID, reply.Room, reply.BoxTime = protocol.Version, cmd.ID, r.cfg.Room, time.Now().UTC()
	r.publish(protocol.TopicReply, &reply, false)
}

// String describes the reporter for logs.
func (r *Reporter) String() string { return fmt.Sprintf("reporter(%s@%s)", r.cfg.Room, r.cfg.Broker) }
