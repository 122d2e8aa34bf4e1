package cin7coretest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/shopspring/decimal"
)

// The demo purchases (demo/purchases.json).
const (
	purchDraftSimple   = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c01" // PO-00101, order DRAFT
	purchAuthSimple    = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c02" // PO-00102, authorised, nothing received
	purchPartialAdv    = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c03" // PO-00103, advanced, partially received
	purchDraftAdv      = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c04" // PO-00104, advanced, order DRAFT
	purchInvoiceSimple = "9d0c3b52-7a1e-4f86-b2d4-1e5f6a7b8c05" // PO-00105, Approach INVOICE, invoice authorised

	purchSydney    = "f523d6f3-f25c-45e8-b06e-32f164fd24e5"
	purchAisleA    = "68679295-0223-4b5d-aecb-656d77977de2"
	purchMelbourne = "c3f1b5d3-98db-45a6-a20b-2cf0dd311efa"
	purchBackRoom  = "216096bd-8d9a-4fce-9c0d-97b965d721b4"
	purchBrisbane  = "f8b3cb98-30b5-4965-98ee-d4e24b98109a"
	purchRack1     = "c991ba58-bb5d-4635-a700-690ee0598374"

	purchSocks   = "d50363fa-699c-48bf-97a6-aa31f9d96b41" // FIFO
	purchHat     = "025c8e9b-40f4-48db-854b-8afb353d0cf1" // FIFO
	purchBeef    = "6b26f8cc-493c-43aa-8245-ff85c47ce620" // FEFO - Batch
	purchGas     = "3484c184-3ea0-472c-8c12-4ecc64c885a1" // FIFO - Batch
	purchGPS     = "5f7b71a8-7ac2-4a2f-a909-e25c0876a1b8" // FIFO - Serial Number
	purchService = "42209357-ff74-4848-8e0e-1b632876864f"
)

func purchDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func purchLine(product, locationID, qty string) cin7core.PurchaseStockLine {
	return cin7core.PurchaseStockLine{ProductID: product, LocationID: locationID, Quantity: purchDec(qty),
		Date: cin7core.Time{Time: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}}
}

func purchWantStatus(t *testing.T, err error, status int, contains string) {
	t.Helper()
	var ae *cin7core.APIError
	if !errors.As(err, &ae) || ae.StatusCode != status || !strings.Contains(ae.Message, contains) {
		t.Fatalf("err = %v, want HTTP %d containing %q", err, status, contains)
	}
}

// The fake passes the same calls as the client: every purchase call of
// cin7core, driven against the demo tenant.
func TestFakePurchasesWithClient(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()

	rows, err := c.Purchases.List(nil).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d demo purchases, want 5", len(rows))
	}
	byID := map[string]cin7core.PurchaseListItem{}
	for _, r := range rows {
		byID[cin7core.NormalizeID(r.ID)] = r
	}
	partial := byID[purchPartialAdv]
	if !partial.IsAdvanced() || partial.CombinedReceivingStatus != cin7core.ReceivingPartiallyReceived || partial.Status != cin7core.PurchaseStatusReceiving {
		t.Errorf("partially received row %+v", partial)
	}
	if d := byID[purchDraftSimple]; d.IsAdvanced() || d.OrderStatus != cin7core.PurchaseTaskDraft || d.StockReceivedStatus != cin7core.PurchaseTaskNotAvailable || d.Status != cin7core.PurchaseStatusDraft {
		t.Errorf("draft row %+v", d)
	}
	if a := byID[purchAuthSimple]; a.OrderStatus != cin7core.PurchaseTaskAuthorised || a.StockReceivedStatus != cin7core.PurchaseTaskDraft || a.CombinedReceivingStatus != cin7core.ReceivingNotReceived {
		t.Errorf("authorised row %+v", a)
	}
	if inv := byID[purchInvoiceSimple]; inv.InvoiceNumber != "SO-3301" || inv.InvoiceStatus != cin7core.PurchaseTaskAuthorised || !inv.InvoiceAmount.Equal(purchDec("315.92")) {
		t.Errorf("invoice-first row %+v", inv)
	}
	// Filters: order status, the renamed stock filter, search.
	auth, err := c.Purchases.List(&cin7core.PurchaseListOptions{OrderStatus: cin7core.PurchaseTaskAuthorised}).Collect(ctx)
	if err != nil || len(auth) != 3 {
		t.Errorf("OrderStatus=AUTHORISED: %d rows, %v", len(auth), err)
	}
	notRecv, err := c.Purchases.List(&cin7core.PurchaseListOptions{StockReceivedStatus: cin7core.PurchaseTaskNotAvailable}).Collect(ctx)
	if err != nil || len(notRecv) != 2 {
		t.Errorf("RestockReceivedStatus=NOT AVAILABLE: %d rows, %v", len(notRecv), err)
	}
	found, err := c.Purchases.List(&cin7core.PurchaseListOptions{Search: "backcountry"}).Collect(ctx)
	if err != nil || len(found) != 1 || !cin7core.SameID(found[0].ID, purchPartialAdv) {
		t.Errorf("Search: %v %v", found, err)
	}
	paged := c.Purchases.List(&cin7core.PurchaseListOptions{Limit: 2})
	all, err := paged.Collect(ctx)
	if err != nil || len(all) != 5 {
		t.Errorf("paging by 2: %d rows, %v", len(all), err)
	}

	// Simple and advanced shapes.
	simple, err := c.Purchases.Get(ctx, purchAuthSimple)
	if err != nil {
		t.Fatal(err)
	}
	if simple.Order == nil || len(simple.Order.Lines) != 2 || !simple.Order.Total.Equal(purchDec("881.98")) || simple.StockReceived == nil || simple.StockReceived.Status != cin7core.PurchaseTaskDraft {
		t.Fatalf("simple purchase %+v / %+v", simple.Order, simple.StockReceived)
	}
	inv, err := c.Purchases.Get(ctx, purchInvoiceSimple)
	if err != nil || inv.Invoice == nil || inv.Invoice.InvoiceNumber != "SO-3301" || inv.Invoice.InvocieNumber != "SO-3301" {
		t.Errorf("simple invoice served with the misspelt key: %+v %v", inv.Invoice, err)
	}
	adv, err := c.Purchases.GetAdvanced(ctx, strings.ToUpper(purchPartialAdv))
	if err != nil {
		t.Fatal(err)
	}
	if len(adv.StockReceived) != 1 || adv.StockReceived[0].InvoicingAndReceivingNumber != 1 || !bool(adv.StockReceived[0].Lines[0].Received) || adv.StockReceived[0].Lines[0].CardID == "" {
		t.Errorf("advanced purchase %+v", adv.StockReceived)
	}
	if _, err := c.Purchases.Get(ctx, purchPartialAdv); !errors.Is(err, cin7core.ErrValidation) {
		t.Errorf("GET purchase of an advanced purchase: %v", err)
	}
	if _, err := c.Purchases.Get(ctx, "00000000-1111-4222-8333-444444444444"); !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("unknown purchase: %v", err)
	}
	asAdv, err := c.Purchases.GetAdvanced(ctx, purchAuthSimple)
	if err != nil || asAdv.Type != cin7core.PurchaseTypeSimple {
		t.Errorf("a simple purchase through advanced-purchase: %v %v", asAdv, err)
	}

	// Order: read, post a change to the draft, authorise.
	o, err := c.Purchases.GetOrder(ctx, purchDraftSimple)
	if err != nil || o.Status != cin7core.PurchaseTaskDraft || len(o.Lines) != 2 {
		t.Fatalf("order %+v %v", o, err)
	}
	o.Lines = o.Lines[:1]
	o.Lines[0].Quantity, o.Lines[0].Total = purchDec("12"), decimal.Zero
	o.Status = cin7core.PurchaseTaskAuthorised
	o2, err := c.Purchases.PostOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if o2.Status != cin7core.PurchaseTaskAuthorised || len(o2.Lines) != 1 || !o2.Lines[0].Total.Equal(purchDec("2548.8")) || !o2.TotalBeforeTax.Equal(purchDec("2548.8")) {
		t.Errorf("posted order %+v", o2)
	}
	if _, err := c.Purchases.PostOrder(ctx, o); !errors.Is(err, cin7core.ErrValidation) {
		t.Errorf("posting an authorised order again: %v", err)
	}

	// Simple stock: into a bin, then the same line again is rejected.
	before := srv.Tenant().StockOf(cin7coretest.StockKey{ProductID: purchSocks, LocationID: purchMelbourne, Bin: "Back Room"})
	st, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchAuthSimple, Status: cin7core.PurchaseTaskAuthorised,
		Lines: []cin7core.PurchaseStockLine{purchLine(purchSocks, purchBackRoom, "48")}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != cin7core.PurchaseTaskAuthorised || len(st.Lines) != 1 || !bool(st.Lines[0].Received) || st.Lines[0].Location != "Melbourne Flagship Store: Back Room" {
		t.Errorf("received %+v", st)
	}
	after := srv.Tenant().StockOf(cin7coretest.StockKey{ProductID: purchSocks, LocationID: purchMelbourne, Bin: "Back Room"})
	if !after.OnHand.Sub(before.OnHand).Equal(purchDec("48")) || !after.UnitCost.Equal(purchDec("9.1")) {
		t.Errorf("ledger %+v -> %+v", before, after)
	}
	got, err := c.Purchases.GetStock(ctx, purchAuthSimple)
	if err != nil || len(got.Lines) != 1 || !cin7core.SameID(got.TaskID, purchAuthSimple) {
		t.Errorf("GetStock %+v %v", got, err)
	}
	_, err = c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchAuthSimple, Status: cin7core.PurchaseTaskAuthorised,
		Lines: []cin7core.PurchaseStockLine{purchLine(purchSocks, purchBackRoom, "48")}})
	purchWantStatus(t, err, 400, "duplicates an existing stock received line")
	if cin7core.MayHaveReachedServer(err) {
		t.Error("a rejected receipt did not take effect")
	}
	if again := srv.Tenant().StockOf(cin7coretest.StockKey{ProductID: purchSocks, LocationID: purchMelbourne, Bin: "Back Room"}); !again.OnHand.Equal(after.OnHand) {
		t.Errorf("rejected receipt moved stock: %s", again.OnHand)
	}
	// The rest of the order at another place completes it.
	if _, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchAuthSimple, Status: cin7core.PurchaseTaskAuthorised,
		Lines: []cin7core.PurchaseStockLine{{ProductID: purchHat, Location: "Melbourne Flagship Store", Quantity: purchDec("12")}}}); err != nil {
		t.Fatal(err)
	}
	if row := purchRow(t, srv, purchAuthSimple); row.Status != cin7core.PurchaseStatusReceived || row.CombinedReceivingStatus != cin7core.ReceivingFullyReceived || row.StockReceivedStatus != cin7core.PurchaseTaskAuthorised {
		t.Errorf("fully received row %+v", row)
	}

	// Advanced stock: a new task, then lines added, then authorised by PUT.
	list, err := c.Purchases.GetAdvancedStock(ctx, purchPartialAdv)
	if err != nil || len(list.StockReceiving) != 1 {
		t.Fatalf("advanced stock %+v %v", list, err)
	}
	beef := purchLine(purchBeef, purchRack1, "40")
	beef.BatchSN, beef.ExpiryDate = "BCF-2503-B", cin7core.Time{Time: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)}
	list, err = c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchPartialAdv, Status: cin7core.PurchaseTaskDraft, Lines: []cin7core.PurchaseStockLine{beef}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.StockReceiving) != 2 {
		t.Fatalf("new task: %+v", list)
	}
	task := list.StockReceiving[1]
	if task.TaskID == "" || task.Status != cin7core.PurchaseTaskDraft || bool(task.Lines[0].Received) {
		t.Errorf("new draft task %+v", task)
	}
	gps1, gps2 := purchLine(purchGPS, purchBrisbane, "1"), purchLine(purchGPS, purchBrisbane, "1")
	gps1.BatchSN, gps2.BatchSN = "GPS64-0001", "GPS64-0002"
	if list, err = c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchPartialAdv, TaskID: task.TaskID, Lines: []cin7core.PurchaseStockLine{gps1, gps2}}); err != nil {
		t.Fatal(err)
	}
	if n := len(list.Task(task.TaskID).Lines); n != 3 {
		t.Errorf("task has %d lines, want 3", n)
	}
	if list, err = c.Purchases.PutAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchPartialAdv, TaskID: task.TaskID, Status: cin7core.PurchaseTaskAuthorised}); err != nil {
		t.Fatal(err)
	}
	if tk := list.Task(task.TaskID); tk.Status != cin7core.PurchaseTaskAuthorised || len(tk.Lines) != 3 || !bool(tk.Lines[2].Received) {
		t.Errorf("authorised task %+v", tk)
	}
	lvl := srv.Tenant().StockOf(cin7coretest.StockKey{ProductID: purchBeef, LocationID: purchBrisbane, Bin: "Rack 1", Batch: "BCF-2503-B", Expiry: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)})
	if !lvl.OnHand.Equal(purchDec("40")) || !lvl.UnitCost.Equal(purchDec("7.05")) {
		t.Errorf("batch ledger %+v", lvl)
	}
	if row := purchRow(t, srv, purchPartialAdv); row.CombinedReceivingStatus != cin7core.ReceivingFullyReceived || row.Status != cin7core.PurchaseStatusReceived {
		t.Errorf("advanced row after the last receipt %+v", row)
	}
}

func purchRow(t *testing.T, srv *cin7coretest.Server, id string) cin7core.PurchaseListItem {
	t.Helper()
	for _, r := range srv.Tenant().Purchases() {
		if cin7core.SameID(r.ID, id) {
			return r
		}
	}
	t.Fatalf("no purchase %s", id)
	return cin7core.PurchaseListItem{}
}

func TestFakePurchaseReceiptNeedsAuthorisedOrder(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	line := purchLine("8719cff4-d1f1-491a-877e-82c2e5b1ceda", purchAisleA, "10")
	_, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchDraftSimple, Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseStockLine{line}})
	purchWantStatus(t, err, 400, "must be authorised")
	pack := purchLine("5814c850-e0fd-4993-89ca-8286e126506e", purchSydney, "20")
	_, err = c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchDraftAdv, Lines: []cin7core.PurchaseStockLine{pack}})
	purchWantStatus(t, err, 400, "must be authorised")

	if err := srv.Tenant().AuthorisePurchaseOrder(purchDraftSimple); err != nil {
		t.Fatal(err)
	}
	if err := srv.Tenant().AuthorisePurchaseOrder(strings.ToUpper(purchDraftAdv)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Tenant().AuthorisePurchaseOrder("nope"); err == nil {
		t.Error("authorising an unknown purchase")
	}
	if _, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchDraftSimple, Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseStockLine{line}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchDraftAdv, Lines: []cin7core.PurchaseStockLine{pack}}); err != nil {
		t.Fatal(err)
	}
	if row := purchRow(t, srv, purchDraftSimple); row.CombinedReceivingStatus != cin7core.ReceivingPartiallyReceived || row.Status != cin7core.PurchaseStatusReceiving {
		t.Errorf("partly received simple purchase %+v", row)
	}
}

// Approach INVOICE: stock waits for the invoice.
func TestFakePurchaseInvoiceFirst(t *testing.T) {
	tn := cin7coretest.DemoTenant()
	p, err := tn.AddPurchase(cin7core.Purchase{PurchaseHeader: cin7core.PurchaseHeader{
		Supplier: "Summit Optics", Approach: "invoice", Location: "Sydney Distribution Centre",
		Order: &cin7core.PurchaseOrder{Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseLine{{SKU: "gps-hh-64", Quantity: purchDec("1"), Price: purchDec("455")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p.OrderNumber == "" || p.ID == "" || p.Order.Lines[0].ProductID != purchGPS || !p.Order.Total.Equal(purchDec("455")) {
		t.Fatalf("seeded %+v %+v", p.PurchaseHeader, p.Order)
	}
	srv := cin7coretest.NewServer(cin7coretest.WithTenant(tn))
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	line := purchLine(purchGPS, purchSydney, "1")
	line.BatchSN = "GPS64-0100"
	_, err = c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: p.ID, Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseStockLine{line}})
	purchWantStatus(t, err, 400, "authorise the invoice")
	if err := tn.AuthorisePurchaseInvoice(p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: p.ID, Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseStockLine{line}}); err != nil {
		t.Fatal(err)
	}
	if row := purchRow(t, srv, p.ID); row.Status != cin7core.PurchaseStatusCompleted || row.InvoiceStatus != cin7core.PurchaseTaskAuthorised {
		t.Errorf("row %+v", row)
	}
	// The demo's invoice-first purchase is invoiced already.
	hl := purchLine("be413085-f2cf-40c4-8b13-a24f89dc8ce8", purchSydney, "1")
	hl.BatchSN = "HDL-9001"
	if _, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchInvoiceSimple, Lines: []cin7core.PurchaseStockLine{hl}}); err != nil {
		t.Errorf("demo invoice-first purchase: %v", err)
	}
}

// Lines repeating product + location + batch + expiry inside one payload
// are summed into one line.
func TestFakePurchaseDuplicateLinesInPayloadAreSummed(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	a, b := purchLine(purchSocks, strings.ToUpper(purchAisleA), "10"), purchLine(purchSocks, purchAisleA, "2.5")
	_, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchAuthSimple, Lines: []cin7core.PurchaseStockLine{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Purchases.GetStock(ctx, purchAuthSimple)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Lines) != 1 || !st.Lines[0].Quantity.Equal(purchDec("12.5")) || st.Status != cin7core.PurchaseTaskDraft || bool(st.Lines[0].Received) {
		t.Fatalf("summed draft line %+v", st)
	}
	k := cin7coretest.StockKey{ProductID: purchSocks, LocationID: purchSydney, Bin: "Aisle A"}
	if lvl := srv.Tenant().StockOf(k); !lvl.OnHand.IsZero() {
		t.Errorf("a draft receipt moved stock: %s", lvl.OnHand)
	}
	// Authorise what is there: Status AUTHORISED with no lines.
	st, err = c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchAuthSimple, Status: cin7core.PurchaseTaskAuthorised})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != cin7core.PurchaseTaskAuthorised || !bool(st.Lines[0].Received) {
		t.Errorf("authorised %+v", st)
	}
	if lvl := srv.Tenant().StockOf(k); !lvl.OnHand.Equal(purchDec("12.5")) {
		t.Errorf("ledger %s, want 12.5", lvl.OnHand)
	}
}

// Pitfall 31 is about adjustments, whose quantities are absolute; receipt
// quantities are not: each receipt adds to what is on hand.
func TestPitfall31_ReceiptQuantitiesAddToStock(t *testing.T) {
	tn := cin7coretest.DemoTenant()
	k := cin7coretest.StockKey{ProductID: purchGas, LocationID: purchBrisbane, Batch: "ISO-25-001"}
	tn.SetStock(k, purchDec("30"), purchDec("5"))
	srv := cin7coretest.NewServer(cin7coretest.WithTenant(tn))
	defer srv.Close()
	c := newClient(t, srv)
	line := purchLine(purchGas, purchBrisbane, "5")
	line.BatchSN = "ISO-25-001"
	if _, err := c.Purchases.PostAdvancedStock(context.Background(), &cin7core.AdvancedPurchaseStock{PurchaseID: purchPartialAdv, Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseStockLine{line}}); err != nil {
		t.Fatal(err)
	}
	if lvl := tn.StockOf(k); !lvl.OnHand.Equal(purchDec("35")) || !lvl.UnitCost.Equal(purchDec("5.1")) {
		t.Errorf("on hand %s at %s, want 30 + 5 at the order price 5.1", lvl.OnHand, lvl.UnitCost)
	}
}

func TestFakePurchaseLineRules(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	post := func(lines ...cin7core.PurchaseStockLine) error {
		_, err := c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchPartialAdv, Status: cin7core.PurchaseTaskAuthorised, Lines: lines})
		return err
	}
	noExpiry := purchLine(purchBeef, purchBrisbane, "1")
	noExpiry.BatchSN = "B-1"
	noBatch := purchLine(purchGas, purchBrisbane, "1")
	unknownLoc := purchLine(purchSocks, "00000000-1111-4222-8333-444444444444", "1")
	deprecated := purchLine(purchSocks, "", "1")
	deprecated.Location = "Perth Pop-up Store"
	service := purchLine(purchService, purchBrisbane, "1")
	unknownSKU := cin7core.PurchaseStockLine{SKU: "NOPE-1", LocationID: purchBrisbane, Quantity: purchDec("1")}
	for _, tc := range []struct {
		name string
		line cin7core.PurchaseStockLine
		msg  string
	}{
		{"FEFO without expiry", noExpiry, "ExpiryDate is required"},
		{"batch without BatchSN", noBatch, "BatchSN is required"},
		{"unknown location", unknownLoc, "not found"},
		{"deprecated location", deprecated, "deprecated"},
		{"service", service, "service"},
		{"unknown SKU", unknownSKU, "SKU 'NOPE-1' not found"},
	} {
		err := post(purchLine(purchSocks, purchBrisbane, "1"), tc.line)
		var ae *cin7core.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(ae.Message, tc.msg) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Nothing of a rejected request was applied.
	list, err := c.Purchases.GetAdvancedStock(ctx, purchPartialAdv)
	if err != nil || len(list.StockReceiving) != 1 {
		t.Errorf("rejected requests left tasks behind: %+v %v", list, err)
	}
	// Bins by name, "Location: Bin".
	byName := purchLine(purchSocks, "", "3")
	byName.Location = "brisbane 3pl: rack 1"
	if err := post(byName); err != nil {
		t.Fatal(err)
	}
	if lvl := srv.Tenant().StockOf(cin7coretest.StockKey{ProductID: purchSocks, LocationID: purchBrisbane, Bin: "Rack 1"}); !lvl.OnHand.Equal(purchDec("3")) {
		t.Errorf("bin by name: %s", lvl.OnHand)
	}
	// Wrong endpoints for the purchase's kind.
	_, err = c.Purchases.GetStock(ctx, purchPartialAdv)
	purchWantStatus(t, err, 400, "advanced-purchase/stock")
	_, err = c.Purchases.GetAdvancedStock(ctx, purchAuthSimple)
	purchWantStatus(t, err, 400, "purchase/stock")
	_, err = c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchPartialAdv, TaskID: "00000000-1111-4222-8333-444444444444", Lines: []cin7core.PurchaseStockLine{byName}})
	if !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("unknown task: %v", err)
	}
}

// Pitfall 29 on the fake: a PUT whose Lines is an empty array deletes the
// task's lines; without Lines it keeps them.
func TestPitfall29_FakePutEmptyLinesDeletes(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	list, err := c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchPartialAdv, Lines: []cin7core.PurchaseStockLine{purchLine(purchSocks, purchBrisbane, "2")}})
	if err != nil {
		t.Fatal(err)
	}
	taskID := list.StockReceiving[1].TaskID
	put := func(body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPut, srv.URL()+"advanced-purchase/stock", bytes.NewBufferString(body))
		req.Header.Set("api-auth-accountid", cin7coretest.DemoAccountID)
		req.Header.Set("api-auth-applicationkey", cin7coretest.DemoApplicationKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := put(`{"PurchaseID":"` + purchPartialAdv + `","TaskID":"` + taskID + `","Status":"DRAFT"}`); resp.StatusCode != 200 {
		t.Fatalf("PUT without Lines: %d", resp.StatusCode)
	}
	if l, _ := c.Purchases.GetAdvancedStock(ctx, purchPartialAdv); len(l.Task(taskID).Lines) != 1 {
		t.Errorf("PUT without Lines changed the lines: %+v", l.Task(taskID))
	}
	if resp := put(`{"PurchaseID":"` + purchPartialAdv + `","TaskID":"` + taskID + `","Lines":[]}`); resp.StatusCode != 200 {
		t.Fatalf("PUT with []: %d", resp.StatusCode)
	}
	if l, _ := c.Purchases.GetAdvancedStock(ctx, purchPartialAdv); len(l.Task(taskID).Lines) != 0 {
		t.Errorf("PUT with [] kept the lines: %+v", l.Task(taskID))
	}
	// An authorised task cannot be changed.
	_, err = c.Purchases.PutAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: purchPartialAdv, TaskID: list.StockReceiving[0].TaskID, Lines: []cin7core.PurchaseStockLine{purchLine(purchSocks, purchBrisbane, "1")}})
	purchWantStatus(t, err, 400, "cannot be changed")
}

// UpdatedSince lists the purchases whose LastUpdatedDate is at or after
// the instant; every change stamps it with the server's clock.
func TestFakePurchasesUpdatedSince(t *testing.T) {
	clk := newVClock()
	srv := cin7coretest.NewServer(cin7coretest.WithClock(clk.Now))
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	start := clk.Now()
	rows, err := c.Purchases.List(&cin7core.PurchaseListOptions{UpdatedSince: start}).Collect(ctx)
	if err != nil || len(rows) != 0 {
		t.Fatalf("nothing changed since the demo was written: %v %v", rows, err)
	}
	clk.Advance(time.Minute)
	if err := srv.Tenant().AuthorisePurchaseOrder(purchDraftAdv); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	mid := clk.Now()
	clk.Advance(time.Minute)
	if _, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: purchAuthSimple, Lines: []cin7core.PurchaseStockLine{purchLine(purchSocks, purchAisleA, "1")}}); err != nil {
		t.Fatal(err)
	}
	rows, err = c.Purchases.List(&cin7core.PurchaseListOptions{UpdatedSince: start}).Collect(ctx)
	if err != nil || len(rows) != 2 {
		t.Fatalf("since start: %d rows, %v", len(rows), err)
	}
	rows, err = c.Purchases.List(&cin7core.PurchaseListOptions{UpdatedSince: mid}).Collect(ctx)
	if err != nil || len(rows) != 1 || !cin7core.SameID(rows[0].ID, purchAuthSimple) || !rows[0].LastUpdatedDate.Equal(mid.Add(time.Minute)) {
		t.Fatalf("since mid: %+v, %v", rows, err)
	}
	rows, err = c.Purchases.List(&cin7core.PurchaseListOptions{UpdatedSince: start, UpdatedUntil: mid}).Collect(ctx)
	if err != nil || len(rows) != 1 || !cin7core.SameID(rows[0].ID, purchDraftAdv) {
		t.Fatalf("between start and mid: %+v, %v", rows, err)
	}
}

func TestFakeAddPurchaseChecks(t *testing.T) {
	tn := cin7coretest.NewTenant()
	if _, err := tn.AddPurchase(cin7core.Purchase{PurchaseHeader: cin7core.PurchaseHeader{
		Order: &cin7core.PurchaseOrder{Lines: []cin7core.PurchaseLine{{SKU: "NOPE", Quantity: purchDec("1")}}}}}); err == nil {
		t.Error("an order line for an unknown product was stored")
	}
	demo := cin7coretest.DemoTenant()
	if _, err := demo.AddAdvancedPurchase(cin7core.AdvancedPurchase{PurchaseHeader: cin7core.PurchaseHeader{ID: purchPartialAdv}}); err == nil {
		t.Error("a second purchase with an existing ID was stored")
	}
	a, err := demo.AddAdvancedPurchase(cin7core.AdvancedPurchase{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != cin7core.PurchaseTypeAdvanced || a.Order.Status != cin7core.PurchaseTaskDraft || a.Status != cin7core.PurchaseStatusDraft || a.LastUpdatedDate.IsZero() {
		t.Errorf("defaults %+v", a.PurchaseHeader)
	}
	if err := demo.AuthorisePurchaseOrder(a.ID); err == nil {
		t.Error("an order without lines was authorised")
	}
	if err := demo.AuthorisePurchaseInvoice(a.ID); err == nil {
		t.Error("an invoice was authorised before its order")
	}
	got, ok := demo.Purchase(strings.ToUpper(a.ID))
	if !ok || got.OrderNumber != a.OrderNumber {
		t.Errorf("Purchase %+v %v", got, ok)
	}
	// The demo's partially received purchase moved stock into the ledger.
	lvl := demo.StockOf(cin7coretest.StockKey{ProductID: purchBeef, LocationID: purchBrisbane, Bin: "Rack 1", Batch: "BCF-2502-A", Expiry: time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)})
	if !lvl.OnHand.Equal(purchDec("80")) || !lvl.UnitCost.Equal(purchDec("7.05")) {
		t.Errorf("demo receipt in the ledger: %+v", lvl)
	}
}
