package protocol

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Record kinds in a stream's chain.
const (
	RecordMedia = "media"
	RecordGap   = "gap"
)

// Gap reasons.
const (
	GapDeviceLost    = "device_lost"    // the device stopped giving data
	GapSpoolEviction = "spool_eviction" // the box's disk budget forced records out before upload
	GapClockJump     = "clock_jump"     // the wall clock jumped; times around it are not comparable
	GapRestart       = "restart"        // the agent was not running (power loss, crash, upgrade)
	GapBoxReplaced   = "box_replaced"   // another box took the room over; the chain goes on under its key
	GapOverrun       = "overrun"        // the device captured more than the box read in time; that much was lost, the device stayed up
)

// Codecs.
const (
	CodecMJPEG = "mjpeg"     // concatenated JPEG frames
	CodecPCM   = "pcm_s16le" // 16-bit little-endian PCM, mono
)

// Bounds of the segment container.
const (
	MaxHeaderSize    = 256 << 10
	MaxSignatureSize = 512
	MaxPayloadSize   = 64 << 20
	MaxFrames        = 4096
)

var segmentMagic = [4]byte{'E', 'R', 'S', 'G'}

const containerVersion = 1

// Frame locates one frame (video) or chunk (audio) in the payload.
type Frame struct {
	Offset int   `json:"o"`
	Size   int   `json:"n"`
	Time   int64 `json:"t"` // capture time, Unix nanoseconds
}

// Gap describes what is missing and why. For a spool eviction the gap record
// takes the place of the records Seq..LastSeq that were dropped unsent, and
// LastHash is the hash of the last of them, so the chain goes on through it.
type Gap struct {
	Reason   string `json:"reason"`
	Detail   string `json:"detail,omitempty"`
	LastSeq  uint64 `json:"last_seq,omitempty"`
	LastHash string `json:"last_hash,omitempty"`
	Bytes    int64  `json:"bytes,omitempty"`
}

// SegmentHeader describes one record of a stream's chain. Its JSON bytes are
// what is hashed and signed.
type SegmentHeader struct {
	V             int       `json:"v"`
	Room          string    `json:"room"`
	Stream        string    `json:"stream"`
	Record        string    `json:"record"` // RecordMedia or RecordGap
	Seq           uint64    `json:"seq"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Codec         string    `json:"codec,omitempty"`
	Frames        []Frame   `json:"frames,omitempty"`
	PayloadSize   int       `json:"payload_size"`
	PayloadSHA256 string    `json:"payload_sha256"`
	Prev          string    `json:"prev"`              // chain hash of the record before, "" for the first
	Session       string    `json:"session,omitempty"` // procurement session in progress, if any
	Flags         []string  `json:"flags,omitempty"`   // signal conditions seen during the segment
	Gap           *Gap      `json:"gap,omitempty"`
	Alg           string    `json:"alg"`
	Key           string    `json:"key"` // PublicKey.ID of the signing key
}

func (h *SegmentHeader) version() int { return h.V }

// Validate implements Message.
func (h *SegmentHeader) Validate() error {
	if err := checkID("room", h.Room); err != nil {
		return err
	}
	if err := checkID("stream", h.Stream); err != nil {
		return err
	}
	if h.End.Before(h.Start) {
		return invalid("segment ends before it starts")
	}
	if h.Prev != "" && !isHash(h.Prev) {
		return invalid("prev is not a SHA-256 hex digest")
	}
	if !isHash(h.PayloadSHA256) || h.PayloadSize < 0 || h.PayloadSize > MaxPayloadSize {
		return invalid("payload size or digest")
	}
	if len(h.Session) > 64 || h.Alg == "" || len(h.Alg) > 16 || len(h.Key) != 16 {
		return invalid("session, alg or key")
	}
	if len(h.Flags) > 4 {
		return invalid("%d flags", len(h.Flags))
	}
	for _, f := range h.Flags {
		if !ValidSignal(f) {
			return invalid("flag %q", f)
		}
	}
	if len(h.Frames) > MaxFrames {
		return invalid("%d frames, at most %d", len(h.Frames), MaxFrames)
	}
	switch h.Record {
	case RecordMedia:
		if h.Gap != nil {
			return invalid("media record with a gap")
		}
		if h.Codec != CodecMJPEG && h.Codec != CodecPCM {
			return invalid("codec %q", h.Codec)
		}
		end := 0
		for i, f := range h.Frames {
			if f.Offset != end || f.Size <= 0 {
				return invalid("frame %d does not follow the one before", i)
			}
			end += f.Size
		}
		if end != h.PayloadSize {
			return invalid("frames cover %d bytes of a %d-byte payload", end, h.PayloadSize)
		}
	case RecordGap:
		if h.Gap == nil || h.PayloadSize != 0 || len(h.Frames) != 0 {
			return invalid("gap record needs a gap and no payload")
		}
		switch h.Gap.Reason {
		case GapDeviceLost, GapClockJump, GapRestart, GapBoxReplaced, GapOverrun:
			if h.Gap.LastSeq != 0 || h.Gap.LastHash != "" {
				return invalid("only a spool eviction replaces records")
			}
		case GapSpoolEviction:
			if h.Gap.LastSeq < h.Seq || !isHash(h.Gap.LastHash) || h.Gap.Bytes < 0 {
				return invalid("eviction gap must name the last record it replaces")
			}
		default:
			return invalid("gap reason %q", h.Gap.Reason)
		}
		if len(h.Gap.Detail) > 1024 {
			return invalid("gap detail too long")
		}
	default:
		return invalid("record kind %q", h.Record)
	}
	return nil
}

// LastSeq is the last sequence number this record stands for: Seq, or for an
// eviction gap the last record it replaces.
func (h *SegmentHeader) LastSeq() uint64 {
	if h.Gap != nil && h.Gap.Reason == GapSpoolEviction {
		return h.Gap.LastSeq
	}
	return h.Seq
}

// Segment is one signed record: header bytes, signature and payload.
type Segment struct {
	Header      SegmentHeader
	HeaderBytes []byte
	Signature   []byte
	Payload     []byte
}

// Hash is the record's own hash: hex SHA-256 of its header bytes, which
// include the payload digest.
func (s *Segment) Hash() string {
	sum := sha256.Sum256(s.HeaderBytes)
	return hex.EncodeToString(sum[:])
}

// ChainHash is the hash the next record of the stream must name as Prev.
func (s *Segment) ChainHash() string {
	if g := s.Header.Gap; g != nil && g.Reason == GapSpoolEviction {
		return g.LastHash
	}
	return s.Hash()
}

// Seal fills in the payload digest and key of h, marshals and signs it.
func Seal(h SegmentHeader, payload []byte, signer Signer) (*Segment, error) {
	pub := signer.PublicKey()
	h.V = Version
	h.Alg = pub.Alg
	h.Key = pub.ID()
	h.PayloadSize = len(payload)
	sum := sha256.Sum256(payload)
	h.PayloadSHA256 = hex.EncodeToString(sum[:])
	if err := h.Validate(); err != nil {
		return nil, err
	}
	hb, err := json.Marshal(&h)
	if err != nil {
		return nil, fmt.Errorf("marshal segment header: %w", err)
	}
	if len(hb) > MaxHeaderSize {
		return nil, fmt.Errorf("%w: header is %d bytes", ErrTooLarge, len(hb))
	}
	sig, err := signer.Sign(hb)
	if err != nil {
		return nil, fmt.Errorf("sign segment: %w", err)
	}
	return &Segment{Header: h, HeaderBytes: hb, Signature: sig, Payload: payload}, nil
}

// Encode writes the container: magic "ERSG", container version (1 byte),
// header length (uint32 BE), header, signature length (uint16 BE), signature,
// payload length (uint32 BE), payload.
func (s *Segment) Encode() []byte {
	n := 4 + 1 + 4 + len(s.HeaderBytes) + 2 + len(s.Signature) + 4 + len(s.Payload)
	b := make([]byte, 0, n)
	b = append(b, segmentMagic[:]...)
	b = append(b, containerVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(s.HeaderBytes)))
	b = append(b, s.HeaderBytes...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.Signature)))
	b = append(b, s.Signature...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(s.Payload)))
	b = append(b, s.Payload...)
	return b
}

// MaxSegmentSize bounds a whole encoded segment.
const MaxSegmentSize = 4 + 1 + 4 + MaxHeaderSize + 2 + MaxSignatureSize + 4 + MaxPayloadSize

// DecodeSegment parses a container strictly and checks that the payload
// matches the digest in the header. It does not verify the signature: that
// needs the box's key, see Verify.
func DecodeSegment(b []byte) (*Segment, error) {
	if len(b) > MaxSegmentSize {
		return nil, fmt.Errorf("%w: segment is %d bytes", ErrTooLarge, len(b))
	}
	r := reader{b: b}
	magic := r.next(4)
	if r.err != nil || !bytes.Equal(magic, segmentMagic[:]) {
		return nil, invalid("not an evalroom segment (magic)")
	}
	if v := r.next(1); r.err != nil || v[0] != containerVersion {
		return nil, fmt.Errorf("%w: segment container version", ErrVersion)
	}
	hb := r.next(int(r.u32(MaxHeaderSize)))
	sig := r.next(int(r.u16(MaxSignatureSize)))
	payload := r.next(int(r.u32(MaxPayloadSize)))
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(b) {
		return nil, invalid("%d bytes after the payload", len(b)-r.off)
	}
	s := &Segment{HeaderBytes: hb, Signature: sig, Payload: payload}
	if err := decodeJSON(hb, MaxHeaderSize, &s.Header); err != nil {
		return nil, fmt.Errorf("segment header: %w", err)
	}
	sum := sha256.Sum256(payload)
	if len(payload) != s.Header.PayloadSize || hex.EncodeToString(sum[:]) != s.Header.PayloadSHA256 {
		return nil, invalid("payload does not match the digest in the header")
	}
	return s, nil
}

// Verify checks the signature with the box's public key.
func (s *Segment) Verify(pub PublicKey) error {
	if s.Header.Alg != pub.Alg || s.Header.Key != pub.ID() {
		return fmt.Errorf("%w: signed with key %s/%s, room key is %s/%s", ErrSignature, s.Header.Alg, s.Header.Key, pub.Alg, pub.ID())
	}
	return pub.Verify(s.HeaderBytes, s.Signature)
}

// Follows reports whether s may come right after a record whose LastSeq is
// prevLast and whose ChainHash is prevChain.
func (s *Segment) Follows(prevLast uint64, prevChain string) error {
	if s.Header.Seq != prevLast+1 {
		return fmt.Errorf("%w: seq %d after %d", ErrChain, s.Header.Seq, prevLast)
	}
	if s.Header.Prev != prevChain {
		return fmt.Errorf("%w: seq %d names prev %.12s, chain has %.12s", ErrChain, s.Header.Seq, s.Header.Prev, prevChain)
	}
	return nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.off+n > len(r.b) {
		r.err = invalid("segment truncated at byte %d", r.off)
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) u32(limit uint32) uint32 {
	p := r.next(4)
	if p == nil {
		return 0
	}
	v := binary.BigEndian.Uint32(p)
	if v > limit && r.err == nil {
		r.err = fmt.Errorf("%w: length field %d over %d", ErrTooLarge, v, limit)
		return 0
	}
	return v
}

func (r *reader) u16(limit uint16) uint16 {
	p := r.next(2)
	if p == nil {
		return 0
	}
	v := binary.BigEndian.Uint16(p)
	if v > limit && r.err == nil {
		r.err = fmt.Errorf("%w: length field %d over %d", ErrTooLarge, v, limit)
		return 0
	}
	return v
}
