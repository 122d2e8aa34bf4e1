package httpx

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// virtualClock advances only when someone sleeps on it.
type virtualClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	// frozen makes Sleep record the wait without advancing the clock, so
	// concurrent waiters all see the same "now".
	frozen bool
}

func newVirtualClock() *virtualClock {
	return &virtualClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if !c.frozen && d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

func (c *virtualClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// checkWindow fails if any n+1 of the sorted times fit in one window.
func checkWindow(t *testing.T, times []time.Time, n int, window time.Duration) {
	t.Helper()
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i := 0; i+n < len(times); i++ {
		if gap := times[i+n].Sub(times[i]); gap < window {
			t.Fatalf("calls %d and %d are %s apart: %d calls within %s", i, i+n, gap, n+1, window)
		}
	}
}

func TestSlidingWindowNeverExceedsN(t *testing.T) {
	for _, c := range []struct {
		n      int
		window time.Duration
	}{{1, time.Second}, {5, time.Minute}, {60, time.Minute}} {
		clk := newVirtualClock()
		sw := NewSlidingWindow(c.n, c.window, clk)
		rng := rand.New(rand.NewPCG(1, uint64(c.n)))
		var admitted []time.Time
		for i := 0; i < 7*c.n+3; i++ {
			// Irregular arrivals: bursts and pauses.
			if rng.IntN(3) == 0 {
				clk.Advance(time.Duration(rng.Int64N(int64(c.window / 2))))
			}
			if err := sw.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			admitted = append(admitted, clk.Now())
		}
		checkWindow(t, admitted, c.n, c.window)
		if n, w := sw.Limit(); n != c.n || w != c.window {
			t.Fatalf("Limit() = %d, %s", n, w)
		}
	}
}

func TestSlidingWindowAdmitsBurstThenWaitsExactly(t *testing.T) {
	clk := newVirtualClock()
	sw := NewSlidingWindow(3, time.Minute, clk)
	start := clk.Now()
	for i := 0; i < 3; i++ {
		if err := sw.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(clk.Sleeps()) != 0 || !clk.Now().Equal(start) {
		t.Fatal("the first n calls must not wait")
	}
	clk.Advance(10 * time.Second)
	if err := sw.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := clk.Sleeps(); len(s) != 1 || s[0] != 50*time.Second {
		t.Fatalf("fourth call waited %v, want exactly 50s (until the first call leaves the window)", s)
	}
}

func TestSlidingWindowConcurrentWaiters(t *testing.T) {
	const n, waiters = 4, 50
	clk := newVirtualClock()
	clk.frozen = true // every waiter sees the same now; its slot is now+sleep
	sw := NewSlidingWindow(n, time.Minute, clk)
	start := clk.Now()
	var wg sync.WaitGroup
	for i := 0; i < waiters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sw.Wait(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sleeps := clk.Sleeps()
	if len(sleeps) != waiters-n {
		t.Fatalf("%d waiters slept, want %d", len(sleeps), waiters-n)
	}
	slots := make([]time.Time, 0, waiters)
	for i := 0; i < n; i++ {
		slots = append(slots, start)
	}
	for _, d := range sleeps {
		slots = append(slots, start.Add(d))
	}
	checkWindow(t, slots, n, time.Minute)
	slices.SortFunc(slots, func(a, b time.Time) int { return a.Compare(b) })
	if last := slots[len(slots)-1].Sub(start); last != time.Duration((waiters-1)/n)*time.Minute {
		t.Fatalf("last slot after %s, want %s (no slot wasted)", last, time.Duration((waiters-1)/n)*time.Minute)
	}
}

func TestSlidingWindowContextCancel(t *testing.T) {
	sw := NewSlidingWindow(1, time.Hour, nil) // system clock
	if err := sw.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	err := sw.Wait(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %s", d)
	}

	// An already-cancelled context fails at once and takes no slot.
	fresh := NewSlidingWindow(1, time.Hour, nil)
	done, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	if err := fresh.Wait(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	quick, cancelQuick := context.WithTimeout(context.Background(), time.Second)
	defer cancelQuick()
	if err := fresh.Wait(quick); err != nil {
		t.Fatalf("the slot was used by a cancelled call: %v", err)
	}
}

func TestNewSlidingWindowClampsN(t *testing.T) {
	if n, _ := NewSlidingWindow(0, time.Second, nil).Limit(); n != 1 {
		t.Fatalf("n = %d, want 1", n)
	}
}

func TestSystemClockSleep(t *testing.T) {
	var c SystemClock
	if err := c.Sleep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if err := c.Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("zero sleep on a cancelled context: %v", err)
	}
	if c.Now().IsZero() {
		t.Fatal("Now is zero")
	}
}

// timeoutClock is a clock whose sleeps always end in a deadline, as when
// every waiter gives up early.
type timeoutClock struct{ now time.Time }

func (c timeoutClock) Now() time.Time { return c.now }
func (c timeoutClock) Sleep(context.Context, time.Duration) error {
	return context.DeadlineExceeded
}

// A waiter that gives up returns the slot it reserved, so callers that time
// out do not push later callers further into the future.
func TestCancelledWaitGivesBackItsSlot(t *testing.T) {
	clk := timeoutClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	sw := NewSlidingWindow(1, time.Hour, clk)
	if err := sw.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := sw.Wait(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	}
	rec := newVirtualClock()
	rec.now = clk.now
	sw.clock = rec
	if err := sw.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := rec.Sleeps(); len(s) != 1 || s[0] != time.Hour {
		t.Fatalf("after 5 abandoned waits the next call slept %v, want exactly [1h]", s)
	}
}
