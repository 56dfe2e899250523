// Package s3test runs a real S3 server for tests: SeaweedFS's `weed
// server -s3`, built once from the module proxy by scripts/weed.sh, on free
// loopback ports, in a temporary directory, with an access key the test
// knows. It can be stopped and started again on the same ports and data,
// to test what the hub does while its object store is away.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The credentials the server takes (and the only ones).
const (
	AccessKey = "evalroom-test"
	SecretKey = "evalroom-test-secret-key"
)

// Server is a running SeaweedFS with its S3 gateway.
type Server struct {
	t      *testing.T
	bin    string
	dir    string
	args   []string
	S3Addr string // host:port of the S3 API
	Bucket string // made at the first start

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *bytes.Buffer
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// weedBinary is $EVALROOM_WEED, or what scripts/weed.sh builds (once,
// cached outside the repository).
func weedBinary() (string, error) {
	binOnce.Do(func() {
		if p := os.Getenv("EVALROOM_WEED"); p != "" {
			binPath = p
			return
		}
		root, err := repoRoot()
		if err != nil {
			binErr = err
			return
		}
		cmd := exec.Command(filepath.Join(root, "scripts", "weed.sh"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			binErr = fmt.Errorf("scripts/weed.sh: %v\n%s", err, stderr.String())
			return
		}
		binPath = strings.TrimSpace(string(out))
	})
	return binPath, binErr
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Start runs a SeaweedFS server with the S3 gateway and a bucket, stopped
// when the test ends. Without the weed binary (it cannot be built here) the
// test is skipped, except under CI (CI=true), where it fails.
func Start(t *testing.T) *Server {
	t.Helper()
	bin, err := weedBinary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the SeaweedFS binary for the object-store tests cannot be built: %v", err)
		}
		t.Skipf("SeaweedFS (weed) cannot be built here, so the object-store test is skipped: %v", err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), Bucket: "evalroom-test"}
	conf := filepath.Join(s.dir, "s3.json")
	identities := fmt.Sprintf(`{"identities":[{"name":"evalroom","credentials":[{"accessKey":%q,"secretKey":%q}],"actions":["Admin","Read","Write","List","Tagging"]}]}`, AccessKey, SecretKey)
	if err := os.WriteFile(conf, []byte(identities), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(s.dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	p := freePorts(t, 8)
	s.S3Addr = "127.0.0.1:" + p[0]
	s.args = []string{"server", "-dir=" + data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + p[1], "-master.port.grpc=" + p[2], "-volume.port=" + p[3], "-volume.port.grpc=" + p[4],
		"-filer.port=" + p[5], "-filer.port.grpc=" + p[6], "-s3", "-s3.port=" + p[0], "-s3.port.grpc=" + p[7],
		"-s3.config=" + conf, "-volume.max=100", "-master.volumeSizeLimitMB=64"}
	s.Start()
	t.Cleanup(s.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		err := s.Client().MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("SeaweedFS did not make the bucket within 60 s: %v\n%s", err, s.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return s
}

// Start starts the server (again, after Stop) and waits until S3 answers.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	s.out = &bytes.Buffer{}
	s.cmd = exec.Command(s.bin, s.args...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		s.mu.Unlock()
		s.t.Fatalf("start weed: %v", err)
	}
	s.done = make(chan struct{})
	cmd, done := s.cmd, s.done
	go func() {
		cmd.Wait()
		close(done)
	}()
	s.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.S3Addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			s.t.Fatalf("weed exited at start:\n%s", s.output())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("weed's S3 port did not open within 60 s:\n%s", s.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Ready waits until the bucket takes an object (after a restart the
// bucket answers before the volume servers take writes).
func (s *Server) Ready() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		c := s.Client()
		_, err := c.PutObject(ctx, s.Bucket, ".ready", bytes.NewReader([]byte("ready")), 5, minio.PutObjectOptions{})
		if err == nil {
			err = c.RemoveObject(ctx, s.Bucket, ".ready", minio.RemoveObjectOptions{})
		}
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			s.t.Fatalf("the bucket did not answer within 60 s: %v\n%s", err, s.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop ends the server (its whole process group) and waits for it.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

func (s *Server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	b := s.out.Bytes()
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// URL is the hub's --store for this server's bucket.
func (s *Server) URL() string {
	return "s3://" + s.Bucket + "?endpoint=http://" + s.S3Addr + "&region=us-east-1"
}

// Env sets the credentials in the environment for the test, as an
// operator sets them for the hub.
func (s *Server) Env(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", SecretKey)
}

// Client is an S3 client of the server, for a test to look at the bucket.
func (s *Server) Client() *minio.Client {
	c, err := minio.New(s.S3Addr, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// freePorts returns n distinct loopback ports nobody listens on now.
func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var ls []net.Listener
	var out []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}
