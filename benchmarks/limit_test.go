package benchmarks

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
)

// limitRun is the outcome of n sequential calls on a virtual clock.
type limitRun struct {
	calls     int
	elapsed   time.Duration // virtual
	bound     time.Duration // rolling-window bound for calls
	throttled int
	failed    int
}

// ratio is elapsed ÷ bound: 1 when both are 0, +Inf when only the bound
// is.
func (r limitRun) ratio() float64 {
	if r.bound == 0 {
		if r.elapsed == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return float64(r.elapsed) / float64(r.bound)
}

// windowBound is the least time n calls take under 60 calls in any
// rolling 60 s: floor((n-1)/60) minutes.
func windowBound(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration((n-1)/cin7core.RateLimit) * cin7core.RateWindow
}

// limiters are the ways of pacing calls compared: the SDK's sliding
// window, the baseline one-call-a-second pacer, and none (the server's
// throttling and the client's retries only).
var limiters = []struct {
	name string
	mk   func(clk *virtualClock) cin7core.Limiter
}{
	{"window", func(clk *virtualClock) cin7core.Limiter {
		return cin7core.NewWindowLimiter(cin7core.RateLimit, cin7core.RateWindow, clk)
	}},
	{"pacer-1s", func(clk *virtualClock) cin7core.Limiter { return &pacer{clock: clk, interval: time.Second} }},
	{"none", func(*virtualClock) cin7core.Limiter { return nopLimiter{} }},
}

// runCalls makes n sequential calls (one ref/location page each) to a
// fake enforcing 60 calls per rolling 60 s, the fake, the limiter and the
// client's retry waits all on one virtual clock.
func runCalls(tb testing.TB, n int, mk func(*virtualClock) cin7core.Limiter) limitRun {
	tb.Helper()
	clk := newVirtualClock(cin7coretest.GenerationEpoch())
	srv := cin7coretest.NewServer(cin7coretest.WithClock(clk.Now), cin7coretest.WithRateLimit(cin7core.RateLimit, cin7core.RateWindow))
	defer srv.Close()
	c, err := srv.NewClient(cin7core.WithLimiter(mk(clk)), cin7core.WithClock(clk))
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	start := clk.Now()
	run := limitRun{calls: n, bound: windowBound(n)}
	for range n {
		if _, err := c.Locations.List(nil).Collect(ctx); err != nil {
			run.failed++
		}
	}
	run.elapsed = clk.Now().Sub(start)
	run.throttled = srv.Throttled()
	return run
}

// BenchmarkRateLimit makes n sequential calls against the fake's 60 calls
// per rolling minute on a virtual clock, and reports the virtual duration
// divided by the rolling-window bound (target ≤ 1.02) and the throttled
// answers (target 0), for the SDK's limiter and the baselines. ns/op is
// only the real time the run took.
func BenchmarkRateLimit(b *testing.B) {
	for _, n := range []int{60, 100, 300, 1000} {
		for _, l := range limiters {
			b.Run(fmt.Sprintf("calls=%d/%s", n, l.name), func(b *testing.B) {
				var r limitRun
				for i := 0; i < b.N; i++ {
					r = runCalls(b, n, l.mk)
				}
				b.ReportMetric(r.elapsed.Seconds(), "virtual-s")
				b.ReportMetric(r.bound.Seconds(), "bound-s")
				b.ReportMetric(r.ratio(), "ratio")
				b.ReportMetric(float64(r.throttled), "throttled")
				b.ReportMetric(float64(r.failed), "failed")
			})
		}
	}
}

func TestVirtualClock(t *testing.T) {
	clk := newVirtualClock(time.Unix(0, 0))
	if err := clk.Sleep(context.Background(), time.Minute); err != nil || !clk.Now().Equal(time.Unix(60, 0)) {
		t.Fatalf("after Sleep(1m): %v %v", clk.Now(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if clk.Sleep(ctx, time.Hour) == nil || !clk.Now().Equal(time.Unix(60, 0)) {
		t.Fatal("Sleep ran on a done context")
	}
}

// TestRateLimitBound checks the SDK's limiter meets the bound exactly
// with no throttling on 121 calls (two full windows and one call), and
// that the pacer is slower on 100.
func TestRateLimitBound(t *testing.T) {
	r := runCalls(t, 121, limiters[0].mk)
	if r.elapsed != 2*time.Minute || r.throttled != 0 || r.failed != 0 {
		t.Fatalf("window limiter, 121 calls: %v, %d throttled, %d failed; want 2m0s, 0, 0", r.elapsed, r.throttled, r.failed)
	}
	p := runCalls(t, 100, limiters[1].mk)
	if p.elapsed != 99*time.Second || p.throttled != 0 {
		t.Fatalf("pacer, 100 calls: %v, %d throttled", p.elapsed, p.throttled)
	}
}
