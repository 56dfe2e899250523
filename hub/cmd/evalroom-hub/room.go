package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

const roomUsage = "usage: evalroom-hub room add|set|list --data DIR ... (evalroom-hub with no arguments says more)"

func room(args []string) error {
	err := roomCmd(context.Background(), args, os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the flag package printed the help
	}
	return err
}

// roomCmd runs `evalroom-hub room add|set|list`.
func roomCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(roomUsage)
	}
	switch args[0] {
	case "add":
		return roomAdd(ctx, args[1:], out)
	case "set":
		return roomSet(ctx, args[1:], out)
	case "list":
		return roomList(ctx, args[1:], out)
	}
	return errors.New(roomUsage)
}

// ownerFlags are the flags that name a room's jurisdiction and agency.
type ownerFlags struct {
	jurisdiction, jurisdictionName, agency, agencyName string
	given                                              map[string]bool
}

func (o *ownerFlags) register(fs *flag.FlagSet, clears bool) {
	dash := ""
	if clears {
		dash = "; - clears it"
	}
	fs.StringVar(&o.jurisdiction, "jurisdiction", "", "6-digit administrative division code of the finance department that regulates the room, e.g. 450206"+dash)
	fs.StringVar(&o.jurisdictionName, "jurisdiction-name", "", "its name, e.g. 柳州市柳江区 (needed the first time the hub sees the code; another name renames it on every room)")
	fs.StringVar(&o.agency, "agency", "", "id of the procurement agency that runs the room (letters, digits, dashes)"+dash)
	fs.StringVar(&o.agencyName, "agency-name", "", "its name (needed the first time the hub sees the id; another name renames it on every room)")
}

// parse notes which flags were given, after fs.Parse.
func (o *ownerFlags) parse(fs *flag.FlagSet) error {
	o.given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.given[f.Name] = true })
	if o.given["jurisdiction-name"] && !o.given["jurisdiction"] {
		return errors.New("--jurisdiction-name needs --jurisdiction CODE: the name belongs to a code")
	}
	if o.given["agency-name"] && !o.given["agency"] {
		return errors.New("--agency-name needs --agency ID: the name belongs to an id")
	}
	if (o.jurisdiction == store.None && o.jurisdictionName != "") || (o.agency == store.None && o.agencyName != "") {
		return errors.New("- clears the jurisdiction or agency: give no name with it")
	}
	return nil
}

// update is the owner part of a room update: nil for what was not given,
// the zero value for "-".
func (o *ownerFlags) update() store.RoomUpdate {
	var u store.RoomUpdate
	if o.given["jurisdiction"] {
		j := store.Jurisdiction{Code: o.jurisdiction, Name: o.jurisdictionName}
		if o.jurisdiction == store.None {
			j = store.Jurisdiction{}
		}
		u.Jurisdiction = &j
	}
	if o.given["agency"] {
		a := store.Agency{ID: o.agency, Name: o.agencyName}
		if o.agency == store.None {
			a = store.Agency{}
		}
		u.Agency = &a
	}
	return u
}

// flagError turns the store's complaint about a field into one about the
// flag that set it.
func flagError(err error) error {
	var ie *store.InvalidError
	if !errors.As(err, &ie) {
		return err
	}
	flags := map[string]string{"name": "--name", "jurisdiction.code": "--jurisdiction", "jurisdiction.name": "--jurisdiction-name",
		"agency.id": "--agency", "agency.name": "--agency-name"}
	if f, ok := flags[ie.Field]; ok {
		return fmt.Errorf("%s: %s", f, ie.Msg)
	}
	return err
}

// opened is the hub database and its audit log, for one command.
type opened struct {
	st    *store.Store
	audit *audit.Log
	actor string
}

func openHub(ctx context.Context, data, db string) (*opened, error) {
	st, err := store.OpenDir(ctx, data, db, store.NewDatabase)
	if err != nil {
		return nil, err
	}
	l, err := audit.Open(ctx, st.DB())
	if err != nil {
		st.Close()
		return nil, err
	}
	return &opened{st: st, audit: l, actor: cliActor()}, nil
}

// cliActor names who ran the command in the audit log: the system user,
// at the command line.
func cliActor() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return name + "@cli"
}

func (o *opened) record(ctx context.Context, action, target, detail string) error {
	if _, err := o.audit.Record(ctx, o.actor, action, target, detail); err != nil {
		return fmt.Errorf("the change is made but the audit log could not record it (run evalroom-hub audit verify): %w", err)
	}
	return nil
}

func (o *opened) recordChange(ctx context.Context, id string, c store.RoomChange) error {
	if d := c.String(); d != "" {
		if err := o.record(ctx, audit.RoomUpdate, id, d); err != nil {
			return err
		}
	}
	return o.recordRenames(ctx, c.Renames)
}

func (o *opened) recordRenames(ctx context.Context, renames []store.Rename) error {
	for _, r := range renames {
		action := audit.JurisdictionRename
		if r.Kind == "agency" {
			action = audit.AgencyRename
		}
		if err := o.record(ctx, action, r.Code, r.String()); err != nil {
			return err
		}
	}
	return nil
}

func roomAdd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("room add", flag.ContinueOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub")
	dbu := dbFlag(fs)
	id := fs.String("id", "", "room id (lower-case letters, digits, dashes)")
	name := fs.String("name", "", "room name shown to people")
	ttl := fs.Duration("token-ttl", 24*time.Hour, "how long the enrollment token is valid")
	var own ownerFlags
	own.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !protocol.ValidID(*id) || *name == "" {
		return errors.New("--id must be 1-63 lower-case letters, digits or dashes and --name is required")
	}
	if err := own.parse(fs); err != nil {
		return err
	}
	if own.jurisdiction == store.None || own.agency == store.None {
		return errors.New("- clears an owner: use it with evalroom-hub room set")
	}
	db, err := openHub(ctx, *data, *dbu)
	if err != nil {
		return err
	}
	defer db.st.Close()
	rm := store.Room{ID: *id, Name: *name,
		Jurisdiction: store.Jurisdiction{Code: own.jurisdiction, Name: own.jurisdictionName},
		Agency:       store.Agency{ID: own.agency, Name: own.agencyName}}
	renames, err := db.st.AddRoom(ctx, rm)
	switch {
	case errors.Is(err, store.ErrExists):
		// A replaced box: a new token. Owner flags change the owner.
		if u := own.update(); u.Jurisdiction != nil || u.Agency != nil {
			c, err := db.st.UpdateRoom(ctx, *id, u)
			if err != nil {
				return flagError(err)
			}
			if err := db.recordChange(ctx, *id, c); err != nil {
				return err
			}
		}
		if err := db.record(ctx, audit.RoomToken, *id, "new enrollment token"); err != nil {
			return err
		}
	case err != nil:
		return flagError(err)
	default:
		if rm, err = db.st.Room(ctx, *id); err != nil {
			return err
		}
		if err := db.record(ctx, audit.RoomCreate, *id, rm.Detail()); err != nil {
			return err
		}
		if err := db.recordRenames(ctx, renames); err != nil {
			return err
		}
	}
	tok, exp, err := db.st.IssueToken(ctx, *id, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "room %s: enrollment token (one use, until %s):\n%s\n", *id, exp.Format(time.RFC3339), tok)
	printEnrollCommand(out, *data, tok)
	return nil
}

func roomSet(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("room set", flag.ContinueOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub")
	dbu := dbFlag(fs)
	id := fs.String("id", "", "the room to change")
	name := fs.String("name", "", "new room name")
	var own ownerFlags
	own.register(fs, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !protocol.ValidID(*id) {
		return errors.New("--id must name the room: 1-63 lower-case letters, digits or dashes")
	}
	if err := own.parse(fs); err != nil {
		return err
	}
	u := own.update()
	if own.given["name"] {
		u.Name = name
	}
	if u.Name == nil && u.Jurisdiction == nil && u.Agency == nil {
		return errors.New("nothing to change: give --name, --jurisdiction or --agency")
	}
	db, err := openHub(ctx, *data, *dbu)
	if err != nil {
		return err
	}
	defer db.st.Close()
	c, err := db.st.UpdateRoom(ctx, *id, u)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no room %s in %s: add it with evalroom-hub room add", *id, *data)
	}
	if err != nil {
		return flagError(err)
	}
	if !c.Changed() {
		fmt.Fprintf(out, "room %s: nothing changed\n", *id)
		return nil
	}
	if err := db.recordChange(ctx, *id, c); err != nil {
		return err
	}
	if d := c.String(); d != "" {
		fmt.Fprintf(out, "room %s: %s\n", *id, d)
	}
	for _, r := range c.Renames {
		fmt.Fprintf(out, "%s %s renamed: %s\n", r.Kind, r.Code, r)
	}
	return nil
}

func roomList(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("room list", flag.ContinueOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub")
	dbu := dbFlag(fs)
	var f store.RoomFilter
	fs.StringVar(&f.Jurisdiction, "jurisdiction", "", "only rooms of this jurisdiction code (- for none)")
	fs.StringVar(&f.Agency, "agency", "", "only rooms of this agency id (- for none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.OpenDir(ctx, *data, *dbu, store.Existing)
	if err != nil {
		return err
	}
	defer st.Close()
	rooms, err := st.RoomsOf(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tJURISDICTION\tAGENCY\tBOX")
	for _, r := range rooms {
		box := "not enrolled"
		if r.PublicKey != "" {
			box = "enrolled " + r.EnrolledAt.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Jurisdiction, r.Agency, box)
	}
	return tw.Flush()
}

// dbFlag is every command's --db: where the hub's database is when it is
// not the SQLite file in --data (serve's --db, the configuration's
// database).
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "the hub's database: postgres://USER@HOST:PORT/DB?sslmode=disable, or a SQLite file (default: hub.db in --data)")
}
