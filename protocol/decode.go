package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxMessageSize bounds every JSON message on MQTT.
const MaxMessageSize = 64 << 10

// Message is implemented by every MQTT message type.
type Message interface {
	version() int
	// Validate reports the first value that breaks the contract.
	Validate() error
}

// Decode parses one JSON message strictly into m: size bounded, unknown
// fields refused, exactly one value, version required and supported, and
// m.Validate() passing.
func Decode(data []byte, m Message) error {
	return decodeJSON(data, MaxMessageSize, m)
}

func decodeJSON(data []byte, limit int, m Message) error {
	if len(data) > limit {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(data), limit)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data after the message", ErrInvalid)
	}
	if v := m.version(); v != Version {
		if v == 0 {
			return fmt.Errorf("%w: field \"v\" is missing", ErrVersion)
		}
		return fmt.Errorf("%w: got %d, this build speaks %d", ErrVersion, v, Version)
	}
	return m.Validate()
}

// Encode marshals a message; it validates first so that nothing invalid
// leaves the process.
func Encode(m Message) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", m, err)
	}
	if len(b) > MaxMessageSize {
		return nil, fmt.Errorf("%w: %T is %d bytes", ErrTooLarge, m, len(b))
	}
	return b, nil
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
}
