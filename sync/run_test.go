package sync_test

import (
	"context"
	"errors"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

func TestDryRunWritesNothingAndSavesNoState(t *testing.T) {
	h := newHarness(t, nil)
	store := cinsync.NewMemoryStore()
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp), State: store, Tenant: "dry", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Sync(context.Background(), catalogue...)
	if err != nil {
		t.Fatal(err)
	}
	want := cin7coretest.DemoCounts()
	if len(h.rampSrv.Places()) != 0 || len(h.rampSrv.Skus()) != 0 {
		t.Fatal("a dry run wrote to Ramp")
	}
	loc, prod := rep.Stream(cinsync.StreamLocations), rep.Stream(cinsync.StreamProducts)
	if len(loc.Plan) != want.Places || len(prod.Plan) != want.SKUs || loc.Created != want.Places {
		t.Fatalf("plan: %d places, %d SKUs; want %d and %d", len(loc.Plan), len(prod.Plan), want.Places, want.SKUs)
	}
	for _, s := range []cinsync.Stream{cinsync.StreamLocations, cinsync.StreamProducts} {
		if _, err := store.Load(context.Background(), "dry/"+string(s)); !errors.Is(err, cinsync.ErrNoState) {
			t.Fatalf("dry run saved state for %s", s)
		}
	}
	// The same plan again: nothing was remembered.
	rep2, _ := e.Sync(context.Background(), catalogue...)
	if len(rep2.Stream(cinsync.StreamProducts).Plan) != want.SKUs {
		t.Fatal("second dry run differs")
	}
}

// recordingObserver counts events.
type recordingObserver struct {
	cinsync.NopObserver
	mu                       gosync.Mutex
	started, pages, finished int
	skipped, failed          int
	lastProgress             cinsync.Progress
}

func (o *recordingObserver) StreamStarted(string, cinsync.Stream) {
	o.mu.Lock()
	o.started++
	o.mu.Unlock()
}
func (o *recordingObserver) PageRead(_ string, _ cinsync.Stream, p cinsync.Progress) {
	o.mu.Lock()
	o.pages++
	o.lastProgress = p
	o.mu.Unlock()
}
func (o *recordingObserver) RecordSkipped(string, cinsync.Stream, string, string) {
	o.mu.Lock()
	o.skipped++
	o.mu.Unlock()
}
func (o *recordingObserver) RecordFailed(string, cinsync.Stream, cinsync.Failure) {
	o.mu.Lock()
	o.failed++
	o.mu.Unlock()
}
func (o *recordingObserver) StreamFinished(string, cinsync.StreamReport) {
	o.mu.Lock()
	o.finished++
	o.mu.Unlock()
}

func TestObserverSeesTheWholePass(t *testing.T) {
	h := newHarness(t, nil)
	obs := &recordingObserver{}
	e, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp), Observer: obs})
	rep, err := e.Sync(context.Background(), catalogue...)
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, s := range rep.Streams {
		skipped += s.Skipped
	}
	if n := len(rep.Streams); obs.started != n || obs.finished != n || obs.pages < n || obs.skipped != skipped || obs.failed != 0 {
		t.Fatalf("observer saw %+v, report skipped %d", obs, skipped)
	}
	if obs.lastProgress.Done != rep.Stream(cinsync.StreamProducts).Read || obs.lastProgress.Cin7Calls == 0 {
		t.Fatalf("last progress %+v", obs.lastProgress)
	}
}

// Two engines of one tenant never run passes at the same time.
func TestPassesOfOneTenantNeverOverlap(t *testing.T) {
	h := newHarness(t, nil)
	var inFlight, maxInFlight atomic.Int32
	sink := &countingSink{Sink: cinsync.RampSink(h.ramp), in: &inFlight, max: &maxInFlight}
	var wg gosync.WaitGroup
	for i := 0; i < 4; i++ {
		e, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: sink, Tenant: "overlap"})
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Sync(context.Background(), catalogue...); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if maxInFlight.Load() != 1 {
		t.Fatalf("%d passes wrote at once", maxInFlight.Load())
	}
	if got := len(h.rampSrv.Skus()); got != cin7coretest.DemoCounts().SKUs {
		t.Fatalf("%d SKUs", got)
	}
}

// countingSink tracks how many passes are writing at once (a pass is "in"
// between its first and last write of a call).
type countingSink struct {
	cinsync.Sink
	in, max *atomic.Int32
}

func (c *countingSink) CreateSku(ctx context.Context, s *ramp.Sku) (*ramp.Sku, error) {
	n := c.in.Add(1)
	defer c.in.Add(-1)
	for {
		m := c.max.Load()
		if n <= m || c.max.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(200 * time.Microsecond)
	return c.Sink.CreateSku(ctx, s)
}

// cancellingSink cancels the pass while a record's write is in flight.
type cancellingSink struct {
	cinsync.Sink
	cancel context.CancelFunc
	after  int
	n      atomic.Int32
}

func (c *cancellingSink) CreateSku(ctx context.Context, s *ramp.Sku) (*ramp.Sku, error) {
	if int(c.n.Add(1)) == c.after {
		c.cancel()
	}
	return c.Sink.CreateSku(ctx, s)
}

// A shutdown finishes the record in hand: the write during which the pass
// was cancelled lands and is remembered, and nothing after it starts.
func TestShutdownFinishesTheRecordInHand(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	sink := &cancellingSink{Sink: cinsync.RampSink(h.ramp), cancel: cancel, after: 5}
	store := cinsync.NewMemoryStore()
	e, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: sink, State: store, Tenant: "shutdown"})
	rep, err := e.Sync(ctx, cinsync.StreamProducts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if got := len(h.rampSrv.Skus()); got != 5 {
		t.Fatalf("%d SKUs in Ramp, want exactly the 5 started before the shutdown", got)
	}
	if c := rep.Stream(cinsync.StreamProducts).Created; c != 5 {
		t.Fatalf("report counts %d created", c)
	}
	// The next pass converges without duplicates.
	e2, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp), State: store, Tenant: "shutdown"})
	rep, err = e2.Sync(context.Background(), cinsync.StreamProducts)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Stream(cinsync.StreamProducts).Created; c != cin7coretest.DemoCounts().SKUs-5 {
		t.Fatalf("resumed pass created %d", c)
	}
}

func TestRunLoopsOnTheScheduleUntilCancelled(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var passes atomic.Int32
	sched := map[cinsync.Stream]cinsync.Schedule{
		cinsync.StreamLocations: {Every: 20 * time.Millisecond},
		cinsync.StreamProducts:  {Every: 20 * time.Millisecond, Jitter: 5 * time.Millisecond},
	}
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp), Schedule: sched,
		OnPass: func(r *cinsync.Report, err error) {
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Error(err)
			}
			if passes.Add(1) == 3 {
				cancel()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if passes.Load() < 3 {
		t.Fatalf("%d passes", passes.Load())
	}
	if _, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp),
		Schedule: map[cinsync.Stream]cinsync.Schedule{"orders": {Every: time.Minute}}}); err == nil {
		t.Fatal("a schedule for an unknown stream must be refused")
	}
	next := e.NextRuns(time.Unix(0, 0))
	if d := next[cinsync.StreamProducts].Sub(time.Unix(0, 0)); d < 20*time.Millisecond || d > 25*time.Millisecond {
		t.Fatalf("next products run in %v", d)
	}
}
