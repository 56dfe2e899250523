package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"
)

// stopwatch times a measured section and counts the bytes this process
// sent to storage meanwhile (write_bytes of /proc/self/io), which shows
// write amplification next to the bytes the section was asked to store.
type stopwatch struct {
	start time.Time
	disk  int64
}

func startStopwatch() stopwatch { return stopwatch{start: time.Now(), disk: diskWritten()} }

// sample ends the section now.
func (w stopwatch) sample(count, bytes int64) Sample {
	return w.sampleAt(time.Now(), count, bytes)
}

func (w stopwatch) sampleAt(end time.Time, count, bytes int64) Sample {
	s := Sample{Elapsed: end.Sub(w.start), Count: count, Bytes: bytes}
	if d := diskWritten(); d >= 0 && w.disk >= 0 {
		s.DiskWrite = d - w.disk
	}
	return s
}

// diskWritten returns write_bytes of this process, or -1 when the kernel
// does not say.
func diskWritten() int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "write_bytes:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}
