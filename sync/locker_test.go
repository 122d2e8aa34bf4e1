package sync_test

import (
	"context"
	"errors"
	gosync "sync"
	"testing"

	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// fencedStore records the fence of every save.
type fencedStore struct {
	*cinsync.MemoryStore
	mu     gosync.Mutex
	fences []int64
}

func (f *fencedStore) Save(ctx context.Context, k string, v []byte) error {
	fence, ok := cinsync.FenceFromContext(ctx)
	if !ok {
		return errors.New("save without a fence")
	}
	f.mu.Lock()
	f.fences = append(f.fences, fence)
	f.mu.Unlock()
	return f.MemoryStore.Save(ctx, k, v)
}

func TestStateWritesCarryTheLeaseFence(t *testing.T) {
	h := newHarness(t, nil)
	store := &fencedStore{MemoryStore: cinsync.NewMemoryStore()}
	locker := &cinsync.InProcessLocker{}
	e, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp), State: store, Locker: locker, Tenant: "fenced"})
	for i := 0; i < 2; i++ {
		if _, err := e.Sync(context.Background(), catalogue...); err != nil {
			t.Fatal(err)
		}
	}
	if len(store.fences) == 0 || store.fences[0] != 1 || store.fences[len(store.fences)-1] != 2 {
		t.Fatalf("fences %v: want 1 for the first pass, 2 for the second", store.fences)
	}
}

// losingLocker hands out leases that are lost once the test says so.
type losingLocker struct{ lost chan struct{} }

func (l *losingLocker) Lock(context.Context, string) (cinsync.Lease, error) { return l, nil }
func (l *losingLocker) Fence() int64                                        { return 7 }
func (l *losingLocker) Lost() <-chan struct{}                               { return l.lost }
func (l *losingLocker) Release(context.Context) error                       { return nil }

// loseAfterSink loses the lease after n SKU creations.
type loseAfterSink struct {
	cinsync.Sink
	n    int
	lose func()
}

func (s *loseAfterSink) CreateSku(ctx context.Context, v *ramp.Sku) (*ramp.Sku, error) {
	s.n--
	if s.n == 0 {
		s.lose()
	}
	return s.Sink.CreateSku(ctx, v)
}

func TestLostLeaseStopsThePass(t *testing.T) {
	h := newHarness(t, nil)
	locker := &losingLocker{lost: make(chan struct{})}
	sink := &loseAfterSink{Sink: cinsync.RampSink(h.ramp), n: 3, lose: func() { close(locker.lost) }}
	e, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: sink, Locker: locker})
	rep, err := e.Sync(context.Background(), cinsync.StreamProducts)
	if !errors.Is(err, cinsync.ErrLeaseLost) {
		t.Fatalf("err = %v, want ErrLeaseLost", err)
	}
	if got := rep.Stream(cinsync.StreamProducts).Created; got < 3 || got > 4 {
		t.Fatalf("created %d after losing the lease at the third", got)
	}
}
