package cin7core_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// roundTrip decodes each record of a fixture's list, encodes it, decodes
// that again and checks that nothing changed: the second encoding equals
// the first (decimals and times are normalised once, then stable).
func roundTrip[T any](t *testing.T, file, key string, same func(a, b *T) string) {
	t.Helper()
	var env map[string]json.RawMessage
	if err := json.Unmarshal(fixture(t, file), &env); err != nil {
		t.Fatal(err)
	}
	var items []T
	if err := json.Unmarshal(env[key], &items); err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 {
		t.Fatalf("%s: no %s", file, key)
	}
	for i := range items {
		first, err := json.Marshal(&items[i])
		if err != nil {
			t.Fatal(err)
		}
		var back T
		if err := json.Unmarshal(first, &back); err != nil {
			t.Fatalf("%s[%d]: cannot decode own encoding: %v\n%s", key, i, err, first)
		}
		second, err := json.Marshal(&back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Errorf("%s[%d]: encoding not stable:\n%s\n%s", key, i, first, second)
		}
		if diff := same(&items[i], &back); diff != "" {
			t.Errorf("%s[%d]: %s changed in the round trip", key, i, diff)
		}
	}
}

func sameTime(a, b cin7core.Time) bool { return a.Equal(b.Time) && a.HasZone == b.HasZone }

func TestProductRoundTrip(t *testing.T) {
	roundTrip(t, "products.json", "Products", func(a, b *cin7core.Product) string {
		switch {
		case a.ID != b.ID || a.SKU != b.SKU || a.Name != b.Name || a.Barcode != b.Barcode:
			return "identity"
		case a.Type != b.Type || a.CostingMethod != b.CostingMethod || a.Status != b.Status || a.DropShipMode != b.DropShipMode:
			return "enums"
		case !a.AverageCost.Equal(b.AverageCost) || !a.PriceTier1.Equal(b.PriceTier1) || !a.PriceTier2.Equal(b.PriceTier2) ||
			!a.Weight.Equal(b.Weight) || !a.CartonInnerQuantity.Equal(b.CartonInnerQuantity):
			return "decimals"
		case len(a.PriceTiers) != len(b.PriceTiers):
			return "PriceTiers"
		case !sameTime(a.LastModifiedOn, b.LastModifiedOn):
			return "LastModifiedOn"
		case a.Sellable != b.Sellable || a.BillOfMaterial != b.BillOfMaterial:
			return "bools"
		case len(a.Suppliers) != len(b.Suppliers) || len(a.Movements) != len(b.Movements) || len(a.Attachments) != len(b.Attachments) ||
			len(a.CustomPrices) != len(b.CustomPrices) || len(a.ReorderLevels) != len(b.ReorderLevels):
			return "sub-collections"
		}
		for k, v := range a.PriceTiers {
			if !v.Equal(b.PriceTiers[k]) {
				return "PriceTiers[" + k + "]"
			}
		}
		if len(a.Suppliers) > 0 && (!a.Suppliers[0].Cost.Equal(b.Suppliers[0].Cost) || !sameTime(a.Suppliers[0].LastSupplied, b.Suppliers[0].LastSupplied)) {
			return "supplier"
		}
		if len(a.Movements) > 0 && (!sameTime(a.Movements[0].ExpiryDate, b.Movements[0].ExpiryDate) || !a.Movements[0].Amount.Equal(b.Movements[0].Amount)) {
			return "movement"
		}
		return ""
	})
}

func TestProductFamilyRoundTrip(t *testing.T) {
	roundTrip(t, "product_families.json", "ProductFamilies", func(a, b *cin7core.ProductFamily) string {
		switch {
		case a.ID != b.ID || a.SKU != b.SKU || a.Name != b.Name:
			return "identity"
		case a.Option1Name != b.Option1Name || a.Option2Name != b.Option2Name || a.Option3Name != b.Option3Name ||
			a.Option1Values != b.Option1Values:
			return "options"
		case !a.PriceTier1.Equal(b.PriceTier1) || !a.ReorderQuantity.Equal(b.ReorderQuantity):
			return "decimals"
		case !sameTime(a.LastModifiedOn, b.LastModifiedOn):
			return "LastModifiedOn"
		case len(a.Products) != len(b.Products):
			return "members"
		}
		for i := range a.Products {
			if a.Products[i] != b.Products[i] {
				return "member " + a.Products[i].SKU
			}
		}
		return ""
	})
}

func TestLocationRoundTrip(t *testing.T) {
	roundTrip(t, "locations.json", "LocationList", func(a, b *cin7core.Location) string {
		switch {
		case a.ID != b.ID || a.Name != b.Name || a.ParentID != b.ParentID || a.ParentName != b.ParentName:
			return "identity"
		case a.IsDefault != b.IsDefault || a.IsDeprecated != b.IsDeprecated || a.IsStaging != b.IsStaging || a.IsShopfloor != b.IsShopfloor:
			return "flags"
		case a.ReferenceCount != b.ReferenceCount || a.AddressZipPostCode != b.AddressZipPostCode || a.PickZones != b.PickZones:
			return "fields"
		case len(a.Bins) != len(b.Bins) || (a.Bins == nil) != (b.Bins == nil):
			return "bins"
		}
		for i := range a.Bins {
			if a.Bins[i] != b.Bins[i] {
				return "bin " + a.Bins[i].Name
			}
		}
		return ""
	})
}

func TestModelsEncodeInTheAPIShape(t *testing.T) {
	p := cin7core.Product{
		ID: "5a1f3c9e-2b47-4d80-9e6a-7c3b1d0f2e48", SKU: "X-1", Name: "X", Type: cin7core.ProductTypeStock,
		CostingMethod: cin7core.CostingFEFOSerial, UOM: "Item", AverageCost: decimal.RequireFromString("12.5000"),
		LastModifiedOn: cin7core.NewTime(time.Date(2025, 1, 2, 3, 4, 5, 600000000, time.UTC)), Sellable: true,
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"CostingMethod":"FEFO - Serial Number"`, `"AverageCost":"12.5"`, `"LastModifiedOn":"2025-01-02T03:04:05.6Z"`, `"Sellable":true`, `"PriceTier1":"0"`} {
		if !strings.Contains(s, want) {
			t.Errorf("encoding lacks %s:\n%s", want, s)
		}
	}
	for _, absent := range []string{`"Suppliers"`, `"PriceTiers"`, `"Brand"`, `"Category"`} {
		if strings.Contains(s, absent) {
			t.Errorf("empty %s should be left out:\n%s", absent, s)
		}
	}

	l, err := json.Marshal(cin7core.Location{ID: "x", Name: "Top"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(l), "ParentID") || strings.Contains(string(l), "AllowReorder") || !strings.Contains(string(l), `"Bins":null`) {
		t.Errorf("location encoding %s", l)
	}
	if (&cin7core.Location{ParentID: "p"}).IsBin() != true || (&cin7core.Location{}).IsBin() {
		t.Error("IsBin")
	}

	f, err := json.Marshal(cin7core.ProductFamily{ID: "f", Option1Name: "Size", Products: []cin7core.ProductFamilyMember{{ID: "m", Option1: "S"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(f), `"Products":[{"ID":"m","Option1":"S"}]`) || strings.Contains(string(f), "Option2Name") {
		t.Errorf("family encoding %s", f)
	}
}
