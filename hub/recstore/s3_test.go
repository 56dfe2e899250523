package recstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/internal/s3test"
)

// batch makes n records for each room, of sizes that differ.
func batch(rooms []string, n int) []*recstore.Record {
	var out []*recstore.Record
	for _, room := range rooms {
		for i := range n {
			out = append(out, &recstore.Record{Room: room, Body: bytes.Repeat([]byte(fmt.Sprintf("%s:%d;", room, i)), 100+i*37)})
		}
	}
	return out
}

// A batch goes to the object store as one object per room, and every
// record reads back whole by a ranged GET.
func TestS3PutsABatchAsOneObjectPerRoomAndReadsRanges(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	ctx := t.Context()
	st, err := recstore.Open(ctx, srv.URL(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	recs := batch([]string{"room-1", "room-2"}, 5)
	if err := st.Put(ctx, recs); err != nil {
		t.Fatal(err)
	}
	objects := map[string]int{}
	for o := range srv.Client().ListObjects(ctx, srv.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		objects[o.Key] = int(o.Size)
	}
	if len(objects) != 2 {
		t.Fatalf("objects %v, want one per room", objects)
	}
	for _, r := range recs {
		key, ok := strings.CutPrefix(r.Path, "s3://"+srv.Bucket+"/")
		if !ok || !strings.HasPrefix(key, r.Room+"/") || objects[key] == 0 {
			t.Fatalf("record of %s placed at %q", r.Room, r.Path)
		}
		got, err := st.Read(ctx, r.Path, r.Offset, int64(len(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, r.Body) {
			t.Fatalf("%s at %d: read back other bytes", r.Path, r.Offset)
		}
	}
	// A place past the object's end is an error, not short bytes.
	last := recs[len(recs)-1]
	if _, err := st.Read(ctx, last.Path, last.Offset, int64(len(last.Body))+10); err == nil {
		t.Fatal("a range past the object's end read without error")
	}
	// Retention removes an object: its records no longer read.
	if err := st.Remove(ctx, last.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Read(ctx, last.Path, last.Offset, int64(len(last.Body))); err == nil {
		t.Fatal("a removed object still reads")
	}
	// A hub on pack files says which store holds the record.
	if _, err := recstore.Files(t.TempDir()).Read(ctx, last.Path, last.Offset, 1); err == nil || !strings.Contains(err.Error(), "--store s3://"+srv.Bucket) {
		t.Fatalf("pack-file store reading an object: %v", err)
	}
}

// With the server stopped a put fails as unavailable and places nothing;
// started again, the same store takes the batch.
func TestS3StoppedServerFailsThePut(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	ctx := t.Context()
	st, err := recstore.Open(ctx, srv.URL(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	recs := batch([]string{"room-1"}, 3)
	err = st.Put(ctx, recs)
	if !errors.Is(err, recstore.ErrUnavailable) {
		t.Fatalf("put with the server stopped: %v, want ErrUnavailable", err)
	}
	for _, r := range recs {
		if r.Path != "" {
			t.Fatalf("a record not stored was placed at %s", r.Path)
		}
	}
	if err := st.Check(ctx); !errors.Is(err, recstore.ErrUnavailable) {
		t.Fatalf("check with the server stopped: %v", err)
	}
	srv.Start()
	srv.Ready()
	if err := st.Put(ctx, recs); err != nil {
		t.Fatalf("put after the restart: %v", err)
	}
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := st.Read(ctx, recs[2].Path, recs[2].Offset, int64(len(recs[2].Body)))
	if err != nil || !bytes.Equal(got, recs[2].Body) {
		t.Fatalf("read after the restart: %v", err)
	}
}

// Open refuses what cannot work at start and says what to fix.
func TestOpenSaysWhatToFix(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	for _, c := range []struct {
		name, url, key, secret, want string
	}{
		{"not a URL", "/srv/recordings", s3test.AccessKey, s3test.SecretKey, "is not an s3:// URL"},
		{"no endpoint", "s3://" + srv.Bucket, s3test.AccessKey, s3test.SecretKey, `endpoint "" is not http://HOST:PORT`},
		{"no credentials", srv.URL(), "", "", "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{"wrong credentials", srv.URL(), s3test.AccessKey, "wrong", "refused the credentials"},
		{"unreachable", "s3://" + srv.Bucket + "?endpoint=http://" + closed, s3test.AccessKey, s3test.SecretKey, "cannot reach the object store at http://" + closed},
		{"no bucket", "s3://no-such-bucket?endpoint=http://" + srv.S3Addr, s3test.AccessKey, s3test.SecretKey, `has no bucket "no-such-bucket": create it`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("AWS_ACCESS_KEY_ID", c.key)
			t.Setenv("AWS_SECRET_ACCESS_KEY", c.secret)
			_, err := recstore.Open(ctx, c.url, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v, want an error saying %q", err, c.want)
			}
		})
	}
}

// Pack files: a batch is appended and synced, and reads back by its place.
func TestPacksPutAndRead(t *testing.T) {
	ctx := context.Background()
	st, err := recstore.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	recs := batch([]string{"room-1", "room-2"}, 4)
	if err := st.Put(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if !strings.Contains(r.Path, "/media/"+r.Room+"/pack-") {
			t.Fatalf("placed at %s", r.Path)
		}
		got, err := st.Read(ctx, r.Path, r.Offset, int64(len(r.Body)))
		if err != nil || !bytes.Equal(got, r.Body) {
			t.Fatalf("%s at %d: %v", r.Path, r.Offset, err)
		}
	}
}
