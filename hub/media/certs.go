package media

import (
	"context"
	"net/http"

	"github.com/evalroom/evalroom/hub/pki"
)

// CurrentCert reports whether a certificate serial is the room's current
// box's.
type CurrentCert func(ctx context.Context, room, serial string) (bool, error)

// RequireCertificates makes every upload show the TLS client certificate
// of the room's current box: another room's box, a replaced box or a
// client without a certificate is refused before its body is read.
func (in *Ingest) RequireCertificates(current CurrentCert) { in.current = current }

// checkCert is the certificate check; nil when uploads need none.
func (in *Ingest) checkCert(r *http.Request, room string) error {
	if in.current == nil {
		return nil
	}
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		return fail(http.StatusUnauthorized, "uploads need the box's client certificate: enroll the box and connect over HTTPS")
	}
	c := r.TLS.VerifiedChains[0][0]
	certRoom, err := pki.BoxRoom(c)
	if err != nil {
		return fail(http.StatusForbidden, "the client certificate is not a box certificate")
	}
	if certRoom != room {
		return fail(http.StatusForbidden, "the certificate of room %s cannot upload for room %s", certRoom, room)
	}
	ok, err := in.currentCert(r.Context(), room, pki.Serial(c))
	if err != nil {
		return err
	}
	if !ok {
		return fail(http.StatusForbidden, "certificate %s is not the current box of room %s (replaced): enroll the box again", pki.Serial(c), room)
	}
	return nil
}
