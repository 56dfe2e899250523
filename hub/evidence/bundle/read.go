package bundle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// entry is one entry read from the file.
type entry struct {
	name   string
	offset int64 // of its header
	data   []byte
	mtime  int64
	short  bool // the file ends inside it
}

// damage is a stretch of the file that the format does not allow.
type damage struct {
	start, end int64
	what       string
}

// reader reads the canonical archive entry by entry. It never stops at a
// damaged header: it notes the damage and looks for the next valid header
// at a block boundary, so one damaged entry does not hide the rest.
type reader struct {
	r           *bufio.Reader
	off         int64 // bytes consumed
	pending     []byte
	pendingOff  int64
	damage      []damage
	truncatedAt int64 // where the file ends early, -1 if it does not
	ended       bool  // the end-of-archive marker was read
	done        bool
	lastName    string // last good entry, for messages
}

func newReader(r io.Reader) *reader {
	return &reader{r: bufio.NewReaderSize(r, 64<<10), truncatedAt: -1}
}

// block returns the next 512 bytes and where they start; io.EOF or
// io.ErrUnexpectedEOF when the file ends.
func (t *reader) block() ([]byte, int64, error) {
	if t.pending != nil {
		b, off := t.pending, t.pendingOff
		t.pending = nil
		return b, off, nil
	}
	start := t.off
	b := make([]byte, blockSize)
	n, err := io.ReadFull(t.r, b)
	t.off += int64(n)
	return b, start, err
}

// next returns the next entry, or io.EOF at the end of the file (with the
// end-of-archive marker or without: see ended and truncatedAt). Other
// errors are I/O errors of the underlying reader.
func (t *reader) next() (*entry, error) {
	if t.done {
		return nil, io.EOF
	}
	bad := int64(-1) // start of a damaged run
	closeBad := func(end int64) {
		if bad >= 0 {
			t.note(bad, end, "no valid entry header here"+t.after())
			bad = -1
		}
	}
	for {
		blk, start, err := t.block()
		if err != nil {
			return nil, t.stop(err, closeBad)
		}
		if isZero(blk) {
			blk2, start2, err := t.block()
			if err != nil {
				return nil, t.stop(err, closeBad)
			}
			if isZero(blk2) {
				closeBad(start)
				return nil, t.end()
			}
			if bad < 0 {
				bad = start
			}
			t.pending, t.pendingOff = blk2, start2
			continue
		}
		h, err := parseHeader(blk)
		if err != nil {
			if bad < 0 {
				bad = start
			}
			continue
		}
		closeBad(start)
		return t.data(h, start)
	}
}

// data reads an entry's data and padding.
func (t *reader) data(h tarHeader, start int64) (*entry, error) {
	e := &entry{name: h.name, offset: start, mtime: h.mtime}
	var err error
	e.data, err = io.ReadAll(io.LimitReader(t.r, h.size)) // grows with what is there, not with what the header claims
	t.off += int64(len(e.data))
	if err != nil {
		return nil, err
	}
	if int64(len(e.data)) < h.size {
		e.short, t.truncatedAt, t.done = true, t.off, true
		return e, nil
	}
	t.lastName = h.name
	if pad := (blockSize - h.size%blockSize) % blockSize; pad > 0 {
		p := make([]byte, pad)
		n, err := io.ReadFull(t.r, p)
		t.off += int64(n)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if int64(n) < pad {
			t.truncatedAt, t.done = t.off, true
		} else if !isZero(p) {
			t.note(t.off-pad, t.off, "the padding after "+h.name+" is not zero")
		}
	}
	return e, nil
}

// stop handles the end of the file before the end-of-archive marker.
func (t *reader) stop(err error, closeBad func(int64)) error {
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	closeBad(t.off)
	t.truncatedAt, t.done = t.off, true
	return io.EOF
}

// end checks that nothing follows the end-of-archive marker.
func (t *reader) end() error {
	t.ended, t.done = true, true
	n, err := io.Copy(io.Discard, t.r)
	if err != nil {
		return err
	}
	if n > 0 {
		t.note(t.off, t.off+n, fmt.Sprintf("%d bytes after the end-of-archive marker", n))
	}
	t.off += n
	return io.EOF
}

func (t *reader) note(start, end int64, what string) {
	t.damage = append(t.damage, damage{start: start, end: end, what: what})
}

func (t *reader) after() string {
	if t.lastName == "" {
		return ""
	}
	return " (after " + t.lastName + ")"
}

var zeroBlock = make([]byte, blockSize)

func isZero(b []byte) bool {
	for len(b) > blockSize {
		if !bytes.Equal(b[:blockSize], zeroBlock) {
			return false
		}
		b = b[blockSize:]
	}
	return bytes.Equal(b, zeroBlock[:len(b)])
}
