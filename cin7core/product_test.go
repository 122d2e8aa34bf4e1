package cin7core_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestProductsListDecodesQuirks(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, productURL, map[string]string{"Page": "1", "Limit": "1000"},
		jsonResponder(200, fixture(t, "products.json")))
	ps, err := c.Products.List(nil).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("%d products, want 3", len(ps))
	}
	meal, knife, svc := ps[0], ps[1], ps[2]

	for _, d := range []struct {
		name      string
		got, want decimal.Decimal
	}{
		{"AverageCost (string)", meal.AverageCost, dec("12.5")},
		{"PriceTier1 (string)", meal.PriceTier1, dec("49.95")},
		{"PriceTier2 (4 dp)", meal.PriceTier2, dec("42.4575")},
		{"CartonInnerQuantity (string)", meal.CartonInnerQuantity, dec("12")},
		{"Width", meal.Width, dec("12.5")},
		{"Weight", meal.Weight, dec("0.165")},
		{"PriceTiers[Trade] (string)", meal.PriceTiers["Trade"], dec("42.4575")},
		{"PriceTiers[Retail]", meal.PriceTiers["Retail"], dec("49.95")},
		{"Supplier Cost (string)", meal.Suppliers[0].Cost, dec("11.9")},
		{"Movement Amount (string)", meal.Movements[0].Amount, dec("5712")},
		{"ReorderLevel", meal.ReorderLevels[0].ReorderQuantity, dec("480")},
		{"CustomPrice", meal.CustomPrices[0].Price, dec("39.5")},
		{"knife AverageCost", knife.AverageCost, dec("96.4")},
		{"service QuantityToProduce (null)", svc.QuantityToProduce, decimal.Zero},
	} {
		if !d.got.Equal(d.want) {
			t.Errorf("%s = %s, want %s", d.name, d.got, d.want)
		}
	}
	if !bool(meal.Sellable) || !bool(knife.Sellable) || !bool(svc.Sellable) || bool(svc.BillOfMaterial) {
		t.Errorf("bools: %v %v %v %v", meal.Sellable, knife.Sellable, svc.Sellable, svc.BillOfMaterial)
	}
	wantMod := time.Date(2025, 1, 14, 3, 27, 51, 618033900, time.UTC)
	if !meal.LastModifiedOn.Equal(wantMod) || !meal.LastModifiedOn.HasZone {
		t.Errorf("7-digit LastModifiedOn = %v (zone %v)", meal.LastModifiedOn.Time, meal.LastModifiedOn.HasZone)
	}
	if knife.LastModifiedOn.HasZone || !knife.LastModifiedOn.Equal(time.Date(2025, 1, 20, 22, 5, 13, 447000000, time.UTC)) {
		t.Errorf("zone-less LastModifiedOn = %v", knife.LastModifiedOn)
	}
	if meal.Barcode != "0931554120014" {
		t.Errorf("leading zero of the barcode lost: %q", meal.Barcode)
	}
	if knife.Brand != "" || knife.Barcode != "" {
		t.Errorf("nulls should decode as empty strings: %q %q", knife.Brand, knife.Barcode)
	}
	if meal.CostingMethod != cin7core.CostingFEFOBatch || knife.CostingMethod != cin7core.CostingFIFOSerial {
		t.Errorf("costing methods %q %q", meal.CostingMethod, knife.CostingMethod)
	}
	if knife.DropShipMode != cin7core.DropShipOptional {
		t.Errorf("drop ship %q", knife.DropShipMode)
	}
	if !svc.IsService() || meal.IsService() || meal.IsDeprecated() {
		t.Error("IsService/IsDeprecated")
	}
	if got := meal.Suppliers[0].LastSupplied; got.HasZone || !got.Equal(time.Date(2024, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("LastSupplied %v", got)
	}
	if got := meal.Movements[0]; got.BatchSN != "LS-2412-07" || !got.ExpiryDate.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("movement %+v", got)
	}
	if a := meal.Attachments[0]; !bool(a.IsDefault) || a.DownloadURL == "" {
		t.Errorf("attachment %+v", a)
	}
}

func TestProductsListFiltersInQuery(t *testing.T) {
	mt, c := newMockClient(t)
	aest := time.FixedZone("AEST", 10*3600)
	since := time.Date(2025, 1, 2, 13, 4, 5, 987654321, aest) // 03:04:05 UTC
	mt.RegisterResponderWithQuery(http.MethodGet, productURL, map[string]string{
		"ModifiedSince":     "2025-01-02T03:04:05",
		"IncludeDeprecated": "true",
		"Sku":               "DHM-",
		"Name":              "Lamb & Shanks",
		"Page":              "3",
		"Limit":             "25",
	}, jsonResponder(200, []byte(`{"Total":50,"Page":3,"Products":[]}`)))
	p := c.Products.List(&cin7core.ProductListOptions{ModifiedSince: since, IncludeDeprecated: true, Sku: "DHM-", Name: "Lamb & Shanks", Page: 3, Limit: 25})
	if _, err := p.Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("%d calls", mt.GetTotalCallCount())
	}

	// Zero-valued filters are left out entirely.
	mt2, c2 := newMockClient(t)
	mt2.RegisterResponderWithQuery(http.MethodGet, productURL, "Page=1&Limit=1000", jsonResponder(200, []byte(`{"Total":0,"Page":1,"Products":[]}`)))
	if _, err := c2.Products.List(&cin7core.ProductListOptions{}).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestProductsGet(t *testing.T) {
	mt, c := newMockClient(t)
	const id = "E4D3C2B1-A098-4F7E-8D6C-5B4A39281706"
	mt.RegisterResponderWithQuery(http.MethodGet, productURL, map[string]string{"ID": id, "IncludeDeprecated": "true"},
		jsonResponder(200, fixture(t, "products.json")))
	p, err := c.Products.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.SKU != "KNF-FLD-TI" {
		t.Fatalf("got %s, want the product whose ID matches ignoring case", p.SKU)
	}
}

func TestProductsGetNotFound(t *testing.T) {
	for _, body := range []string{
		`{"Total":0,"Page":1,"Products":[]}`,
		`{"Page":1,"Products":null}`,
		`[{"ErrorCode":404,"Exception":"Product not found."}]`,
	} {
		mt, c := newMockClient(t)
		mt.RegisterResponder(http.MethodGet, productURL, jsonResponder(200, []byte(body)))
		_, err := c.Products.Get(context.Background(), "5a1f3c9e-2b47-4d80-9e6a-7c3b1d0f2e48")
		if !errors.Is(err, cin7core.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", body, err)
		}
	}
}

func TestProductFamiliesList(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, familyURL, map[string]string{"Page": "1", "Limit": "1000"},
		jsonResponder(200, fixture(t, "product_families.json")))
	fs, err := c.ProductFamilies.List(nil).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("%d families", len(fs))
	}
	jacket, gaiters := fs[0], fs[1]
	if jacket.Option1Name != "Size" || jacket.Option2Name != "Colour" || jacket.Option3Name != "" || len(jacket.Products) != 3 {
		t.Fatalf("jacket %+v", jacket)
	}
	if !jacket.PriceTier1.Equal(dec("329")) || !jacket.ReorderQuantity.Equal(dec("10")) || !jacket.MinimumBeforeReorder.Equal(dec("2")) {
		t.Errorf("decimals: %s %s %s", jacket.PriceTier1, jacket.ReorderQuantity, jacket.MinimumBeforeReorder)
	}
	if jacket.CostingMethod != cin7core.CostingFIFOBatch || !jacket.LastModifiedOn.HasZone || jacket.LastModifiedOn.Nanosecond() != 123456700 {
		t.Errorf("costing %q, modified %v", jacket.CostingMethod, jacket.LastModifiedOn)
	}
	m := jacket.Products[0]
	if m.ID != "1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D" || !cin7core.SameID(m.ID, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d") || m.Option1 != "S" || m.Option2 != "Red" || m.Option3 != "" {
		t.Errorf("member %+v", m)
	}
	if !gaiters.LastModifiedOn.IsZero() || gaiters.Brand != "" || gaiters.UOM != "Pair" || gaiters.Products[1].Option2 != "" {
		t.Errorf("gaiters %+v", gaiters)
	}
}

func TestProductFamiliesListFiltersInQuery(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, familyURL, map[string]string{
		"ModifiedSince": "2024-12-31T23:59:59",
		"Sku":           "WPJ",
		"Name":          "Rain",
		"Page":          "1",
		"Limit":         "10",
	}, jsonResponder(200, []byte(`{"Total":0,"Page":1,"ProductFamilies":[]}`)))
	_, err := c.ProductFamilies.List(&cin7core.ProductFamilyListOptions{
		ModifiedSince: time.Date(2024, 12, 31, 23, 59, 59, 500, time.UTC), Sku: "WPJ", Name: "Rain", Limit: 10,
	}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
}

func TestProductFamiliesGet(t *testing.T) {
	mt, c := newMockClient(t)
	const id = "9A0B1C2D-3E4F-4A5B-8C6D-7E8F9A0B1C2D"
	mt.RegisterResponderWithQuery(http.MethodGet, familyURL, map[string]string{"ID": id},
		jsonResponder(200, fixture(t, "product_families.json")))
	f, err := c.ProductFamilies.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if f.SKU != "GTR" {
		t.Fatalf("got %s", f.SKU)
	}
	mt.RegisterResponder(http.MethodGet, familyURL, jsonResponder(200, []byte(`{"Total":0,"Page":1,"ProductFamilies":[]}`)))
	if _, err := c.ProductFamilies.Get(context.Background(), "nope-0000"); !errors.Is(err, cin7core.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
