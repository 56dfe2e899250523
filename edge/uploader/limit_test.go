package uploader

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

func TestLimiterHoldsTheRate(t *testing.T) {
	l := newLimiter(1000) // bytes per second, burst of one second
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration
		n    int
		wait time.Duration
	}{
		{0, 1000, 0},                     // the burst
		{0, 500, 500 * time.Millisecond}, // over it: wait for 500 bytes
		{500 * time.Millisecond, 0, 0},   // the debt is paid
		{500 * time.Millisecond, 250, 250 * time.Millisecond},
		{10 * time.Second, 1000, 0}, // idle time refills, capped at the burst
		{10 * time.Second, 1, time.Millisecond},
	}
	for i, s := range steps {
		if got := l.reserve(t0.Add(s.at), s.n); got != s.wait {
			t.Fatalf("step %d: wait %v, want %v", i, got, s.wait)
		}
	}
}

func TestLimitedReaderPassesEveryByte(t *testing.T) {
	data := bytes.Repeat([]byte("evalroom"), 1000)
	l := newLimiter(1 << 30)
	got, err := io.ReadAll(l.reader(context.Background(), bytes.NewReader(data)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if r := newLimiter(0).reader(context.Background(), bytes.NewReader(data)); r == nil {
		t.Fatal("no reader without a cap")
	}
}
