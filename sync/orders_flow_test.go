package sync_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// ordStamp is a modification time later than anything the fake stamped.
func ordStamp(min int) cin7core.Time {
	return cin7core.Time{Time: time.Now().UTC().Add(time.Duration(min) * time.Minute), HasZone: true}
}

// ordEditPurchase makes a Cin7 Core user's edit of an authorised
// purchase: its first line's quantity becomes qty.
func (h *ordHarness) ordEditPurchase(id string, qty int64, at cin7core.Time) {
	h.overlay.patchPurchase(id, func(row *cin7core.PurchaseListItem, p *cin7core.PurchaseHeader) {
		if row != nil {
			row.LastUpdatedDate = at
		}
		if p != nil {
			p.LastUpdatedDate = at
			p.Order.Lines[0].Quantity = decimal.NewFromInt(qty)
		}
	})
}

// ordVoidPurchase makes a purchase voided.
func (h *ordHarness) ordVoidPurchase(id string, at cin7core.Time) {
	h.overlay.patchPurchase(id, func(row *cin7core.PurchaseListItem, p *cin7core.PurchaseHeader) {
		if row != nil {
			row.LastUpdatedDate, row.Status, row.OrderStatus = at, cin7core.PurchaseStatusVoided, cin7core.PurchaseTaskVoided
		}
		if p != nil {
			p.LastUpdatedDate, p.Status = at, cin7core.PurchaseStatusVoided
			p.Order.Status = cin7core.PurchaseTaskVoided
		}
	})
}

func (h *ordHarness) ordVoidSale(id string, at cin7core.Time) {
	h.overlay.patchSale(id, func(row *cin7core.SaleListItem, s *cin7core.Sale) {
		if row != nil {
			row.Updated, row.Status = at, cin7core.SaleStatusVoided
		}
		if s != nil {
			s.Status = cin7core.SaleStatusVoided
		}
	})
}

func (h *ordHarness) ordVoidTransfer(id string) {
	h.overlay.patchTransfer(id, func(row *cin7core.StockTransferSummary, tr *cin7core.StockTransfer) {
		if row != nil {
			row.Status = cin7core.TransferVoided
		}
		if tr != nil {
			tr.Status = cin7core.TransferVoided
		}
	})
}

func TestOrdersDraftThenAuthorised(t *testing.T) {
	h := newOrdHarness(t)
	h.sync(t, ordAll...)
	ten := h.cin7Srv.Tenant()
	if err := ten.AuthorisePurchaseOrder(ordPODraft); err != nil {
		t.Fatal(err)
	}
	if err := ten.AuthoriseSaleOrder(ordSaleQuote); err != nil {
		t.Fatal(err)
	}
	draft := h.ordTransfer(t, cin7core.TransferDraft)
	if err := ten.DispatchTransfer(draft.TaskID); err != nil {
		t.Fatal(err)
	}
	detail := h.detailCalls()
	rep := h.sync(t, cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales)
	for _, s := range []cinsync.Stream{cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales} {
		if sr := rep.Stream(s); sr.Created != 1 || sr.Failed != 0 || sr.Updated != 0 {
			t.Fatalf("%s: %+v\n%s", s, sr, rep.Summary())
		}
	}
	// One detail call per new or changed eligible document, none for the rest.
	if got := h.detailCalls() - detail; got != 3 {
		t.Fatalf("%d detail calls, want 3", got)
	}
	for _, id := range []string{ordPODraft, ordSaleQuote, draft.TaskID} {
		if h.rampOrder(id) == nil {
			t.Errorf("%s did not reach Ramp once authorised", id)
		}
	}
	if o := h.rampOrder(draft.TaskID); o.FromPlaceName != "Brisbane 3PL: Rack 1" || o.ToPlaceName != "Melbourne Flagship Store" {
		t.Errorf("bin transfer places: %q → %q", o.FromPlaceName, o.ToPlaceName)
	}
}

func TestOrdersEditAfterSyncUpdates(t *testing.T) {
	h := newOrdHarness(t)
	h.sync(t, ordAll...)
	h.ordEditPurchase(ordPOSimple, 60, ordStamp(1))
	saleAt := ordStamp(1)
	h.overlay.patchSale(ordSaleOrder, func(row *cin7core.SaleListItem, s *cin7core.Sale) {
		if row != nil {
			row.Updated = saleAt
		}
		if s != nil {
			s.Note = "call before delivery"
		}
	})
	moving := h.ordTransfer(t, cin7core.TransferInTransit)
	h.overlay.patchTransfer(moving.TaskID, func(row *cin7core.StockTransferSummary, tr *cin7core.StockTransfer) {
		if row != nil {
			row.Reference = "3PL replenishment (urgent)"
		}
		if tr != nil {
			tr.Reference = "3PL replenishment (urgent)"
		}
	})
	updates, detail := h.rampSrv.CallsTo("UpdateOrder"), h.detailCalls()
	rep := h.sync(t, cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales)
	for _, s := range []cinsync.Stream{cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales} {
		if sr := rep.Stream(s); sr.Updated != 1 || sr.Created != 0 || sr.Failed != 0 {
			t.Fatalf("%s: %+v\n%s", s, sr, rep.Summary())
		}
	}
	if got := h.rampSrv.CallsTo("UpdateOrder") - updates; got != 3 {
		t.Fatalf("%d updates, want 3", got)
	}
	if got := h.detailCalls() - detail; got != 3 {
		t.Fatalf("%d detail calls, want 3", got)
	}
	if got := ordLines(h.rampOrder(ordPOSimple)); got != ordHatProduct+"=12,"+ordSockProduct+"=60" {
		t.Fatalf("lines after the edit: %s", got)
	}
	if o := h.rampOrder(ordSaleOrder); o.Comments != "call before delivery" {
		t.Fatalf("sale comments %q", o.Comments)
	}
	if o := h.rampOrder(moving.TaskID); o.Comments != "3PL replenishment (urgent)" {
		t.Fatalf("transfer comments %q", o.Comments)
	}
	// And then nothing: the edits are in Ramp.
	writes, detail := h.rampWrites(), h.detailCalls()
	h.sync(t, cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales)
	if h.rampWrites() != writes || h.detailCalls() != detail {
		t.Fatal("a pass after the edits wrote or read details again")
	}
}

func TestOrdersCompletedInRampAreFrozen(t *testing.T) {
	h := newOrdHarness(t)
	h.sync(t, ordAll...)
	o := h.rampOrder(ordPOSimple)
	if _, err := h.rampSrv.ReceiveOrder(o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rampSrv.CompleteOrder(o.ID); err != nil {
		t.Fatal(err)
	}
	h.ordEditPurchase(ordPOSimple, 99, ordStamp(1))
	writes := h.rampWrites()
	rep := h.sync(t, cinsync.StreamPurchases)
	sr := rep.Stream(cinsync.StreamPurchases)
	if len(sr.Notices) != 1 || sr.Notices[0].Kind != "frozen" || sr.Notices[0].ID != ordPOSimple || sr.Notices[0].RampID != o.ID || sr.Updated != 0 {
		t.Fatalf("want one frozen notice: %+v", sr)
	}
	if h.rampWrites() != writes {
		t.Fatal("a frozen order was written")
	}
	if got := ordLines(h.rampOrder(ordPOSimple)); !strings.Contains(got, ordSockProduct+"=48") {
		t.Fatalf("frozen order changed: %s", got)
	}
	// Reported once per change, and a later change costs no Ramp call.
	rep = h.sync(t, cinsync.StreamPurchases)
	if n := len(rep.Stream(cinsync.StreamPurchases).Notices); n != 0 {
		t.Fatalf("the same change was reported again (%d notices)", n)
	}
	h.ordEditPurchase(ordPOSimple, 100, ordStamp(2))
	calls := h.rampSrv.Calls()
	rep = h.sync(t, cinsync.StreamPurchases)
	if n := len(rep.Stream(cinsync.StreamPurchases).Notices); n != 1 || h.rampSrv.Calls() != calls {
		t.Fatalf("second change: %d notices, %d Ramp calls", n, h.rampSrv.Calls()-calls)
	}
}

func TestOrdersVoided(t *testing.T) {
	h := newOrdHarness(t)
	h.sync(t, ordAll...)
	// In progress: something was received on the advanced purchase, and
	// picked on a sale.
	adv := h.rampOrder(ordPOAdvanced)
	if _, err := h.rampSrv.ReceiveOrder(adv.ID, ramp.OrderUnit{SkuExternalRef: adv.Lines[0].SkuExternalRef, Count: decimal.NewFromInt(1)}); err != nil {
		t.Fatal(err)
	}
	picked := h.rampOrder(ordSalePicked)
	if _, err := h.rampSrv.PickOrder(picked.ID, ramp.OrderUnit{SkuExternalRef: picked.Lines[0].SkuExternalRef, Count: decimal.NewFromInt(1)}); err != nil {
		t.Fatal(err)
	}
	at := ordStamp(1)
	for _, id := range []string{ordPOInvoice, ordPOAdvanced, ordPODraft} {
		h.ordVoidPurchase(id, at)
	}
	h.ordVoidSale(ordSaleOrder, at)
	h.ordVoidSale(ordSalePicked, at)
	moving := h.ordTransfer(t, cin7core.TransferInTransit)
	h.ordVoidTransfer(moving.TaskID)

	detail := h.detailCalls()
	rep := h.sync(t, cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales)
	if got := h.detailCalls() - detail; got != 0 {
		t.Fatalf("voids made %d detail calls; the list row says enough", got)
	}
	for _, id := range []string{ordPOInvoice, ordSaleOrder, moving.TaskID} {
		if o := h.rampOrder(id); o.State != ramp.OrderCancelled {
			t.Errorf("%s: Ramp order %s, want Cancelled", id, o.State)
		}
	}
	for _, id := range []string{ordPOAdvanced, ordSalePicked} {
		if o := h.rampOrder(id); o.State == ramp.OrderCancelled {
			t.Errorf("%s: an order in progress was cancelled", id)
		}
	}
	pur, sal := rep.Stream(cinsync.StreamPurchases), rep.Stream(cinsync.StreamSales)
	if pur.SkippedByReason[string(mapping.SkipVoidedNotInRamp)] != 1 || h.rampOrder(ordPODraft) != nil {
		t.Errorf("a voided draft: %+v", pur.SkippedByReason)
	}
	for _, sr := range []*cinsync.StreamReport{pur, sal} {
		if len(sr.Notices) != 1 || sr.Notices[0].Kind != "void-in-progress" {
			t.Errorf("%s notices: %+v", sr.Stream, sr.Notices)
		}
	}
	// Handled once.
	calls := h.rampSrv.Calls()
	rep = h.sync(t, cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales)
	for _, sr := range rep.Streams {
		if len(sr.Notices) != 0 || sr.Updated != 0 {
			t.Errorf("%s handled the voids again: %+v", sr.Stream, sr)
		}
	}
	if h.rampSrv.Calls() != calls {
		t.Errorf("%d Ramp calls on a quiet pass", h.rampSrv.Calls()-calls)
	}
}

func TestOrdersSyncTheirProductsFirst(t *testing.T) {
	h := newOrdHarness(t)
	// Only places: no product is in Ramp yet.
	h.sync(t, cinsync.StreamLocations)
	ten := h.cin7Srv.Tenant()
	odd := ten.UpsertProduct(cin7core.Product{SKU: "ODD-1", Name: "Odd costing", Type: cin7core.ProductTypeStock, CostingMethod: "Weighted Guess", UOM: "Item"})
	mixed, err := ten.AddPurchase(cin7core.Purchase{PurchaseHeader: cin7core.PurchaseHeader{Supplier: "Test", Location: ordMelbourneLoc,
		Order: &cin7core.PurchaseOrder{Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseLine{
			{SKU: "SOK-MER-HIK", Quantity: decimal.NewFromInt(5)},
			{SKU: "SVC-GIFT-WRAP", Quantity: decimal.NewFromInt(1)},
			{ProductID: odd.ID, Quantity: decimal.NewFromInt(2)},
			{SKU: "SOK-MER-HIK", Quantity: decimal.RequireFromString("2.5")},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	services, err := ten.AddPurchase(cin7core.Purchase{PurchaseHeader: cin7core.PurchaseHeader{Supplier: "Test", Location: ordMelbourneLoc,
		Order: &cin7core.PurchaseOrder{Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseLine{{SKU: "SVC-TENT-REPAIR", Quantity: decimal.NewFromInt(1)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	rep := h.sync(t, cinsync.StreamPurchases)
	sr := rep.Stream(cinsync.StreamPurchases)
	t.Log(rep.Summary())
	if sr.Created != 4 {
		t.Fatalf("purchases: %+v", sr)
	}
	if got := len(h.rampSrv.Skus()); got != 6 {
		t.Fatalf("Ramp has %d SKUs, want the 6 mappable stock products the authorised purchases need", got)
	}
	o := h.rampOrder(mixed.ID)
	if o == nil || ordLines(o) != ordSockProduct+"=7.5" {
		t.Fatalf("mixed purchase: %+v", o)
	}
	if sr.SkippedByReason["line left out: "+string(mapping.SkipService)] != 2 || sr.SkippedByReason[string(mapping.SkipNoStockLines)] != 1 || h.rampOrder(services.ID) != nil {
		t.Fatalf("service lines: %v", sr.SkippedByReason)
	}
	if sr.Failed != 1 || sr.Failures[0].ID != cin7core.NormalizeID(odd.ID) {
		t.Fatalf("the unmappable product's line: %+v", sr.Failures)
	}
	// The product is fixed and synced: the purchase gets its line.
	odd.CostingMethod = cin7core.CostingFIFO
	ten.UpsertProduct(odd)
	h.sync(t, cinsync.StreamProducts)
	detail := h.detailCalls()
	rep = h.sync(t, cinsync.StreamPurchases)
	if sr := rep.Stream(cinsync.StreamPurchases); sr.Updated != 1 || sr.Failed != 0 {
		t.Fatalf("after the fix: %+v", sr)
	}
	want := []string{cin7core.NormalizeID(odd.ID) + "=2", ordSockProduct + "=7.5"}
	slices.Sort(want)
	if got := ordLines(h.rampOrder(mixed.ID)); got != strings.Join(want, ",") {
		t.Fatalf("after the fix: %s", got)
	}
	if got := h.detailCalls() - detail; got != 1 {
		t.Fatalf("%d detail calls, want 1 (the purchase waiting for its product)", got)
	}
}

func TestOrdersTransferOrderWorkflow(t *testing.T) {
	h := newOrdHarness(t)
	h.sync(t, ordAll...)
	skip := cin7core.Bool(false)
	tr, err := h.cin7Srv.Tenant().CreateTransfer(cin7core.StockTransfer{Status: cin7core.TransferDraft, FromLocation: "Sydney Distribution Centre",
		ToLocation: "Brisbane 3PL", SkipOrder: &skip, Reference: "requested",
		Lines: []cin7core.StockTransferLine{{SKU: "SOK-MER-HIK", TransferQuantity: decimal.NewFromInt(3)}}})
	if err != nil {
		t.Fatal(err)
	}
	h.sync(t, cinsync.StreamTransfers)
	if h.rampOrder(tr.TaskID) != nil {
		t.Fatal("a draft transfer with a draft order reached Ramp")
	}
	before, orderCalls := h.cin7Srv.CallsTo("stockTransfer"), h.cin7Srv.CallsTo("stockTransfer/order")
	h.sync(t, cinsync.StreamTransfers)
	if h.cin7Srv.CallsTo("stockTransfer") != before || h.cin7Srv.CallsTo("stockTransfer/order") != orderCalls+1 {
		t.Fatal("an unchanged draft in the order workflow should cost one order read, no detail read")
	}
	if _, err := h.cin7.StockTransfers.PostOrder(context.Background(), &cin7core.StockTransferOrder{TaskID: tr.TaskID, Status: cin7core.TransferOrderAuthorised,
		Lines: []cin7core.StockTransferLine{{SKU: "SOK-MER-HIK", TransferQuantity: decimal.NewFromInt(5)}}}); err != nil {
		t.Fatal(err)
	}
	rep := h.sync(t, cinsync.StreamTransfers)
	o := h.rampOrder(tr.TaskID)
	if o == nil || ordLines(o) != ordSockProduct+"=5" || rep.Stream(cinsync.StreamTransfers).Created != 1 {
		t.Fatalf("authorised transfer order: %+v\n%s", o, rep.Summary())
	}
	// Authorised now: no more order reads.
	orderCalls = h.cin7Srv.CallsTo("stockTransfer/order")
	h.sync(t, cinsync.StreamTransfers)
	if h.cin7Srv.CallsTo("stockTransfer/order") != orderCalls {
		t.Fatal("the order of a synced transfer was read again")
	}
}

func TestOrdersDryRunWritesNothing(t *testing.T) {
	h := newOrdHarness(t)
	h.sync(t, cinsync.StreamLocations)
	writes := h.rampWrites()
	e := h.engine(t, func(c *cinsync.Config) { c.DryRun = true })
	rep, err := e.Sync(context.Background(), cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales)
	if err != nil {
		t.Fatalf("%v\n%s", err, rep.Summary())
	}
	if h.rampWrites() != writes || len(h.rampSrv.Orders()) != 0 || len(h.rampSrv.Skus()) != 0 {
		t.Fatal("a dry run wrote to Ramp")
	}
	orders, skus := 0, 0
	for _, sr := range rep.Streams {
		for _, p := range sr.Plan {
			switch {
			case p.Action == "create" && strings.HasSuffix(p.Kind, " order"):
				orders++
			case p.Kind == "sku":
				skus++
			}
		}
	}
	if orders != 6 || skus == 0 {
		t.Fatalf("plan: %d orders, %d SKUs\n%s", orders, skus, rep.Summary())
	}
	for _, s := range []cinsync.Stream{cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales, cinsync.StreamProducts} {
		if _, err := h.store.Load(context.Background(), "demo/"+string(s)); !errors.Is(err, cinsync.ErrNoState) {
			t.Fatalf("a dry run saved state for %s: %v", s, err)
		}
	}
}

func TestOrdersStreamsNeedTheirInterfaces(t *testing.T) {
	h := newOrdHarness(t)
	type plainSource struct{ cinsync.Source }
	e, err := cinsync.NewEngine(cinsync.Config{Source: plainSource{h.overlay}, Sink: cinsync.RampSink(h.ramp)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range e.Streams() {
		if s == cinsync.StreamPurchases || s == cinsync.StreamTransfers || s == cinsync.StreamSales {
			t.Fatalf("%s listed for a source without its interface", s)
		}
	}
	if !slices.Contains(h.engine(t).Streams(), cinsync.StreamSales) {
		t.Fatal("sales missing for the full source")
	}
}

var errOrdCrash = errors.New("injected crash")

// ordCrashSink performs every write, then fails the crashAt-th one as a
// process dying right after it would.
type ordCrashSink struct {
	cinsync.Sink
	orders  cinsync.OrderSink
	mu      gosync.Mutex
	writes  int
	crashAt int
}

func newOrdCrashSink(s cinsync.Sink, at int) *ordCrashSink {
	return &ordCrashSink{Sink: s, orders: s.(cinsync.OrderSink), crashAt: at}
}

func (s *ordCrashSink) hit() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.writes == s.crashAt
}

func ordCrash[T any](s *ordCrashSink, v *T, err error) (*T, error) {
	if err == nil && s.hit() {
		return v, errOrdCrash
	}
	return v, err
}

func (s *ordCrashSink) CreatePlace(ctx context.Context, p *ramp.Place) (*ramp.Place, error) {
	v, err := s.Sink.CreatePlace(ctx, p)
	return ordCrash(s, v, err)
}
func (s *ordCrashSink) UpdatePlace(ctx context.Context, p *ramp.Place) (*ramp.Place, error) {
	v, err := s.Sink.UpdatePlace(ctx, p)
	return ordCrash(s, v, err)
}
func (s *ordCrashSink) CreateSku(ctx context.Context, p *ramp.Sku) (*ramp.Sku, error) {
	v, err := s.Sink.CreateSku(ctx, p)
	return ordCrash(s, v, err)
}
func (s *ordCrashSink) UpdateSku(ctx context.Context, p *ramp.Sku) (*ramp.Sku, error) {
	v, err := s.Sink.UpdateSku(ctx, p)
	return ordCrash(s, v, err)
}
func (s *ordCrashSink) FindOrderByExternalRef(ctx context.Context, ref string) (*ramp.Order, error) {
	return s.orders.FindOrderByExternalRef(ctx, ref)
}
func (s *ordCrashSink) CreateOrder(ctx context.Context, o *ramp.Order) (*ramp.Order, error) {
	v, err := s.orders.CreateOrder(ctx, o)
	return ordCrash(s, v, err)
}
func (s *ordCrashSink) UpdateOrder(ctx context.Context, o *ramp.Order) (*ramp.Order, error) {
	v, err := s.orders.UpdateOrder(ctx, o)
	return ordCrash(s, v, err)
}
func (s *ordCrashSink) CancelOrder(ctx context.Context, id string) (*ramp.Order, error) {
	v, err := s.orders.CancelOrder(ctx, id)
	return ordCrash(s, v, err)
}

// ordCrashStore saves, then fails the crashAt-th save.
type ordCrashStore struct {
	cinsync.StateStore
	mu      gosync.Mutex
	saves   int
	crashAt int
}

func (s *ordCrashStore) Save(ctx context.Context, key string, b []byte) error {
	if err := s.StateStore.Save(ctx, key, b); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves++
	if s.saves == s.crashAt {
		return errOrdCrash
	}
	return nil
}

// ordSnapshot renders what Ramp holds of the orders, comparable across
// fakes (no Ramp IDs).
func (h *ordHarness) ordSnapshot() string {
	var out []string
	for _, o := range h.rampSrv.Orders() {
		if o.OrderType == ramp.OrderTransfer {
			o.ExternalRef = "" // transfer IDs are new in every fake; their numbers are not
		}
		out = append(out, fmt.Sprintf("%s %s %s %s→%s %q %q %s", o.ExternalRef, o.OrderType, o.State, o.FromPlaceName, o.ToPlaceName, o.CustomerOrderNumber, o.Comments, ordLines(&o)))
	}
	slices.Sort(out)
	return strings.Join(out, "\n") + fmt.Sprintf("\n%d SKUs", len(h.rampSrv.Skus()))
}

// ordPhase2 is the second phase of the crash tests' life cycle (the
// first syncs the demo's orders, their products synced on the way):
// an edit, voids and a new authorisation in Cin7 Core.
func ordPhase2(t *testing.T, h *ordHarness) {
	h.ordEditPurchase(ordPOSimple, 60, ordStamp(1))
	h.ordVoidPurchase(ordPOInvoice, ordStamp(1))
	if err := h.cin7Srv.Tenant().AuthorisePurchaseOrder(ordPODraft); err != nil {
		t.Fatal(err)
	}
	h.ordVoidSale(ordSaleOrder, ordStamp(1))
}

var ordOrderStreams = []cinsync.Stream{cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales}

func TestOrdersCrashAfterEveryWriteConverges(t *testing.T) {
	clean := newOrdHarness(t)
	clean.sync(t, cinsync.StreamLocations)
	clean.sync(t, ordOrderStreams...)
	want1 := clean.ordSnapshot()
	ordPhase2(t, clean)
	clean.sync(t, ordOrderStreams...)
	want2 := clean.ordSnapshot()

	for phase := 1; phase <= 2; phase++ {
		for n := 1; ; n++ {
			h := newOrdHarness(t)
			h.sync(t, cinsync.StreamLocations)
			if phase == 2 {
				h.sync(t, ordOrderStreams...)
				ordPhase2(t, h)
			}
			crash := newOrdCrashSink(cinsync.RampSink(h.ramp), n)
			_, err := h.engine(t, func(c *cinsync.Config) { c.Sink = crash }).Sync(context.Background(), ordOrderStreams...)
			crashed := errors.Is(err, errOrdCrash)
			if err != nil && !crashed {
				t.Fatalf("phase %d, crash at write %d: %v", phase, n, err)
			}
			rep := h.sync(t, ordOrderStreams...)
			for _, sr := range rep.Streams {
				if sr.Failed != 0 {
					t.Fatalf("phase %d, crash at write %d: rerun failed records: %+v", phase, n, sr.Failures)
				}
			}
			if got := h.rampSrv.CallsTo("CreateOrder"); phase == 1 && got != 6 {
				t.Fatalf("crash at write %d: %d order creates, want 6 (each once)", n, got)
			}
			want := want1
			if phase == 2 {
				want = want2
			}
			if got := h.ordSnapshot(); got != want {
				t.Fatalf("phase %d, crash at write %d: Ramp differs from a clean run\n got:\n%s\nwant:\n%s", phase, n, got, want)
			}
			if !crashed {
				t.Logf("phase %d: %d writes, each crashed after once", phase, n-1)
				break
			}
		}
	}
}

func TestOrdersCrashAfterEveryCheckpointConverges(t *testing.T) {
	clean := newOrdHarness(t)
	clean.sync(t, cinsync.StreamLocations)
	clean.sync(t, ordOrderStreams...)
	want := clean.ordSnapshot()
	for n := 1; ; n++ {
		h := newOrdHarness(t)
		h.sync(t, cinsync.StreamLocations)
		store := &ordCrashStore{StateStore: h.store, crashAt: n}
		_, err := h.engine(t, func(c *cinsync.Config) { c.State = store }).Sync(context.Background(), ordOrderStreams...)
		crashed := errors.Is(err, errOrdCrash)
		if err != nil && !crashed {
			t.Fatalf("crash at save %d: %v", n, err)
		}
		h.sync(t, ordOrderStreams...)
		if got := h.ordSnapshot(); got != want {
			t.Fatalf("crash at save %d: Ramp differs from a clean run\n got:\n%s\nwant:\n%s", n, got, want)
		}
		if got := h.rampSrv.CallsTo("CreateOrder"); got != 6 {
			t.Fatalf("crash at save %d: %d order creates, want 6 (each once)", n, got)
		}
		if !crashed {
			break
		}
	}
}
