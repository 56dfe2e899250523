package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/evalroom/evalroom/internal/durable"
)

// Files of the anchoring, under DATA/audit.
const (
	Dir       = "audit"
	HeadsFile = "heads.jsonl" // one signed head a line, only ever appended to
	KeyFile   = "signing.key" // the hub's audit-signing key (Ed25519, PKCS #8 PEM, mode 0600)
	PubFile   = "signing.pub" // its public key (PKIX PEM): copy it to wherever heads are verified
)

// headDomain separates a head signature from anything else the key could
// be made to sign.
const headDomain = "evalroom audit head v1\n"

// Head is a signed statement of the audit log's newest entry: "at SignedAt
// the log's entry Seq had hash Hash". A rewrite of the database cannot
// change a head that has left the hub, so a later log whose entry Seq has
// another hash, or that ends before Seq, was rewritten or cut.
type Head struct {
	V        int       `json:"v"`
	Seq      int64     `json:"seq"`       // the entry's id
	Hash     string    `json:"hash"`      // the entry's hash
	EntryAt  time.Time `json:"entry_at"`  // the entry's time
	SignedAt time.Time `json:"signed_at"` // when the hub signed this head
	Why      string    `json:"why"`       // start, interval, entries or shutdown
	Key      string    `json:"key"`       // the signing key's id (KeyID)
	Sig      string    `json:"sig"`       // Ed25519 signature, hex, over headDomain and the head without Sig
}

// message is what a head's signature covers.
func (h Head) message() []byte {
	h.Sig = ""
	b, _ := json.Marshal(h)
	return append([]byte(headDomain), b...)
}

// KeyID names an audit-signing public key: "ed25519:" and the first 16
// bytes of the SHA-256 of the key, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:16])
}

// Signer signs heads with the hub's audit-signing key.
type Signer struct {
	key ed25519.PrivateKey
	id  string
}

// NewSigner signs with key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, id: KeyID(key.Public().(ed25519.PublicKey))}
}

// KeyID is the id of the signer's key.
func (s *Signer) KeyID() string { return s.id }

// Public is the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign fills in h's key and signature.
func (s *Signer) Sign(h Head) Head {
	h.V, h.Key = 1, s.id
	h.Sig = hex.EncodeToString(ed25519.Sign(s.key, h.message()))
	return h
}

// CheckHead checks h's signature with pub.
func CheckHead(h Head, pub ed25519.PublicKey) error {
	if h.Key != KeyID(pub) {
		return fmt.Errorf("signed with key %s, not with %s", h.Key, KeyID(pub))
	}
	sig, err := hex.DecodeString(h.Sig)
	if err != nil || !ed25519.Verify(pub, h.message(), sig) {
		return errors.New("the signature does not verify: the line was forged or edited")
	}
	return nil
}

// LoadOrCreateKey returns the audit-signing key in dir (DATA/audit),
// making it on first start: KeyFile (mode 0600) and PubFile. A key file
// others can read is refused.
func LoadOrCreateKey(dir string) (*Signer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit directory: %w", err)
	}
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createKey(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("audit-signing key: %w", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("audit-signing key %s: others may read it (mode %v): chmod 600 it, and consider it known", path, fi.Mode().Perm())
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("audit-signing key %s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit-signing key %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit-signing key %s: not an Ed25519 key", path)
	}
	s := NewSigner(key)
	if _, err := os.Stat(filepath.Join(dir, PubFile)); errors.Is(err, os.ErrNotExist) {
		if err := writePublic(dir, s.Public()); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func createKey(dir string) (*Signer, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make the audit-signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode the audit-signing key: %w", err)
	}
	s := NewSigner(key)
	// The public key first: a key without its public half is never left.
	if err := writePublic(dir, s.Public()); err != nil {
		return nil, err
	}
	if err := durable.WriteFile(filepath.Join(dir, KeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, fmt.Errorf("audit-signing key: %w", err)
	}
	return s, nil
}

func writePublic(dir string, pub ed25519.PublicKey) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("encode the audit public key: %w", err)
	}
	if err := durable.WriteFile(filepath.Join(dir, PubFile), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("audit public key: %w", err)
	}
	return nil
}

// ReadPublicKey reads an audit-signing public key (PKIX PEM, as in PubFile).
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit public key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("audit public key %s: not a PEM public key", path)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit public key %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("audit public key %s: not an Ed25519 key", path)
	}
	return pub, nil
}

// BadLine is a line of a heads file that is not a head signed by the key.
type BadLine struct {
	Line   int
	Reason string
}

// maxHeadLine bounds one line of a heads file.
const maxHeadLine = 4096

// ReadHeads reads a heads file and checks each line's signature with pub.
// It returns the heads that verify and the lines that do not. A last line
// without its newline (a crash while it was written) is left out and
// reported as torn, not as bad.
func ReadHeads(r io.Reader, pub ed25519.PublicKey) (heads []Head, bad []BadLine, torn bool, err error) {
	br := bufio.NewReaderSize(r, maxHeadLine+1)
	for n := 1; ; n++ {
		line, rerr := br.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			bad = append(bad, BadLine{n, "longer than any head"})
			for errors.Is(rerr, bufio.ErrBufferFull) {
				_, rerr = br.ReadSlice('\n')
			}
			if rerr == nil {
				continue
			}
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return heads, bad, torn, fmt.Errorf("read heads: %w", rerr)
		}
		if errors.Is(rerr, io.EOF) {
			torn = len(line) > 0
			return heads, bad, torn, nil
		}
		var h Head
		d := json.NewDecoder(bytes.NewReader(line))
		d.DisallowUnknownFields()
		if err := d.Decode(&h); err != nil || h.V != 1 || h.Seq < 1 || !isHexHash(h.Hash) {
			bad = append(bad, BadLine{n, "not a signed head"})
			continue
		}
		if err := CheckHead(h, pub); err != nil {
			bad = append(bad, BadLine{n, err.Error()})
			continue
		}
		heads = append(heads, h)
	}
}

func isHexHash(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}

// HeadWriter appends heads to a heads file: opened O_APPEND, one line a
// head, each synced before Append returns.
type HeadWriter struct {
	f *os.File
}

// OpenHeads opens (or makes) the heads file at path for appending. A torn
// last line, left by a crash while it was written, is cut off first.
func OpenHeads(path string) (*HeadWriter, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("heads file: %w", err)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("heads file: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if err := durable.SyncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("heads file: %w", err)
		}
	}
	if err := cutTornLine(path, f); err != nil {
		f.Close()
		return nil, err
	}
	return &HeadWriter{f: f}, nil
}

// cutTornLine truncates the file after its last newline.
func cutTornLine(path string, w *os.File) error {
	r, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("heads file: %w", err)
	}
	defer r.Close()
	fi, err := r.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	size := fi.Size()
	buf := make([]byte, min(size, maxHeadLine+1))
	if _, err := r.ReadAt(buf, size-int64(len(buf))); err != nil {
		return fmt.Errorf("heads file: %w", err)
	}
	i := bytes.LastIndexByte(buf, '\n')
	if i == len(buf)-1 {
		return nil
	}
	keep := size - int64(len(buf)) + int64(i) + 1
	if err := w.Truncate(keep); err != nil {
		return fmt.Errorf("heads file: cut a torn last line: %w", err)
	}
	return w.Sync()
}

// Append writes h as one line and syncs the file.
func (w *HeadWriter) Append(h Head) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("append a head: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync the heads file: %w", err)
	}
	return nil
}

// Close closes the file.
func (w *HeadWriter) Close() error { return w.f.Close() }
