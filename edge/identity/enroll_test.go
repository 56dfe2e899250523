package identity_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/protocol"
)

// fakeHub answers enrollments over HTTPS the way the hub does: it checks
// that the request is for the box key, or (SM2) for a transport key the
// box key vouches for, and signs a client certificate for that key.
type fakeHub struct {
	url    string
	caFile string
	got    identity.EnrollRequest
}

func newFakeHub(t *testing.T) *fakeHub {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvDER, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, &srvKey.PublicKey, caKey)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	h := &fakeHub{caFile: filepath.Join(t.TempDir(), "ca.pem")}
	os.WriteFile(h.caFile, caPEM, 0o644)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := json.NewDecoder(r.Body).Decode(&h.got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		blk, _ := pem.Decode([]byte(h.got.CSR))
		csr, err := x509.ParseCertificateRequest(blk.Bytes)
		if err != nil || csr.CheckSignature() != nil {
			http.Error(w, "bad csr", http.StatusBadRequest)
			return
		}
		pub, err := protocol.ParsePublicKey(h.got.PublicKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if pub.Alg == protocol.AlgSM2 {
			err = protocol.VerifyKeyBinding(pub, blk.Bytes, h.got.KeyBinding)
		} else if want, _ := pub.Crypto(); !want.(interface{ Equal(crypto.PublicKey) bool }).Equal(csr.PublicKey) {
			err = errors.New("csr for another key")
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		der, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "room-1"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, csr.PublicKey, caKey)
		json.NewEncoder(w).Encode(identity.EnrollResponse{Room: "room-1", Name: "room 1",
			Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), CA: string(caPEM)})
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvDER, caDER}, PrivateKey: srvKey}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// TestEnrollBothKinds: an Ed25519 box asks a certificate for its own key
// and makes no transport key; an SM2 box makes a private ECDSA transport
// key, asks the certificate for that, vouches for it with its SM2 key, and
// does TLS with it.
func TestEnrollBothKinds(t *testing.T) {
	for _, alg := range []string{protocol.AlgEd25519, protocol.AlgSM2} {
		t.Run(alg, func(t *testing.T) {
			hub := newFakeHub(t)
			dir := t.TempDir()
			signer, err := identity.LoadOrCreateKeyAlg(dir, alg)
			if err != nil {
				t.Fatal(err)
			}
			e, err := identity.Enroll(context.Background(), &http.Client{}, hub.url, "tok", dir, signer, identity.Trust{CAFile: hub.caFile})
			if err != nil {
				t.Fatal(err)
			}
			if e.PublicKey != signer.PublicKey().String() || hub.got.PublicKey != e.PublicKey {
				t.Fatalf("enrolled %q, sent %q, key %q", e.PublicKey, hub.got.PublicKey, signer.PublicKey())
			}
			cfg, err := identity.LoadTLS(dir, signer)
			if err != nil || cfg == nil {
				t.Fatalf("LoadTLS: %v", err)
			}
			tlsKey := cfg.Certificates[0].PrivateKey
			transport := filepath.Join(dir, identity.TransportKeyFile)
			fi, statErr := os.Stat(transport)
			switch alg {
			case protocol.AlgEd25519:
				if hub.got.KeyBinding != "" || statErr == nil {
					t.Fatalf("an Ed25519 box sent a key binding (%q) or made a transport key (%v)", hub.got.KeyBinding, statErr)
				}
				if k, ok := tlsKey.(ed25519.PrivateKey); !ok || !k.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(signer.PublicKey().Key)) {
					t.Fatalf("TLS key %T is not the box key", tlsKey)
				}
			case protocol.AlgSM2:
				if hub.got.KeyBinding == "" || statErr != nil || fi.Mode().Perm() != 0o600 {
					t.Fatalf("binding %q, transport key %v %v", hub.got.KeyBinding, fi, statErr)
				}
				if k, ok := tlsKey.(*ecdsa.PrivateKey); !ok || k.Curve != elliptic.P256() {
					t.Fatalf("TLS key %T, want ECDSA P-256", tlsKey)
				}
				// Enrolling again keeps the transport key.
				before, _ := os.ReadFile(transport)
				if _, err := identity.Enroll(context.Background(), &http.Client{}, hub.url, "tok2", dir, signer, identity.Trust{CAFile: hub.caFile}); err != nil {
					t.Fatal(err)
				}
				if after, _ := os.ReadFile(transport); string(after) != string(before) {
					t.Fatal("enrolling again made another transport key")
				}
				os.Chmod(transport, 0o640)
				if _, err := identity.LoadTLS(dir, signer); err == nil {
					t.Fatal("a transport key readable by others was used")
				}
				os.Remove(transport)
				if _, err := identity.LoadTLS(dir, signer); !errors.Is(err, identity.ErrNoTransportKey) {
					t.Fatalf("missing transport key: %v", err)
				}
			}
		})
	}
}
