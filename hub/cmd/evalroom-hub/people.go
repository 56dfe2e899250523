package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// userCmd: evalroom-hub user add|passwd.
func userCmd(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: evalroom-hub user add|passwd (see evalroom-hub with no arguments)")
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, args[1:], in, out)
	case "passwd":
		return userPasswd(ctx, args[1:], in, out)
	}
	return fmt.Errorf("unknown user command %q: use add or passwd", args[0])
}

func userAdd(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub")
	dbu := dbFlag(fs)
	username := fs.String("username", "", "sign-in name (lower-case letters, digits, dashes)")
	name := fs.String("name", "", "name shown to people (default: the user name)")
	roleS := fs.String("role", "", "operator, regulator, agency-admin, agency-staff, purchaser, expert or technician")
	scope := fs.String("scope", "", "regulator: division code (or * for all); agency: agency id; technician: room ids, comma-separated")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input instead of making one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !protocol.ValidID(*username) {
		return errors.New("--username must be 1-63 lower-case letters, digits or dashes")
	}
	role, err := auth.ParseRole(*roleS)
	if err != nil {
		return err
	}
	if err := auth.CheckScope(role, *scope); err != nil {
		return err
	}
	pw, hash, made, err := password(*stdin, in)
	if err != nil {
		return err
	}
	if *name == "" {
		*name = *username
	}
	db, err := openHub(ctx, *data, *dbu)
	if err != nil {
		return err
	}
	defer db.st.Close()
	if err := db.st.AddUser(ctx, store.User{Username: *username, Name: *name, Role: string(role), Scope: *scope, PassHash: hash}); err != nil {
		return err
	}
	if err := db.record(ctx, audit.UserAdd, "user/"+*username, strings.TrimSpace(string(role)+" "+*scope)); err != nil {
		return err
	}
	fmt.Fprintf(out, "user %s added as %s %s\n", *username, role, *scope)
	if made {
		fmt.Fprintf(out, "password (shown once): %s\n", pw)
	}
	return nil
}

func userPasswd(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("user passwd", flag.ContinueOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub")
	dbu := dbFlag(fs)
	username := fs.String("username", "", "whose password")
	stdin := fs.Bool("password-stdin", false, "read the new password from standard input instead of making one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pw, hash, made, err := password(*stdin, in)
	if err != nil {
		return err
	}
	db, err := openHub(ctx, *data, *dbu)
	if err != nil {
		return err
	}
	defer db.st.Close()
	if err := db.st.SetPassword(ctx, *username, hash); err != nil {
		return err
	}
	if err := db.record(ctx, audit.UserPassword, "user/"+*username, "new password, unlocked"); err != nil {
		return err
	}
	fmt.Fprintf(out, "user %s has a new password and is unlocked\n", *username)
	if made {
		fmt.Fprintf(out, "password (shown once): %s\n", pw)
	}
	return nil
}

// password reads one line from in, or makes a strong one (made), and
// returns it with its hash.
func password(fromStdin bool, in io.Reader) (pw, hash string, made bool, err error) {
	if fromStdin {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", "", false, fmt.Errorf("read the password from standard input: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		b := make([]byte, 15)
		rand.Read(b)
		pw, made = base64.RawURLEncoding.EncodeToString(b), true
	}
	hash, err = auth.HashPassword(pw)
	return pw, hash, made, err
}

// API tokens are valid for DefaultTokenTTL unless --ttl says otherwise,
// and never longer than MaxTokenTTL: a forgotten token must end by itself.
const (
	DefaultTokenTTL = 90 * 24 * time.Hour
	MaxTokenTTL     = 2 * 365 * 24 * time.Hour
)

// tokenCmd: evalroom-hub token create.
func tokenCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: evalroom-hub token create --role ROLE [--scope SCOPE] [--name NAME] [--ttl DURATION]")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub")
	dbu := dbFlag(fs)
	roleS := fs.String("role", "", "the role the token acts as")
	scope := fs.String("scope", "", "as for users: division code, agency id or room ids")
	name := fs.String("name", "", "what the token is for, shown in the audit log (default: role)")
	ttl := fs.Duration("ttl", DefaultTokenTTL, "how long it is valid (at most 2 years; make a new one before it ends)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	role, err := auth.ParseRole(*roleS)
	if err != nil {
		return err
	}
	if err := auth.CheckScope(role, *scope); err != nil {
		return err
	}
	if *ttl <= 0 || *ttl > MaxTokenTTL {
		return fmt.Errorf("--ttl %s: a token is valid for more than 0 and at most %s (e.g. --ttl 2160h for 90 days)", *ttl, MaxTokenTTL)
	}
	if *name == "" {
		*name = string(role)
	}
	db, err := openHub(ctx, *data, *dbu)
	if err != nil {
		return err
	}
	defer db.st.Close()
	tok, err := db.st.CreateAPIToken(ctx, store.APIToken{Name: *name, Role: string(role), Scope: *scope}, *ttl)
	if err != nil {
		return err
	}
	until := time.Now().Add(*ttl).UTC().Format(time.RFC3339)
	if err := db.record(ctx, audit.TokenCreate, "token/"+*name, strings.TrimSpace(string(role)+" "+*scope+" until "+until)); err != nil {
		return err
	}
	// The token alone goes to standard output, for scripts to take.
	fmt.Fprintln(out, tok)
	fmt.Fprintf(os.Stderr, "token %q (%s) is valid until %s\n", *name, role, until)
	return nil
}
