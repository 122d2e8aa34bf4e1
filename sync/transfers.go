package sync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
)

// TransferSource is what the transfers stream reads from Cin7 Core on top
// of [Source]. [Cin7Source] implements it.
type TransferSource interface {
	// TransferListPages yields the whole stockTransferList (it has no
	// change filter).
	TransferListPages(ctx context.Context) iter.Seq2[*cin7core.Page[cin7core.StockTransferSummary], error]
	// TransferDetail reads one transfer with its lines and order; an error
	// matching cin7core.ErrNotFound if it is gone.
	TransferDetail(ctx context.Context, taskID string) (*cin7core.StockTransfer, error)
	// TransferOrderDetail reads a transfer's order sub-document.
	TransferOrderDetail(ctx context.Context, taskID string) (*cin7core.StockTransferOrder, error)
}

func (s cin7Source) TransferListPages(ctx context.Context) iter.Seq2[*cin7core.Page[cin7core.StockTransferSummary], error] {
	return s.c.StockTransfers.List(nil).Pages(ctx)
}

func (s cin7Source) TransferDetail(ctx context.Context, taskID string) (*cin7core.StockTransfer, error) {
	return s.c.StockTransfers.Get(ctx, taskID)
}

func (s cin7Source) TransferOrderDetail(ctx context.Context, taskID string) (*cin7core.StockTransferOrder, error) {
	return s.c.StockTransfers.GetOrder(ctx, taskID)
}

func init() {
	registerStream(StreamTransfers, streamDef{run: (*Engine).syncTransfers, supported: func(e *Engine) bool {
		_, ok := e.cfg.Source.(TransferSource)
		return ordSupported(e, ok)
	}})
}

// syncTransfers turns authorised stock transfers (IN TRANSIT, COMPLETED,
// or DRAFT with an AUTHORISED order) into Ramp transfer orders. The list
// has no change filter, so it is re-read whole and each row compared with
// the hash of the row last handled: only a new or changed row that may
// sync costs a detail call. The list row does not show a DRAFT transfer's
// order, so a new or changed DRAFT is read once; a DRAFT whose order is a
// draft too is then re-checked each pass through stockTransfer/order
// (its authorisation changes nothing in the row).
func (e *Engine) syncTransfers(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	src := e.cfg.Source.(TransferSource)
	r, err := e.newOrdRun(ctx, StreamTransfers, "transfer", sr, log)
	if err != nil {
		return err
	}
	synced, err := r.productSkus(ctx)
	if err != nil {
		return err
	}
	mapTransfer := func(ctx context.Context, tr cin7core.StockTransfer, ent *ordEntry) (mapping.OrderMapping, mapping.OrderGate, mapping.SkipReason, error) {
		g, reason := e.cfg.Rules.TransferGate(tr)
		ent.OrderDraft = g == mapping.GateSkip && tr.Order != nil && strings.EqualFold(strings.TrimSpace(string(tr.Order.Status)), string(cin7core.TransferOrderDraft))
		if g != mapping.GateSync {
			return mapping.OrderMapping{}, g, reason, nil
		}
		var locs *mapping.OrderLocations
		if tr.From == "" || tr.To == "" || e.cfg.Rules.NoBinPlaces {
			var err error
			if locs, err = r.locations(ctx); err != nil {
				return mapping.OrderMapping{}, 0, "", err
			}
		}
		m, reason, err := e.cfg.Rules.TransferOrder(tr, locs)
		return m, mapping.GateSync, reason, err
	}
	detail := func(taskID string, ent *ordEntry) func(ctx context.Context) (mapping.OrderMapping, mapping.OrderGate, mapping.SkipReason, error) {
		return func(ctx context.Context) (mapping.OrderMapping, mapping.OrderGate, mapping.SkipReason, error) {
			tr, err := src.TransferDetail(ctx, taskID)
			if err != nil {
				return mapping.OrderMapping{}, 0, "", readErr(err)
			}
			return mapTransfer(ctx, *tr, ent)
		}
	}

	seen := map[string]bool{}
	var read completeness
	complete := true
	for page, err := range src.TransferListPages(ctx) {
		if err != nil {
			return r.stop(ctx, err)
		}
		for _, row := range page.Items {
			if err := ctx.Err(); err != nil {
				return r.stop(ctx, err)
			}
			ref := cin7core.NormalizeID(row.TaskID)
			read.add(ref, page.Total, page.HasTotal)
			if ref == "" {
				sr.Read++
				sr.fail(Failure{Name: row.Number, Stage: "read", Reason: "transfer has no TaskID"})
				continue
			}
			if seen[ref] {
				continue
			}
			seen[ref] = true
			sr.Read++
			ent := r.entry(ref)
			ver := hashOf(row)
			g, reason := e.cfg.Rules.TransferRowGate(row)
			d := ordDoc{ref: ref, number: row.Number, gate: g, reason: reason, read: detail(row.TaskID, ent), closed: e.cfg.Rules.TransferClosed(row)}
			if ent.Seen == ver && !r.needsRetry(ent, synced) {
				if !(ent.OrderDraft && g == mapping.GateCheckOrder) {
					sr.Unchanged++
					continue
				}
				// A draft in the order workflow: has its order been
				// authorised since?
				o, err := src.TransferOrderDetail(ctx, row.TaskID)
				var rerr *ordReadError
				switch err := readErr(err); {
				case errors.As(err, &rerr):
					sr.fail(Failure{ID: ref, Name: row.Number, Stage: "read", Reason: err.Error()})
					continue
				case err != nil:
					return r.stop(ctx, err)
				}
				if !strings.EqualFold(strings.TrimSpace(string(o.Status)), string(cin7core.TransferOrderAuthorised)) {
					sr.Unchanged++
					continue
				}
				tr := cin7core.StockTransfer{TaskID: row.TaskID, Status: row.Status, From: row.From, FromLocation: row.FromLocation,
					To: row.To, ToLocation: row.ToLocation, Number: row.Number, RequiredByDate: row.RequiredByDate, Reference: row.Reference, Order: o}
				d.gate = mapping.GateSync
				d.read = func(ctx context.Context) (mapping.OrderMapping, mapping.OrderGate, mapping.SkipReason, error) {
					return mapTransfer(ctx, tr, ent)
				}
			}
			if err := r.process(ctx, d, ent); err != nil {
				return r.stop(ctx, err)
			}
			ent.Seen = ver
		}
		for _, bad := range page.Invalid {
			id := cin7core.NormalizeID(bad.ID)
			read.add(id, page.Total, page.HasTotal)
			sr.Read++
			if id != "" {
				seen[id] = true
				r.entry(id).Quarantine = bad.Err.Error()
			}
			sr.fail(Failure{ID: id, Stage: "read", Reason: bad.Error()})
			complete = false
		}
		if err := r.save(ctx); err != nil {
			return err
		}
		e.progress(sr, sr.Read, page.Total)
	}
	if n := read.missing(); n > 0 {
		sr.warn(fmt.Sprintf("%d transfers changed position while being read; the next pass reads them again", n))
		complete = false
	}
	if complete {
		// A full read: transfers no longer listed are gone.
		for ref := range r.st.Docs {
			if !seen[ref] {
				delete(r.st.Docs, ref)
			}
		}
	}
	return r.save(ctx)
}
