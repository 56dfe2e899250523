package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"strconv"
)

// maxPart bounds one JPEG part; protocol.MaxLiveFrameSize bounds the hub's.
const maxPart = 4 << 20

// relayBoundary is the boundary the baseline relays use, as the hub does.
const relayBoundary = "evalroomframe"

// part is one frame of an MJPEG stream.
type part struct {
	capture int64  // X-Capture-Time, Unix ns
	seq     uint64 // X-Frame
	data    []byte
}

// writePart writes one JPEG as a multipart/x-mixed-replace part with the
// headers the hub's live.mjpeg sends: boundary first, then headers, body
// and CRLF.
func writePart(w io.Writer, capture int64, seq uint64, jpg []byte) error {
	_, err := fmt.Fprintf(w, "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\nX-Capture-Time: %d\r\nX-Frame: %d\r\n\r\n", relayBoundary, len(jpg), capture, seq)
	if err == nil {
		_, err = w.Write(jpg)
	}
	if err == nil {
		_, err = io.WriteString(w, "\r\n")
	}
	return err
}

// mjpegStream reads parts by their Content-Length, so that a part is
// complete as soon as its last byte arrives, not when the next boundary
// does (a reader that waits for the boundary sees every frame one frame
// interval late).
type mjpegStream struct {
	body  io.ReadCloser
	tp    *textproto.Reader
	delim string
}

// openMJPEG starts watching url.
func openMJPEG(ctx context.Context, client *http.Client, url string) (*mjpegStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || err != nil || mt != "multipart/x-mixed-replace" || params["boundary"] == "" {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s, Content-Type %q", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	return &mjpegStream{body: resp.Body, tp: textproto.NewReader(bufio.NewReaderSize(resp.Body, 64<<10)), delim: "--" + params["boundary"]}, nil
}

// next reads the next part.
func (s *mjpegStream) next() (part, error) {
	for {
		line, err := s.tp.ReadLine()
		if err != nil {
			return part{}, err
		}
		if line == s.delim {
			break
		}
		if line != "" {
			return part{}, fmt.Errorf("expected the boundary, got %.40q", line)
		}
	}
	h, err := s.tp.ReadMIMEHeader()
	if err != nil {
		return part{}, fmt.Errorf("part header: %w", err)
	}
	n, err := strconv.Atoi(h.Get("Content-Length"))
	if err != nil || n <= 0 || n > maxPart {
		return part{}, fmt.Errorf("part Content-Length %q", h.Get("Content-Length"))
	}
	var p part
	if p.capture, err = strconv.ParseInt(h.Get("X-Capture-Time"), 10, 64); err != nil {
		return part{}, fmt.Errorf("part X-Capture-Time: %w", err)
	}
	if p.seq, err = strconv.ParseUint(h.Get("X-Frame"), 10, 64); err != nil {
		return part{}, fmt.Errorf("part X-Frame: %w", err)
	}
	p.data = make([]byte, n)
	if _, err := io.ReadFull(s.tp.R, p.data); err != nil {
		return part{}, fmt.Errorf("part body: %w", err)
	}
	return p, nil
}

func (s *mjpegStream) close() error { return s.body.Close() }
