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
// window), it is exact: a call waits until fewer than N calls fall in the
// window ending at its own start. Safe for concurrent use.
type SlidingWindow struct {
	n      int
	window time.Duration
	clock  Clock

	mu sync.Mutex
	// times holds admissions and reservations still inside a window that
	// can matter, ascending. Reservations are made in order, so a new one
	// is never earlier than the last.
	times []time.Time
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
	return &SlidingWindow{n: n, window: window, clock: clock}
}

// Wait blocks until the call may proceed or ctx is done. The slot is
// reserved before sleeping, so concurrent waiters queue in order; a waiter
// whose ctx ends gives its slot back, so abandoned waits never pile up.
func (s *SlidingWindow) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	now := s.clock.Now()
	// Entries at or before now-window can no longer share a window with
	// any call from now on.
	cut := 0
	for cut < len(s.times) && !s.times[cut].After(now.Add(-s.window)) {
		cut++
	}
	s.times = s.times[cut:]
	at := now
	if k := len(s.times); k > 0 {
		if last := s.times[k-1]; last.After(at) {
			at = last
		}
		if k >= s.n {
			if free := s.times[k-s.n].Add(s.window); free.After(at) {
				at = free
			}
		}
	}
	s.times = append(s.times, at)
	s.mu.Unlock()
	d := at.Sub(now)
	if d <= 0 {
		return nil
	}
	if err := s.clock.Sleep(ctx, d); err != nil {
		// Removing an unused reservation keeps every window valid: what
		// remains is a subset of an admissible schedule.
		s.mu.Lock()
		for i := len(s.times) - 1; i >= 0; i-- {
			if s.times[i].Equal(at) {
				s.times = append(s.times[:i], s.times[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		return err
	}
	return nil
}

// Limit reports the configured count and window.
func (s *SlidingWindow) Limit() (int, time.Duration) { return s.n, s.window }
