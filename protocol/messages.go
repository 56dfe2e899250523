package protocol

import "time"

// Stream kinds.
const (
	KindVideo = "video"
	KindAudio = "audio"
)

// Device states, after periph's driver registry: a device is loaded (ok),
// skipped because it is not there (absent) or failed.
const (
	StateOK     = "ok"
	StateAbsent = "absent"
	StateFailed = "failed"
)

// Status is the retained presence of a box. The box publishes Online=true on
// connect; its last will publishes Online=false.
type Status struct {
	V       int       `json:"v"`
	Room    string    `json:"room"`
	Online  bool      `json:"online"`
	Time    time.Time `json:"time"`
	Version string    `json:"version,omitempty"` // agent build
	// Features names what this agent build offers beyond protocol
	// Version 1 (FeatureLiveSub, …), so the hub and the page ask a box
	// only for what it can do: a box of an older build sends none.
	Features []string `json:"features,omitempty"`
}

// Features an agent build may offer.
const (
	FeatureLiveSub = "live.sub" // a camera's sub-stream (RenditionSub)
)

// AgentFeatures is what this build's agent offers; its status says so.
var AgentFeatures = []string{FeatureLiveSub}

// maxFeatures bounds the list a status may carry.
const maxFeatures = 32

func (m *Status) version() int { return m.V }

// Validate implements Message.
func (m *Status) Validate() error {
	if err := checkID("room", m.Room); err != nil {
		return err
	}
	if len(m.Features) > maxFeatures {
		return invalid("status names %d features, at most %d", len(m.Features), maxFeatures)
	}
	for _, f := range m.Features {
		if f == "" || len(f) > 64 {
			return invalid("status feature %q: a feature is a name of 1 to 64 bytes", f)
		}
	}
	return nil
}

// Offers reports whether the box's status names feature f.
func (m *Status) Offers(f string) bool {
	for _, x := range m.Features {
		if x == f {
			return true
		}
	}
	return false
}

// DeviceState is one device's state as the box's registry sees it.
type DeviceState struct {
	Stream  string   `json:"stream"`
	Kind    string   `json:"kind"`
	Device  string   `json:"device"`           // driver and path, e.g. "v4l2:/dev/video0"
	Mode    string   `json:"mode,omitempty"`   // what a real device negotiated, e.g. "YUYV 640x480 at 25 fps, JPEG made on the box"
	State   string   `json:"state"`            // StateOK, StateAbsent or StateFailed
	Reason  string   `json:"reason,omitempty"` // why absent or failed, for a person
	Quality *Quality `json:"quality,omitempty"`
}

// Signal conditions a box detects in what a device captures; they appear
// in Quality, in segment headers (Flags) and as events.
const (
	SignalBlack    = "black"    // camera picture black
	SignalFrozen   = "frozen"   // camera picture not changing
	SignalSilent   = "silent"   // microphone silent
	SignalClipping = "clipping" // microphone clipping
)

// ValidSignal reports whether s is a known signal condition.
func ValidSignal(s string) bool {
	switch s {
	case SignalBlack, SignalFrozen, SignalSilent, SignalClipping:
		return true
	}
	return false
}

// Quality is what the box measured of one device's signal recently.
type Quality struct {
	FPS      float64  `json:"fps,omitempty"`       // video: frames per second over the last seconds
	Width    int      `json:"width,omitempty"`     // video
	Height   int      `json:"height,omitempty"`    // video
	Luma     float64  `json:"luma,omitempty"`      // video: mean luma 0-255 of the last sampled picture
	RMSdBFS  float64  `json:"rms_dbfs,omitempty"`  // audio: RMS level over the last second, dBFS (floor -120)
	PeakdBFS float64  `json:"peak_dbfs,omitempty"` // audio: peak level over the last second, dBFS
	Errors   int64    `json:"errors,omitempty"`    // capture errors since the agent started
	Signals  []string `json:"signals,omitempty"`   // conditions holding now, e.g. ["black"]
}

func (q *Quality) validate(stream string) error {
	if q.FPS < 0 || q.FPS > 1000 || q.Width < 0 || q.Height < 0 || q.Luma < 0 || q.Luma > 255 ||
		q.RMSdBFS < -120 || q.RMSdBFS > 0 || q.PeakdBFS < -120 || q.PeakdBFS > 0 || q.Errors < 0 || len(q.Signals) > 4 {
		return invalid("stream %s: quality figures out of range", stream)
	}
	for _, s := range q.Signals {
		if !ValidSignal(s) {
			return invalid("stream %s: signal %q", stream, s)
		}
	}
	return nil
}

// Health carries the state of every device of a room.
type Health struct {
	V       int           `json:"v"`
	Room    string        `json:"room"`
	Time    time.Time     `json:"time"`
	Devices []DeviceState `json:"devices"`
}

func (m *Health) version() int { return m.V }

// MaxDevices bounds the device list of one room.
const MaxDevices = 64

// Validate implements Message.
func (m *Health) Validate() error {
	if err := checkID("room", m.Room); err != nil {
		return err
	}
	if len(m.Devices) > MaxDevices {
		return invalid("%d devices, at most %d", len(m.Devices), MaxDevices)
	}
	for _, d := range m.Devices {
		if err := checkID("stream", d.Stream); err != nil {
			return err
		}
		if d.Kind != KindVideo && d.Kind != KindAudio {
			return invalid("stream %s: kind %q", d.Stream, d.Kind)
		}
		switch d.State {
		case StateOK, StateAbsent, StateFailed:
		default:
			return invalid("stream %s: state %q", d.Stream, d.State)
		}
		if len(d.Device) > 256 || len(d.Reason) > 1024 {
			return invalid("stream %s: device or reason too long", d.Stream)
		}
		if d.Quality != nil {
			if err := d.Quality.validate(d.Stream); err != nil {
				return err
			}
		}
	}
	return nil
}

// Telemetry carries the figures that tell whether recordings are getting out.
type Telemetry struct {
	V                   int       `json:"v"`
	Room                string    `json:"room"`
	Time                time.Time `json:"time"`
	SpoolBytes          int64     `json:"spool_bytes"`
	SpoolSegments       int64     `json:"spool_segments"`
	OldestUnsentSeconds float64   `json:"oldest_unsent_seconds"`
	DiskFreeBytes       int64     `json:"disk_free_bytes"`
	UploadBytesPerSec   float64   `json:"upload_bytes_per_sec"`
	RecordBytesPerSec   float64   `json:"record_bytes_per_sec,omitempty"` // how fast recording fills the spool
	EvictedSegments     int64     `json:"evicted_segments"`
	Session             string    `json:"session,omitempty"` // procurement session in progress
}

func (m *Telemetry) version() int { return m.V }

// Validate implements Message.
func (m *Telemetry) Validate() error {
	if err := checkID("room", m.Room); err != nil {
		return err
	}
	if m.SpoolBytes < 0 || m.SpoolSegments < 0 || m.OldestUnsentSeconds < 0 || m.UploadBytesPerSec < 0 || m.RecordBytesPerSec < 0 || m.EvictedSegments < 0 {
		return invalid("telemetry has a negative figure")
	}
	if m.Session != "" {
		return checkID("session", m.Session)
	}
	return nil
}

// Event kinds.
const (
	EventDeviceLost    = "device_lost"
	EventDeviceBack    = "device_back"
	EventSpoolEviction = "spool_eviction"
	EventClockJump     = "clock_jump"
	EventAgentStarted  = "agent_started"
	EventUploadRefused = "upload_refused"
	EventLiveStarted   = "live_started"
	EventLiveStopped   = "live_stopped"
	EventSignalOn      = "signal_on"  // a signal condition started; Detail names it
	EventSignalOff     = "signal_off" // a signal condition ended; Detail names it
)

var eventKinds = map[string]bool{
	EventDeviceLost: true, EventDeviceBack: true, EventSpoolEviction: true, EventClockJump: true,
	EventAgentStarted: true, EventUploadRefused: true, EventLiveStarted: true, EventLiveStopped: true,
	EventSignalOn: true, EventSignalOff: true,
}

// Event is something that happened on the box, worth a line in a log.
type Event struct {
	V      int       `json:"v"`
	Room   string    `json:"room"`
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Stream string    `json:"stream,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

func (m *Event) version() int { return m.V }

// Validate implements Message.
func (m *Event) Validate() error {
	if err := checkID("room", m.Room); err != nil {
		return err
	}
	if !eventKinds[m.Kind] {
		return invalid("event kind %q", m.Kind)
	}
	if m.Stream != "" {
		if err := checkID("stream", m.Stream); err != nil {
			return err
		}
	}
	if len(m.Detail) > 4096 {
		return invalid("event detail too long")
	}
	return nil
}

// Command kinds.
const (
	CmdLive    = "live"    // start or stop live frames of one stream
	CmdPing    = "ping"    // answer with the box's clock, for the offset
	CmdSession = "session" // a procurement session starts (Session set) or ends (empty)
)

// MaxLiveLease bounds how long one live command keeps a stream live; the hub
// renews the lease while somebody watches, so a hub that dies stops the
// stream by itself.
const MaxLiveLease = 5 * time.Minute

// Command is sent from the hub to one box.
type Command struct {
	V      int    `json:"v"`
	ID     string `json:"id"`
	Room   string `json:"room"`
	Kind   string `json:"kind"`
	Stream string `json:"stream,omitempty"`
	// Rendition of a live command: RenditionMain or RenditionSub; each
	// rendition of a stream has a lease of its own.
	Rendition string    `json:"rendition,omitempty"`
	On        bool      `json:"on,omitempty"`
	Lease     Duration  `json:"lease,omitempty"`
	Session   string    `json:"session,omitempty"`
	Sent      time.Time `json:"sent"`
}

func (m *Command) version() int { return m.V }

// Validate implements Message.
func (m *Command) Validate() error {
	if m.ID == "" || len(m.ID) > 64 {
		return invalid("command id must be 1-64 bytes")
	}
	if err := checkID("room", m.Room); err != nil {
		return err
	}
	if m.Rendition != "" && m.Kind != CmdLive {
		return invalid("a %s command has no rendition", m.Kind)
	}
	switch m.Kind {
	case CmdLive:
		if err := checkID("stream", m.Stream); err != nil {
			return err
		}
		if m.On && (m.Lease <= 0 || time.Duration(m.Lease) > MaxLiveLease) {
			return invalid("live lease %v outside (0, %v]", time.Duration(m.Lease), MaxLiveLease)
		}
		if !ValidRendition(m.Rendition) {
			return invalid("live rendition %q: use \"\" (main) or %q", m.Rendition, RenditionSub)
		}
	case CmdPing:
	case CmdSession:
		if m.Session != "" {
			return checkID("session", m.Session)
		}
	default:
		return invalid("command kind %q", m.Kind)
	}
	return nil
}

// Reply answers one Command.
type Reply struct {
	V       int       `json:"v"`
	ID      string    `json:"id"`
	Room    string    `json:"room"`
	OK      bool      `json:"ok"`
	Error   string    `json:"error,omitempty"`
	BoxTime time.Time `json:"box_time"`
}

func (m *Reply) version() int { return m.V }

// Validate implements Message.
func (m *Reply) Validate() error {
	if m.ID == "" || len(m.ID) > 64 {
		return invalid("reply id must be 1-64 bytes")
	}
	if len(m.Error) > 1024 {
		return invalid("reply error too long")
	}
	return checkID("room", m.Room)
}

// Duration is a time.Duration that travels as a Go duration string ("30s").
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return invalid("duration must be a string such as \"30s\"")
	}
	v, err := time.ParseDuration(string(b[1 : len(b)-1]))
	if err != nil {
		return invalid("duration: %v", err)
	}
	*d = Duration(v)
	return nil
}
