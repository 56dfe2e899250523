package protocol_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func TestMessageVectors(t *testing.T) {
	for _, v := range prototest.Messages {
		t.Run(v.Name, func(t *testing.T) {
			m := v.New()
			err := protocol.Decode([]byte(v.Data), m)
			if !errors.Is(err, v.Err) || (v.Err == nil) != (err == nil) {
				t.Fatalf("Decode = %v, want %v", err, v.Err)
			}
			if err != nil {
				return
			}
			b, err := protocol.Encode(m)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			again := v.New()
			if err := protocol.Decode(b, again); err != nil {
				t.Fatalf("decode of re-encoded: %v", err)
			}
		})
	}
}

func TestSegmentVectors(t *testing.T) {
	for _, v := range prototest.Segments() {
		t.Run(v.Name, func(t *testing.T) {
			s, err := protocol.DecodeSegment(v.Data)
			if !errors.Is(err, v.Err) || (v.Err == nil) != (err == nil) {
				t.Fatalf("DecodeSegment = %v, want %v", err, v.Err)
			}
			if err != nil {
				return
			}
			if !bytes.Equal(s.Encode(), v.Data) {
				t.Fatal("re-encoding changed the bytes")
			}
			if err := s.Verify(v.Key); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestVerifyRefusesOtherKeyAndTampering(t *testing.T) {
	s := prototest.MediaSegment("room-1", "cam1", 0, "")
	if err := s.Verify(prototest.OtherSigner.PublicKey()); !errors.Is(err, protocol.ErrSignature) {
		t.Fatalf("other key: %v", err)
	}
	// A forger keeps the key id but signs with another key.
	forged := *s
	forged.Signature, _ = prototest.OtherSigner.Sign(s.HeaderBytes)
	if err := forged.Verify(prototest.Signer.PublicKey()); !errors.Is(err, protocol.ErrSignature) {
		t.Fatalf("forged signature: %v", err)
	}
}

func TestChain(t *testing.T) {
	a := prototest.MediaSegment("room-1", "cam1", 0, "")
	b := prototest.MediaSegment("room-1", "cam1", 1, a.ChainHash())
	if err := b.Follows(0, a.ChainHash()); err != nil {
		t.Fatal(err)
	}
	c := prototest.MediaSegment("room-1", "cam1", 2, a.ChainHash())
	if err := c.Follows(1, b.ChainHash()); !errors.Is(err, protocol.ErrChain) {
		t.Fatalf("wrong prev: %v", err)
	}
	if err := c.Follows(0, a.ChainHash()); !errors.Is(err, protocol.ErrChain) {
		t.Fatalf("skipped seq: %v", err)
	}
}

func TestEvictionGapCarriesTheChain(t *testing.T) {
	a := prototest.MediaSegment("room-1", "cam1", 0, "")
	b := prototest.MediaSegment("room-1", "cam1", 1, a.Hash())
	c := prototest.MediaSegment("room-1", "cam1", 2, b.Hash())
	d := prototest.MediaSegment("room-1", "cam1", 3, c.Hash())
	// b and c are evicted unsent: a gap record takes their place.
	gap, err := protocol.Seal(protocol.SegmentHeader{
		Room: "room-1", Stream: "cam1", Record: protocol.RecordGap, Seq: 1,
		Start: b.Header.Start, End: c.Header.End, Prev: b.Header.Prev,
		Gap: &protocol.Gap{Reason: protocol.GapSpoolEviction, LastSeq: 2, LastHash: c.Hash(), Bytes: 10},
	}, nil, prototest.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := gap.Follows(a.Header.LastSeq(), a.ChainHash()); err != nil {
		t.Fatal(err)
	}
	if err := d.Follows(gap.Header.LastSeq(), gap.ChainHash()); err != nil {
		t.Fatal(err)
	}
}

func TestTopics(t *testing.T) {
	cases := []struct {
		topic, room, kind, stream string
		ok                        bool
	}{
		{protocol.RoomTopic("room-1", protocol.TopicStatus), "room-1", "status", "", true},
		{protocol.LiveTopic("room-1", "cam1"), "room-1", "live", "cam1", true},
		{"evalroom/v1/room/room-1/live", "", "", "", false},
		{"evalroom/v1/room/Room/status", "", "", "", false},
		{"evalroom/v1/room/room-1/shell", "", "", "", false},
		{"evalroom/v2/room/room-1/status", "", "", "", false},
		{"evalroom/v1/room/room-1/status/extra", "", "", "", false},
	}
	for _, c := range cases {
		room, kind, stream, err := protocol.ParseTopic(c.topic)
		if (err == nil) != c.ok || room != c.room || kind != c.kind || stream != c.stream {
			t.Errorf("ParseTopic(%q) = %q %q %q %v", c.topic, room, kind, stream, err)
		}
	}
}

func TestLiveRoundTrip(t *testing.T) {
	b, err := protocol.EncodeLive(protocol.LiveHeader{Room: "room-1", Stream: "cam1", Seq: 7, Time: time.Now().UnixNano(), Codec: protocol.CodecMJPEG}, []byte("jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	h, data, err := protocol.DecodeLive(b)
	if err != nil || h.Seq != 7 || string(data) != "jpeg" {
		t.Fatalf("DecodeLive = %+v %q %v", h, data, err)
	}
	if _, _, err := protocol.DecodeLive(b[:8]); err == nil {
		t.Fatal("truncated live frame decoded")
	}
}

// TestLiveRendition: a sub-stream frame names its rendition and round-trips;
// a main frame keeps the bytes of before (no rendition field); an unknown
// rendition or a sound sub-stream is refused.
func TestLiveRendition(t *testing.T) {
	b, err := protocol.EncodeLive(protocol.LiveHeader{Room: "room-1", Stream: "cam1", Rendition: protocol.RenditionSub, Seq: 3, Codec: protocol.CodecMJPEG}, []byte("jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := protocol.DecodeLive(b)
	if err != nil || h.Rendition != protocol.RenditionSub {
		t.Fatalf("DecodeLive = %+v, %v", h, err)
	}
	main, _ := protocol.EncodeLive(protocol.LiveHeader{Room: "room-1", Stream: "cam1", Codec: protocol.CodecMJPEG}, nil)
	if bytes.Contains(main, []byte("rendition")) {
		t.Fatalf("a main frame names a rendition: %q", main)
	}
	for _, bad := range []protocol.LiveHeader{
		{Room: "room-1", Stream: "cam1", Rendition: "hd", Codec: protocol.CodecMJPEG},
		{Room: "room-1", Stream: "mic1", Rendition: protocol.RenditionSub, Codec: protocol.CodecPCM},
	} {
		if _, err := protocol.EncodeLive(bad, nil); !errors.Is(err, protocol.ErrInvalid) {
			t.Errorf("EncodeLive(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestKeyVectors(t *testing.T) {
	for _, v := range prototest.Keys() {
		t.Run(v.Name, func(t *testing.T) {
			k, err := protocol.ParsePublicKey(v.Text)
			if !errors.Is(err, v.Err) || (v.Err == nil) != (err == nil) {
				t.Fatalf("ParsePublicKey(%q) = %v, want %v", v.Text, err, v.Err)
			}
			if err != nil {
				return
			}
			if k.String() != v.Text || len(k.ID()) != 16 {
				t.Fatalf("text form %q gives back %q, id %q", v.Text, k.String(), k.ID())
			}
			if _, err := k.Crypto(); err != nil {
				t.Fatalf("Crypto: %v", err)
			}
		})
	}
}

func TestSignatureVectors(t *testing.T) {
	for _, v := range prototest.Signatures() {
		t.Run(v.Name, func(t *testing.T) {
			s, err := protocol.DecodeSegment(v.Data)
			if err != nil {
				t.Fatalf("DecodeSegment: %v", err)
			}
			err = s.Verify(v.Key)
			if !errors.Is(err, v.Err) || (v.Err == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, v.Err)
			}
		})
	}
}

func TestSM2SignsLikeEd25519(t *testing.T) {
	for _, signer := range []protocol.Signer{prototest.Signer, prototest.SM2Signer} {
		pub := signer.PublicKey()
		t.Run(pub.Alg, func(t *testing.T) {
			pw, err := protocol.MQTTPassword(signer, "room-1", "box-room-1")
			if err != nil {
				t.Fatal(err)
			}
			if err := protocol.VerifyMQTTPassword(pub, "room-1", "box-room-1", pw); err != nil {
				t.Fatalf("MQTT password: %v", err)
			}
			if err := protocol.VerifyMQTTPassword(pub, "room-2", "box-room-1", pw); !errors.Is(err, protocol.ErrSignature) {
				t.Fatalf("MQTT password for another room: %v", err)
			}
			s := prototest.MediaSegmentBy(signer, "room-1", "cam1", 0, "")
			if s.Header.Alg != pub.Alg || s.Header.Key != pub.ID() {
				t.Fatalf("header names %s/%s, key is %s/%s", s.Header.Alg, s.Header.Key, pub.Alg, pub.ID())
			}
		})
	}
}

func TestKeyBinding(t *testing.T) {
	csr := []byte("certificate request DER")
	b, err := protocol.SignKeyBinding(prototest.SM2Signer, csr)
	if err != nil {
		t.Fatal(err)
	}
	pub := prototest.SM2Signer.PublicKey()
	if err := protocol.VerifyKeyBinding(pub, csr, b); err != nil {
		t.Fatal(err)
	}
	other, _ := protocol.SignKeyBinding(prototest.OtherSM2Signer, csr)
	// The same signer's signature over the bare bytes (as for a segment
	// header) is no binding.
	bare, _ := prototest.SM2Signer.Sign(csr)
	for name, c := range map[string]struct {
		pub     protocol.PublicKey
		csr     []byte
		binding string
	}{
		"another request":      {pub, []byte("another request"), b},
		"another box's key":    {pub, csr, other},
		"checked with ed25519": {prototest.Signer.PublicKey(), csr, b},
		"without the context":  {pub, csr, base64.StdEncoding.EncodeToString(bare)},
		"missing":              {pub, csr, ""},
		"not base64":           {pub, csr, "!!"},
	} {
		if err := protocol.VerifyKeyBinding(c.pub, c.csr, c.binding); !errors.Is(err, protocol.ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStatusFeatures(t *testing.T) {
	s := protocol.Status{V: protocol.Version, Room: "room-1", Online: true, Features: protocol.AgentFeatures}
	if err := s.Validate(); err != nil {
		t.Fatalf("this build's status is refused: %v", err)
	}
	if !s.Offers(protocol.FeatureLiveSub) {
		t.Fatal("this build's agent does not offer its sub-stream")
	}
	if (&protocol.Status{Room: "room-1"}).Offers(protocol.FeatureLiveSub) {
		t.Fatal("a status without features offers the sub-stream")
	}
	for _, bad := range [][]string{{""}, {strings.Repeat("x", 65)}, make([]string, 33)} {
		if err := (&protocol.Status{Room: "room-1", Features: bad}).Validate(); err == nil {
			t.Errorf("features %q taken", bad)
		}
	}
}
