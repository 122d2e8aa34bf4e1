package soak

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// Fixed IDs of what the pending activity adds, so every world adds the
// same records.
const (
	pendProductID  = "50a50a50-0000-4000-8000-0000000a0001"
	pendPurchaseID = "50a50a50-0000-4000-8000-0000000a0002"
	pendSaleID     = "50a50a50-0000-4000-8000-0000000a0003"
)

// preparePending brings a fresh world to "one pass of every stream with
// user activity pending": a clean first pass, then Cin7 Core users add a
// product, an authorised purchase and an authorised sale and rename a
// product, and Ramp users receive every inbound order not received in
// Cin7 Core before, dispatch and receive the transfers, dispatch the
// sales they can, and count and validate a count-room shelf. The next
// pass writes both ways.
func preparePending(t testing.TB, w *world) {
	t.Helper()
	if r := guardedSync(t, context.Background(), w.engine(t)); r.err != nil || r.panic != "" {
		t.Fatalf("first pass: %v %s", r.err, r.panic)
	}
	tn := w.cs.Tenant()
	pre := map[string]bool{}
	for _, p := range tn.Purchases() {
		if ap, _ := tn.Purchase(p.ID); len(ap.StockReceived) > 0 {
			pre[cin7core.NormalizeID(p.ID)] = true
		}
	}
	prods, locs := fifoProducts(tn), mainLocations(tn)
	tn.UpsertProduct(cin7core.Product{ID: pendProductID, SKU: "SOAK-PEND-1", Name: "Pending item", Type: cin7core.ProductTypeStock,
		CostingMethod: cin7core.CostingFIFO, UOM: "Item", AverageCost: dec(4)})
	renamed := prods[1]
	renamed.Name += " (renamed)"
	tn.UpsertProduct(renamed)
	if _, err := tn.AddPurchase(cin7core.Purchase{PurchaseHeader: cin7core.PurchaseHeader{ID: pendPurchaseID, Supplier: "Soak Supplies", Location: locs[0].Name,
		Order: &cin7core.PurchaseOrder{Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseLine{
			{ProductID: pendProductID, Quantity: dec(4), Price: dec(5)}, {ProductID: prods[2].ID, Quantity: dec(3), Price: dec(5)}}}}}); err != nil {
		t.Fatal(err)
	}
	tn.AddStock(cin7coretest.StockKey{ProductID: prods[3].ID, LocationID: locs[1].ID}, dec(10), dec(5))
	if _, err := tn.AddSale(cin7core.Sale{ID: pendSaleID, Customer: "Soak Customer", Location: locs[1].Name, SkipQuote: true,
		Order: &cin7core.SaleOrder{Lines: []cin7core.SaleLine{{ProductID: prods[3].ID, Quantity: dec(2), Price: dec(9)}}}}); err != nil {
		t.Fatal(err)
	}
	if err := tn.AuthoriseSaleOrder(pendSaleID); err != nil {
		t.Fatal(err)
	}
	skus := skuTracking(w.rs)
	for _, o := range w.rs.Orders() {
		var err error
		switch {
		case o.OrderType == ramp.OrderInbound && o.State == ramp.OrderCreated && !pre[o.ExternalRef]:
			_, err = w.rs.ReceiveOrder(o.ID, remainingUnits(o, skus, false)...)
		case o.OrderType == ramp.OrderTransfer && o.State == ramp.OrderCreated:
			if _, err = w.rs.DispatchOrder(o.ID); err == nil {
				_, err = w.rs.ReceiveOrder(o.ID)
			}
		case o.OrderType == ramp.OrderOutbound && o.State == ramp.OrderCreated && untracked(o, skus) && coverableIn(tn, o):
			_, err = w.rs.DispatchOrder(o.ID)
		}
		if err != nil {
			t.Fatalf("Ramp user on %s: %v", o.CustomerOrderNumber, err)
		}
	}
	sh := countShelves[0]
	var lines []ramp.StocktakeLine
	for i, l := range w.rs.PlaceStock(sh.id) {
		c := ramp.StocktakeLine{SkuExternalRef: l.SkuExternalRef, PlaceExternalRef: sh.id, Counted: l.Quantity, UnitCost: decimal.NewNullDecimal(dec(5))}
		if i == 0 {
			c.Counted = l.Quantity.Add(dec(2))
		}
		lines = append(lines, c)
	}
	st, err := w.rs.RunStocktake(sh.id, lines...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.rs.ValidateStocktake(st.ID); err != nil {
		t.Fatal(err)
	}
}

func coverableIn(tn *cin7coretest.Tenant, o ramp.Order) bool {
	for _, l := range o.Lines {
		if tn.StockOf(cin7coretest.StockKey{ProductID: l.SkuExternalRef, LocationID: o.FromPlaceExternalRef}).OnHand.LessThan(l.RequiredCount) {
			return false
		}
	}
	return true
}

// crashStore fails every Save from the armed one on, as a process that
// died there would store nothing more, until disarmed. It counts saves.
type crashStore struct {
	inner  cinsync.StateStore
	mu     gosync.Mutex
	saves  int
	failAt int // fail from this save on (1-based); 0: never
}

var errCrashed = errors.New("soak: the process died here")

func (s *crashStore) Load(ctx context.Context, k string) ([]byte, error) { return s.inner.Load(ctx, k) }

func (s *crashStore) Save(ctx context.Context, k string, v []byte) error {
	s.mu.Lock()
	s.saves++
	dead := s.failAt > 0 && s.saves >= s.failAt
	s.mu.Unlock()
	if dead {
		return errCrashed
	}
	return s.inner.Save(ctx, k, v)
}

func (s *crashStore) arm(n int) {
	s.mu.Lock()
	s.saves, s.failAt = 0, n
	s.mu.Unlock()
}

func (s *crashStore) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.saves }

// writeCanceller counts writes (POST, PUT, DELETE other than logins)
// through a client's transport and, once armed, cancels the pass's context
// when the Nth write has been answered.
type writeCanceller struct {
	mu     gosync.Mutex
	writes int
	at     int
	cancel context.CancelFunc
	fired  atomic.Bool
}

func (c *writeCanceller) wrap(next http.RoundTripper) http.RoundTripper {
	return rtFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if isWrite(r) {
			c.mu.Lock()
			c.writes++
			if c.at > 0 && c.writes == c.at && c.cancel != nil {
				c.cancel()
				c.fired.Store(true)
			}
			c.mu.Unlock()
		}
		return resp, err
	})
}

func (c *writeCanceller) arm(n int, cancel context.CancelFunc) {
	c.mu.Lock()
	c.writes, c.at, c.cancel = 0, n, cancel
	c.mu.Unlock()
}

func (c *writeCanceller) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.writes }

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func isWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodDelete:
		return !strings.Contains(r.URL.Path, "Authentication/")
	}
	return false
}

// reference is what a crash-free run gives: the pending pass, then two
// clean passes.
type reference struct {
	ramp, cin7    []string
	saves, writes int
}

func crashFreeReference(t *testing.T) reference {
	t.Helper()
	store := &crashStore{inner: cinsync.NewMemoryStore()}
	wc := &writeCanceller{}
	w := newWorld(t, worldConfig{name: "crash-free", store: store, wrap: wc.wrap})
	preparePending(t, w)
	store.arm(0)
	wc.arm(0, nil)
	r := guardedSync(t, context.Background(), w.engine(t))
	if r.err != nil || r.panic != "" {
		t.Fatalf("crash-free pass: %v %s", r.err, r.panic)
	}
	ref := reference{saves: store.count(), writes: wc.count()}
	finishClean(t, w)
	ref.ramp, ref.cin7 = rampPrint(w.rs), cin7Print(t, w)
	if probs, _ := doubled(t, w); len(probs) > 0 {
		t.Fatalf("the crash-free run doubles:\n  %s", strings.Join(probs, "\n  "))
	}
	return ref
}

// finishClean runs two clean passes on a restarted engine; the second
// must not fail.
func finishClean(t testing.TB, w *world) {
	t.Helper()
	for i := 0; i < 2; i++ {
		r := guardedSync(t, context.Background(), w.engine(t))
		if r.panic != "" {
			t.Fatalf("clean pass %d: panic: %s", i, r.panic)
		}
		if l := leaks(w.secrets(), resultTexts(r)); len(l) > 0 {
			t.Errorf("clean pass %d: %s", i, strings.Join(l, "; "))
		}
		if i == 1 && r.err != nil {
			t.Errorf("second clean pass still fails: %v\n%s", r.err, r.rep.Summary())
		}
	}
}

// converged checks the world against the crash-free reference.
func converged(t testing.TB, w *world, ref reference, what string) {
	t.Helper()
	if d := diff(ref.ramp, rampPrint(w.rs)); d != "" {
		t.Errorf("%s: Ramp differs from the crash-free run:\n%s", what, d)
	}
	if d := diff(ref.cin7, cin7Print(t, w)); d != "" {
		t.Errorf("%s: Cin7 Core differs from the crash-free run:\n%s", what, d)
	}
	if probs, _ := doubled(t, w); len(probs) > 0 {
		t.Errorf("%s: doubled:\n  %s", what, strings.Join(probs, "\n  "))
	}
	if l := leaks(w.secrets(), map[string]string{"slog output": w.logs.String()}); len(l) > 0 {
		t.Errorf("%s: %s", what, strings.Join(l, "; "))
	}
}

// TestCrashAtEveryBoundary runs one pass of every stream with user
// activity pending on both sides, (a) with the state store dying at its
// Nth save, for every N up to the saves of a crash-free pass, and (b)
// with the pass's context cancelled once its Nth write (POST or PUT to
// either side) is answered, for every N up to its writes; each time a
// restarted engine runs two clean passes, and Ramp and Cin7 Core must
// equal the crash-free run with nothing lost or doubled.
func TestCrashAtEveryBoundary(t *testing.T) {
	ref := crashFreeReference(t)
	t.Logf("a crash-free pass makes %d saves and %d writes", ref.saves, ref.writes)
	if ref.saves < 5 || ref.writes < 5 {
		t.Fatalf("the pending pass makes %d saves and %d writes: too few to test anything", ref.saves, ref.writes)
	}
	t.Run("save", func(t *testing.T) {
		for n := 1; n <= ref.saves; n++ {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				t.Parallel()
				store := &crashStore{inner: cinsync.NewMemoryStore()}
				w := newWorld(t, worldConfig{name: "crash", store: store})
				preparePending(t, w)
				store.arm(n)
				r := guardedSync(t, context.Background(), w.engine(t))
				if r.panic != "" {
					t.Fatalf("panic: %s", r.panic)
				}
				if store.count() < n {
					t.Fatalf("the pass made %d saves, fewer than %d", store.count(), n)
				}
				if r.err == nil {
					t.Errorf("the pass reports no error although save %d and later failed:\n%s", n, r.rep.Summary())
				}
				store.arm(0)
				finishClean(t, w)
				converged(t, w, ref, fmt.Sprintf("store died at save %d", n))
			})
		}
	})
	t.Run("cancel", func(t *testing.T) {
		for n := 1; n <= ref.writes; n++ {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				t.Parallel()
				wc := &writeCanceller{}
				w := newWorld(t, worldConfig{name: "cancel", wrap: wc.wrap})
				preparePending(t, w)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				wc.arm(n, cancel)
				r := guardedSync(t, ctx, w.engine(t))
				if r.panic != "" {
					t.Fatalf("panic: %s", r.panic)
				}
				if !wc.fired.Load() {
					t.Fatalf("the pass made %d writes, fewer than %d", wc.count(), n)
				}
				wc.arm(0, nil)
				finishClean(t, w)
				converged(t, w, ref, fmt.Sprintf("cancelled after write %d", n))
			})
		}
	})
}
