package sync

import (
	"context"
	"iter"
	"log/slog"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
)

// SaleSource is what the sales stream reads from Cin7 Core on top of
// [Source]. [Cin7Source] implements it.
type SaleSource interface {
	// SaleListPages yields saleList rows whose Updated is at or after
	// since; a zero since means all.
	SaleListPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.SaleListItem], error]
	// SaleDetail reads one sale with its order; an error matching
	// cin7core.ErrNotFound if it is gone.
	SaleDetail(ctx context.Context, id string) (*cin7core.Sale, error)
}

func (s cin7Source) SaleListPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.SaleListItem], error] {
	return s.c.Sales.List(&cin7core.SaleListOptions{UpdatedSince: since}).Pages(ctx)
}

func (s cin7Source) SaleDetail(ctx context.Context, id string) (*cin7core.Sale, error) {
	return s.c.Sales.Get(ctx, id)
}

func init() {
	registerStream(StreamSales, streamDef{run: (*Engine).syncSales, supported: func(e *Engine) bool {
		_, ok := e.cfg.Source.(SaleSource)
		return ordSupported(e, ok)
	}})
}

// syncSales turns authorised sale orders (AUTHORISED, AUTH_NO_ALLOC,
// FULFILLED, CLOSED) into Ramp outbound orders shipped from the sale's
// location. Rows come from saleList changed since the cursor (less the
// lookback); a row is gated on its OrderStatus and Status before any
// detail call, and only new or changed authorised (or voided) sales cost
// one. The row's OrderLocationID names the place, so the location list is
// read only for a sale without it.
func (e *Engine) syncSales(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	src := e.cfg.Source.(SaleSource)
	r, err := e.newOrdRun(ctx, StreamSales, "sale", sr, log)
	if err != nil {
		return err
	}
	reader := func(id, locationID string) func(ctx context.Context) (mapping.OrderMapping, mapping.OrderGate, mapping.SkipReason, error) {
		return func(ctx context.Context) (mapping.OrderMapping, mapping.OrderGate, mapping.SkipReason, error) {
			s, err := src.SaleDetail(ctx, id)
			if err != nil {
				return mapping.OrderMapping{}, 0, "", readErr(err)
			}
			if g, reason := e.cfg.Rules.SaleDetailGate(*s); g != mapping.GateSync {
				return mapping.OrderMapping{}, g, reason, nil
			}
			var locs *mapping.OrderLocations
			if locationID == "" || e.cfg.Rules.NoBinPlaces {
				if locs, err = r.locations(ctx); err != nil {
					return mapping.OrderMapping{}, 0, "", err
				}
			}
			m, reason, err := e.cfg.Rules.SaleOrder(*s, locationID, locs)
			return m, mapping.GateSync, reason, err
		}
	}
	return incremental(ctx, r, func(since time.Time) iter.Seq2[*cin7core.Page[cin7core.SaleListItem], error] {
		return src.SaleListPages(ctx, since)
	}, func(row cin7core.SaleListItem) ordRow {
		g, reason := e.cfg.Rules.SaleGate(row)
		ref := cin7core.NormalizeID(row.SaleID)
		return ordRow{
			ref: ref, stamp: row.Updated,
			doc: ordDoc{ref: ref, number: row.OrderNumber, gate: g, reason: reason, read: reader(row.SaleID, row.OrderLocationID),
				closed: e.cfg.Rules.SaleClosed(row)},
			note: func(ent *ordEntry) { ent.Location = cin7core.NormalizeID(row.OrderLocationID) },
		}
	}, func(ref string, ent *ordEntry) ordDoc {
		return ordDoc{ref: ref, number: ref, gate: mapping.GateSync, read: reader(ref, ent.Location)}
	})
}
