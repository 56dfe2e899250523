package pki

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"path/filepath"
	"time"
)

// CRLFile is the revocation list the hub keeps in its TLS directory, for an
// external broker (mosquitto's crlfile) to refuse replaced boxes.
const CRLFile = "crl.pem"

// Revoked is one revoked certificate: its serial (as Serial writes it) and
// when.
type Revoked struct {
	Serial string
	At     time.Time
}

// WriteCRL signs a revocation list of revoked and writes it to
// dir/crl.pem, valid for a year (it is written again at every enrollment).
func (ca *CA) WriteCRL(dir string, revoked []Revoked) error {
	var entries []x509.RevocationListEntry
	for _, r := range revoked {
		n, ok := new(big.Int).SetString(r.Serial, 16)
		if !ok {
			return fmt.Errorf("CRL: bad serial %q", r.Serial)
		}
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: r.At})
	}
	now := ca.now()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(now.UnixNano()),
		ThisUpdate:                now.Add(-time.Minute),
		NextUpdate:                now.Add(365 * 24 * time.Hour),
		RevokedCertificateEntries: entries,
	}, ca.Cert, ca.key)
	if err != nil {
		return fmt.Errorf("sign CRL: %w", err)
	}
	return writeFile(filepath.Join(dir, CRLFile), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644)
}
