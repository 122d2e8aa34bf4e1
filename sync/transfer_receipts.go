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
)

// The transfer-receipts flow: a transfer order received in Ramp completes
// its Cin7 Core stock transfer (the order's ExternalRef is the transfer's
// TaskID), once.
//
// Only Received and Completed Ramp transfers are acted on: Cin7 Core
// completes a transfer as a whole, so a transfer still Receiving in Ramp
// waits. The transfer is read first (one call), and that read is the check
// before the write: a transfer already COMPLETED (by an earlier pass that
// died before noting it, or by a Cin7 Core user) is noted, never written
// again. The write is a PUT with Status COMPLETED, the transfer's own
// From / To and a CompletionDate (the day of the Ramp order's last
// change). An IN TRANSIT transfer's lines cannot change any more, so none
// are sent and a receipt that differs from them is reported as a notice;
// a transfer still in DRAFT (its order authorised) is completed with the
// lines Ramp received (product, batch or serial, expiry), so Cin7 Core
// moves what arrived. A VOIDED transfer is skipped.
//
// The ledger version is a hash of what Ramp received, so a Received order
// that is later Completed in Ramp costs no call. The sidecar state only
// keeps the retry list.

// TransferReceiptSource is what the transfer-receipts flow needs of Cin7
// Core. Cin7Source implements it.
type TransferReceiptSource interface {
	// TransferForReceipt returns a stock transfer with its lines; an error
	// matching cin7core.ErrNotFound if there is none.
	TransferForReceipt(ctx context.Context, taskID string) (*cin7core.StockTransfer, error)
	// CompleteTransferReceipt writes tr (PUT stockTransfer). It must not
	// retry after a 5xx or transport error.
	CompleteTransferReceipt(ctx context.Context, tr *cin7core.StockTransfer) (*cin7core.StockTransfer, error)
}

func (s cin7Source) TransferForReceipt(ctx context.Context, taskID string) (*cin7core.StockTransfer, error) {
	return s.c.StockTransfers.Get(ctx, taskID)
}

func (s cin7Source) CompleteTransferReceipt(ctx context.Context, tr *cin7core.StockTransfer) (*cin7core.StockTransfer, error) {
	return s.c.StockTransfers.Update(ctx, tr)
}

func init() {
	registerStream(StreamTransferReceipts, streamDef{run: (*Engine).syncTransferReceipts, supported: func(e *Engine) bool {
		_, src := e.cfg.Source.(TransferReceiptSource)
		_, snk := e.cfg.Sink.(ReceiptSink)
		return src && snk
	}})
}

func (e *Engine) syncTransferReceipts(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	l, err := e.loadLedger(ctx, StreamTransferReceipts, log)
	if err != nil {
		return err
	}
	// The sidecar holds only retries here: losing it costs nothing.
	st, err := e.rcptLoad(ctx, StreamTransferReceipts, l, false, log)
	if err != nil {
		return err
	}
	src := e.cfg.Source.(TransferReceiptSource)
	states := []ramp.OrderState{ramp.OrderReceived, ramp.OrderCompleted}
	return e.rcptWalk(ctx, sr, StreamTransferReceipts, l, st, ramp.OrderTransfer, states, log, func(ctx context.Context, o ramp.Order) error {
		return e.transferReceipt(ctx, sr, src, l, st, o, log)
	})
}

// transferReceipt handles one Ramp transfer order.
func (e *Engine) transferReceipt(ctx context.Context, sr *StreamReport, src TransferReceiptSource, l *ledgerState, st *rcptState, o ramp.Order, log *slog.Logger) error {
	sr.Read++
	tid := cin7core.NormalizeID(o.ExternalRef)
	skip := func(reason mapping.SkipReason, retry bool) error {
		sr.skip(idOr(tid, o.ID), string(reason))
		if retry {
			st.Retry[o.ID] = string(reason)
		} else {
			delete(st.Retry, o.ID)
		}
		return nil
	}
	fail := func(stage string, err error) error {
		log.Warn("transfer not completed", slog.String("order", o.ID), slog.String("transfer", tid), slog.String("reason", err.Error()))
		sr.fail(Failure{ID: idOr(tid, o.ID), Name: o.CustomerOrderNumber, Stage: stage, Reason: err.Error()})
		st.Retry[o.ID] = err.Error()
		return nil
	}
	if tid == "" {
		return skip(mapping.SkipReceiptNoDocument, false)
	}
	rc, err := e.cfg.Rules.ReceivedUnits(o)
	if err != nil {
		return fail("mapping", err)
	}
	if rc.Empty() {
		return skip(mapping.SkipReceiptNothing, false)
	}
	version := rc.Version()
	if ent, ok := l.Entries[o.ID]; ok && ent.State == ledgerPosted && ent.DocVersion == version {
		sr.Unchanged++
		delete(st.Retry, o.ID)
		return nil
	}
	tr, err := src.TransferForReceipt(ctx, tid)
	switch {
	case errors.Is(err, cin7core.ErrNotFound):
		return skip(mapping.SkipReceiptDocumentGone, false)
	case err != nil:
		return err
	}
	if tr.Status == cin7core.TransferVoided {
		return skip(mapping.SkipReceiptVoided, false)
	}
	done := o.DateLastModified
	if done.IsZero() {
		done = e.cfg.Now()
	}
	upd := cin7core.StockTransfer{TaskID: tr.TaskID, Status: cin7core.TransferCompleted,
		From: tr.From, To: tr.To, CompletionDate: cin7core.Time{Time: done.UTC().Truncate(24 * time.Hour)}}
	if upd.From == "" {
		upd.FromLocation = tr.FromLocation
	}
	if upd.To == "" {
		upd.ToLocation = tr.ToLocation
	}
	var diffs []mapping.TransferDifference
	if tr.Status == cin7core.TransferDraft {
		upd.Lines = e.cfg.Rules.TransferLines(rc)
	} else {
		diffs = mapping.TransferDifferences(rc, tr.Lines)
	}
	check := func(context.Context) (bool, string, error) {
		if tr.Status == cin7core.TransferCompleted {
			return true, cin7core.NormalizeID(tr.TaskID), nil
		}
		return false, "", nil
	}
	post := func(ctx context.Context) (string, error) {
		if _, err := src.CompleteTransferReceipt(ctx, &upd); err != nil {
			return "", err
		}
		return cin7core.NormalizeID(tr.TaskID), nil
	}
	out, _, err := e.postOnce(ctx, StreamTransferReceipts, l, o.ID, version, check, post)
	switch {
	case out != 0:
		delete(st.Retry, o.ID)
		if out == posted {
			sr.Updated++
			if e.cfg.DryRun {
				sr.Plan = append(sr.Plan, PlannedWrite{Action: "update", Kind: "transfer-completion", ExternalRef: tid,
					Name: fmt.Sprintf("%s: complete %s (%s)", o.CustomerOrderNumber, tr.Number, tr.Status)})
			} else {
				log.Info("stock transfer completed", slog.String("order", o.ID), slog.String("transfer", tid))
			}
			if len(diffs) > 0 {
				sr.notice(Notice{ID: tid, RampID: o.ID, Kind: "receipt-differs", Message: transferDescribe(tr.Number, diffs)})
			}
		} else {
			sr.Unchanged++
		}
		return err
	case errors.Is(err, cin7core.ErrValidation) && !cin7core.MayHaveReachedServer(err):
		return fail("cin7", err)
	default:
		// 5xx, transport, throttling: the intent stays; the next pass
		// reads the transfer and sees whether it is COMPLETED.
		return err
	}
}

func transferDescribe(number string, diffs []mapping.TransferDifference) string {
	parts := make([]string, 0, len(diffs))
	for _, d := range diffs {
		parts = append(parts, fmt.Sprintf("product %s: Ramp received %s, the transfer moves %s", d.ProductID, d.Received, d.InCin7))
	}
	return "transfer " + number + " was completed as Cin7 Core holds it (lines cannot change once IN TRANSIT); " + strings.Join(parts, "; ")
}
