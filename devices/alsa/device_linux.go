//go:build linux

package alsa

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/evalroom/evalroom/devices"
)

// Available reports whether this build has the ALSA driver.
const Available = true

// The kernel's PCM interface (include/uapi/sound/asound.h).
const (
	paramAccess     = 0
	paramFormat     = 1
	paramChannels   = 10
	paramRate       = 11
	paramPeriodSize = 13
	paramBufferSize = 17
	firstInterval   = 8

	accessRWInterleaved = 3
)

type interval struct {
	min, max uint32
	flags    uint32 // openmin, openmax, integer, empty: bits 0-3
}

type hwParams struct {
	flags     uint32
	masks     [3][8]uint32
	mres      [5][8]uint32
	intervals [12]interval
	ires      [9]interval
	rmask     uint32
	cmask     uint32
	info      uint32
	msbits    uint32
	rateNum   uint32
	rateDen   uint32
	fifoSize  uintptr
	reserved  [64]byte
}

type xferi struct {
	result uintptr // snd_pcm_sframes_t
	buf    unsafe.Pointer
	frames uintptr
}

func ioc(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | 'A'<<8 | nr }

var (
	ioctlHWRefine = ioc(3, 0x10, unsafe.Sizeof(hwParams{}))
	ioctlHWParams = ioc(3, 0x11, unsafe.Sizeof(hwParams{}))
	ioctlPrepare  = ioc(0, 0x40, 0)
	ioctlStart    = ioc(0, 0x42, 0)
	ioctlDrop     = ioc(0, 0x43, 0)
	ioctlWriteI   = ioc(1, 0x50, unsafe.Sizeof(xferi{}))
	ioctlReadI    = ioc(2, 0x51, unsafe.Sizeof(xferi{}))
)

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}

// anyParams is every configuration, for the kernel to narrow.
func anyParams() *hwParams {
	p := &hwParams{rmask: ^uint32(0), info: ^uint32(0)}
	for i := range p.masks {
		for j := range p.masks[i] {
			p.masks[i][j] = ^uint32(0)
		}
	}
	for i := range p.intervals {
		p.intervals[i] = interval{max: ^uint32(0)}
	}
	return p
}

func (p *hwParams) iv(param int) *interval { return &p.intervals[param-firstInterval] }

func (p *hwParams) setInterval(param int, lo, hi uint32) {
	*p.iv(param) = interval{min: lo, max: hi, flags: 1 << 2}
	p.rmask = ^uint32(0)
}

func (p *hwParams) hasBit(param, bit int) bool { return p.masks[param][bit/32]&(1<<(bit%32)) != 0 }

func (p *hwParams) setBit(param, bit int) {
	p.masks[param] = [8]uint32{}
	p.masks[param][bit/32] = 1 << (bit % 32)
	p.rmask = ^uint32(0)
}

// try narrows p with change if the device takes it; p is unchanged if not.
func try(fd int, p *hwParams, change func(*hwParams)) bool {
	q := *p
	change(&q)
	if err := ioctl(fd, ioctlHWRefine, unsafe.Pointer(&q)); err != nil {
		return false
	}
	*p = q
	return true
}

// pcm is an open, configured PCM device node.
type pcm struct {
	fd               int
	path             string
	format, channels int
	rate             int
	period           int // frames
}

func (p *pcm) frameBytes() int { return sampleBytes(p.format) * p.channels }

// openPCM opens and configures a card's device for capture or playback:
// 16-bit mono at rate, or (plug) the nearest the card gives.
func openPCM(name string, rate int, capture bool) (*pcm, error) {
	n, err := parseName(name)
	if err != nil {
		return nil, err
	}
	card, err := cardIndex("/proc/asound", n.card)
	if err != nil {
		return nil, fmt.Errorf("microphone %s is not there (%v): check its cable and the name: %w", name, err, devices.ErrAbsent)
	}
	dir := "p"
	if capture {
		dir = "c"
	}
	path := fmt.Sprintf("/dev/snd/pcmC%dD%d%s", card, n.dev, dir)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		return nil, fmt.Errorf("%s (%s) is not there: check the cable and the name (`evalroom-edge devices` lists microphones): %w", name, path, devices.ErrAbsent)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return nil, fmt.Errorf("need more access to %s (%s): add the user to group audio or a udev rule: %w", name, path, err)
	case errors.Is(err, unix.EBUSY):
		return nil, fmt.Errorf("%s (%s) is busy: another program records from it (arecord, pulseaudio?): stop it: %w", name, path, err)
	case err != nil:
		return nil, fmt.Errorf("open %s (%s): %w", name, path, err)
	}
	p := &pcm{fd: fd, path: path}
	if err := p.configure(name, n.plug, rate); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return p, nil
}

func (p *pcm) configure(name string, plug bool, rate int) error {
	hw := anyParams()
	if err := ioctl(p.fd, ioctlHWRefine, unsafe.Pointer(hw)); err != nil {
		return fmt.Errorf("%s (%s) is not a PCM device (%v): name a capture device", name, p.path, err)
	}
	if !try(p.fd, hw, func(q *hwParams) { q.setBit(paramAccess, accessRWInterleaved) }) {
		return fmt.Errorf("%s (%s) cannot be read interleaved: use another device", name, p.path)
	}
	p.format = -1
	for _, f := range []int{formatS16LE, formatS32LE, formatS24LE} {
		if (plug || f == formatS16LE) && hw.hasBit(paramFormat, f) && try(p.fd, hw, func(q *hwParams) { q.setBit(paramFormat, f) }) {
			p.format = f
			break
		}
	}
	if p.format < 0 {
		if !plug {
			return fmt.Errorf("%s does not give 16-bit samples: use plughw:%s, which converts", name, name[len("hw:"):])
		}
		return fmt.Errorf("%s gives no 16, 24 or 32-bit samples: use another device", name)
	}
	ch := hw.iv(paramChannels)
	p.channels = int(max(1, ch.min))
	if !plug && p.channels != 1 {
		return fmt.Errorf("%s records at least %d channels, not mono: use plughw:%s, which mixes them", name, p.channels, name[len("hw:"):])
	}
	if !try(p.fd, hw, func(q *hwParams) { q.setInterval(paramChannels, uint32(p.channels), uint32(p.channels)) }) {
		return fmt.Errorf("%s refuses %d channels", name, p.channels)
	}
	r := hw.iv(paramRate)
	lo, hi := r.min, r.max
	p.rate = 0
	cands := []int{rate}
	if plug { // the rate itself, then a whole multiple, then the usual ones
		for k := 2; k <= 12; k++ {
			cands = append(cands, k*rate)
		}
		cands = append(cands, 48000, 44100, 32000, 96000, 22050, 16000, 8000, int(lo), int(hi))
	}
	for _, c := range cands {
		if c > 0 && uint32(c) >= lo && uint32(c) <= hi && try(p.fd, hw, func(q *hwParams) { q.setInterval(paramRate, uint32(c), uint32(c)) }) {
			p.rate = c
			break
		}
	}
	if p.rate == 0 {
		if !plug {
			return fmt.Errorf("%s does not record at %d Hz (it offers %d-%d Hz): use plughw:%s, which converts, or sample_rate it has", name, rate, lo, hi, name[len("hw:"):])
		}
		return fmt.Errorf("%s offers no rate the box can use (%d-%d Hz)", name, lo, hi)
	}
	// Periods of 50-200 ms, a buffer of 0.5-2 s where the card allows:
	// few wake-ups, and room for the box to be late.
	try(p.fd, hw, func(q *hwParams) { q.setInterval(paramPeriodSize, uint32(p.rate/20), uint32(p.rate/5)) })
	try(p.fd, hw, func(q *hwParams) { q.setInterval(paramBufferSize, uint32(p.rate/2), uint32(2*p.rate)) })
	if err := ioctl(p.fd, ioctlHWParams, unsafe.Pointer(hw)); err != nil {
		return fmt.Errorf("configure %s (%s) as %s, %d channels at %d Hz: %w", name, p.path, formatName(p.format), p.channels, p.rate, err)
	}
	p.period = int(max(hw.iv(paramPeriodSize).min, uint32(p.rate/20)))
	if err := ioctl(p.fd, ioctlPrepare, nil); err != nil {
		return fmt.Errorf("prepare %s: %w", name, err)
	}
	return nil
}

// xfer reads (or writes) up to len(buf) bytes of whole frames; it returns
// the frames moved.
func (p *pcm) xfer(req uintptr, buf []byte) (int, error) {
	x := xferi{buf: unsafe.Pointer(&buf[0]), frames: uintptr(len(buf) / p.frameBytes())}
	err := ioctl(p.fd, req, unsafe.Pointer(&x))
	runtime.KeepAlive(buf)
	if err != nil {
		return 0, err
	}
	return int(x.result), nil
}

// restart brings the device back to running after an overrun or underrun.
func (p *pcm) restart(capture bool) error {
	if err := ioctl(p.fd, ioctlPrepare, nil); err != nil {
		return err
	}
	if capture {
		return ioctl(p.fd, ioctlStart, nil)
	}
	return nil
}

func (p *pcm) close() {
	ioctl(p.fd, ioctlDrop, nil)
	unix.Close(p.fd)
}

// wait waits up to d for the device to be ready (in is capture).
func (p *pcm) wait(in bool, d time.Duration) error {
	ev := int16(unix.POLLOUT)
	if in {
		ev = unix.POLLIN
	}
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: ev}}
	_, err := unix.Poll(fds, int(d/time.Millisecond))
	if errors.Is(err, unix.EINTR) {
		return nil
	}
	return err
}

// defaultBackend reads the kernel's PCM device directly.
type defaultBackend struct{}

// kcapture is a running capture: a goroutine reads the device and hands
// the sink what it read, converted.
type kcapture struct {
	p     *pcm
	conv  *converter
	stop  chan struct{}
	done  chan struct{}
	alive atomic.Bool
	once  sync.Once
	desc  string
}

func (defaultBackend) open(name string, rate int, s *sink) (capture, error) {
	p, err := openPCM(name, rate, true)
	if err != nil {
		return nil, err
	}
	if err := ioctl(p.fd, ioctlStart, nil); err != nil {
		p.close()
		return nil, fmt.Errorf("start capture on %s: %w", name, err)
	}
	c := &kcapture{p: p, conv: newConverter(p.format, p.channels, p.rate, rate), stop: make(chan struct{}), done: make(chan struct{})}
	c.desc = fmt.Sprintf("%s: %s, %d channel(s) at %d Hz", p.path, formatName(p.format), p.channels, p.rate)
	if !c.conv.identity() {
		c.desc += ", converted on the box"
	}
	c.alive.Store(true)
	go c.loop(s)
	return c, nil
}

func (c *kcapture) running() bool { return c.alive.Load() }
func (c *kcapture) mode() string  { return c.desc }

func (c *kcapture) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	c.p.close()
}

func (c *kcapture) loop(s *sink) {
	defer close(c.done)
	defer c.alive.Store(false)
	buf := make([]byte, 4*c.p.period*c.p.frameBytes())
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		if err := c.p.wait(true, 200*time.Millisecond); err != nil {
			s.stopped(fmt.Errorf("poll %s: %w", c.p.path, err))
			return
		}
		n, err := c.p.xfer(ioctlReadI, buf)
		switch {
		case err == nil:
			if n > 0 {
				s.data(c.conv.convert(buf[:n*c.p.frameBytes()]))
			}
		case errors.Is(err, unix.EAGAIN):
		case errors.Is(err, unix.EPIPE), errors.Is(err, unix.ESTRPIPE): // overrun, or the box was suspended
			s.overrun()
			if err := c.p.restart(true); err != nil {
				s.stopped(fmt.Errorf("restart %s after an overrun: %w", c.p.path, err))
				return
			}
		default: // ENODEV once the card is gone
			s.stopped(fmt.Errorf("read %s: %w", c.p.path, err))
			return
		}
	}
}

// Playback plays 16-bit mono sound into a device: the tests' tone player
// uses it to feed a loopback card that the driver records from.
type Playback struct{ p *pcm }

// OpenPlayback opens a playback device (same names as a microphone) for
// 16-bit mono at rate; the card must take that as it is.
func OpenPlayback(name string, rate int) (*Playback, error) {
	p, err := openPCM(name, rate, false)
	if err != nil {
		return nil, err
	}
	if p.format != formatS16LE || p.channels != 1 || p.rate != rate {
		p.close()
		return nil, fmt.Errorf("%s does not play 16-bit mono at %d Hz", name, rate)
	}
	return &Playback{p: p}, nil
}

// Write plays pcm (16-bit little-endian mono), waiting while the device's
// buffer is full; an underrun is recovered from.
func (pb *Playback) Write(pcm []byte) error {
	for len(pcm) >= 2 {
		if err := pb.p.wait(false, time.Second); err != nil {
			return err
		}
		n, err := pb.p.xfer(ioctlWriteI, pcm)
		switch {
		case err == nil:
			pcm = pcm[2*n:]
		case errors.Is(err, unix.EAGAIN):
		case errors.Is(err, unix.EPIPE):
			if err := pb.p.restart(false); err != nil {
				return err
			}
		default:
			return fmt.Errorf("play into %s: %w", pb.p.path, err)
		}
	}
	return nil
}

// Close stops playing.
func (pb *Playback) Close() error {
	pb.p.close()
	return nil
}
