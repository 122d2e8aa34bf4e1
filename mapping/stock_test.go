package mapping_test

import (
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/shopspring/decimal"
)

const (
	stockSyd    = "f523d6f3-f25c-45e8-b06e-32f164fd24e5"
	stockAisleA = "68679295-0223-4b5d-aecb-656d77977de2"
	stockAisleB = "ebcf5b0a-adb4-425b-be58-1e1d0ee59938"
	stockMel    = "c3f1b5d3-98db-45a6-a20b-2cf0dd311efa"
	stockOldMel = "38b3e5ca-d594-4b8f-8c91-53f271079c7d"
	stockDupA   = "11111111-0000-0000-0000-000000000001"
	stockDupB   = "11111111-0000-0000-0000-000000000002"
	stockProdA  = "aaaaaaaa-0000-0000-0000-000000000001"
	stockProdB  = "bbbbbbbb-0000-0000-0000-000000000002"
)

// stockLocs is a location list in Cin7 Core's shape: bins inside their
// parent (upper-case IDs) and as rows of their own (lower case).
func stockLocs() []cin7core.Location {
	return []cin7core.Location{
		{ID: stockSyd, Name: "Sydney DC", Bins: []cin7core.Bin{{ID: "68679295-0223-4B5D-AECB-656D77977DE2", Name: "Aisle A"}, {ID: "EBCF5B0A-ADB4-425B-BE58-1E1D0EE59938", Name: "Aisle B"}}},
		{ID: stockAisleA, Name: "Aisle A", ParentID: stockSyd, ParentName: "Sydney DC"},
		{ID: stockMel, Name: "Melbourne"},
		{ID: stockOldMel, Name: "Melbourne", IsDeprecated: true}, // a deprecated namesake
		{ID: stockDupA, Name: "Twin"},
		{ID: stockDupB, Name: "Twin"},
	}
}

func TestStockPlacesPlaceRows(t *testing.T) {
	cases := []struct {
		name          string
		noBins        bool
		location, bin string
		want          string
		reason        mapping.SkipReason
	}{
		{"location", false, "Sydney DC", "", stockSyd, ""},
		{"bin from own row", false, "Sydney DC", "Aisle A", stockAisleA, ""},
		{"bin only in parent's Bins", false, "Sydney DC", "Aisle B", stockAisleB, ""},
		{"names ignore case and spaces", false, " sydney dc ", "aisle b", stockAisleB, ""},
		{"bin in the location field", false, "Sydney DC: Aisle A", "", stockAisleA, ""},
		{"active wins over deprecated namesake", false, "Melbourne", "", stockMel, ""},
		{"unknown location", false, "Hobart", "", "", mapping.SkipUnknownLocation},
		{"unknown bin", false, "Sydney DC", "Aisle Z", "", mapping.SkipUnknownBin},
		{"ambiguous name", false, "Twin", "", "", mapping.SkipAmbiguousLocation},
		{"bins off roll up", true, "Sydney DC", "Aisle A", stockSyd, ""},
		{"bins off roll up an unknown bin too", true, "Sydney DC", "Aisle Z", stockSyd, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mapping.Rules{NoBinPlaces: c.noBins}.StockPlaces(stockLocs())
			got, reason := p.Place(c.location, c.bin)
			if got != c.want || reason != c.reason {
				t.Fatalf("Place(%q, %q) = %q, %q; want %q, %q", c.location, c.bin, got, reason, c.want, c.reason)
			}
		})
	}
}

func TestStockPlacesNamesAndHierarchy(t *testing.T) {
	p := mapping.Rules{}.StockPlaces(stockLocs())
	if got := p.Name(stockAisleA); got != "Sydney DC: Aisle A" {
		t.Fatalf("bin name %q", got)
	}
	if p.Parent(stockAisleB) != stockSyd || p.Parent(stockSyd) != "" {
		t.Fatal("parents wrong")
	}
	if p.Effective(stockAisleA) != stockAisleA {
		t.Fatal("with bins mapped a bin is its own place")
	}
	off := mapping.Rules{NoBinPlaces: true}.StockPlaces(stockLocs())
	if off.Effective(strings.ToUpper(stockAisleA)) != stockSyd || off.BinsMapped() {
		t.Fatal("without bins a bin's counts are its location's")
	}
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func stockRow(prod, loc, bin, batch, onHand, avail, value string) cin7core.AvailabilityRow {
	return cin7core.AvailabilityRow{ID: prod, SKU: "CODE-" + prod, Location: loc, Bin: bin, Batch: batch,
		OnHand: d(onHand), Available: d(avail), StockOnHand: d(value)}
}

func TestStockCountsSumPerPlaceSkuBatch(t *testing.T) {
	r := mapping.Rules{}
	c := r.StockCounts(r.StockPlaces(stockLocs()), "")
	rows := []cin7core.AvailabilityRow{
		stockRow(stockProdA, "Sydney DC", "Aisle A", "B1", "3", "2", "300"),
		stockRow(strings.ToUpper(stockProdA), "Sydney DC", "aisle a", "B1", "2.5", "2.5", "250"), // same key, other expiry
		stockRow(stockProdA, "Sydney DC", "Aisle A", "B2", "4", "4", "400"),
		stockRow(stockProdB, "Sydney DC", "", "", "7", "0", "70"),
		stockRow(stockProdB, "Sydney DC", "", "", "-7", "0", "-70"), // sums to zero: no line
		stockRow(stockProdA, "Hobart", "", "", "1", "1", "1"),
		stockRow("", "Sydney DC", "", "", "1", "1", "1"),
	}
	var reasons []mapping.SkipReason
	for _, row := range rows {
		if _, reason := c.Add(row); reason != "" {
			reasons = append(reasons, reason)
		}
	}
	if len(reasons) != 2 || reasons[0] != mapping.SkipUnknownLocation || reasons[1] != mapping.SkipNoProductID {
		t.Fatalf("reasons %v", reasons)
	}
	if got := c.Places(); len(got) != 2 || got[0] != stockAisleA || got[1] != stockSyd {
		t.Fatalf("places %v", got)
	}
	lines, dropped := c.Lines(stockAisleA, nil)
	if len(dropped) != 0 || len(lines) != 2 {
		t.Fatalf("lines %+v dropped %+v", lines, dropped)
	}
	if lines[0].Batch != "B1" || !lines[0].Quantity.Equal(d("5.5")) || lines[1].Batch != "B2" || !lines[1].Quantity.Equal(d("4")) {
		t.Fatalf("lines %+v", lines)
	}
	if lines[0].SkuExternalRef != stockProdA {
		t.Fatalf("SKU ref %q, want the lower-case product ID", lines[0].SkuExternalRef)
	}
	if lines, _ := c.Lines(stockSyd, nil); len(lines) != 0 {
		t.Fatalf("a key summing to zero is no line: %+v", lines)
	}
	if got := c.OnHandBySku(stockAisleA)[stockProdA]; !got.Equal(d("9.5")) {
		t.Fatalf("on hand by SKU %s, want 9.5 (batches summed)", got)
	}
}

// Pitfall 4: StockOnHand is money. Expected counts are units.
func TestStockCountsNeverUseStockOnHandMoney(t *testing.T) {
	r := mapping.Rules{}
	c := r.StockCounts(r.StockPlaces(stockLocs()), mapping.StockFromOnHand)
	c.Add(stockRow(stockProdA, "Melbourne", "", "", "497", "497", "2485"))
	lines, _ := c.Lines(stockMel, nil)
	if len(lines) != 1 || !lines[0].Quantity.Equal(d("497")) {
		t.Fatalf("lines %+v, want 497 units (not 2485 dollars)", lines)
	}
}

func TestStockCountsAvailableIsCopied(t *testing.T) {
	r := mapping.Rules{}
	c := r.StockCounts(r.StockPlaces(stockLocs()), mapping.StockFromAvailable)
	// Available is not OnHand − Allocated for carton products: copy it.
	row := stockRow(stockProdA, "Melbourne", "", "", "10", "4", "100")
	row.Allocated = d("2")
	c.Add(row)
	lines, _ := c.Lines(stockMel, nil)
	if len(lines) != 1 || !lines[0].Quantity.Equal(d("4")) {
		t.Fatalf("lines %+v, want Available 4 copied", lines)
	}
	// The validation side stays on-hand units.
	if got := c.OnHandBySku(stockMel)[stockProdA]; !got.Equal(d("10")) {
		t.Fatalf("on hand %s", got)
	}
}

func TestStockCountsDropNegativeAndSkipped(t *testing.T) {
	r := mapping.Rules{}
	c := r.StockCounts(r.StockPlaces(stockLocs()), "")
	c.Add(stockRow(stockProdA, "Melbourne", "", "", "-2", "-2", "0"))
	c.Add(stockRow(stockProdB, "Melbourne", "", "", "3", "3", "0"))
	lines, dropped := c.Lines(stockMel, func(sku string) mapping.SkipReason {
		if sku == stockProdB {
			return mapping.SkipService
		}
		return ""
	})
	if len(lines) != 0 || len(dropped) != 2 {
		t.Fatalf("lines %+v dropped %+v", lines, dropped)
	}
	if dropped[0].Reason != mapping.SkipNegativeStock || dropped[1].Reason != mapping.SkipService || !dropped[1].Quantity.Equal(d("3")) {
		t.Fatalf("dropped %+v", dropped)
	}
	if got := c.Skus(); len(got) != 2 {
		t.Fatalf("skus %v", got)
	}
}

func TestStockCountsBinsOffRollUp(t *testing.T) {
	r := mapping.Rules{NoBinPlaces: true}
	c := r.StockCounts(r.StockPlaces(stockLocs()), "")
	c.Add(stockRow(stockProdA, "Sydney DC", "Aisle A", "", "2", "2", "0"))
	c.Add(stockRow(stockProdA, "Sydney DC", "Aisle B", "", "3", "3", "0"))
	c.Add(stockRow(stockProdA, "Sydney DC", "", "", "1", "1", "0"))
	lines, _ := c.Lines(stockSyd, nil)
	if got := c.Places(); len(got) != 1 || len(lines) != 1 || !lines[0].Quantity.Equal(d("6")) {
		t.Fatalf("places %v lines %+v, want one line of 6 at the location", got, lines)
	}
}
