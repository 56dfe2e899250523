package netsim_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/evalroom/evalroom/simulators/netsim"
)

func TestDownCutsAndRefuses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	s := netsim.New()
	c, err := s.Dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s.SetDown(true)
	if _, err := c.Write([]byte("x")); err == nil {
		t.Fatal("write on a cut connection succeeded")
	}
	if _, err := s.Dial(context.Background(), "tcp", ln.Addr().String()); !errors.Is(err, netsim.ErrDown) {
		t.Fatalf("dial while down: %v", err)
	}
	s.SetDown(false)
	c, err = s.Dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
