package cin7core_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/jarcoal/httpmock"
)

const (
	purchaseListURL          = testBase + "purchaseList"
	purchaseURL              = testBase + "purchase"
	advancedPurchaseURL      = testBase + "advanced-purchase"
	purchaseOrderURL         = testBase + "purchase/order"
	purchaseStockURL         = testBase + "purchase/stock"
	advancedPurchaseStockURL = testBase + "advanced-purchase/stock"

	simplePurchaseID   = "3f2c8a61-5d1e-4b7a-9c20-7e4d1a6b8f05"
	advancedPurchaseID = "c9e1f7a3-2b64-4d08-a5f1-0d8e3c6b2a97"
)

func TestPurchasesListDecodesQuirks(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, purchaseListURL, map[string]string{"Page": "1", "Limit": "1000"},
		jsonResponder(200, fixture(t, "purchase_list.json")))
	rows, err := c.Purchases.List(nil).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	simple, adv, done := rows[0], rows[1], rows[2]
	if simple.IsAdvanced() || !adv.IsAdvanced() || done.IsAdvanced() {
		t.Errorf("IsAdvanced: %v %v %v", simple.IsAdvanced(), adv.IsAdvanced(), done.IsAdvanced())
	}
	if !cin7core.SameID(simple.ID, simplePurchaseID) || simple.OrderStatus != cin7core.PurchaseTaskAuthorised ||
		simple.StockReceivedStatus != cin7core.PurchaseTaskDraft || simple.CombinedReceivingStatus != cin7core.ReceivingNotReceived {
		t.Errorf("simple row %+v", simple)
	}
	if !simple.InvoiceAmount.IsZero() || !simple.InvoiceDate.IsZero() || !simple.RequiredBy.Equal(time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("simple amounts/dates: %s %v %v", simple.InvoiceAmount, simple.InvoiceDate, simple.RequiredBy)
	}
	if !simple.LastUpdatedDate.HasZone || simple.LastUpdatedDate.Nanosecond() != 418553300 {
		t.Errorf("7-digit LastUpdatedDate %v", simple.LastUpdatedDate)
	}
	if adv.LastUpdatedDate.HasZone || !adv.LastUpdatedDate.Equal(time.Date(2025, 2, 6, 22, 40, 3, 170000000, time.UTC)) {
		t.Errorf("zone-less LastUpdatedDate %v", adv.LastUpdatedDate)
	}
	if !adv.PaidAmount.Equal(dec("656.25")) || !adv.InvoiceAmount.Equal(dec("1312.5")) || bool(adv.BlindReceipt) {
		t.Errorf("advanced amounts %s %s %v", adv.PaidAmount, adv.InvoiceAmount, adv.BlindReceipt)
	}
	if adv.CombinedReceivingStatus != cin7core.ReceivingPartiallyReceived || adv.CombinedPaymentStatus != cin7core.PurchasePartiallyPaid {
		t.Errorf("advanced combined statuses %q %q", adv.CombinedReceivingStatus, adv.CombinedPaymentStatus)
	}
	if adv.DropShipTaskID != "" || done.DropShipTaskID == "" || !bool(done.BlindReceipt) {
		t.Errorf("drop ship %q %q", adv.DropShipTaskID, done.DropShipTaskID)
	}
}

func TestPurchasesListPages(t *testing.T) {
	mt, c := newMockClient(t)
	page := func(n int, ids ...string) httpmock.Responder {
		var rows []string
		for _, id := range ids {
			rows = append(rows, `{"ID":"`+id+`","Type":"Simple Purchase"}`)
		}
		return jsonResponder(200, []byte(`{"Total":3,"Page":`+strconv.Itoa(n)+`,"PurchaseList":[`+strings.Join(rows, ",")+`]}`))
	}
	mt.RegisterResponderWithQuery(http.MethodGet, purchaseListURL, "Page=1&Limit=2", page(1, "a", "b"))
	mt.RegisterResponderWithQuery(http.MethodGet, purchaseListURL, "Page=2&Limit=2", page(2, "c"))
	p := c.Purchases.List(&cin7core.PurchaseListOptions{Limit: 2})
	rows, err := p.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2].ID != "c" || mt.GetTotalCallCount() != 2 || !p.Done() {
		t.Fatalf("rows %v, calls %d", rows, mt.GetTotalCallCount())
	}
}

// Pitfall 27: filter names differ from field names (RestockReceivedStatus
// filters StockReceivedStatus), the URI template writes Status{Status}
// without "=" and leaves out UpdatedUntil. The client sends proper
// parameters, times in UTC without a zone.
func TestPitfall27_PurchaseListFilterNames(t *testing.T) {
	mt, c := newMockClient(t)
	aest := time.FixedZone("AEST", 10*3600)
	mt.RegisterResponderWithQuery(http.MethodGet, purchaseListURL, map[string]string{
		"Search":                "PO-01 & co",
		"RequiredBy":            "2025-03-01T00:00:00",
		"UpdatedSince":          "2025-01-02T03:04:05",
		"UpdatedUntil":          "2025-01-03T00:00:00",
		"OrderStatus":           "AUTHORISED",
		"RestockReceivedStatus": "DRAFT",
		"InvoiceStatus":         "PAID",
		"CreditNoteStatus":      "NOT AVAILABLE",
		"UnstockStatus":         "VOIDED",
		"Status":                "RECEIVING / CREDITED",
		"DropShipTaskID":        "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
		"Page":                  "4",
		"Limit":                 "50",
	}, jsonResponder(200, []byte(`{"Total":0,"Page":4,"PurchaseList":[]}`)))
	_, err := c.Purchases.List(&cin7core.PurchaseListOptions{
		Search:              "PO-01 & co",
		RequiredBy:          time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
		UpdatedSince:        time.Date(2025, 1, 2, 13, 4, 5, 999, aest),
		UpdatedUntil:        time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC),
		OrderStatus:         cin7core.PurchaseTaskAuthorised,
		StockReceivedStatus: cin7core.PurchaseTaskDraft,
		InvoiceStatus:       cin7core.PurchaseTaskPaid,
		CreditNoteStatus:    cin7core.PurchaseTaskNotAvailable,
		UnstockStatus:       cin7core.PurchaseTaskVoided,
		Status:              cin7core.PurchaseStatusReceivingCredited,
		DropShipTaskID:      "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
		Page:                4,
		Limit:               50,
	}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("%d calls", mt.GetTotalCallCount())
	}
	// Zero-valued filters are left out entirely.
	mt2, c2 := newMockClient(t)
	mt2.RegisterResponderWithQuery(http.MethodGet, purchaseListURL, "Page=1&Limit=1000", jsonResponder(200, []byte(`{"Total":0,"Page":1,"PurchaseList":[]}`)))
	if _, err := c2.Purchases.List(&cin7core.PurchaseListOptions{}).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Pitfall 22: a simple purchase embeds its stages as objects, an advanced
// one as arrays; simple invoices spell InvocieNumber; a simple credit
// note's Unstock is an object, an advanced one's an array of lines.
func TestPitfall22_SimpleVsAdvancedPurchaseShape(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, purchaseURL, map[string]string{"ID": simplePurchaseID}, jsonResponder(200, fixture(t, "purchase_simple.json")))
	mt.RegisterResponderWithQuery(http.MethodGet, advancedPurchaseURL, map[string]string{"ID": advancedPurchaseID}, jsonResponder(200, fixture(t, "purchase_advanced.json")))
	ctx := context.Background()

	p, err := c.Purchases.Get(ctx, simplePurchaseID)
	if err != nil {
		t.Fatal(err)
	}
	if p.StockReceived == nil || len(p.StockReceived.Lines) != 1 || !bool(p.StockReceived.Lines[0].Received) || p.StockReceived.Status != cin7core.PurchaseTaskAuthorised {
		t.Fatalf("simple StockReceived %+v", p.StockReceived)
	}
	if p.Invoice == nil || p.Invoice.InvoiceNumber != "AT-90114" || p.Invoice.InvocieNumber != "AT-90114" || p.Invoice.Status != cin7core.PurchaseTaskPaid || !p.Invoice.Status.IsAuthorised() {
		t.Errorf("simple invoice number from InvocieNumber: %+v", p.Invoice)
	}
	if p.CreditNote == nil || p.CreditNote.Unstock == nil || len(p.CreditNote.Unstock.Lines) != 1 || !p.CreditNote.Unstock.Lines[0].Quantity.Equal(dec("4")) {
		t.Errorf("simple credit note Unstock object %+v", p.CreditNote)
	}
	if p.ManualJournals == nil || !bool(p.ManualJournals.Lines[0].IsSystem) || !p.ManualJournals.Lines[0].Amount.Equal(dec("0.01")) {
		t.Errorf("simple journals %+v", p.ManualJournals)
	}
	if p.Order == nil || len(p.Order.Lines) != 1 || p.Order.Lines[0].ProductCustomField1 != "Merino" || p.Order.Lines[0].ProductCustomField2 != "42" || p.Order.Lines[0].ProductCustomField3 != "true" {
		t.Errorf("order line custom fields %+v", p.Order)
	}
	if p.ShippingAddress == nil || !bool(p.ShippingAddress.ShipToOther) || p.BillingAddress.City != "Ballarat" {
		t.Errorf("addresses %+v %+v", p.BillingAddress, p.ShippingAddress)
	}
	if !p.Approach.IsInvoiceFirst() || p.Type != "" || p.AdditionalAttributes.AdditionalAttribute1 != "Winter range" {
		t.Errorf("header %+v", p.PurchaseHeader)
	}

	a, err := c.Purchases.GetAdvanced(ctx, advancedPurchaseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.StockReceived) != 2 || len(a.PutAway) != 1 || len(a.Invoice) != 1 || len(a.CreditNote) != 1 || len(a.ManualJournals) != 1 {
		t.Fatalf("advanced arrays: %d %d %d %d %d", len(a.StockReceived), len(a.PutAway), len(a.Invoice), len(a.CreditNote), len(a.ManualJournals))
	}
	first, second := a.StockReceived[0], a.StockReceived[1]
	if first.InvoicingAndReceivingNumber != 1 || second.InvoicingAndReceivingNumber != 2 || !cin7core.SameID(first.TaskID, a.PutAway[0].TaskID) {
		t.Errorf("task numbers %d %d, TaskIDs %s %s", first.InvoicingAndReceivingNumber, second.InvoicingAndReceivingNumber, first.TaskID, a.PutAway[0].TaskID)
	}
	if l := first.Lines[0]; l.BatchSN != "BCF-2502-A" || !l.ExpiryDate.Equal(time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)) || l.LocationID == "" {
		t.Errorf("received line %+v", l)
	}
	if second.Lines[0].LocationID != "" || second.Lines[0].CardID != "" || bool(second.Lines[0].Received) {
		t.Errorf("draft line nulls %+v", second.Lines[0])
	}
	if a.Invoice[0].InvoiceNumber != "BF-77120" || a.Invoice[0].InvocieNumber != "" || !a.Invoice[0].Paid.Equal(dec("656.25")) {
		t.Errorf("advanced invoice %+v", a.Invoice[0])
	}
	if len(a.CreditNote[0].Unstock) != 1 || a.CreditNote[0].Unstock[0].BatchSN != "BCF-2502-A" {
		t.Errorf("advanced Unstock array %+v", a.CreditNote[0].Unstock)
	}
	if a.Type != cin7core.PurchaseTypeAdvanced || !a.Type.IsAdvanced() || a.CombinedReceivingStatus != cin7core.ReceivingPartiallyReceived {
		t.Errorf("advanced header %q %q", a.Type, a.CombinedReceivingStatus)
	}

	// Why two types: the other shape does not decode.
	var wrong cin7core.Purchase
	if err := json.Unmarshal(fixture(t, "purchase_advanced.json"), &wrong); err == nil {
		t.Error("an advanced purchase decoded as a simple one")
	}
	var wrong2 cin7core.AdvancedPurchase
	if err := json.Unmarshal(fixture(t, "purchase_simple.json"), &wrong2); err == nil {
		t.Error("a simple purchase decoded as an advanced one")
	}
}

// Pitfall 23: numbers, integers and booleans arrive as strings.
func TestPitfall23_PurchaseNumbersAsStrings(t *testing.T) {
	var p cin7core.Purchase
	if err := json.Unmarshal(fixture(t, "purchase_simple.json"), &p); err != nil {
		t.Fatal(err)
	}
	var a cin7core.AdvancedPurchase
	if err := json.Unmarshal(fixture(t, "purchase_advanced.json"), &a); err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		name string
		got  string
		want string
	}{
		{"CurrencyRate 5 dp string", p.CurrencyRate.String(), "1"},
		{"order line Quantity string", p.Order.Lines[0].Quantity.String(), "120"},
		{"order line Discount string", p.Order.Lines[0].Discount.String(), "2.5"},
		{"ProductWeight string", p.Order.Lines[0].ProductWeight.String(), "0.08"},
		{"charge Price string", p.Order.AdditionalCharges[0].Price.String(), "45"},
		{"order Total string", p.Order.Total.String(), "1141.4"},
		{"received Quantity string", p.StockReceived.Lines[0].Quantity.String(), "120"},
		{"payment Amount string", p.Invoice.Payments[0].Amount.String(), "1141.4"},
		{"COGS string", p.InventoryMovements[0].COGS.String(), "1092"},
		{"advanced CurrencyRate", a.CurrencyRate.String(), "0.9125"},
		{"advanced fractional quantity", a.Order.Lines[1].Quantity.String(), "212.5"},
		{"advanced Paid string", a.Invoice[0].Paid.String(), "656.25"},
	} {
		if d.got != d.want {
			t.Errorf("%s = %s, want %s", d.name, d.got, d.want)
		}
	}
	if bool(p.BlindReceipt) || !bool(p.StockReceived.Lines[0].Received) || !bool(p.ShippingAddress.ShipToOther) || bool(a.IsServiceOnly) {
		t.Error("bools sent as strings")
	}
	if a.StockReceived[0].InvoicingAndReceivingNumber != 1 {
		t.Errorf("InvoicingAndReceivingNumber as string: %d", a.StockReceived[0].InvoicingAndReceivingNumber)
	}
	if got := p.Invoice.Payments[0].DateCreated; !got.HasZone || got.Nanosecond() != 456789100 {
		t.Errorf("7-digit DateCreated %v", got)
	}
}

// Pitfall 25: enums are open; values outside the documented lists decode
// as they are, and Approach comes as "Stock" as well as "STOCK".
func TestPitfall25_PurchaseEnumsOpen(t *testing.T) {
	var rows struct{ PurchaseList []cin7core.PurchaseListItem }
	if err := json.Unmarshal(fixture(t, "purchase_list.json"), &rows); err != nil {
		t.Fatal(err)
	}
	if got := rows.PurchaseList[2].Status; got != cin7core.PurchaseStatusCompletedCreditNoteClose {
		t.Errorf("status %q", got)
	}
	var a cin7core.AdvancedPurchase
	if err := json.Unmarshal(fixture(t, "purchase_advanced.json"), &a); err != nil {
		t.Fatal(err)
	}
	if a.Approach != "Stock" || !a.Approach.IsStockFirst() || a.Approach.IsInvoiceFirst() {
		t.Errorf("approach %q", a.Approach)
	}
	var odd cin7core.PurchaseListItem
	if err := json.Unmarshal([]byte(`{"Status":"PARTIALLY RECEIVED / ON HOLD","OrderStatus":"ON HOLD","Type":"advanced purchase","CombinedReceivingStatus":"SOMETHING NEW"}`), &odd); err != nil {
		t.Fatalf("unknown enum values must decode: %v", err)
	}
	if odd.Status != "PARTIALLY RECEIVED / ON HOLD" || odd.OrderStatus.IsAuthorised() || !odd.IsAdvanced() {
		t.Errorf("odd row %+v", odd)
	}
	if !cin7core.PurchaseTaskStatus("authorised").IsAuthorised() || !cin7core.PurchaseApproach(" stock ").IsStockFirst() {
		t.Error("status and approach helpers ignore case and spaces")
	}
}

func TestPurchasesGetErrors(t *testing.T) {
	ctx := context.Background()
	mt, c := newMockClient(t)
	if _, err := c.Purchases.Get(ctx, " "); !isPurchaseValidation(err) {
		t.Errorf("empty ID: %v", err)
	}
	if _, err := c.Purchases.GetAdvanced(ctx, ""); !isPurchaseValidation(err) {
		t.Errorf("empty ID: %v", err)
	}
	if _, err := c.Purchases.GetOrder(ctx, ""); !isPurchaseValidation(err) {
		t.Errorf("empty task: %v", err)
	}
	if _, err := c.Purchases.GetStock(ctx, "00000000-0000-0000-0000-000000000000"); !isPurchaseValidation(err) {
		t.Errorf("zero task: %v", err)
	}
	if _, err := c.Purchases.GetAdvancedStock(ctx, ""); !isPurchaseValidation(err) {
		t.Errorf("empty purchase: %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Fatalf("%d requests sent for invalid input", n)
	}
	for _, body := range []string{`{}`, `[{"ErrorCode":404,"Exception":"Purchase not found."}]`} {
		mt, c := newMockClient(t)
		mt.RegisterResponder(http.MethodGet, purchaseURL, jsonResponder(200, []byte(body)))
		mt.RegisterResponder(http.MethodGet, advancedPurchaseURL, jsonResponder(200, []byte(body)))
		mt.RegisterResponder(http.MethodGet, purchaseOrderURL, jsonResponder(200, []byte(body)))
		mt.RegisterResponder(http.MethodGet, purchaseStockURL, jsonResponder(200, []byte(body)))
		mt.RegisterResponder(http.MethodGet, advancedPurchaseStockURL, jsonResponder(200, []byte(body)))
		calls := map[string]func() error{
			"Get":              func() error { _, err := c.Purchases.Get(ctx, simplePurchaseID); return err },
			"GetAdvanced":      func() error { _, err := c.Purchases.GetAdvanced(ctx, simplePurchaseID); return err },
			"GetOrder":         func() error { _, err := c.Purchases.GetOrder(ctx, simplePurchaseID); return err },
			"GetStock":         func() error { _, err := c.Purchases.GetStock(ctx, simplePurchaseID); return err },
			"GetAdvancedStock": func() error { _, err := c.Purchases.GetAdvancedStock(ctx, simplePurchaseID); return err },
		}
		for name, call := range calls {
			if err := call(); !errors.Is(err, cin7core.ErrNotFound) {
				t.Errorf("%s with %s: %v, want ErrNotFound", name, body, err)
			}
		}
	}
	mt3, c3 := newMockClient(t)
	mt3.RegisterResponder(http.MethodGet, purchaseURL, jsonResponder(400, []byte(`[{"ErrorCode":400,"Exception":"Purchase is an Advanced Purchase."}]`)))
	_, err := c3.Purchases.Get(ctx, advancedPurchaseID)
	var ae *cin7core.APIError
	if !errors.As(err, &ae) || !errors.Is(err, cin7core.ErrValidation) || !strings.Contains(ae.Message, "Advanced") {
		t.Errorf("400: %v", err)
	}
}

func isPurchaseValidation(err error) bool {
	var ve *cin7core.ValidationError
	return errors.As(err, &ve) && errors.Is(err, cin7core.ErrValidation)
}

// purchaseBodies captures the JSON body of the requests a responder answers.
type purchaseBodies struct{ bodies []map[string]any }

func (b *purchaseBodies) responder(t *testing.T, status int, answer []byte) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Errorf("body is not a JSON object: %s", raw)
		}
		b.bodies = append(b.bodies, m)
		return jsonResponder(status, answer)(r)
	}
}

func TestPurchasesOrder(t *testing.T) {
	ctx := context.Background()
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, purchaseOrderURL, map[string]string{"TaskID": simplePurchaseID}, jsonResponder(200, fixture(t, "purchase_order.json")))
	o, err := c.Purchases.GetOrder(ctx, simplePurchaseID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != cin7core.PurchaseTaskDraft || bool(o.CombineAdditionalCharges) || !o.Lines[0].Quantity.Equal(dec("120")) || !o.Total.Equal(dec("1141.4")) {
		t.Fatalf("order %+v", o)
	}

	var got purchaseBodies
	answer := strings.Replace(string(fixture(t, "purchase_order.json")), `"Status": "DRAFT"`, `"Status": "AUTHORISED"`, 1)
	mt.RegisterResponder(http.MethodPost, purchaseOrderURL, got.responder(t, 200, []byte(answer)))
	o.Status = cin7core.PurchaseTaskAuthorised
	out, err := c.Purchases.PostOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != cin7core.PurchaseTaskAuthorised {
		t.Errorf("answer %+v", out)
	}
	if len(got.bodies) != 1 {
		t.Fatalf("%d posts", len(got.bodies))
	}
	b := got.bodies[0]
	lines, _ := b["Lines"].([]any)
	if b["TaskID"] != o.TaskID || b["Status"] != "AUTHORISED" || len(lines) != 1 || lines[0].(map[string]any)["Quantity"] != "120" {
		t.Errorf("posted %v", b)
	}
	for _, computed := range []string{"TotalBeforeTax", "Tax", "Total", "Prepayments"} {
		if _, ok := b[computed]; ok {
			t.Errorf("the order POST sends %s, which Cin7 Core computes", computed)
		}
	}
	if l := lines[0].(map[string]any); l["ProductLength"] != nil || l["Total"] != "1064.7" || l["SupplierSKU"] != "AT-SOK-22" {
		t.Errorf("posted line %v", l)
	}

	bad := []struct {
		name string
		o    *cin7core.PurchaseOrder
	}{
		{"nil", nil},
		{"no task", &cin7core.PurchaseOrder{Status: "DRAFT"}},
		{"status", &cin7core.PurchaseOrder{TaskID: simplePurchaseID, Status: cin7core.PurchaseTaskVoided}},
		{"authorise empty", &cin7core.PurchaseOrder{TaskID: simplePurchaseID, Status: cin7core.PurchaseTaskAuthorised}},
		{"no product", &cin7core.PurchaseOrder{TaskID: simplePurchaseID, Lines: []cin7core.PurchaseLine{{Quantity: dec("1")}}}},
		{"zero quantity", &cin7core.PurchaseOrder{TaskID: simplePurchaseID, Lines: []cin7core.PurchaseLine{{SKU: "X"}}}},
	}
	before := mt.GetTotalCallCount()
	for _, tc := range bad {
		if _, err := c.Purchases.PostOrder(ctx, tc.o); !isPurchaseValidation(err) {
			t.Errorf("%s: %v, want a *ValidationError", tc.name, err)
		}
	}
	if mt.GetTotalCallCount() != before {
		t.Error("invalid orders were sent")
	}
	// With CombineAdditionalCharges a line needs no product.
	if _, err := c.Purchases.PostOrder(ctx, &cin7core.PurchaseOrder{TaskID: simplePurchaseID, CombineAdditionalCharges: true,
		Lines: []cin7core.PurchaseLine{{Name: "Freight", Quantity: dec("1"), Price: dec("45"), Total: dec("45")}}}); err != nil {
		t.Errorf("combined charges: %v", err)
	}
}

func purchaseReceiptLine(qty string) cin7core.PurchaseStockLine {
	return cin7core.PurchaseStockLine{
		Date: cin7core.Time{Time: time.Date(2025, 2, 10, 0, 0, 0, 0, time.UTC)}, Quantity: dec(qty),
		ProductID: "d50363fa-699c-48bf-97a6-aa31f9d96b41", Name: "read-only", Received: true,
		LocationID: "68679295-0223-4b5d-aecb-656d77977de2",
	}
}

func TestPurchasesSimpleStock(t *testing.T) {
	ctx := context.Background()
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, purchaseStockURL, map[string]string{"TaskID": simplePurchaseID}, jsonResponder(200, fixture(t, "purchase_stock.json")))
	st, err := c.Purchases.GetStock(ctx, simplePurchaseID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != cin7core.PurchaseTaskDraft || len(st.Lines) != 2 || !st.Lines[0].Quantity.Equal(dec("60")) || bool(st.Lines[0].Received) || st.Lines[1].BatchSN != "" {
		t.Fatalf("stock %+v", st)
	}

	var got purchaseBodies
	mt.RegisterResponder(http.MethodPost, purchaseStockURL, got.responder(t, 200, fixture(t, "purchase_stock.json")))
	// Two lines with the same product, location, batch and expiry: allowed,
	// the API sums them.
	l1, l2 := purchaseReceiptLine("60"), purchaseReceiptLine("2.5")
	l2.BatchSN, l2.ExpiryDate = "LOT-1", cin7core.Time{Time: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}
	if _, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: simplePurchaseID, Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseStockLine{l1, l1, l2}}); err != nil {
		t.Fatal(err)
	}
	b := got.bodies[0]
	lines := b["Lines"].([]any)
	if b["TaskID"] != simplePurchaseID || b["Status"] != "AUTHORISED" || len(lines) != 3 {
		t.Fatalf("posted %v", b)
	}
	first := lines[0].(map[string]any)
	for _, readOnly := range []string{"Name", "Received", "ProductLength", "ExpiryDate", "BatchSN"} {
		if _, ok := first[readOnly]; ok {
			t.Errorf("line sends %s: %v", readOnly, first)
		}
	}
	if first["Quantity"] != "60" || first["Date"] != "2025-02-10T00:00:00" || first["LocationID"] == nil {
		t.Errorf("line %v", first)
	}
	if third := lines[2].(map[string]any); third["BatchSN"] != "LOT-1" || third["ExpiryDate"] != "2027-01-31T00:00:00" || third["Quantity"] != "2.5" {
		t.Errorf("batch line %v", third)
	}

	// Authorise what is there: Status AUTHORISED and an empty Lines array.
	if _, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: simplePurchaseID, Status: cin7core.PurchaseTaskAuthorised}); err != nil {
		t.Fatal(err)
	}
	if l, ok := got.bodies[1]["Lines"].([]any); !ok || len(l) != 0 {
		t.Errorf("authorising POST should send Lines: [], sent %v", got.bodies[1])
	}
}

func TestPurchasesStockValidation(t *testing.T) {
	ctx := context.Background()
	mt, c := newMockClient(t)
	noLoc := purchaseReceiptLine("1")
	noLoc.LocationID = ""
	noProduct := purchaseReceiptLine("1")
	noProduct.ProductID = ""
	withName := purchaseReceiptLine("1")
	withName.ProductID, withName.LocationID, withName.SKU, withName.Location = "", "", "SOK-MER-HIK", "Sydney Distribution Centre"
	zero, negative := purchaseReceiptLine("0"), purchaseReceiptLine("-1")
	simple := []struct {
		name  string
		st    *cin7core.PurchaseStock
		field string
	}{
		{"nil", nil, ""},
		{"no task", &cin7core.PurchaseStock{Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("1")}}, "TaskID"},
		{"no lines, draft", &cin7core.PurchaseStock{TaskID: simplePurchaseID, Status: cin7core.PurchaseTaskDraft}, "Lines"},
		{"bad status", &cin7core.PurchaseStock{TaskID: simplePurchaseID, Status: cin7core.PurchaseTaskVoided, Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("1")}}, "Status"},
		{"no location", &cin7core.PurchaseStock{TaskID: simplePurchaseID, Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("1"), noLoc}}, "Lines[1].LocationID"},
		{"no product", &cin7core.PurchaseStock{TaskID: simplePurchaseID, Lines: []cin7core.PurchaseStockLine{noProduct}}, "Lines[0].ProductID"},
		{"zero quantity", &cin7core.PurchaseStock{TaskID: simplePurchaseID, Lines: []cin7core.PurchaseStockLine{zero}}, "Lines[0].Quantity"},
		{"negative quantity", &cin7core.PurchaseStock{TaskID: simplePurchaseID, Lines: []cin7core.PurchaseStockLine{negative}}, "Lines[0].Quantity"},
	}
	for _, tc := range simple {
		_, err := c.Purchases.PostStock(ctx, tc.st)
		var ve *cin7core.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: %v, want a *ValidationError on %q", tc.name, err, tc.field)
		}
	}
	advanced := []struct {
		name  string
		put   bool
		st    *cin7core.AdvancedPurchaseStock
		field string
	}{
		{"post nil", false, nil, ""},
		{"post no purchase", false, &cin7core.AdvancedPurchaseStock{Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("1")}}, "PurchaseID"},
		{"post no location", false, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, Lines: []cin7core.PurchaseStockLine{noLoc}}, "Lines[0].LocationID"},
		{"put no task", true, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, Status: "AUTHORISED"}, "TaskID"},
		{"put zero task", true, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, TaskID: "00000000-0000-0000-0000-000000000000", Status: "AUTHORISED"}, "TaskID"},
		{"put nothing", true, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, TaskID: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"}, "Lines"},
		{"put zero quantity", true, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, TaskID: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e", Lines: []cin7core.PurchaseStockLine{zero}}, "Lines[0].Quantity"},
	}
	for _, tc := range advanced {
		var err error
		if tc.put {
			_, err = c.Purchases.PutAdvancedStock(ctx, tc.st)
		} else {
			_, err = c.Purchases.PostAdvancedStock(ctx, tc.st)
		}
		var ve *cin7core.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, cin7core.ErrValidation) || cin7core.MayHaveReachedServer(err) {
			t.Errorf("%s: %v, want a *ValidationError on %q", tc.name, err, tc.field)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Fatalf("%d requests sent for invalid receipts", n)
	}
	// A line named by SKU and location name is valid.
	mt.RegisterResponder(http.MethodPost, purchaseStockURL, jsonResponder(200, fixture(t, "purchase_stock.json")))
	if _, err := c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: simplePurchaseID, Lines: []cin7core.PurchaseStockLine{withName}}); err != nil {
		t.Errorf("SKU + Location name: %v", err)
	}
}

func TestPurchasesAdvancedStock(t *testing.T) {
	ctx := context.Background()
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, advancedPurchaseStockURL, map[string]string{"PurchaseID": advancedPurchaseID}, jsonResponder(200, fixture(t, "purchase_advanced_stock.json")))
	list, err := c.Purchases.GetAdvancedStock(ctx, advancedPurchaseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.StockReceiving) != 2 || list.Task("4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d") == nil || list.Task("nope") != nil {
		t.Fatalf("tasks %+v", list)
	}
	if l := list.Task("5B6C7D8E-9F0A-4B1C-8D2E-3F4A5B6C7D8E").Lines[0]; !l.Quantity.Equal(dec("50")) || l.Location != "" {
		t.Errorf("draft line %+v", l)
	}
	if l := list.StockReceiving[0].Lines[0]; l.ExpiryDate.Nanosecond() != 0 || l.ExpiryDate.Day() != 31 {
		t.Errorf("7-digit zero fraction expiry %v", l.ExpiryDate)
	}

	var posts, puts purchaseBodies
	mt.RegisterResponder(http.MethodPost, advancedPurchaseStockURL, posts.responder(t, 200, fixture(t, "purchase_advanced_stock.json")))
	mt.RegisterResponder(http.MethodPut, advancedPurchaseStockURL, puts.responder(t, 200, fixture(t, "purchase_advanced_stock.json")))

	// A new receiving task: no TaskID is sent.
	if _, err := c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, Status: "DRAFT", Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("5")}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := posts.bodies[0]["TaskID"]; ok || posts.bodies[0]["PurchaseID"] != advancedPurchaseID {
		t.Errorf("new-task POST %v", posts.bodies[0])
	}
	// Lines added to an existing task.
	if _, err := c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, TaskID: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e", Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("5")}}); err != nil {
		t.Fatal(err)
	}
	if posts.bodies[1]["TaskID"] != "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e" {
		t.Errorf("existing-task POST %v", posts.bodies[1])
	}
	// PUT with new lines.
	if _, err := c.Purchases.PutAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, TaskID: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e", Status: "DRAFT", Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("7")}}); err != nil {
		t.Fatal(err)
	}
	if l, _ := puts.bodies[0]["Lines"].([]any); len(l) != 1 {
		t.Errorf("PUT lines %v", puts.bodies[0])
	}
}

// Pitfall 29: on PUT an empty array deletes the existing lines, so a PUT
// that only authorises must leave Lines out, even when the caller passes
// an empty, non-nil slice.
func TestPitfall29_PutAdvancedStockNeverSendsEmptyLines(t *testing.T) {
	ctx := context.Background()
	mt, c := newMockClient(t)
	var puts purchaseBodies
	mt.RegisterResponder(http.MethodPut, advancedPurchaseStockURL, puts.responder(t, 200, fixture(t, "purchase_advanced_stock.json")))
	for _, lines := range [][]cin7core.PurchaseStockLine{nil, {}} {
		if _, err := c.Purchases.PutAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, TaskID: "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e", Status: cin7core.PurchaseTaskAuthorised, Lines: lines}); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range puts.bodies {
		if _, ok := b["Lines"]; ok {
			t.Errorf("PUT %d sent Lines: %v", i, b)
		}
		if b["Status"] != "AUTHORISED" || b["TaskID"] == nil {
			t.Errorf("PUT %d: %v", i, b)
		}
	}
}

// A receipt is a write: after a 500 or a transport error it may have been
// stored, so it is not sent again unless the caller says so; throttling
// means it was not processed, so it is retried.
func TestPurchasesStockWriteRetries(t *testing.T) {
	ctx := context.Background()
	ok := jsonResponder(200, fixture(t, "purchase_stock.json"))
	fail500 := jsonResponder(500, []byte(`[{"ErrorCode":500,"Exception":"Object reference not set to an instance of an object."}]`))
	reset := httpmock.NewErrorResponder(errors.New("read tcp: connection reset by peer"))
	throttled429 := jsonResponder(429, []byte(`[{"ErrorCode":429,"Exception":"You reached 60 calls per minute API limit"}]`))
	throttled503 := jsonResponder(503, []byte(`[{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}]`))
	st := &cin7core.PurchaseStock{TaskID: simplePurchaseID, Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("3")}}
	adv := &cin7core.AdvancedPurchaseStock{PurchaseID: advancedPurchaseID, Status: cin7core.PurchaseTaskAuthorised, Lines: []cin7core.PurchaseStockLine{purchaseReceiptLine("3")}}
	writes := []struct {
		name, method, url string
		call              func(c *cin7core.Client, opts ...cin7core.CallOption) error
	}{
		{"PostStock", http.MethodPost, purchaseStockURL, func(c *cin7core.Client, o ...cin7core.CallOption) error {
			_, err := c.Purchases.PostStock(ctx, st, o...)
			return err
		}},
		{"PostAdvancedStock", http.MethodPost, advancedPurchaseStockURL, func(c *cin7core.Client, o ...cin7core.CallOption) error {
			_, err := c.Purchases.PostAdvancedStock(ctx, adv, o...)
			return err
		}},
		{"PutAdvancedStock", http.MethodPut, advancedPurchaseStockURL, func(c *cin7core.Client, o ...cin7core.CallOption) error {
			a := *adv
			a.TaskID = "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"
			_, err := c.Purchases.PutAdvancedStock(ctx, &a, o...)
			return err
		}},
		{"PostOrder", http.MethodPost, purchaseOrderURL, func(c *cin7core.Client, o ...cin7core.CallOption) error {
			_, err := c.Purchases.PostOrder(ctx, &cin7core.PurchaseOrder{TaskID: simplePurchaseID, Status: "DRAFT"}, o...)
			return err
		}},
	}
	for _, w := range writes {
		for _, tc := range []struct {
			name      string
			first     httpmock.Responder
			safe      bool
			wantCalls int
			wantErr   bool
			mayHave   bool
		}{
			{"500", fail500, false, 1, true, true},
			{"transport", reset, false, 1, true, true},
			{"500 RetrySafe", fail500, true, 2, false, false},
			{"transport RetrySafe", reset, true, 2, false, false},
			{"429", throttled429, false, 2, false, false},
			{"503", throttled503, false, 2, false, false},
		} {
			mt, c := newMockClient(t)
			mt.RegisterResponder(w.method, w.url, sequence(tc.first, ok))
			var opts []cin7core.CallOption
			if tc.safe {
				opts = append(opts, cin7core.RetrySafe())
			}
			err := w.call(c, opts...)
			if (err != nil) != tc.wantErr || mt.GetTotalCallCount() != tc.wantCalls {
				t.Errorf("%s %s: err %v after %d calls, want error %v after %d", w.name, tc.name, err, mt.GetTotalCallCount(), tc.wantErr, tc.wantCalls)
			}
			if err != nil && cin7core.MayHaveReachedServer(err) != tc.mayHave {
				t.Errorf("%s %s: MayHaveReachedServer = %v", w.name, tc.name, !tc.mayHave)
			}
		}
	}
	// A rejected receipt (duplicate line) is a validation error that did
	// not take effect.
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodPost, purchaseStockURL, jsonResponder(400, []byte(`[{"ErrorCode":400,"Exception":"Stock line duplicates an existing line."}]`)))
	_, err := c.Purchases.PostStock(ctx, st)
	if !errors.Is(err, cin7core.ErrValidation) || cin7core.MayHaveReachedServer(err) || mt.GetTotalCallCount() != 1 {
		t.Errorf("400: %v", err)
	}
}
