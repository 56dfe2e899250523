package bundle

import (
	"fmt"
	"io"
	"time"
)

// Writer writes the canonical archive. Entries go in the order Add is
// called; the caller keeps the order of the format (see the package doc).
type Writer struct {
	w     io.Writer
	mtime int64
	n     int64
	err   error
}

// NewWriter writes to w; every entry carries mtime (the export time).
func NewWriter(w io.Writer, mtime time.Time) *Writer {
	return &Writer{w: w, mtime: max(mtime.Unix(), 0)}
}

// Add writes one entry.
func (w *Writer) Add(name string, data []byte) error {
	if w.err != nil {
		return w.err
	}
	hdr, err := tarHeader{name: name, size: int64(len(data)), mtime: w.mtime}.encode()
	if err != nil {
		w.err = err
		return err
	}
	w.write(hdr)
	w.write(data)
	if pad := len(data) % blockSize; pad != 0 {
		w.write(make([]byte, blockSize-pad))
	}
	return w.err
}

// Close writes the end-of-archive marker. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	w.write(make([]byte, 2*blockSize))
	return w.err
}

// Written is the number of bytes written so far.
func (w *Writer) Written() int64 { return w.n }

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.w.Write(b)
	w.n += int64(n)
	if err != nil {
		w.err = fmt.Errorf("write evidence file: %w", err)
	}
}
