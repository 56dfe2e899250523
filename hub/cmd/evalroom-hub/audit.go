package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/store"
)

// errAuditBroken is the error of a log that does not verify; what was
// found has been printed.
var errAuditBroken = errors.New("the audit log does NOT verify: see above")

// maxBadLines bounds the bad lines of a heads file printed one by one.
const maxBadLines = 10

func auditCmd(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: evalroom-hub audit verify [--data DIR] [--heads FILE] [--key FILE]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ExitOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub")
	dbu := dbFlag(fs)
	var copies []string
	fs.Func("heads", "a copy of the signed heads kept outside the hub (repeatable); DATA/audit/heads.jsonl is always read", func(p string) error {
		copies = append(copies, p)
		return nil
	})
	keyFile := fs.String("key", "", "the hub's audit public key (PEM), best a copy kept outside the hub (default DATA/audit/signing.pub)")
	fs.Parse(args[1:])
	return auditVerify(context.Background(), os.Stdout, *data, *dbu, copies, *keyFile)
}

// auditVerify checks the log in data against the heads in data's heads
// file and in copies, signed by the key in keyFile, and prints what it
// found; it fails if anything was.
func auditVerify(ctx context.Context, out io.Writer, data, db string, copies []string, keyFile string) error {
	st, err := store.OpenDir(ctx, data, db, store.Existing)
	if err != nil {
		return err
	}
	defer st.Close()
	if keyFile == "" {
		keyFile = filepath.Join(data, audit.Dir, audit.PubFile)
	}
	pub, err := audit.ReadPublicKey(keyFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "audit-signing key %s (%s)\n", audit.KeyID(pub), keyFile)
	broken := false
	fail := func(format string, a ...any) {
		broken = true
		fmt.Fprintf(out, "BROKEN: "+format+"\n", a...)
	}
	local := filepath.Join(data, audit.Dir, audit.HeadsFile)
	var heads []audit.Head
	var localSigs map[string]bool
	for i, p := range append([]string{local}, copies...) {
		hs, bad, torn, err := readHeadsFile(p, pub)
		if err != nil {
			fail("%v: a rewrite of the log cannot be ruled out", err)
			continue
		}
		for i, b := range bad {
			if i == maxBadLines {
				fail("heads file %s: %d more lines are not heads signed by the key", p, len(bad)-i)
				break
			}
			fail("heads file %s, line %d: %s", p, b.Line, b.Reason)
		}
		if torn {
			fmt.Fprintf(out, "note: the last line of %s is incomplete (a crash while it was written) and was skipped\n", p)
		}
		fmt.Fprintf(out, "%s: %d signed heads\n", p, len(hs))
		if i == 0 {
			localSigs = map[string]bool{}
			for _, h := range hs {
				localSigs[h.Sig] = true
			}
		} else if localSigs != nil {
			var lacking []audit.Head
			for _, h := range hs {
				if !localSigs[h.Sig] {
					lacking = append(lacking, h)
				}
			}
			if n := len(lacking); n > 0 {
				fail("%s lacks %d of the heads in %s (the first names entry %d, signed %s): the hub's heads file was cut or edited",
					local, n, p, lacking[0].Seq, lacking[0].SignedAt.Format("2006-01-02T15:04:05Z07:00"))
			}
		}
		heads = append(heads, hs...)
	}
	l, err := audit.Open(ctx, st.DB())
	if err != nil {
		return err
	}
	c, err := l.CheckHeads(ctx, heads)
	if err != nil {
		return err
	}
	for _, f := range c.Findings {
		fail("%s", f.Text)
	}
	if broken {
		return errAuditBroken
	}
	latest := "no signed head yet"
	if c.Latest != nil {
		latest = fmt.Sprintf("the latest signed head names entry %d, signed %s", c.Latest.Seq, c.Latest.SignedAt.Format("2006-01-02T15:04:05Z07:00"))
	}
	fmt.Fprintf(out, "audit log intact: %d entries, hash chain unbroken, verified against %d signed heads; %s\n", c.Entries, len(heads), latest)
	return nil
}

func readHeadsFile(path string, pub ed25519.PublicKey) ([]audit.Head, []audit.BadLine, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false, fmt.Errorf("no signed heads: %w", err)
	}
	defer f.Close()
	return audit.ReadHeads(f, pub)
}
