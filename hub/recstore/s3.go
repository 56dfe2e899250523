package recstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps records in an S3-compatible object store: each batch of a room
// is one object (ROOM/YYYYMMDD/HHMMSS.NNNNNNNNN-RAND.pack), and a record is
// read back by a ranged GET. One PUT per room per group commit keeps the
// request count at what the packs' syncs were.
type S3 struct {
	cfg     S3Config
	bucket  string
	client  *minio.Client
	timeout time.Duration // of one request
}

// DialS3 connects to the object store and checks that it answers, takes
// the credentials and holds the bucket, saying which to fix when not.
func DialS3(ctx context.Context, cfg S3Config, creds Credentials) (*S3, error) {
	access, secret, err := creds()
	if err != nil {
		return nil, err
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(access, secret, ""), Secure: cfg.Secure, Region: cfg.Region,
		BucketLookup: minio.BucketLookupPath,
		// A store that does not answer fails the upload at once: the box
		// keeps the segment and retries with its own backoff.
		MaxRetries: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", cfg.Endpoint, err)
	}
	s := &S3{cfg: cfg, bucket: cfg.Bucket, client: client, timeout: 30 * time.Second}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ok, err := client.BucketExists(cctx, cfg.Bucket)
	switch code := minio.ToErrorResponse(err).Code; {
	case err == nil && !ok:
		return nil, fmt.Errorf("the object store at %s has no bucket %q: create it (e.g. `aws s3 mb s3://%s --endpoint-url %s`) or name another in --store", s.endpointURL(), cfg.Bucket, cfg.Bucket, s.endpointURL())
	case code == "AccessDenied" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || minio.ToErrorResponse(err).StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("the object store at %s refused the credentials for bucket %q (%v): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", s.endpointURL(), cfg.Bucket, err)
	case err != nil:
		return nil, fmt.Errorf("cannot reach the object store at %s (%v): check the endpoint in --store and that the server runs", s.endpointURL(), err)
	}
	return s, nil
}

func (s *S3) endpointURL() string {
	if s.cfg.Secure {
		return "https://" + s.cfg.Endpoint
	}
	return "http://" + s.cfg.Endpoint
}

// String names the store for logs and /healthz (no credentials).
func (s *S3) String() string { return "s3://" + s.bucket + " at " + s.endpointURL() }

// put writes each room's records of the batch as one object, the rooms
// concurrently; it returns once the store has confirmed every object.
func (s *S3) put(ctx context.Context, batch []*Record) error {
	var rooms []string
	byRoom := make(map[string][]*Record)
	for _, r := range batch {
		if byRoom[r.Room] == nil {
			rooms = append(rooms, r.Room)
		}
		byRoom[r.Room] = append(byRoom[r.Room], r)
	}
	errs := make(chan error, len(rooms))
	for _, room := range rooms {
		go func() { errs <- s.putObject(ctx, room, byRoom[room]) }()
	}
	var first error
	for range rooms {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *S3) putObject(ctx context.Context, room string, recs []*Record) error {
	var buf bytes.Buffer
	offs := make([]int64, len(recs))
	for i, r := range recs {
		offs[i] = int64(buf.Len())
		buf.Write(r.Body)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	now := time.Now().UTC()
	key := fmt.Sprintf("%s/%s/%s-%s.pack", room, now.Format("20060102"), now.Format("150405.000000000"), hex.EncodeToString(rnd[:]))
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(buf.Bytes()), int64(buf.Len()), minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("%w: put %s of %d bytes: %w", ErrUnavailable, key, buf.Len(), err)
	}
	for i, r := range recs {
		r.Path, r.Offset = s3Scheme+s.bucket+"/"+key, offs[i]
	}
	return nil
}

// read returns size bytes at off of the object (a ranged GET).
func (s *S3) read(ctx context.Context, key string, off, size int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var opts minio.GetObjectOptions
	if off >= 0 {
		if err := opts.SetRange(off, off+size-1); err != nil {
			return nil, fmt.Errorf("range %d+%d of %s: %w", off, size, key, err)
		}
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: get %s: %w", ErrUnavailable, key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, size+1))
	switch {
	case minio.ToErrorResponse(err).Code == "NoSuchKey":
		return nil, fmt.Errorf("object %s is missing from bucket %s: %w", key, s.bucket, err)
	case err != nil:
		return nil, fmt.Errorf("%w: get %s: %w", ErrUnavailable, key, err)
	case off >= 0 && int64(len(b)) != size:
		return nil, fmt.Errorf("object %s holds %d bytes at %d, the index says %d", key, len(b), off, size)
	}
	return b, nil
}

// check asks whether the bucket is there.
func (s *S3) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err == nil && !ok {
		err = errors.New("the bucket is gone")
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, s, err)
	}
	return nil
}

// remove deletes an object.
func (s *S3) remove(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("%w: remove %s: %w", ErrUnavailable, key, err)
	}
	return nil
}
