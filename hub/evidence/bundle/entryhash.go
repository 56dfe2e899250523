package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// AuditFields are what an audit entry's hash covers besides the previous
// entry's hash.
type AuditFields struct {
	ID     int64  `json:"id"`
	At     int64  `json:"at"` // Unix nanoseconds
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Target string `json:"target"`
	Detail string `json:"detail"`
}

// AuditHash is the hub audit log's entry hash: SHA-256 over the previous
// entry's hash and the fields in a fixed JSON form, in hex. It lives here,
// where the offline verifier may import it (protocol and the standard
// library only), and hub/audit chains its log with this same function.
func AuditHash(prev string, f AuditFields) string {
	b, _ := json.Marshal(f)
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
