// Package alsa is the microphone driver for Linux's ALSA: a
// devices.Microphone that captures 16-bit mono PCM at the configured rate
// from a named ALSA device (hw:1,0, plughw:CARD=USB,DEV=0, or a card's name
// such as "USB" or "Loopback,1"), counts overruns and hands them to the
// recorder as gaps, reports a device that went away as failed with the
// reason and records again by itself when it is back.
//
// The driver reads the kernel's PCM device (/dev/snd/pcmC*D*c) with
// ioctls, in Go: no cgo, no libasound, the same on amd64 and arm64. hw:
// takes the card's 16-bit mono at the rate as it is; plughw: and a card's
// name take what the card gives (16, 24 or 32 bits, any channels, the
// nearest rate) and convert it on the box. On another system the API is
// the same and every microphone is absent.
package alsa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// Config says which microphone to open and how to read it.
type Config struct {
	Stream string // stream id in the room, e.g. "mic1"
	// Device is the ALSA name: hw:1,0 or plughw:1,0 (plughw converts what
	// the card gives), hw:CARD=USB,DEV=0, or a card's name from
	// /proc/asound/cards such as "USB" or "Loopback,1" (taken as
	// plughw:CARD=USB,DEV=0), which survives renumbering. ALSA's
	// plugins and sound servers (default, dsnoop, pulse) are not used.
	Device     string
	SampleRate int           // samples a second, mono, 16 bit; default 16000
	Chunk      time.Duration // sound per Read; default 100 ms
	// Retry is how often a microphone that went away is looked for;
	// default 1 s.
	Retry time.Duration
	// Stall is how long an open microphone may give no sound before it is
	// taken for lost and reopened; default 5 s.
	Stall time.Duration
	// Jump is how far the sound may fall behind the box's clock before the
	// difference is counted as lost (an overrun ALSA did not report);
	// default 1 s, above the device's buffer.
	Jump time.Duration
	// MaxBuffer is how much sound waits for Read before the oldest is
	// dropped and counted as an overrun; default 10 s.
	MaxBuffer time.Duration
	Logger    *slog.Logger
}

// WithDefaults fills in what Config leaves out.
func (c Config) WithDefaults() Config {
	if c.SampleRate <= 0 {
		c.SampleRate = 16000
	}
	if c.Chunk <= 0 {
		c.Chunk = 100 * time.Millisecond
	}
	if c.Retry <= 0 {
		c.Retry = time.Second
	}
	if c.Stall <= 0 {
		c.Stall = 5 * time.Second
	}
	if c.Jump <= 0 {
		c.Jump = time.Second
	}
	if c.MaxBuffer <= 0 {
		c.MaxBuffer = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("alsa: microphone closed")

// backend opens a capture device; the real one is miniaudio's, tests use
// a fake. open delivers sound to s until the returned capture is closed.
type backend interface {
	open(pcm string, rate int, s *sink) (capture, error)
}

// capture is an open, running capture device.
type capture interface {
	// running is false once the device stopped by itself.
	running() bool
	// mode says what the device gives, for a person.
	mode() string
	close()
}

// Mic is an ALSA microphone; it implements devices.Microphone and
// devices.Driver. Read is called from one goroutine at a time (concurrent
// calls are serialised); Info, Overruns and Close from any goroutine.
type Mic struct {
	cfg        Config
	pcm        string
	be         backend
	now        func() time.Time
	chunkBytes int
	maxBytes   int
	done       chan struct{}
	once       sync.Once
	wake       chan struct{}

	mu       sync.Mutex
	info     devices.Info
	q        []piece // sound and overruns in order, for Read
	queued   int     // bytes of sound in q
	overruns int64

	readMu sync.Mutex // held for a whole Read; guards what follows
	cap    capture    // nil while the microphone is closed or gone
	sink   *sink
	lost   error // why the microphone is gone, once it was reported
}

// piece is sound captured from t on, or an overrun.
type piece struct {
	data []byte
	t    time.Time
	ov   *devices.Overrun
}

var (
	_ devices.Microphone = (*Mic)(nil)
	_ devices.Driver     = (*Mic)(nil)
)

// New returns the microphone cfg names, not yet opened: Init or the first
// Read opens it.
func New(cfg Config) *Mic { return newMic(cfg, defaultBackend{}, time.Now) }

func newMic(cfg Config, be backend, now func() time.Time) *Mic {
	cfg = cfg.WithDefaults()
	pcm := cfg.Device
	m := &Mic{
		cfg: cfg, pcm: pcm, be: be, now: now,
		chunkBytes: 2 * max(1, int(int64(cfg.SampleRate)*int64(cfg.Chunk)/int64(time.Second))),
		maxBytes:   2 * int(int64(cfg.SampleRate)*int64(cfg.MaxBuffer)/int64(time.Second)),
		done:       make(chan struct{}),
		wake:       make(chan struct{}, 1),
		info: devices.Info{
			Stream: cfg.Stream, Kind: protocol.KindAudio, Device: "alsa:" + cfg.Device, Codec: protocol.CodecPCM,
			SampleRate: cfg.SampleRate,
		},
	}
	return m
}

// Info describes the microphone; once opened, with its Mode.
func (m *Mic) Info() devices.Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.info
}

// Overruns is how many times sound was lost since the microphone was
// made (ALSA overruns, and sound Read did not take in time).
func (m *Mic) Overruns() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.overruns
}

// Init opens the microphone: (true, nil) when it captures, (false, err
// wrapping devices.ErrAbsent) when it is not there, (true, err) when it is
// there but cannot be used.
func (m *Mic) Init(context.Context) (bool, error) {
	m.readMu.Lock()
	defer m.readMu.Unlock()
	if m.cap != nil {
		return true, nil
	}
	err := m.open()
	if errors.Is(err, devices.ErrAbsent) {
		return false, err
	}
	return true, err
}

// Read returns the next chunk of sound, stamped with the time its first
// sample was captured. Sound that was lost (an overrun) gives a
// *devices.Overrun, after the sound before it. A microphone that goes
// away gives an error wrapping devices.ErrLost; later Reads look for it
// every Config.Retry and go on as soon as it is back. Read returns
// ctx.Err() when ctx ends and ErrClosed after Close.
func (m *Mic) Read(ctx context.Context) (devices.Frame, error) {
	m.readMu.Lock()
	defer m.readMu.Unlock()
	if err := m.stopped(ctx); err != nil {
		m.shut()
		return devices.Frame{}, err
	}
	if m.cap == nil {
		if m.lost != nil {
			if err := m.sleep(ctx, m.cfg.Retry); err != nil {
				return devices.Frame{}, err
			}
		}
		if err := m.open(); err != nil {
			if m.lost != nil {
				return devices.Frame{}, fmt.Errorf("%w; looking for it again: %v", m.lost, err)
			}
			m.lost = err
			return devices.Frame{}, err
		}
		if m.lost != nil {
			m.cfg.Logger.Info("microphone is back", "stream", m.cfg.Stream, "device", m.pcm)
		}
		m.lost = nil
	}
	f, err := m.next(ctx)
	if errors.Is(err, errGone) {
		m.shut()
		m.lost = fmt.Errorf("microphone %s went away (%v): check its cable; recording resumes by itself when it is back: %w", m.pcm, err, devices.ErrLost)
		m.cfg.Logger.Warn("microphone lost", "stream", m.cfg.Stream, "device", m.pcm, "err", err)
		return devices.Frame{}, m.lost
	}
	if errors.Is(err, ErrClosed) {
		m.shut()
	}
	return f, err
}

// errGone marks why an open microphone is taken for gone.
var errGone = errors.New("no more sound")

// next waits for a chunk, an overrun, or the device's end.
func (m *Mic) next(ctx context.Context) (devices.Frame, error) {
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	for {
		m.mu.Lock()
		gone := m.sink.err
		if gone == nil && !m.cap.running() {
			gone = errors.New("the device stopped")
		}
		if gone == nil && m.now().Sub(m.sink.last) > m.cfg.Stall {
			gone = fmt.Errorf("no sound for %v", m.cfg.Stall)
		}
		f, err, ok := m.take(gone != nil)
		m.mu.Unlock()
		if ok {
			return f, err
		}
		if gone != nil {
			return devices.Frame{}, fmt.Errorf("%w: %v", errGone, gone)
		}
		select {
		case <-ctx.Done():
			return devices.Frame{}, ctx.Err()
		case <-m.done:
			return devices.Frame{}, ErrClosed
		case <-m.wake:
		case <-poll.C:
		}
	}
}

// take returns the next chunk of sound or overrun in the queue; a chunk is
// shorter than Config.Chunk only before an overrun or when flush is set.
// The caller holds mu.
func (m *Mic) take(flush bool) (devices.Frame, error, bool) {
	if len(m.q) == 0 {
		return devices.Frame{}, nil, false
	}
	if ov := m.q[0].ov; ov != nil {
		m.q = m.q[1:]
		return devices.Frame{}, ov, true
	}
	n, marker := 0, false
	for _, p := range m.q {
		if p.ov != nil {
			marker = true
			break
		}
		n += len(p.data)
	}
	want := m.chunkBytes
	if n < want {
		if !marker && !flush {
			return devices.Frame{}, nil, false
		}
		want = n
	}
	out := make([]byte, 0, want)
	t := m.q[0].t
	for len(out) < want {
		p := &m.q[0]
		k := min(want-len(out), len(p.data))
		out = append(out, p.data[:k]...)
		p.data = p.data[k:]
		p.t = p.t.Add(m.duration(k / 2))
		if len(p.data) == 0 {
			m.q = m.q[1:]
		}
	}
	m.queued -= want
	return devices.Frame{Data: out, Time: t}, nil, true
}

func (m *Mic) duration(samples int) time.Duration {
	return time.Duration(int64(samples) * int64(time.Second) / int64(m.cfg.SampleRate))
}

// Close stops the microphone: a Read in progress and all later Reads
// return ErrClosed. Close is idempotent.
func (m *Mic) Close() error {
	m.once.Do(func() { close(m.done) })
	if m.readMu.TryLock() { // else the Read in progress closes the device
		m.shut()
		m.readMu.Unlock()
	}
	return nil
}

func (m *Mic) stopped(ctx context.Context) error {
	select {
	case <-m.done:
		return ErrClosed
	default:
		return ctx.Err()
	}
}

func (m *Mic) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-m.done:
		return ErrClosed
	case <-t.C:
		return nil
	}
}

// open opens the device and starts capturing. The caller holds readMu.
func (m *Mic) open() error {
	s := &sink{m: m, last: m.now()}
	c, err := m.be.open(m.pcm, m.cfg.SampleRate, s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.cap, m.sink = c, s
	m.q, m.queued = nil, 0
	m.info.Mode = fmt.Sprintf("16-bit mono at %d Hz from %s", m.cfg.SampleRate, c.mode())
	m.mu.Unlock()
	m.cfg.Logger.Info("microphone open", "stream", m.cfg.Stream, "device", m.pcm, "rate", m.cfg.SampleRate)
	return nil
}

// shut closes the device, if open; sound not yet read is dropped. The
// caller holds readMu.
func (m *Mic) shut() {
	if m.cap == nil {
		return
	}
	m.mu.Lock()
	m.sink.closed = true
	c := m.cap
	m.cap = nil
	m.mu.Unlock()
	c.close()
}

// sink receives what one open device captures, from the backend's thread.
// Its fields are guarded by the Mic's mu.
type sink struct {
	m       *Mic
	closed  bool      // the Mic closed this device: ignore it
	err     error     // the device stopped by itself
	last    time.Time // when it last gave sound (or was opened)
	anchor  time.Time // capture time of the sample counted from
	samples int64     // samples since anchor
	epipe   bool      // the backend reported an overrun
}

// data takes sound the device captured, ending about now.
func (s *sink) data(pcm []byte) {
	m := s.m
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.closed || len(pcm) < 2 {
		return
	}
	pcm = pcm[:len(pcm)&^1]
	start := now.Add(-m.duration(len(pcm) / 2))
	if s.anchor.IsZero() {
		s.anchor = start
	}
	// Each chunk is stamped from the count of samples since the anchor, so
	// the chunks follow each other exactly; the anchor follows the box's
	// clock slowly (the device's clock drifts), and a sudden lag past Jump
	// or an overrun the backend reported is sound lost.
	expected := s.anchor.Add(m.duration(int(s.samples)))
	drift := start.Sub(expected)
	if s.epipe || drift > m.cfg.Jump {
		end := start
		if end.Before(expected) {
			end = expected
		}
		m.lose(expected, end, fmt.Sprintf("ALSA %s gave %v less sound than the clock says passed (overrun): the box did not read it in time; if this repeats, the box is short of CPU", m.pcm, end.Sub(expected).Round(time.Millisecond)))
		s.anchor, s.samples, s.epipe = end, 0, false
		expected = end
	} else {
		s.anchor = s.anchor.Add(drift / 64)
		expected = expected.Add(drift / 64)
	}
	if m.queued+len(pcm) > m.maxBytes {
		// Read has not taken sound for MaxBuffer: drop what waits, as an
		// overrun, rather than grow without bound.
		var from time.Time
		var kept []piece
		for _, p := range m.q {
			if p.ov != nil {
				kept = append(kept, p)
			} else if from.IsZero() {
				from = p.t
			}
		}
		m.q, m.queued = kept, 0
		if !from.IsZero() {
			m.lose(from, expected, fmt.Sprintf("the box did not take sound from ALSA %s for %v and dropped it: the recorder is stuck (disk?)", m.pcm, m.cfg.MaxBuffer))
		}
	}
	m.q = append(m.q, piece{data: bytes.Clone(pcm), t: expected})
	m.queued += len(pcm)
	s.samples += int64(len(pcm) / 2)
	s.last = now
	m.signal()
}

// lose queues an overrun. The caller holds mu.
func (m *Mic) lose(from, to time.Time, detail string) {
	m.overruns++
	m.q = append(m.q, piece{ov: &devices.Overrun{Start: from, End: to, Count: m.overruns, Detail: detail}})
}

func (m *Mic) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// overrun notes that the backend lost sound; the next data says how much.
func (s *sink) overrun() {
	s.m.mu.Lock()
	if !s.closed {
		s.epipe = true
	}
	s.m.mu.Unlock()
}

// stopped notes that the device stopped by itself.
func (s *sink) stopped(why error) {
	s.m.mu.Lock()
	if !s.closed && s.err == nil {
		s.err = why
	}
	s.m.mu.Unlock()
	s.m.signal()
}
