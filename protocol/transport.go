package protocol

import (
	"encoding/base64"
	"fmt"
)

// transportKeyContext prefixes what a box signs to bind its TLS transport
// key to its signing key, so that the signature cannot stand for a segment
// header or an MQTT password.
const transportKeyContext = "evalroom-transport-key/v1\n"

// maxKeyBinding bounds the base64 text of a binding signature.
const maxKeyBinding = 256

// SignKeyBinding is how a box whose signing key cannot be used for TLS
// (SM2) vouches for the separate key it uses there: its signature, in
// base64, over the DER bytes of the certificate request for that key. The
// hub issues the certificate only if VerifyKeyBinding passes.
func SignKeyBinding(s Signer, csrDER []byte) (string, error) {
	sig, err := s.Sign(keyBindingMessage(csrDER))
	if err != nil {
		return "", fmt.Errorf("sign the transport key's certificate request: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyKeyBinding checks a binding made by SignKeyBinding against the
// key being enrolled.
func VerifyKeyBinding(pub PublicKey, csrDER []byte, binding string) error {
	if binding == "" || len(binding) > maxKeyBinding {
		return fmt.Errorf("%w: key binding missing or over %d characters", ErrSignature, maxKeyBinding)
	}
	sig, err := base64.StdEncoding.DecodeString(binding)
	if err != nil {
		return fmt.Errorf("%w: key binding is not base64", ErrSignature)
	}
	return pub.Verify(keyBindingMessage(csrDER), sig)
}

func keyBindingMessage(csrDER []byte) []byte {
	return append([]byte(transportKeyContext), csrDER...)
}
