// Command tone plays a steady sine into an ALSA playback device through
// the microphone driver's own code (devices/alsa): in the real-kernel test
// it plays into snd-aloop's playback side, so the agent records a real
// signal from the capture side. It plays until killed, and opens the
// device again when it went away.
//
//	tone [-device hw:Loopback,0] [-rate 48000] [-hz 440]
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/evalroom/evalroom/devices/alsa"
)

func main() {
	device := flag.String("device", "hw:Loopback,0", "ALSA playback device")
	rate := flag.Int("rate", 48000, "samples a second")
	hz := flag.Float64("hz", 440, "the tone's frequency")
	flag.Parse()
	var n int64 // samples played, for the sine's phase
	announced := false
	for {
		// snd-aloop ties both sides of a loopback to one rate: when the
		// agent opens the capture side first (after the card came back), the
		// playback side must take the rate it chose.
		r := *rate
		pb, err := alsa.OpenPlayback(*device, r)
		for _, other := range []int{48000, 44100, 32000, 16000, 8000} {
			if err == nil {
				break
			}
			if other != *rate {
				r = other
				pb, err = alsa.OpenPlayback(*device, r)
			}
		}
		if err == nil {
			if !announced {
				fmt.Println("HWTEST-TONE playing on", *device, "at", r, "Hz")
				announced = true
			}
			chunk := make([]byte, 2*(r/10))
			for err == nil {
				for i := 0; i < len(chunk)/2; i++ {
					s := 0.25 * math.Sin(2*math.Pi*(*hz)*float64(n)/float64(r)) // -12 dBFS peaks
					binary.LittleEndian.PutUint16(chunk[2*i:], uint16(int16(s*32767)))
					n++
				}
				err = pb.Write(chunk)
			}
			pb.Close()
		}
		fmt.Fprintln(os.Stderr, "tone:", err, "(again in 1 s)")
		time.Sleep(time.Second)
	}
}
