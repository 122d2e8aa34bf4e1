package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// Targeted entry points: one document instead of a whole stream, for
// hosts that act on a user's request (push this stocktake now) rather
// than on the schedule. They share the streams' logic, ledger and state,
// so a document handled here is not handled again by the next pass.

// SyncStocktake posts one validated Ramp stocktake (by its Ramp ID) to
// Cin7 Core as the stocktakes stream would: one COMPLETED stock
// adjustment of the lines with a positive unit cost, through the outbound
// ledger, so it is posted at most once in effect whichever of this call
// and the stream gets to it first (a stocktake already posted is reported
// Unchanged and costs no Cin7 Core write).
//
// Like Sync it takes the tenant's lock first, honours Config.DryRun (the
// plan entry lists the lines that would be posted, in
// [PlannedWrite.Lines]) and returns a Report, never nil, with the
// stocktakes stream's counts: Created 1 when the adjustment was posted
// (or, in a dry run, would be), Unchanged 1 when it already was, the lines
// left out in SkippedByReason and [StreamReport.SkippedLines]. A
// stocktake that cannot be posted (gone from Ramp, not validated, refused
// by Cin7 Core) is a Failure in the report, as in Sync; the error is
// non-nil only when the call could not run or a side failed as a whole.
// The stream's cursor is left alone.
func (e *Engine) SyncStocktake(ctx context.Context, rampStocktakeID string) (*Report, error) {
	rep := &Report{Tenant: e.cfg.Tenant, Started: e.cfg.Now()}
	id := strings.TrimSpace(rampStocktakeID)
	if id == "" {
		rep.Finished = rep.Started
		return rep, errors.New("sync: SyncStocktake needs a Ramp stocktake ID")
	}
	lease, err := e.cfg.Locker.Lock(ctx, e.lockKey())
	if err != nil {
		rep.Finished = e.cfg.Now()
		return rep, fmt.Errorf("sync: waiting for the tenant's lock: %w", err)
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	ctx, stop := leaseContext(ctx, lease)
	defer stop()
	// runStream does the stream's bookkeeping (observer, calls, duration,
	// the support check); the target on the context makes the stocktakes
	// flow handle this one document only.
	rep.Streams = append(rep.Streams, e.runStream(withTargetStocktake(ctx, id), StreamStocktakes))
	rep.Finished = e.cfg.Now()
	return rep, rep.Err()
}

// targetStocktakeKey carries SyncStocktake's target to the stocktakes flow.
type targetStocktakeKey struct{}

func withTargetStocktake(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, targetStocktakeKey{}, id)
}

// targetStocktake returns the stocktake SyncStocktake asked for, if any.
func targetStocktake(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(targetStocktakeKey{}).(string)
	return id, ok && id != ""
}

// syncOneStocktake is the stocktakes flow for one stocktake: the same
// ledger and per-stocktake posting as a pass, without the list read and
// without moving the cursor.
func (e *Engine) syncOneStocktake(ctx context.Context, id string, sr *StreamReport, log *slog.Logger) error {
	cin7 := e.cfg.Source.(StockAdjustmentTarget)
	rmp := e.cfg.Sink.(ValidatedStocktakeSource)
	l, err := e.loadLedger(ctx, StreamStocktakes, log)
	if err != nil {
		return err
	}
	pass := &stocktakePass{products: map[string]*cin7core.Product{}}
	sr.Read++
	_, err = e.postStocktake(ctx, cin7, rmp, l, pass, ramp.Stocktake{ID: id}, sr, log)
	e.progress(sr, 1, 1)
	return err
}

// PlannedLine is one line of a planned Cin7 Core write (the stock
// adjustment a validated stocktake becomes).
type PlannedLine struct {
	// ProductID is the Cin7 Core product; SKU its code.
	ProductID string `json:"product_id"`
	SKU       string `json:"sku,omitempty"`
	// LocationID is the Cin7 Core location or bin (the Ramp place's
	// ExternalRef).
	LocationID string `json:"location_id"`
	// Batch holds the batch or serial number, if any.
	Batch  string     `json:"batch,omitempty"`
	Expiry *time.Time `json:"expiry,omitempty"`
	// Quantity is absolute: Cin7 Core sets on hand to it.
	Quantity decimal.Decimal `json:"quantity"`
	UnitCost decimal.Decimal `json:"unit_cost"`
}

// SkippedLine is one line of a Ramp document left out of a Cin7 Core
// write, with its reason (the detail behind SkippedByReason).
type SkippedLine struct {
	// Document is the Ramp document's ID (a stocktake); Line is the
	// line's position in it, from 1.
	Document string `json:"document"`
	Line     int    `json:"line"`
	// SKU is the Ramp SKU number; SkuExternalRef the Cin7 Core product ID.
	SKU              string `json:"sku,omitempty"`
	SkuExternalRef   string `json:"sku_external_ref,omitempty"`
	PlaceExternalRef string `json:"place_external_ref,omitempty"`
	Batch            string `json:"batch,omitempty"`
	// Reason is a mapping.SkipReason; Detail the offending value, if any.
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// skippedStocktakeLine describes a stocktake line left out of its
// adjustment.
func skippedStocktakeLine(stocktakeID string, s mapping.AdjustmentSkip) SkippedLine {
	return SkippedLine{Document: stocktakeID, Line: s.Index + 1, SKU: s.SkuNumber, SkuExternalRef: s.SkuExternalRef,
		PlaceExternalRef: s.PlaceExternalRef, Batch: s.Batch, Reason: string(s.Reason), Detail: s.Detail}
}

// plannedAdjustmentLines describes an adjustment's lines for a dry run's
// plan.
func plannedAdjustmentLines(lines []cin7core.NewStockLine, products map[string]cin7core.Product) []PlannedLine {
	out := make([]PlannedLine, 0, len(lines))
	for _, l := range lines {
		pl := PlannedLine{ProductID: l.ProductID, SKU: l.SKU, LocationID: l.LocationID, Batch: l.BatchSN, Quantity: l.Quantity, UnitCost: l.UnitCost}
		if p, ok := products[cin7core.NormalizeID(l.ProductID)]; ok && pl.SKU == "" {
			pl.SKU = p.SKU
		}
		if t := l.ExpiryDate.Time; !t.IsZero() {
			t = t.UTC()
			pl.Expiry = &t
		}
		out = append(out, pl)
	}
	return out
}
