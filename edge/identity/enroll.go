package identity

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// Files kept in the data directory once the hub has issued a certificate.
const (
	CAFile   = "ca.pem"  // the hub's CA: the box trusts only hubs it signed
	CertFile = "box.crt" // the box's client certificate for its own key
)

// Trust is how a box checks the hub on its first contact, before it has
// the hub's CA: a copy of the CA certificate, or its pin as printed by
// `evalroom-hub room add`.
type Trust struct {
	CAFile string // PEM file of the hub's CA
	CAPin  string // sha256:HEX of the hub's CA certificate
}

// EnrollRequest is sent to the hub's POST /api/v1/enroll.
type EnrollRequest struct {
	Token     string `json:"token"`
	PublicKey string `json:"public_key"`
	CSR       string `json:"csr"`
}

// EnrollResponse is the hub's answer.
type EnrollResponse struct {
	Room        string `json:"room"`
	Name        string `json:"name"`
	Certificate string `json:"certificate"`
	CA          string `json:"ca"`
}

// Enroll registers the box's key with the hub using a one-time token,
// receives the box's certificate and the hub's CA, and saves them with the
// enrollment in dir. Over HTTPS the hub must prove it holds a certificate
// of the trusted CA; over plain HTTP (a hub run with --insecure-dev) no
// certificate is kept.
func Enroll(ctx context.Context, client *http.Client, hub, token, dir string, signer protocol.Signer, trust Trust) (Enrollment, error) {
	hub = strings.TrimRight(hub, "/")
	secure := strings.HasPrefix(hub, "https://")
	var pinned func(*x509.Certificate) error
	if secure {
		var err error
		if client, pinned, err = trustingClient(client, trust); err != nil {
			return Enrollment{}, err
		}
	}
	csr, err := certRequest(signer)
	if err != nil {
		return Enrollment{}, err
	}
	body, _ := json.Marshal(EnrollRequest{Token: token, PublicKey: signer.PublicKey().String(), CSR: csr})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub+"/api/v1/enroll", bytes.NewReader(body))
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll: cannot reach the hub at %s: %w", hub, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 256<<10))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return Enrollment{}, fmt.Errorf("enroll: hub refused (%s): %s", resp.Status, strings.TrimSpace(string(rb)))
	}
	var er EnrollResponse
	if err := json.Unmarshal(rb, &er); err != nil || !protocol.ValidID(er.Room) {
		return Enrollment{}, fmt.Errorf("enroll: unexpected answer from the hub: %q", rb)
	}
	if secure {
		if err := saveCertificates(dir, er, signer, pinned); err != nil {
			return Enrollment{}, fmt.Errorf("enroll: %w", err)
		}
	}
	e := Enrollment{Room: er.Room, Name: er.Name, Hub: hub, PublicKey: signer.PublicKey().String(), EnrolledAt: time.Now().UTC()}
	eb, _ := json.MarshalIndent(e, "", "  ")
	if err := writeFileSync(filepath.Join(dir, EnrollmentFile), eb, 0o600); err != nil {
		return Enrollment{}, fmt.Errorf("save enrollment: %w", err)
	}
	return e, nil
}

// certRequest makes a PEM certificate request for the box's own key.
func certRequest(signer protocol.Signer) (string, error) {
	key, err := cryptoSigner(signer)
	if err != nil {
		return "", err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "evalroom box"}}, key)
	if err != nil {
		return "", fmt.Errorf("certificate request: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), nil
}

func cryptoSigner(signer protocol.Signer) (crypto.Signer, error) {
	cs, ok := signer.(interface{ Crypto() crypto.Signer })
	if !ok {
		return nil, fmt.Errorf("the box key (%s) cannot make a certificate request", signer.PublicKey().Alg)
	}
	return cs.Crypto(), nil
}

// saveCertificates checks what the hub sent, the CA against the trust the
// box started with and the certificate against the box's key and that CA,
// and keeps both.
func saveCertificates(dir string, er EnrollResponse, signer protocol.Signer, pinned func(*x509.Certificate) error) error {
	ca, err := parseCert([]byte(er.CA))
	if err != nil {
		return fmt.Errorf("the hub's CA: %w", err)
	}
	if err := pinned(ca); err != nil {
		return err
	}
	leaf, err := parseCert([]byte(er.Certificate))
	if err != nil {
		return fmt.Errorf("the box certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return fmt.Errorf("the box certificate does not chain to the hub's CA: %w", err)
	}
	key, err := cryptoSigner(signer)
	if err != nil {
		return err
	}
	if k, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(leaf.PublicKey) {
		return fmt.Errorf("the hub issued a certificate for another key")
	}
	if err := writeFileSync(filepath.Join(dir, CAFile), []byte(er.CA), 0o644); err != nil {
		return fmt.Errorf("save the hub's CA: %w", err)
	}
	return writeFileSync(filepath.Join(dir, CertFile), []byte(er.Certificate), 0o644)
}

func parseCert(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("not a PEM certificate")
	}
	return x509.ParseCertificate(blk.Bytes)
}

// readCA reads a PEM CA certificate file.
func readCA(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := parseCert(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
