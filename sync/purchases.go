package sync

import (
	"context"
	"iter"
	"log/slog"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
)

// PurchaseSource is what the purchases stream reads from Cin7 Core on top
// of [Source]. [Cin7Source] implements it.
type PurchaseSource interface {
	// PurchaseListPages yields purchaseList rows (simple and advanced)
	// whose LastUpdatedDate is at or after since; a zero since means all.
	PurchaseListPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.PurchaseListItem], error]
	// PurchaseDetail reads a simple purchase, AdvancedPurchaseDetail an
	// advanced one; an error matching cin7core.ErrNotFound if it is gone.
	PurchaseDetail(ctx context.Context, id string) (*cin7core.Purchase, error)
	AdvancedPurchaseDetail(ctx context.Context, id string) (*cin7core.AdvancedPurchase, error)
}

func (s cin7Source) PurchaseListPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.PurchaseListItem], error] {
	return s.c.Purchases.List(&cin7core.PurchaseListOptions{UpdatedSince: since}).Pages(ctx)
}

func (s cin7Source) PurchaseDetail(ctx context.Context, id string) (*cin7core.Purchase, error) {
	return s.c.Purchases.Get(ctx, id)
}

func (s cin7Source) AdvancedPurchaseDetail(ctx context.Context, id string) (*cin7core.AdvancedPurchase, error) {
	return s.c.Purchases.GetAdvanced(ctx, id)
}

func init() {
	registerStream(StreamPurchases, streamDef{run: (*Engine).syncPurchases, supported: func(e *Engine) bool {
		_, ok := e.cfg.Source.(PurchaseSource)
		return ordSupported(e, ok)
	}})
}

// syncPurchases turns authorised purchase orders into Ramp inbound orders
// received at the purchase's location. Rows come from purchaseList
// changed since the cursor (less the lookback); a row is gated on its
// OrderStatus and Status before any detail call, and only new or changed
// authorised (or voided) purchases cost one: purchase or
// advanced-purchase, as the row's Type says.
func (e *Engine) syncPurchases(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	src := e.cfg.Source.(PurchaseSource)
	r, err := e.newOrdRun(ctx, StreamPurchases, "purchase", sr, log)
	if err != nil {
		return err
	}
	reader := func(id string, advanced bool) func(ctx context.Context) (mapping.OrderMapping, mapping.OrderGate, mapping.SkipReason, error) {
		return func(ctx context.Context) (mapping.OrderMapping, mapping.OrderGate, mapping.SkipReason, error) {
			var h cin7core.PurchaseHeader
			if advanced {
				p, err := src.AdvancedPurchaseDetail(ctx, id)
				if err != nil {
					return mapping.OrderMapping{}, 0, "", readErr(err)
				}
				h = p.PurchaseHeader
			} else {
				p, err := src.PurchaseDetail(ctx, id)
				if err != nil {
					return mapping.OrderMapping{}, 0, "", readErr(err)
				}
				h = p.PurchaseHeader
			}
			if g, reason := e.cfg.Rules.PurchaseDetailGate(h); g != mapping.GateSync {
				return mapping.OrderMapping{}, g, reason, nil
			}
			locs, err := r.locations(ctx) // purchases name their location
			if err != nil {
				return mapping.OrderMapping{}, 0, "", err
			}
			m, reason, err := e.cfg.Rules.PurchaseOrder(h, locs)
			return m, mapping.GateSync, reason, err
		}
	}
	return incremental(ctx, r, func(since time.Time) iter.Seq2[*cin7core.Page[cin7core.PurchaseListItem], error] {
		return src.PurchaseListPages(ctx, since)
	}, func(row cin7core.PurchaseListItem) ordRow {
		g, reason := e.cfg.Rules.PurchaseGate(row)
		return ordRow{
			ref: cin7core.NormalizeID(row.ID), stamp: row.LastUpdatedDate,
			doc: ordDoc{ref: cin7core.NormalizeID(row.ID), number: row.OrderNumber, gate: g, reason: reason, read: reader(row.ID, row.IsAdvanced()),
				closed: e.cfg.Rules.PurchaseClosed(row)},
			note: func(ent *ordEntry) { ent.Advanced = row.IsAdvanced() },
		}
	}, func(ref string, ent *ordEntry) ordDoc {
		return ordDoc{ref: ref, number: ref, gate: mapping.GateSync, read: reader(ref, ent.Advanced)}
	})
}
