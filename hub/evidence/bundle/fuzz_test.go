package bundle

import (
	"bytes"
	"testing"
)

// FuzzVerify feeds the evidence file decoder bytes from outside: it must
// not panic, must not hold memory for sizes a header only claims, and must
// come to the same verdict twice.
func FuzzVerify(f *testing.F) {
	fx := newFixture() // small, so that the fuzzer's minimizing stays quick
	fx.chain("cam1", "mge")
	good := fx.build(f, nil)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:blockSize])
	f.Add([]byte{})
	f.Add(make([]byte, 2*blockSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Verify(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("reading from memory failed: %v", err)
		}
		again, _ := Verify(bytes.NewReader(b))
		if rep.Summary() != again.Summary() || len(rep.Lines) != len(again.Lines) {
			t.Fatal("two verdicts for the same bytes")
		}
		if rep.Err() == nil && !bytes.Equal(b, good) {
			t.Fatalf("a changed file passed:\n%s", dump(rep))
		}
	})
}
