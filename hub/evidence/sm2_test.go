package evidence_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// TestExportSwitchToSM2: a room whose Ed25519 box is replaced by an SM2
// box mid-range (a deployment moving to the national algorithms) exports
// records of both, the offline verifier checks each with its own
// algorithm, and a flipped bit in an SM2 signature is named.
func TestExportSwitchToSM2(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := chain(prototest.Signer, "room-1", "cam1", "mmm", t0)
	e.put(old...)
	tok, _, err := e.st.IssueToken(ctx, "room-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	key := prototest.SM2Signer.PublicKey().String()
	const cert = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n"
	if _, _, err := e.st.EnrollBox(ctx, tok, key, func(string) (string, string, error) { return "03", cert, nil }); err != nil {
		t.Fatal(err)
	}
	e.audit("box@127.0.0.1", audit.BoxEnroll, "room-1", key)
	sm := chainFrom(prototest.SM2Signer, "room-1", "cam1", "mgm", t0.Add(6*time.Second), 3, old[2].Hash())
	e.put(sm...)

	b, ex := e.export(from, t0.Add(11*time.Second))
	rep := verify(t, b)
	if rep.Err() != nil || ex.Records() != 6 || rep.GapRecords != 1 {
		t.Fatalf("%v, %d records (%d gaps)\n%s", rep.Err(), ex.Records(), rep.GapRecords, dump(rep))
	}
	d := dump(rep)
	for _, want := range []string{"ed25519 key " + prototest.Signer.PublicKey().ID(), "sm2 key " + prototest.SM2Signer.PublicKey().ID()} {
		if !strings.Contains(d, want) {
			t.Errorf("the enrollment lines do not show %q\n%s", want, d)
		}
	}

	last := sm[len(sm)-1]
	at := bytes.Index(b, last.Signature)
	if at < 0 {
		t.Fatal("the SM2 signature is not in the file as sent")
	}
	c := bytes.Clone(b)
	c[at+len(last.Signature)/2] ^= 0x01
	bad := verify(t, c)
	if !errors.Is(bad.Err(), bundle.ErrDamaged) {
		t.Fatalf("flipped SM2 signature: %v\n%s", bad.Err(), dump(bad))
	}
	named := false
	for _, l := range bad.Faults() {
		named = named || (l.Part == bundle.PartSegment && l.Seq == last.Header.Seq && strings.Contains(l.Detail, "signature"))
	}
	if !named {
		t.Fatalf("no fault names seq %d's signature\n%s", last.Header.Seq, dump(bad))
	}
}
