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

	"github.com/evalroom/evalroom/internal/durable"
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
	CSR       string `json:"csr"` // for the box key, or for its transport key
	// KeyBinding is the box key's signature over the certificate request
	// when that is for the transport key (protocol.SignKeyBinding).
	KeyBinding string `json:"key_binding,omitempty"`
}

// EnrollResponse is the hub's answer.
type EnrollResponse struct {
	Room        string      `json:"room"`
	Name        string      `json:"name"`
	Certificate string      `json:"certificate"`
	CA          string      `json:"ca"`
	Chains      []ChainHead `json:"chains"`
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
	key, err := tlsKey(dir, signer, true)
	if err != nil {
		return Enrollment{}, err
	}
	csr, der, err := certRequest(key)
	if err != nil {
		return Enrollment{}, err
	}
	er := EnrollRequest{Token: token, PublicKey: signer.PublicKey().String(), CSR: csr}
	if needsBinding(signer) {
		if er.KeyBinding, err = protocol.SignKeyBinding(signer, der); err != nil {
			return Enrollment{}, err
		}
	}
	body, _ := json.Marshal(er)
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
	var ans EnrollResponse
	if err := json.Unmarshal(rb, &ans); err != nil || !protocol.ValidID(ans.Room) {
		return Enrollment{}, fmt.Errorf("enroll: unexpected answer from the hub: %q", rb)
	}
	if secure {
		if err := saveCertificates(dir, ans, key, pinned); err != nil {
			return Enrollment{}, fmt.Errorf("enroll: %w", err)
		}
	}
	for _, c := range ans.Chains {
		if !protocol.ValidID(c.Stream) || (c.NextSeq > 0) != (c.Prev != "") {
			return Enrollment{}, fmt.Errorf("enroll: the hub sent a bad chain head for stream %q", c.Stream)
		}
	}
	e := Enrollment{Room: ans.Room, Name: ans.Name, Hub: hub, PublicKey: signer.PublicKey().String(), EnrolledAt: time.Now().UTC(), Chains: ans.Chains}
	eb, _ := json.MarshalIndent(e, "", "  ")
	if err := durable.WriteFile(filepath.Join(dir, EnrollmentFile), eb, 0o600); err != nil {
		return Enrollment{}, fmt.Errorf("save enrollment: %w", err)
	}
	return e, nil
}

// certRequest makes a certificate request for the box's TLS key, as PEM
// and DER.
func certRequest(key crypto.Signer) (string, []byte, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "evalroom box"}}, key)
	if err != nil {
		return "", nil, fmt.Errorf("certificate request: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), der, nil
}

// saveCertificates checks what the hub sent, the CA against the trust the
// box started with and the certificate against the box's TLS key and that
// CA, and keeps both.
func saveCertificates(dir string, er EnrollResponse, key crypto.Signer, pinned func(*x509.Certificate) error) error {
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
	if k, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(leaf.PublicKey) {
		return fmt.Errorf("the hub issued a certificate for another key")
	}
	if err := durable.WriteFile(filepath.Join(dir, CAFile), []byte(er.CA), 0o644); err != nil {
		return fmt.Errorf("save the hub's CA: %w", err)
	}
	return durable.WriteFile(filepath.Join(dir, CertFile), []byte(er.Certificate), 0o644)
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
