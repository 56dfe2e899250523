package bench

import (
	"context"
	"fmt"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/protocol"
)

// deliveryTimeout is how long the last deliveries may trail the last
// PUBACK before the missing ones count as lost.
const deliveryTimeout = 10 * time.Second

// fleetKinds are the filters fleet.Attach subscribes to; the bare
// subscriber takes the same ones so that topic matching costs the same.
var fleetKinds = []string{protocol.TopicStatus, protocol.TopicHealth, protocol.TopicTelemetry, protocol.TopicEvents}

// statusPlan compares the embedded broker with a do-nothing subscriber to
// the same broker with the hub's fleet decoding and applying every message.
func statusPlan(cfg Config, log *slog.Logger) (*plan, error) {
	rooms := make([]roomMsgs, cfg.Rooms)
	for i := range rooms {
		m, err := newRoomMsgs(fmt.Sprintf("room-%03d", i+1))
		if err != nil {
			return nil, err
		}
		rooms[i] = m
	}
	exp := &Experiment{
		Name: ExpStatus, Unit: UnitMsgs,
		Variants: []*Variant{
			{Name: "real", About: "embedded broker + fleet.Attach"},
			{Name: "bare", About: "embedded broker + counting subscriber"},
		},
		Rows: []Row{
			{Label: fmt.Sprintf("status ingest, %d rooms", cfg.Rooms), Real: "real", Baseline: "bare", Target: 0.5},
		},
		Notes: []string{
			fmt.Sprintf("real: %d paho clients (MQTT 3.1.1, one per simulated room) each publish %d valid protocol.Health and protocol.Telemetry messages, alternating, at QoS 1 with up to %d unacknowledged, to their own room topics on hub/bus StartEmbedded (mochi, 127.0.0.1:0); fleet.New(...).Attach(bus) decodes and applies every message. Timed from the first publish until the last message reached the subscriber; every message must arrive exactly once.", cfg.Rooms, cfg.MsgsPerRoom, cfg.Window),
			"baseline: the same publishers and broker; the subscriber takes the same four filters as the fleet and only counts.",
		},
	}
	run := func(withFleet bool) runFunc {
		return func(ctx context.Context, _ string) (Sample, error) { return ingest(ctx, cfg, rooms, withFleet, log) }
	}
	return &plan{exp: exp, runs: map[string]runFunc{"real": run(true), "bare": run(false)}}, nil
}

// counter counts deliveries and notes when the last expected one came.
type counter struct {
	n     atomic.Int64
	total int64
	last  atomic.Int64 // Unix nanoseconds of delivery number total
	done  chan struct{}
}

func (c *counter) hit() {
	if c.n.Add(1) == c.total {
		c.last.Store(time.Now().UnixNano())
		close(c.done)
	}
}

// countingBus counts every message after the real handler took it.
type countingBus struct {
	bus.Bus
	c *counter
}

func (b countingBus) Subscribe(filter string, h bus.Handler) error {
	return b.Bus.Subscribe(filter, func(topic string, payload []byte) {
		h(topic, payload)
		b.c.hit()
	})
}

func ingest(ctx context.Context, cfg Config, rooms []roomMsgs, withFleet bool, log *slog.Logger) (Sample, error) {
	brokerLog := log
	if !log.Enabled(ctx, slog.LevelInfo) {
		// mochi logs every client that hangs up as a warning.
		brokerLog = slog.New(quieter{log.Handler(), slog.LevelError})
	}
	b, err := bus.StartEmbedded("127.0.0.1:0", nil, new(auth.AllowHook), bus.Listen{PerAddr: 10_000, Total: 10_000}, brokerLog) // every room from loopback
	if err != nil {
		return Sample{}, err
	}
	defer b.Close()
	c := &counter{total: int64(len(rooms) * cfg.MsgsPerRoom), done: make(chan struct{})}
	reg := prometheus.NewRegistry()
	var f *fleet.Fleet
	if withFleet {
		f = fleet.New(time.Minute, log, reg)
		err = f.Attach(countingBus{Bus: b, c: c})
	} else {
		for _, kind := range fleetKinds {
			if err = b.Subscribe(protocol.RoomFilter(kind), func(string, []byte) { c.hit() }); err != nil {
				break
			}
		}
	}
	if err != nil {
		return Sample{}, fmt.Errorf("subscribe: %w", err)
	}
	pubs, err := dialAll(b.Addr(), rooms)
	if err != nil {
		return Sample{}, err
	}
	defer pubs.disconnect()

	sw := startStopwatch()
	if err := pubs.publish(ctx, cfg.MsgsPerRoom, cfg.Window); err != nil {
		return Sample{}, err
	}
	select {
	case <-c.done:
	case <-time.After(deliveryTimeout):
	case <-ctx.Done():
		return Sample{}, ctx.Err()
	}
	got := c.n.Load()
	if got != c.total {
		return Sample{}, fmt.Errorf("sent %d messages (all acknowledged), subscriber got %d: %d lost", c.total, got, c.total-got)
	}
	s := sw.sampleAt(time.Unix(0, c.last.Load()), got, 0)
	if withFleet {
		if err := checkFleet(f, reg, rooms, c.total); err != nil {
			return Sample{}, err
		}
	}
	return s, nil
}

// checkFleet makes sure the fleet applied every message and refused none.
func checkFleet(f *fleet.Fleet, reg *prometheus.Registry, rooms []roomMsgs, total int64) error {
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	var taken, refused float64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "evalroom_hub_messages_total":
				taken += m.GetCounter().GetValue()
			case "evalroom_hub_messages_refused_total":
				refused += m.GetCounter().GetValue()
			}
		}
	}
	if int64(taken) != total || refused != 0 {
		return fmt.Errorf("fleet took %.0f messages and refused %.0f of %d", taken, refused, total)
	}
	for _, r := range rooms {
		st := f.State(r.room)
		if !st.Online || st.Telemetry.Room != r.room || len(st.Devices) != 3 {
			return fmt.Errorf("fleet state of %s is not what its messages said: %+v", r.room, st)
		}
	}
	return nil
}

// quieter passes on only records at min or above.
type quieter struct {
	slog.Handler
	min slog.Level
}

func (q quieter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= q.min && q.Handler.Enabled(ctx, l)
}

func (q quieter) WithAttrs(as []slog.Attr) slog.Handler {
	return quieter{q.Handler.WithAttrs(as), q.min}
}

func (q quieter) WithGroup(name string) slog.Handler {
	return quieter{q.Handler.WithGroup(name), q.min}
}
