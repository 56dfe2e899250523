// Package serialpad is the box's driver of an expert's signing pad on a
// serial line (USB CDC-ACM, /dev/ttyACM*, best by its stable name under
// /dev/serial/by-id). It speaks protocol/pad through plain termios and
// implements devices.SigningPad: it shows a document digest, collects the
// strokes, and checks the pad's own signature over them before it returns.
package serialpad

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol/pad"
)

// KindPad is the Info.Kind of a signing pad.
const KindPad = "pad"

// Options configure a Pad.
type Options struct {
	Stream string // the pad's name in the room, e.g. "pad1"
	Path   string // the serial line
	Logger *slog.Logger
	Now    func() time.Time // the box's wall clock; time.Now when nil
}

// Pad is a signing pad on a serial line. Its methods are safe for
// concurrent use; one signature is asked for at a time.
type Pad struct {
	opt Options
	log *slog.Logger
	mu  sync.Mutex
	f   *os.File
	r   *pad.Reader
	id  *pad.Identity
}

var _ devices.SigningPad = (*Pad)(nil)

// New returns the driver of the pad at opt.Path; it opens the line on the
// first Sign, and again after the pad was unplugged.
func New(opt Options) *Pad {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Pad{opt: opt, log: log.With("component", "serialpad", "stream", opt.Stream)}
}

// Info describes the pad.
func (p *Pad) Info() devices.Info {
	return devices.Info{Stream: p.opt.Stream, Kind: KindPad, Device: "serial:" + p.opt.Path}
}

// Close closes the line.
func (p *Pad) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closeLocked()
}

func (p *Pad) closeLocked() error {
	if p.f == nil {
		return nil
	}
	err := p.f.Close()
	p.f, p.r, p.id = nil, nil, nil
	return err
}

// Sign shows digest (SHA-256, 32 bytes) on the pad and waits until the
// signer signs (the pad's signature is checked before Sign returns), or
// refuses (devices.ErrRefused), or ctx ends (the pad is told to cancel).
// A pad that went away gives an error wrapping devices.ErrUnplugged; a
// damaged frame one wrapping pad.ErrCRC, after which the signer signs again.
func (p *Pad) Sign(ctx context.Context, digest []byte) (devices.PadSignature, error) {
	if len(digest) != pad.DigestSize {
		return devices.PadSignature{}, fmt.Errorf("pad %s: digest of %d bytes, want a SHA-256 of 32", p.opt.Stream, len(digest))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ready(ctx); err != nil {
		return devices.PadSignature{}, err
	}
	if err := p.send(pad.TypeShow, digest); err != nil {
		return devices.PadSignature{}, err
	}
	s, err := p.collect(ctx, digest)
	if err != nil && !errors.Is(err, devices.ErrUnplugged) && !errors.Is(err, devices.ErrRefused) {
		if cerr := p.send(pad.TypeCancel, nil); cerr != nil {
			p.log.Warn("pad not told to cancel", "err", cerr)
		}
	}
	return s, err
}

// ready opens the line and asks the pad who it is, once per plug.
func (p *Pad) ready(ctx context.Context) error {
	if p.f == nil {
		f, err := openTTY(p.opt.Path)
		if err != nil {
			return fmt.Errorf("%w: %w", devices.ErrAbsent, err)
		}
		p.f, p.r = f, pad.NewReader(f)
	}
	if p.id != nil {
		return nil
	}
	if err := p.send(pad.TypeHello, nil); err != nil {
		return err
	}
	for {
		f, err := p.next(ctx)
		if err != nil {
			return err
		}
		if f.Type == pad.TypeIdentity {
			id, _ := pad.ParseIdentity(f.Payload) // checked by the reader
			p.id = &id
			p.log.Info("pad found", "serial", id.Serial, "firmware", id.Firmware)
			return nil
		}
	}
}
