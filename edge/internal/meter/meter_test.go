package meter

import (
	"testing"
	"time"
)

func TestMeterAveragesWholeSeconds(t *testing.T) {
	var m Meter
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 5 {
		m.Add(t0.Add(time.Duration(i)*time.Second), 1000)
	}
	if got := m.Rate(t0.Add(5 * time.Second)); got != 1000 {
		t.Fatalf("rate %v, want 1000", got)
	}
	if got := m.Rate(t0.Add(60 * time.Second)); got != 0 {
		t.Fatalf("rate after a minute idle %v, want 0", got)
	}
}
