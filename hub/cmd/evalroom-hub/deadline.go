package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/workday"
)

// deadline prints the end of a statutory limit by the working-day engine
// and the loaded calendars (the shipped ones and DATA/calendars/*.json).
func deadline(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("deadline", flag.ContinueOnError)
	data := fs.String("data", store.DefaultDir, "data directory of the hub (its calendars/*.json are loaded)")
	from := fs.String("from", "", "start date, YYYY-MM-DD (not counted)")
	add := fs.String("add", "", "the limit: Nwd (working days) or Nd (calendar days)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *add == "" {
		return errors.New("deadline needs --from YYYY-MM-DD and --add Nwd|Nd")
	}
	start, err := workday.ParseDate(*from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	span, err := workday.ParseSpan(*add)
	if err != nil {
		return fmt.Errorf("--add: %w", err)
	}
	cal := workday.New()
	if err := cal.LoadDir(filepath.Join(*data, "calendars")); err != nil {
		return err
	}
	due, err := cal.Add(start, span)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, due)
	return err
}
