package ramptest

import (
	"fmt"
	"testing"

	"github.com/cin7ramp/cin7ramp/ramp"
)

func TestGenerateStocktake(t *testing.T) {
	seed := func() *Server {
		s := NewServer()
		t.Cleanup(s.Close)
		root, err := s.AddPlace(ramp.Place{ExternalRef: "loc-1", Name: "Sydney Warehouse"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := s.AddPlace(ramp.Place{ExternalRef: fmt.Sprintf("bin-%d", i), Name: fmt.Sprintf("Sydney Warehouse: A%d", i), ParentPlaceID: root.ID}); err != nil {
				t.Fatal(err)
			}
		}
		modes := []ramp.TrackingMode{ramp.TrackingNone, ramp.TrackingBatch, ramp.TrackingSerial}
		for i := range 1200 {
			if _, err := s.AddSku(ramp.Sku{ExternalRef: fmt.Sprintf("sku-%04d", i), SkuNumber: fmt.Sprintf("SKU-%04d", i), Name: fmt.Sprintf("Product %d", i),
				TrackingMode: modes[i%3], TracksExpiry: i%5 == 0}); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	a, b := seed(), seed()
	sa, err := a.GenerateStocktake("loc-1", 5000, 3)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.GenerateStocktake("loc-1", 5000, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(sa.Lines) != 5000 || len(sb.Lines) != 5000 {
		t.Fatalf("lines = %d and %d, want 5000", len(sa.Lines), len(sb.Lines))
	}
	for i := range sa.Lines {
		la, lb := sa.Lines[i], sb.Lines[i]
		if la.SkuExternalRef != lb.SkuExternalRef || la.PlaceExternalRef != lb.PlaceExternalRef || la.Batch != lb.Batch || !la.Counted.Equal(lb.Counted) {
			t.Fatalf("line %d differs: %+v vs %+v", i, la, lb)
		}
	}
	if got := len(a.Stocktakes()); got != 1 {
		t.Fatalf("stocktakes = %d", got)
	}
	empty := NewServer()
	defer empty.Close()
	if _, err := empty.GenerateStocktake("x", 1, 1); err == nil {
		t.Fatal("no error without SKUs")
	}
}
