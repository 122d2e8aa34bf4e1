package cin7core_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

func TestLocationsList(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, locationURL, map[string]string{"Page": "1", "Limit": "1000"},
		jsonResponder(200, fixture(t, "locations.json")))
	locs, err := c.Locations.List(nil).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 5 {
		t.Fatalf("%d rows, want 5", len(locs))
	}
	wh := locs[0]
	if wh.Name != "Hobart Warehouse" || !bool(wh.IsDefault) || wh.IsBin() || wh.ReferenceCount != 27 || len(wh.Bins) != 2 {
		t.Fatalf("warehouse: %+v", wh)
	}
	if wh.AddressStateProvince != "TAS" || wh.PickZones != "Ground,Mezzanine" {
		t.Errorf("address/pick zones: %+v", wh)
	}
	// The bin's ID is upper case in Bins and lower case in its own row.
	bin, row := wh.Bins[0], locs[1]
	if bin.ID == row.ID || !cin7core.SameID(bin.ID, row.ID) {
		t.Fatalf("bin IDs %q and %q should differ only in case", bin.ID, row.ID)
	}
	if !row.IsBin() || row.ParentID != wh.ID || row.ParentName != wh.Name || row.Bins != nil {
		t.Errorf("bin row: %+v", row)
	}
	if !bool(wh.Bins[1].IsStaging) || !bool(locs[2].IsStaging) {
		t.Error("IsStaging lost")
	}
	if store := locs[3]; bool(store.IsDeprecated) || !bool(store.IsShopfloor) || store.Bins == nil || len(store.Bins) != 0 {
		t.Errorf("store (IsDeprecated sent as \"false\", empty Bins): %+v", store)
	}
	if !locs[4].IsDeprecated {
		t.Error("deprecated location not marked")
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("%d calls", mt.GetTotalCallCount())
	}
}

func TestLocationsListFiltersInQuery(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponderWithQuery(http.MethodGet, locationURL,
		map[string]string{"Name": "Hobart W", "Deprecated": "true", "Page": "2", "Limit": "50"},
		jsonResponder(200, []byte(`{"Total":0,"Page":2,"LocationList":[]}`)))
	p := c.Locations.List(&cin7core.LocationListOptions{Name: "Hobart W", Deprecated: true, Page: 2, Limit: 50})
	if p.PageSize() != 50 || p.Next() != 2 {
		t.Fatalf("PageSize %d Next %d", p.PageSize(), p.Next())
	}
	if _, err := p.Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !p.Done() {
		t.Fatal("pager not done after an empty page")
	}
}

func TestLocationsGet(t *testing.T) {
	mt, c := newMockClient(t)
	const id = "A4E1F0C2-7B3D-4C59-8E26-1D0F9B8A7C64" // the bin, as its parent lists it
	mt.RegisterResponderWithQuery(http.MethodGet, locationURL, map[string]string{"ID": id},
		jsonResponder(200, fixture(t, "locations.json")))
	loc, err := c.Locations.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if loc.Name != "Cold Room" || !loc.IsBin() {
		t.Fatalf("got %+v", loc)
	}
}

func TestLocationsGetNotFound(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL, jsonResponder(200, []byte(`{"Total":0,"Page":1,"LocationList":[]}`)))
	_, err := c.Locations.Get(context.Background(), "00000000-0000-4000-8000-000000000000")
	if !errors.Is(err, cin7core.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	var apiErr *cin7core.APIError
	if !errors.As(err, &apiErr) || apiErr.Method != http.MethodGet {
		t.Fatalf("err = %#v", err)
	}
}

func TestGetWithEmptyIDSendsNothing(t *testing.T) {
	mt, c := newMockClient(t)
	ctx := context.Background()
	_, e1 := c.Locations.Get(ctx, "")
	_, e2 := c.Products.Get(ctx, "")
	_, e3 := c.ProductFamilies.Get(ctx, "")
	for _, err := range []error{e1, e2, e3} {
		var ve *cin7core.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, cin7core.ErrValidation) || ve.Field != "ID" {
			t.Errorf("err = %v, want a *ValidationError for ID", err)
		}
	}
	if mt.GetTotalCallCount() != 0 {
		t.Fatalf("%d calls sent", mt.GetTotalCallCount())
	}
}
