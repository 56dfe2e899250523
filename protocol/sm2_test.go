package protocol_test

import (
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"github.com/evalroom/evalroom/protocol/prototest"
)

// interopMessage was signed with prototest.SM2Signer's key by OpenSSL 3.0:
//
//	openssl pkeyutl -sign -inkey key.pem -rawin -digest sm3 \
//	    -pkeyopt distid:1234567812345678 -in msg -out sig
const (
	interopMessage = "evalroom SM2 interop vector"
	interopSig     = "30440220572b62d092767bfd79a5449c8074d21cdbd2790e402ee2ad273383e9ee4e485f022012f0e594b5386469d5ed121f414abd8a45510c779fa3cde044a6c2b210fb3f84"
)

// TestSM2InteropWithOpenSSL: a signature made elsewhere with SM3 and the
// default user ID verifies here, and (where openssl is installed) one made
// here verifies there.
func TestSM2InteropWithOpenSSL(t *testing.T) {
	pub := prototest.SM2Signer.PublicKey()
	sig, _ := hex.DecodeString(interopSig)
	if err := pub.Verify([]byte(interopMessage), sig); err != nil {
		t.Fatalf("OpenSSL's signature: %v", err)
	}
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl to check our signatures with")
	}
	dir := t.TempDir()
	der, err := smx509.MarshalPKIXPublicKey(&prototest.SM2Signer.Key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := prototest.SM2Signer.Sign([]byte(interopMessage))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"pub.pem": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"msg":     []byte(interopMessage),
		"sig":     ours,
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
		"-pkeyopt", "distid:1234567812345678", "-in", "msg", "-sigfile", "sig")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl does not accept our signature: %v\n%s", err, out)
	}
}
