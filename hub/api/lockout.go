package api

import (
	"sync"
	"time"
)

// unknownLocks counts wrong sign-ins for user names that do not exist and
// locks them exactly as a real account is locked, so that the answers
// (401, then 429 with a time) tell nobody which user names exist. It is
// kept in memory and bounded: a restart forgets it, which costs an
// attacker nothing it could not learn anyway.
type unknownLocks struct {
	mu sync.Mutex
	m  map[string]*unknownLock
}

type unknownLock struct {
	failures int
	until    time.Time
	last     time.Time
}

// maxUnknownNames bounds the memory a stream of made-up names can take.
const maxUnknownNames = 10000

// lockedUntil is when name's lock ends; zero when it is not locked.
func (u *unknownLocks) lockedUntil(name string, now time.Time) time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	if l := u.m[name]; l != nil && now.Before(l.until) {
		return l.until
	}
	return time.Time{}
}

// failed counts a wrong sign-in for name, as store.LoginFailed does for a
// real account: the limit-th failure in a row locks it for lock.
func (u *unknownLocks) failed(name string, limit int, lock time.Duration, now time.Time) time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[string]*unknownLock{}
	}
	l := u.m[name]
	if l == nil {
		if len(u.m) >= maxUnknownNames {
			u.prune(now, lock)
		}
		l = &unknownLock{}
		u.m[name] = l
	}
	l.last = now
	l.failures++
	if l.failures >= limit {
		l.failures = 0
		l.until = now.Add(lock)
		return l.until
	}
	return time.Time{}
}

// prune drops names not locked and idle for lock, and if that frees
// nothing, the stalest unlocked half; u.mu is held.
func (u *unknownLocks) prune(now time.Time, lock time.Duration) {
	for k, l := range u.m {
		if now.After(l.until) && now.Sub(l.last) > lock {
			delete(u.m, k)
		}
	}
	for k, l := range u.m {
		if len(u.m) < maxUnknownNames/2 {
			return
		}
		if now.After(l.until) {
			delete(u.m, k)
		}
	}
}
