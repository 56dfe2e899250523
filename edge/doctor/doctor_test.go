package doctor_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/config"
	"github.com/evalroom/evalroom/edge/doctor"
	"github.com/evalroom/evalroom/edge/hardware"
	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
	"github.com/evalroom/evalroom/simulators/camera"
	"github.com/evalroom/evalroom/simulators/mic"
)

// rig is a hub on loopback (HTTPS and MQTT over TLS, as in a room) and a
// box enrolled with it, whose devices are the simulators.
type rig struct {
	hubDir string
	boxDir string
	cfg    config.Config
}

var discard = slog.New(slog.DiscardHandler)

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	r := &rig{hubDir: t.TempDir(), boxDir: t.TempDir()}
	h, err := server.Start(ctx, server.Config{DataDir: r.hubDir, HTTP: "127.0.0.1:0", MQTT: "127.0.0.1:0", HeartbeatTimeout: 10 * time.Second}, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.Shutdown(sctx)
		stop()
	})
	op, err := h.Store().CreateAPIToken(ctx, store.APIToken{Name: "doctor-test", Role: string(auth.Operator)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(r.hubDir, "tls", pki.CAFile)
	pemCA, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemCA)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	url := "https://" + h.HTTPAddr()
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/rooms", strings.NewReader(`{"id":"room-dr","name":"诊断测试室"}`))
	req.Header.Set("Authorization", "Bearer "+op)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	signer, err := identity.LoadOrCreateKeyAlg(r.boxDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.Enroll(ctx, client, url, tok.Token, r.boxDir, signer, identity.Trust{CAFile: caFile}); err != nil {
		t.Fatal(err)
	}
	r.cfg = config.Default()
	r.cfg.DataDir, r.cfg.Hub, r.cfg.MQTT = r.boxDir, url, h.MQTTAddr()
	r.cfg.Devices = []config.Device{
		{Stream: "cam1", Kind: protocol.KindVideo, Driver: config.DriverV4L2, Path: "/dev/v4l/by-id/usb-room-camera", Width: 320, Height: 180, FPS: 10},
		{Stream: "mic1", Kind: protocol.KindAudio, Driver: config.DriverALSA, Path: "USB", SampleRate: 16000},
	}
	return r
}

// options checks the rig's box with simulated devices (camFault on the
// camera), a synchronised clock and the real disk.
func (r *rig) options(camFault camera.Fault) doctor.Options {
	return doctor.Options{
		Config: r.cfg, Watch: 2 * time.Second, Logger: discard,
		Open: func(d config.Device) (devices.Source, error) {
			if d.Kind == protocol.KindAudio {
				return mic.New(mic.Config{Room: "room-dr", Stream: d.Stream, SampleRate: d.SampleRate}, nil), nil
			}
			c := camera.New(camera.Config{Room: "room-dr", Stream: d.Stream, Width: d.Width, Height: d.Height, FPS: d.FPS}, nil)
			if camFault != "" {
				c.SetFault(camFault)
			}
			return simCamera{c, d}, nil
		},
		Sync: func() (doctor.ClockSync, error) {
			return doctor.ClockSync{Synced: true, MaxError: 20 * time.Millisecond}, nil
		},
	}
}

// simCamera reports the configured rate, as a real driver reports what it
// negotiated.
type simCamera struct {
	*camera.Camera
	d config.Device
}

func (c simCamera) Info() devices.Info {
	i := c.Camera.Info()
	i.FPS = c.d.FPS
	return i
}

func failing(rep doctor.Report) []string {
	var out []string
	for _, c := range rep.Checks {
		if c.Status == doctor.Fail {
			out = append(out, c.Check)
		}
	}
	return out
}

func show(rep doctor.Report) string {
	var b strings.Builder
	for _, c := range rep.Checks {
		b.WriteString("\n  " + string(c.Status) + " " + c.Check + ": " + c.Detail)
		if c.Fix != "" {
			b.WriteString(" → " + c.Fix)
		}
	}
	return b.String()
}

// A box with everything right passes: no check fails.
func TestGoodBox(t *testing.T) {
	r := newRig(t)
	rep := doctor.Run(context.Background(), r.options(""))
	if rep.Failed() {
		t.Fatalf("a good box failed %v:%s", failing(rep), show(rep))
	}
	for _, name := range []string{"device cam1", "picture cam1", "device mic1", "sound mic1", "disk", "certificate", "hub", "clock", "ntp", "broker", "spool"} {
		c, found := rep.Find(name)
		if !found {
			t.Errorf("no %s check", name)
			continue
		}
		if c.Status != doctor.OK && name != "disk" { // the test machine's disk may be short of the budget
			t.Errorf("%s: %s: %s", name, c.Status, c.Detail)
		}
	}
	if c, _ := rep.Find("broker"); !strings.Contains(c.Detail, "TLS") {
		t.Errorf("broker check %q: want the box's certificate over TLS", c.Detail)
	}
	t.Log(show(rep))
}

// Each fault the issue names, on a box that has only it: doctor names it
// as failed (and only it), with what to do, and the box does not pass.
func TestOneFaultEach(t *testing.T) {
	cases := []struct {
		name  string
		fault func(t *testing.T, r *rig, o *doctor.Options)
		want  []string
		words string
	}{
		{"missing camera", func(t *testing.T, r *rig, o *doctor.Options) {
			sim := o.Open
			o.Open = func(d config.Device) (devices.Source, error) {
				if d.Kind == protocol.KindVideo { // the real driver, at a path with no camera
					d.Path = filepath.Join(t.TempDir(), "video9")
					return hardware.New(d, discard)
				}
				return sim(d)
			}
		}, []string{"device cam1"}, "video9"},
		{"black picture", func(t *testing.T, r *rig, o *doctor.Options) {
			*o = r.options(camera.FaultBlack)
		}, []string{"picture cam1"}, "black"},
		{"frozen picture", func(t *testing.T, r *rig, o *doctor.Options) {
			*o = r.options(camera.FaultFrozen)
			o.Watch = 4 * time.Second // frozen is 3 s of the same picture
		}, []string{"picture cam1"}, "frozen"},
		{"full disk", fullDisk, []string{"disk"}, "full"},
		{"clock 5 s off", func(t *testing.T, r *rig, o *doctor.Options) {
			o.Now = func() time.Time { return time.Now().Add(5 * time.Second) }
		}, []string{"clock"}, "ahead of the hub"},
		{"hub unreachable", func(t *testing.T, r *rig, o *doctor.Options) {
			o.Config.Hub = "https://" + closedPort(t)
		}, []string{"hub"}, "unreachable"},
		{"certificate expiring in 10 days", func(t *testing.T, r *rig, o *doctor.Options) {
			reissue(t, r, 10*24*time.Hour)
		}, []string{"certificate"}, "10 days left"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			o := r.options("")
			tc.fault(t, r, &o)
			rep := doctor.Run(context.Background(), o)
			if !rep.Failed() {
				t.Fatalf("doctor passed a box with %s:%s", tc.name, show(rep))
			}
			if got := failing(rep); !slices.Equal(got, tc.want) {
				t.Fatalf("failed %v, want %v:%s", got, tc.want, show(rep))
			}
			c, _ := rep.Find(tc.want[0])
			if !strings.Contains(c.Detail, tc.words) || c.Fix == "" {
				t.Fatalf("%s: %q → %q: want %q and what to do", c.Check, c.Detail, c.Fix, tc.words)
			}
			t.Logf("%s: %s → %s", c.Check, c.Detail, c.Fix)
		})
	}
}

// fullDisk puts the box's data on a small tmpfs and fills it when the test
// runs as root (as CI does); elsewhere the file system reports it full.
func fullDisk(t *testing.T, r *rig, o *doctor.Options) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run the tests as root: the full disk is a real tmpfs")
		}
		t.Log("not root: the disk reports itself full instead of a real full tmpfs")
		o.DiskStat = func(string) (int64, int64, error) { return 0, 8 << 20, nil }
		return
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	entries, _ := os.ReadDir(r.boxDir)
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, _ := os.ReadFile(filepath.Join(r.boxDir, e.Name()))
			info, _ := e.Info()
			os.WriteFile(filepath.Join(dir, e.Name()), b, info.Mode().Perm())
		}
	}
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	o.Config.DataDir = dir
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// reissue signs the box's certificate again with the hub's CA, for the
// same key, ending after validity.
func reissue(t *testing.T, r *rig, validity time.Duration) {
	t.Helper()
	path := filepath.Join(r.boxDir, identity.CertFile)
	b, _ := os.ReadFile(path)
	blk, _ := pem.Decode(b)
	box, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(filepath.Join(r.hubDir, "tls", pki.CAFile))
	keyPEM, _ := os.ReadFile(filepath.Join(r.hubDir, "tls", pki.CAKeyFile))
	cb, _ := pem.Decode(caPEM)
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		if key, err = x509.ParseECPrivateKey(kb.Bytes); err != nil {
			t.Fatal(err)
		}
	}
	tmpl := *box
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(validity)
	raw, err := x509.CreateCertificate(rand.Reader, &tmpl, ca, box.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: raw}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The clock check reads the hub's Date, which counts whole seconds.
func TestClockAgainstHubDate(t *testing.T) {
	hub := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	date := hub.Format(http.TimeFormat)
	for _, tc := range []struct {
		box  time.Duration // the box's clock minus the hub's, which is hub+0.5s
		want doctor.Status
	}{
		{0, doctor.OK},
		{400 * time.Millisecond, doctor.OK},
		{-time.Second, doctor.OK}, // within the Date's second and the round trip
		{2 * time.Second, doctor.Warn},
		{5 * time.Second, doctor.Fail},
		{-5 * time.Second, doctor.Fail},
	} {
		sent := hub.Add(500*time.Millisecond + tc.box - 10*time.Millisecond)
		got := doctor.ClockResult(date, sent, sent.Add(20*time.Millisecond))
		if got.Status != tc.want {
			t.Errorf("box %v off: %s (%s), want %s", tc.box, got.Status, got.Detail, tc.want)
		}
	}
	if got := doctor.ClockResult("", hub, hub); got.Status != doctor.Warn {
		t.Errorf("no Date: %s", got.Status)
	}
}

// The disk check says how many days the budget holds, and warns when the
// disk cannot hold the budget.
func TestDiskDays(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Spool.BudgetBytes, cfg.Spool.MinFreeBytes = 10<<30, 1<<30
	stat := func(free int64) func(string) (int64, int64, error) {
		return func(string) (int64, int64, error) { return free, 100 << 30, nil }
	}
	rep := doctor.Run(context.Background(), doctor.Options{Config: cfg, DiskStat: stat(50 << 30), Sync: func() (doctor.ClockSync, error) { return doctor.ClockSync{}, errors.New("x") }, Timeout: time.Second})
	if c, _ := rep.Find("disk"); c.Status != doctor.OK || !strings.Contains(c.Detail, "10.0 GiB") {
		t.Fatalf("disk with room: %s %s", c.Status, c.Detail)
	}
	rep = doctor.Run(context.Background(), doctor.Options{Config: cfg, DiskStat: stat(5 << 30), Sync: func() (doctor.ClockSync, error) { return doctor.ClockSync{}, nil }, Timeout: time.Second})
	if c, _ := rep.Find("disk"); c.Status != doctor.Warn || !strings.Contains(c.Detail, "does not fit") {
		t.Fatalf("disk smaller than the budget: %s %s", c.Status, c.Detail)
	}
	if c, _ := rep.Find("ntp"); c.Status != doctor.Warn || c.Fix == "" {
		t.Fatalf("unsynchronised clock: %s %s", c.Status, c.Detail)
	}
}

// The report's JSON is what tools read.
func TestReportJSON(t *testing.T) {
	rep := doctor.Report{Status: doctor.Fail, Checks: []doctor.Result{{Check: "disk", Status: doctor.Fail, Detail: "full", Fix: "free space"}}}
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(rep)
	if want := `{"status":"fail","checks":[{"check":"disk","status":"fail","detail":"full","fix":"free space"}]}`; strings.TrimSpace(b.String()) != want {
		t.Fatalf("JSON %s, want %s", b.String(), want)
	}
}

// The spool check reads what waits for upload; a spool the agent holds is
// a warning, not a failure.
func TestSpoolBacklog(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	opts := doctor.Options{Config: cfg, Timeout: time.Second, Sync: func() (doctor.ClockSync, error) { return doctor.ClockSync{Synced: true}, nil }}
	if c, _ := doctor.Run(context.Background(), opts).Find("spool"); c.Status != doctor.OK || !strings.Contains(c.Detail, "not recorded yet") {
		t.Fatalf("no spool: %s %s", c.Status, c.Detail)
	}
	sp, err := spool.Open(filepath.Join(cfg.DataDir, "spool"), spool.Options{Signer: prototest.Signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Append(context.Background(), prototest.MediaSegment("room-1", "cam1", 0, "")); err != nil {
		t.Fatal(err)
	}
	if c, _ := doctor.Run(context.Background(), opts).Find("spool"); c.Status != doctor.Warn || !strings.Contains(c.Detail, "agent holds it") {
		t.Fatalf("a spool in use: %s %s", c.Status, c.Detail)
	}
	sp.Close()
	if c, _ := doctor.Run(context.Background(), opts).Find("spool"); c.Status != doctor.OK || !strings.Contains(c.Detail, "1 records") {
		t.Fatalf("one record waiting: %s %s", c.Status, c.Detail)
	}
}

// A camera that gives less than the config asks is a warning that says
// what to write instead.
func TestCameraGivesLessThanAsked(t *testing.T) {
	r := newRig(t)
	o := r.options("")
	sim := o.Open
	o.Open = func(d config.Device) (devices.Source, error) {
		src, err := sim(d)
		if c, isCam := src.(simCamera); isCam {
			c.d.FPS = 5 // what the camera negotiated
			return c, err
		}
		return src, err
	}
	rep := doctor.Run(context.Background(), o)
	c, _ := rep.Find("device cam1")
	if c.Status != doctor.Warn || !strings.Contains(c.Detail, "at most 5 frames") || !strings.Contains(c.Fix, "set fps to 5") || rep.Failed() {
		t.Fatalf("%s %s → %s (report %s)", c.Status, c.Detail, c.Fix, rep.Status)
	}
}
