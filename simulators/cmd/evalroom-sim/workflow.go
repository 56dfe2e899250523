package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/evalroom/evalroom/simulators/people"
)

// seedWorkflow is `evalroom-sim workflow`: the people of a cast file put
// one open tender part-way through at the hub (simulators/people.Seed).
func seedWorkflow(args []string) error {
	fs := flag.NewFlagSet("evalroom-sim workflow", flag.ContinueOnError)
	hub := fs.String("hub", "http://127.0.0.1:8080", "hub base URL")
	castFile := fs.String("cast", "", "JSON file of the people's sign-ins: {maker, checker, agency, supplier: {username, password}, agency_id, jurisdiction, onboarding?: {operator, admin, technician, staff: [...], rooms, bank}}")
	caFile := fs.String("ca", "", "the hub's CA certificate (PEM) when the hub serves HTTPS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *castFile == "" {
		return errors.New("workflow: --cast FILE is needed (the people who act, with their passwords)")
	}
	b, err := os.ReadFile(*castFile)
	if err != nil {
		return fmt.Errorf("workflow: %w", err)
	}
	var cast people.Cast
	if err := json.Unmarshal(b, &cast); err != nil {
		return fmt.Errorf("workflow: %s: %w", *castFile, err)
	}
	var tr http.RoundTripper
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return fmt.Errorf("workflow: --ca: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("workflow: --ca %s holds no PEM certificate", *caFile)
		}
		tr = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute) // the onboarding waits for the rooms to record
	defer cancel()
	s, err := people.Seed(ctx, *hub, tr, cast, time.Now())
	if err != nil {
		return fmt.Errorf("workflow: %w", err)
	}
	fmt.Printf("project %d (%s", s.Project, s.State)
	if s.BidDeadline != "" {
		fmt.Printf(", bid deadline %s", s.BidDeadline)
	}
	fmt.Print(")")
	if s.Challenge != 0 {
		fmt.Printf("; challenge %d waits for the agency's reply", s.Challenge)
	}
	fmt.Printf("; entrustment %d waits for its intake", s.Waiting)
	if s.Note != "" {
		fmt.Printf("; %s", s.Note)
	}
	fmt.Println()
	return nil
}
