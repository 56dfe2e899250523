package server

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evalroom/evalroom/hub/pki"
)

// transport is the hub's TLS: nil configs mean plain (--insecure-dev).
type transport struct {
	dir      string // the TLS directory
	ca       *pki.CA
	http     *tls.Config // browsers and scripts; boxes show their certificate
	mqtt     *tls.Config // boxes only: a certificate is required
	external *tls.Config // the hub as a client of an external broker
}

func setupTLS(cfg Config) (transport, error) {
	if cfg.Insecure {
		return transport{}, nil
	}
	opts := cfg.TLS
	if opts.Dir == "" {
		opts.Dir = filepath.Join(cfg.DataDir, "tls")
	}
	if len(opts.Hosts) == 0 {
		opts.Hosts = []string{"localhost", "127.0.0.1", "::1"}
		if h, err := os.Hostname(); err == nil {
			opts.Hosts = append(opts.Hosts, h)
		}
	}
	ca, srv, err := pki.LoadOrCreate(opts)
	if err != nil {
		return transport{}, fmt.Errorf("TLS: %w (or run with --insecure-dev on a closed test machine)", err)
	}
	t := transport{
		dir: opts.Dir, ca: ca,
		http: &tls.Config{
			MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{srv},
			ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: ca.Pool(),
		},
		mqtt: &tls.Config{
			MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{srv},
			ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool(),
		},
	}
	if cfg.Broker != "" {
		client, err := ca.HubClient(opts.Dir)
		if err != nil {
			return transport{}, fmt.Errorf("hub client certificate: %w", err)
		}
		roots := ca.Pool()
		if cfg.BrokerCA != "" {
			pem, err := os.ReadFile(cfg.BrokerCA)
			if err != nil {
				return transport{}, fmt.Errorf("broker CA: %w", err)
			}
			if !roots.AppendCertsFromPEM(pem) {
				return transport{}, fmt.Errorf("broker CA %s holds no PEM certificate", cfg.BrokerCA)
			}
		}
		t.external = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{client}, RootCAs: roots}
	}
	return t, nil
}
