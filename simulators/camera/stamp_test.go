package camera_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/simulators/camera"
)

func realFrame(tb testing.TB) []byte {
	tb.Helper()
	cfg := camera.Config{Room: "r1", Stream: "cam1", Width: 32, Height: 16}
	f, err := camera.New(cfg, nil).Read(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return f.Data
}

// replaceStamp swaps the stamp text in a frame for text of the same length.
func replaceStamp(t *testing.T, frame []byte, old, repl string) []byte {
	t.Helper()
	if len(old) != len(repl) || !bytes.Contains(frame, []byte(old)) {
		t.Fatalf("cannot replace %q with %q", old, repl)
	}
	return bytes.Replace(frame, []byte(old), []byte(repl), 1)
}

func TestReadStampRejects(t *testing.T) {
	frame := realFrame(t)
	s, err := camera.ReadStamp(frame)
	if err != nil {
		t.Fatal(err)
	}
	cut := 6 + len(s.String()) // SOI, COM marker and length, text
	noStamp := append([]byte{0xFF, 0xD8}, frame[cut:]...)
	tests := map[string][]byte{
		"empty":          nil,
		"no SOI":         frame[2:],
		"no stamp":       noStamp,
		"truncated":      frame[:cut-1],
		"bad length":     append([]byte{0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x01}, frame[2:]...),
		"garbage":        append([]byte{0xFF, 0xD8, 0x12}, frame[2:]...),
		"version":        replaceStamp(t, frame, "stamp v1 ", "stamp v2 "),
		"leading zero":   replaceStamp(t, frame, "cam1 frame=1 ", "cam frame=01 "),
		"bad room":       replaceStamp(t, frame, "room=r1", "room=R1"),
		"fields swapped": replaceStamp(t, frame, "room=r1 stream=cam1", "stream=r1 room=cam1"),
	}
	for name, b := range tests {
		if _, err := camera.ReadStamp(b); !errors.Is(err, camera.ErrNoStamp) {
			t.Errorf("%s: ReadStamp = %v, want ErrNoStamp", name, err)
		}
	}
	// Fill bytes before a marker are allowed.
	padded := append([]byte{0xFF, 0xD8, 0xFF}, frame[2:]...)
	if got, err := camera.ReadStamp(padded); err != nil || got.Frame != s.Frame {
		t.Errorf("fill byte: %+v, %v", got, err)
	}
}

func TestStampString(t *testing.T) {
	s := camera.Stamp{Room: "r1", Stream: "cam1", Frame: 42, Time: time.Unix(0, 1795000000123456789)}
	want := "evalroom-stamp v1 room=r1 stream=cam1 frame=42 t=1795000000123456789"
	if s.String() != want {
		t.Fatalf("String() = %q, want %q", s.String(), want)
	}
}

func FuzzReadStamp(f *testing.F) {
	frame := realFrame(f)
	f.Add(frame)
	f.Add(frame[:40])
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x02, 0xFF, 0xDA})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := camera.ReadStamp(b)
		if err != nil {
			if !errors.Is(err, camera.ErrNoStamp) {
				t.Fatalf("error does not wrap ErrNoStamp: %v", err)
			}
			return
		}
		text := s.String()
		if !bytes.Contains(b, []byte(text)) || strings.Count(text, " ") != 5 {
			t.Fatalf("stamp %q is not what the input holds", text)
		}
	})
}
