package api

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// CA is what enrollment needs of the hub's certificate authority.
type CA interface {
	SignBox(csrPEM []byte, room string, want crypto.PublicKey, validity time.Duration) (*x509.Certificate, error)
	PEM() []byte
}

// BoxCertValidity is how long a box certificate is valid; a box is
// enrolled again (new token) before it ends.
const BoxCertValidity = 5 * 365 * 24 * time.Hour

// OnEnrolled is called after a box is enrolled for room, replacing any
// earlier box (the server ends the old box's broker session).
func (a *API) OnEnrolled(fn func(room string)) *API {
	a.enrolled = fn
	return a
}

// WithCA makes enrollment issue each box a client certificate from ca.
func (a *API) WithCA(ca CA) *API {
	a.ca = ca
	return a
}

type enrollReq struct {
	Token     string `json:"token"`
	PublicKey string `json:"public_key"`
	// CSR is a PEM certificate request for the same key or, from a box
	// whose key TLS cannot use (SM2), for its transport key.
	CSR string `json:"csr,omitempty"`
	// KeyBinding is, with a transport key, the box key's signature over
	// the request (protocol.SignKeyBinding).
	KeyBinding string `json:"key_binding,omitempty"`
}

// EnrollResponse is the hub's answer to a box's enrollment.
type EnrollResponse struct {
	Room        string `json:"room"`
	Name        string `json:"name"`
	Certificate string `json:"certificate,omitempty"` // PEM, the box's client certificate
	CA          string `json:"ca,omitempty"`          // PEM, the CA the hub's certificates chain to
	// Chains say where each stream of the room stands at the hub, so that
	// a box taking the room over goes on with its chains.
	Chains []ChainHead `json:"chains"`
}

// ChainHead is the last record the hub holds of a stream.
type ChainHead struct {
	Stream  string    `json:"stream"`
	NextSeq uint64    `json:"next_seq"`
	Prev    string    `json:"prev"`
	LastEnd time.Time `json:"last_end"`
}

func (a *API) enroll(w http.ResponseWriter, r *http.Request) {
	var req enrollReq
	if !decode(w, r, &req) {
		return
	}
	pub, err := protocol.ParsePublicKey(req.PublicKey)
	if err != nil {
		a.fail(w, http.StatusBadRequest, "public_key: "+err.Error(), nil)
		return
	}
	var issue store.Issuer
	if a.ca != nil {
		want, err := certKey(pub, req)
		if err != nil {
			a.fail(w, http.StatusBadRequest, err.Error(), nil)
			return
		}
		issue = func(room string) (string, string, error) {
			c, err := a.ca.SignBox([]byte(req.CSR), room, want, BoxCertValidity)
			if err != nil {
				return "", "", err
			}
			return pki.Serial(c), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})), nil
		}
	}
	rm, box, err := a.store.EnrollBox(r.Context(), req.Token, req.PublicKey, issue)
	switch {
	case errors.Is(err, store.ErrToken):
		a.fail(w, http.StatusForbidden, err.Error(), nil)
		return
	case errors.Is(err, pki.ErrBadCSR), errors.Is(err, pki.ErrKeyDiffer):
		a.fail(w, http.StatusBadRequest, "csr: "+err.Error(), nil)
		return
	case err != nil:
		a.fail(w, http.StatusInternalServerError, "cannot enroll", err)
		return
	}
	a.log.Info("box enrolled", "room", rm.ID, "key", req.PublicKey, "cert_serial", box.CertSerial)
	detail := req.PublicKey
	if box.CertSerial != "" {
		detail += " cert " + box.CertSerial
	}
	a.record(r, "box", audit.BoxEnroll, rm.ID, detail)
	if a.enrolled != nil {
		a.enrolled(rm.ID)
	}
	chains, err := a.chainHeads(r.Context(), rm.ID)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "enrolled, but cannot read the room's chains: enroll again with a new token", err)
		return
	}
	resp := EnrollResponse{Room: rm.ID, Name: rm.Name, Certificate: box.CertPEM, Chains: chains}
	if a.ca != nil {
		resp.CA = string(a.ca.PEM())
	}
	writeJSON(w, http.StatusOK, resp)
}

// certKey returns the key a box's certificate is to be for: the box key
// itself, or for an SM2 box (crypto/tls cannot use SM2) the transport key
// of its request, which the SM2 key must have signed.
func certKey(pub protocol.PublicKey, req enrollReq) (crypto.PublicKey, error) {
	if pub.Alg != protocol.AlgSM2 {
		want, err := pub.Crypto()
		if err != nil {
			return nil, fmt.Errorf("public_key: %w", err)
		}
		if req.CSR == "" {
			return nil, errors.New("csr: this hub issues box certificates: send a certificate request for the box key (update evalroom-edge)")
		}
		return want, nil
	}
	if req.CSR == "" || req.KeyBinding == "" {
		return nil, errors.New("csr, key_binding: this hub issues box certificates: an SM2 box sends a certificate request for its TLS transport key, signed with its SM2 key (update evalroom-edge)")
	}
	csr, err := pki.ParseCSR([]byte(req.CSR))
	if err != nil {
		return nil, fmt.Errorf("csr: %w", err)
	}
	if err := protocol.VerifyKeyBinding(pub, csr.Raw, req.KeyBinding); err != nil {
		return nil, fmt.Errorf("key_binding: the box key did not sign this certificate request (%w): enroll again with an up-to-date evalroom-edge", err)
	}
	if k, ok := csr.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("csr: the transport key of an SM2 box must be ECDSA P-256, not %T", csr.PublicKey)
	}
	return csr.PublicKey, nil
}

// chainHeads returns where each of the room's streams stands.
func (a *API) chainHeads(ctx context.Context, room string) ([]ChainHead, error) {
	streams, err := a.store.Streams(ctx, room)
	if err != nil {
		return nil, err
	}
	out := []ChainHead{}
	for _, st := range streams {
		last, err := a.store.Latest(ctx, room, st)
		if err != nil {
			return nil, err
		}
		out = append(out, ChainHead{Stream: st, NextSeq: last.LastSeq + 1, Prev: last.Chain, LastEnd: last.End})
	}
	return out, nil
}
