package api

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// enrollRig is the enrollment handler with a real CA and database.
type enrollRig struct {
	a  *API
	st *store.Store
	ca *pki.CA
}

func newEnrollRig(t *testing.T) *enrollRig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := storetest.Open(t)
	au, err := audit.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	ca, _, err := pki.LoadOrCreate(pki.Options{Dir: filepath.Join(dir, "tls")})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRoom(ctx, "room-1", "room-1"); err != nil {
		t.Fatal(err)
	}
	return &enrollRig{a: New(st, nil, nil, au, slog.New(slog.DiscardHandler), time.Hour).WithCA(ca), st: st, ca: ca}
}

func (r *enrollRig) token(t *testing.T) string {
	t.Helper()
	tok, _, err := r.st.IssueToken(context.Background(), "room-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// post sends an enrollment and returns the status, the answer and the
// error text.
func (r *enrollRig) post(t *testing.T, req enrollReq) (int, EnrollResponse, string) {
	t.Helper()
	b, _ := json.Marshal(req)
	w := httptest.NewRecorder()
	r.a.enroll(w, httptest.NewRequest(http.MethodPost, "/api/v1/enroll", strings.NewReader(string(b))))
	var resp EnrollResponse
	var e struct{ Error string }
	json.Unmarshal(w.Body.Bytes(), &resp)
	json.Unmarshal(w.Body.Bytes(), &e)
	return w.Code, resp, e.Error
}

// csrFor makes a certificate request for key, as PEM and DER.
func csrFor(t *testing.T, key crypto.Signer) (string, []byte) {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "evalroom box"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), der
}

func binding(t *testing.T, s protocol.Signer, der []byte) string {
	t.Helper()
	b, err := protocol.SignKeyBinding(s, der)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func certKeyOf(t *testing.T, certPEM string) crypto.PublicKey {
	t.Helper()
	blk, _ := pem.Decode([]byte(certPEM))
	if blk == nil {
		t.Fatalf("no certificate in %q", certPEM)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if room, err := pki.BoxRoom(c); err != nil || room != "room-1" {
		t.Fatalf("certificate for %q, %v", room, err)
	}
	return c.PublicKey
}

// TestEnrollSM2Box: an SM2 box gets its certificate for the transport key
// its SM2 key signed the request of; a forged or misplaced binding, a
// request its key did not sign or a transport key of another kind gets
// none, and leaves the token unspent.
func TestEnrollSM2Box(t *testing.T) {
	r := newEnrollRig(t)
	box := prototest.SM2Signer
	transport, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr, der := csrFor(t, transport)
	otherCSR, _ := csrFor(t, mustECDSA(t))
	_, edTransport, _ := ed25519.GenerateKey(rand.Reader)
	edCSR, edDER := csrFor(t, edTransport)
	// A request whose own signature is broken: its key did not make it.
	damagedDER := append([]byte(nil), der...)
	damagedDER[len(damagedDER)-3] ^= 1
	damaged := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: damagedDER}))

	tok := r.token(t)
	pub := box.PublicKey().String()
	refused := []struct {
		name string
		req  enrollReq
		says string
	}{
		{"no binding", enrollReq{Token: tok, PublicKey: pub, CSR: csr}, "key_binding"},
		{"binding by another SM2 key", enrollReq{Token: tok, PublicKey: pub, CSR: csr, KeyBinding: binding(t, prototest.OtherSM2Signer, der)}, "key_binding"},
		{"binding by an Ed25519 key", enrollReq{Token: tok, PublicKey: pub, CSR: csr, KeyBinding: binding(t, prototest.Signer, der)}, "key_binding"},
		{"binding of another request", enrollReq{Token: tok, PublicKey: pub, CSR: otherCSR, KeyBinding: binding(t, box, der)}, "key_binding"},
		{"binding not base64", enrollReq{Token: tok, PublicKey: pub, CSR: csr, KeyBinding: "!!"}, "key_binding"},
		{"request its key did not sign", enrollReq{Token: tok, PublicKey: pub, CSR: damaged, KeyBinding: binding(t, box, damagedDER)}, "csr: certificate request is not valid: signature"},
		{"transport key not ECDSA P-256", enrollReq{Token: tok, PublicKey: pub, CSR: edCSR, KeyBinding: binding(t, box, edDER)}, "ECDSA P-256"},
		{"no request", enrollReq{Token: tok, PublicKey: pub, KeyBinding: binding(t, box, der)}, "csr"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			code, _, msg := r.post(t, c.req)
			if code != http.StatusBadRequest || !strings.Contains(msg, c.says) {
				t.Fatalf("%d %q, want 400 naming %s", code, msg, c.says)
			}
		})
	}

	code, resp, msg := r.post(t, enrollReq{Token: tok, PublicKey: pub, CSR: csr, KeyBinding: binding(t, box, der)})
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, msg)
	}
	if k := certKeyOf(t, resp.Certificate); !transport.PublicKey.Equal(k) {
		t.Fatalf("certificate for %T, not the transport key", k)
	}
	boxes, err := r.st.Boxes(context.Background(), "room-1")
	if err != nil || len(boxes) != 1 || boxes[0].PublicKey != pub || boxes[0].CertPEM != resp.Certificate {
		t.Fatalf("boxes %+v %v", boxes, err)
	}
	if k, err := r.st.BoxKey(context.Background(), "room-1"); err != nil || k.Alg != protocol.AlgSM2 {
		t.Fatalf("room key %v %v", k, err)
	}
}

// TestEnrollEd25519Box: the Ed25519 path is as before: the request must
// be for the box key itself, a transport key with a binding is refused.
func TestEnrollEd25519Box(t *testing.T) {
	r := newEnrollRig(t)
	box := prototest.Signer
	pub := box.PublicKey().String()
	csr, _ := csrFor(t, box.Key)
	other, otherDER := csrFor(t, mustECDSA(t))
	if code, _, msg := r.post(t, enrollReq{Token: r.token(t), PublicKey: pub, CSR: other, KeyBinding: binding(t, box, otherDER)}); code != http.StatusBadRequest || !strings.Contains(msg, "csr") {
		t.Fatalf("request for another key: %d %s", code, msg)
	}
	if code, _, msg := r.post(t, enrollReq{Token: r.token(t), PublicKey: pub}); code != http.StatusBadRequest || !strings.Contains(msg, "csr") {
		t.Fatalf("no request: %d %s", code, msg)
	}
	code, resp, msg := r.post(t, enrollReq{Token: r.token(t), PublicKey: pub, CSR: csr})
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, msg)
	}
	if k := certKeyOf(t, resp.Certificate); !ed25519.PublicKey(box.PublicKey().Key).Equal(k) {
		t.Fatalf("certificate for %T, not the box key", k)
	}
}

func mustECDSA(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
