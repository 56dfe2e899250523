package alerts

import (
	"fmt"
	"testing"
	"time"
)

// The detail sentences the conditions write are read back into codes the
// page translates.
func TestDetailCode(t *testing.T) {
	seen := time.Date(2026, 12, 6, 4, 50, 23, 0, time.UTC)
	code, at, _ := detailCode(RoomOffline, "last seen "+seen.Format(time.RFC3339))
	if code != "last_seen" || at == nil || !at.Equal(seen) {
		t.Fatalf("last seen: %q %v", code, at)
	}
	if code, _, _ := detailCode(RoomOffline, "never seen"); code != "never_seen" {
		t.Fatalf("never seen: %q", code)
	}
	if code, _, _ := detailCode(DeviceAbsent, "sim:camera/cam2: device unplugged"); code != "device_reason" {
		t.Fatalf("device: %q", code)
	}
	code, _, args := detailCode(SpoolBacklog, fmt.Sprintf("oldest unsent segment is %s old, %d bytes waiting", 90*time.Second, 1234))
	if code != "backlog" || args["age_s"] != 90 || args["bytes"] != 1234 {
		t.Fatalf("backlog: %q %v", code, args)
	}
	code, _, args = detailCode(DiskLow, fmt.Sprintf("disk lasts %.1f days of recording", 2.5))
	if code != "disk_days" || args["days"] != 2.5 {
		t.Fatalf("disk: %q %v", code, args)
	}
	code, _, args = detailCode(ClockOffset, fmt.Sprintf("box clock is off by %s", (1500*time.Millisecond).Round(time.Millisecond)))
	if code != "clock_offset" || args["seconds"] != 1.5 {
		t.Fatalf("clock: %q %v", code, args)
	}
	if code, _, _ := detailCode(ChainBreak, "something else"); code != "" {
		t.Fatalf("unknown: %q", code)
	}
}
