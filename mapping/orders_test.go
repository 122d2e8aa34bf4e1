package mapping_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

func ordDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestPurchaseGate(t *testing.T) {
	var r mapping.Rules
	for _, c := range []struct {
		name   string
		row    cin7core.PurchaseListItem
		gate   mapping.OrderGate
		reason mapping.SkipReason
	}{
		{"draft", cin7core.PurchaseListItem{Status: "DRAFT", OrderStatus: "DRAFT"}, mapping.GateSkip, mapping.SkipNotAuthorised},
		{"no order yet", cin7core.PurchaseListItem{Status: "DRAFT", OrderStatus: "NOT AVAILABLE"}, mapping.GateSkip, mapping.SkipNotAuthorised},
		{"authorised", cin7core.PurchaseListItem{Status: "ORDERED", OrderStatus: "AUTHORISED"}, mapping.GateSync, ""},
		{"authorised, lower case", cin7core.PurchaseListItem{Status: "ordered", OrderStatus: "authorised "}, mapping.GateSync, ""},
		{"received", cin7core.PurchaseListItem{Status: "RECEIVED", OrderStatus: "AUTHORISED"}, mapping.GateSync, ""},
		{"completed, credit note closed", cin7core.PurchaseListItem{Status: "COMPLETED / CREDIT NOTE CLOSED", OrderStatus: "AUTHORISED"}, mapping.GateSync, ""},
		{"voided", cin7core.PurchaseListItem{Status: "VOIDED", OrderStatus: "AUTHORISED"}, mapping.GateVoid, ""},
		{"order voided", cin7core.PurchaseListItem{Status: "ORDERED", OrderStatus: "VOIDED"}, mapping.GateVoid, ""},
		{"voided draft", cin7core.PurchaseListItem{Status: "VOIDED", OrderStatus: "DRAFT"}, mapping.GateVoid, ""},
		{"service only", cin7core.PurchaseListItem{Status: "ORDERED", OrderStatus: "AUTHORISED", IsServiceOnly: true}, mapping.GateSkip, mapping.SkipServiceOnly},
		{"service purchase", cin7core.PurchaseListItem{OrderStatus: "AUTHORISED", Type: "Service Purchase"}, mapping.GateSkip, mapping.SkipServiceOnly},
		{"credit note", cin7core.PurchaseListItem{OrderStatus: "AUTHORISED", Type: "Purchase Credit Note"}, mapping.GateSkip, mapping.SkipNotAnOrder},
	} {
		g, reason := r.PurchaseGate(c.row)
		if g != c.gate || reason != c.reason {
			t.Errorf("%s: %v %q, want %v %q", c.name, g, reason, c.gate, c.reason)
		}
	}
	// The detail gate reads the same fields from the purchase.
	h := cin7core.PurchaseHeader{Status: "ORDERED", Order: &cin7core.PurchaseOrder{Status: "AUTHORISED"}}
	if g, _ := r.PurchaseDetailGate(h); g != mapping.GateSync {
		t.Errorf("detail gate %v", g)
	}
	h.Order.Status = "DRAFT"
	if g, reason := r.PurchaseDetailGate(h); g != mapping.GateSkip || reason != mapping.SkipNotAuthorised {
		t.Errorf("draft detail gate %v %q", g, reason)
	}
	if g, _ := r.PurchaseDetailGate(cin7core.PurchaseHeader{}); g != mapping.GateSkip {
		t.Errorf("a purchase without order: %v", g)
	}
}

func TestSaleGate(t *testing.T) {
	var r mapping.Rules
	for _, c := range []struct {
		name   string
		row    cin7core.SaleListItem
		gate   mapping.OrderGate
		reason mapping.SkipReason
	}{
		{"quote", cin7core.SaleListItem{Status: "ESTIMATING", QuoteStatus: "DRAFT", OrderStatus: "NOT AVAILABLE"}, mapping.GateSkip, mapping.SkipNotAuthorised},
		{"draft order", cin7core.SaleListItem{Status: "ORDERING", OrderStatus: "DRAFT"}, mapping.GateSkip, mapping.SkipNotAuthorised},
		{"authorised", cin7core.SaleListItem{Status: "ORDERED", OrderStatus: "AUTHORISED"}, mapping.GateSync, ""},
		{"authorised without allocation", cin7core.SaleListItem{Status: "BACKORDERED", OrderStatus: "AUTH_NO_ALLOC"}, mapping.GateSync, ""},
		{"fulfilled", cin7core.SaleListItem{Status: "COMPLETED", OrderStatus: "FULFILLED"}, mapping.GateSync, ""},
		{"closed", cin7core.SaleListItem{Status: "INVOICED", OrderStatus: "CLOSED"}, mapping.GateSync, ""},
		{"voided", cin7core.SaleListItem{Status: "VOIDED", OrderStatus: "AUTHORISED"}, mapping.GateVoid, ""},
		{"order voided", cin7core.SaleListItem{Status: "ORDERED", OrderStatus: "VOIDED"}, mapping.GateVoid, ""},
		{"service sale", cin7core.SaleListItem{OrderStatus: "AUTHORISED", Type: "Service Sale"}, mapping.GateSkip, mapping.SkipServiceOnly},
		{"paid is no order status", cin7core.SaleListItem{OrderStatus: "PAID"}, mapping.GateSkip, mapping.SkipNotAuthorised},
	} {
		g, reason := r.SaleGate(c.row)
		if g != c.gate || reason != c.reason {
			t.Errorf("%s: %v %q, want %v %q", c.name, g, reason, c.gate, c.reason)
		}
	}
	if g, reason := r.SaleDetailGate(cin7core.Sale{ServiceOnly: true, Order: &cin7core.SaleOrder{Status: "AUTHORISED"}}); g != mapping.GateSkip || reason != mapping.SkipServiceOnly {
		t.Errorf("service-only sale: %v %q", g, reason)
	}
	if g, _ := r.SaleDetailGate(cin7core.Sale{Order: &cin7core.SaleOrder{Status: "AUTHORISED"}}); g != mapping.GateSync {
		t.Errorf("authorised sale: %v", g)
	}
}

func TestTransferGate(t *testing.T) {
	var r mapping.Rules
	for _, c := range []struct {
		status cin7core.TransferStatus
		gate   mapping.OrderGate
		reason mapping.SkipReason
	}{
		{"DRAFT", mapping.GateCheckOrder, ""},
		{"IN TRANSIT", mapping.GateSync, ""},
		{"in transit", mapping.GateSync, ""},
		{"COMPLETED", mapping.GateSync, ""},
		{"VOIDED", mapping.GateVoid, ""},
		{"ORDERED", mapping.GateSkip, mapping.SkipUnknownStatus},
	} {
		g, reason := r.TransferRowGate(cin7core.StockTransferSummary{Status: c.status})
		if g != c.gate || reason != c.reason {
			t.Errorf("%s: %v %q, want %v %q", c.status, g, reason, c.gate, c.reason)
		}
	}
	for _, c := range []struct {
		name   string
		tr     cin7core.StockTransfer
		gate   mapping.OrderGate
		reason mapping.SkipReason
	}{
		{"draft, no order", cin7core.StockTransfer{Status: "DRAFT"}, mapping.GateSkip, mapping.SkipNotAuthorised},
		{"draft, order not available", cin7core.StockTransfer{Status: "DRAFT", Order: &cin7core.StockTransferOrder{Status: "NOT AVAILABLE"}}, mapping.GateSkip, mapping.SkipNotAuthorised},
		{"draft, draft order", cin7core.StockTransfer{Status: "DRAFT", Order: &cin7core.StockTransferOrder{Status: "DRAFT"}}, mapping.GateSkip, mapping.SkipNotAuthorised},
		{"draft, authorised order", cin7core.StockTransfer{Status: "DRAFT", Order: &cin7core.StockTransferOrder{Status: "AUTHORISED"}}, mapping.GateSync, ""},
		{"in transit", cin7core.StockTransfer{Status: "IN TRANSIT"}, mapping.GateSync, ""},
		{"voided with an authorised order", cin7core.StockTransfer{Status: "VOIDED", Order: &cin7core.StockTransferOrder{Status: "AUTHORISED"}}, mapping.GateVoid, ""},
	} {
		g, reason := r.TransferGate(c.tr)
		if g != c.gate || reason != c.reason {
			t.Errorf("%s: %v %q, want %v %q", c.name, g, reason, c.gate, c.reason)
		}
	}
}

const (
	ordSyd   = "AAAAAAAA-0000-0000-0000-000000000001"
	ordMel   = "aaaaaaaa-0000-0000-0000-000000000002"
	ordShelf = "BBBBBBBB-0000-0000-0000-000000000001"
	ordP1    = "CCCCCCCC-0000-0000-0000-000000000001"
	ordP2    = "cccccccc-0000-0000-0000-000000000002"
)

func ordLocations() []cin7core.Location {
	return []cin7core.Location{
		{ID: ordSyd, Name: "Sydney DC", Bins: []cin7core.Bin{{ID: ordShelf, Name: "Shelf A"}}},
		{ID: ordMel, Name: "Melbourne Store"},
		// The bin's own row, GUID case differing.
		{ID: "bbbbbbbb-0000-0000-0000-000000000001", Name: "Shelf A", ParentID: ordSyd, ParentName: "Sydney DC"},
	}
}

func TestOrderLocations(t *testing.T) {
	ix := mapping.Rules{}.OrderLocations(ordLocations())
	noBins := mapping.Rules{NoBinPlaces: true}.OrderLocations(ordLocations())
	syd, mel, shelf := "aaaaaaaa-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000002", "bbbbbbbb-0000-0000-0000-000000000001"
	for _, c := range []struct {
		name    string
		ix      *mapping.OrderLocations
		id, loc string
		want    string
		wantOK  bool
	}{
		{"by ID", ix, ordSyd, "", syd, true},
		{"by name", ix, "", "melbourne store", mel, true},
		{"ID wins over name", ix, ordMel, "Sydney DC", mel, true},
		{"bin by ID", ix, ordShelf, "", shelf, true},
		{"bin by name", ix, "", "Sydney DC: Shelf A", shelf, true},
		{"bin by name, spacing", ix, "", "sydney dc:shelf a", shelf, true},
		{"bins off: bin is its location", noBins, ordShelf, "", syd, true},
		{"bins off: bin name is its location", noBins, "", "Sydney DC: Shelf A", syd, true},
		{"unknown name", ix, "", "Perth", "", false},
		{"unknown ID falls back to the name", ix, "dddddddd-0000-0000-0000-000000000000", "Melbourne Store", mel, true},
		{"no index: ID as is", nil, ordSyd, "", syd, true},
		{"no index: a name cannot be resolved", nil, "", "Sydney DC", "", false},
		{"nothing", ix, "", "", "", false},
	} {
		got, ok := c.ix.Ref(c.id, c.loc)
		if got != c.want || ok != c.wantOK {
			t.Errorf("%s: %q %v, want %q %v", c.name, got, ok, c.want, c.wantOK)
		}
	}
}

func TestPurchaseOrder(t *testing.T) {
	r := mapping.Rules{}
	ix := r.OrderLocations(ordLocations())
	p := cin7core.PurchaseHeader{
		ID: "EEEEEEEE-0000-0000-0000-000000000001", OrderNumber: " PO-7 ", Location: "Melbourne Store", Note: "note",
		RequiredBy: cin7core.Time{Time: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		Order: &cin7core.PurchaseOrder{Memo: "memo", Status: "AUTHORISED", Lines: []cin7core.PurchaseLine{
			{ProductID: ordP1, Name: "Tent", Quantity: ordDec("10")},
			{ProductID: ordP2, Name: "Sock", Quantity: ordDec("2.5")},
			{ProductID: ordP1, Name: "Tent", Quantity: ordDec("5.0000")},
			{Name: "a text line", Quantity: ordDec("1")},
		}, AdditionalCharges: []cin7core.PurchaseAdditionalCharge{{Description: "Freight", Quantity: ordDec("1")}}},
	}
	m, reason, err := r.PurchaseOrder(p, ix)
	if err != nil || reason != "" {
		t.Fatal(reason, err)
	}
	o := m.Order
	if o.ExternalRef != "eeeeeeee-0000-0000-0000-000000000001" || o.CustomerOrderNumber != "PO-7" || o.OrderType != ramp.OrderInbound ||
		o.ToPlaceExternalRef != "aaaaaaaa-0000-0000-0000-000000000002" || o.FromPlaceExternalRef != "" || o.Comments != "note\nmemo" ||
		!o.RequiredBy.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("header: %+v", o)
	}
	if len(o.Lines) != 2 || o.Lines[0].SkuExternalRef != "cccccccc-0000-0000-0000-000000000001" || !o.Lines[0].RequiredCount.Equal(ordDec("15")) ||
		o.Lines[1].SkuExternalRef != "cccccccc-0000-0000-0000-000000000002" || !o.Lines[1].RequiredCount.Equal(ordDec("2.5")) {
		t.Fatalf("lines: %+v", o.Lines)
	}
	if err := ramp.ValidateOrder(&o); err != nil {
		t.Fatalf("mapped order is not valid for Ramp: %v", err)
	}
	reasons := map[mapping.SkipReason]int{}
	for _, s := range m.Skipped {
		reasons[s.Reason]++
	}
	if reasons[mapping.SkipAdditionalCharge] != 1 || reasons[mapping.SkipLineNoProduct] != 1 || len(m.Skipped) != 2 {
		t.Fatalf("skipped: %+v", m.Skipped)
	}
	if got := m.ProductIDs(); len(got) != 2 || got[0] != "cccccccc-0000-0000-0000-000000000001" {
		t.Fatalf("product IDs %v", got)
	}

	// Same note and memo appear once.
	p.Note, p.Order.Memo = "same", "same"
	if m, _, _ := r.PurchaseOrder(p, ix); m.Order.Comments != "same" {
		t.Errorf("comments %q", m.Order.Comments)
	}

	for _, c := range []struct {
		name   string
		edit   func(*cin7core.PurchaseHeader)
		ix     *mapping.OrderLocations
		err    error
		reason mapping.SkipReason
	}{
		{"no ID", func(p *cin7core.PurchaseHeader) { p.ID = "" }, ix, mapping.ErrMissingField, ""},
		{"no order", func(p *cin7core.PurchaseHeader) { p.Order = nil }, ix, mapping.ErrMissingField, ""},
		{"no location", func(p *cin7core.PurchaseHeader) { p.Location = " " }, ix, mapping.ErrMissingField, ""},
		{"unknown location", func(p *cin7core.PurchaseHeader) { p.Location = "Perth" }, ix, mapping.ErrUnknownLocation, ""},
		{"no location list", func(*cin7core.PurchaseHeader) {}, nil, mapping.ErrUnknownLocation, ""},
		{"only charges", func(p *cin7core.PurchaseHeader) {
			o := *p.Order
			o.Lines = nil
			p.Order = &o
		}, ix, nil, mapping.SkipNoStockLines},
		{"quantities cancel out", func(p *cin7core.PurchaseHeader) {
			o := *p.Order
			o.Lines = []cin7core.PurchaseLine{{ProductID: ordP1, Quantity: ordDec("2")}, {ProductID: ordP1, Quantity: ordDec("-2")}}
			p.Order = &o
		}, ix, nil, mapping.SkipNoStockLines},
	} {
		q := p
		c.edit(&q)
		_, reason, err := r.PurchaseOrder(q, c.ix)
		var merr *mapping.Error
		if c.err != nil && (!errors.Is(err, c.err) || !errors.As(err, &merr) || merr.Kind != "purchase") {
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
		}
		if c.err == nil && (err != nil || reason != c.reason) {
			t.Errorf("%s: %q %v, want %q", c.name, reason, err, c.reason)
		}
	}
}

func TestOrderMappingDrop(t *testing.T) {
	m := mapping.OrderMapping{Order: ramp.Order{Lines: []ramp.OrderLine{{SkuExternalRef: "a", SkuName: "A"}, {SkuExternalRef: "b"}, {SkuExternalRef: "c"}}}}
	if !m.Drop(map[string]string{"a": string(mapping.SkipService)}, "") {
		t.Fatal("lines left")
	}
	if !m.Drop(map[string]string{"b": "unknown costing method"}, "product cannot be synced") {
		t.Fatal("lines left")
	}
	if len(m.Order.Lines) != 1 || m.Order.Lines[0].SkuExternalRef != "c" {
		t.Fatalf("lines %+v", m.Order.Lines)
	}
	if m.Skipped[0] != (mapping.OrderSkippedLine{ProductID: "a", Name: "A", Reason: mapping.SkipService}) ||
		m.Skipped[1] != (mapping.OrderSkippedLine{ProductID: "b", Reason: "product cannot be synced", Detail: "unknown costing method"}) {
		t.Fatalf("skipped %+v", m.Skipped)
	}
	if m.Drop(map[string]string{"c": "x"}, "y") {
		t.Fatal("no line should be left")
	}
}

func TestSaleOrder(t *testing.T) {
	r := mapping.Rules{}
	ix := r.OrderLocations(ordLocations())
	s := cin7core.Sale{ID: "FFFFFFFF-0000-0000-0000-000000000001", Location: "Sydney DC", Note: "fragile",
		ShipBy: cin7core.Time{Time: time.Date(2025, 4, 2, 0, 0, 0, 0, time.UTC)},
		Order: &cin7core.SaleOrder{SaleOrderNumber: "SO-9", Memo: "", Status: "AUTHORISED",
			Lines:             []cin7core.SaleLine{{ProductID: ordP2, Quantity: ordDec("3")}, {ProductID: ordP2, Quantity: ordDec("1")}},
			AdditionalCharges: []cin7core.SaleAdditionalCharge{{Description: "Shipping"}}}}
	m, reason, err := r.SaleOrder(s, "", ix)
	if err != nil || reason != "" {
		t.Fatal(reason, err)
	}
	o := m.Order
	if o.OrderType != ramp.OrderOutbound || o.FromPlaceExternalRef != "aaaaaaaa-0000-0000-0000-000000000001" || o.ToPlaceExternalRef != "" ||
		o.CustomerOrderNumber != "SO-9" || o.Comments != "fragile" || !o.RequiredBy.Equal(time.Date(2025, 4, 2, 0, 0, 0, 0, time.UTC)) ||
		len(o.Lines) != 1 || !o.Lines[0].RequiredCount.Equal(ordDec("4")) || len(m.Skipped) != 1 {
		t.Fatalf("sale order: %+v %+v", o, m.Skipped)
	}
	// The list row's location ID settles it without the location list.
	if m, _, err := r.SaleOrder(s, ordMel, nil); err != nil || m.Order.FromPlaceExternalRef != "aaaaaaaa-0000-0000-0000-000000000002" {
		t.Fatalf("by row location: %+v %v", m.Order, err)
	}
	s.Location = "Nowhere"
	if _, _, err := r.SaleOrder(s, "", ix); !errors.Is(err, mapping.ErrUnknownLocation) {
		t.Fatalf("unknown location: %v", err)
	}
	s.Order = nil
	if _, _, err := r.SaleOrder(s, ordMel, ix); !errors.Is(err, mapping.ErrMissingField) {
		t.Fatalf("no order: %v", err)
	}
}

func TestTransferOrder(t *testing.T) {
	r := mapping.Rules{}
	ix := r.OrderLocations(ordLocations())
	tr := cin7core.StockTransfer{TaskID: "ABCDEF00-0000-0000-0000-000000000001", Number: "TR-3", Status: "IN TRANSIT",
		FromLocation: "Sydney DC: Shelf A", ToLocation: "Melbourne Store", Reference: "top-up",
		RequiredByDate: cin7core.Time{Time: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)},
		Lines: []cin7core.StockTransferLine{
			{ProductID: ordP1, ProductName: "Tent", TransferQuantity: ordDec("2"), BatchSN: "B1"},
			{ProductID: ordP1, ProductName: "Tent", TransferQuantity: ordDec("3"), BatchSN: "B2"},
		},
		Order: &cin7core.StockTransferOrder{Status: "AUTHORISED", Lines: []cin7core.StockTransferLine{{ProductID: ordP1, TransferQuantity: ordDec("9")}}}}
	m, reason, err := r.TransferOrder(tr, ix)
	if err != nil || reason != "" {
		t.Fatal(reason, err)
	}
	o := m.Order
	if o.OrderType != ramp.OrderTransfer || o.FromPlaceExternalRef != "bbbbbbbb-0000-0000-0000-000000000001" || o.ToPlaceExternalRef != "aaaaaaaa-0000-0000-0000-000000000002" ||
		o.Comments != "top-up" || o.CustomerOrderNumber != "TR-3" || len(o.Lines) != 1 || !o.Lines[0].RequiredCount.Equal(ordDec("5")) {
		t.Fatalf("transfer order (batches summed per product): %+v", o)
	}
	if err := ramp.ValidateOrder(&o); err != nil {
		t.Fatal(err)
	}
	// A DRAFT transfer synced through its authorised order takes the
	// order's lines.
	draft := tr
	draft.Status = "DRAFT"
	if m, _, _ := r.TransferOrder(draft, ix); len(m.Order.Lines) != 1 || !m.Order.Lines[0].RequiredCount.Equal(ordDec("9")) {
		t.Fatalf("draft transfer lines: %+v", m.Order.Lines)
	}
	// No lines of its own: the order's.
	bare := tr
	bare.Lines = nil
	if m, _, _ := r.TransferOrder(bare, ix); len(m.Order.Lines) != 1 || !m.Order.Lines[0].RequiredCount.Equal(ordDec("9")) {
		t.Fatalf("transfer without lines: %+v", m.Order.Lines)
	}
	// IDs given: no location list needed.
	byID := tr
	byID.From, byID.To = ordSyd, ordMel
	if m, _, err := r.TransferOrder(byID, nil); err != nil || m.Order.FromPlaceExternalRef != "aaaaaaaa-0000-0000-0000-000000000001" {
		t.Fatalf("by ID: %+v %v", m.Order, err)
	}
	// Bins off: a transfer between a location and its own bin is one place.
	within := tr
	within.ToLocation = "Sydney DC"
	if _, _, err := (mapping.Rules{NoBinPlaces: true}).TransferOrder(within, mapping.Rules{NoBinPlaces: true}.OrderLocations(ordLocations())); !errors.Is(err, mapping.ErrSamePlace) {
		t.Fatalf("same place: %v", err)
	}
	unknown := tr
	unknown.FromLocation = "Perth"
	if _, _, err := r.TransferOrder(unknown, ix); !errors.Is(err, mapping.ErrUnknownLocation) {
		t.Fatalf("unknown from: %v", err)
	}
	empty := tr
	empty.Lines, empty.Order = nil, nil
	if _, reason, _ := r.TransferOrder(empty, ix); reason != mapping.SkipNoStockLines {
		t.Fatalf("no lines: %q", reason)
	}
}

func TestClosedDocumentsStayOutOfRamp(t *testing.T) {
	r := mapping.Rules{}
	for _, c := range []struct {
		row  cin7core.PurchaseListItem
		want bool
	}{
		{cin7core.PurchaseListItem{Status: "ORDERED", OrderStatus: "AUTHORISED"}, false},
		{cin7core.PurchaseListItem{Status: "RECEIVING", StockReceivedStatus: "DRAFT"}, false},
		{cin7core.PurchaseListItem{Status: "ORDERED", StockReceivedStatus: "AUTHORISED"}, true},
		{cin7core.PurchaseListItem{Status: "RECEIVED / CREDITED"}, true},
		{cin7core.PurchaseListItem{Status: "COMPLETED / CREDIT NOTE CLOSED"}, true},
		{cin7core.PurchaseListItem{Type: "Advanced Purchase", Status: "RECEIVING", StockReceivedStatus: "AUTHORISED", CombinedReceivingStatus: "PARTIALLY RECEIVED"}, false},
		{cin7core.PurchaseListItem{Type: "Advanced Purchase", CombinedReceivingStatus: "FULLY RECEIVED"}, true},
	} {
		if got := r.PurchaseClosed(c.row); got != c.want {
			t.Errorf("PurchaseClosed(%+v) = %v", c.row, got)
		}
	}
	if !r.SaleClosed(cin7core.SaleListItem{Status: "COMPLETED"}) || !r.SaleClosed(cin7core.SaleListItem{CombinedShippingStatus: "SHIPPED"}) ||
		r.SaleClosed(cin7core.SaleListItem{Status: "ORDERED", CombinedShippingStatus: "PARTIALLY SHIPPED"}) {
		t.Error("SaleClosed")
	}
	if !r.TransferClosed(cin7core.StockTransferSummary{Status: "COMPLETED"}) || r.TransferClosed(cin7core.StockTransferSummary{Status: "IN TRANSIT"}) {
		t.Error("TransferClosed")
	}
}
