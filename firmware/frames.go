package firmware

import "github.com/evalroom/evalroom/protocol/pad"

func (p *Pad) onFrame(f pad.Frame) {
	switch f.Type {
	case pad.TypeHello:
		p.send(pad.TypeIdentity, pad.AppendIdentity(p.pl[:0], &p.pub, []byte(p.hw.Firmware), []byte(p.hw.Serial)))
	case pad.TypeShow:
		copy(p.digest[:], f.Payload)
		p.reset()
		p.state = stateCapturing
		p.shownAt = p.hw.Clock.Millis()
		p.hw.Display.ShowDigest(&p.digest)
	case pad.TypeCancel:
		p.reset()
		p.hw.Display.Show(ScreenCancelled)
	case pad.TypeError:
		// The box could not use a frame of ours; it cancels and starts again.
	default:
		p.sendError(pad.ErrCodeUnexpected)
	}
}

func (p *Pad) reset() {
	p.state = stateIdle
	p.nPoints, p.nStrokes, p.strokeAt, p.unsent = 0, 0, 0, 0
}

func (p *Pad) sendError(code byte) {
	p.pl[0] = code
	p.send(pad.TypeError, p.pl[:1])
}

// send writes one frame; a write that fails is dropped, since the box
// notices the silence and says hello again.
func (p *Pad) send(t pad.Type, payload []byte) {
	b, err := pad.AppendFrame(p.tx[:0], t, payload)
	if err != nil {
		return
	}
	for len(b) > 0 {
		n, err := p.hw.Port.Write(b)
		if err != nil {
			return
		}
		b = b[n:]
	}
}
