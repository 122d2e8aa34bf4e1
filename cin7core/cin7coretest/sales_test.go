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

// Demo IDs used below (demo/locations.json, demo/products.json,
// demo/sales.json).
const (
	saleSydney    = "f523d6f3-f25c-45e8-b06e-32f164fd24e5"
	saleMelbourne = "c3f1b5d3-98db-45a6-a20b-2cf0dd311efa"
	saleAisleA    = "68679295-0223-4b5d-aecb-656d77977de2"
	saleTent      = "8719cff4-d1f1-491a-877e-82c2e5b1ceda"
	saleBag       = "43b022c5-7e7d-4b75-957c-ae389013feb1"
	saleMat       = "9a7993db-adf6-4194-84cc-0f11d3013f86"
	saleLantern   = "3885e747-62fa-4ae4-8255-c5d09b98e8e5"
	saleQuoteID   = "5b7e1c2a-3d4f-4a6b-9c8d-0e1f2a3b4c01"
	saleOrderID   = "5b7e1c2a-3d4f-4a6b-9c8d-0e1f2a3b4c02"
	salePickedID  = "5b7e1c2a-3d4f-4a6b-9c8d-0e1f2a3b4c03"
	salePickTask  = "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b03"
)

func saleD(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// saleSend sends a raw write with the demo credentials.
func saleSend(t *testing.T, srv *cin7coretest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("api-auth-accountid", cin7coretest.DemoAccountID)
	req.Header.Set("api-auth-applicationkey", cin7coretest.DemoApplicationKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// saleAllocated sums a product's allocation at a location.
func saleAllocated(tn *cin7coretest.Tenant, product, location string) decimal.Decimal {
	var sum decimal.Decimal
	for _, e := range tn.Stock() {
		if cin7core.SameID(e.Key.ProductID, product) && cin7core.SameID(e.Key.LocationID, location) {
			sum = sum.Add(e.Level.Allocated)
		}
	}
	return sum
}

// saleIsolate empties a product's on-hand at a location, so that a test
// knows exactly what stock it has whatever the demo seeders added.
func saleIsolate(tn *cin7coretest.Tenant, product, location string) {
	for _, e := range tn.Stock() {
		if cin7core.SameID(e.Key.ProductID, product) && cin7core.SameID(e.Key.LocationID, location) {
			tn.SetStock(e.Key, decimal.Zero, decimal.Zero)
		}
	}
}

func saleKey(product, bin string) cin7coretest.StockKey {
	return cin7coretest.StockKey{ProductID: product, LocationID: saleSydney, Bin: bin}
}

func TestFakeDemoSales(t *testing.T) {
	tn := cin7coretest.DemoTenant()
	sales := tn.Sales()
	if len(sales) != 3 {
		t.Fatalf("%d demo sales, want 3", len(sales))
	}
	if sales[0].Order.SaleOrderNumber != "SO-00203" || sales[2].Order.SaleOrderNumber != "SO-00201" {
		t.Errorf("list order: %s … %s", sales[0].Order.SaleOrderNumber, sales[2].Order.SaleOrderNumber)
	}
	quote, _ := tn.Sale(saleQuoteID)
	if quote.Status != cin7core.SaleStatusEstimating || quote.Quote.Status != cin7core.SaleTaskDraft || quote.Order.Status != cin7core.SaleTaskNotAvailable ||
		len(quote.Quote.Lines) != 2 || quote.Quote.Lines[1].ProductID != "e7e5bf55-51f8-4761-9784-3a9782a44d63" || quote.Quote.Lines[0].Name != "Daypack 20L" {
		t.Errorf("draft quote: %+v", quote)
	}
	if !quote.Quote.Lines[1].Total.Equal(saleD("237.26")) {
		t.Errorf("line total (5 × 49.95 less 5%%): %v", quote.Quote.Lines[1].Total)
	}
	// Other seeders may stock the same products: check the allocation
	// against what was backordered rather than fixed numbers.
	order, ok := tn.Sale(strings.ToUpper(saleOrderID))
	wantStatus := cin7core.SaleStatusOrdered
	if order.Order.Backordered().IsPositive() {
		wantStatus = cin7core.SaleStatusBackordered
	}
	if !ok || order.Status != wantStatus || order.Order.Status != cin7core.SaleTaskAuthorised ||
		order.CombinedPickingStatus != cin7core.SalePickingNotPicked || len(order.Fulfilments) != 1 {
		t.Errorf("authorised order: %+v", order)
	}
	for _, l := range order.Order.Lines {
		if got, want := saleAllocated(tn, l.ProductID, saleSydney), l.Quantity.Sub(l.BackorderQuantity); !got.Equal(want) {
			t.Errorf("%s: %v allocated at Sydney, want %v", l.SKU, got, want)
		}
	}
	if l := tn.StockOf(saleKey(saleTent, "Aisle A")); l.OnHand.IsZero() {
		t.Errorf("tent stock not seeded: %+v", l)
	}
	picked, _ := tn.Sale(salePickedID)
	if picked.Status != cin7core.SaleStatusPicking || picked.CombinedPickingStatus != cin7core.SalePickingPartiallyPicked ||
		picked.Fulfilments[0].Pick.Status != cin7core.SaleTaskAuthorised || picked.Fulfilments[0].Pick.Lines[0].Location != "Sydney Distribution Centre: Aisle A" {
		t.Errorf("partly picked: %+v", picked)
	}
	if picked.LastModifiedOn.String() != "2025-02-28T01:02:03.0456789Z" {
		t.Errorf("demo stamp: %s", picked.LastModifiedOn)
	}
}

func TestFakeSaleServedBytesKeepQuirks(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	code, _, body := get(t, srv, "sale?id="+strings.ToUpper(saleQuoteID))
	if code != 200 || !strings.Contains(body, `"CurrencyRate":"1.0000"`) || !strings.Contains(body, `"LastModifiedOn":"2025-02-24T22:15:31.4412907Z"`) {
		t.Fatalf("%d %s", code, body)
	}
	_, _, body = get(t, srv, "saleList?Search=scout")
	if !strings.Contains(body, `"Total":1`) || !strings.Contains(body, `"Updated":"2025-02-26T05:40:12.907"`) || !strings.Contains(body, `"OrderLocationID":"`+saleSydney) {
		t.Errorf("list: %s", body)
	}
	code, _, body = get(t, srv, "saleList?UpdatedSince=yesterday")
	if code != 400 || !strings.Contains(body, "UpdatedSince") {
		t.Errorf("bad date: %d %s", code, body)
	}
}

// The fake passes the same tests as the client: a whole sale, from quote
// to shipment, through every SalesService call.
func TestFakeSaleWorkflowWithTheClient(t *testing.T) {
	clk := newVClock()
	srv := cin7coretest.NewServer(cin7coretest.WithClock(clk.Now))
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	tn := srv.Tenant()
	saleIsolate(tn, saleLantern, saleSydney)
	tn.SetStock(cin7coretest.StockKey{ProductID: saleLantern, LocationID: saleSydney, Bin: "Aisle B"}, saleD("3"), saleD("21.5"))

	s, err := tn.AddSale(cin7core.Sale{Customer: "Outback Tours", Location: "Sydney Distribution Centre", Type: cin7core.SaleTypeSimple,
		Quote: &cin7core.SaleQuote{Status: cin7core.SaleTaskDraft, Lines: []cin7core.SaleLine{{SKU: "LNT-LED-USB", Quantity: saleD("5"), Price: saleD("59.95")}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Sales.Get(ctx, s.ID)
	if err != nil || got.Status != cin7core.SaleStatusEstimating || got.Order.SaleOrderNumber != "SO-00204" {
		t.Fatalf("Get: %v %+v", err, got)
	}
	// The quote is a draft: no order yet.
	order := &cin7core.SaleOrder{SaleID: s.ID, Status: cin7core.SaleTaskAuthorised,
		Lines: []cin7core.SaleLine{{ProductID: saleLantern, Quantity: saleD("5"), Price: saleD("59.95"), Tax: saleD("29.98")}}}
	if _, err := c.Sales.PostOrder(ctx, order); !errors.Is(err, cin7core.ErrValidation) || !strings.Contains(err.Error(), "Quote must be authorised") {
		t.Fatalf("order before the quote is authorised: %v", err)
	}
	if err := tn.AuthoriseSaleQuote(s.ID); err != nil {
		t.Fatal(err)
	}
	draft := *order
	draft.Status = cin7core.SaleTaskDraft
	o, err := c.Sales.PostOrder(ctx, &draft)
	if err != nil || o.Status != cin7core.SaleTaskDraft || !o.Lines[0].Total.Equal(saleD("299.75")) {
		t.Fatalf("draft order: %v %+v", err, o)
	}
	if o, err := c.Sales.GetOrder(ctx, s.ID); err != nil || o.Status != cin7core.SaleTaskDraft || !cin7core.SameID(o.SaleID, s.ID) {
		t.Fatalf("GetOrder: %v %+v", err, o)
	}
	// Pitfall 30: five ordered, three on hand: authorised all the same.
	clk.Advance(time.Minute)
	o, err = c.Sales.PostOrder(ctx, order)
	if err != nil || o.Status != cin7core.SaleTaskAuthorised || !o.Backordered().Equal(saleD("2")) {
		t.Fatalf("authorised order: %v %+v", err, o)
	}
	lantern := cin7coretest.StockKey{ProductID: saleLantern, LocationID: saleSydney, Bin: "Aisle B"}
	if l := tn.StockOf(lantern); !l.Allocated.Equal(saleD("3")) || !l.OnHand.Equal(saleD("3")) {
		t.Fatalf("allocation: %+v", l)
	}
	if _, err := c.Sales.PostOrder(ctx, order); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("changing an authorised order: %v", err)
	}
	fs, err := c.Sales.GetFulfilments(ctx, s.ID)
	if err != nil || len(fs.Fulfilments) != 1 {
		t.Fatalf("fulfilments: %v %+v", err, fs)
	}
	task := fs.Fulfilments[0].TaskID

	// Out of order: pack before pick, ship before pack.
	line := cin7core.SaleStockLine{ProductID: saleLantern, Location: "Sydney Distribution Centre: Aisle B", Quantity: saleD("3"), Box: "Box 1"}
	if _, err := c.Sales.PostPack(ctx, &cin7core.SalePack{TaskID: task, Status: cin7core.SaleTaskAuthorised, Lines: []cin7core.SaleStockLine{line}}); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("pack before pick: %v", err)
	}
	if _, err := c.Sales.PostShip(ctx, &cin7core.SaleShipRequest{TaskID: task, Status: cin7core.SaleTaskAuthorised}); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("ship before pack: %v", err)
	}
	// A draft pick, then autopick authorises what is allocated.
	pick, err := c.Sales.PostPick(ctx, &cin7core.SalePick{TaskID: task, Status: cin7core.SaleTaskDraft,
		Lines: []cin7core.SaleStockLine{{SKU: "LNT-LED-USB", LocationID: saleSydney, Quantity: saleD("1")}}})
	if err != nil || pick.Status != cin7core.SaleTaskDraft || pick.Lines[0].Name != "Rechargeable LED Lantern" {
		t.Fatalf("draft pick: %v %+v", err, pick)
	}
	if got, _ := c.Sales.Get(ctx, s.ID); got.CombinedPickingStatus != cin7core.SalePickingPicking || got.Status != cin7core.SaleStatusPicking {
		t.Errorf("picking: %s %s", got.CombinedPickingStatus, got.Status)
	}
	pick, err = c.Sales.PutPick(ctx, &cin7core.SalePick{TaskID: task, Status: cin7core.SaleTaskAuthorised, AutoPickMode: cin7core.AutoPick})
	if err != nil || pick.Status != cin7core.SaleTaskAuthorised || len(pick.Lines) != 1 || !pick.Lines[0].Quantity.Equal(saleD("3")) ||
		pick.Lines[0].Location != "Sydney Distribution Centre: Aisle B" {
		t.Fatalf("autopick: %v %+v", err, pick)
	}
	if p, err := c.Sales.GetPick(ctx, task); err != nil || p.Status != cin7core.SaleTaskAuthorised {
		t.Fatalf("GetPick: %v %+v", err, p)
	}
	if _, err := c.Sales.PutPick(ctx, &cin7core.SalePick{TaskID: task, Status: cin7core.SaleTaskDraft}); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("changing an authorised pick: %v", err)
	}
	// Pack more than picked is refused; then the pack.
	over := line
	over.Quantity = saleD("4")
	if _, err := c.Sales.PostPack(ctx, &cin7core.SalePack{TaskID: task, Status: cin7core.SaleTaskDraft, Lines: []cin7core.SaleStockLine{over}}); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("over-pack: %v", err)
	}
	if _, err := c.Sales.PostPack(ctx, &cin7core.SalePack{TaskID: task, Status: cin7core.SaleTaskDraft, Lines: []cin7core.SaleStockLine{line}}); err != nil {
		t.Fatal(err)
	}
	pack, err := c.Sales.PutPack(ctx, &cin7core.SalePack{TaskID: task, Status: cin7core.SaleTaskAuthorised})
	if err != nil || pack.Status != cin7core.SaleTaskAuthorised || len(pack.Lines) != 1 || pack.Lines[0].Box != "Box 1" {
		t.Fatalf("pack: %v %+v", err, pack)
	}
	if p, err := c.Sales.GetPack(ctx, task); err != nil || p.Status != cin7core.SaleTaskAuthorised {
		t.Fatalf("GetPack: %v %+v", err, p)
	}
	// The ship: draft, then authorised; the units leave the ledger.
	before, _ := tn.Sale(s.ID)
	clk.Advance(time.Minute)
	shipReq := &cin7core.SaleShipRequest{TaskID: task, Status: cin7core.SaleTaskDraft, Lines: []cin7core.SaleShipRequestLine{{
		ShipmentDate: cin7core.Time{Time: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}, Carrier: "StarTrack", Box: "Box 1", IsShipped: true}}}
	ship, err := c.Sales.PostShip(ctx, shipReq)
	if err != nil || ship.Status != cin7core.SaleTaskDraft || ship.Lines[0].Boxes != "Box 1" || ship.Lines[0].ID == "" {
		t.Fatalf("draft ship: %v %+v", err, ship)
	}
	if l := tn.StockOf(lantern); !l.OnHand.Equal(saleD("3")) {
		t.Fatalf("a draft ship moved stock: %+v", l)
	}
	req := ship.Request()
	req.Status = cin7core.SaleTaskAuthorised
	ship, err = c.Sales.PutShip(ctx, req)
	if err != nil || ship.Status != cin7core.SaleTaskAuthorised {
		t.Fatalf("authorised ship: %v %+v", err, ship)
	}
	if l := tn.StockOf(lantern); !l.OnHand.IsZero() || !l.Allocated.IsZero() {
		t.Fatalf("shipped units still in the ledger: %+v", l)
	}
	after, err := c.Sales.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.CombinedShippingStatus != cin7core.SaleShippingPartiallyShipped || after.CombinedPackingStatus != cin7core.SalePackingPartiallyPacked ||
		after.FulFilmentStatus != cin7core.SaleFulfilmentPartiallyFulfilled || after.Fulfilments[0].FulFilmentStatus != cin7core.SaleFulfilmentFulfilled ||
		after.Status != cin7core.SaleStatusShipping || !after.LastModifiedOn.After(before.LastModifiedOn.Time) {
		t.Errorf("after the ship: %s %s %s %s %v", after.CombinedShippingStatus, after.CombinedPackingStatus, after.FulFilmentStatus, after.Status, after.LastModifiedOn)
	}
	// Tracking numbers can be added to an authorised ship with PUT.
	if _, err := c.Sales.PostShip(ctx, req); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("re-posting an authorised ship: %v", err)
	}
	req.AddTrackingNumbers = true
	req.Lines[0].TrackingNumber = "ST-1234"
	ship, err = c.Sales.PutShip(ctx, req)
	if err != nil || ship.Lines[0].TrackingNumber != "ST-1234" || ship.Lines[0].TrackingURL == "" {
		t.Fatalf("tracking number: %v %+v", err, ship)
	}
	if sh, err := c.Sales.GetShip(ctx, task); err != nil || len(sh.Lines) != 1 || sh.Lines[0].TrackingNumber != "ST-1234" {
		t.Fatalf("GetShip: %v %+v", err, sh)
	}
	// A second fulfilment for the backordered rest makes the sale advanced.
	fs, err = c.Sales.PostFulfilment(ctx, s.ID)
	if err != nil || len(fs.Fulfilments) != 2 || fs.Fulfilments[1].FulfillmentNumber != 2 || fs.Fulfilments[1].Pick.Status != cin7core.SaleTaskDraft {
		t.Fatalf("new fulfilment: %v %+v", err, fs)
	}
	// The list sees the change with UpdatedSince and the status filters.
	rows, err := c.Sales.List(&cin7core.SaleListOptions{UpdatedSince: clk.Now(), CombinedShippingStatus: cin7core.SaleShippingPartiallyShipped}).Collect(ctx)
	if err != nil || len(rows) != 1 || !cin7core.SameID(rows[0].SaleID, s.ID) || rows[0].CombinedTrackingNumbers != "ST-1234" ||
		rows[0].Type != cin7core.SaleTypeAdvanced || rows[0].Status != cin7core.SaleStatusBackordered {
		t.Fatalf("list: %v %+v", err, rows)
	}
}

func TestFakeSaleListFilters(t *testing.T) {
	clk := newVClock()
	srv := cin7coretest.NewServer(cin7coretest.WithClock(clk.Now))
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	count := func(o *cin7core.SaleListOptions) int {
		t.Helper()
		rows, err := c.Sales.List(o).Collect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	yes, no := true, false
	cases := []struct {
		name string
		opts cin7core.SaleListOptions
		want int
	}{
		{"all", cin7core.SaleListOptions{}, 3},
		{"one per page", cin7core.SaleListOptions{Limit: 1}, 3},
		{"from page 2", cin7core.SaleListOptions{Limit: 2, Page: 2}, 1},
		{"UpdatedSince", cin7core.SaleListOptions{UpdatedSince: time.Date(2025, 2, 26, 5, 40, 12, 0, time.UTC)}, 2},
		{"UpdatedSince after all", cin7core.SaleListOptions{UpdatedSince: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}, 0},
		{"CreatedSince", cin7core.SaleListOptions{CreatedSince: time.Date(2025, 2, 26, 0, 0, 0, 0, time.UTC)}, 2},
		{"ShipBy", cin7core.SaleListOptions{ShipBy: time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)}, 1},
		{"QuoteStatus", cin7core.SaleListOptions{QuoteStatus: cin7core.SaleTaskDraft}, 1},
		{"OrderStatus", cin7core.SaleListOptions{OrderStatus: cin7core.SaleTaskAuthorised}, 2},
		{"CombinedPickStatus", cin7core.SaleListOptions{CombinedPickingStatus: cin7core.SalePickingPartiallyPicked}, 1},
		{"CombinedPackStatus", cin7core.SaleListOptions{CombinedPackingStatus: cin7core.SalePackingNotPacked}, 2},
		{"CombinedShippingStatus", cin7core.SaleListOptions{CombinedShippingStatus: cin7core.SaleShippingNotAvailable}, 1},
		{"CombinedInvoiceStatus", cin7core.SaleListOptions{CombinedInvoiceStatus: cin7core.SaleInvoiceNotInvoiced}, 2},
		{"CreditNoteStatus", cin7core.SaleListOptions{CreditNoteStatus: cin7core.SaleTaskNotAvailable}, 3},
		{"Status", cin7core.SaleListOptions{Status: cin7core.SaleStatusEstimating}, 1},
		{"ExternalID", cin7core.SaleListOptions{ExternalID: "shopify-5523"}, 1},
		{"OrderLocationID", cin7core.SaleListOptions{OrderLocationID: strings.ToUpper(saleMelbourne)}, 1},
		{"ReadyForShipping", cin7core.SaleListOptions{ReadyForShipping: &yes}, 0},
		{"not ReadyForShipping", cin7core.SaleListOptions{ReadyForShipping: &no}, 3},
		{"Search", cin7core.SaleListOptions{Search: "so-0020"}, 3},
		{"Search customer", cin7core.SaleListOptions{Search: "kayak"}, 1},
	}
	for _, tc := range cases {
		if got := count(&tc.opts); got != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.name, got, tc.want)
		}
	}
}

// The fake applies the empty-collection rule: Lines left out keep the
// lines, Lines sent as [] delete them. The client never sends [].
func TestPitfall29_FakeEmptyLinesDeleteButClientOmitsThem(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	if err := srv.Tenant().AuthoriseSaleOrder(salePickedID); err == nil {
		t.Fatal("authorising an authorised order should fail")
	}
	sale, _ := srv.Tenant().Sale(salePickedID)
	pack, err := c.Sales.PostPack(ctx, &cin7core.SalePack{TaskID: salePickTask, Status: cin7core.SaleTaskDraft,
		Lines: []cin7core.SaleStockLine{{ProductID: saleMat, LocationID: saleAisleA, Quantity: saleD("2"), Box: "A"}}})
	if err != nil || len(pack.Lines) != 1 || sale.Fulfilments[0].TaskID != salePickTask {
		t.Fatalf("pack: %v %+v", err, pack)
	}
	pack, err = c.Sales.PutPack(ctx, &cin7core.SalePack{TaskID: salePickTask, Status: cin7core.SaleTaskDraft, Lines: []cin7core.SaleStockLine{}})
	if err != nil || len(pack.Lines) != 1 {
		t.Fatalf("an empty slice must not delete the lines: %v %+v", err, pack)
	}
	code, body := saleSend(t, srv, http.MethodPut, "sale/fulfilment/pack", `{"TaskID":"`+salePickTask+`","Status":"DRAFT","Lines":[]}`)
	if code != 200 || strings.Contains(body, "ProductID") {
		t.Fatalf("raw [] should delete the lines: %d %s", code, body)
	}
}

func TestFakeSaleErrors(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	missing := "00000000-0000-4000-8000-000000000000"
	if _, err := c.Sales.Get(ctx, missing); !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("Get: %v", err)
	}
	if _, err := c.Sales.GetOrder(ctx, missing); !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("GetOrder: %v", err)
	}
	if _, err := c.Sales.GetPick(ctx, missing); !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("GetPick: %v", err)
	}
	if _, err := c.Sales.PostFulfilment(ctx, saleQuoteID); !errors.Is(err, cin7core.ErrValidation) {
		t.Errorf("fulfilment of an unauthorised order: %v", err)
	}
	// Picking more than is on hand is refused.
	sale, _ := srv.Tenant().Sale(saleOrderID)
	tooMany := srv.Tenant().StockOf(saleKey(saleBag, "Aisle B")).OnHand.Add(decimal.NewFromInt(1))
	_, err := c.Sales.PostPick(ctx, &cin7core.SalePick{TaskID: sale.Fulfilments[0].TaskID, Status: cin7core.SaleTaskAuthorised,
		Lines: []cin7core.SaleStockLine{{ProductID: saleBag, Location: "Sydney Distribution Centre: Aisle B", Quantity: tooMany}}})
	if !errors.Is(err, cin7core.ErrValidation) || !strings.Contains(err.Error(), "Not enough stock") {
		t.Errorf("over-pick: %v", err)
	}
	_, err = c.Sales.PostPick(ctx, &cin7core.SalePick{TaskID: sale.Fulfilments[0].TaskID, Status: cin7core.SaleTaskDraft,
		Lines: []cin7core.SaleStockLine{{ProductID: saleBag, Location: "Nowhere", Quantity: saleD("1")}}})
	if !errors.Is(err, cin7core.ErrValidation) || !strings.Contains(err.Error(), "Location") {
		t.Errorf("unknown location: %v", err)
	}
	code, body := saleSend(t, srv, http.MethodPost, "sale/order", `{"SaleID":"`+saleQuoteID+`","Status":"VOIDED"}`)
	if code != 400 || !strings.Contains(body, "DRAFT or AUTHORISED") {
		t.Errorf("raw order with a read-only status: %d %s", code, body)
	}
	if _, err := srv.Tenant().AddSale(cin7core.Sale{Location: "Atlantis"}); err == nil {
		t.Error("a sale at an unknown location was accepted")
	}
	if err := srv.Tenant().AuthoriseSaleOrder(missing); err == nil {
		t.Error("authorising a missing sale succeeded")
	}
	if err := srv.Tenant().AuthoriseSaleQuote(saleOrderID); err == nil {
		t.Error("authorising a skipped quote succeeded")
	}
}

// AuthoriseSaleOrder (the test helper) allocates and backorders like the
// API: the draft quote is authorised and its lines become the order.
func TestPitfall30_FakeAuthoriseSaleOrderBackorders(t *testing.T) {
	tn := cin7coretest.DemoTenant()
	const brisbane = "f8b3cb98-30b5-4965-98ee-d4e24b98109a"
	saleIsolate(tn, saleLantern, brisbane)
	key := cin7coretest.StockKey{ProductID: saleLantern, LocationID: brisbane, Bin: "Rack 1"}
	tn.SetStock(key, saleD("1"), saleD("21.5"))
	s, err := tn.AddSale(cin7core.Sale{Customer: "Sunshine Coast Camping", Location: "Brisbane 3PL",
		Quote: &cin7core.SaleQuote{Status: cin7core.SaleTaskDraft, Lines: []cin7core.SaleLine{{ProductID: saleLantern, Quantity: saleD("3"), Price: saleD("59.95")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.AuthoriseSaleOrder(s.ID); err != nil {
		t.Fatalf("a backorder is no error: %v", err)
	}
	s, _ = tn.Sale(s.ID)
	if s.Quote.Status != cin7core.SaleTaskAuthorised || s.Order.Status != cin7core.SaleTaskAuthorised || len(s.Order.Lines) != 1 ||
		!s.Order.Backordered().Equal(saleD("2")) || !bool(s.Order.Lines[0].Backorder) || s.Status != cin7core.SaleStatusBackordered || len(s.Fulfilments) != 1 {
		t.Fatalf("one on hand, three ordered: two backordered: %+v", s.Order)
	}
	if l := tn.StockOf(key); !l.Allocated.Equal(saleD("1")) || !l.OnHand.Equal(saleD("1")) {
		t.Fatalf("ledger: %+v", l)
	}
}
