package cin7core_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

func whParseFixture(t *testing.T, name string) cin7core.Event {
	t.Helper()
	ev, err := cin7core.ParseEvent(fixture(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func TestPitfall7_StockLevelPayloadIsABareArray(t *testing.T) {
	ev := whParseFixture(t, "webhook_payload_stock.json")
	st, ok := ev.(*cin7core.StockLevelChangedEvent)
	if !ok {
		t.Fatalf("got %T", ev)
	}
	if ev.EventType() != cin7core.WebhookStockAvailableStockLevelChanged {
		t.Fatalf("type %q", ev.EventType())
	}
	if len(st.Rows) != 3 {
		t.Fatalf("%d rows", len(st.Rows))
	}
	r0, r1, r2 := st.Rows[0], st.Rows[1], st.Rows[2]
	d := decimal.RequireFromString
	if r0.SKU != "TENT-2P-GRN" || r0.Barcode != "09312345678903" || r0.Bin != "" || !r0.OnHand.Equal(d("42")) ||
		!r0.Available.Equal(d("37")) || !r0.StockOnHand.Equal(d("8169.5")) || r0.MaxRows != 3 || r0.InTransit != nil {
		t.Errorf("row 0: %+v", r0)
	}
	// Numbers as strings (pitfall 23); the same product in lower case.
	if r1.Bin != "Aisle 3" || !r1.OnHand.Equal(d("10")) || !r1.StockOnHand.Equal(d("1945.1")) || r1.MaxRows != 3 {
		t.Errorf("row 1: %+v", r1)
	}
	if r2.Batch != "LOT-2291" || r2.ExpiryDate.Format("2006-01-02") != "2027-03-31" || r2.InTransit == nil || !r2.InTransit.Equal(d("24")) {
		t.Errorf("row 2: %+v", r2)
	}
	if keys := st.ProductKeys(); len(keys) != 2 || keys[0] != "9c2e4a61-3b7d-4f08-a1c5-7e6d5b4a3c21" {
		t.Errorf("ProductKeys: %v", keys)
	}
	// It encodes back to a bare array without EventType.
	b, err := json.Marshal(st)
	if err != nil || !strings.HasPrefix(string(b), "[") || strings.Contains(string(b), "EventType") {
		t.Fatalf("encoded: %s %v", b, err)
	}
	again, err := cin7core.ParseEvent(b)
	if err != nil || len(again.(*cin7core.StockLevelChangedEvent).Rows) != 3 {
		t.Fatalf("re-parse: %v", err)
	}
	// An empty notification is still a stock event.
	if ev, err := cin7core.ParseEvent([]byte(" [ ] ")); err != nil || len(ev.(*cin7core.StockLevelChangedEvent).Rows) != 0 {
		t.Fatalf("empty array: %v %v", ev, err)
	}
	if b, _ := json.Marshal(&cin7core.StockLevelChangedEvent{}); string(b) != "[]" {
		t.Errorf("empty event encodes as %s", b)
	}
}

func TestPitfall26_WebhookGUIDsKeptAsSentAndNormalised(t *testing.T) {
	order := whParseFixture(t, "webhook_payload_sale_order.json").(*cin7core.SaleEvent)
	inv := whParseFixture(t, "webhook_payload_sale_invoice.json").(*cin7core.SaleDocumentEvent)
	if order.SaleID != "7A3B2C1D-0E9F-4A8B-B7C6-D5E4F3A2B1C0" || inv.SaleTaskID != "7a3b2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0" {
		t.Fatalf("IDs not kept as sent: %q %q", order.SaleID, inv.SaleTaskID)
	}
	if order.SaleKey() != inv.SaleKey() || order.SaleKey() != "7a3b2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0" {
		t.Fatalf("keys differ: %q %q", order.SaleKey(), inv.SaleKey())
	}
	if !cin7core.SameID(order.SaleID, inv.SaleTaskID) {
		t.Fatal("SameID")
	}
}

func TestParseSaleEvents(t *testing.T) {
	order := whParseFixture(t, "webhook_payload_sale_order.json")
	if so, ok := order.(*cin7core.SaleEvent); !ok || so.SaleOrderNumber != "SO-01187" || order.EventType() != cin7core.WebhookSaleOrderAuthorised {
		t.Fatalf("order: %#v", order)
	}
	// Shipment/invoice payloads name the sale by SaleTaskID.
	inv := whParseFixture(t, "webhook_payload_sale_invoice.json").(*cin7core.SaleDocumentEvent)
	if inv.OrderNumber != "SO-01187" || inv.InvoiceNumber != "INV-00904" || inv.TenantID == "" || inv.CustomerContactEmail != "mia@tasman-adventures.example" ||
		inv.EventType() != cin7core.WebhookSaleInvoiceAuthorised {
		t.Fatalf("invoice: %+v", inv)
	}
	tr := whParseFixture(t, "webhook_payload_sale_tracking.json").(*cin7core.SaleTrackingEvent)
	if len(tr.Shipments) != 2 || tr.Shipments[0].Carrier != "Australia Post" || tr.Shipments[1].TrackingNumber != "TNT-55-0001" ||
		tr.CustomerEmail == "" || tr.TaskTypeSign != 0 || tr.SaleOrderDate.Format("2006-01-02") != "2025-11-01" ||
		tr.Shipments[0].ShipmentDate.Format("2006-01-02") != "2025-11-04" {
		t.Fatalf("tracking: %+v", tr)
	}
	p := whParseFixture(t, "webhook_payload_purchase.json").(*cin7core.PurchaseEvent)
	if p.PurchaseKey() != "e4f5a6b7-c8d9-4e0f-9a1b-2c3d4e5f6a7b" || p.InvoiceNumber != "SUP-INV-7781" || p.SupplierName != "" ||
		p.EventType() != cin7core.WebhookPurchaseStockReceivedAuthorised {
		t.Fatalf("purchase: %+v", p)
	}
}

func TestPitfall24_WebhookDatesAreDayMonthYear(t *testing.T) {
	pay := whParseFixture(t, "webhook_payload_sale_payment.json").(*cin7core.SalePaymentEvent)
	want := time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)
	if !pay.DocumentDate.Time.Time.Equal(want) || pay.DocumentDate.HasZone {
		t.Fatalf("DocumentDate 03/11/2025 read as %v", pay.DocumentDate.Time)
	}
	b, err := json.Marshal(pay)
	if err != nil || !strings.Contains(string(b), `"DocumentDate":"03/11/2025"`) {
		t.Fatalf("written back as %s (%v)", b, err)
	}
	var d cin7core.EventDate
	if err := json.Unmarshal([]byte(`"2018-06-12T00:00:00"`), &d); err != nil || d.Day() != 12 {
		t.Fatalf("ISO form: %v %v", d, err)
	}
	if err := json.Unmarshal([]byte(`null`), &d); err != nil || !d.IsZero() {
		t.Fatalf("null: %v", err)
	}
	if b, _ := json.Marshal(d); string(b) != "null" {
		t.Fatalf("zero date: %s", b)
	}
	if err := json.Unmarshal([]byte(`"31/31/2018"`), &d); err == nil {
		t.Fatal("impossible date accepted")
	}
}

func TestPitfall23_AmountPercentIsAString(t *testing.T) {
	pay := whParseFixture(t, "webhook_payload_sale_payment.json").(*cin7core.SalePaymentEvent)
	if pay.AmountPercent == nil || !pay.AmountPercent.Equal(decimal.RequireFromString("40.5")) || pay.EventType() != cin7core.WebhookSalePartialPaymentReceived {
		t.Fatalf("AmountPercent: %v", pay.AmountPercent)
	}
	full, err := cin7core.ParseEvent([]byte(`{"SaleID":"a","DocumentDate":"29/01/2018","EventType":"Sale/FullPaymentReceived"}`))
	if err != nil || full.(*cin7core.SalePaymentEvent).AmountPercent != nil {
		t.Fatalf("full payment without AmountPercent: %v %v", full, err)
	}
}

func TestParseEventUnknownAndEdgeCases(t *testing.T) {
	ev := whParseFixture(t, "webhook_payload_unknown.json")
	raw, ok := ev.(*cin7core.RawEvent)
	if !ok || raw.Type != cin7core.WebhookProductUpdated || !strings.Contains(string(raw.Body), "TENT-2P-GRN") {
		t.Fatalf("Product/Updated: %#v", ev)
	}
	for _, body := range []string{
		`{"Foo":1,"EventType":"Brand/New"}`,
		`{"SaleID":"x"}`,                               // no EventType
		`{"SaleID":"x","EventType":42}`,                // not a string
		`{"Whatever":true,"EventType":"Sale/Created"}`, // undocumented, does not fit
	} {
		ev, err := cin7core.ParseEvent([]byte(body))
		if err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		if _, ok := ev.(*cin7core.RawEvent); !ok {
			t.Errorf("%s: got %T", body, ev)
		}
	}
	// Undocumented sale and purchase types that fit are typed.
	if ev, _ := cin7core.ParseEvent([]byte(`{"SaleID":"AB","EventType":"Sale/Created"}`)); ev.(*cin7core.SaleEvent).SaleKey() != "ab" {
		t.Errorf("Sale/Created: %#v", ev)
	}
	if ev, _ := cin7core.ParseEvent([]byte(`{"TaskID":"AB","EventType":"Purchase/Updated"}`)); ev.(*cin7core.PurchaseEvent).PurchaseKey() != "ab" {
		t.Errorf("Purchase/Updated: %#v", ev)
	}
	// A z spelling or odd case still routes (pitfall 8), kept as sent.
	ev, err := cin7core.ParseEvent([]byte("\xef\xbb\xbf" + `{"SaleID":"x","EventType":"sale/orderAuthorized"}`))
	if err != nil || ev.EventType() != cin7core.WebhookSaleOrderAuthorised || ev.(*cin7core.SaleEvent).Type != "sale/orderAuthorized" {
		t.Fatalf("z spelling: %#v %v", ev, err)
	}
	for _, body := range []string{``, `   `, `{"SaleID":`, `"text"`, `42`, `null`, `[1,2]`, `{"SaleID":{"x":1},"EventType":"Sale/Voided"}`, `<html></html>`} {
		ev, err := cin7core.ParseEvent([]byte(body))
		if !errors.Is(err, cin7core.ErrInvalidPayload) || ev != nil {
			t.Errorf("%q: want ErrInvalidPayload, got %v %v", body, ev, err)
		}
	}
	// RawEvent encodes as received.
	var compact bytes.Buffer
	_ = json.Compact(&compact, raw.Body)
	if b, err := json.Marshal(raw); err != nil || string(b) != compact.String() {
		t.Errorf("raw encodes as %s", b)
	}
}

// ExampleParseEvent routes two deliveries: the stock-level notification
// is a bare array without EventType, the others are objects.
func ExampleParseEvent() {
	for _, body := range []string{
		`[{"ID":"3BFDF57A-BBC7-4F09-BA28-9768A09E0A60","SKU":"Bread","Location":"Main Warehouse","Bin":"Bin 1","OnHand":10.0,"Allocated":2.0,"Available":8.0,"StockOnHand":50.0,"MaxRows":1}]`,
		`{"SaleID":"91EE7B1D-BD35-4E43-B98A-DB86BE777624","SaleOrderNumber":"SO-00044","EventType":"Sale/OrderAuthorised"}`,
	} {
		ev, err := cin7core.ParseEvent([]byte(body))
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		switch e := ev.(type) {
		case *cin7core.StockLevelChangedEvent:
			for _, r := range e.Rows {
				fmt.Printf("%s: %s %s/%s available %s (on hand %s)\n", e.EventType(), r.SKU, r.Location, r.Bin, r.Available, r.OnHand)
			}
		case *cin7core.SaleEvent:
			fmt.Printf("%s: %s, read sale %s\n", e.EventType(), e.SaleOrderNumber, e.SaleKey())
		}
	}
	// Output:
	// Stock/AvailableStockLevelChanged: Bread Main Warehouse/Bin 1 available 8 (on hand 10)
	// Sale/OrderAuthorised: SO-00044, read sale 91ee7b1d-bd35-4e43-b98a-db86be777624
}

func TestPitfall4And5_StockLevelRowsAreCopiedVerbatim(t *testing.T) {
	// A carton SKU whose availability Cin7 derives from the parent's loose
	// stock: Available is not OnHand - Allocated, and StockOnHand is a
	// value in base currency, not units.
	ev, err := cin7core.ParseEvent([]byte(`[{"ID":"1","SKU":"GAS-230G-CTN12","OnHand":0.0,"Allocated":0.0,"Available":5.0,"OnOrder":0,"StockOnHand":0.0,"MaxRows":1},
		{"ID":"2","SKU":"TENT-2P-GRN","OnHand":42.0,"Allocated":5.0,"Available":37.0,"StockOnHand":8169.5,"MaxRows":1}]`))
	if err != nil {
		t.Fatal(err)
	}
	rows := ev.(*cin7core.StockLevelChangedEvent).Rows
	if !rows[0].Available.Equal(decimal.NewFromInt(5)) || !rows[0].OnHand.IsZero() {
		t.Errorf("carton row: Available must be kept as sent (pitfall 5): %+v", rows[0])
	}
	if !rows[1].OnHand.Equal(decimal.NewFromInt(42)) || !rows[1].StockOnHand.Equal(decimal.RequireFromString("8169.5")) {
		t.Errorf("OnHand is units, StockOnHand a value (pitfall 4): %+v", rows[1])
	}
}
