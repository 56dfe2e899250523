package live

import (
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

type pubFunc func(stream string, frame []byte)

func (f pubFunc) PublishLive(stream string, frame []byte) { f(stream, frame) }

func TestLeaseStartsAndExpires(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var got []string
	l := New("room-1", pubFunc(func(stream string, frame []byte) {
		h, _, err := protocol.DecodeLive(frame)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Stream)
	}))
	l.now = func() time.Time { return now }
	known := func(s string) bool { return s == "cam1" }
	info := devices.Info{Stream: "cam1", Codec: protocol.CodecMJPEG}
	frame := devices.Frame{Data: []byte("jpeg"), Time: now}

	l.Frame(info, 0, frame)
	if len(got) != 0 {
		t.Fatal("published without a lease")
	}
	if err := l.Command(protocol.Command{Kind: protocol.CmdLive, Stream: "cam9", On: true, Lease: protocol.Duration(time.Minute)}, known); err == nil {
		t.Fatal("lease on an unknown stream accepted")
	}
	l.Command(protocol.Command{Kind: protocol.CmdLive, Stream: "cam1", On: true, Lease: protocol.Duration(30 * time.Second)}, known)
	l.Frame(info, 1, frame)
	now = now.Add(31 * time.Second)
	l.Frame(info, 2, frame)
	if len(got) != 1 {
		t.Fatalf("published %d frames, want 1 (the lease ran out)", len(got))
	}
	l.Command(protocol.Command{Kind: protocol.CmdLive, Stream: "cam1", On: true, Lease: protocol.Duration(30 * time.Second)}, known)
	l.Command(protocol.Command{Kind: protocol.CmdLive, Stream: "cam1", On: false}, known)
	l.Frame(info, 3, frame)
	if len(got) != 1 {
		t.Fatal("published after live off")
	}
}
