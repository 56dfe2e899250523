package serialpad

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol/pad"
)

func (p *Pad) send(t pad.Type, payload []byte) error {
	b, err := pad.AppendFrame(nil, t, payload)
	if err != nil {
		return err
	}
	if _, err := p.f.Write(b); err != nil {
		return p.lineError(err)
	}
	return nil
}

// next reads one frame, giving up when ctx ends.
func (p *Pad) next(ctx context.Context) (pad.Frame, error) {
	f := p.f
	f.SetReadDeadline(time.Time{}) // a cancelled call before may have left one
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	fr, err := p.r.Next()
	if err == nil {
		return fr, nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil {
		return fr, fmt.Errorf("pad %s: %w", p.opt.Stream, ctx.Err())
	}
	if errors.Is(err, pad.ErrCRC) || errors.Is(err, pad.ErrInvalid) {
		return fr, fmt.Errorf("pad %s: %w", p.opt.Stream, err)
	}
	return fr, p.lineError(err)
}

// lineError closes a line that failed and says the pad is gone.
func (p *Pad) lineError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.ENODEV) {
		p.closeLocked()
		return fmt.Errorf("pad %s on %s: %w (%v): plug it back in and ask the signer again", p.opt.Stream, p.opt.Path, devices.ErrUnplugged, err)
	}
	p.closeLocked()
	return fmt.Errorf("pad %s on %s: %w: check the cable and the pad", p.opt.Stream, p.opt.Path, err)
}
