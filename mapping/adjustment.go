package mapping

import (
	"fmt"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// Skip reasons for stocktake lines that do not go into the stock
// adjustment. Cin7 Core needs a positive unit cost on every adjustment
// line (new stock opens a cost layer), so lines without one are left out
// rather than posted with an invented cost.
const (
	// SkipAdjustmentNoCost: the line has no unit cost and neither has the
	// Cin7 Core product (its average cost is zero).
	SkipAdjustmentNoCost SkipReason = "no unit cost"
	// SkipAdjustmentZeroCost: the line's unit cost is zero.
	SkipAdjustmentZeroCost SkipReason = "zero unit cost"
	// SkipAdjustmentNegativeCost: the line's (or, failing it, the
	// product's average) unit cost is negative.
	SkipAdjustmentNegativeCost SkipReason = "negative unit cost"
	// SkipAdjustmentUnknownProduct: the SKU names no Cin7 Core product.
	SkipAdjustmentUnknownProduct SkipReason = "product not in Cin7 Core"
	// SkipAdjustmentNoLocation: the counted place is not a Cin7 Core
	// location or bin.
	SkipAdjustmentNoLocation SkipReason = "place not in Cin7 Core"
	// SkipAdjustmentBatchRules: the product's costing method needs a
	// batch or serial number (all but FIFO) or an expiry date (FEFO) the
	// line does not have.
	SkipAdjustmentBatchRules SkipReason = "batch, serial or expiry required by the costing method"
	// SkipAdjustmentNegativeCount: a count below zero cannot be on hand.
	SkipAdjustmentNegativeCount SkipReason = "negative count"
	// SkipAdjustmentNothingToPost: no line of the stocktake can be
	// posted, so there is no adjustment.
	SkipAdjustmentNothingToPost SkipReason = "no line to post"
)

// StocktakeReference is the Reference of the stock adjustment written for
// one version of a Ramp stocktake. The outbound flow finds an earlier post
// by it, so it must stay stable.
func StocktakeReference(stocktakeID string, version int64) string {
	return fmt.Sprintf("ramp-stocktake:%s:v%d", cin7core.NormalizeID(stocktakeID), version)
}

// Adjustment is the Cin7 Core stock adjustment for one validated Ramp
// stocktake, and the lines left out of it with their reasons.
type Adjustment struct {
	// Request is ready to post; its Lines may be empty (then nothing is
	// posted, see SkipAdjustmentNothingToPost).
	Request cin7core.StockAdjustmentRequest
	// Skipped lists the stocktake lines left out.
	Skipped []AdjustmentSkip
}

// AdjustmentSkip is a stocktake line that is not posted.
type AdjustmentSkip struct {
	// Index is the line's position in the stocktake.
	Index int
	// SkuExternalRef, SkuNumber, PlaceExternalRef and Batch identify it
	// (Batch holds the serial for serial-tracked SKUs).
	SkuExternalRef   string
	SkuNumber        string
	PlaceExternalRef string
	Batch            string
	Reason           SkipReason
	// Detail adds the offending value or the client's check message.
	Detail string
}

// StockAdjustment maps a validated Ramp stocktake to one stock adjustment
// of its place: each line's quantity is the count, absolute (Cin7 Core
// sets on-hand to it); its location is the line's place (a bin place
// names its bin) or the stocktake's. Only lines with a positive unit cost
// go in: the line's UnitCost when Ramp holds one, else the product's
// AverageCost (decimal compares, never floats). Lines of unknown or
// service products, and lines the costing method's batch, serial and
// expiry rules refuse ([cin7core.StockAdjustmentRequest.ValidateFor]),
// are skipped with their reason. Lines of the same product, place, batch
// and expiry are merged (their counts add; the first line's cost is kept),
// since Cin7 Core refuses a key twice in one adjustment.
//
// products holds the Cin7 Core products the lines name, keyed by
// normalised ID; a product missing from it is not in Cin7 Core. The
// adjustment is COMPLETED, effective at the validation time, with
// Reference [StocktakeReference].
func (r Rules) StockAdjustment(st ramp.Stocktake, products map[string]cin7core.Product) (*Adjustment, error) {
	id := cin7core.NormalizeID(st.ID)
	if id == "" {
		return nil, &Error{Kind: "stocktake", Field: "Id", Err: ErrMissingField}
	}
	if !st.Validated || st.ValidatedAt.IsZero() {
		return nil, &Error{Kind: "stocktake", ID: id, Field: "ValidatedAt", Err: ErrMissingField, Detail: "the stocktake is not validated"}
	}
	adj := &Adjustment{Request: cin7core.StockAdjustmentRequest{
		EffectiveDate: cin7core.NewTime(st.ValidatedAt.UTC()),
		Status:        cin7core.AdjustmentCompleted,
		Reference:     StocktakeReference(st.ID, st.Version),
	}}
	type key struct {
		product, location, batch string
		expiry                   time.Time
	}
	at := map[key]int{} // index into Request.Lines
	for i, l := range st.Lines {
		batch := strings.TrimSpace(or(l.Serial, l.Batch))
		skip := func(reason SkipReason, detail string) {
			adj.Skipped = append(adj.Skipped, AdjustmentSkip{Index: i, SkuExternalRef: l.SkuExternalRef, SkuNumber: l.SkuNumber,
				PlaceExternalRef: l.PlaceExternalRef, Batch: batch, Reason: reason, Detail: detail})
		}
		pid := cin7core.NormalizeID(l.SkuExternalRef)
		p, ok := products[pid]
		if pid == "" || !ok {
			skip(SkipAdjustmentUnknownProduct, l.SkuExternalRef)
			continue
		}
		switch p.Type {
		case cin7core.ProductTypeStock, "":
		case cin7core.ProductTypeService:
			skip(SkipService, "")
			continue
		default:
			skip(SkipUnsupportedType, string(p.Type))
			continue
		}
		loc := cin7core.NormalizeID(or(l.PlaceExternalRef, st.PlaceExternalRef))
		if loc == "" {
			skip(SkipAdjustmentNoLocation, l.PlaceID)
			continue
		}
		if l.Counted.IsNegative() {
			skip(SkipAdjustmentNegativeCount, l.Counted.String())
			continue
		}
		cost, reason, detail := unitCost(l.UnitCost, p.AverageCost)
		if reason != "" {
			skip(reason, detail)
			continue
		}
		line := cin7core.NewStockLine{ProductID: pid, Quantity: l.Counted, UnitCost: cost, LocationID: loc, BatchSN: batch,
			CostingMethod: p.CostingMethod}
		if !l.Expiry.IsZero() {
			line.ExpiryDate = cin7core.NewTime(l.Expiry.UTC())
		}
		// The client's own check, on this line alone: batch, serial and
		// expiry rules of the product's costing method.
		one := cin7core.StockAdjustmentRequest{EffectiveDate: adj.Request.EffectiveDate, Status: adj.Request.Status, Lines: []cin7core.NewStockLine{line}}
		if err := one.ValidateFor(map[string]cin7core.CostingMethod{pid: p.CostingMethod}); err != nil {
			skip(SkipAdjustmentBatchRules, err.Error())
			continue
		}
		k := key{pid, loc, batch, line.ExpiryDate.Time}
		if j, dup := at[k]; dup {
			adj.Request.Lines[j].Quantity = adj.Request.Lines[j].Quantity.Add(line.Quantity)
			continue
		}
		at[k] = len(adj.Request.Lines)
		adj.Request.Lines = append(adj.Request.Lines, line)
	}
	return adj, nil
}

// unitCost picks the cost of a line: the line's own when Ramp holds one
// (a zero or negative one is not replaced: it is what Ramp says), else
// the product's average cost. Only a positive cost is usable.
func unitCost(line decimal.NullDecimal, average decimal.Decimal) (decimal.Decimal, SkipReason, string) {
	if line.Valid {
		switch line.Decimal.Sign() {
		case 0:
			return decimal.Zero, SkipAdjustmentZeroCost, line.Decimal.String()
		case -1:
			return decimal.Zero, SkipAdjustmentNegativeCost, line.Decimal.String()
		}
		return line.Decimal, "", ""
	}
	switch average.Sign() {
	case 0:
		return decimal.Zero, SkipAdjustmentNoCost, ""
	case -1:
		return decimal.Zero, SkipAdjustmentNegativeCost, "average cost " + average.String()
	}
	return average, "", ""
}
