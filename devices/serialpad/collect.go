package serialpad

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/protocol/pad"
)

// collect takes the pad's strokes until its signature or refusal.
func (p *Pad) collect(ctx context.Context, digest []byte) (devices.PadSignature, error) {
	var strokes [][]pad.Point
	var cur []pad.Point
	for {
		f, err := p.next(ctx)
		if err != nil {
			return devices.PadSignature{}, err
		}
		switch f.Type {
		case pad.TypeStroke:
			var up bool
			cur, up, _ = pad.ParseStroke(f.Payload, cur)
			if up {
				strokes, cur = append(strokes, cur), nil
			}
		case pad.TypeFinish:
			n, _, _ := pad.ParseFinish(f.Payload)
			if int(n) != len(strokes) {
				return devices.PadSignature{}, fmt.Errorf("pad %s: it finished with %d strokes, the box has %d: %w; ask the signer again", p.opt.Stream, n, len(strokes), pad.ErrInvalid)
			}
		case pad.TypeSignature:
			return p.signature(digest, strokes, f.Payload)
		case pad.TypeRefuse:
			return devices.PadSignature{}, fmt.Errorf("pad %s: %w", p.opt.Stream, devices.ErrRefused)
		case pad.TypeError:
			return devices.PadSignature{}, fmt.Errorf("pad %s answered error %d: %w; ask the signer again", p.opt.Stream, f.Payload[0], pad.ErrInvalid)
		}
	}
}

func (p *Pad) signature(digest []byte, strokes [][]pad.Point, sig []byte) (devices.PadSignature, error) {
	enc := pad.EncodeStrokes(nil, strokes)
	if err := pad.Verify(p.id.PublicKey[:], digest, enc, sig); err != nil {
		return devices.PadSignature{}, fmt.Errorf("pad %s (key %s): %w; ask the signer again, and replace the pad if it repeats", p.opt.Stream, hex.EncodeToString(p.id.PublicKey[:8]), err)
	}
	return devices.PadSignature{
		Signer: p.id.Serial, Strokes: enc, Signature: append([]byte(nil), sig...),
		Time: p.opt.Now(), Digest: append([]byte(nil), digest...),
		PublicKey: append([]byte(nil), p.id.PublicKey[:]...), Firmware: p.id.Firmware,
	}, nil
}
