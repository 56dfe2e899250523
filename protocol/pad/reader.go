package pad

import (
	"errors"
	"io"
)

// Reader reads frames from a byte stream with a fixed buffer. Bytes that
// cannot start a frame (line noise, a half frame after a reconnect) are
// skipped and counted; a frame whose CRC fails is reported as ErrCRC and
// skipped by one byte, so a real frame inside it is still found.
type Reader struct {
	r       io.Reader
	buf     [2 * MaxFrame]byte
	lo, hi  int
	Skipped int // bytes skipped as noise since the Reader was made
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Next returns the next frame. Its payload is valid until the next call.
// Errors: ErrCRC and payload errors (ErrInvalid) for one damaged frame,
// after which Next can be called again; any error of the underlying
// reader as it is.
func (r *Reader) Next() (Frame, error) {
	for {
		r.skipNoise()
		f, n, err := DecodeFrame(r.buf[r.lo:r.hi])
		switch {
		case err == nil:
			r.lo += n
			return f, nil
		case errors.Is(err, ErrShort):
			if rerr := r.fill(); rerr != nil {
				return Frame{}, rerr
			}
		case errors.Is(err, ErrCRC):
			r.lo++
			return Frame{}, err
		case n > 0: // well framed, bad payload
			r.lo += n
			return Frame{}, err
		default: // not a frame header: noise
			r.lo++
			r.Skipped++
		}
	}
}

func (r *Reader) skipNoise() {
	for r.lo < r.hi && r.buf[r.lo] != Start {
		r.lo++
		r.Skipped++
	}
}

func (r *Reader) fill() error {
	if r.lo > 0 {
		r.hi = copy(r.buf[:], r.buf[r.lo:r.hi])
		r.lo = 0
	}
	n, err := r.r.Read(r.buf[r.hi:])
	r.hi += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}
