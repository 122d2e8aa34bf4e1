package main

import (
	"errors"
	"strings"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

// countedAsExpected plays a Ramp user counting a location on the built-in
// fakes: it picks the location (a top-level place) with the most expected
// lines, its bins included, and returns one stocktake line per expected
// line with the count as expected; the caller then makes the differences.
// Expiry dates come from the fake Cin7 Core's ledger, as a user scanning
// the labels would read them. It also returns the Ramp SKUs by
// ExternalRef.
func countedAsExpected(cs *cin7coretest.Server, rs *ramptest.Server) (string, []ramp.StocktakeLine, map[string]ramp.Sku, error) {
	skus := map[string]ramp.Sku{}
	for _, s := range rs.Skus() {
		skus[s.ExternalRef] = s
	}
	// Each place's top-level place, by ExternalRef.
	byID := map[string]ramp.Place{}
	for _, p := range rs.Places() {
		byID[p.ID] = p
	}
	top := func(ref string) string {
		for _, p := range byID {
			if p.ExternalRef != ref {
				continue
			}
			for p.ParentPlaceID != "" {
				parent, ok := byID[p.ParentPlaceID]
				if !ok {
					break
				}
				p = parent
			}
			return p.ExternalRef
		}
		return ref
	}
	byTop := map[string][]ramp.PlaceStockLine{}
	best := ""
	for _, l := range rs.PlaceStock("") {
		t := top(l.PlaceExternalRef)
		byTop[t] = append(byTop[t], l)
	}
	for p, ls := range byTop {
		if best == "" || len(ls) > len(byTop[best]) || (len(ls) == len(byTop[best]) && p < best) {
			best = p
		}
	}
	if best == "" {
		return "", nil, nil, errors.New("no expected counts in Ramp to count against")
	}
	type batchKey struct{ product, batch string }
	expiry := map[batchKey]cin7coretest.StockKey{}
	for _, e := range cs.Tenant().Stock() {
		if !e.Key.Expiry.IsZero() {
			expiry[batchKey{cin7core.NormalizeID(e.Key.ProductID), strings.TrimSpace(e.Key.Batch)}] = e.Key
		}
	}
	var lines []ramp.StocktakeLine
	for _, l := range byTop[best] {
		s := skus[l.SkuExternalRef]
		// Batch holds the serial number for serial-tracked SKUs too, as
		// the expected counts do.
		c := ramp.StocktakeLine{SkuExternalRef: l.SkuExternalRef, PlaceExternalRef: l.PlaceExternalRef, Batch: l.Batch, Counted: l.Quantity}
		if s.TracksExpiry {
			c.Expiry = expiry[batchKey{cin7core.NormalizeID(l.SkuExternalRef), strings.TrimSpace(l.Batch)}].Expiry
		}
		lines = append(lines, c)
	}
	return best, lines, skus, nil
}
