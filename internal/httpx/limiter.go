package httpx

import (
	"context"
	"sync"
	"time"
)

// Limiter blocks until one more request may be sent. *rate.Limiter from
// golang.org/x/time/rate satisfies it, as does [SlidingWindow]; a host can
// plug in a distributed implementation to share one budget across processes.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Clock abstracts time for the limiter and the retry waits so tests and
// benchmarks can run on a virtual clock.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits for d, returning ctx.Err() early if ctx is cancelled.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// SlidingWindow admits at most N events in any rolling window of length
// Window. Unlike a token bucket (which admits burst+rate*window events in a
// window), it is exact: the (N+1)th call waits until the oldest of the last N
// calls has left the window. Safe for concurrent use.
type SlidingWindow struct {
	n      int
	window time.Duration
	clock  Clock

	mu    sync.Mutex
	times []time.Time // ring of the last n admission times
	head  int         // index of the oldest entry once the ring is full
}

// NewSlidingWindow returns a limiter admitting n events per window. A nil
// clock means the system clock.
func NewSlidingWindow(n int, window time.Duration, clock Clock) *SlidingWindow {
	if n < 1 {
		n = 1
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &SlidingWindow{n: n, window: window, clock: clock, times: make([]time.Time, 0, n)}
}

// Wait blocks until the call may proceed or ctx is done. The slot is
// reserved before sleeping, so concurrent waiters queue fairly and the
// window is never exceeded.
func (s *SlidingWindow) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	now := s.clock.Now()
	at := now
	if len(s.times) == s.n {
		oldest := s.times[s.head]
		if free := oldest.Add(s.window); free.After(at) {
			at = free
		}
		s.times[s.head] = at
		s.head = (s.head + 1) % s.n
	} else {
		s.times = append(s.times, at)
	}
	s.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		// The reserved slot is kept even if ctx ends early: giving it back
		// would let a later caller exceed the window.
		return s.clock.Sleep(ctx, d)
	}
	return nil
}

// Limit reports the configured count and window.
func (s *SlidingWindow) Limit() (int, time.Duration) { return s.n, s.window }
