package pad_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/devices/serialpad"
	"github.com/evalroom/evalroom/protocol/pad"
	"github.com/evalroom/evalroom/protocol/prototest"
	simpad "github.com/evalroom/evalroom/simulators/pad"
)

func start(t *testing.T, f simpad.Faults) (*simpad.Sim, *serialpad.Pad) {
	t.Helper()
	var seed [32]byte
	copy(seed[:], prototest.PadKey.Seed())
	sim, err := simpad.Start(t.Context(), simpad.Options{Seed: seed, Strokes: prototest.PadStrokes, Faults: f})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	drv := serialpad.New(serialpad.Options{Stream: "pad1", Path: sim.Path(), Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { drv.Close() })
	return sim, drv
}

func checkSigned(t *testing.T, s devices.PadSignature, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if err := pad.Verify(s.PublicKey, s.Digest, s.Strokes, s.Signature); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if !bytes.Equal(s.PublicKey, prototest.PadKey.Public().(ed25519.PublicKey)) {
		t.Fatal("signed with another key than the pad's")
	}
	got, _ := pad.DecodeStrokes(s.Strokes)
	if len(got) != len(prototest.PadStrokes) || got[0][1].X != prototest.PadStrokes[0][1].X {
		t.Fatalf("strokes %v", got)
	}
}

func TestSignOverPTY(t *testing.T) {
	_, drv := start(t, simpad.Faults{})
	for range 2 {
		s, err := drv.Sign(t.Context(), prototest.PadDigest[:])
		checkSigned(t, s, err)
	}
}

func TestGarbageOnTheLine(t *testing.T) {
	_, drv := start(t, simpad.Faults{Garbage: true})
	for range 3 {
		s, err := drv.Sign(t.Context(), prototest.PadDigest[:])
		checkSigned(t, s, err)
	}
}

func TestWrongCRC(t *testing.T) {
	_, drv := start(t, simpad.Faults{WrongCRC: true})
	if _, err := drv.Sign(t.Context(), prototest.PadDigest[:]); !errors.Is(err, pad.ErrCRC) {
		t.Fatalf("Sign: %v, want ErrCRC", err)
	}
}

func TestRefused(t *testing.T) {
	_, drv := start(t, simpad.Faults{Refuse: true})
	if _, err := drv.Sign(t.Context(), prototest.PadDigest[:]); !errors.Is(err, devices.ErrRefused) {
		t.Fatalf("Sign: %v, want ErrRefused", err)
	}
}

func TestSlowSignerCancelledThenSigns(t *testing.T) {
	sim, drv := start(t, simpad.Faults{Slow: true})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		waitFor(t, sim.Capturing, true)
		cancel()
	}()
	if _, err := drv.Sign(ctx, prototest.PadDigest[:]); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sign: %v, want context.Canceled", err)
	}
	waitFor(t, sim.Capturing, false) // the box told the pad to cancel
	sim.Release()
	s, err := drv.Sign(t.Context(), prototest.PadDigest[:])
	checkSigned(t, s, err)
}

func TestUnplugWhileSigning(t *testing.T) {
	sim, drv := start(t, simpad.Faults{Slow: true})
	go func() {
		waitFor(t, sim.Capturing, true)
		sim.Unplug()
	}()
	if _, err := drv.Sign(t.Context(), prototest.PadDigest[:]); !errors.Is(err, devices.ErrUnplugged) {
		t.Fatalf("Sign: %v, want ErrUnplugged", err)
	}
	if _, err := drv.Sign(t.Context(), prototest.PadDigest[:]); !errors.Is(err, devices.ErrAbsent) {
		t.Fatalf("Sign after unplug: %v, want ErrAbsent", err)
	}
}

// waitFor polls cond until it is want, within a generous deadline.
func waitFor(t *testing.T, cond func() bool, want bool) {
	deadline := time.Now().Add(10 * time.Second)
	for cond() != want {
		if time.Now().After(deadline) {
			t.Errorf("condition not %v within 10s", want)
			return
		}
		time.Sleep(time.Millisecond)
	}
}
