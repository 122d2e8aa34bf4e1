package sync

import (
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

func TestLocationNamesResolveLocationsAndBins(t *testing.T) {
	all := []cin7core.Location{
		{ID: "AAAA", Name: "Main Warehouse", Bins: []cin7core.Bin{{ID: "B1B1", Name: "Bin 1"}}},
		{ID: "b1b1", Name: "Bin 1", ParentID: "aaaa", ParentName: "Main Warehouse"},
		{ID: "b2b2", Name: "Bin 2", ParentID: "aaaa"},
	}
	r := &placeResolver{names: locationNames(all)}
	for _, c := range []struct{ loc, bin, want string }{
		{"Main Warehouse", "", "aaaa"},
		{" main warehouse ", "", "aaaa"},
		{"Main Warehouse", "Bin 1", "b1b1"},
		{"Main Warehouse: Bin 2", "", "b2b2"},
		{"Nowhere", "", ""},
	} {
		if got := r.locationID(c.loc, c.bin); got != c.want {
			t.Errorf("locationID(%q, %q) = %q, want %q", c.loc, c.bin, got, c.want)
		}
	}
}
