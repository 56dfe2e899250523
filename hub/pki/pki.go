// Package pki is the hub's certificate authority: it makes (or loads) the
// CA and the hub's server certificate, signs each box's certificate from the
// request the box sends at enrollment, and says which box a verified client
// certificate belongs to.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Organizational units that tell a box certificate from the hub's own.
const (
	UnitBox = "evalroom-box"
	UnitHub = "evalroom-hub"
	// HubClientName is the common name of the hub's client certificate for
	// an external broker; the broker's ACL grants it every room's topics.
	HubClientName = "evalroom_hub" // not a valid room id, so no box can be named so
)

// Errors callers test with errors.Is.
var (
	ErrBadCSR    = errors.New("certificate request is not valid")
	ErrKeyDiffer = errors.New("certificate request is not for the key being enrolled")
	ErrNotBox    = errors.New("not a box certificate")
)

// Files inside the TLS directory.
const (
	CAFile     = "ca.pem"
	CAKeyFile  = "ca.key"
	CertFile   = "server.pem"
	KeyFile    = "server.key"
	ClientFile = "hub-client.pem"
	ClientKey  = "hub-client.key"
)

// CA signs certificates for boxes and the hub.
type CA struct {
	Cert *x509.Certificate
	key  crypto.Signer
	now  func() time.Time
}

// Options say where the CA and the server certificate come from.
type Options struct {
	Dir string // where made files are kept (DATA/tls)
	// CACert and CAKey, when set, are an operator's CA (PEM files) used
	// instead of one made on first start.
	CACert, CAKey string
	// Cert and Key, when set, are an operator's server certificate.
	Cert, Key string
	// Hosts go into a made server certificate (DNS names or IPs).
	Hosts []string
}

// LoadOrCreate returns the CA and the server certificate, making what is
// missing in opts.Dir on first start.
func LoadOrCreate(opts Options) (*CA, tls.Certificate, error) {
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("TLS directory: %w", err)
	}
	caCert, caKey := opts.CACert, opts.CAKey
	if caCert == "" {
		caCert, caKey = filepath.Join(opts.Dir, CAFile), filepath.Join(opts.Dir, CAKeyFile)
		if err := ensureCA(caCert, caKey); err != nil {
			return nil, tls.Certificate{}, err
		}
	}
	ca, err := loadCA(caCert, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	cert, key := opts.Cert, opts.Key
	if cert == "" {
		cert, key = filepath.Join(opts.Dir, CertFile), filepath.Join(opts.Dir, KeyFile)
		if err := ca.ensureLeaf(cert, key, leafServer, opts.Hosts); err != nil {
			return nil, tls.Certificate{}, err
		}
	}
	srv, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("server certificate %s: %w", cert, err)
	}
	return ca, srv, nil
}

// HubClient returns the hub's client certificate for an external broker,
// making it on first use.
func (ca *CA) HubClient(dir string) (tls.Certificate, error) {
	cert, key := filepath.Join(dir, ClientFile), filepath.Join(dir, ClientKey)
	if err := ca.ensureLeaf(cert, key, leafHubClient, nil); err != nil {
		return tls.Certificate{}, err
	}
	return tls.LoadX509KeyPair(cert, key)
}

// Pool is a pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// PEM is the CA certificate for boxes and browsers to trust.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Pin is the SHA-256 of the CA certificate, which a box checks on its first
// contact with the hub ("sha256:" and hex).
func (ca *CA) Pin() string { return Pin(ca.Cert) }

// Pin returns the pin of a certificate.
func Pin(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// SignBox checks a box's certificate request (PEM) and issues a client
// certificate for room, valid for validity. The request must be for want,
// the key the box enrolls.
func (ca *CA) SignBox(csrPEM []byte, room string, want crypto.PublicKey, validity time.Duration) (*x509.Certificate, error) {
	csr, err := ParseCSR(csrPEM)
	if err != nil {
		return nil, err
	}
	if w, ok := want.(interface{ Equal(crypto.PublicKey) bool }); !ok || !w.Equal(csr.PublicKey) {
		return nil, ErrKeyDiffer
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: room, OrganizationalUnit: []string{UnitBox}, Organization: []string{"evalroom"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	raw, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("sign box certificate: %w", err)
	}
	return x509.ParseCertificate(raw)
}

// ParseCSR reads a PEM certificate request and checks its signature, the
// proof that the requester holds the key it names.
func ParseCSR(csrPEM []byte) (*x509.CertificateRequest, error) {
	blk, _ := pem.Decode(csrPEM)
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" {
		return nil, fmt.Errorf("%w: want a PEM CERTIFICATE REQUEST", ErrBadCSR)
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCSR, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrBadCSR, err)
	}
	return csr, nil
}

// BoxRoom returns the room of a verified box certificate.
func BoxRoom(c *x509.Certificate) (string, error) {
	if c == nil || len(c.Subject.OrganizationalUnit) != 1 || c.Subject.OrganizationalUnit[0] != UnitBox || c.Subject.CommonName == "" {
		return "", ErrNotBox
	}
	return c.Subject.CommonName, nil
}

// Serial is how a certificate's serial number is stored and compared.
func Serial(c *x509.Certificate) string { return strings.ToLower(c.SerialNumber.Text(16)) }

type leafKind int

const (
	leafServer leafKind = iota
	leafHubClient
)

func (ca *CA) ensureLeaf(certPath, keyPath string, kind leafKind, hosts []string) error {
	if exists(certPath) && exists(keyPath) {
		return nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(825 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	switch kind {
	case leafServer:
		tmpl.Subject = pkix.Name{CommonName: "evalroom hub", OrganizationalUnit: []string{UnitHub}, Organization: []string{"evalroom"}}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else if h != "" {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
	case leafHubClient:
		tmpl.Subject = pkix.Name{CommonName: HubClientName, OrganizationalUnit: []string{UnitHub}, Organization: []string{"evalroom"}}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	raw, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return fmt.Errorf("make certificate %s: %w", certPath, err)
	}
	// The chain names the CA, so a box that knows only the CA's pin can
	// check the hub on first contact.
	return writePair(certPath, keyPath, key, raw, ca.Cert.Raw)
}

func ensureCA(certPath, keyPath string) error {
	if exists(certPath) && exists(keyPath) {
		return nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "evalroom hub CA", Organization: []string{"evalroom"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(20 * 365 * 24 * time.Hour), // outlives the 15-year retention
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	raw, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("make CA: %w", err)
	}
	return writePair(certPath, keyPath, key, raw)
}

func loadCA(certPath, keyPath string) (*CA, error) {
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("CA %s: %w", certPath, err)
	}
	c, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("CA %s: %w", certPath, err)
	}
	if !c.IsCA {
		return nil, fmt.Errorf("CA %s is not a CA certificate (basic constraints): give a CA's certificate", certPath)
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("CA key %s cannot sign", keyPath)
	}
	return &CA{Cert: c, key: key, now: time.Now}, nil
}

// writePair writes a key and a certificate chain (leaf first).
func writePair(certPath, keyPath string, key *ecdsa.PrivateKey, chain ...[]byte) error {
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		return err
	}
	var certs []byte
	for _, der := range chain {
		certs = append(certs, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return writeFile(certPath, certs, 0o644)
}

// writeFile writes through a temporary file, fsyncs and renames.
func writeFile(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}
