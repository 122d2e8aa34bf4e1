package riverworker_test

import (
	"context"
	"fmt"
	gosync "sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/riverworker"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// migrate runs riverworker.Migrate in the schema.
func migrate(t testing.TB, s *schema) {
	t.Helper()
	if err := riverworker.Migrate(context.Background(), s.pool(t, nil, 4)); err != nil {
		t.Fatal(err)
	}
}

// waitAllSynced waits until every tenant has had every stream succeed once
// (since a moment), and returns when that happened.
func waitAllSynced(t testing.TB, s *schema, n int, since time.Time, timeout time.Duration) time.Time {
	t.Helper()
	db := s.db(t, nil)
	deadline := time.Now().Add(timeout)
	for {
		st, err := riverworker.Status(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, ts := range st {
			if ts.LastSuccess != nil && !ts.LastSuccess.Before(since) {
				done++
			}
		}
		if done == n {
			return time.Now()
		}
		if time.Now().After(deadline) {
			for _, ts := range st {
				if ts.LastSuccess == nil || ts.LastSuccess.Before(since) {
					t.Logf("not synced: %s job=%s failures=%d err=%s", ts.Tenant, ts.Job, ts.Failures, ts.LastError)
				}
			}
			t.Fatalf("%d of %d tenants synced after %s", done, n, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestThroughputOneVsThreeWorkers syncs the same set of tenants (first
// passes, each against its own fake Cin7 Core account with its 60-calls-
// a-minute limit and its own fake Ramp) with one worker
// and with three, each worker syncing at most 4 tenants at once, with
// 15 ms per request, and reports the speed-up.
func TestThroughputOneVsThreeWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("throughput comparison skipped in -short mode")
	}
	const tenants, perWorker, latency = 24, 4, 15 * time.Millisecond
	run := func(workers int) time.Duration {
		s := testSchema(t)
		migrate(t, s)
		fakes := newFakeTenants(t, tenants, latency)
		o := defaultClusterOpts(fakes)
		o.concurrency = perWorker
		var mu gosync.Mutex
		var first time.Time
		var calls int64
		o.onPass = func(_, _ string, rep *cinsync.Report, _ error) {
			mu.Lock()
			defer mu.Unlock()
			if first.IsZero() || rep.Started.Before(first) {
				first = rep.Started
			}
			for _, sr := range rep.Streams {
				calls += sr.Cin7Calls + sr.RampCalls
			}
		}
		start := time.Now()
		var ws []*testWorker
		for i := 0; i < workers; i++ {
			ws = append(ws, startWorker(t, s, fmt.Sprintf("w%d", i+1), o))
		}
		end := waitAllSynced(t, s, tenants, start.Add(-time.Second), 2*time.Minute)
		for _, w := range ws {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = w.w.StopAndCancel(ctx)
			cancel()
		}
		s.closeAll()
		mu.Lock()
		defer mu.Unlock()
		t.Logf("%d worker(s): %s from start, %s from the first pass's start; %d API calls, %d per tenant",
			workers, end.Sub(start).Round(time.Millisecond), end.Sub(first).Round(time.Millisecond), calls, calls/tenants)
		return end.Sub(first)
	}
	one := run(1)
	three := run(3)
	speedup := float64(one) / float64(three)
	t.Logf("first passes of %d tenants, %d at a time per worker, %s per request: 1 worker %s, 3 workers %s: speed-up %.2fx",
		tenants, perWorker, latency, one.Round(time.Millisecond), three.Round(time.Millisecond), speedup)
	if raceEnabled {
		t.Log("race detector on: CPU-bound, the speed-up is not checked")
	} else if speedup < 1.5 {
		t.Errorf("three workers were only %.2fx faster than one", speedup)
	}
}
