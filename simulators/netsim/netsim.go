// Package netsim cuts a simulated room off the network on demand: every
// connection it opened is closed and new ones are refused until it is up
// again, as when a cable is pulled.
package netsim

import (
	"context"
	"errors"
	"net"
	"sync"
)

// ErrDown is returned by Dial while the network is down.
var ErrDown = errors.New("network is down (simulated)")

// Switch is a room's network cable.
type Switch struct {
	mu    sync.Mutex
	down  bool
	conns map[*conn]struct{}
	d     net.Dialer
}

// New returns a switch in the up state.
func New() *Switch { return &Switch{conns: map[*conn]struct{}{}} }

// Dial opens a connection unless the network is down.
func (s *Switch) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		return nil, ErrDown
	}
	c, err := s.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	wc := &conn{Conn: c, s: s}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		c.Close()
		return nil, ErrDown
	}
	s.conns[wc] = struct{}{}
	return wc, nil
}

// SetDown cuts (true) or restores (false) the network.
func (s *Switch) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	var cut []*conn
	if down {
		for c := range s.conns {
			cut = append(cut, c)
		}
	}
	s.mu.Unlock()
	for _, c := range cut {
		c.Close()
	}
}

// Down reports whether the network is cut.
func (s *Switch) Down() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

type conn struct {
	net.Conn
	s    *Switch
	once sync.Once
}

func (c *conn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}
