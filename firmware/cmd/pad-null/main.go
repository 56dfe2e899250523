// Command pad-null links the firmware core with hardware that does
// nothing, so that `make firmware-check` can prove TinyGo compiles the
// core without a board's drivers.
package main

import (
	"github.com/evalroom/evalroom/firmware"
	"github.com/evalroom/evalroom/protocol/pad"
)

type null struct{ ms uint32 }

func (*null) Read([]byte) (int, error)         { return 0, nil }
func (*null) Write(p []byte) (int, error)      { return len(p), nil }
func (*null) Poll() firmware.Event             { return firmware.Event{} }
func (*null) ShowDigest(*[pad.DigestSize]byte) {}
func (*null) Show(firmware.Screen)             {}
func (*null) Seed(dst *[32]byte) error         { dst[0] = 1; return nil }
func (n *null) Millis() uint32                 { n.ms++; return n.ms }

func main() {
	n := &null{}
	p, err := firmware.New(firmware.Hardware{Port: n, Digitiser: n, Display: n, Keys: n, Clock: n, Firmware: "0.0.0", Serial: "NULL"})
	if err != nil {
		panic(err)
	}
	for range 1000 {
		p.Step()
	}
}
