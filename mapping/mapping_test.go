package mapping_test

import (
	"errors"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
)

func TestTrackingEveryCostingMethod(t *testing.T) {
	cases := []struct {
		method cin7core.CostingMethod
		mode   ramp.TrackingMode
		expiry bool
	}{
		{cin7core.CostingFIFO, ramp.TrackingNone, false},
		{cin7core.CostingFIFOBatch, ramp.TrackingBatch, false},
		{cin7core.CostingFIFOSerial, ramp.TrackingSerial, false},
		{cin7core.CostingFEFOBatch, ramp.TrackingBatch, true},
		{cin7core.CostingFEFOSerial, ramp.TrackingSerial, true},
		{cin7core.CostingSpecialBatch, ramp.TrackingBatch, false},
		{cin7core.CostingSpecialSerial, ramp.TrackingSerial, false},
	}
	if len(cases) != len(cin7core.CostingMethods) {
		t.Fatalf("table covers %d methods, API has %d", len(cases), len(cin7core.CostingMethods))
	}
	for _, c := range cases {
		t.Run(string(c.method), func(t *testing.T) {
			p := stockProduct("A1B2", "SKU-1", "Tent")
			p.CostingMethod = c.method
			sku, reason, err := mapping.Rules{}.Product(p)
			if err != nil || reason != "" {
				t.Fatalf("Product: reason %q err %v", reason, err)
			}
			if sku.TrackingMode != c.mode || sku.TracksExpiry != c.expiry {
				t.Fatalf("got %s/%v, want %s/%v", sku.TrackingMode, sku.TracksExpiry, c.mode, c.expiry)
			}
		})
	}
}

func TestUnknownCostingMethodIsAnError(t *testing.T) {
	for _, m := range []cin7core.CostingMethod{"BATCH", "", "fifo"} {
		p := stockProduct("a", "S", "N")
		p.CostingMethod = m
		_, _, err := mapping.Rules{}.Product(p)
		var me *mapping.Error
		if !errors.As(err, &me) || !errors.Is(err, mapping.ErrUnknownCostingMethod) || me.Field != "CostingMethod" {
			t.Fatalf("%q: got %v", m, err)
		}
	}
}

func TestProductSkipReasons(t *testing.T) {
	service := stockProduct("s1", "SVC", "Installation")
	service.Type = cin7core.ProductTypeService
	odd := stockProduct("o1", "ODD", "Odd")
	odd.Type = "Kit"
	cases := []struct {
		name   string
		rules  mapping.Rules
		p      cin7core.Product
		reason mapping.SkipReason
	}{
		{"service skipped by default", mapping.Rules{}, service, mapping.SkipService},
		{"unknown type skipped", mapping.Rules{}, odd, mapping.SkipUnsupportedType},
		{"service kept when asked", mapping.Rules{IncludeServices: true}, service, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, reason, err := c.rules.Product(c.p)
			if err != nil || reason != c.reason {
				t.Fatalf("reason %q err %v, want %q", reason, err, c.reason)
			}
		})
	}
}

func TestProductFields(t *testing.T) {
	p := stockProduct("5F8EE220-DFEA-4E8D-8095-A074E44FA955", " TENT-2P ", " Hiker 2P Tent ")
	p.Barcode, p.Category, p.Brand, p.UOM = "0931234567890", "Tents", "Ridgeline", "Each"
	p.ShortDescription = "Two-person tent"
	p.Status = cin7core.ProductStatusDeprecated
	sku, _, err := mapping.Rules{}.Product(p)
	if err != nil {
		t.Fatal(err)
	}
	want := ramp.Sku{ExternalRef: "5f8ee220-dfea-4e8d-8095-a074e44fa955", SkuNumber: "TENT-2P", Name: "Hiker 2P Tent",
		Description: "Two-person tent", Barcode: "0931234567890", Category: "Tents", Brand: "Ridgeline", UnitOfMeasure: "Each",
		TrackingMode: ramp.TrackingNone, Archived: true}
	if sku != want {
		t.Fatalf("got %+v\nwant %+v", sku, want)
	}
}

func TestProductMissingFields(t *testing.T) {
	for field, p := range map[string]cin7core.Product{
		"ID":   stockProduct("", "S", "N"),
		"SKU":  stockProduct("a", " ", "N"),
		"Name": stockProduct("a", "S", ""),
	} {
		_, _, err := mapping.Rules{}.Product(p)
		var me *mapping.Error
		if !errors.As(err, &me) || me.Field != field || !errors.Is(err, mapping.ErrMissingField) {
			t.Errorf("%s: got %v", field, err)
		}
	}
}

func TestFamilyMemberNamingAndFill(t *testing.T) {
	fam := cin7core.ProductFamily{
		ID: "F1", SKU: "JKT", Name: "Alpine Jacket", Category: "Jackets", Brand: "Ridgeline", UOM: "Each",
		CostingMethod: cin7core.CostingFIFOBatch, ShortDescription: "Waterproof shell",
		Option1Name: "Size", Option2Name: "Colour", Option3Name: "Fit",
		Products: []cin7core.ProductFamilyMember{
			{ID: "AAAA-0001", SKU: "JKT-M-RED", Option1: "M", Option2: "Red", Option3: "Slim"},
			{ID: "aaaa-0002", SKU: "JKT-L", Option1: "L", Option2: "", Option3: ""},
			{ID: "aaaa-0003", SKU: "JKT-X", Option1: "", Option2: "Blue", Option3: ""},
			{ID: "aaaa-0004", SKU: "JKT-NONE"},
		},
	}
	cases := []struct {
		id, name string
	}{
		{"aaaa-0001", "Alpine Jacket - M / Red / Slim"},
		{"aaaa-0002", "Alpine Jacket - L"},
		{"aaaa-0003", "Alpine Jacket - Blue"},
		{"aaaa-0004", "Alpine Jacket"},
	}
	for _, c := range cases {
		member := cin7core.Product{ID: c.id, SKU: "", Name: "member own name", Type: cin7core.ProductTypeStock}
		sku, reason, err := mapping.Rules{}.FamilyMember(fam, member)
		if err != nil || reason != "" {
			t.Fatalf("%s: %q %v", c.id, reason, err)
		}
		if sku.Name != c.name {
			t.Errorf("%s: name %q, want %q", c.id, sku.Name, c.name)
		}
		if sku.Category != "Jackets" || sku.Brand != "Ridgeline" || sku.UnitOfMeasure != "Each" || sku.Description != "Waterproof shell" {
			t.Errorf("%s: family fields not filled: %+v", c.id, sku)
		}
		if sku.TrackingMode != ramp.TrackingBatch {
			t.Errorf("%s: tracking from family costing method: %s", c.id, sku.TrackingMode)
		}
		if sku.SkuNumber == "" || sku.ExternalRef != c.id {
			t.Errorf("%s: sku number %q ref %q", c.id, sku.SkuNumber, sku.ExternalRef)
		}
	}
	// The member's own fields win over the family's.
	own := cin7core.Product{ID: "aaaa-0001", SKU: "OWN", Name: "x", Type: cin7core.ProductTypeStock, Category: "Sale", CostingMethod: cin7core.CostingFEFOSerial}
	sku, _, err := mapping.Rules{FamilySeparator: ": ", OptionSeparator: ", "}.FamilyMember(fam, own)
	if err != nil {
		t.Fatal(err)
	}
	if sku.Category != "Sale" || sku.SkuNumber != "OWN" || sku.TrackingMode != ramp.TrackingSerial || !sku.TracksExpiry || sku.Name != "Alpine Jacket: M, Red, Slim" {
		t.Fatalf("own fields: %+v", sku)
	}
	// Not a member.
	_, _, err = mapping.Rules{}.FamilyMember(fam, stockProduct("zzz", "S", "N"))
	if !errors.Is(err, mapping.ErrNotMember) {
		t.Fatalf("non-member: %v", err)
	}
	// A service member is skipped like any service.
	svc := cin7core.Product{ID: "aaaa-0002", Type: cin7core.ProductTypeService}
	if _, reason, _ := (mapping.Rules{}).FamilyMember(fam, svc); reason != mapping.SkipService {
		t.Fatalf("service member: %q", reason)
	}
}

func TestCatalogMapsEachMemberOnce(t *testing.T) {
	fam := cin7core.ProductFamily{ID: "F1", Name: "Beanie", CostingMethod: cin7core.CostingFIFO,
		Products: []cin7core.ProductFamilyMember{{ID: "M1", Option1: "Red"}, {ID: "m2", Option1: "Blue"}, {ID: "m3", Option1: "Gone"}}}
	products := []cin7core.Product{
		stockProduct("m1", "B-R", "Beanie Red"),
		stockProduct("M2", "B-B", "Beanie Blue"),
		stockProduct("s1", "STOVE", "Stove"),
		stockProduct("S1", "STOVE", "Stove"), // listed twice, GUID case differs
		{ID: "svc", SKU: "FIT", Name: "Fitting", Type: cin7core.ProductTypeService, CostingMethod: cin7core.CostingFIFO},
	}
	res := mapping.Rules{}.Catalog(products, []cin7core.ProductFamily{fam})
	if len(res.Skus) != 3 || len(res.Skipped) != 1 || len(res.Failed) != 0 {
		t.Fatalf("got %d skus %d skipped %d failed", len(res.Skus), len(res.Skipped), len(res.Failed))
	}
	names := map[string]string{}
	for _, s := range res.Skus {
		names[s.Sku.ExternalRef] = s.Sku.Name
	}
	if names["m1"] != "Beanie - Red" || names["m2"] != "Beanie - Blue" || names["s1"] != "Stove" {
		t.Fatalf("names %v", names)
	}
}

func TestLocationsBinsOnceAsChildren(t *testing.T) {
	locs := []cin7core.Location{
		{ID: "6B7F713D-AAD1-4AE6-850C-2DB7A0AFA321", Name: "Main Warehouse", AddressLine1: "1 Dock Rd", AddressCitySuburb: "Brisbane",
			Bins: []cin7core.Bin{{ID: "5F8EE220-DFEA-4E8D-8095-A074E44FA955", Name: "Bin 1"}, {ID: "52DDBCF5-05AD-4DF5-B66D-F14C09823052", Name: "Bin 2", IsDeprecated: true}}},
		{ID: "5f8ee220-dfea-4e8d-8095-a074e44fa955", Name: "Bin 1 (own row)", ParentID: "6b7f713d-aad1-4ae6-850c-2db7a0afa321"},
		{ID: "aa4ab1cf-c989-45cd-8926-23d1edd6601e", Name: "Old Shop", IsDeprecated: true,
			Bins: []cin7core.Bin{{ID: "11111111-0000-0000-0000-000000000001", Name: "Back"}}},
	}
	res := mapping.Rules{}.Locations(locs)
	if len(res.Failed) != 0 || len(res.Places) != 5 {
		t.Fatalf("places %d failed %v", len(res.Places), res.Failed)
	}
	byRef := map[string]mapping.PlaceTarget{}
	for i, p := range res.Places {
		if _, dup := byRef[p.Place.ExternalRef]; dup {
			t.Fatalf("duplicate place %s", p.Place.ExternalRef)
		}
		if p.ParentRef != "" {
			if _, ok := byRef[p.ParentRef]; !ok {
				t.Fatalf("place %d comes before its parent", i)
			}
		}
		byRef[p.Place.ExternalRef] = p
	}
	bin := byRef["5f8ee220-dfea-4e8d-8095-a074e44fa955"]
	if bin.ParentRef != "6b7f713d-aad1-4ae6-850c-2db7a0afa321" || bin.Place.Name != "Main Warehouse: Bin 1 (own row)" {
		t.Fatalf("bin: %+v", bin)
	}
	if !byRef["52ddbcf5-05ad-4df5-b66d-f14c09823052"].Place.Archived {
		t.Fatal("deprecated bin must archive")
	}
	if !byRef["aa4ab1cf-c989-45cd-8926-23d1edd6601e"].Place.Archived || !byRef["11111111-0000-0000-0000-000000000001"].Place.Archived {
		t.Fatal("deprecated location and its bins must archive")
	}
	if d := byRef["6b7f713d-aad1-4ae6-850c-2db7a0afa321"].Place.Description; d != "1 Dock Rd, Brisbane" {
		t.Fatalf("description %q", d)
	}

	off := mapping.Rules{NoBinPlaces: true}.Locations(locs)
	if len(off.Places) != 2 || len(off.Skipped) != 3 || off.Skipped[0].Reason != mapping.SkipBinsDisabled {
		t.Fatalf("bins off: %d places, skipped %+v", len(off.Places), off.Skipped)
	}
}

func TestLocationFailures(t *testing.T) {
	res := mapping.Rules{}.Locations([]cin7core.Location{
		{ID: "", Name: "No ID"},
		{ID: "b1", Name: "Orphan bin", ParentID: "missing"},
		{ID: "l1", Name: "  "},
	})
	if len(res.Places) != 0 || len(res.Failed) != 3 {
		t.Fatalf("places %d failed %d", len(res.Places), len(res.Failed))
	}
	if !errors.Is(res.Failed[1], mapping.ErrMissingParent) && !errors.Is(res.Failed[2], mapping.ErrMissingParent) {
		t.Fatalf("orphan bin not reported: %v", res.Failed)
	}
}

func stockProduct(id, sku, name string) cin7core.Product {
	return cin7core.Product{ID: id, SKU: sku, Name: name, Type: cin7core.ProductTypeStock, CostingMethod: cin7core.CostingFIFO, Status: cin7core.ProductStatusActive}
}
