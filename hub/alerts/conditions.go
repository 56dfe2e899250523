package alerts

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Source is where conditions come from: the rooms and their live state.
type Source interface {
	Rooms(ctx context.Context) ([]store.Room, error)
	State(room string) fleet.RoomState
}

// Condition is one problem holding now.
type Condition struct {
	Room, Stream, Kind, Detail string
	InSession                  bool
}

var baseSeverity = map[string]string{
	RoomOffline: Critical, DeviceFailed: Critical, ChainBreak: Critical, BoxImpersonation: Critical, HubStorageFailing: Critical,
}

func severity(c Condition) string {
	if c.InSession {
		return Critical
	}
	if s, ok := baseSeverity[c.Kind]; ok {
		return s
	}
	return Warning
}

var signalKinds = map[string]string{
	protocol.SignalBlack: CameraBlack, protocol.SignalFrozen: CameraFrozen,
	protocol.SignalSilent: MicSilent, protocol.SignalClipping: MicClipping,
}

// conditions lists what holds now for every enrolled room.
func (e *Engine) conditions(ctx context.Context) (map[key]Condition, error) {
	rooms, err := e.src.Rooms(ctx)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	now := e.now()
	out := map[key]Condition{}
	add := func(c Condition) { out[key{c.Room, c.Stream, c.Kind}] = c }
	for _, r := range rooms {
		if r.PublicKey == "" {
			continue // no box yet
		}
		st := e.src.State(r.ID)
		inSession := st.Online && st.Telemetry.Session != ""
		if !st.Online {
			if now.Sub(e.started) >= e.cfg.StartupGrace {
				detail := "never seen"
				if !st.LastSeen.IsZero() {
					detail = "last seen " + st.LastSeen.Format(time.RFC3339)
				}
				add(Condition{Room: r.ID, Kind: RoomOffline, Detail: detail})
			}
			continue
		}
		for _, d := range st.Devices {
			switch d.State {
			case protocol.StateAbsent:
				add(Condition{Room: r.ID, Stream: d.Stream, Kind: DeviceAbsent, Detail: d.Reason, InSession: inSession})
			case protocol.StateFailed:
				add(Condition{Room: r.ID, Stream: d.Stream, Kind: DeviceFailed, Detail: d.Reason, InSession: inSession})
			}
			if d.Quality == nil || d.State != protocol.StateOK {
				continue
			}
			for _, s := range d.Quality.Signals {
				if k, ok := signalKinds[s]; ok {
					add(Condition{Room: r.ID, Stream: d.Stream, Kind: k, InSession: inSession})
				}
			}
		}
		tm := st.Telemetry
		if age := time.Duration(tm.OldestUnsentSeconds * float64(time.Second)); age > e.cfg.Backlog {
			add(Condition{Room: r.ID, Kind: SpoolBacklog, Detail: fmt.Sprintf("oldest unsent segment is %s old, %d bytes waiting", age.Round(time.Second), tm.SpoolBytes), InSession: inSession})
		}
		// How long the box could keep recording with the hub unreachable:
		// free disk over the rate recording fills it (not the upload rate,
		// which runs far higher while a backlog drains).
		if tm.RecordBytesPerSec > 0 {
			if days := float64(tm.DiskFreeBytes) / tm.RecordBytesPerSec / 86400; days < e.cfg.DiskDays {
				add(Condition{Room: r.ID, Kind: DiskLow, Detail: fmt.Sprintf("disk lasts %.1f days of recording", days), InSession: inSession})
			}
		}
		if !st.OffsetAt.IsZero() && math.Abs(float64(st.ClockOffset)) > float64(e.cfg.ClockLimit) {
			add(Condition{Room: r.ID, Kind: ClockOffset, Detail: fmt.Sprintf("box clock is off by %s", st.ClockOffset.Round(time.Millisecond)), InSession: inSession})
		}
	}
	e.mu.Lock()
	hub, domains := e.hub, e.domains
	e.mu.Unlock()
	for _, f := range domains {
		for _, c := range f() {
			add(c)
		}
	}
	for _, f := range hub {
		for _, c := range f() {
			c.Room, c.Stream = "", ""
			add(c)
		}
	}
	return out, nil
}
