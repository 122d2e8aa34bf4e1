package sync_test

import (
	"context"
	"iter"
	"slices"
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
)

// Demo documents (cin7coretest's demo tenant).
const (
	ordPODraft      = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c01" // simple, DRAFT
	ordPOSimple     = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c02" // simple, AUTHORISED, with a freight charge
	ordPOAdvanced   = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c03" // advanced, AUTHORISED (upper-case GUID in the data)
	ordPOAdvDraft   = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c04" // advanced, DRAFT
	ordPOInvoice    = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c05" // simple, AUTHORISED, invoice first
	ordSaleQuote    = "5b7e1c2a-3d4f-4a6b-9c8d-0e1f2a3b4c01" // quote only
	ordSaleOrder    = "5b7e1c2a-3d4f-4a6b-9c8d-0e1f2a3b4c02" // order AUTHORISED
	ordSalePicked   = "5b7e1c2a-3d4f-4a6b-9c8d-0e1f2a3b4c03" // order AUTHORISED, picked
	ordSockProduct  = "d50363fa-699c-48bf-97a6-aa31f9d96b41"
	ordHatProduct   = "025c8e9b-40f4-48db-854b-8afb353d0cf1"
	ordMelbourneLoc = "Melbourne Flagship Store"
)

var ordFastRetry = cin7core.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}

// ordHarness wires both fakes (demo tenant) to engines built on demand.
type ordHarness struct {
	cin7Srv *cin7coretest.Server
	rampSrv *ramptest.Server
	cin7    *cin7core.Client
	ramp    *ramp.Client
	store   cinsync.StateStore
	overlay *ordOverlay
}

func newOrdHarness(t *testing.T) *ordHarness {
	t.Helper()
	h := &ordHarness{store: cinsync.NewMemoryStore()}
	h.cin7Srv = cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	t.Cleanup(h.cin7Srv.Close)
	h.rampSrv = ramptest.NewServer()
	t.Cleanup(h.rampSrv.Close)
	var err error
	if h.cin7, err = cin7core.NewClient(cin7core.WithBaseURL(h.cin7Srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(ordFastRetry)); err != nil {
		t.Fatal(err)
	}
	if h.ramp, err = ramp.NewClient(ramp.WithBaseURL(h.rampSrv.URL()), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
		ramp.WithRetryPolicy(ordFastRetry)); err != nil {
		t.Fatal(err)
	}
	h.overlay = &ordOverlay{Source: cinsync.Cin7Source(h.cin7)}
	return h
}

type ordEngineOpt func(*cinsync.Config)

func (h *ordHarness) engine(t *testing.T, opts ...ordEngineOpt) *cinsync.Engine {
	t.Helper()
	cfg := cinsync.Config{Source: h.overlay, Sink: cinsync.RampSink(h.ramp), State: h.store, Tenant: "demo"}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := cinsync.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (h *ordHarness) sync(t *testing.T, streams ...cinsync.Stream) *cinsync.Report {
	t.Helper()
	rep, err := h.engine(t).Sync(context.Background(), streams...)
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, rep.Summary())
	}
	return rep
}

// ordOrderStreams are the streams under test, with what they need first.
var ordAll = []cinsync.Stream{cinsync.StreamLocations, cinsync.StreamProducts, cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales}

// rampOrder returns Ramp's order for a Cin7 Core document, or nil.
func (h *ordHarness) rampOrder(ref string) *ramp.Order {
	for _, o := range h.rampSrv.Orders() {
		if o.ExternalRef == strings.ToLower(ref) {
			return &o
		}
	}
	return nil
}

func (h *ordHarness) rampWrites() int {
	n := 0
	for _, a := range []string{"CreateOrder", "UpdateOrder", "CancelOrder", "CreateSku", "UpdateSku", "CreatePlace", "UpdatePlace"} {
		n += h.rampSrv.CallsTo(a)
	}
	return n
}

func (h *ordHarness) detailCalls() int {
	n := 0
	for _, p := range []string{"purchase", "advanced-purchase", "sale", "stockTransfer", "stockTransfer/order"} {
		n += h.cin7Srv.CallsTo(p)
	}
	return n
}

// ordLines renders an order's lines as "sku=count" sorted, for compares.
func ordLines(o *ramp.Order) string {
	var out []string
	for _, l := range o.Lines {
		out = append(out, l.SkuExternalRef+"="+l.RequiredCount.String())
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// ordOverlay is the Cin7 Core source with edits a Cin7 Core user makes
// that the fake cannot (editing an authorised order, voiding): patches
// are applied to what the fake serves, so every call still reaches it.
type ordOverlay struct {
	cinsync.Source
	mu        gosync.Mutex
	purchases map[string]func(*cin7core.PurchaseListItem, *cin7core.PurchaseHeader)
	sales     map[string]func(*cin7core.SaleListItem, *cin7core.Sale)
	transfers map[string]func(*cin7core.StockTransferSummary, *cin7core.StockTransfer)
}

func (o *ordOverlay) patchPurchase(id string, f func(*cin7core.PurchaseListItem, *cin7core.PurchaseHeader)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.purchases == nil {
		o.purchases = map[string]func(*cin7core.PurchaseListItem, *cin7core.PurchaseHeader){}
	}
	o.purchases[strings.ToLower(id)] = f
}

func (o *ordOverlay) patchSale(id string, f func(*cin7core.SaleListItem, *cin7core.Sale)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.sales == nil {
		o.sales = map[string]func(*cin7core.SaleListItem, *cin7core.Sale){}
	}
	o.sales[strings.ToLower(id)] = f
}

func (o *ordOverlay) patchTransfer(id string, f func(*cin7core.StockTransferSummary, *cin7core.StockTransfer)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.transfers == nil {
		o.transfers = map[string]func(*cin7core.StockTransferSummary, *cin7core.StockTransfer){}
	}
	o.transfers[strings.ToLower(id)] = f
}

func ordPatchPages[T any](pages iter.Seq2[*cin7core.Page[T], error], patch func(*T)) iter.Seq2[*cin7core.Page[T], error] {
	return func(yield func(*cin7core.Page[T], error) bool) {
		for p, err := range pages {
			if p != nil {
				for i := range p.Items {
					patch(&p.Items[i])
				}
			}
			if !yield(p, err) {
				return
			}
		}
	}
}

func (o *ordOverlay) purchasePatch(id string) func(*cin7core.PurchaseListItem, *cin7core.PurchaseHeader) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.purchases[strings.ToLower(id)]
}

func (o *ordOverlay) salePatch(id string) func(*cin7core.SaleListItem, *cin7core.Sale) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sales[strings.ToLower(id)]
}

func (o *ordOverlay) transferPatch(id string) func(*cin7core.StockTransferSummary, *cin7core.StockTransfer) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.transfers[strings.ToLower(id)]
}

func (o *ordOverlay) PurchaseListPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.PurchaseListItem], error] {
	// The patch may have stamped a newer time: read everything and filter
	// again, as the server would.
	inner := o.Source.(cinsync.PurchaseSource).PurchaseListPages(ctx, time.Time{})
	return func(yield func(*cin7core.Page[cin7core.PurchaseListItem], error) bool) {
		for p, err := range inner {
			if p != nil {
				kept := p.Items[:0]
				for _, it := range p.Items {
					if f := o.purchasePatch(it.ID); f != nil {
						f(&it, nil)
					}
					if since.IsZero() || !it.LastUpdatedDate.Before(since) {
						kept = append(kept, it)
					}
				}
				p.Items, p.Total, p.HasTotal = kept, len(kept), true
			}
			if !yield(p, err) {
				return
			}
		}
	}
}

func (o *ordOverlay) PurchaseDetail(ctx context.Context, id string) (*cin7core.Purchase, error) {
	p, err := o.Source.(cinsync.PurchaseSource).PurchaseDetail(ctx, id)
	if err == nil {
		if f := o.purchasePatch(p.ID); f != nil {
			f(nil, &p.PurchaseHeader)
		}
	}
	return p, err
}

func (o *ordOverlay) AdvancedPurchaseDetail(ctx context.Context, id string) (*cin7core.AdvancedPurchase, error) {
	p, err := o.Source.(cinsync.PurchaseSource).AdvancedPurchaseDetail(ctx, id)
	if err == nil {
		if f := o.purchasePatch(p.ID); f != nil {
			f(nil, &p.PurchaseHeader)
		}
	}
	return p, err
}

func (o *ordOverlay) SaleListPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.SaleListItem], error] {
	inner := o.Source.(cinsync.SaleSource).SaleListPages(ctx, time.Time{})
	return func(yield func(*cin7core.Page[cin7core.SaleListItem], error) bool) {
		for p, err := range inner {
			if p != nil {
				kept := p.Items[:0]
				for _, it := range p.Items {
					if f := o.salePatch(it.SaleID); f != nil {
						f(&it, nil)
					}
					if since.IsZero() || !it.Updated.Before(since) {
						kept = append(kept, it)
					}
				}
				p.Items, p.Total, p.HasTotal = kept, len(kept), true
			}
			if !yield(p, err) {
				return
			}
		}
	}
}

func (o *ordOverlay) SaleDetail(ctx context.Context, id string) (*cin7core.Sale, error) {
	s, err := o.Source.(cinsync.SaleSource).SaleDetail(ctx, id)
	if err == nil {
		if f := o.salePatch(s.ID); f != nil {
			f(nil, s)
		}
	}
	return s, err
}

func (o *ordOverlay) TransferListPages(ctx context.Context) iter.Seq2[*cin7core.Page[cin7core.StockTransferSummary], error] {
	return ordPatchPages(o.Source.(cinsync.TransferSource).TransferListPages(ctx), func(it *cin7core.StockTransferSummary) {
		if f := o.transferPatch(it.TaskID); f != nil {
			f(it, nil)
		}
	})
}

func (o *ordOverlay) TransferDetail(ctx context.Context, id string) (*cin7core.StockTransfer, error) {
	tr, err := o.Source.(cinsync.TransferSource).TransferDetail(ctx, id)
	if err == nil {
		if f := o.transferPatch(tr.TaskID); f != nil {
			f(nil, tr)
		}
	}
	return tr, err
}

func (o *ordOverlay) TransferOrderDetail(ctx context.Context, id string) (*cin7core.StockTransferOrder, error) {
	return o.Source.(cinsync.TransferSource).TransferOrderDetail(ctx, id)
}

func (o *ordOverlay) APICalls() int64 { return o.Source.(cinsync.CallCounter).APICalls() }

var (
	_ cinsync.PurchaseSource = (*ordOverlay)(nil)
	_ cinsync.SaleSource     = (*ordOverlay)(nil)
	_ cinsync.TransferSource = (*ordOverlay)(nil)
)

// ordTransfers returns the demo transfers by status.
func (h *ordHarness) ordTransfer(t *testing.T, status cin7core.TransferStatus) cin7core.StockTransfer {
	t.Helper()
	for _, tr := range h.cin7Srv.Tenant().StockTransfers() {
		if tr.Status == status {
			return tr
		}
	}
	t.Fatalf("no demo transfer %s", status)
	return cin7core.StockTransfer{}
}

func TestOrdersDemoFirstPassAndQuietSecondPass(t *testing.T) {
	h := newOrdHarness(t)
	rep := h.sync(t, ordAll...)
	t.Log(rep.Summary())
	pur, tra, sal := rep.Stream(cinsync.StreamPurchases), rep.Stream(cinsync.StreamTransfers), rep.Stream(cinsync.StreamSales)
	if pur.Created != 3 || pur.Failed != 0 || pur.SkippedByReason[string(mapping.SkipNotAuthorised)] != 2 {
		t.Fatalf("purchases: %+v", pur)
	}
	// The demo's completed transfer was done before Ramp saw it: history
	// stays out of Ramp.
	if tra.Created != 1 || tra.Failed != 0 || tra.SkippedByReason[string(mapping.SkipNotAuthorised)] != 1 ||
		tra.SkippedByReason[string(mapping.SkipClosedNotInRamp)] != 1 {
		t.Fatalf("transfers: %+v", tra)
	}
	if sal.Created != 2 || sal.Failed != 0 || sal.SkippedByReason[string(mapping.SkipNotAuthorised)] != 1 {
		t.Fatalf("sales: %+v", sal)
	}
	if got := len(h.rampSrv.Orders()); got != 6 {
		t.Fatalf("Ramp has %d orders, want 6", got)
	}
	for _, id := range []string{ordPODraft, ordPOAdvDraft, ordSaleQuote} {
		if h.rampOrder(id) != nil {
			t.Errorf("draft %s reached Ramp", id)
		}
	}

	// The simple purchase: inbound to Melbourne, freight left out.
	o := h.rampOrder(ordPOSimple)
	if o == nil || o.OrderType != ramp.OrderInbound || o.CustomerOrderNumber != "PO-00102" || o.ToPlaceName != ordMelbourneLoc || o.FromPlaceID != "" {
		t.Fatalf("simple purchase order: %+v", o)
	}
	if got, want := ordLines(o), ordHatProduct+"=12,"+ordSockProduct+"=48"; got != want {
		t.Fatalf("lines %s, want %s", got, want)
	}
	if !o.RequiredBy.Equal(time.Date(2025, 3, 7, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("RequiredBy %v", o.RequiredBy)
	}
	if pur.SkippedByReason["line left out: "+string(mapping.SkipAdditionalCharge)] != 1 {
		t.Errorf("the freight charge was not reported: %v", pur.SkippedByReason)
	}
	// The advanced purchase: read through advanced-purchase.
	if o := h.rampOrder(ordPOAdvanced); o == nil || len(o.Lines) != 3 || o.ToPlaceName != "Brisbane 3PL" || o.Comments != "Trail food and electronics, two deliveries" {
		t.Fatalf("advanced purchase order: %+v", o)
	}
	if h.cin7Srv.CallsTo("advanced-purchase") != 1 || h.cin7Srv.CallsTo("purchase") != 2 {
		t.Errorf("detail calls: purchase %d, advanced-purchase %d; want 2 and 1", h.cin7Srv.CallsTo("purchase"), h.cin7Srv.CallsTo("advanced-purchase"))
	}
	// Transfers: both places; the one completed before Ramp saw it stays
	// out.
	done := h.ordTransfer(t, cin7core.TransferCompleted)
	if o := h.rampOrder(done.TaskID); o != nil {
		t.Fatalf("a transfer completed before the first sync reached Ramp: %+v", o)
	}
	moving := h.ordTransfer(t, cin7core.TransferInTransit)
	if o := h.rampOrder(moving.TaskID); o == nil || o.OrderType != ramp.OrderTransfer || o.FromPlaceName == "" ||
		o.ToPlaceName == "" || o.FromPlaceID == o.ToPlaceID || len(o.Lines) == 0 || o.CustomerOrderNumber != moving.Number {
		t.Fatalf("in-transit transfer's order: %+v", o)
	}
	// Sales: outbound from the sale's location.
	if o := h.rampOrder(ordSaleOrder); o == nil || o.OrderType != ramp.OrderOutbound || o.FromPlaceName != "Sydney Distribution Centre" || o.ToPlaceID != "" || len(o.Lines) != 2 {
		t.Fatalf("sale order: %+v", o)
	}

	// Nothing changed: no Ramp call at all, no detail call, one page each.
	rampBefore, cin7Before, detailBefore := h.rampSrv.Calls(), h.cin7Srv.Calls(), h.detailCalls()
	rep = h.sync(t, cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales)
	for _, s := range rep.Streams {
		if s.Created+s.Updated+s.Failed+len(s.Notices) != 0 {
			t.Fatalf("second pass changed something: %+v", s)
		}
	}
	if got := h.rampSrv.Calls() - rampBefore; got != 0 {
		t.Fatalf("second pass made %d Ramp calls", got)
	}
	if got := h.detailCalls() - detailBefore; got != 0 {
		t.Fatalf("second pass made %d detail calls", got)
	}
	if got := h.cin7Srv.Calls() - cin7Before; got != 3 {
		t.Fatalf("second pass made %d Cin7 Core calls, want 3 (one list page per stream)", got)
	}
}
