// Package fleet keeps the hub's picture of every room box: online or
// offline (from the retained status, the last will and a heartbeat
// timeout), last seen, device states and spool figures.
package fleet

import (
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/internal/run"
	"github.com/evalroom/evalroom/protocol"
)

// RoomState is what the hub knows of one box right now.
type RoomState struct {
	Online    bool
	LastSeen  time.Time
	Devices   []protocol.DeviceState
	Telemetry protocol.Telemetry
	// Features is what the box's agent offers (protocol.Status.Features),
	// from its latest status.
	Features []string
	// ClockOffset is the box clock minus the hub clock, measured by ping
	// over a round trip of RTT at OffsetAt (zero time: not measured yet).
	ClockOffset time.Duration
	RTT         time.Duration
	OffsetAt    time.Time
}

// Fleet tracks room states from MQTT.
type Fleet struct {
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu    sync.Mutex
	rooms map[string]*RoomState
	pings map[string]pending
	// sessionWait holds, per room, a channel closed when its session changes.
	sessionWait map[string]chan struct{}

	msgs    *prometheus.CounterVec
	refused prometheus.Counter

	pinger *run.Group // nil until StartPings
}

// New returns a fleet that calls a room offline after timeout without a
// message from it.
func New(timeout time.Duration, log *slog.Logger, reg prometheus.Registerer) *Fleet {
	f := &Fleet{
		timeout: timeout, now: time.Now, log: log.With("component", "fleet"), rooms: map[string]*RoomState{}, pings: map[string]pending{}, sessionWait: map[string]chan struct{}{},
		msgs:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "evalroom_hub_messages_total", Help: "MQTT messages taken from boxes, by kind."}, []string{"kind"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: "evalroom_hub_messages_refused_total", Help: "Malformed or misaddressed MQTT messages refused."}),
	}
	if reg != nil {
		reg.MustRegister(f.msgs, f.refused, newCollector(f))
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "evalroom_hub_rooms_online", Help: "Rooms whose box is online."}, func() float64 {
			n := 0
			for _, s := range f.All() {
				if s.Online {
					n++
				}
			}
			return float64(n)
		}))
	}
	return f
}

// Attach subscribes the fleet to every room's status, health, telemetry
// and events.
func (f *Fleet) Attach(b bus.Bus) error {
	for _, kind := range []string{protocol.TopicStatus, protocol.TopicHealth, protocol.TopicTelemetry, protocol.TopicEvents} {
		if err := b.Subscribe(protocol.RoomFilter(kind), f.Handle); err != nil {
			return err
		}
	}
	return nil
}

// Handle takes one message from a box. Malformed messages, and messages
// whose body names another room than the topic, are refused and change
// nothing.
func (f *Fleet) Handle(topic string, payload []byte) {
	room, kind, _, err := protocol.ParseTopic(topic)
	if err != nil {
		f.refuse(topic, err)
		return
	}
	var m protocol.Message
	var msgRoom string
	switch kind {
	case protocol.TopicStatus:
		s := new(protocol.Status)
		m, msgRoom = s, ""
		if err = protocol.Decode(payload, s); err == nil {
			msgRoom = s.Room
		}
	case protocol.TopicHealth:
		h := new(protocol.Health)
		m = h
		if err = protocol.Decode(payload, h); err == nil {
			msgRoom = h.Room
		}
	case protocol.TopicTelemetry:
		t := new(protocol.Telemetry)
		m = t
		if err = protocol.Decode(payload, t); err == nil {
			msgRoom = t.Room
		}
	case protocol.TopicEvents:
		e := new(protocol.Event)
		m = e
		if err = protocol.Decode(payload, e); err == nil {
			msgRoom = e.Room
		}
	default:
		return
	}
	if err == nil && msgRoom != room {
		err = protocol.ErrInvalid
	}
	if err != nil {
		f.refuse(topic, err)
		return
	}
	f.msgs.WithLabelValues(kind).Inc()
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.rooms[room]
	if st == nil {
		st = &RoomState{}
		f.rooms[room] = st
	}
	switch v := m.(type) {
	case *protocol.Status:
		if !v.Online {
			st.Online = false // the last will, or a clean goodbye
			f.log.Info("room went offline", "room", room)
			return
		}
		if !st.Online {
			f.log.Info("room came online", "room", room)
		}
		st.Online, st.LastSeen, st.Features = true, now, v.Features
	case *protocol.Health:
		st.Online, st.LastSeen, st.Devices = true, now, v.Devices
	case *protocol.Telemetry:
		if v.Session != st.Telemetry.Session {
			f.log.Info("room's procurement session changed", "room", room, "session", v.Session, "was", st.Telemetry.Session)
			f.sessionChanged(room)
		}
		st.Online, st.LastSeen, st.Telemetry = true, now, *v
	case *protocol.Event:
		st.LastSeen = now
		f.log.Info("room event", "room", room, "kind", v.Kind, "stream", v.Stream, "detail", v.Detail)
		if v.Kind == protocol.EventSignalOn || v.Kind == protocol.EventSignalOff {
			st.applySignal(v.Stream, v.Detail, v.Kind == protocol.EventSignalOn)
		}
	}
}

func (f *Fleet) refuse(topic string, err error) {
	f.refused.Inc()
	f.log.Warn("refused an MQTT message", "topic", topic, "err", err)
}

// applySignal updates a device's signal conditions from an event, so that a
// black picture shows before the next health report.
func (st *RoomState) applySignal(stream, signal string, on bool) {
	if !protocol.ValidSignal(signal) {
		return
	}
	for i, d := range st.Devices {
		if d.Stream != stream {
			continue
		}
		q := protocol.Quality{}
		if d.Quality != nil {
			q = *d.Quality
		}
		sigs := slices.DeleteFunc(slices.Clone(q.Signals), func(s string) bool { return s == signal })
		if on {
			sigs = append(sigs, signal)
			slices.Sort(sigs)
		}
		q.Signals = sigs
		dev := d
		dev.Quality = &q
		st.Devices = slices.Clone(st.Devices)
		st.Devices[i] = dev
	}
}

// State returns one room's state, with the heartbeat timeout applied.
func (f *Fleet) State(room string) RoomState {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.rooms[room]
	if !ok {
		return RoomState{}
	}
	out := *st
	if out.Online && f.now().Sub(out.LastSeen) > f.timeout {
		out.Online = false
	}
	return out
}

// All returns every room that has spoken, with the timeout applied.
func (f *Fleet) All() map[string]RoomState {
	f.mu.Lock()
	names := make([]string, 0, len(f.rooms))
	for r := range f.rooms {
		names = append(names, r)
	}
	f.mu.Unlock()
	out := make(map[string]RoomState, len(names))
	for _, r := range names {
		out[r] = f.State(r)
	}
	return out
}
