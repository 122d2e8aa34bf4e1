package benchmarks

import (
	"context"
	"sync"
	"time"
)

// virtualClock is a clock whose Sleep advances time at once. It is safe
// for concurrent use; it satisfies cin7core.Clock.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newVirtualClock(start time.Time) *virtualClock { return &virtualClock{now: start} }

// Now returns the virtual time.
func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the virtual time by d (nothing for d <= 0), unless ctx
// is done.
func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.mu.Unlock()
	}
	return nil
}

// nopLimiter admits every call at once.
type nopLimiter struct{}

func (nopLimiter) Wait(ctx context.Context) error { return ctx.Err() }

// pacer is the baseline limiter: one call per interval, the first at once.
type pacer struct {
	clock    *virtualClock
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
}

func (p *pacer) Wait(ctx context.Context) error {
	p.mu.Lock()
	now := p.clock.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.interval)
	p.mu.Unlock()
	return p.clock.Sleep(ctx, at.Sub(now))
}
