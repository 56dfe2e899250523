package bus

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/protocol"
)

// Limits bound what one box can make the embedded broker carry and keep.
// Zero fields take the defaults.
type Limits struct {
	// MessageSize bounds a status, health, telemetry, events or reply
	// message: the protocol's JSON bound, protocol.MaxMessageSize (64 KiB).
	MessageSize int
	// LiveSize bounds one live frame: protocol.MaxLiveFrameSize (4 MiB).
	LiveSize int
	// BytesPerSec and MsgsPerSec are a box's budget, refilled
	// continuously; BurstBytes and BurstMsgs how much of it can be saved
	// up. Defaults: 8 MiB/s, 1000 messages/s, bursts of twice that (and at
	// least two live frames). Live frames are refused once the budget is
	// spent; the small messages may overdraw it by one more burst, so that
	// a box flooding live frames still reports its status and health.
	BytesPerSec, BurstBytes int
	MsgsPerSec, BurstMsgs   int
}

func (l *Limits) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MessageSize, protocol.MaxMessageSize)
	def(&l.LiveSize, protocol.MaxLiveFrameSize)
	def(&l.BytesPerSec, 8<<20)
	def(&l.BurstBytes, max(2*l.BytesPerSec, 2*l.LiveSize))
	def(&l.MsgsPerSec, 1000)
	def(&l.BurstMsgs, 2*l.MsgsPerSec)
}

// MaxPacketSize is the largest MQTT packet the broker reads from anyone:
// a live frame with its topic and fixed header. A bigger one ends the
// sender's session.
func (l Limits) MaxPacketSize() int {
	l.defaults()
	return max(l.LiveSize, l.MessageSize) + 4096
}

// Reasons the broker refuses a box (Violation.Reason, and the reason label
// of evalroom_broker_refused_total).
const (
	ReasonClientID = "client_id" // connected with another room's client id
	ReasonWill     = "will"      // a last will other than its status
	ReasonRetained = "retained"  // a retained message outside its status
	ReasonSize     = "size"      // a message over its kind's bound
	ReasonStream   = "stream"    // live frames of a stream the room does not have
	ReasonBudget   = "budget"    // over its bytes or messages per second
	ReasonTopic    = "topic"     // a topic outside its room (the ACL)
)

// Violation is what the broker refused of a box, as told to
// AccessConfig.OnViolation.
type Violation struct {
	Room     string // the room whose certificate (or signed password) the client showed
	ClientID string
	Remote   string
	Reason   string // one of the Reason constants
	Topic    string // the topic or client id concerned
	Detail   string // in words
	// Count is how many refusals of this room and reason this report
	// stands for (the ones since the last report).
	Count int
}

// Identity reports whether v is about who a client claimed to be (another
// room's client id) rather than about what it sent.
func (v Violation) Identity() bool { return v.Reason == ReasonClientID }

// reportPolicy: an identity violation is told at once; a box must exceed
// its limits strikesToReport times within reportEvery to be told of. Either
// is told at most once per reportEvery per room and reason.
const (
	reportEvery     = time.Minute
	strikesToReport = 10
)

// budget is one box's token buckets.
type budget struct {
	bytes, msgs float64
	at          time.Time
}

// strikes counts one room's refusals of one reason.
type strikes struct {
	windowStart time.Time
	inWindow    int // refusals since windowStart
	unreported  int // refusals since the last report
	reported    time.Time
	logged      time.Time
}

type guard struct {
	lim Limits
	now func() time.Time

	mu       sync.Mutex
	budgets  map[string]*budget
	strikes  map[[2]string]*strikes
	refused  *prometheus.CounterVec
	accepted *prometheus.CounterVec
}

func newGuard(lim Limits, reg prometheus.Registerer) *guard {
	lim.defaults()
	g := &guard{
		lim: lim, now: time.Now, budgets: map[string]*budget{}, strikes: map[[2]string]*strikes{},
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "evalroom_broker_refused_total",
			Help: "What the embedded broker refused of a box, by room and reason (client_id, will, retained, size, stream, budget, topic).",
		}, []string{"room", "reason"}),
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "evalroom_broker_box_bytes_total",
			Help: "Payload bytes the embedded broker took from each room's box.",
		}, []string{"room"}),
	}
	if reg != nil {
		reg.MustRegister(g.refused, g.accepted)
	}
	return g
}

// check decides on one publish of a box; "" lets it through.
func (g *guard) check(room, kind string, size int, retained bool, hasStream func() bool) (reason, detail string) {
	bound := g.lim.MessageSize
	if kind == protocol.TopicLive {
		bound = g.lim.LiveSize
	}
	switch {
	case retained && kind != protocol.TopicStatus:
		return ReasonRetained, "retained message outside the room's status"
	case size > bound:
		return ReasonSize, fmt.Sprintf("%s message of %d bytes, at most %d", kind, size, bound)
	case kind == protocol.TopicLive && !hasStream():
		return ReasonStream, "live frames of a stream the room's box did not report in its health"
	}
	if !g.spend(room, size, kind != protocol.TopicLive) {
		return ReasonBudget, fmt.Sprintf("over the budget of %d bytes and %d messages a second", g.lim.BytesPerSec, g.lim.MsgsPerSec)
	}
	g.accepted.WithLabelValues(room).Add(float64(size))
	return "", ""
}

// spend takes size bytes and one message from room's budget. Small
// messages (overdraw) may go one burst below zero.
func (g *guard) spend(room string, size int, overdraw bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	b := g.budgets[room]
	if b == nil {
		b = &budget{bytes: float64(g.lim.BurstBytes), msgs: float64(g.lim.BurstMsgs), at: now}
		g.budgets[room] = b
	}
	dt := now.Sub(b.at).Seconds()
	b.at = now
	b.bytes = min(float64(g.lim.BurstBytes), b.bytes+dt*float64(g.lim.BytesPerSec))
	b.msgs = min(float64(g.lim.BurstMsgs), b.msgs+dt*float64(g.lim.MsgsPerSec))
	floorBytes, floorMsgs := 0.0, 0.0
	if overdraw {
		floorBytes, floorMsgs = -float64(g.lim.BurstBytes), -float64(g.lim.BurstMsgs)
	}
	if b.bytes-float64(size) < floorBytes || b.msgs-1 < floorMsgs {
		return false
	}
	b.bytes -= float64(size)
	b.msgs--
	return true
}

// strike counts a refusal and says whether to log it and whether (with
// how many refusals) to report it.
func (g *guard) strike(v Violation) (log bool, report int) {
	g.refused.WithLabelValues(v.Room, v.Reason).Inc()
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	k := [2]string{v.Room, v.Reason}
	s := g.strikes[k]
	if s == nil {
		s = &strikes{windowStart: now}
		g.strikes[k] = s
	}
	if now.Sub(s.windowStart) > reportEvery {
		s.windowStart, s.inWindow = now, 0
	}
	s.inWindow++
	s.unreported++
	if now.Sub(s.logged) >= 10*time.Second {
		s.logged, log = now, true
	}
	need := strikesToReport
	if v.Identity() {
		need = 1
	}
	if s.inWindow >= need && (s.reported.IsZero() || now.Sub(s.reported) >= reportEvery) {
		s.reported, report, s.unreported = now, s.unreported, 0
	}
	return log, report
}
