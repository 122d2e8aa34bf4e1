package sync_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/faults"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// lostWorld: both fakes (demo tenant, no rate limit), optional fault
// transports under each client (from the hostile tests of the outbound
// flows).
type lostWorld struct {
	cs      *cin7coretest.Server
	rs      *ramptest.Server
	cin7    *cin7core.Client
	ramp    *ramp.Client
	cft     *faults.Transport
	rft     *faults.Transport
	store   cinsync.StateStore
	logBuf  *bytes.Buffer
	prePlay string
}

var lostExpiry = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

func newLostWorld(t *testing.T, cft, rft *faults.Transport) *lostWorld {
	t.Helper()
	w := &lostWorld{cft: cft, rft: rft, store: cinsync.NewMemoryStore(), logBuf: &bytes.Buffer{}}
	w.cs = cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()), cin7coretest.WithRateLimit(1_000_000, time.Minute))
	t.Cleanup(w.cs.Close)
	w.rs = ramptest.NewServer()
	t.Cleanup(w.rs.Close)
	copts := []cin7core.Option{cin7core.WithBaseURL(w.cs.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(fastRetry)}
	if cft != nil {
		copts = append(copts, cin7core.WithTransport(cft))
	}
	ropts := []ramp.Option{ramp.WithBaseURL(w.rs.URL()), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword), ramp.WithRetryPolicy(fastRetry)}
	if rft != nil {
		ropts = append(ropts, ramp.WithTransport(rft))
	}
	var err error
	if w.cin7, err = cin7core.NewClient(copts...); err != nil {
		t.Fatal(err)
	}
	if w.ramp, err = ramp.NewClient(ropts...); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *lostWorld) engine(t *testing.T, edit func(*cinsync.Config)) *cinsync.Engine {
	t.Helper()
	cfg := cinsync.Config{Source: cinsync.Cin7Source(w.cin7), Sink: cinsync.RampSink(w.ramp), State: w.store, Tenant: "demo",
		Logger: slog.New(slog.NewTextHandler(w.logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if edit != nil {
		edit(&cfg)
	}
	e, err := cinsync.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// lostPlayUser mirrors examples/quickstart/ramp_user.go, deterministic.
func lostPlayUser(t *testing.T, rs *ramptest.Server, tn *cin7coretest.Tenant) {
	tracking := map[string]ramp.Sku{}
	for _, s := range rs.Skus() {
		tracking[s.ExternalRef] = s
	}
	units := func(o ramp.Order, batch string) []ramp.OrderUnit {
		var us []ramp.OrderUnit
		for _, l := range o.Lines {
			s := tracking[l.SkuExternalRef]
			u := ramp.OrderUnit{LineID: l.ID, Count: l.RequiredCount}
			if s.TracksExpiry {
				u.Expiry = lostExpiry
			}
			switch s.TrackingMode {
			case ramp.TrackingSerial:
				n := int(l.RequiredCount.IntPart())
				for i := 1; i <= n; i++ {
					su := u
					su.Count, su.Serial = decimal.NewFromInt(1), fmt.Sprintf("SN-%s-%d", strings.ToUpper(l.SkuNumber), i)
					us = append(us, su)
				}
				continue
			case ramp.TrackingBatch:
				u.Batch = batch
			}
			us = append(us, u)
		}
		return us
	}
	picked := false
	orders := rs.Orders()
	sort.Slice(orders, func(i, j int) bool { return orders[i].CustomerOrderNumber < orders[j].CustomerOrderNumber })
	for _, o := range orders {
		switch {
		case o.OrderType == ramp.OrderInbound && o.State == ramp.OrderCreated:
			if _, err := rs.ReceiveOrder(o.ID, units(o, "RCV-"+o.CustomerOrderNumber)...); err != nil {
				t.Logf("receive %s: %v", o.CustomerOrderNumber, err)
			}
		case o.OrderType == ramp.OrderTransfer && o.State == ramp.OrderCreated:
			if _, err := rs.DispatchOrder(o.ID); err == nil {
				_, _ = rs.ReceiveOrder(o.ID)
			}
		case o.OrderType == ramp.OrderOutbound && o.State == ramp.OrderCreated && !picked && lostUntracked(o, tracking) && lostCoverable(o, tn):
			if _, err := rs.DispatchOrder(o.ID); err == nil {
				picked = true
			}
		}
	}
	best, lines := "", []ramp.PlaceStockLine(nil)
	byPlace := map[string][]ramp.PlaceStockLine{}
	for _, l := range rs.PlaceStock("") {
		byPlace[l.PlaceExternalRef] = append(byPlace[l.PlaceExternalRef], l)
	}
	for p, ls := range byPlace {
		if len(ls) > len(lines) || (len(ls) == len(lines) && p < best) {
			best, lines = p, ls
		}
	}
	if best != "" {
		var counted []ramp.StocktakeLine
		for i, l := range lines {
			if tracking[l.SkuExternalRef].TrackingMode == ramp.TrackingSerial {
				continue
			}
			c := ramp.StocktakeLine{SkuExternalRef: l.SkuExternalRef, PlaceExternalRef: l.PlaceExternalRef, Batch: l.Batch, Counted: l.Quantity}
			if tracking[l.SkuExternalRef].TracksExpiry {
				c.Expiry = lostExpiry
			}
			if i == 0 {
				c.Counted = l.Quantity.Sub(decimal.NewFromInt(1))
			}
			counted = append(counted, c)
		}
		if st, err := rs.RunStocktake(best, counted...); err == nil {
			if _, err := rs.ValidateStocktake(st.ID); err != nil {
				t.Logf("validate: %v", err)
			}
		} else {
			t.Logf("stocktake: %v", err)
		}
	}
}

func lostCoverable(o ramp.Order, tn *cin7coretest.Tenant) bool {
	for _, l := range o.Lines {
		if tn.StockOf(cin7coretest.StockKey{ProductID: l.SkuExternalRef, LocationID: o.FromPlaceExternalRef}).OnHand.LessThan(l.RequiredCount) {
			return false
		}
	}
	return true
}

func lostUntracked(o ramp.Order, skus map[string]ramp.Sku) bool {
	for _, l := range o.Lines {
		if skus[l.SkuExternalRef].TrackingMode != ramp.TrackingNone {
			return false
		}
	}
	return len(o.Lines) > 0
}

// lostCin7Print fingerprints what Cin7 Core holds that the outbound flows write.
func lostCin7Print(t *testing.T, w *lostWorld) string {
	t.Helper()
	tn := w.cs.Tenant()
	var out []string
	for _, p := range tn.Purchases() {
		ap, _ := tn.Purchase(p.ID)
		var tasks []string
		for _, st := range ap.StockReceived {
			var ls []string
			for _, l := range st.Lines {
				ls = append(ls, fmt.Sprintf("%s@%s/%s/%s=%s", l.ProductID[:8], l.LocationID[:8], l.BatchSN, l.ExpiryDate.Format("2006-01-02"), l.Quantity))
			}
			sort.Strings(ls)
			tasks = append(tasks, fmt.Sprintf("[%s %s]", st.Status, strings.Join(ls, ",")))
		}
		out = append(out, fmt.Sprintf("PO %s: %s", p.OrderNumber, strings.Join(tasks, " ")))
	}
	for _, tr := range tn.StockTransfers() {
		out = append(out, fmt.Sprintf("TR %s: %s lines=%d", tr.Number, tr.Status, len(tr.Lines)))
	}
	for _, s := range tn.Sales() {
		var fs []string
		for _, f := range s.Fulfilments {
			st := func(x interface{ String() string }) string { return x.String() }
			_ = st
			pick, pack, ship := "", "", ""
			if f.Pick != nil {
				pick = string(f.Pick.Status) + fmt.Sprint(len(f.Pick.Lines))
			}
			if f.Pack != nil {
				pack = string(f.Pack.Status)
			}
			if f.Ship != nil {
				ship = string(f.Ship.Status)
			}
			fs = append(fs, fmt.Sprintf("[%s|%s|%s]", pick, pack, ship))
		}
		num := ""
		if s.Order != nil {
			num = s.Order.SaleOrderNumber
		}
		out = append(out, fmt.Sprintf("SO %s: %s", num, strings.Join(fs, " ")))
	}
	clean, _ := w.cs.NewClient(cin7core.WithLimiter(nil))
	n := 0
	for a, err := range clean.StockAdjustments.List(nil).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(a.Reference, "ramp-stocktake:") {
			n++
		}
	}
	out = append(out, fmt.Sprintf("ADJ ramp=%d", n))
	for _, s := range tn.Stock() {
		if s.Level.OnHand.IsZero() {
			continue
		}
		out = append(out, fmt.Sprintf("STK %s@%s/%s=%s", s.Key.ProductID[:8], s.Key.LocationID[:8], s.Key.Batch, s.Level.OnHand))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func lostRampPrint(w *lostWorld) string {
	var out []string
	for _, o := range w.rs.Orders() {
		var ls []string
		for _, l := range o.Lines {
			ls = append(ls, fmt.Sprintf("%s req=%s rcv=%s dsp=%s", l.SkuExternalRef[:8], l.RequiredCount, l.ReceivedCount, l.DispatchedCount))
		}
		sort.Strings(ls)
		out = append(out, fmt.Sprintf("ORD %s %s %s %s", o.OrderType, o.CustomerOrderNumber, o.State, strings.Join(ls, ";")))
	}
	for _, l := range w.rs.PlaceStock("") {
		out = append(out, fmt.Sprintf("PS %s %s %s=%s", l.PlaceExternalRef[:8], l.SkuExternalRef[:8], l.Batch, l.Quantity))
	}
	out = append(out, fmt.Sprintf("SKUS %d PLACES %d", len(w.rs.Skus()), len(w.rs.Places())))
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// lostScenario: pass (until clean) → user → passes → clean passes.
func lostScenario(t *testing.T, w *lostWorld, faultyPasses int) (cin7, rmp string) {
	t.Helper()
	e := w.engine(t, nil)
	ctx := context.Background()
	// Inbound until it converges (faults may stop streams).
	for i := 0; i < faultyPasses; i++ {
		_, _ = e.Sync(ctx, cinsync.StreamLocations, cinsync.StreamFamilies, cinsync.StreamProducts, cinsync.StreamPurchases,
			cinsync.StreamTransfers, cinsync.StreamSales, cinsync.StreamStock)
	}
	if w.cft != nil {
		w.cft.Disable()
	}
	if w.rft != nil {
		w.rft.Disable()
	}
	if rep, err := e.Sync(ctx, cinsync.StreamLocations, cinsync.StreamFamilies, cinsync.StreamProducts, cinsync.StreamPurchases,
		cinsync.StreamTransfers, cinsync.StreamSales, cinsync.StreamStock); err != nil {
		t.Fatalf("clean inbound: %v\n%s", err, rep.Summary())
	}
	w.prePlay = lostRampPrint(w) + "\n" + lostCin7Print(t, w)
	lostPlayUser(t, w.rs, w.cs.Tenant())
	for _, st := range w.rs.Stocktakes() {
		var ls []string
		for _, l := range st.Lines {
			ls = append(ls, fmt.Sprintf("%s/%s=%s", l.SkuExternalRef[:8], l.Batch, l.Counted))
		}
		sort.Strings(ls)
		w.prePlay += "\nSTKTAKE " + st.PlaceExternalRef + " " + strings.Join(ls, ",")
	}
	if w.cft != nil {
		w.cft.Enable()
	}
	if w.rft != nil {
		w.rft.Enable()
	}
	for i := 0; i < faultyPasses; i++ {
		_, _ = e.Sync(ctx)
	}
	if w.cft != nil {
		w.cft.Disable()
	}
	if w.rft != nil {
		w.rft.Disable()
	}
	var last *cinsync.Report
	for i := 0; i < 3; i++ {
		rep, err := e.Sync(ctx)
		if err != nil {
			t.Logf("clean pass %d: %v\n%s", i, err, rep.Summary())
		}
		last = rep
	}
	for _, s := range last.Streams {
		if s.Created+s.Updated+s.Failed != 0 {
			t.Logf("last clean pass not quiet: %s", last.Summary())
			break
		}
	}
	return lostCin7Print(t, w), lostRampPrint(w)
}

func lostDiff(a, b string) string {
	as, bs := map[string]int{}, map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		as[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		bs[l]++
	}
	var d []string
	for l, n := range as {
		if bs[l] != n {
			d = append(d, fmt.Sprintf("- %s (x%d vs x%d)", l, n, bs[l]))
		}
	}
	for l, n := range bs {
		if as[l] != n {
			d = append(d, fmt.Sprintf("+ %s (x%d vs x%d)", l, n, as[l]))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// After a full round trip (inbound, a Ramp user's receipts, transfers,
// dispatch and stocktake, outbound until quiet) the state is lost (a new
// MemoryStore, as a host moving machines or wiping a cache would): each
// outbound flow's look at Cin7 Core must find its earlier posts, so Cin7
// Core does not change — no second receiving task on an advanced
// purchase, no second stock adjustment.
func TestOutboundFlowsLostStateDoNotPostAgain(t *testing.T) {
	w := newLostWorld(t, nil, nil)
	wantC, _ := lostScenario(t, w, 1)
	w.store = cinsync.NewMemoryStore()
	e := w.engine(t, nil)
	for i := 0; i < 2; i++ {
		rep, err := e.Sync(context.Background())
		if err != nil {
			t.Errorf("pass %d after losing the state: %v\n%s", i, err, rep.Summary())
		}
		for _, s := range rep.Streams {
			switch s.Stream {
			case cinsync.StreamPurchaseReceipts, cinsync.StreamTransferReceipts, cinsync.StreamFulfilments, cinsync.StreamStocktakes:
				if s.Created+s.Updated > 0 {
					t.Errorf("pass %d after losing the state: %s wrote %d", i, s.Stream, s.Created+s.Updated)
				}
			}
		}
	}
	if d := lostDiff(wantC, lostCin7Print(t, w)); d != "" {
		t.Errorf("Cin7 Core changed after losing the state:\n%s", d)
	}
}
