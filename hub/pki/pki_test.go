package pki_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/pki"
)

func csr(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "box"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func TestLoadOrCreateKeepsTheCA(t *testing.T) {
	dir := t.TempDir()
	ca1, srv1, err := pki.LoadOrCreate(pki.Options{Dir: dir, Hosts: []string{"127.0.0.1", "hub.example"}})
	if err != nil {
		t.Fatal(err)
	}
	ca2, _, err := pki.LoadOrCreate(pki.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if ca1.Pin() != ca2.Pin() {
		t.Fatal("a second start made a new CA: every box would have to enroll again")
	}
	leaf, _ := x509.ParseCertificate(srv1.Certificate[0])
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca1.Pool(), DNSName: "hub.example"}); err != nil {
		t.Fatalf("server certificate: %v", err)
	}
	if len(srv1.Certificate) != 2 {
		t.Fatalf("server chain has %d certificates; the CA must follow the leaf for pinning boxes", len(srv1.Certificate))
	}
	fi, err := os.Stat(filepath.Join(dir, pki.CAKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key mode: %v %v", fi.Mode(), err)
	}
}

func TestSignBox(t *testing.T) {
	ca, _, err := pki.LoadOrCreate(pki.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	c, err := ca.SignBox(csr(t, priv), "room-1", pub, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if room, err := pki.BoxRoom(c); err != nil || room != "room-1" {
		t.Fatalf("room %q, %v", room, err)
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatal(err)
	}

	bad := csr(t, priv)
	bad[len(bad)/2] ^= 1
	cases := []struct {
		name string
		csr  []byte
		want any
		err  error
	}{
		{"request for another key", csr(t, otherPriv), pub, pki.ErrKeyDiffer},
		{"key of another type", csr(t, ecKey), pub, pki.ErrKeyDiffer},
		{"not PEM", []byte("hello"), pub, pki.ErrBadCSR},
		{"damaged", bad, pub, pki.ErrBadCSR},
		{"enrolled key differs", csr(t, priv), otherPub, pki.ErrKeyDiffer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ca.SignBox(tc.csr, "room-1", tc.want, time.Hour); !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
		})
	}
}

func TestHubClientIsNoBox(t *testing.T) {
	dir := t.TempDir()
	ca, _, err := pki.LoadOrCreate(pki.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := ca.HubClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(hc.Certificate[0])
	if _, err := pki.BoxRoom(leaf); !errors.Is(err, pki.ErrNotBox) {
		t.Fatalf("the hub's client certificate passes as a box: %v", err)
	}
}

// FuzzSignBox feeds the CA what a box sends at enrollment: whatever the
// bytes, no panic, and no certificate for a request that is not for the
// enrolled key.
func FuzzSignBox(f *testing.F) {
	ca, _, err := pki.LoadOrCreate(pki.Options{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "box"}}, priv)
	good := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	f.Add(good)
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte{})
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	f.Fuzz(func(t *testing.T, csr []byte) {
		if c, err := ca.SignBox(csr, "room-1", otherPub, time.Hour); err == nil {
			t.Fatalf("issued %v for a request not for the enrolled key", c.Subject)
		}
		if c, err := ca.SignBox(csr, "room-1", pub, time.Hour); err == nil && !pub.Equal(c.PublicKey) {
			t.Fatal("issued a certificate for another key")
		}
	})
}

func TestCRLListsRevokedBoxes(t *testing.T) {
	dir := t.TempDir()
	ca, _, err := pki.LoadOrCreate(pki.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	c, err := ca.SignBox(csr(t, priv), "room-1", pub, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteCRL(dir, []pki.Revoked{{Serial: pki.Serial(c), At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, pki.CRLFile))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	crl, err := x509.ParseRevocationList(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(ca.Cert); err != nil {
		t.Fatalf("CRL not signed by the CA: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(c.SerialNumber) != 0 {
		t.Fatalf("CRL lists %+v", crl.RevokedCertificateEntries)
	}
}
