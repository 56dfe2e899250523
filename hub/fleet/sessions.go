package fleet

// SessionChange returns a channel that is closed the next time the
// procurement session a room reports changes (one starts, ends or another
// follows). Live views that a role may hold only outside a session wait on
// it, so a session's start ends them at once rather than at their next
// request.
func (f *Fleet) SessionChange(room string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := f.sessionWait[room]
	if ch == nil {
		ch = make(chan struct{})
		f.sessionWait[room] = ch
	}
	return ch
}

// sessionChanged wakes the waiters of room; f.mu is held.
func (f *Fleet) sessionChanged(room string) {
	if ch := f.sessionWait[room]; ch != nil {
		close(ch)
		delete(f.sessionWait, room)
	}
}
