// Package pad simulates an expert's signing pad: the real firmware core
// (firmware/) behind a pseudo-terminal, so the box's driver is tested over
// a real tty. A script of strokes stands in for the pen, and faults stand
// in for what goes wrong in a room: unplug, line noise, a damaged frame, a
// refusal and a slow signer.
package pad

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/evalroom/evalroom/devices/serialpad"
	"github.com/evalroom/evalroom/firmware"
	"github.com/evalroom/evalroom/protocol/pad"
)

// Faults the simulated pad shows.
type Faults struct {
	Garbage  bool // line noise before every frame
	WrongCRC bool // the signature frame's CRC is wrong
	Refuse   bool // the signer presses "refuse" after the strokes
	Slow     bool // the signer does not start until Release
}

// Options configure a Sim.
type Options struct {
	Seed    [32]byte      // the pad's key seed
	Strokes [][]pad.Point // what the signer writes (times are set by the pad)
	Faults  Faults
	Serial  string // default "SIM-PAD-1"
}

// Sim is a running simulated pad.
type Sim struct {
	master, slave *os.File
	fw            *firmware.Pad
	port          *port
	pen           *pen
	cancel        context.CancelFunc
	done          chan struct{}
	capturing     atomic.Bool
	unplug        sync.Once
}

// Start opens a pseudo-terminal and runs the firmware behind it until ctx
// ends, Unplug or Close.
func Start(ctx context.Context, opt Options) (*Sim, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open a pseudo-terminal: %w (is /dev/ptmx there?)", err)
	}
	if master, err = pollable(master); err != nil {
		slave.Close()
		return nil, err
	}
	if err := serialpad.MakeRaw(int(slave.Fd())); err != nil {
		master.Close()
		slave.Close()
		return nil, fmt.Errorf("make the pseudo-terminal raw: %w", err)
	}
	if opt.Serial == "" {
		opt.Serial = "SIM-PAD-1"
	}
	s := &Sim{master: master, slave: slave, done: make(chan struct{})}
	s.port = newPort(master, opt.Faults)
	s.pen = newPen(opt.Strokes, opt.Faults, s.port.wake)
	s.fw, err = firmware.New(firmware.Hardware{Port: s.port, Digitiser: s.pen, Display: display{}, Keys: keys(opt.Seed),
		Clock: &ticks{}, Firmware: "sim-1.0.0", Serial: opt.Serial})
	if err != nil {
		return nil, err
	}
	ctx, s.cancel = context.WithCancel(ctx)
	go s.port.readLoop()
	go s.loop(ctx)
	return s, nil
}

// Path is the tty the box opens.
func (s *Sim) Path() string { return s.slave.Name() }

// PublicKey is the pad's public key.
func (s *Sim) PublicKey() [pad.PublicKeySize]byte { return s.fw.PublicKey() }

// Capturing reports whether the pad shows a digest and takes strokes.
func (s *Sim) Capturing() bool { return s.capturing.Load() }

// Release lets a slow signer start writing.
func (s *Sim) Release() { s.pen.release() }

// Unplug pulls the cable: the tty goes away under the box.
func (s *Sim) Unplug() {
	s.unplug.Do(func() {
		s.cancel()
		<-s.done
		s.master.Close()
		s.slave.Close()
	})
}

// Close stops the pad; it is Unplug.
func (s *Sim) Close() error { s.Unplug(); return nil }

func (s *Sim) loop(ctx context.Context) {
	defer close(s.done)
	for ctx.Err() == nil {
		did := s.fw.Step()
		s.capturing.Store(s.fw.Capturing())
		if did {
			continue
		}
		select {
		case <-ctx.Done():
		case <-s.port.wake:
		}
	}
}

// pollable gives the master side in non-blocking mode, so that Close
// interrupts the reader at once and the box sees the line hang up.
func pollable(f *os.File) (*os.File, error) {
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("dup the pseudo-terminal: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pseudo-terminal non-blocking: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), nil
}
