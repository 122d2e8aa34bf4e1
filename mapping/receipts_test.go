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

func rcptDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func rcptQty(p, batch, serial, exp, q string) mapping.ReceiptQty {
	return mapping.ReceiptQty{ReceiptKey: mapping.ReceiptKey{ProductID: p, Batch: batch, Serial: serial, Expiry: exp}, Quantity: rcptDec(q)}
}

func TestReceivedUnitsSumsPerKey(t *testing.T) {
	exp := time.Date(2027, 3, 1, 13, 0, 0, 0, time.FixedZone("AEST", 10*3600))
	o := ramp.Order{ID: "o1", Lines: []ramp.OrderLine{
		{SkuExternalRef: "AAAA", Received: []ramp.LineUnit{{Batch: "B1", Expiry: exp, Count: rcptDec("2")}, {Batch: "B2", Count: rcptDec("1")}}},
		{SkuExternalRef: "aaaa", Received: []ramp.LineUnit{{Batch: "B1", Expiry: exp, Count: rcptDec("3")}}}, // same SKU on a second line
		{SkuExternalRef: "bbbb", Received: []ramp.LineUnit{{Serial: "S1", Count: rcptDec("1")}, {Serial: "S2", Count: rcptDec("1")}}},
		{SkuExternalRef: "", RequiredCount: rcptDec("4")}, // nothing received: no ref needed
	}}
	got, err := mapping.Rules{}.ReceivedUnits(o)
	if err != nil {
		t.Fatal(err)
	}
	want := mapping.Receipt{
		rcptQty("aaaa", "B1", "", "2027-03-01", "5"),
		rcptQty("aaaa", "B2", "", "", "1"),
		rcptQty("bbbb", "", "S1", "", "1"),
		rcptQty("bbbb", "", "S2", "", "1"),
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].ReceiptKey != want[i].ReceiptKey || !got[i].Quantity.Equal(want[i].Quantity) {
			t.Errorf("[%d] got %+v want %+v", i, got[i], want[i])
		}
	}
	if got.Version() != (mapping.Receipt{want[3], want[2], want[1], want[0]}).Version() {
		t.Error("the version depends on order")
	}

	o.Lines[3].Received = []ramp.LineUnit{{Count: rcptDec("1")}}
	_, err = mapping.Rules{}.ReceivedUnits(o)
	var me *mapping.Error
	if !errors.As(err, &me) || !errors.Is(err, mapping.ErrMissingField) {
		t.Fatalf("unlinked SKU: %v", err)
	}
}

func TestReceiptDelta(t *testing.T) {
	tests := []struct {
		name                   string
		received, posted       mapping.Receipt
		wantDelta, wantExcess  string
		wantDeltaN, wantExcesN int
	}{
		{"first", mapping.Receipt{rcptQty("a", "", "", "", "3")}, nil, "3", "0", 1, 0},
		{"partial then more", mapping.Receipt{rcptQty("a", "", "", "", "5"), rcptQty("b", "X", "", "", "2")},
			mapping.Receipt{rcptQty("a", "", "", "", "3")}, "4", "0", 2, 0},
		{"nothing new", mapping.Receipt{rcptQty("a", "", "", "", "3")}, mapping.Receipt{rcptQty("a", "", "", "", "3")}, "0", "0", 0, 0},
		{"fewer than posted", mapping.Receipt{rcptQty("a", "", "", "", "1")},
			mapping.Receipt{rcptQty("a", "", "", "", "3"), rcptQty("c", "", "", "", "1")}, "0", "3", 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, x := mapping.ReceiptDelta(tc.received, tc.posted)
			if !d.Total().Equal(rcptDec(tc.wantDelta)) || len(d) != tc.wantDeltaN {
				t.Errorf("delta %+v", d)
			}
			if !x.Total().Equal(rcptDec(tc.wantExcess)) || len(x) != tc.wantExcesN {
				t.Errorf("excess %+v", x)
			}
			// posted + delta - excess covers received.
			if d2, _ := mapping.ReceiptDelta(tc.received, tc.posted.Add(d)); !d2.Empty() {
				t.Errorf("posting the delta leaves %+v", d2)
			}
		})
	}
}

func TestPurchaseStockLines(t *testing.T) {
	rc := mapping.Receipt{
		rcptQty("p1", "", "", "", "2"),
		rcptQty("p2", "B1", "", "2027-01-31", "4"),
		rcptQty("p3", "", "SN-1", "", "1"),
		rcptQty("p3", "LOT", "SN-1", "", "1"), // Cin7 Core sees one BatchSN: summed
	}
	date := time.Date(2026, 5, 4, 17, 30, 0, 0, time.UTC)
	lines := mapping.Rules{}.PurchaseStockLines(rc, "BIN-ID", date)
	if len(lines) != 3 {
		t.Fatalf("lines %+v", lines)
	}
	for _, l := range lines {
		if l.LocationID != "bin-id" || !l.Date.Equal(time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("line %+v", l)
		}
	}
	if l := lines[1]; l.ProductID != "p2" || l.BatchSN != "B1" || l.ExpiryDate.Format(time.DateOnly) != "2027-01-31" || !l.Quantity.Equal(rcptDec("4")) {
		t.Errorf("batch line %+v", l)
	}
	if l := lines[2]; l.BatchSN != "SN-1" || !l.Quantity.Equal(rcptDec("2")) {
		t.Errorf("serial line %+v", l)
	}
	if !mapping.SameStockLines(lines, []cin7core.PurchaseStockLine{lines[2], lines[0], lines[1]}) {
		t.Error("same lines in another order differ")
	}
	other := append([]cin7core.PurchaseStockLine(nil), lines...)
	other[0].Quantity = rcptDec("3")
	if mapping.SameStockLines(lines, other) {
		t.Error("different quantities compare equal")
	}
	other[0].Quantity, other[0].LocationID = rcptDec("2"), "BIN-id"
	if !mapping.SameStockLines(lines, other) {
		t.Error("location ID case matters")
	}
}

func TestTransferLinesAndDifferences(t *testing.T) {
	rc := mapping.Receipt{
		rcptQty("p1", "", "", "", "2"),
		rcptQty("p2", "B1", "", "2027-01-31", "4"),
		rcptQty("p2", "B2", "", "", "1"),
	}
	lines := mapping.Rules{}.TransferLines(rc)
	if len(lines) != 3 || lines[1].BatchSN != "B1" || lines[1].ExpiryDate.IsZero() || !lines[0].TransferQuantity.Equal(rcptDec("2")) {
		t.Fatalf("lines %+v", lines)
	}
	cin7 := []cin7core.StockTransferLine{
		{ProductID: "P1", TransferQuantity: rcptDec("2")},
		{ProductID: "p2", TransferQuantity: rcptDec("6")},
		{ProductID: "p9", TransferQuantity: rcptDec("1")},
	}
	diffs := mapping.TransferDifferences(rc, cin7)
	if len(diffs) != 2 || diffs[0].ProductID != "p2" || !diffs[0].Received.Equal(rcptDec("5")) || diffs[1].ProductID != "p9" || !diffs[1].Received.IsZero() {
		t.Fatalf("diffs %+v", diffs)
	}
	if d := mapping.TransferDifferences(rc, mapping.Rules{}.TransferLines(rc)); len(d) != 0 {
		t.Fatalf("a receipt differs from its own lines: %+v", d)
	}
}
