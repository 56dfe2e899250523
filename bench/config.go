// Package bench measures evalroom's storage, upload and status paths
// against raw baselines on the same machine in the same run, and reports
// the ratios next to the targets (issue: spool ≥ 0.8, upload ≥ 0.7,
// status ingest ≥ 0.5). It also measures the live path: the delay from
// capture to a decoded frame through the hub next to bare relays, and the
// hub process's CPU and memory per watched stream next to the idle hub.
package bench

import (
	"fmt"
	"slices"
	"time"
)

// Experiment names, as --only takes them.
const (
	ExpSpool  = "spool"
	ExpUpload = "upload"
	ExpStatus = "status"
	ExpLive   = "live"    // live delay, capture to decoded frame
	ExpCost   = "hubcost" // hub CPU and memory per watched live stream
	ExpWall   = "wall"    // hub egress and box upload per wall tile, sub-stream against full
	ExpSubCPU = "subcpu"  // the box's CPU per sub-stream it makes
)

var experiments = []string{ExpSpool, ExpUpload, ExpStatus, ExpLive, ExpCost, ExpWall, ExpSubCPU}

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
	// UploadStore, when set, adds a drain into a hub that keeps recordings
	// in this object store (the hub's --store; credentials from
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), against pack files.
	UploadStore string `json:"upload_store,omitempty"`

	Rooms       int `json:"rooms"`         // MQTT publishers, one per simulated room
	MsgsPerRoom int `json:"msgs_per_room"` // health and telemetry, alternating
	Window      int `json:"window"`        // QoS 1 publishes in flight per publisher

	// Live: simulated cameras as the demo runs them.
	LiveWidth  int `json:"live_width"`
	LiveHeight int `json:"live_height"`
	LiveFPS    int `json:"live_fps"`
	// LiveStreams cameras of one room are watched at once in the delay
	// measurement, each for LiveFrames frames after a few warm-up ones.
	LiveStreams int `json:"live_streams"`
	LiveFrames  int `json:"live_frames"`

	// CostRooms boxes of two cameras each stay connected to the hub
	// process; CostWatched are the numbers of streams watched, one variant
	// each, next to the idle hub (none watched); CostWindow is how long
	// each is measured.
	CostRooms   int           `json:"cost_rooms"`
	CostWatched []int         `json:"cost_watched"`
	CostWindow  time.Duration `json:"cost_window_ns"`

	// HubBin is the evalroom-hub binary the live measurements run; ""
	// builds it (go build) once per run.
	HubBin string `json:"hub_bin,omitempty"`
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
		LiveWidth:      640,
		LiveHeight:     360,
		LiveFPS:        10,
		LiveStreams:    2,
		LiveFrames:     20,
		CostRooms:      8,
		CostWatched:    []int{4, 16},
		CostWindow:     time.Second,
	}
}

// Quick is a smoke run: same shape, a fraction of the work, one round.
func Quick() Config {
	c := Defaults()
	c.Rounds = 1
	c.SpoolPerStream = 30
	c.UploadSegments = 120
	c.MsgsPerRoom = 200
	c.LiveFrames = 10
	c.CostWindow = 500 * time.Millisecond
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
		if !slices.Contains(experiments, o) {
			return fmt.Errorf("unknown measurement %q: use one of %v", o, experiments)
		}
	}
	return c.validateLive()
}

// validateLive checks the live settings if a live measurement is wanted.
func (c Config) validateLive() error {
	if !c.wants(ExpLive) && !c.wants(ExpCost) && !c.wants(ExpWall) && !c.wants(ExpSubCPU) {
		return nil
	}
	switch {
	case c.LiveWidth < 16 || c.LiveHeight < 16 || c.LiveFPS < 1 || c.LiveFPS > 60:
		return fmt.Errorf("live: camera %dx%d at %d fps: need at least 16x16 and 1 to 60 fps", c.LiveWidth, c.LiveHeight, c.LiveFPS)
	case c.wants(ExpLive) && (c.LiveStreams < 1 || c.LiveFrames < 1):
		return fmt.Errorf("live: need at least 1 stream and 1 frame")
	case (c.wants(ExpCost) || c.wants(ExpWall) || c.wants(ExpSubCPU)) && (c.CostRooms < 1 || c.CostWindow < 100*time.Millisecond):
		return fmt.Errorf("hubcost, wall, subcpu: need at least 1 room and a window of 100 ms")
	}
	if !c.wants(ExpCost) {
		return nil
	}
	for _, k := range c.CostWatched {
		if k < 1 || k > 2*c.CostRooms {
			return fmt.Errorf("hubcost: %d watched streams: need 1 to %d (2 per room)", k, 2*c.CostRooms)
		}
	}
	return nil
}

func (c Config) wants(name string) bool { return len(c.Only) == 0 || slices.Contains(c.Only, name) }
