package bench

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/live"
	"github.com/evalroom/evalroom/edge/reporter"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/camera"
)

// camerasPerBox is how many cameras each replay box has, as the demo's rooms.
const camerasPerBox = 2

// replayBox is a room box cut down to its live path: the real
// edge/reporter (MQTT session, status and health, commands, QoS 0 live
// publishes) and edge/live (leases, live frame encoding), fed at the
// camera's rate with JPEGs the simulated camera drew beforehand. It
// records nothing, so that the hub it talks to does nothing but live and
// fleet work.
type replayBox struct {
	room    string
	streams []string
	rep     *reporter.Reporter
	live    *live.Live
}

// startReplayBoxes connects one box per room to the broker at mqttAddr and
// runs them until the returned stop is called.
// sent, when not nil, counts the bytes of the live frames they publish.
func startReplayBoxes(ctx context.Context, mqttAddr string, keys map[string]protocol.Signer, frames [][]byte, fps int, sent *atomic.Int64, log *slog.Logger) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for id, key := range keys {
		// The hub runs --insecure-dev: the box signs its MQTT password.
		pw, err := protocol.MQTTPassword(key, id, reporter.ClientID(id))
		if err != nil {
			cancel()
			wg.Wait()
			return nil, err
		}
		b := &replayBox{room: id, streams: streamNames("cam", camerasPerBox)}
		b.rep = reporter.New(reporter.Config{Broker: mqttAddr, Room: id, Password: pw, Version: "bench"}, b, b.command, log)
		var pub live.Publisher = b.rep
		if sent != nil {
			pub = countingPublisher{next: pub, n: sent}
		}
		b.live = live.New(id, pub)
		wg.Go(func() { b.rep.Run(ctx) })
		for _, s := range b.streams {
			wg.Go(func() { b.feed(ctx, s, frames, fps) })
		}
	}
	return func() {
		cancel()
		wg.Wait()
	}, nil
}

// feed offers a frame of stream to live every 1/fps, as the recorder does
// with every frame it reads; live publishes it only while leased.
func (b *replayBox) feed(ctx context.Context, stream string, frames [][]byte, fps int) {
	info := devices.Info{Stream: stream, Kind: protocol.KindVideo, Device: "sim:replay/" + stream, Codec: protocol.CodecMJPEG, FPS: fps}
	t := time.NewTicker(time.Second / time.Duration(fps))
	defer t.Stop()
	for seq := uint64(0); ; seq++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			b.live.Frame(info, seq, devices.Frame{Data: frames[seq%uint64(len(frames))], Time: now})
		}
	}
}

// countingPublisher counts the bytes of the live frames it passes on.
type countingPublisher struct {
	next    live.Publisher // nil: dropped
	n       *atomic.Int64  // bytes
	counted *atomic.Int64  // frames, when not nil
}

func (c countingPublisher) PublishLive(stream string, frame []byte) {
	c.n.Add(int64(len(frame)))
	if c.counted != nil {
		c.counted.Add(1)
	}
	if c.next != nil {
		c.next.PublishLive(stream, frame)
	}
}

// command answers live commands as edge/agent does, and every other
// command with OK.
func (b *replayBox) command(cmd protocol.Command) protocol.Reply {
	if cmd.Kind == protocol.CmdLive {
		if err := b.live.Command(cmd, func(s string) bool { return slices.Contains(b.streams, s) }); err != nil {
			return protocol.Reply{Error: err.Error()}
		}
	}
	return protocol.Reply{OK: true}
}

// Health implements reporter.Source: every camera ok.
func (b *replayBox) Health() protocol.Health {
	h := protocol.Health{V: protocol.Version, Room: b.room, Time: time.Now().UTC()}
	for _, s := range b.streams {
		h.Devices = append(h.Devices, protocol.DeviceState{Stream: s, Kind: protocol.KindVideo, Device: "sim:replay/" + s, State: protocol.StateOK})
	}
	return h
}

// Telemetry implements reporter.Source: an empty spool and a large disk.
func (b *replayBox) Telemetry() protocol.Telemetry {
	return protocol.Telemetry{V: protocol.Version, Room: b.room, Time: time.Now().UTC(), DiskFreeBytes: 100 << 30}
}

// drawFrames has the simulated camera draw n frames of one stream.
func drawFrames(ctx context.Context, cfg Config, n int) ([][]byte, error) {
	c := liveCamera(cfg, "cam1")
	c.FPS = camera.MaxFPS // draw them quickly
	cam := camera.New(c, nil)
	defer cam.Close()
	out := make([][]byte, n)
	for i := range out {
		f, err := cam.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("draw frames: %w", err)
		}
		out[i] = f.Data
	}
	return out, nil
}
