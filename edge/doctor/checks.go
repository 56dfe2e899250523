package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	edgeid "github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/edge/spool"
)

// Limits the checks judge by. The clock's agree with the hub's alert
// (--alert-clock-limit 2s), the backlog's with its spool_backlog alert
// (5 min), the disk's with disk_low (2 days).
const (
	clockFail   = 2 * time.Second
	clockWarn   = time.Second
	certFail    = 14 * 24 * time.Hour
	certWarn    = 30 * 24 * time.Hour
	backlogWarn = 5 * time.Minute
	backlogFail = time.Hour
	daysWarn    = 2
)

// checkDisk compares the disk's free space with the spool's budget and
// says how many days of recording the budget holds at the rate measured.
func checkDisk(opts Options, bytesPerSec float64) Result {
	dir := opts.Config.DataDir
	for {
		if _, err := os.Stat(dir); err == nil || dir == filepath.Dir(dir) {
			break
		}
		dir = filepath.Dir(dir)
	}
	free, total, err := opts.DiskStat(dir)
	if err != nil {
		return fail("disk", "check the data_dir in the config and that the disk is mounted", "cannot read the free space of %s: %v", dir, err)
	}
	budget, minFree := opts.Config.Spool.BudgetBytes, opts.Config.Spool.MinFreeBytes
	held := float64(budget)
	if budget == 0 || free-minFree < budget {
		held = float64(max(0, free-minFree)) // the spool cannot grow past the free space
	}
	days := ""
	d := math.Inf(1)
	if bytesPerSec > 0 {
		d = held / bytesPerSec / 86400
		days = fmt.Sprintf("; it holds %.1f days of recording at %s/s", d, bytes(bytesPerSec))
	}
	detail := fmt.Sprintf("%s free of %s on %s; spool budget %s, kept free %s%s", bytes(float64(free)), bytes(float64(total)), dir, bytes(float64(budget)), bytes(float64(minFree)), days)
	switch {
	case free <= minFree || free < 64<<20:
		return fail("disk", "free space on the disk (or use a larger one) before the box records: the spool drops recordings to stay within min_free_bytes", "the disk is full: %s", detail)
	case budget > 0 && free-minFree < budget:
		return warn("disk", "free space, use a larger disk, or lower spool.budget_bytes to what the disk holds", "the budget does not fit: %s", detail)
	case d < daysWarn:
		return warn("disk", "raise spool.budget_bytes (and the disk) so that a weekend without network loses nothing", "less than %d days of recording fit: %s", daysWarn, detail)
	}
	return ok("disk", "%s", detail)
}

// loadIdentity reads the box's enrollment and TLS: what the network
// checks need.
func loadIdentity(opts Options) identity {
	dir := opts.Config.DataDir
	enr, err := edgeid.LoadEnrollment(dir)
	if err != nil {
		r := fail("certificate", "enroll the box: evalroom-edge enroll --hub URL --token TOKEN --ca-pin sha256:… (the operator gives the token and pin)", "%v", err)
		return identity{hub: opts.Config.Hub, problem: &r}
	}
	id := identity{enrolled: true, hub: opts.Config.Hub}
	if id.hub == "" {
		id.hub = enr.Hub
	}
	if _, err := os.Stat(filepath.Join(dir, edgeid.KeyFile)); err != nil {
		r := fail("certificate", "the box's key is gone: enroll the box again with a new token", "no key %s: %v", filepath.Join(dir, edgeid.KeyFile), err)
		id.problem = &r
		return id
	}
	signer, err := edgeid.LoadOrCreateKeyAlg(dir, "")
	if err == nil {
		id.tls, err = edgeid.LoadTLS(dir, signer)
	}
	if err != nil {
		r := fail("certificate", "enroll the box again with a new token", "%v", err)
		id.problem = &r
	}
	return id
}

// certResult judges the box's certificate: valid now, and for how long.
func (id identity) certResult(opts Options) Result {
	if id.problem != nil {
		return *id.problem
	}
	path := filepath.Join(opts.Config.DataDir, edgeid.CertFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return warn("certificate", "enroll with a hub on HTTPS for a real room", "the box has no certificate: it was enrolled with a hub run without TLS (--insecure-dev)")
	}
	if err != nil {
		return fail("certificate", "check the data directory's permissions", "read %s: %v", path, err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return fail("certificate", "enroll the box again with a new token", "%s holds no certificate", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return fail("certificate", "enroll the box again with a new token", "%s: %v", path, err)
	}
	now := opts.Now()
	left := c.NotAfter.Sub(now)
	detail := fmt.Sprintf("room %s, valid until %s (%d days left)", c.Subject.CommonName, c.NotAfter.Local().Format("2006-01-02"), int(math.Round(left.Hours()/24)))
	renew := "ask the operator for a new token for this room (evalroom-hub room add --id ROOM) and enroll the box again before it expires: after that the hub refuses its recordings"
	switch {
	case now.Before(c.NotBefore):
		return fail("certificate", "set the box's clock right (see the clock check)", "not valid before %s, and the box's clock says %s", c.NotBefore.Format(time.RFC3339), now.Format(time.RFC3339))
	case left <= 0:
		return fail("certificate", renew, "expired on %s", c.NotAfter.Format("2006-01-02"))
	case left < certFail:
		return fail("certificate", renew, "expires soon: %s", detail)
	case left < certWarn:
		return warn("certificate", renew, "expires within a month: %s", detail)
	}
	return ok("certificate", "%s", detail)
}

type hubResult struct{ results []Result }

// checkHub asks the hub's /healthz over the box's own TLS, and compares
// the box's clock with the hub's Date header.
func checkHub(ctx context.Context, opts Options, id identity) hubResult {
	if id.hub == "" {
		return hubResult{[]Result{
			fail("hub", "set hub in the config or enroll the box", "no hub URL: the config has none and the box is not enrolled"),
			warn("clock", "see the hub check", "not compared with the hub: no hub URL"),
		}}
	}
	cctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, strings.TrimRight(id.hub, "/")+"/healthz", nil)
	if err != nil {
		return hubResult{[]Result{fail("hub", "fix hub in the config", "hub URL %q: %v", id.hub, err), warn("clock", "see the hub check", "not compared with the hub")}}
	}
	sent := opts.Now()
	resp, err := httpClient(id, opts.Timeout).Do(req)
	got := opts.Now()
	if err != nil {
		fix := "check the network cable, the address and DNS, and that the firewall lets the box reach the hub's HTTPS port"
		var uerr x509.UnknownAuthorityError
		if errors.As(err, &uerr) || strings.Contains(err.Error(), "certificate") {
			fix = "the hub's certificate is not from the CA this box enrolled with: check the hub URL, or enroll the box again"
		}
		return hubResult{[]Result{
			fail("hub", fix, "hub %s unreachable: %v", id.hub, err),
			warn("clock", "see the hub check", "not compared with the hub: it is unreachable"),
		}}
	}
	resp.Body.Close()
	var out []Result
	switch {
	case resp.StatusCode == http.StatusOK:
		out = append(out, ok("hub", "hub %s answers (%s, %v round trip)", id.hub, resp.Status, got.Sub(sent).Round(time.Millisecond)))
	case resp.StatusCode == http.StatusServiceUnavailable:
		out = append(out, warn("hub", "tell the hub's operator: its disk fails, recordings wait on the box meanwhile", "hub %s answers that its storage is failing (%s)", id.hub, resp.Status))
	default:
		out = append(out, fail("hub", "check the hub URL in the config (the hub's base address, not a page)", "hub %s answers %s to /healthz", id.hub, resp.Status))
	}
	out = append(out, clockResult(resp.Header.Get("Date"), sent, got))
	return hubResult{out}
}

// clockResult compares the box's clock (sent..got) with the hub's Date,
// which counts whole seconds: the hub's time lies in [Date, Date+1s).
func clockResult(date string, sent, got time.Time) Result {
	hubT, err := http.ParseTime(date)
	if err != nil {
		return warn("clock", "check that nothing between the box and the hub rewrites its answers", "the hub's answer has no usable Date (%q)", date)
	}
	rtt := got.Sub(sent)
	mid := sent.Add(rtt / 2)
	offset := mid.Sub(hubT.Add(500 * time.Millisecond))
	slack := 500*time.Millisecond + rtt/2
	abs := offset.Abs()
	way := "ahead of"
	if offset < 0 {
		way = "behind"
	}
	detail := fmt.Sprintf("the box's clock is %.1f s %s the hub's (±%.1f s)", abs.Seconds(), way, slack.Seconds())
	fix := "synchronise the clock: enable chrony or systemd-timesyncd with the hub's or the bureau's NTP server (timedatectl set-ntp true), then run doctor again"
	switch {
	case abs-slack > clockFail:
		return fail("clock", fix, "%s: recordings would carry wrong times", detail)
	case abs-slack > clockWarn:
		return warn("clock", fix, "%s", detail)
	}
	return ok("clock", "%s", detail)
}

// ClockSync is the kernel's view of the system clock's synchronisation.
type ClockSync struct {
	Synced   bool
	MaxError time.Duration // the kernel's estimate of the error bound
}

// checkSync says whether NTP (chrony, systemd-timesyncd) keeps the clock.
func checkSync(opts Options) Result {
	s, err := opts.Sync()
	if err != nil {
		return warn("ntp", "check the clock with timedatectl", "cannot read the clock's state: %v", err)
	}
	if !s.Synced {
		return warn("ntp", "enable time synchronisation (timedatectl set-ntp true, or chrony) with an NTP server the box can reach, so the clock stays right after doctor", "the system clock is not synchronised by NTP")
	}
	return ok("ntp", "the system clock is synchronised (error bound %v)", s.MaxError)
}

// checkBroker connects to the MQTT broker (TLS with the box's certificate
// when the hub has one); it does not log in.
func checkBroker(ctx context.Context, opts Options, tlsCfg *tls.Config) Result {
	addr := opts.Config.MQTT
	d := net.Dialer{Timeout: opts.Timeout}
	cctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	conn, err := d.DialContext(cctx, "tcp", addr)
	if err != nil {
		return fail("broker", "check the network and that the firewall lets the box reach the broker's port; check mqtt in the config", "broker %s unreachable: %v", addr, err)
	}
	defer conn.Close()
	if tlsCfg == nil {
		return ok("broker", "broker %s accepts connections (plain MQTT)", addr)
	}
	cfg := tlsCfg.Clone()
	if host, _, err := net.SplitHostPort(addr); err == nil && cfg.ServerName == "" {
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(cctx); err != nil {
		return fail("broker", "check mqtt in the config (the hub's MQTT over TLS port), or enroll again if the hub's CA changed", "broker %s: TLS: %v", addr, err)
	}
	return ok("broker", "broker %s accepts the box's certificate (TLS)", addr)
}

// checkSpool reports what waits to be uploaded and for how long.
func checkSpool(opts Options) Result {
	dir := filepath.Join(opts.Config.DataDir, "spool")
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return ok("spool", "empty: the box has not recorded yet")
	}
	sp, err := spool.Open(dir, spool.Options{Logger: opts.Logger})
	if err != nil {
		return warn("spool", "stop the agent to see the backlog here, or read it on the hub's room page (spool, oldest unsent)", "cannot open the spool (the agent holds it while it runs): %v", err)
	}
	defer sp.Close()
	st := sp.Stats()
	detail := fmt.Sprintf("%d records (%s) wait for upload, the oldest for %v", st.Records, bytes(float64(st.Bytes)), st.OldestUnsent.Round(time.Second))
	if st.Records == 0 {
		detail = "nothing waits for upload"
	}
	fix := "the box cannot upload: see the hub and broker checks; the backlog is sent by itself once the hub is reachable"
	switch {
	case st.OldestUnsent > backlogFail:
		return fail("spool", fix, "%s", detail)
	case st.OldestUnsent > backlogWarn:
		return warn("spool", fix, "%s", detail)
	}
	if st.Evicted > 0 {
		return warn("spool", "raise spool.budget_bytes or fix the upload", "%s; %d records were dropped unsent to keep the budget", detail, st.Evicted)
	}
	return ok("spool", "%s", detail)
}
