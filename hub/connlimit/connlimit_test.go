package connlimit_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/hub/connlimit"
)

// serve accepts on ln and hands each connection to got.
func serve(ln net.Listener, got chan<- net.Conn) {
	for {
		c, err := ln.Accept()
		if err != nil {
			close(got)
			return
		}
		got <- c
	}
}

// closedByPeer reports whether the server closed c without a byte.
func closedByPeer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err == io.EOF || (err != nil && !strings.Contains(err.Error(), "timeout"))
}

func TestCaps(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ln := connlimit.New(inner, connlimit.Options{PerAddr: 2, Total: 3, Name: "test"}, reg)
	defer ln.Close()
	got := make(chan net.Conn, 10)
	go serve(ln, got)
	dial := func(local string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
		c, err := d.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a1, a2 := dial("127.0.0.1"), dial("127.0.0.1")
	s1, s2 := <-got, <-got
	a3 := dial("127.0.0.1") // over the per-address cap
	if !closedByPeer(t, a3) {
		t.Fatal("a third connection from one address was not closed")
	}
	dial("127.0.0.2") // another address is still served
	<-got
	if n := connlimit.Open(ln); n != 3 {
		t.Fatalf("%d open, want 3", n)
	}
	if !closedByPeer(t, dial("127.0.0.3")) {
		t.Fatal("a connection over the total cap was not closed")
	}
	// A closed connection gives its place back, once.
	s1.Close()
	s1.Close()
	a1.Close()
	a4 := dial("127.0.0.1")
	s4 := <-got
	if _, err := a4.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(s4, make([]byte, 1)); err != nil {
		t.Fatalf("the connection that took the freed place is not served: %v", err)
	}
	_ = a2
	_ = s2
	if v := counter(t, reg, "evalroom_conn_refused_total", "per_addr"); v != 1 {
		t.Fatalf("refused per_addr = %v, want 1", v)
	}
	if v := counter(t, reg, "evalroom_conn_refused_total", "total"); v != 1 {
		t.Fatalf("refused total = %v, want 1", v)
	}
}

// counter is one labelled value of a counter in reg.
func counter(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "reason" && lp.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{reason=%q}", name, reason)
	return 0
}
