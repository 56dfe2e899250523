package api

import (
	"testing"
	"time"
)

func TestPlaybackAuditOncePerWindowAndForgets(t *testing.T) {
	var p playbackLog
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if !p.due("regulator@10.0.0.1 room-1/cam1", t0) {
		t.Fatal("first playback not audited")
	}
	if p.due("regulator@10.0.0.1 room-1/cam1", t0.Add(time.Minute)) {
		t.Fatal("second segment within the window audited again")
	}
	if !p.due("regulator@10.0.0.1 room-1/cam2", t0.Add(time.Minute)) {
		t.Fatal("another stream not audited")
	}
	if !p.due("regulator@10.0.0.1 room-1/cam1", t0.Add(6*time.Minute)) {
		t.Fatal("playback after the window not audited")
	}
	if len(p.seen) != 1 {
		t.Fatalf("%d entries kept, want only the fresh one", len(p.seen))
	}
}
