package recstore

import (
	"bytes"
	"os"
	"sync"
	"testing"
)

// Records of a room's streams that arrive at once, the very first ones
// included, get places side by side and never overlap.
func TestPackPlacesDoNotOverlap(t *testing.T) {
	for round := range 20 {
		p := &packs{dir: t.TempDir()}
		type placed struct {
			path string
			off  int64
			body []byte
		}
		out := make([]placed, 8)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := bytes.Repeat([]byte{byte('a' + i)}, 1000+i*37)
				<-start
				path, off, err := p.appendRecord("room-1", body)
				if err != nil {
					t.Error(err)
					return
				}
				out[i] = placed{path, off, body}
			}()
		}
		close(start)
		wg.Wait()
		for i, r := range out {
			f, err := os.ReadFile(r.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := f[r.off : r.off+int64(len(r.body))]; !bytes.Equal(got, r.body) {
				t.Fatalf("round %d: record %d at %d was overwritten", round, i, r.off)
			}
		}
	}
}
