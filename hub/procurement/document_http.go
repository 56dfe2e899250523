package procurement

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/auth"
)

// maxDocument is the largest evidence file taken.
const maxDocument = 8 << 20

// addDocument stores an evidence file of a challenge or complaint (kind):
// the body is the file, ?name= its name; the hub computes its SHA-256.
func (h *HTTP) addDocument(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "/\\") {
			h.answer(w, bad("name", "the file's name, 1 to 200 characters without slashes, as ?name="))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDocument))
		if err != nil || len(body) == 0 {
			h.answer(w, bad("body", "the document's bytes, 1 byte to 8 MiB"))
			return
		}
		sum := sha256.Sum256(body)
		who, _ := auth.From(r.Context())
		id, _ := pathID(r)
		owner := target(kind, id)
		doc := Document{Name: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(body)), By: who.User, At: h.Now().UTC()}
		h.transit(w, r, http.StatusCreated, func(context.Context) (change, error) {
			detail := fmt.Sprintf("%s, %d bytes, sha256 %s", doc.Name, doc.Size, doc.SHA256)
			return change{action: ActDocumentAdd, target: owner, detail: detail, apply: func(ctx context.Context) (any, error) {
				return h.DB.AddDocument(ctx, owner, doc, body)
			}}, nil
		})
	}
}
