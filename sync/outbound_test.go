package sync_test

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// Products of the demo tenant the outbound tests use.
const (
	outbTent    = "8719cff4-d1f1-491a-877e-82c2e5b1ceda" // TNT-2P-ALP, FIFO, average 212.4
	outbTent4   = "10352d7e-b677-45e5-a6c4-0b5bf4194131" // TNT-4P-FAM, FIFO
	outbRope    = "8a312910-de4b-4fa5-9359-d30c319e79d1" // RPE-ACC-8MM, FIFO - Batch, average 1.65
	outbFood    = "6b26f8cc-493c-43aa-8245-ff85c47ce620" // FDM-BEEF-STR, FEFO - Batch
	outbStore   = "Outbound Test Store"
	outbBinName = "Shelf A"
)

func outbDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// outbHarness wires the engine to both fakes (demo tenant) with a test
// location (and one bin) of its own, synced to Ramp with the catalogue.
type outbHarness struct {
	cin7Srv *cin7coretest.Server
	rampSrv *ramptest.Server
	tenant  *cin7coretest.Tenant
	cin7    *cin7core.Client
	ramp    *ramp.Client
	store   *cinsync.MemoryStore
	locID   string // the store's Cin7 Core ID (normalised)
	binID   string
	noCost  string // a stock product with no average cost
}

func newOutbHarness(t *testing.T) *outbHarness {
	t.Helper()
	h := &outbHarness{store: cinsync.NewMemoryStore()}
	h.cin7Srv = cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	t.Cleanup(h.cin7Srv.Close)
	h.rampSrv = ramptest.NewServer()
	t.Cleanup(h.rampSrv.Close)
	h.tenant = h.cin7Srv.Tenant()
	var err error
	if h.cin7, err = cin7core.NewClient(cin7core.WithBaseURL(h.cin7Srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(fastRetry)); err != nil {
		t.Fatal(err)
	}
	if h.ramp, err = ramp.NewClient(ramp.WithBaseURL(h.rampSrv.URL()), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
		ramp.WithRetryPolicy(fastRetry)); err != nil {
		t.Fatal(err)
	}
	bin := cin7coretest.NewID()
	loc := h.tenant.UpsertLocation(cin7core.Location{Name: outbStore, Bins: []cin7core.Bin{{ID: bin, Name: outbBinName}}})
	h.locID, h.binID = cin7core.NormalizeID(loc.ID), cin7core.NormalizeID(bin)
	h.noCost = cin7core.NormalizeID(h.tenant.UpsertProduct(cin7core.Product{SKU: "OUTB-NOCOST", Name: "No cost yet", UOM: "Item",
		CostingMethod: cin7core.CostingFIFO}).ID)
	rep, err := h.engine(t, nil).Sync(context.Background(), cinsync.StreamLocations, cinsync.StreamProducts)
	if err != nil {
		t.Fatalf("catalogue: %v\n%s", err, rep.Summary())
	}
	return h
}

// engine builds an engine over the harness's store; edit adjusts the
// config (a failing store, a wrapped source, a dry run).
func (h *outbHarness) engine(t *testing.T, edit func(*cinsync.Config)) *cinsync.Engine {
	t.Helper()
	cfg := cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp), State: h.store, Tenant: "demo"}
	if edit != nil {
		edit(&cfg)
	}
	e, err := cinsync.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run runs one stream and returns its report and error.
func outbRun(t *testing.T, e *cinsync.Engine, s cinsync.Stream) (*cinsync.StreamReport, error) {
	t.Helper()
	rep, err := e.Sync(context.Background(), s)
	sr := rep.Stream(s)
	if sr == nil {
		t.Fatalf("stream %s did not run: %v", s, err)
	}
	return sr, err
}

func outbMustRun(t *testing.T, e *cinsync.Engine, s cinsync.Stream) *cinsync.StreamReport {
	t.Helper()
	sr, err := outbRun(t, e, s)
	if err != nil || sr.Failed != 0 {
		t.Fatalf("%s: %v %+v", s, err, sr)
	}
	return sr
}

// ---- fulfilments ----------------------------------------------------

// outbSale enters and authorises a sale of 3 tents at the store (10 on
// hand) in Cin7 Core and the matching outbound order in Ramp, as the
// sales stream would have written it.
func (h *outbHarness) outbSale(t *testing.T) (saleID string, order ramp.Order) {
	t.Helper()
	h.tenant.SetStock(cin7coretest.StockKey{ProductID: outbTent, LocationID: h.locID}, outbDec("10"), outbDec("200"))
	s, err := h.tenant.AddSale(cin7core.Sale{Customer: "Bush Walkers Club", Location: outbStore, SkipQuote: true,
		Order: &cin7core.SaleOrder{Lines: []cin7core.SaleLine{{ProductID: outbTent, Quantity: outbDec("3"), Price: outbDec("399")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.tenant.AuthoriseSaleOrder(s.ID); err != nil {
		t.Fatal(err)
	}
	order, err = h.rampSrv.AddOrder(ramp.Order{ExternalRef: cin7core.NormalizeID(s.ID), CustomerOrderNumber: s.Order.SaleOrderNumber,
		OrderType: ramp.OrderOutbound, FromPlaceExternalRef: h.locID,
		Lines: []ramp.OrderLine{{SkuExternalRef: outbTent, RequiredCount: outbDec("3")}}})
	if err != nil {
		t.Fatal(err)
	}
	return s.ID, order
}

// outbFulfilment returns the sale's only fulfilment.
func (h *outbHarness) outbFulfilment(t *testing.T, saleID string) cin7core.SaleFulfilment {
	t.Helper()
	s, ok := h.tenant.Sale(saleID)
	if !ok || len(s.Fulfilments) != 1 {
		t.Fatalf("sale %s: %d fulfilments, want 1", saleID, len(s.Fulfilments))
	}
	return s.Fulfilments[0]
}

func (h *outbHarness) outbOnHand(k cin7coretest.StockKey) decimal.Decimal {
	return h.tenant.StockOf(k).OnHand
}

func TestFulfilmentPickThenPackAndShipOnce(t *testing.T) {
	h := newOutbHarness(t)
	saleID, order := h.outbSale(t)
	e := h.engine(t, nil)
	tent := cin7coretest.StockKey{ProductID: outbTent, LocationID: h.locID}

	// Nothing picked in Ramp yet: nothing to do.
	sr := outbMustRun(t, e, cinsync.StreamFulfilments)
	if sr.Created != 0 || h.outbFulfilment(t, saleID).Pick.Status.IsAuthorised() {
		t.Fatalf("wrote before anything was picked: %+v", sr)
	}

	// A Ramp user picks the whole order: Cin7 Core's pick is authorised
	// with those units, at the store; nothing is packed yet.
	if _, err := h.rampSrv.PickOrder(order.ID, ramp.OrderUnit{SkuExternalRef: outbTent, Count: outbDec("3")}); err != nil {
		t.Fatal(err)
	}
	sr = outbMustRun(t, e, cinsync.StreamFulfilments)
	f := h.outbFulfilment(t, saleID)
	if sr.Created != 1 || f.Pick.Status != cin7core.SaleTaskAuthorised || f.Pack.Status.IsAuthorised() {
		t.Fatalf("after pick: %+v, fulfilment %+v", sr, f)
	}
	if len(f.Pick.Lines) != 1 || !f.Pick.Lines[0].Quantity.Equal(outbDec("3")) || !cin7core.SameID(f.Pick.Lines[0].LocationID, h.locID) {
		t.Fatalf("pick lines %+v", f.Pick.Lines)
	}
	if got := h.outbOnHand(tent); !got.Equal(outbDec("10")) {
		t.Fatalf("on hand %s after the pick, want 10 (a pick moves no stock)", got)
	}

	// Rerun: the ledger answers alone.
	sr = outbMustRun(t, e, cinsync.StreamFulfilments)
	if sr.Created != 0 || sr.Cin7Calls != 0 {
		t.Fatalf("rerun: %+v", sr)
	}

	// Dispatched in Ramp: packed and shipped, the stock leaves the
	// ledger, once.
	if _, err := h.rampSrv.DispatchOrder(order.ID); err != nil {
		t.Fatal(err)
	}
	sr = outbMustRun(t, e, cinsync.StreamFulfilments)
	f = h.outbFulfilment(t, saleID)
	if sr.Created != 1 || f.Pack.Status != cin7core.SaleTaskAuthorised || f.Ship.Status != cin7core.SaleTaskAuthorised {
		t.Fatalf("after dispatch: %+v, fulfilment %+v", sr, f)
	}
	if got := h.outbOnHand(tent); !got.Equal(outbDec("7")) {
		t.Fatalf("on hand %s after the ship, want 7", got)
	}
	// Completed in Ramp later, and rerun: nothing more.
	if _, err := h.rampSrv.CompleteOrder(order.ID); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		sr = outbMustRun(t, e, cinsync.StreamFulfilments)
		if sr.Created != 0 {
			t.Fatalf("completed order wrote again: %+v", sr)
		}
	}
	if got := h.outbOnHand(tent); !got.Equal(outbDec("7")) || len(h.tenant.Sales()) == 0 {
		t.Fatalf("on hand %s, want 7", got)
	}
	h.outbFulfilment(t, saleID) // still one fulfilment
}

func TestFulfilmentDispatchedFirstPassAndRules(t *testing.T) {
	h := newOutbHarness(t)
	saleID, order := h.outbSale(t)
	// Picked and dispatched between two passes: one pass writes pick,
	// pack and ship.
	if _, err := h.rampSrv.DispatchOrder(order.ID); err != nil {
		t.Fatal(err)
	}
	sr := outbMustRun(t, h.engine(t, nil), cinsync.StreamFulfilments)
	f := h.outbFulfilment(t, saleID)
	if sr.Created != 1 || !f.Pick.Status.IsAuthorised() || !f.Pack.Status.IsAuthorised() || !f.Ship.Status.IsAuthorised() {
		t.Fatalf("%+v, fulfilment %+v", sr, f)
	}
	if len(f.Ship.Lines) != 1 || !bool(f.Ship.Lines[0].IsShipped) {
		t.Fatalf("ship lines %+v", f.Ship.Lines)
	}
}

func TestFulfilmentSaleMissingIsRecordLevel(t *testing.T) {
	h := newOutbHarness(t)
	_, order := h.outbSale(t)
	// A second Ramp order naming a sale Cin7 Core does not have.
	ghost, err := h.rampSrv.AddOrder(ramp.Order{ExternalRef: cin7coretest.NewID(), OrderType: ramp.OrderOutbound, FromPlaceExternalRef: h.locID,
		Lines: []ramp.OrderLine{{SkuExternalRef: outbTent, RequiredCount: outbDec("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{order.ID, ghost.ID} {
		if _, err := h.rampSrv.DispatchOrder(id); err != nil {
			t.Fatal(err)
		}
	}
	e := h.engine(t, nil)
	sr, err := outbRun(t, e, cinsync.StreamFulfilments)
	if err != nil || sr.Failed != 1 || sr.Created != 1 || sr.Failures[0].ID != ghost.ID {
		t.Fatalf("%v %+v", err, sr)
	}
	// The failure keeps the cursor, so it is retried; the good one is not
	// written again.
	sr, _ = outbRun(t, e, cinsync.StreamFulfilments)
	if sr.Failed != 1 || sr.Created != 0 {
		t.Fatalf("retry: %+v", sr)
	}
}

func TestFulfilmentPickedInCin7WithOtherUnitsIsNotPickedTwice(t *testing.T) {
	h := newOutbHarness(t)
	saleID, order := h.outbSale(t)
	// A Cin7 Core user picks 2 of the 3 tents themselves.
	task := h.outbFulfilment(t, saleID).TaskID
	if _, err := h.cin7.Sales.PutPick(context.Background(), &cin7core.SalePick{TaskID: task, Status: cin7core.SaleTaskAuthorised,
		Lines: []cin7core.SaleStockLine{{ProductID: outbTent, LocationID: h.locID, Quantity: outbDec("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rampSrv.PickOrder(order.ID, ramp.OrderUnit{SkuExternalRef: outbTent, Count: outbDec("3")}); err != nil {
		t.Fatal(err)
	}
	sr, err := outbRun(t, h.engine(t, nil), cinsync.StreamFulfilments)
	if err != nil || sr.Failed != 1 || sr.Created != 0 || len(sr.Notices) != 1 || sr.Notices[0].Kind != "fulfilment-taken" {
		t.Fatalf("%v %+v", err, sr)
	}
	if f := h.outbFulfilment(t, saleID); !f.Pick.Lines[0].Quantity.Equal(outbDec("2")) {
		t.Fatalf("the user's pick was replaced: %+v", f.Pick)
	}
}

// outbSource wraps the Cin7 Core adapter to inject failures into the
// outbound writes.
type outbSource struct {
	cinsync.Source
	cin7      *cin7core.Client
	ful       cinsync.FulfilmentTarget
	adj       cinsync.StockAdjustmentTarget
	beforePck func()
	createAdj func(ctx context.Context, req *cin7core.StockAdjustmentRequest) (*cin7core.StockAdjustment, error)
}

func (h *outbHarness) outbSource() *outbSource {
	src := cinsync.Cin7Source(h.cin7)
	return &outbSource{Source: src, cin7: h.cin7, ful: src.(cinsync.FulfilmentTarget), adj: src.(cinsync.StockAdjustmentTarget)}
}

func (s *outbSource) APICalls() int64 { return s.cin7.APICalls() }
func (s *outbSource) SaleFulfilments(ctx context.Context, id string) (*cin7core.SaleFulfilments, error) {
	return s.ful.SaleFulfilments(ctx, id)
}
func (s *outbSource) StartSaleFulfilment(ctx context.Context, id string) (*cin7core.SaleFulfilments, error) {
	return s.ful.StartSaleFulfilment(ctx, id)
}
func (s *outbSource) WriteSalePick(ctx context.Context, p *cin7core.SalePick, update bool) error {
	return s.ful.WriteSalePick(ctx, p, update)
}
func (s *outbSource) WriteSalePack(ctx context.Context, p *cin7core.SalePack, update bool) error {
	if s.beforePck != nil {
		s.beforePck()
	}
	return s.ful.WriteSalePack(ctx, p, update)
}
func (s *outbSource) WriteSaleShip(ctx context.Context, p *cin7core.SaleShipRequest, update bool) error {
	return s.ful.WriteSaleShip(ctx, p, update)
}
func (s *outbSource) StockAdjustmentPages(ctx context.Context, st cin7core.AdjustmentStatus) iter.Seq2[*cin7core.Page[cin7core.StockAdjustmentSummary], error] {
	return s.adj.StockAdjustmentPages(ctx, st)
}
func (s *outbSource) CreateStockAdjustment(ctx context.Context, req *cin7core.StockAdjustmentRequest) (*cin7core.StockAdjustment, error) {
	if s.createAdj != nil {
		return s.createAdj(ctx, req)
	}
	return s.adj.CreateStockAdjustment(ctx, req)
}

func TestFulfilment500OnPackNotRetriedResolvedNextPass(t *testing.T) {
	h := newOutbHarness(t)
	saleID, order := h.outbSale(t)
	if _, err := h.rampSrv.DispatchOrder(order.ID); err != nil {
		t.Fatal(err)
	}
	src := h.outbSource()
	// The pack answers 500 once (the fake refuses it before applying).
	src.beforePck = func() {
		src.beforePck = nil
		h.cin7Srv.FailNext(1, http.StatusInternalServerError, `[{"ErrorCode":500,"Exception":"boom"}]`, nil)
	}
	e := h.engine(t, func(c *cinsync.Config) { c.Source = src })
	packs := h.cin7Srv.CallsTo("sale/fulfilment/pack")
	sr, err := outbRun(t, e, cinsync.StreamFulfilments)
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("want the stream stopped by the 500, got %v %+v", err, sr)
	}
	if got := h.cin7Srv.CallsTo("sale/fulfilment/pack") - packs; got != 1 {
		t.Fatalf("pack sent %d times, want 1 (writes are not retried)", got)
	}
	f := h.outbFulfilment(t, saleID)
	if !f.Pick.Status.IsAuthorised() || f.Pack.Status.IsAuthorised() {
		t.Fatalf("after the 500: %+v", f)
	}
	// Next pass: the look finds our pick and finishes pack and ship only.
	picks := h.cin7Srv.CallsTo("sale/fulfilment/pick")
	sr = outbMustRun(t, e, cinsync.StreamFulfilments)
	f = h.outbFulfilment(t, saleID)
	if sr.Created != 1 || !f.Pack.Status.IsAuthorised() || !f.Ship.Status.IsAuthorised() || h.cin7Srv.CallsTo("sale/fulfilment/pick") != picks {
		t.Fatalf("resolution: %+v %+v", sr, f)
	}
	if got := h.outbOnHand(cin7coretest.StockKey{ProductID: outbTent, LocationID: h.locID}); !got.Equal(outbDec("7")) {
		t.Fatalf("on hand %s, want 7", got)
	}
}

// outbCrashStore dies at the Nth save: that save and every later one
// fail, as if the process had stopped there.
type outbCrashStore struct {
	*cinsync.MemoryStore
	mu      gosync.Mutex
	left    int
	crashed bool
}

func (s *outbCrashStore) Save(ctx context.Context, k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.crashed || s.left == 0 {
		s.crashed = true
		return errors.New("crash")
	}
	s.left--
	return s.MemoryStore.Save(ctx, k, v)
}

func TestFulfilmentCrashAtEverySaveNeverWritesTwice(t *testing.T) {
	foundPrior := false
	for n := 0; ; n++ {
		h := newOutbHarness(t)
		saleID, order := h.outbSale(t)
		if _, err := h.rampSrv.PickOrder(order.ID, ramp.OrderUnit{SkuExternalRef: outbTent, Count: outbDec("3")}); err != nil {
			t.Fatal(err)
		}
		outbMustRun(t, h.engine(t, nil), cinsync.StreamFulfilments)
		if _, err := h.rampSrv.DispatchOrder(order.ID); err != nil {
			t.Fatal(err)
		}
		crash := &outbCrashStore{MemoryStore: h.store, left: n}
		_, _ = outbRun(t, h.engine(t, func(c *cinsync.Config) { c.State = crash }), cinsync.StreamFulfilments)
		// Restart from what was persisted.
		e := h.engine(t, nil)
		if sr := outbMustRun(t, e, cinsync.StreamFulfilments); sr.Created == 0 && sr.Unchanged == 1 && crash.crashed {
			foundPrior = true // the look at Cin7 Core found the crashed pass's write
		}
		sr := outbMustRun(t, e, cinsync.StreamFulfilments)
		f := h.outbFulfilment(t, saleID)
		if sr.Created != 0 || !f.Ship.Status.IsAuthorised() {
			t.Fatalf("crash at save %d: %+v %+v", n, sr, f)
		}
		if got := h.outbOnHand(cin7coretest.StockKey{ProductID: outbTent, LocationID: h.locID}); !got.Equal(outbDec("7")) {
			t.Fatalf("crash at save %d: on hand %s, want 7", n, got)
		}
		if !crash.crashed {
			if !foundPrior {
				t.Fatal("no crash fell between a write and its ledger note")
			}
			return // the pass got through every save
		}
	}
}

func TestFulfilmentDryRunWritesNothing(t *testing.T) {
	h := newOutbHarness(t)
	saleID, order := h.outbSale(t)
	if _, err := h.rampSrv.DispatchOrder(order.ID); err != nil {
		t.Fatal(err)
	}
	before := h.outbStateKeys()
	sr := outbMustRun(t, h.engine(t, func(c *cinsync.Config) { c.DryRun = true }), cinsync.StreamFulfilments)
	f := h.outbFulfilment(t, saleID)
	if f.Pick.Status.IsAuthorised() || len(sr.Plan) != 1 || sr.Plan[0].Action != "post" {
		t.Fatalf("dry run: %+v, fulfilment %+v", sr, f)
	}
	if after := h.outbStateKeys(); after != before {
		t.Fatalf("dry run saved state: %q → %q", before, after)
	}
	outbMustRun(t, h.engine(t, nil), cinsync.StreamFulfilments)
	if !h.outbFulfilment(t, saleID).Ship.Status.IsAuthorised() {
		t.Fatal("the real pass after the dry run did not write")
	}
}

// outbStateKeys fingerprints the state store's outbound ledgers.
func (h *outbHarness) outbStateKeys() string {
	var b strings.Builder
	for _, s := range []cinsync.Stream{cinsync.StreamFulfilments, cinsync.StreamStocktakes} {
		v, err := h.store.Load(context.Background(), "demo/"+string(s))
		b.WriteString(string(s) + "=" + string(v))
		if err != nil {
			b.WriteString("(none)")
		}
	}
	return b.String()
}

// ---- stocktakes -----------------------------------------------------

// outbStocktake stocks the store in Cin7 Core, then has a Ramp user count
// it with every kind of cost and validate the count. It returns the
// validated stocktake.
func (h *outbHarness) outbStocktake(t *testing.T) ramp.Stocktake {
	t.Helper()
	h.tenant.SetStock(cin7coretest.StockKey{ProductID: outbTent, LocationID: h.locID}, outbDec("5"), outbDec("200"))
	h.tenant.SetStock(cin7coretest.StockKey{ProductID: outbRope, LocationID: h.locID, Bin: outbBinName, Batch: "R1"}, outbDec("10"), outbDec("1.65"))
	ghost, err := h.rampSrv.AddSku(ramp.Sku{ExternalRef: cin7coretest.NewID(), SkuNumber: "RAMP-ONLY", Name: "Only in Ramp", TrackingMode: ramp.TrackingNone})
	if err != nil {
		t.Fatal(err)
	}
	cost := func(s string) decimal.NullDecimal { return decimal.NullDecimal{Decimal: outbDec(s), Valid: true} }
	st, err := h.rampSrv.RunStocktake(h.locID,
		ramp.StocktakeLine{SkuExternalRef: outbTent, Counted: outbDec("7"), UnitCost: cost("210.5000")},                                // posted, line cost
		ramp.StocktakeLine{SkuExternalRef: outbRope, PlaceExternalRef: h.binID, Batch: "R1", Counted: outbDec("4")},                    // posted, product average, in the bin
		ramp.StocktakeLine{SkuExternalRef: outbFood, Batch: "L1", Expiry: outbExpiry, Counted: outbDec("2"), UnitCost: cost("0.0000")}, // zero cost
		ramp.StocktakeLine{SkuExternalRef: outbTent4, Counted: outbDec("1"), UnitCost: cost("-3")},                                     // negative cost
		ramp.StocktakeLine{SkuExternalRef: h.noCost, Counted: outbDec("1")},                                                            // no cost anywhere
		ramp.StocktakeLine{SkuExternalRef: ghost.ExternalRef, Counted: outbDec("1"), UnitCost: cost("5")},                              // not in Cin7 Core
		ramp.StocktakeLine{SkuExternalRef: outbRope, PlaceExternalRef: h.binID, Counted: outbDec("1"), UnitCost: cost("1.7")},          // batch product without batch
	)
	if err != nil {
		t.Fatal(err)
	}
	if st, err = h.rampSrv.ValidateStocktake(st.ID); err != nil {
		t.Fatal(err)
	}
	return st
}

var outbExpiry = time.Date(2030, 1, 31, 0, 0, 0, 0, time.UTC)

// outbAdjustments returns Cin7 Core's completed adjustments for a
// stocktake.
func (h *outbHarness) outbAdjustments(t *testing.T, st ramp.Stocktake) []cin7core.StockAdjustment {
	t.Helper()
	ref := mapping.StocktakeReference(st.ID, st.Version)
	var out []cin7core.StockAdjustment
	for a, err := range h.cin7.StockAdjustments.List(nil).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if a.Reference != ref {
			continue
		}
		full, err := h.cin7.StockAdjustments.Get(context.Background(), a.TaskID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *full)
	}
	return out
}

// outbCheckStocktakePosted checks the one adjustment and the ledger.
func (h *outbHarness) outbCheckStocktakePosted(t *testing.T, st ramp.Stocktake) {
	t.Helper()
	adj := h.outbAdjustments(t, st)
	if len(adj) != 1 {
		t.Fatalf("%d adjustments for the stocktake, want exactly 1", len(adj))
	}
	a := adj[0]
	if a.Status != cin7core.AdjustmentCompleted || !a.EffectiveDate.Equal(st.ValidatedAt) || len(a.ExistingStockLines)+len(a.NewStockLines) != 2 {
		t.Fatalf("adjustment %+v", a)
	}
	// On hand set absolutely (7 and 4, not 5+7 or 10+4).
	if got := h.outbOnHand(cin7coretest.StockKey{ProductID: outbTent, LocationID: h.locID}); !got.Equal(outbDec("7")) {
		t.Fatalf("tent on hand %s, want 7", got)
	}
	if got := h.outbOnHand(cin7coretest.StockKey{ProductID: outbRope, LocationID: h.locID, Bin: outbBinName, Batch: "R1"}); !got.Equal(outbDec("4")) {
		t.Fatalf("rope on hand %s, want 4", got)
	}
	// Skipped lines left Cin7 Core alone.
	if got := h.outbOnHand(cin7coretest.StockKey{ProductID: outbTent4, LocationID: h.locID}); !got.IsZero() {
		t.Fatalf("negative-cost line changed stock: %s", got)
	}
}

func TestStocktakeOneAdjustmentPositiveCostsOnly(t *testing.T) {
	h := newOutbHarness(t)
	st := h.outbStocktake(t)
	e := h.engine(t, nil)
	sr := outbMustRun(t, e, cinsync.StreamStocktakes)
	if sr.Read != 1 || sr.Created != 1 {
		t.Fatalf("%+v", sr)
	}
	want := map[mapping.SkipReason]int{
		mapping.SkipAdjustmentZeroCost: 1, mapping.SkipAdjustmentNegativeCost: 1, mapping.SkipAdjustmentNoCost: 1,
		mapping.SkipAdjustmentUnknownProduct: 1, mapping.SkipAdjustmentBatchRules: 1,
	}
	for r, n := range want {
		if sr.SkippedByReason[string(r)] != n {
			t.Fatalf("skipped %v, want %v", sr.SkippedByReason, want)
		}
	}
	if sr.Skipped != 5 {
		t.Fatalf("skipped %d lines, want 5: %v", sr.Skipped, sr.SkippedByReason)
	}
	h.outbCheckStocktakePosted(t, st)
	a := h.outbAdjustments(t, st)[0]
	for _, l := range a.NewStockLines {
		if cin7core.SameID(l.ProductID, outbTent) && !l.UnitCost.Equal(outbDec("210.5")) {
			t.Fatalf("line cost not used: %+v", l)
		}
	}

	// Rerun: the ledger answers; no Cin7 Core call, nothing posted.
	sr = outbMustRun(t, e, cinsync.StreamStocktakes)
	if sr.Created != 0 || sr.Cin7Calls != 0 || sr.Skipped != 0 {
		t.Fatalf("rerun: %+v", sr)
	}
	// State lost: the look at Cin7 Core finds the adjustment.
	fresh := cinsync.NewMemoryStore()
	sr = outbMustRun(t, h.engine(t, func(c *cinsync.Config) { c.State = fresh }), cinsync.StreamStocktakes)
	if sr.Created != 0 || sr.Unchanged != 1 {
		t.Fatalf("state lost: %+v", sr)
	}
	h.outbCheckStocktakePosted(t, st)
}

func TestStocktakeCrashAtEverySaveNeverPostsTwice(t *testing.T) {
	foundPrior := false
	for n := 0; ; n++ {
		h := newOutbHarness(t)
		st := h.outbStocktake(t)
		crash := &outbCrashStore{MemoryStore: h.store, left: n}
		_, _ = outbRun(t, h.engine(t, func(c *cinsync.Config) { c.State = crash }), cinsync.StreamStocktakes)
		e := h.engine(t, nil)
		if sr := outbMustRun(t, e, cinsync.StreamStocktakes); sr.Created == 0 && sr.Unchanged == 1 && crash.crashed {
			foundPrior = true
		}
		sr := outbMustRun(t, e, cinsync.StreamStocktakes)
		if sr.Created != 0 {
			t.Fatalf("crash at save %d: third pass posted: %+v", n, sr)
		}
		h.outbCheckStocktakePosted(t, st)
		if !crash.crashed {
			if !foundPrior {
				t.Fatal("no crash fell between the post and its ledger note")
			}
			return
		}
	}
}

func TestStocktake500OnPostNotRetriedResolvedNextPass(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		h := newOutbHarness(t)
		st := h.outbStocktake(t)
		src := h.outbSource()
		sent := 0
		src.createAdj = func(ctx context.Context, req *cin7core.StockAdjustmentRequest) (*cin7core.StockAdjustment, error) {
			sent++
			if sent == 1 {
				h.cin7Srv.FailNext(1, http.StatusInternalServerError, `[{"ErrorCode":500,"Exception":"boom"}]`, nil)
			}
			return src.adj.CreateStockAdjustment(ctx, req)
		}
		e := h.engine(t, func(c *cinsync.Config) { c.Source = src })
		before := h.cin7Srv.CallsTo("stockadjustment")
		if _, err := outbRun(t, e, cinsync.StreamStocktakes); err == nil {
			t.Fatal("want the 500 to stop the stream")
		}
		if got := h.cin7Srv.CallsTo("stockadjustment") - before; got != 1 {
			t.Fatalf("posted %d times, want 1 (not retried)", got)
		}
		if len(h.outbAdjustments(t, st)) != 0 {
			t.Fatal("the refused post landed")
		}
		sr := outbMustRun(t, e, cinsync.StreamStocktakes)
		if sr.Created != 1 {
			t.Fatalf("next pass: %+v", sr)
		}
		h.outbCheckStocktakePosted(t, st)
	})
	t.Run("landed, then 502", func(t *testing.T) {
		h := newOutbHarness(t)
		st := h.outbStocktake(t)
		src := h.outbSource()
		src.createAdj = func(ctx context.Context, req *cin7core.StockAdjustmentRequest) (*cin7core.StockAdjustment, error) {
			src.createAdj = nil
			if _, err := src.adj.CreateStockAdjustment(ctx, req); err != nil {
				return nil, err
			}
			return nil, &cin7core.APIError{StatusCode: http.StatusBadGateway, Method: http.MethodPost, URL: "stockadjustment", Message: "gateway lost the answer"}
		}
		e := h.engine(t, func(c *cinsync.Config) { c.Source = src })
		if _, err := outbRun(t, e, cinsync.StreamStocktakes); err == nil {
			t.Fatal("want the 502 to stop the stream")
		}
		sr := outbMustRun(t, e, cinsync.StreamStocktakes)
		if sr.Created != 0 || sr.Unchanged != 1 {
			t.Fatalf("next pass: %+v", sr)
		}
		h.outbCheckStocktakePosted(t, st)
	})
}

func TestStocktakeDryRunPostsNothing(t *testing.T) {
	h := newOutbHarness(t)
	st := h.outbStocktake(t)
	before := h.outbStateKeys()
	sr := outbMustRun(t, h.engine(t, func(c *cinsync.Config) { c.DryRun = true }), cinsync.StreamStocktakes)
	if len(sr.Plan) != 1 || sr.Plan[0].ExternalRef != mapping.StocktakeReference(st.ID, st.Version) || sr.Skipped != 5 {
		t.Fatalf("dry run: %+v", sr)
	}
	if len(h.outbAdjustments(t, st)) != 0 {
		t.Fatal("dry run posted")
	}
	if got := h.outbOnHand(cin7coretest.StockKey{ProductID: outbTent, LocationID: h.locID}); !got.Equal(outbDec("5")) {
		t.Fatalf("dry run moved stock: %s", got)
	}
	if after := h.outbStateKeys(); after != before {
		t.Fatalf("dry run saved state")
	}
	outbMustRun(t, h.engine(t, nil), cinsync.StreamStocktakes)
	h.outbCheckStocktakePosted(t, st)
}

func TestStocktakeNothingToPostIsNotedOnce(t *testing.T) {
	h := newOutbHarness(t)
	st, err := h.rampSrv.RunStocktake(h.locID, ramp.StocktakeLine{SkuExternalRef: outbTent4, Counted: outbDec("1"), UnitCost: decimal.NullDecimal{Valid: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.rampSrv.ValidateStocktake(st.ID); err != nil {
		t.Fatal(err)
	}
	e := h.engine(t, nil)
	sr := outbMustRun(t, e, cinsync.StreamStocktakes)
	if sr.Created != 0 || sr.SkippedByReason[string(mapping.SkipAdjustmentNothingToPost)] != 1 {
		t.Fatalf("%+v", sr)
	}
	sr = outbMustRun(t, e, cinsync.StreamStocktakes)
	if sr.Skipped != 0 || sr.Cin7Calls != 0 || sr.Unchanged != 1 {
		t.Fatalf("rerun: %+v", sr)
	}
}
