package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// prepareDemo readies the built-in fakes: a product Cin7 Core has no cost
// for yet, a sync of the demo tenant into Ramp, and a stocktake a Ramp
// user counts and validates at the location with the most expected lines
// (bins included): one count one short, one line carrying a zero unit cost, one line of the
// product without a cost. It returns the stocktake's Ramp ID.
func prepareDemo(ctx context.Context, engine *cinsync.Engine, cs *cin7coretest.Server, rs *ramptest.Server, out io.Writer) (string, error) {
	noCost := cs.Tenant().UpsertProduct(cin7core.Product{SKU: "TRL-MIX-NEW", Name: "Trail Mix Sampler (new, not yet costed)", UOM: "Item",
		Type: cin7core.ProductTypeStock, CostingMethod: cin7core.CostingFIFO})
	rep, err := engine.Sync(ctx)
	if err != nil {
		return "", fmt.Errorf("first sync: %w", err)
	}
	fmt.Fprintf(out, "\nSynced the demo tenant into Ramp (%s): %d places, %d SKUs, expected counts of %d places.\n",
		rep.Finished.Sub(rep.Started).Round(time.Millisecond), created(rep, cinsync.StreamLocations), created(rep, cinsync.StreamProducts), created(rep, cinsync.StreamStock))

	best, counted, skus, err := countedAsExpected(cs, rs)
	if err != nil {
		return "", err
	}
	short, zero := "", ""
	for i, c := range counted {
		s := skus[c.SkuExternalRef]
		switch {
		case short == "" && s.TrackingMode == ramp.TrackingNone && c.Counted.GreaterThanOrEqual(decimal.NewFromInt(1)):
			counted[i].Counted = c.Counted.Sub(decimal.NewFromInt(1))
			short = s.SkuNumber
		case zero == "" && s.TrackingMode == ramp.TrackingNone:
			counted[i].UnitCost = decimal.NullDecimal{Valid: true} // Ramp holds a zero cost for it
			zero = s.SkuNumber
		}
	}
	counted = append(counted, ramp.StocktakeLine{SkuExternalRef: cin7core.NormalizeID(noCost.ID), PlaceExternalRef: best, Counted: decimal.NewFromInt(3)})
	st, err := rs.RunStocktake(best, counted...)
	if err != nil {
		return "", fmt.Errorf("counting: %w", err)
	}
	if st, err = rs.ValidateStocktake(st.ID); err != nil {
		return "", fmt.Errorf("validating: %w", err)
	}
	fmt.Fprintf(out, "A Ramp user counted and validated %s of %s: %d lines (%s one short, %s at a zero unit cost, 3 × %s, which Cin7 Core has no cost for).\n",
		st.Name, st.PlaceName, len(st.Lines), short, zero, noCost.SKU)
	return st.ID, nil
}

func created(rep *cinsync.Report, s cinsync.Stream) int {
	if sr := rep.Stream(s); sr != nil {
		return sr.Created + sr.Updated
	}
	return 0
}
