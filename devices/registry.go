package devices

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/evalroom/evalroom/protocol"
)

// Driver is the periph-style contract for bringing a device up: Init
// returns (true, nil) when loaded, (false, nil or an error wrapping
// ErrAbsent) when skipped because the device is not there, and (true, err)
// when it is there but failed.
type Driver interface {
	Info() Info
	Init(ctx context.Context) (bool, error)
}

// Registry tracks the state of every device of a room: ok, absent with a
// reason, or failed with a reason. The agent publishes it as health.
type Registry struct {
	mu     sync.Mutex
	states map[string]protocol.DeviceState
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{states: make(map[string]protocol.DeviceState)}
}

// Init runs d.Init and records the outcome.
func (r *Registry) Init(ctx context.Context, d Driver) error {
	loaded, err := d.Init(ctx)
	info := d.Info()
	switch {
	case err == nil && loaded:
		r.Set(info, protocol.StateOK, "")
	case !loaded && (err == nil || errors.Is(err, ErrAbsent)):
		reason := "not found"
		if err != nil {
			reason = err.Error()
		}
		r.Set(info, protocol.StateAbsent, reason)
		return nil
	default:
		r.Set(info, protocol.StateFailed, err.Error())
		return fmt.Errorf("device %s (%s): %w", info.Stream, info.Device, err)
	}
	return nil
}

// Set records the state of one device, e.g. when it goes away or comes back.
// It reports whether the state changed.
func (r *Registry) Set(info Info, state, reason string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, had := r.states[info.Stream]
	ds := protocol.DeviceState{Stream: info.Stream, Kind: info.Kind, Device: info.Device, Mode: info.Mode, State: state, Reason: reason}
	r.states[info.Stream] = ds
	return !had || old.State != state
}

// SetErr records a device error: failed when it wraps ErrLost, absent when
// it wraps ErrUnplugged or ErrAbsent, failed otherwise.
func (r *Registry) SetErr(info Info, err error) bool {
	if errors.Is(err, ErrLost) {
		return r.Set(info, protocol.StateFailed, err.Error())
	}
	if errors.Is(err, ErrUnplugged) || errors.Is(err, ErrAbsent) {
		return r.Set(info, protocol.StateAbsent, err.Error())
	}
	return r.Set(info, protocol.StateFailed, err.Error())
}

// States returns every device's state, ordered by stream.
func (r *Registry) States() []protocol.DeviceState {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]protocol.DeviceState, 0, len(r.states))
	for _, s := range r.states {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream < out[j].Stream })
	return out
}
