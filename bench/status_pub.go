package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/evalroom/evalroom/protocol"
)

const mqttTimeout = 10 * time.Second

// roomMsgs are one simulated room's encoded messages.
type roomMsgs struct {
	room              string
	health, telemetry []byte
}

func newRoomMsgs(room string) (roomMsgs, error) {
	now := time.Now().UTC()
	h := &protocol.Health{V: protocol.Version, Room: room, Time: now, Devices: []protocol.DeviceState{
		{Stream: "cam1", Kind: protocol.KindVideo, Device: "v4l2:/dev/video0", State: protocol.StateOK,
			Quality: &protocol.Quality{FPS: 10, Width: 1280, Height: 720, Luma: 118.5}},
		{Stream: "cam2", Kind: protocol.KindVideo, Device: "v4l2:/dev/video2", State: protocol.StateOK,
			Quality: &protocol.Quality{FPS: 9.9, Width: 1280, Height: 720, Luma: 97.25}},
		{Stream: "mic1", Kind: protocol.KindAudio, Device: "alsa:hw:1,0", State: protocol.StateOK,
			Quality: &protocol.Quality{RMSdBFS: -31.5, PeakdBFS: -8.25}},
	}}
	t := &protocol.Telemetry{V: protocol.Version, Room: room, Time: now, SpoolBytes: 12 << 20, SpoolSegments: 48,
		OldestUnsentSeconds: 3.5, DiskFreeBytes: 40 << 30, UploadBytesPerSec: 1.5e6}
	hb, err := protocol.Encode(h)
	if err != nil {
		return roomMsgs{}, err
	}
	tb, err := protocol.Encode(t)
	if err != nil {
		return roomMsgs{}, err
	}
	return roomMsgs{room: room, health: hb, telemetry: tb}, nil
}

// publisher is one simulated room's MQTT client.
type publisher struct {
	msgs roomMsgs
	c    mqtt.Client
}

type publishers []publisher

func dialAll(addr string, rooms []roomMsgs) (publishers, error) {
	var out publishers
	for _, r := range rooms {
		opts := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("bench-" + r.room).
			SetCleanSession(true).SetOrderMatters(false).SetKeepAlive(30 * time.Second).
			SetConnectTimeout(5 * time.Second).SetAutoReconnect(false)
		c := mqtt.NewClient(opts)
		tok := c.Connect()
		if !tok.WaitTimeout(mqttTimeout) || tok.Error() != nil {
			out.disconnect()
			return nil, fmt.Errorf("connect %s to the broker at %s: %v", r.room, addr, tok.Error())
		}
		out = append(out, publisher{msgs: r, c: c})
	}
	return out, nil
}

func (ps publishers) disconnect() {
	for _, p := range ps {
		p.c.Disconnect(100)
	}
}

// publish sends n messages from every publisher at once, each keeping at
// most window QoS 1 publishes unacknowledged, and returns when all are
// acknowledged.
func (ps publishers) publish(ctx context.Context, n, window int) error {
	errs := make(chan error, len(ps))
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- p.send(ctx, n, window)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (p publisher) send(ctx context.Context, n, window int) error {
	health := protocol.RoomTopic(p.msgs.room, protocol.TopicHealth)
	telemetry := protocol.RoomTopic(p.msgs.room, protocol.TopicTelemetry)
	var inflight []mqtt.Token
	for i := range n {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(inflight) == window {
			if err := acked(inflight[0]); err != nil {
				return fmt.Errorf("%s: %w", p.msgs.room, err)
			}
			inflight = inflight[1:]
		}
		topic, payload := health, p.msgs.health
		if i%2 == 1 {
			topic, payload = telemetry, p.msgs.telemetry
		}
		inflight = append(inflight, p.c.Publish(topic, 1, false, payload))
	}
	for _, t := range inflight {
		if err := acked(t); err != nil {
			return fmt.Errorf("%s: %w", p.msgs.room, err)
		}
	}
	return nil
}

func acked(t mqtt.Token) error {
	if !t.WaitTimeout(mqttTimeout) {
		return fmt.Errorf("no PUBACK within %v", mqttTimeout)
	}
	return t.Error()
}
