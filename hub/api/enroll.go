package api

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
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
	CSR       string `json:"csr,omitempty"` // PEM certificate request for the same key
}

// EnrollResponse is the hub's answer to a box's enrollment.
type EnrollResponse struct {
	Room        string `json:"room"`
	Name        string `json:"name"`
	Certificate string `json:"certificate,omitempty"` // PEM, the box's client certificate
	CA          string `json:"ca,omitempty"`          // PEM, the CA the hub's certificates chain to
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
		want, err := pub.Crypto()
		if err != nil {
			a.fail(w, http.StatusBadRequest, "public_key: "+err.Error(), nil)
			return
		}
		if req.CSR == "" {
			a.fail(w, http.StatusBadRequest, "csr: this hub issues box certificates: send a certificate request for the box key (update evalroom-edge)", nil)
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
	resp := EnrollResponse{Room: rm.ID, Name: rm.Name, Certificate: box.CertPEM}
	if a.ca != nil {
		resp.CA = string(a.ca.PEM())
	}
	writeJSON(w, http.StatusOK, resp)
}
