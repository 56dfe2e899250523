package identity

import (
	"crypto"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/evalroom/evalroom/protocol"
)

// ErrNoTrust means a box was told to enroll over HTTPS with nothing to
// check the hub by.
var ErrNoTrust = errors.New("enrolling over HTTPS needs the hub's CA: pass --ca-pin (printed by `evalroom-hub room add`) or --ca FILE")

// pinOf is how a CA certificate is pinned: "sha256:" and hex.
func pinOf(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// trustingClient returns a copy of client that accepts only a hub whose
// certificate chains to the trusted CA, and a check for the CA the hub then
// sends.
func trustingClient(client *http.Client, trust Trust) (*http.Client, func(*x509.Certificate) error, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var pinned func(*x509.Certificate) error
	switch {
	case trust.CAFile != "":
		ca, err := readCA(trust.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("the hub's CA: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		cfg.RootCAs.AddCert(ca)
		pinned = samePin(pinOf(ca))
	case trust.CAPin != "":
		pin := strings.ToLower(strings.TrimSpace(trust.CAPin))
		if !strings.HasPrefix(pin, "sha256:") || len(pin) != len("sha256:")+64 {
			return nil, nil, fmt.Errorf("--ca-pin %q: want sha256: and 64 hex digits", trust.CAPin)
		}
		// The hub sends its CA after its own certificate; the chain must
		// end in the pinned CA and verify against it.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error { return verifyPinned(cs, pin) }
		pinned = samePin(pin)
	default:
		return nil, nil, ErrNoTrust
	}
	var tr *http.Transport
	if t, ok := client.Transport.(*http.Transport); ok && t != nil {
		tr = t.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr.TLSClientConfig = cfg
	c := *client
	c.Transport = tr
	return &c, pinned, nil
}

func samePin(pin string) func(*x509.Certificate) error {
	return func(c *x509.Certificate) error {
		if pinOf(c) != pin {
			return fmt.Errorf("the hub sent a CA (%s) other than the one trusted (%s)", pinOf(c), pin)
		}
		return nil
	}
}

func verifyPinned(cs tls.ConnectionState, pin string) error {
	certs := cs.PeerCertificates
	for _, c := range certs {
		if pinOf(c) != pin {
			continue
		}
		roots := x509.NewCertPool()
		roots.AddCert(c)
		inter := x509.NewCertPool()
		for _, ic := range certs[1:] {
			inter.AddCert(ic)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: cs.ServerName})
		return err
	}
	return fmt.Errorf("the hub's certificate does not come from the CA with pin %s", pin)
}

// LoadTLS returns the box's TLS configuration: its certificate and key
// (the box key, or for an SM2 box its transport key), and the hub's CA as
// the only root. It returns nil for a box enrolled
// with a hub that issues no certificates (--insecure-dev).
func LoadTLS(dir string, signer protocol.Signer) (*tls.Config, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CertFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("box certificate: %w", err)
	}
	leaf, err := parseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("box certificate %s: %w", filepath.Join(dir, CertFile), err)
	}
	ca, err := readCA(filepath.Join(dir, CAFile))
	if err != nil {
		return nil, fmt.Errorf("the hub's CA (enroll again): %w", err)
	}
	key, err := tlsKey(dir, signer, false)
	if err != nil {
		return nil, err
	}
	if k, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(leaf.PublicKey) {
		return nil, fmt.Errorf("box certificate %s is not for the box's TLS key (key replaced?): enroll the box again with a new token", filepath.Join(dir, CertFile))
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		RootCAs:      roots,
		Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}},
	}, nil
}
