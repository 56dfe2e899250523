package bench

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// Segment shape: 2 s of MJPEG at 10 frames per second.
const (
	segmentLength    = 2 * time.Second
	framesPerSegment = 20
	poolSlack        = 64 << 10 // payloads are windows into one random pool
)

// payloadPool returns random bytes from which every payload is cut at a
// different offset, so that segments differ without holding one buffer each.
func payloadPool(payloadBytes int) ([]byte, error) {
	pool := make([]byte, payloadBytes+poolSlack)
	if _, err := rand.Read(pool); err != nil {
		return nil, fmt.Errorf("random payload: %w", err)
	}
	return pool, nil
}

// chain seals n media segments of one stream, signed by prototest.Signer and
// chained from head (the stream's spool.Head: NextSeq and Prev).
func chain(pool []byte, payloadBytes int, room, stream string, nextSeq uint64, prev string, n int) ([]*protocol.Segment, error) {
	out := make([]*protocol.Segment, 0, n)
	for i := range n {
		seq := nextSeq + uint64(i)
		off := int(seq*4099) % poolSlack
		payload := pool[off : off+payloadBytes]
		start := prototest.T0.Add(time.Duration(seq) * segmentLength)
		step := payloadBytes / framesPerSegment
		frames := make([]protocol.Frame, framesPerSegment)
		for f := range frames {
			size := step
			if f == len(frames)-1 {
				size = payloadBytes - f*step
			}
			frames[f] = protocol.Frame{Offset: f * step, Size: size, Time: start.Add(time.Duration(f) * segmentLength / framesPerSegment).UnixNano()}
		}
		seg, err := protocol.Seal(protocol.SegmentHeader{
			Room: room, Stream: stream, Record: protocol.RecordMedia, Seq: seq,
			Start: start, End: start.Add(segmentLength), Codec: protocol.CodecMJPEG,
			Frames: frames, Prev: prev,
		}, payload, prototest.Signer)
		if err != nil {
			return nil, fmt.Errorf("seal %s/%s seq %d: %w", room, stream, seq, err)
		}
		out = append(out, seg)
		prev = seg.ChainHash()
	}
	return out, nil
}

// encodedSize is the size of a segment on the wire and in the spool.
func encodedSize(seg *protocol.Segment) int64 {
	return int64(4 + 1 + 4 + len(seg.HeaderBytes) + 2 + len(seg.Signature) + 4 + len(seg.Payload))
}

func streamNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return out
}
