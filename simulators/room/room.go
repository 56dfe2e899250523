// Package room assembles a whole simulated room: a real edge agent with its
// own key, spool and enrollment, fed by simulated cameras and a microphone,
// behind a network switch that can cut it off.
package room

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/agent"
	"github.com/evalroom/evalroom/edge/config"
	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/camera"
	"github.com/evalroom/evalroom/simulators/mic"
	"github.com/evalroom/evalroom/simulators/netsim"
)

// Config describes one simulated room.
type Config struct {
	ID      string
	Name    string
	Hub     string // hub base URL
	MQTT    string // broker host:port
	DataDir string // this room's own directory
	Cameras int
	Mics    int
	Width   int
	Height  int
	FPS     int
	Segment time.Duration
	Budget  int64 // spool budget in bytes; 0 = default
	// CAFile is the hub's CA (PEM) for a hub on HTTPS; "" for a hub run
	// with --insecure-dev.
	CAFile string
	// Token is an operator's API token (evalroom-hub token create --role
	// operator): the simulator creates its rooms through the hub's API.
	Token string
	// KeyAlg is the box key a new room makes: "" or "ed25519", or "sm2".
	KeyAlg string
	Report time.Duration
	// Owner is who the hub records as the room's regulator and agency. The
	// zero value leaves the hub's record alone; otherwise it is set at every
	// start, so a hub from before owners existed gets one too.
	Owner Owner
}

// Owner names a room's jurisdiction (6-digit division code and name) and
// agency (id and name), as the hub's rooms API takes them.
type Owner struct {
	JurisdictionCode, JurisdictionName string
	AgencyID, AgencyName               string
}

// Room is a running simulated room.
type Room struct {
	ID     string
	Agent  *agent.Agent
	Net    *netsim.Switch
	faults map[string]func(string) error
}

// New enrolls the room with the hub if it is not yet enrolled, then builds
// its agent. reg may be nil.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer, recorded func(*protocol.Segment)) (*Room, error) {
	sw := netsim.New()
	tr := &http.Transport{DialContext: sw.Dial}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("the hub's CA: %w", err)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}
		if !tr.TLSClientConfig.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the hub's CA %s holds no PEM certificate", cfg.CAFile)
		}
	}
	client := &http.Client{Timeout: 15 * time.Second, Transport: tr}
	signer, err := identity.LoadOrCreateKeyAlg(cfg.DataDir, cfg.KeyAlg)
	if err != nil {
		return nil, err
	}
	created := false
	if _, err := identity.LoadEnrollment(cfg.DataDir); errors.Is(err, identity.ErrNotEnrolled) {
		var tok string
		tok, created, err = token(ctx, client, cfg)
		if err != nil {
			return nil, err
		}
		if _, err := identity.Enroll(ctx, client, cfg.Hub, tok, cfg.DataDir, signer, identity.Trust{CAFile: cfg.CAFile}); err != nil {
			return nil, err
		}
		log.Info("simulated room enrolled", "room", cfg.ID)
	} else if err != nil {
		return nil, err
	}
	if cfg.Owner != (Owner{}) && !created {
		// The hub may be down at a restart: the room records anyway.
		if err := setOwner(ctx, client, cfg); err != nil {
			log.Warn("cannot set the room's jurisdiction and agency at the hub", "room", cfg.ID, "err", err)
		}
	}
	r := &Room{ID: cfg.ID, Net: sw, faults: map[string]func(string) error{}}
	var sources []devices.Source
	for i := 1; i <= cfg.Cameras; i++ {
		cam := camera.New(camera.Config{Room: cfg.ID, Stream: fmt.Sprintf("cam%d", i), Width: cfg.Width, Height: cfg.Height, FPS: cfg.FPS}, nil)
		sources = append(sources, cam)
		r.faults[cam.Info().Stream] = func(s string) error {
			f, err := camera.ParseFault(s)
			if err != nil {
				return err
			}
			return cam.SetFault(f)
		}
	}
	for i := 1; i <= cfg.Mics; i++ {
		m := mic.New(mic.Config{Room: cfg.ID, Stream: fmt.Sprintf("mic%d", i)}, nil)
		sources = append(sources, m)
		r.faults[m.Info().Stream] = func(s string) error {
			f, err := mic.ParseFault(s)
			if err != nil {
				return err
			}
			return m.SetFault(f)
		}
	}
	ac := config.Default()
	ac.DataDir = cfg.DataDir
	ac.Hub = cfg.Hub
	ac.MQTT = cfg.MQTT
	if cfg.KeyAlg != "" {
		ac.KeyAlgorithm = cfg.KeyAlg
	}
	if cfg.Segment > 0 {
		ac.Segment = protocol.Duration(cfg.Segment)
	}
	if cfg.Budget > 0 {
		ac.Spool.BudgetBytes = cfg.Budget
	}
	ac.Spool.MinFreeBytes = 0
	if cfg.Report > 0 {
		ac.Report.Interval = protocol.Duration(cfg.Report)
	}
	r.Agent, err = agent.New(agent.Options{
		Config: ac, Sources: sources, Dial: sw.Dial, Logger: log, Version: "sim", Registerer: reg, Recorded: recorded,
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SetFault applies a fault to one stream's device.
func (r *Room) SetFault(stream, fault string) error {
	f, ok := r.faults[stream]
	if !ok {
		return fmt.Errorf("room %s has no stream %q", r.ID, stream)
	}
	return f(fault)
}

// token gets a one-time enrollment token for the room from the hub,
// creating the room there first (with its owner) if needed; created says
// whether it did.
func token(ctx context.Context, client *http.Client, cfg Config) (string, bool, error) {
	hub := strings.TrimRight(cfg.Hub, "/")
	body, _ := json.Marshal(struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		ownerJSON
	}{cfg.ID, cfg.Name, cfg.Owner.json()})
	code, rb, err := send(ctx, client, cfg.Token, http.MethodPost, hub+"/api/v1/rooms", body)
	created := err == nil && code == http.StatusCreated
	if err == nil && code == http.StatusConflict {
		code, rb, err = send(ctx, client, cfg.Token, http.MethodPost, hub+"/api/v1/rooms/"+cfg.ID+"/token", nil)
	}
	if err != nil {
		return "", false, fmt.Errorf("get an enrollment token from %s: %w", hub, err)
	}
	if code != http.StatusOK && code != http.StatusCreated {
		return "", false, fmt.Errorf("hub refused to issue a token for %s (%d): %s", cfg.ID, code, rb)
	}
	var t struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(rb, &t); err != nil || t.Token == "" {
		return "", false, fmt.Errorf("unexpected token answer: %q", rb)
	}
	return t.Token, created, nil
}

// ownerJSON is an owner as the rooms API takes it.
type ownerJSON struct {
	Jurisdiction *jurisdictionJSON `json:"jurisdiction,omitempty"`
	Agency       *agencyJSON       `json:"agency,omitempty"`
}

type jurisdictionJSON struct {
	Code string `json:"code"`
	Name string `json:"name,omitempty"`
}

type agencyJSON struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

func (o Owner) json() ownerJSON {
	var j ownerJSON
	if o.JurisdictionCode != "" {
		j.Jurisdiction = &jurisdictionJSON{o.JurisdictionCode, o.JurisdictionName}
	}
	if o.AgencyID != "" {
		j.Agency = &agencyJSON{o.AgencyID, o.AgencyName}
	}
	return j
}

// setOwner records the room's owner at the hub; the hub changes nothing
// (and audits nothing) if it already has it.
func setOwner(ctx context.Context, client *http.Client, cfg Config) error {
	body, _ := json.Marshal(cfg.Owner.json())
	url := strings.TrimRight(cfg.Hub, "/") + "/api/v1/rooms/" + cfg.ID
	code, rb, err := send(ctx, client, cfg.Token, http.MethodPatch, url, body)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("PATCH %s: %d %s", url, code, rb)
	}
	return nil
}

func send(ctx context.Context, client *http.Client, token, method, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, rb, nil
}

// Dir returns the data directory of room n under base.
func Dir(base, id string) string { return filepath.Join(base, id) }
