package alsa

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Found is one sound capture device on this machine, as List sees it.
type Found struct {
	Card     int    `json:"card"`      // card number, e.g. 1
	CardID   string `json:"card_id"`   // the card's name, e.g. USB, which survives renumbering
	CardName string `json:"card_name"` // what the card says it is
	Device   int    `json:"device"`    // device on the card
	Name     string `json:"name"`      // the device's name
	Path     string `json:"path"`      // the config's path for it: the card's name, and the device if not 0
}

// ConfigLine is the device entry for the box's configuration that
// records this microphone as stream, at 16 kHz.
func (f Found) ConfigLine(stream string) string {
	return fmt.Sprintf(`{"stream": %q, "kind": "audio", "driver": "alsa", "path": %q, "sample_rate": 16000}`, stream, f.Path)
}

// String is a line for a person.
func (f Found) String() string {
	return fmt.Sprintf("%s  card %d %s (%s), device %d: %s (also hw:%d,%d)\n", f.Path, f.Card, f.CardID, f.CardName, f.Device, f.Name, f.Card, f.Device)
}

// List finds the sound capture devices (/proc/asound).
func List() ([]Found, error) { return list("/proc/asound") }

func list(asound string) ([]Found, error) {
	ids := map[int][2]string{} // card -> id, name
	if b, err := os.ReadFile(filepath.Join(asound, "cards")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			num, rest, ok := strings.Cut(strings.TrimSpace(line), " ")
			n, err := strconv.Atoi(num)
			if !ok || err != nil {
				continue
			}
			id, name, _ := strings.Cut(rest, "]:")
			ids[n] = [2]string{strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(id), "[")), strings.TrimSpace(name)}
		}
	}
	f, err := os.Open(filepath.Join(asound, "pcm"))
	if os.IsNotExist(err) {
		return nil, nil // no sound cards, or ALSA not loaded
	}
	if err != nil {
		return nil, fmt.Errorf("list sound devices: %w", err)
	}
	defer f.Close()
	var out []Found
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 01-00: USB Audio : USB Audio : capture 1
		parts := strings.Split(sc.Text(), ":")
		if len(parts) < 3 || !strings.Contains(sc.Text(), "capture") {
			continue
		}
		cd := strings.SplitN(strings.TrimSpace(parts[0]), "-", 2)
		if len(cd) != 2 {
			continue
		}
		card, err1 := strconv.Atoi(cd[0])
		dev, err2 := strconv.Atoi(cd[1])
		if err1 != nil || err2 != nil {
			continue
		}
		fd := Found{Card: card, Device: dev, Name: strings.TrimSpace(parts[1]), CardID: ids[card][0], CardName: ids[card][1]}
		if fd.CardID == "" {
			fd.CardID = strconv.Itoa(card)
		}
		fd.Path = fd.CardID
		if dev != 0 {
			fd.Path += "," + strconv.Itoa(dev)
		}
		out = append(out, fd)
	}
	return out, sc.Err()
}
