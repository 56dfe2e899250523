//go:build linux && cgo

package v4l2

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	vl "github.com/vladimirvivien/go4vl/v4l2"
	"golang.org/x/sys/unix"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol"
)

// Available reports whether this build has the V4L2 driver.
const Available = true

// bufferCount is how many capture buffers the camera fills in turn.
const bufferCount = 4

// Camera is a V4L2 camera; it implements devices.Camera and devices.Driver.
// Read is called from one goroutine at a time (concurrent calls are
// serialised); Info and Close may be called from any goroutine.
type Camera struct {
	cfg  Config
	done chan struct{}
	once sync.Once

	mu   sync.Mutex
	info devices.Info

	readMu   sync.Mutex // held for a whole Read; guards what follows
	st       *stream    // nil while the camera is closed or gone
	lost     error      // why the camera is gone, once it was reported
	lastSeen time.Time  // the last frame or stream start
}

var (
	_ devices.Camera = (*Camera)(nil)
	_ devices.Driver = (*Camera)(nil)
)

// New returns the camera cfg names, not yet opened: Init or the first Read
// opens it.
func New(cfg Config) *Camera {
	cfg = cfg.WithDefaults()
	return &Camera{
		cfg:  cfg,
		done: make(chan struct{}),
		info: devices.Info{
			Stream: cfg.Stream, Kind: protocol.KindVideo, Device: "v4l2:" + cfg.Path, Codec: protocol.CodecMJPEG,
			Width: cfg.Width, Height: cfg.Height, FPS: cfg.FPS,
		},
	}
}

// Info describes the camera; once it has been opened, with the size, rate
// and Mode it gave rather than those asked for.
func (c *Camera) Info() devices.Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// Init opens the camera: (true, nil) when it streams, (false, err wrapping
// devices.ErrAbsent) when it is not there, (true, err) when it is there
// but cannot be used.
func (c *Camera) Init(ctx context.Context) (bool, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.st != nil {
		return true, nil
	}
	err := c.open()
	if errors.Is(err, devices.ErrAbsent) {
		return false, err
	}
	return true, err
}

// Read returns the next picture as a JPEG, stamped with the time the
// driver captured it. A camera that goes away gives an error wrapping
// devices.ErrLost; later Reads look for it every Config.Retry and go on as
// soon as it is back. Read returns ctx.Err() when ctx ends and ErrClosed
// after Close.
func (c *Camera) Read(ctx context.Context) (devices.Frame, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	for {
		if err := c.stopped(ctx); err != nil {
			c.shut()
			return devices.Frame{}, err
		}
		if c.st == nil {
			if c.lost != nil {
				if err := c.sleep(ctx, c.cfg.Retry); err != nil {
					return devices.Frame{}, err
				}
			}
			if err := c.open(); err != nil {
				if c.lost != nil {
					return devices.Frame{}, fmt.Errorf("%w; looking for it again: %v", c.lost, err)
				}
				c.lost = err
				return devices.Frame{}, err
			}
			if c.lost != nil {
				c.cfg.Logger.Info("camera is back", "stream", c.cfg.Stream, "path", c.cfg.Path)
			}
			c.lost = nil
		}
		f, ok, err := c.next()
		if err != nil {
			c.shut()
			c.lost = fmt.Errorf("camera %s went away (%v): check its cable; recording resumes by itself when it is back: %w", c.cfg.Path, err, devices.ErrLost)
			c.cfg.Logger.Warn("camera lost", "stream", c.cfg.Stream, "path", c.cfg.Path, "err", err)
			return devices.Frame{}, c.lost
		}
		if ok {
			return f, nil
		}
	}
}

// Close stops the camera: a Read in progress and all later Reads return
// ErrClosed. Close is idempotent.
func (c *Camera) Close() error {
	c.once.Do(func() { close(c.done) })
	if c.readMu.TryLock() { // else the Read in progress closes the device
		c.shut()
		c.readMu.Unlock()
	}
	return nil
}

func (c *Camera) stopped(ctx context.Context) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
		return ctx.Err()
	}
}

func (c *Camera) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return ErrClosed
	case <-t.C:
		return nil
	}
}

// stream is an open, streaming capture node.
type stream struct {
	fd     uintptr
	bufs   [][]byte
	pix    vl.PixFormat
	enc    *yuyvEncoder // nil for MJPEG
	closed bool
}

// go4vl's buffer helpers take a StreamingDevice; streamDev is the least of
// one over an open node.
type streamDev struct {
	fd   uintptr
	n    uint32
	bufs [][]byte
}

func (d *streamDev) Name() string                        { return "" }
func (d *streamDev) Fd() uintptr                         { return d.fd }
func (d *streamDev) Capability() vl.Capability           { return vl.Capability{} }
func (d *streamDev) MemIOType() vl.IOType                { return vl.IOTypeMMAP }
func (d *streamDev) GetOutput() <-chan []byte            { return nil }
func (d *streamDev) SetInput(<-chan []byte)              {}
func (d *streamDev) Close() error                        { return nil }
func (d *streamDev) Buffers() [][]byte                   { return d.bufs }
func (d *streamDev) BufferType() vl.BufType              { return vl.BufTypeVideoCapture }
func (d *streamDev) BufferCount() uint32                 { return d.n }
func (d *streamDev) Start(context.Context) error         { return nil }
func (d *streamDev) Stop() error                         { return nil }
func (d *streamDev) set(fd uintptr, n uint32) *streamDev { d.fd, d.n = fd, n; return d }

// open opens the node, negotiates format, size and rate, maps the buffers
// and starts streaming.
func (c *Camera) open() (err error) {
	path := c.cfg.Path
	fd, err := vl.OpenDevice(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("camera %s is not there: check its cable and the path (`evalroom-edge devices` lists cameras): %w", path, devices.ErrAbsent)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("need more access to %s: add the user to group video or a udev rule: %w", path, err)
	case err != nil:
		return fmt.Errorf("open camera %s: %w", path, err)
	}
	st := &stream{fd: fd}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	capab, err := vl.GetCapability(fd)
	if err != nil {
		return fmt.Errorf("%s is not a V4L2 device (%v): name a camera's capture node", path, err)
	}
	if caps := capab.GetCapabilities(); caps&vl.CapVideoCapture == 0 || caps&vl.CapStreaming == 0 {
		return fmt.Errorf("%s (%s) is not a streaming capture node (a metadata or output node?): name the camera's capture node; `evalroom-edge devices` lists them", path, capab.Card)
	}
	descs, err := vl.GetAllFormatDescriptions(fd)
	if err != nil && len(descs) == 0 {
		return fmt.Errorf("list the formats of %s: %w", path, err)
	}
	var offered []uint32
	var names []string
	for _, d := range descs {
		offered = append(offered, d.PixelFormat)
		names = append(names, fourccString(d.PixelFormat))
	}
	fourcc, ok := pickFormat(offered)
	if !ok {
		return fmt.Errorf("%s (%s) offers %v; this driver takes MJPEG or YUYV: use another camera", path, capab.Card, names)
	}
	// The driver adjusts the size to the nearest it has (VIDIOC_S_FMT).
	if err := vl.SetPixFormat(fd, vl.PixFormat{Width: uint32(c.cfg.Width), Height: uint32(c.cfg.Height), PixelFormat: fourcc, Field: vl.FieldNone}); err != nil {
		return fmt.Errorf("set format %s %dx%d on %s: %w", fourccString(fourcc), c.cfg.Width, c.cfg.Height, path, err)
	}
	if st.pix, err = vl.GetPixFormat(fd); err != nil {
		return fmt.Errorf("read back the format of %s: %w", path, err)
	}
	if st.pix.PixelFormat != fourcc {
		return fmt.Errorf("%s took %s and gave %s: use another camera", path, fourccString(fourcc), fourccString(st.pix.PixelFormat))
	}
	// And the rate to the nearest it has (VIDIOC_S_PARM); vivid, for one,
	// gives only a few frames a second unless asked.
	fps := c.cfg.FPS
	if err := vl.SetStreamParam(fd, vl.BufTypeVideoCapture, vl.StreamParam{Capture: vl.CaptureParam{TimePerFrame: vl.Fract{Numerator: 1, Denominator: uint32(fps)}}}); err == nil {
		if p, err := vl.GetStreamParam(fd, vl.BufTypeVideoCapture); err == nil && p.Capture.TimePerFrame.Numerator > 0 {
			fps = int((p.Capture.TimePerFrame.Denominator + p.Capture.TimePerFrame.Numerator/2) / p.Capture.TimePerFrame.Numerator)
		}
	}
	w, h := int(st.pix.Width), int(st.pix.Height)
	if fourcc == fourccYUYV {
		st.enc = newYUYVEncoder(w, h, c.cfg.Quality)
	}
	dev := (&streamDev{}).set(fd, bufferCount)
	req, err := vl.InitBuffers(dev)
	if err != nil {
		return fmt.Errorf("request capture buffers of %s (is another program using the camera?): %w", path, err)
	}
	dev.n = req.Count
	if st.bufs, err = vl.MapMemoryBuffers(dev); err != nil {
		return fmt.Errorf("map capture buffers of %s: %w", path, err)
	}
	for i := range st.bufs {
		if _, err := vl.QueueBuffer(fd, vl.IOTypeMMAP, vl.BufTypeVideoCapture, uint32(i)); err != nil {
			return fmt.Errorf("queue capture buffer of %s: %w", path, err)
		}
	}
	if err := vl.StreamOn(dev); err != nil {
		return fmt.Errorf("start streaming from %s (is another program using the camera?): %w", path, err)
	}
	c.st = st
	c.lastSeen = time.Now()
	m := mode(fourcc, w, h, fps)
	c.mu.Lock()
	c.info.Width, c.info.Height, c.info.FPS, c.info.Mode = w, h, fps, m
	c.mu.Unlock()
	if len(names) > 6 {
		names = append(names[:6], fmt.Sprintf("and %d more", len(names)-6))
	}
	c.cfg.Logger.Info("camera streaming", "stream", c.cfg.Stream, "path", path, "card", capab.Card, "bus", capab.BusInfo,
		"mode", m, "asked", fmt.Sprintf("%dx%d at %d fps", c.cfg.Width, c.cfg.Height, c.cfg.FPS), "offered", strings.Join(names, " "))
	return nil
}

// next waits up to a short while for a frame: ok is false when none came
// yet; err means the camera is gone or stalled.
func (c *Camera) next() (devices.Frame, bool, error) {
	st := c.st
	fds := []unix.PollFd{{Fd: int32(st.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 200)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return devices.Frame{}, false, fmt.Errorf("poll: %w", err)
	}
	if n == 0 || errors.Is(err, unix.EINTR) {
		if _, err := os.Stat(c.cfg.Path); err != nil {
			return devices.Frame{}, false, fmt.Errorf("node gone: %w", err)
		}
		if since := time.Since(c.lastSeen); since > c.cfg.Stall {
			return devices.Frame{}, false, fmt.Errorf("no frame for %v", since.Round(time.Second))
		}
		return devices.Frame{}, false, nil
	}
	buf, err := vl.DequeueBuffer(st.fd, vl.IOTypeMMAP, vl.BufTypeVideoCapture)
	if errors.Is(err, unix.EAGAIN) {
		return devices.Frame{}, false, nil
	}
	if err != nil { // EINVAL or ENODEV once the device is unbound or unplugged
		return devices.Frame{}, false, fmt.Errorf("dequeue: %w", gone(err))
	}
	t := wallTime(buf)
	var data []byte
	var convErr error
	if int(buf.Index) < len(st.bufs) && buf.Flags&vl.BufFlagError == 0 && buf.BytesUsed > 0 {
		raw := st.bufs[buf.Index][:min(int(buf.BytesUsed), len(st.bufs[buf.Index]))]
		if st.enc != nil {
			data, convErr = st.enc.encode(raw, int(st.pix.BytesPerLine))
		} else {
			data = withHuffman(append([]byte(nil), raw...))
		}
	}
	if _, err := vl.QueueBuffer(st.fd, vl.IOTypeMMAP, vl.BufTypeVideoCapture, buf.Index); err != nil {
		return devices.Frame{}, false, fmt.Errorf("queue: %w", gone(err))
	}
	if data == nil {
		if convErr != nil {
			c.cfg.Logger.Warn("bad frame skipped", "stream", c.cfg.Stream, "err", convErr)
		}
		return devices.Frame{}, false, nil
	}
	c.lastSeen = time.Now()
	return devices.Frame{Data: data, Time: t}, true, nil
}

// gone says in words what go4vl's error classes mean while streaming
// (go4vl keeps the class, not the errno).
func gone(err error) error {
	switch {
	case errors.Is(err, vl.ErrorSystem):
		return fmt.Errorf("the device is gone (ENODEV or EIO): %w", err)
	case errors.Is(err, vl.ErrorBadArgument):
		return fmt.Errorf("the driver no longer takes its buffers (EINVAL, as when it is unbound): %w", err)
	}
	return err
}

// wallTime maps the driver's capture time to the wall clock: drivers
// stamp buffers with CLOCK_MONOTONIC, and the frame is as old as the
// monotonic clock is past that stamp.
func wallTime(buf vl.Buffer) time.Time {
	now := time.Now()
	if buf.Flags&vl.BufFlagTimestampMask != vl.BufFlagTimestampMonotonic {
		return now
	}
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
		return now
	}
	captured := time.Duration(buf.Timestamp.Sec)*time.Second + time.Duration(buf.Timestamp.Usec)*time.Microsecond
	age := time.Duration(ts.Nano()) - captured
	if age < 0 || age > 5*time.Second {
		return now
	}
	return now.Add(-age)
}

// shut stops streaming and closes the node, if open.
func (c *Camera) shut() {
	if c.st != nil {
		c.st.close()
		c.st = nil
	}
}

func (st *stream) close() {
	if st.closed {
		return
	}
	st.closed = true
	dev := (&streamDev{}).set(st.fd, uint32(len(st.bufs)))
	if len(st.bufs) > 0 {
		vl.StreamOff(dev) // fails once the device is gone; closing is what matters
		for _, b := range st.bufs {
			if b != nil {
				unix.Munmap(b)
			}
		}
	}
	vl.CloseDevice(st.fd)
}
