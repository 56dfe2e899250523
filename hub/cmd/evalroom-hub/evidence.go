package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/retention"
	"github.com/evalroom/evalroom/hub/store"
)

const evidenceUsage = "usage: evalroom-hub evidence export --data DIR [--store s3://BUCKET?endpoint=…] --room ROOM --from RFC3339 --to RFC3339 --out FILE [--by NAME]"

// evidenceCmd exports a room's evidence file from the hub's data directory.
func evidenceCmd(args []string) error {
	if len(args) == 0 || args[0] != "export" {
		return errors.New(evidenceUsage)
	}
	fs := flag.NewFlagSet("evidence export", flag.ExitOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub")
	storeURL := fs.String("store", "", "the object store the hub keeps recordings in, as serve's --store (default: pack files in --data)")
	dbu := dbFlag(fs)
	room := fs.String("room", "", "room id")
	fromS := fs.String("from", "", "start of the range, RFC 3339 (e.g. 2026-03-02T09:30:00+08:00)")
	toS := fs.String("to", "", "end of the range, RFC 3339")
	out := fs.String("out", "", "file to write; never overwritten")
	by := fs.String("by", os.Getenv("USER"), "who exports (goes to the audit log)")
	fs.Parse(args[1:])
	from, err1 := time.Parse(time.RFC3339Nano, *fromS)
	to, err2 := time.Parse(time.RFC3339Nano, *toS)
	if err1 != nil || err2 != nil || *out == "" || *by == "" {
		return errors.New(evidenceUsage + "\n--from and --to are RFC 3339 times such as 2026-03-02T09:30:00+08:00; --by is needed when $USER is not set")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: choose another --out (an evidence file is never overwritten)", *out)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, l, err := openData(ctx, *data, *dbu)
	if err != nil {
		return err
	}
	defer st.Close()
	recs, err := recstore.Open(ctx, *storeURL, *data)
	if err != nil {
		return err
	}
	removed, err := retention.Open(ctx, st.DB())
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	ex, err := evidence.Prepare(ctx, st, l, evidence.Request{Room: *room, From: from, To: to, By: *by + "@" + host, Retention: removed}, time.Now())
	if err != nil {
		return fmt.Errorf("export %s: %w", *room, err)
	}
	res, err := writeDurably(*out, func(f *os.File) (evidence.Result, error) { return ex.ReadFrom(recs).Write(ctx, f) })
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s: room %s, %d records, %d holes, %d bytes\nmanifest sha256 %s, audit entry %d\n",
		*out, ex.Manifest.Room, ex.Records(), ex.Holes(), res.Bytes, ex.ManifestSHA256, ex.Entry.ID)
	for _, p := range res.Problems {
		fmt.Fprintln(os.Stderr, "problem:", p)
	}
	if len(res.Problems) > 0 {
		return fmt.Errorf("the store does not hold what its index says (%d problems above); the file shows it, and verify-evidence will report it", len(res.Problems))
	}
	return nil
}

// openData opens the hub's database and audit log in an existing data
// directory.
func openData(ctx context.Context, data, db string) (*store.Store, *audit.Log, error) {
	st, err := store.OpenDir(ctx, data, db, store.Existing)
	if err != nil {
		return nil, nil, err
	}
	l, err := audit.Open(ctx, st.DB())
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, l, nil
}

// writeDurably writes a new file through a temporary one: synced, renamed
// into place, directory synced, so that a crash leaves no half file under
// the name.
func writeDurably(path string, write func(*os.File) (evidence.Result, error)) (evidence.Result, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".evidence-*")
	if err != nil {
		return evidence.Result{}, fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	res, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o444)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return res, fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return res, nil
}

// verifyEvidence checks an evidence file with nothing but the file.
func verifyEvidence(args []string) error {
	fs := flag.NewFlagSet("verify-evidence", flag.ExitOnError)
	faultsOnly := fs.Bool("faults-only", false, "print only what is not whole")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("usage: evalroom-hub verify-evidence [--faults-only] FILE")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := bundle.Verify(f)
	if err != nil {
		return err
	}
	for _, l := range rep.Lines {
		if !*faultsOnly || l.Fault() || l.Part == bundle.PartHole {
			fmt.Println(l)
		}
	}
	fmt.Println(rep.Summary())
	return rep.Err()
}
