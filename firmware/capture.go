package firmware

import (
	"crypto/ed25519"

	"github.com/evalroom/evalroom/protocol/pad"
)

func (p *Pad) onEvent(ev Event) {
	switch ev.Kind {
	case EventPoint:
		p.addPoint(ev.Point)
	case EventPenUp:
		p.closeStroke()
	case EventFinish:
		p.finish()
	case EventRefuse:
		p.pl[0] = pad.RefuseBySigner
		p.send(pad.TypeRefuse, p.pl[:1])
		p.reset()
		p.hw.Display.Show(ScreenRefused)
	}
}

func (p *Pad) addPoint(pt pad.Point) {
	if p.nPoints == len(p.points) || p.nStrokes == len(p.strokeLen) {
		p.hw.Display.Show(ScreenFull)
		return
	}
	if p.nPoints-p.unsent == pad.MaxPointsPerFrame {
		p.flush(false)
	}
	pt.T = p.hw.Clock.Millis() - p.shownAt
	p.points[p.nPoints] = pt
	p.nPoints++
}

// closeStroke ends the open stroke, if any, and sends its last points.
func (p *Pad) closeStroke() {
	if p.nPoints == p.strokeAt {
		return
	}
	p.strokeLen[p.nStrokes] = uint16(p.nPoints - p.strokeAt)
	p.nStrokes++
	p.strokeAt = p.nPoints
	p.flush(true)
}

func (p *Pad) flush(penUp bool) {
	b := pad.AppendStroke(p.pl[:0], penUp, p.points[p.unsent:p.nPoints])
	p.unsent = p.nPoints
	p.send(pad.TypeStroke, b)
}

// finish sends Finish and the signature over the digest and the strokes.
func (p *Pad) finish() {
	p.closeStroke()
	if p.nStrokes == 0 {
		return // nothing signed yet: the button does nothing
	}
	p.send(pad.TypeFinish, pad.AppendFinish(p.pl[:0], uint16(p.nStrokes), uint16(p.nPoints)))
	msg := p.encodeStrokes(pad.AppendSignedBytes(p.msg[:0], &p.digest, nil))
	p.send(pad.TypeSignature, ed25519.Sign(p.key, msg))
	p.reset()
	p.hw.Display.Show(ScreenSigned)
}

// encodeStrokes appends the strokes in the canonical form of
// pad.EncodeStrokes, from the fixed buffers.
func (p *Pad) encodeStrokes(dst []byte) []byte {
	dst = append(dst, byte(p.nStrokes>>8), byte(p.nStrokes))
	at := 0
	for i := 0; i < p.nStrokes; i++ {
		n := int(p.strokeLen[i])
		dst = append(dst, byte(n>>8), byte(n))
		for _, pt := range p.points[at : at+n] {
			dst = pad.AppendPoint(dst, pt)
		}
		at += n
	}
	return dst
}
