package sync

import (
	"context"
	gosync "sync"
)

// Locker keeps two passes of one tenant from overlapping: they would
// double the rate budget and race each other's writes. Lock blocks until
// the tenant's lock is held or ctx ends, and returns the function that
// releases it. A host running several processes plugs in a distributed
// implementation (a database lease, say).
type Locker interface {
	Lock(ctx context.Context, tenant string) (unlock func(), err error)
}

// InProcessLocker is a Locker for one process: one lock per tenant name,
// waited for in a context-aware way. The zero value is ready to use.
type InProcessLocker struct {
	mu    gosync.Mutex
	locks map[string]chan struct{}
}

// DefaultLocker is the process-wide locker engines use unless configured
// otherwise, so two engines for one tenant in one process still exclude
// each other.
var DefaultLocker = &InProcessLocker{}

// Lock acquires the tenant's lock.
func (l *InProcessLocker) Lock(ctx context.Context, tenant string) (func(), error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]chan struct{}{}
	}
	ch, ok := l.locks[tenant]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[tenant] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
		var once gosync.Once
		return func() { once.Do(func() { <-ch }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
