// Package bench measures evalroom's storage, upload and status paths
// against raw baselines on the same machine in the same run, and reports
// the ratios next to the targets (issue: spool ≥ 0.8, upload ≥ 0.7,
// status ingest ≥ 0.5).
package bench

import (
	"fmt"
	"slices"
)

// Experiment names, as --only takes them.
const (
	ExpSpool  = "spool"
	ExpUpload = "upload"
	ExpStatus = "status"
)

// Config sizes the measurements. Each measurement is bounded by work, not
// time, so that real and baseline do exactly the same work.
type Config struct {
	TempDir string   `json:"temp_dir"` // parent of every temp dir; "" = os.TempDir()
	Rounds  int      `json:"rounds"`   // runs of each variant, interleaved; the median is reported
	Only    []string `json:"only,omitempty"`

	PayloadBytes int `json:"payload_bytes"` // media payload of one segment

	SpoolStreams   int `json:"spool_streams"`    // concurrent appending streams
	SpoolPerStream int `json:"spool_per_stream"` // segments each stream appends

	UploadStreams  int `json:"upload_streams"`  // streams of the one room in the spool
	UploadSegments int `json:"upload_segments"` // segments pre-filled and drained
	UploadWorkers  int `json:"upload_workers"`

	Rooms       int `json:"rooms"`         // MQTT publishers, one per simulated room
	MsgsPerRoom int `json:"msgs_per_room"` // health and telemetry, alternating
	Window      int `json:"window"`        // QoS 1 publishes in flight per publisher
}

// Defaults is the full run: a few seconds per measurement.
func Defaults() Config {
	return Config{
		Rounds:         3,
		PayloadBytes:   256 << 10,
		SpoolStreams:   6,
		SpoolPerStream: 150,
		UploadStreams:  3,
		UploadSegments: 600,
		UploadWorkers:  4,
		Rooms:          50,
		MsgsPerRoom:    1000,
		Window:         100,
	}
}

// Quick is a smoke run: same shape, a fraction of the work, one round.
func Quick() Config {
	c := Defaults()
	c.Rounds = 1
	c.SpoolPerStream = 30
	c.UploadSegments = 120
	c.MsgsPerRoom = 200
	return c
}

// Validate reports the first unusable setting.
func (c Config) Validate() error {
	switch {
	case c.Rounds < 1:
		return fmt.Errorf("rounds %d: need at least 1", c.Rounds)
	case c.PayloadBytes < 1024:
		return fmt.Errorf("payload %d bytes: need at least 1 KiB", c.PayloadBytes)
	case c.SpoolStreams < 1 || c.SpoolPerStream < 1:
		return fmt.Errorf("spool: need at least 1 stream and 1 segment each")
	case c.UploadStreams < 1 || c.UploadSegments < c.UploadStreams || c.UploadWorkers < 1:
		return fmt.Errorf("upload: need at least 1 stream, 1 segment per stream and 1 worker")
	case c.Rooms < 1 || c.MsgsPerRoom < 1 || c.Window < 1:
		return fmt.Errorf("status: need at least 1 room, 1 message and a window of 1")
	}
	for _, o := range c.Only {
		if !slices.Contains([]string{ExpSpool, ExpUpload, ExpStatus}, o) {
			return fmt.Errorf("unknown measurement %q: use %s, %s or %s", o, ExpSpool, ExpUpload, ExpStatus)
		}
	}
	return nil
}

func (c Config) wants(name string) bool { return len(c.Only) == 0 || slices.Contains(c.Only, name) }
