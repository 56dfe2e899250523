package alsa

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// pcmName is a configured device, parsed: a card (number or name), a
// device on it, and whether the box converts what the card gives (plughw:
// and bare card names) or takes only 16-bit mono at the rate (hw:).
type pcmName struct {
	card string
	dev  int
	plug bool
}

// parseName reads the ALSA names a technician writes: hw:1,0, plughw:1,0,
// hw:CARD=USB,DEV=0, plughw:CARD=USB,DEV=0, or a card's name ("USB",
// "Loopback,1", as /proc/asound/cards shows it), which is taken as plughw.
func parseName(name string) (pcmName, error) {
	n := pcmName{plug: true}
	rest := name
	switch {
	case strings.HasPrefix(name, "hw:"):
		n.plug, rest = false, name[len("hw:"):]
	case strings.HasPrefix(name, "plughw:"):
		rest = name[len("plughw:"):]
	case strings.Contains(name, ":") || name == "" || name == "default":
		return n, fmt.Errorf("ALSA device %q: name a card: hw:CARD,DEV (as recorded), plughw:CARD,DEV (converted to 16-bit mono at the rate) or the card's name (`evalroom-edge devices` lists them); sound servers and plugins are not used", name)
	}
	parts := strings.Split(rest, ",")
	if len(parts) > 2 {
		return n, fmt.Errorf("ALSA device %q: want CARD or CARD,DEV", name)
	}
	for i, p := range parts {
		k, v, kv := strings.Cut(p, "=")
		switch {
		case kv && k == "CARD", !kv && i == 0:
			if !kv {
				v = p
			}
			n.card = v
		case kv && k == "DEV", !kv && i == 1:
			if !kv {
				v = p
			}
			d, err := strconv.Atoi(v)
			if err != nil || d < 0 || d > 31 {
				return n, fmt.Errorf("ALSA device %q: device %q is not a number 0-31", name, v)
			}
			n.dev = d
		default:
			return n, fmt.Errorf("ALSA device %q: %q: want CARD=NAME or DEV=N", name, p)
		}
	}
	if n.card == "" {
		return n, fmt.Errorf("ALSA device %q names no card", name)
	}
	return n, nil
}

// cardIndex finds a card by number or by its id (the name in
// /proc/asound/cards, e.g. Loopback), under the system's /proc/asound.
func cardIndex(asound, card string) (int, error) {
	if i, err := strconv.Atoi(card); err == nil {
		return i, nil
	}
	if link, err := os.Readlink(filepath.Join(asound, card)); err == nil {
		if i, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(link), "card")); err == nil {
			return i, nil
		}
	}
	return -1, fmt.Errorf("no sound card named %q (cards: %s)", card, cardList(asound))
}

// cardList says which cards there are, for a message.
func cardList(asound string) string {
	b, err := os.ReadFile(filepath.Join(asound, "cards"))
	if err != nil || strings.TrimSpace(string(b)) == "--- no soundcards ---" || len(b) == 0 {
		return "none"
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.HasPrefix(f[1], "[") {
			out = append(out, f[0]+" "+strings.Trim(f[1], "[]"))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
