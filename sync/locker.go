package sync

import (
	"context"
	gosync "sync"
)

// Locker keeps two passes of one tenant from overlapping: they would
// double the rate budget and race each other's writes. Lock blocks until
// the tenant's lock is held or ctx ends. A host running several processes
// plugs in a distributed implementation (a database lease, say).
type Locker interface {
	Lock(ctx context.Context, tenant string) (Lease, error)
}

// Lease is a held tenant lock.
type Lease interface {
	// Fence is the lease's fencing token: it grows with every new holder
	// of the tenant's lock. The engine passes it to the StateStore with
	// every write (see FenceFromContext), so a store that supports fencing
	// can refuse the writes of a holder that has been superseded.
	Fence() int64
	// Lost is closed when the lease is lost (expired and taken over); the
	// engine then stops the pass between records. Nil means never.
	Lost() <-chan struct{}
	// Release gives the lock up.
	Release(ctx context.Context) error
}

type fenceKey struct{}

// WithFence returns ctx carrying a fencing token for state writes.
func WithFence(ctx context.Context, fence int64) context.Context {
	return context.WithValue(ctx, fenceKey{}, fence)
}

// FenceFromContext returns the fencing token of the lease under which a
// StateStore write is made, if any. Stores that support fencing refuse a
// write whose token is older than the newest one they have seen.
func FenceFromContext(ctx context.Context) (int64, bool) {
	f, ok := ctx.Value(fenceKey{}).(int64)
	return f, ok
}

// InProcessLocker is a Locker for one process: one lock per tenant name,
// waited for in a context-aware way. The zero value is ready to use.
type InProcessLocker struct {
	mu     gosync.Mutex
	locks  map[string]chan struct{}
	fences map[string]int64
}

// DefaultLocker is the process-wide locker engines use unless configured
// otherwise, so two engines for one tenant in one process still exclude
// each other.
var DefaultLocker = &InProcessLocker{}

// Lock acquires the tenant's lock.
func (l *InProcessLocker) Lock(ctx context.Context, tenant string) (Lease, error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]chan struct{}{}
		l.fences = map[string]int64{}
	}
	ch, ok := l.locks[tenant]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[tenant] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.mu.Lock()
	l.fences[tenant]++
	fence := l.fences[tenant]
	l.mu.Unlock()
	return &inProcessLease{ch: ch, fence: fence}, nil
}

type inProcessLease struct {
	ch    chan struct{}
	fence int64
	once  gosync.Once
}

func (l *inProcessLease) Fence() int64          { return l.fence }
func (l *inProcessLease) Lost() <-chan struct{} { return nil } // a process-local lock cannot be taken over
func (l *inProcessLease) Release(context.Context) error {
	l.once.Do(func() { <-l.ch })
	return nil
}
