package onboarding

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Rooms is what onboarding reads of the hub's rooms and recordings
// (hub/store).
type Rooms interface {
	Room(ctx context.Context, id string) (store.Room, error)
	RoomsOf(ctx context.Context, f store.RoomFilter) ([]store.Room, error)
	Latest(ctx context.Context, room, stream string) (store.Segment, error)
}

// Fleet is the rooms' state as their boxes report it (hub/fleet).
type Fleet interface {
	State(room string) fleet.RoomState
}

// RecentRecording is how old a stream's latest verified record at the hub
// may be for the recording check to pass.
const RecentRecording = 2 * time.Minute

// hubChecks checks what the hub holds of a room: its box enrolled and
// online, every configured camera and microphone ok, each stream's latest
// record verified and recent, and a regulator able to open its live view.
func hubChecks(ctx context.Context, rooms Rooms, fl Fleet, roomID string, now time.Time) ([]Check, error) {
	rm, err := rooms.Room(ctx, roomID)
	if err != nil {
		return nil, fmt.Errorf("read room %s: %w", roomID, err)
	}
	st := fl.State(roomID)
	out := []Check{boxCheck(rm, st)}
	out = append(out, deviceChecks(st, protocol.KindVideo, ItemCameras, "camera")...)
	out = append(out, deviceChecks(st, protocol.KindAudio, ItemMics, "microphone")...)
	rec, err := recordingCheck(ctx, rooms, roomID, st, now)
	if err != nil {
		return nil, err
	}
	out = append(out, rec, liveCheck(rm, st))
	for i := range out {
		out[i].By, out[i].At = "hub", now.UTC()
	}
	return out, nil
}

func boxCheck(rm store.Room, st fleet.RoomState) Check {
	c := Check{Item: ItemBox}
	switch {
	case rm.PublicKey == "":
		c.Value = "no box is enrolled for the room: enroll its box with a token (evalroom-hub room add)"
	case !st.Online:
		c.Value = "the room's box is enrolled but offline"
		if !st.LastSeen.IsZero() {
			c.Value += ", last seen " + st.LastSeen.UTC().Format(time.RFC3339)
		}
	default:
		c.Pass, c.Value = true, "enrolled and online"
	}
	return c
}

// deviceChecks gives one check per configured device of kind (named
// prefix:STREAM) and a summary item, which fails when there is none.
func deviceChecks(st fleet.RoomState, kind, summary, prefix string) []Check {
	var out []Check
	var bad []string
	for _, d := range st.Devices {
		if d.Kind != kind {
			continue
		}
		c := Check{Item: prefix + ":" + d.Stream, Pass: d.State == protocol.StateOK && st.Online, Value: d.State}
		if d.Reason != "" {
			c.Value += ": " + d.Reason
		}
		if !st.Online {
			c.Value = "box offline (last reported " + d.State + ")"
		}
		if !c.Pass {
			bad = append(bad, d.Stream)
		}
		out = append(out, c)
	}
	s := Check{Item: summary, Pass: len(out) > 0 && len(bad) == 0, Value: fmt.Sprintf("%d %s(s), all ok", len(out), prefix)}
	switch {
	case len(out) == 0:
		s.Value = "no " + prefix + " is configured on the room's box"
	case len(bad) > 0:
		s.Value = prefix + " not ok: " + strings.Join(bad, ", ")
	}
	return append([]Check{s}, out...)
}

func recordingCheck(ctx context.Context, rooms Rooms, roomID string, st fleet.RoomState, now time.Time) (Check, error) {
	c := Check{Item: ItemRecording}
	var bad, good []string
	for _, d := range st.Devices {
		seg, err := rooms.Latest(ctx, roomID, d.Stream)
		switch {
		case errors.Is(err, store.ErrNotFound):
			bad = append(bad, d.Stream+": nothing recorded at the hub")
		case err != nil:
			return c, fmt.Errorf("read the latest record of %s/%s: %w", roomID, d.Stream, err)
		case seg.GapReason != "":
			bad = append(bad, d.Stream+": the latest record is a gap ("+seg.GapReason+")")
		case !seg.Verified:
			bad = append(bad, d.Stream+": the latest record is not verified")
		case now.Sub(seg.End) > RecentRecording:
			bad = append(bad, fmt.Sprintf("%s: the latest record ended %s ago", d.Stream, now.Sub(seg.End).Round(time.Second)))
		default:
			good = append(good, d.Stream)
		}
	}
	c.Pass = len(bad) == 0 && len(good) > 0
	switch {
	case len(st.Devices) == 0:
		c.Value = "the box reports no device to record"
	case len(bad) > 0:
		c.Value = strings.Join(bad, "; ")
	default:
		c.Value = "verified records arriving from " + strings.Join(good, ", ")
	}
	return c, nil
}

// liveCheck: a regulator can open the live view when the room has a
// jurisdiction (whose regulators it is in scope of) and a camera is ok on
// an online box. The hub does not open a view itself in this check.
func liveCheck(rm store.Room, st fleet.RoomState) Check {
	c := Check{Item: ItemLive}
	var cams []string
	for _, d := range st.Devices {
		if d.Kind == protocol.KindVideo && d.State == protocol.StateOK {
			cams = append(cams, d.Stream)
		}
	}
	switch {
	case rm.Jurisdiction.Code == "":
		c.Value = "the room has no jurisdiction, so no regulator can open it: set one (PATCH /api/v1/rooms/{room})"
	case !st.Online || len(cams) == 0:
		c.Value = "no live camera on an online box"
	default:
		c.Pass = true
		c.Value = "regulators of " + rm.Jurisdiction.Code + " can open " + strings.Join(cams, ", ")
	}
	return c
}
