package protocol_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func FuzzDecodeSegment(f *testing.F) {
	for _, v := range prototest.Segments() {
		f.Add(v.Data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := protocol.DecodeSegment(b)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Encode(), b) {
			t.Fatal("a decoded segment does not re-encode to the same bytes")
		}
		if err := s.Header.Validate(); err != nil {
			t.Fatalf("decoded header does not validate: %v", err)
		}
	})
}

func FuzzDecodeMessage(f *testing.F) {
	for i, v := range prototest.Messages {
		f.Add(uint8(i), []byte(v.Data))
	}
	f.Fuzz(func(t *testing.T, kind uint8, b []byte) {
		m := prototest.Messages[int(kind)%len(prototest.Messages)].New()
		if err := protocol.Decode(b, m); err != nil {
			return
		}
		out, err := protocol.Encode(m)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if err := protocol.Decode(out, m); err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
	})
}

func FuzzDecodeLive(f *testing.F) {
	b, _ := protocol.EncodeLive(protocol.LiveHeader{Room: "room-1", Stream: "cam1", Codec: protocol.CodecMJPEG}, []byte("x"))
	f.Add(b)
	f.Add([]byte("ERLF\x00\x02{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, data, err := protocol.DecodeLive(b)
		if err != nil {
			return
		}
		out, err := protocol.EncodeLive(h, data)
		if err != nil || !bytes.Equal(out[len(out)-len(data):], data) {
			t.Fatalf("decoded live frame does not re-encode: %v", err)
		}
	})
}

func FuzzParseTopic(f *testing.F) {
	f.Add(protocol.LiveTopic("room-1", "cam1"))
	f.Add(protocol.RoomTopic("room-1", protocol.TopicHealth))
	f.Fuzz(func(t *testing.T, topic string) {
		room, kind, stream, err := protocol.ParseTopic(topic)
		if err != nil {
			return
		}
		want := protocol.RoomTopic(room, kind)
		if stream != "" {
			want = protocol.LiveTopic(room, stream)
		}
		if want != topic {
			t.Fatalf("ParseTopic(%q) = %q %q %q, which rebuilds as %q", topic, room, kind, stream, want)
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	for _, v := range prototest.Keys() {
		f.Add(v.Text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := protocol.ParsePublicKey(s)
		if err != nil {
			return
		}
		if _, err := protocol.ParsePublicKey(k.String()); err != nil {
			t.Fatalf("round trip of %q: %v", s, err)
		}
	})
}

// FuzzVerify feeds signatures from outside to both verifiers: none may
// panic, and none but the true signature may pass.
func FuzzVerify(f *testing.F) {
	vs := prototest.Signatures()
	segs := make([]*protocol.Segment, len(vs))
	for i, v := range vs {
		s, err := protocol.DecodeSegment(v.Data)
		if err != nil {
			f.Fatal(err)
		}
		segs[i] = s
		f.Add(s.Signature, v.Key.Alg == protocol.AlgSM2)
	}
	// The first two vectors are the good Ed25519 and SM2 records.
	ed, sm := segs[0], segs[1]
	f.Fuzz(func(t *testing.T, sig []byte, useSM2 bool) {
		s, signer := *ed, protocol.Signer(prototest.Signer)
		if useSM2 {
			s, signer = *sm, prototest.SM2Signer
		}
		good := bytes.Equal(sig, s.Signature)
		s.Signature = sig
		err := s.Verify(signer.PublicKey())
		if err != nil && !errors.Is(err, protocol.ErrSignature) {
			t.Fatalf("Verify = %v, want nil or ErrSignature", err)
		}
		if err == nil && !good {
			t.Fatalf("a %s signature other than the true one verified", signer.PublicKey().Alg)
		}
	})
}
