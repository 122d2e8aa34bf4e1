package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// The purchase-receipts flow: an inbound order received in Ramp becomes
// stock received on its Cin7 Core purchase (the order's ExternalRef).
//
// Finding work: Ramp inbound orders in Receiving, Received or Completed
// modified since the ledger's cursor (less the lookback), plus the orders
// a previous pass could not finish (kept in a retry list, since an order
// that does not change in Ramp is not listed again).
//
// What is posted: the delta between what Ramp has received (summed per
// product, batch, serial and expiry) and what this flow has already
// posted for the order. Those posted totals, and the delta in flight, are
// kept in a sidecar state beside the ledger (key "<stream>.orders"),
// because the ledger holds only one version per document. Saves go in this
// order: sidecar (pending delta + the receiving tasks Cin7 Core already
// had), ledger intent, post, ledger "posted", sidecar (totals += delta).
// A pending delta left by a crash is always resolved by looking at Cin7
// Core before anything new is computed, so whichever save was lost, a
// delta is counted once and posted once. Losing the sidecar while the
// ledger remains is an error, like an unreadable ledger. An order with no
// record at all (first seen, or both lost: a new state store, a second
// engine with its own state) starts from what the purchase already holds
// in Cin7 Core for Ramp's received units (purchAdopt), so a receipt posted
// before the loss is not posted again.
//
// Simple or advanced: the purchase is read with advanced-purchase, whose
// Type says which it is (a simple purchase refused there is read with
// purchase). An advanced purchase gets one new, authorised receiving task
// per delta (advanced-purchase/stock POST without TaskID), so partial
// receipts flow as they happen. A simple purchase has one receipt, in
// which Cin7 Core refuses a second line for the same product, location,
// batch and expiry; it is therefore posted (purchase/stock POST,
// AUTHORISED) once the Ramp order is Received or Completed, in one go.
//
// The check before every write uses the purchase read made for this
// record just before the write (one call, not two): for an advanced
// purchase, a receiving task that was not there when the delta was
// recorded and holds exactly the delta's lines is the earlier post; for a
// simple purchase, each delta line's product + location + batch + expiry
// must hold either what was posted before (not posted yet) or that plus the
// delta (posted). Anything else — a line Cin7 Core holds that this flow
// did not post — would be refused as a duplicate line or would double the
// stock, so the order is reported as failed and retried, never forced.

// ReceiptSink is what the receipt flows read from Ramp: orders users
// received. RampSink implements it.
type ReceiptSink interface {
	// ReceiptOrderPages yields orders of type typ in any of states,
	// modified at or after since (zero: all), page by page with the
	// server's count.
	ReceiptOrderPages(ctx context.Context, typ ramp.OrderType, states []ramp.OrderState, since time.Time) iter.Seq2[*ramp.Page[ramp.Order], error]
	// ReceiptOrder reads one order by Ramp ID; ramp.ErrNotFound if gone.
	ReceiptOrder(ctx context.Context, id string) (*ramp.Order, error)
}

// PurchaseReceiptSource is what the purchase-receipts flow needs of Cin7
// Core. Cin7Source implements it.
type PurchaseReceiptSource interface {
	// PurchaseForReceipt returns a purchase, simple or advanced, in the
	// advanced shape (Type tells which; StockReceived lists its receiving
	// tasks with their lines); an error matching cin7core.ErrNotFound if
	// there is none.
	PurchaseForReceipt(ctx context.Context, purchaseID string) (*cin7core.AdvancedPurchase, error)
	// PostPurchaseReceipt posts authorised stock received lines: into the
	// one receipt of a simple purchase, or as a new receiving task of an
	// advanced one. It returns the IDs of the purchase's receiving tasks
	// afterwards. It must not retry after a 5xx or transport error.
	PostPurchaseReceipt(ctx context.Context, purchaseID string, advanced bool, lines []cin7core.PurchaseStockLine) (taskIDs []string, err error)
}

func (s cin7Source) PurchaseForReceipt(ctx context.Context, id string) (*cin7core.AdvancedPurchase, error) {
	p, err := s.c.Purchases.GetAdvanced(ctx, id)
	if !errors.Is(err, cin7core.ErrValidation) {
		return p, err
	}
	// Cin7 Core may refuse advanced-purchase for a simple purchase: read
	// it as one and lift it into the advanced shape.
	sp, err := s.c.Purchases.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	a := &cin7core.AdvancedPurchase{PurchaseHeader: sp.PurchaseHeader}
	a.Type = cin7core.PurchaseTypeSimple
	if sp.StockReceived != nil {
		st := *sp.StockReceived
		if st.TaskID == "" {
			st.TaskID = sp.ID
		}
		a.StockReceived = []cin7core.PurchaseStock{st}
	}
	if sp.Invoice != nil {
		a.Invoice = []cin7core.PurchaseInvoice{*sp.Invoice}
	}
	return a, nil
}

func (s cin7Source) PostPurchaseReceipt(ctx context.Context, id string, advanced bool, lines []cin7core.PurchaseStockLine) ([]string, error) {
	if !advanced {
		st, err := s.c.Purchases.PostStock(ctx, &cin7core.PurchaseStock{TaskID: id, Status: cin7core.PurchaseTaskAuthorised, Lines: lines})
		if err != nil {
			return nil, err
		}
		return []string{idOr(st.TaskID, id)}, nil
	}
	list, err := s.c.Purchases.PostAdvancedStock(ctx, &cin7core.AdvancedPurchaseStock{PurchaseID: id, Status: cin7core.PurchaseTaskAuthorised, Lines: lines})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(list.StockReceiving))
	for _, t := range list.StockReceiving {
		ids = append(ids, t.TaskID)
	}
	return ids, nil
}

func (s rampSink) ReceiptOrderPages(ctx context.Context, typ ramp.OrderType, states []ramp.OrderState, since time.Time) iter.Seq2[*ramp.Page[ramp.Order], error] {
	q := ramp.OrderQuery{Type: typ, States: states, ModifiedSince: since}
	return s.c.Orders.List(&ramp.ListOptions{Filter: q.Filter()}).Pages(ctx)
}

func (s rampSink) ReceiptOrder(ctx context.Context, id string) (*ramp.Order, error) {
	return s.c.Orders.Get(ctx, id)
}

func init() {
	registerStream(StreamPurchaseReceipts, streamDef{run: (*Engine).syncPurchaseReceipts, supported: func(e *Engine) bool {
		_, src := e.cfg.Source.(PurchaseReceiptSource)
		_, snk := e.cfg.Sink.(ReceiptSink)
		return src && snk
	}})
}

// rcptState is what a receipt flow keeps beside its ledger.
type rcptState struct {
	Version int `json:"version"`
	// Orders holds, per Ramp order ID, what was posted (purchase receipts).
	Orders map[string]*rcptOrder `json:"orders,omitempty"`
	// Retry lists Ramp orders to read again next pass (by ID, with the
	// reason): they failed or wait for Cin7 Core, and may not change in
	// Ramp to be listed again.
	Retry map[string]string `json:"retry,omitempty"`
}

// rcptOrder is the posting record of one Ramp order.
type rcptOrder struct {
	// Kind is the purchase's kind once known ("simple" or "advanced"; ""
	// until read).
	Kind string `json:"kind,omitempty"`
	// Posted is what has been posted to Cin7 Core, confirmed.
	Posted mapping.Receipt `json:"posted,omitempty"`
	// Pending is a delta whose post may or may not have reached Cin7 Core.
	Pending *rcptPending `json:"pending,omitempty"`
}

// rcptPending is a delta recorded before it is posted.
type rcptPending struct {
	// Version is the ledger version (the Ramp receipt's hash) it is for.
	Version    string          `json:"v"`
	LocationID string          `json:"loc"`
	Lines      mapping.Receipt `json:"lines"`
	// Known are the receiving tasks the purchase had before the post: a
	// task not among them holding the delta is the post.
	Known []string `json:"known,omitempty"`
}

const (
	purchKindSimple   = "simple"
	purchKindAdvanced = "advanced"
)

func (s *rcptState) reset() { *s = rcptState{Version: 1} }

// rcptKey is where a flow keeps its sidecar state.
func rcptKey(s Stream) Stream { return s + ".orders" }

// rcptLoad reads a flow's sidecar state. With strict, an unreadable one,
// or none while the ledger has entries, is an error: forgetting what was
// posted could post it again.
func (e *Engine) rcptLoad(ctx context.Context, s Stream, l *ledgerState, strict bool, log *slog.Logger) (*rcptState, error) {
	st := &rcptState{Version: 1}
	b, err := e.cfg.State.Load(ctx, e.stateKey(rcptKey(s)))
	switch {
	case errors.Is(err, ErrNoState):
		if strict && len(l.Entries) > 0 {
			return nil, fmt.Errorf("sync: the posted totals of %s are missing while its ledger has entries; restore them or remove the ledger knowingly", s)
		}
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(b, st); err != nil {
			if strict {
				return nil, fmt.Errorf("sync: the posted totals of %s are unreadable; restore them or remove them and the ledger knowingly: %w", s, err)
			}
			log.Warn("stored state is unreadable; starting it from scratch", "error", err.Error())
			st.reset()
		}
	}
	if st.Orders == nil {
		st.Orders = map[string]*rcptOrder{}
	}
	if st.Retry == nil {
		st.Retry = map[string]string{}
	}
	return st, nil
}

// rcptConflict is a Cin7 Core state the flow will not write over: a
// record-level failure.
type rcptConflict struct{ msg string }

func (c *rcptConflict) Error() string { return c.msg }

// rcptWalk lists the orders to act on (changed since the cursor, then the
// retry list) and hands each to handle, saving the sidecar after each and
// the cursor at the end when the read was complete. handle returns an
// error only to stop the stream.
func (e *Engine) rcptWalk(ctx context.Context, sr *StreamReport, s Stream, l *ledgerState, st *rcptState,
	typ ramp.OrderType, states []ramp.OrderState, log *slog.Logger, handle func(ctx context.Context, o ramp.Order) error) error {
	sink := e.cfg.Sink.(ReceiptSink)
	start := e.cfg.Now().UTC()
	var since time.Time
	if !l.Cursor.IsZero() {
		since = l.Cursor.Add(-e.cfg.Lookback)
	}
	one := func(o ramp.Order) error {
		rctx, cancel := e.recordCtx(ctx)
		defer cancel()
		before, _ := json.Marshal(st)
		err := handle(rctx, o)
		// Most listed orders are unchanged: save only what changed.
		if after, _ := json.Marshal(st); !bytes.Equal(before, after) {
			if serr := e.save(rctx, rcptKey(s), st); serr != nil {
				return errors.Join(err, serr)
			}
		}
		return err
	}
	var read completeness
	seen := map[string]bool{}
	high := l.Cursor
	done := 0
	for page, err := range sink.ReceiptOrderPages(ctx, typ, states, since) {
		if err != nil {
			return err
		}
		for _, o := range page.Items {
			if err := ctx.Err(); err != nil {
				return err
			}
			read.add(o.ID, page.Count, page.HasCount)
			if seen[o.ID] {
				continue
			}
			seen[o.ID] = true
			if err := one(o); err != nil {
				return err
			}
			if o.DateLastModified.After(high) {
				high = o.DateLastModified
			}
		}
		done += len(page.Items)
		e.progress(sr, done, page.Count)
	}
	for _, id := range sortedKeys(st.Retry) {
		if seen[id] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		o, err := sink.ReceiptOrder(ctx, id)
		if errors.Is(err, ramp.ErrNotFound) {
			delete(st.Retry, id)
			continue
		} else if err != nil {
			return err
		}
		if o.OrderType != typ {
			delete(st.Retry, id)
			continue
		}
		if err := one(*o); err != nil {
			return err
		}
	}
	if n := read.missing(); n > 0 {
		sr.warn(fmt.Sprintf("%d orders changed position while being read; the next pass reads them again", n))
		return nil
	}
	if high.After(start) {
		high = start
	}
	if high.After(l.Cursor) {
		l.Cursor = high
		return e.save(ctx, s, l)
	}
	return nil
}

func (e *Engine) syncPurchaseReceipts(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	l, err := e.loadLedger(ctx, StreamPurchaseReceipts, log)
	if err != nil {
		return err
	}
	st, err := e.rcptLoad(ctx, StreamPurchaseReceipts, l, true, log)
	if err != nil {
		return err
	}
	src := e.cfg.Source.(PurchaseReceiptSource)
	states := []ramp.OrderState{ramp.OrderReceiving, ramp.OrderReceived, ramp.OrderCompleted}
	return e.rcptWalk(ctx, sr, StreamPurchaseReceipts, l, st, ramp.OrderInbound, states, log, func(ctx context.Context, o ramp.Order) error {
		return e.purchReceipt(ctx, sr, src, l, st, o, log)
	})
}

// purchReceipt handles one Ramp inbound order.
func (e *Engine) purchReceipt(ctx context.Context, sr *StreamReport, src PurchaseReceiptSource, l *ledgerState, st *rcptState, o ramp.Order, log *slog.Logger) error {
	sr.Read++
	pid := cin7core.NormalizeID(o.ExternalRef)
	skip := func(reason mapping.SkipReason, retry bool) error {
		sr.skip(idOr(pid, o.ID), string(reason))
		if retry {
			st.Retry[o.ID] = string(reason)
		} else {
			delete(st.Retry, o.ID)
		}
		return nil
	}
	fail := func(stage string, err error) error {
		log.Warn("receipt not posted", slog.String("order", o.ID), slog.String("purchase", pid), slog.String("reason", err.Error()))
		sr.fail(Failure{ID: idOr(pid, o.ID), Name: o.CustomerOrderNumber, Stage: stage, Reason: err.Error()})
		st.Retry[o.ID] = err.Error()
		return nil
	}
	if pid == "" {
		return skip(mapping.SkipReceiptNoDocument, false)
	}
	rc, err := e.cfg.Rules.ReceivedUnits(o)
	if err != nil {
		return fail("mapping", err)
	}
	if rc.Empty() {
		return skip(mapping.SkipReceiptNothing, false)
	}
	ord := st.Orders[o.ID]
	// fresh: no record of what this flow posted for the order, because it
	// never posted any or because the record was lost (see purchAdopt).
	fresh := ord == nil
	if fresh {
		ord = &rcptOrder{} // stored once the purchase has been read
	}
	version := rc.Version()
	if ent, ok := l.Entries[o.ID]; ok && ent.State == ledgerPosted && ent.DocVersion == version && ord.Pending == nil {
		sr.Unchanged++
		delete(st.Retry, o.ID)
		purchPrune(st, o)
		return nil
	}
	if ord.Kind == purchKindSimple && o.State == ramp.OrderReceiving && ord.Pending == nil {
		return skip(mapping.SkipReceiptSimpleWaits, false)
	}
	loc := cin7core.NormalizeID(o.ToPlaceExternalRef)
	if loc == "" {
		return skip(mapping.SkipReceiptNoPlace, false)
	}
	p, err := src.PurchaseForReceipt(ctx, pid)
	switch {
	case errors.Is(err, cin7core.ErrNotFound):
		return skip(mapping.SkipReceiptDocumentGone, false)
	case err != nil:
		return err
	}
	st.Orders[o.ID] = ord
	ord.Kind = purchKindSimple
	if p.Type.IsAdvanced() {
		ord.Kind = purchKindAdvanced
	}
	if fresh {
		purchAdopt(e.cfg.Rules, sr, p, ord, rc, loc, pid, o, log)
	}
	// A delta from an earlier pass whose outcome is unknown is settled by
	// looking first, so it can neither be lost nor posted again.
	if pend := ord.Pending; pend != nil {
		found, ref, err := purchFindPost(e.cfg.Rules, p, ord.Posted, *pend)
		if err != nil {
			return fail("cin7", err)
		}
		if found {
			ord.Posted = ord.Posted.Add(pend.Lines)
			log.Info("found an earlier pass's receipt in Cin7 Core", slog.String("order", o.ID), slog.String("task", ref))
			if ent := l.Entries[o.ID]; ent.DocVersion == pend.Version && ent.State == ledgerPosting {
				l.Entries[o.ID] = ledgerEntry{DocVersion: pend.Version, State: ledgerPosted, Cin7Ref: ref, At: e.cfg.Now().UTC()}
			}
		}
		ord.Pending = nil
		if err := e.save(ctx, rcptKey(StreamPurchaseReceipts), st); err != nil {
			return err
		}
	}
	delta, excess := mapping.ReceiptDelta(rc, ord.Posted)
	if !excess.Empty() && !fresh {
		sr.notice(Notice{ID: pid, RampID: o.ID, Kind: "receipt-reduced",
			Message: fmt.Sprintf("Ramp now shows %s fewer units received than were posted to Cin7 Core; stock received is not taken back", excess.Total())})
	}
	if delta.Empty() {
		// Everything Ramp shows is in Cin7 Core: note this version.
		prev := l.Entries[o.ID]
		l.Entries[o.ID] = ledgerEntry{DocVersion: version, State: ledgerPosted, Cin7Ref: prev.Cin7Ref, At: e.cfg.Now().UTC()}
		if err := e.save(ctx, StreamPurchaseReceipts, l); err != nil {
			return err
		}
		sr.Unchanged++
		delete(st.Retry, o.ID)
		purchPrune(st, o)
		return nil
	}
	if !p.Order.Status.IsAuthorised() {
		return skip(mapping.SkipReceiptNotAuthorised, true)
	}
	if p.Approach.IsInvoiceFirst() && !purchInvoiceAuthorised(p) {
		return skip(mapping.SkipReceiptInvoiceFirst, true)
	}
	if ord.Kind == purchKindSimple && o.State == ramp.OrderReceiving {
		return skip(mapping.SkipReceiptSimpleWaits, false)
	}
	pend := &rcptPending{Version: version, LocationID: loc, Lines: delta}
	for _, t := range p.StockReceived {
		pend.Known = append(pend.Known, cin7core.NormalizeID(t.TaskID))
	}
	ord.Pending = pend
	if err := e.save(ctx, rcptKey(StreamPurchaseReceipts), st); err != nil {
		return err
	}
	if ent, ok := l.Entries[o.ID]; ok && ent.DocVersion == version && ent.State == ledgerPosted {
		// Noted as posted, yet Cin7 Core lacks part of it (the pending
		// delta was not found): let postOnce record a fresh intent, look
		// and post.
		delete(l.Entries, o.ID)
	}
	lines := e.cfg.Rules.PurchaseStockLines(delta, loc, o.DateLastModified)
	advanced := ord.Kind == purchKindAdvanced
	check := func(context.Context) (bool, string, error) {
		return purchFindPost(e.cfg.Rules, p, ord.Posted, *pend)
	}
	post := func(ctx context.Context) (string, error) {
		ids, err := src.PostPurchaseReceipt(ctx, pid, advanced, lines)
		if err != nil {
			return "", err
		}
		for _, id := range ids {
			if !slices.Contains(pend.Known, cin7core.NormalizeID(id)) || !advanced {
				return cin7core.NormalizeID(id), nil
			}
		}
		return "", nil
	}
	out, ref, err := e.postOnce(ctx, StreamPurchaseReceipts, l, o.ID, version, check, post)
	var conflict *rcptConflict
	switch {
	case out != 0:
		// Posted or found (err: the ledger could not be saved; the next
		// pass's check settles it).
		ord.Posted = ord.Posted.Add(delta)
		ord.Pending = nil
		delete(st.Retry, o.ID)
		if out == posted {
			sr.Created++
			if e.cfg.DryRun {
				sr.Plan = append(sr.Plan, PlannedWrite{Action: "post", Kind: "purchase-receipt", ExternalRef: pid,
					Name: fmt.Sprintf("%s: %s units in %d lines (%s purchase)", o.CustomerOrderNumber, delta.Total(), len(lines), ord.Kind)})
			} else {
				log.Info("stock received posted", slog.String("order", o.ID), slog.String("purchase", pid), slog.String("task", ref),
					slog.String("units", delta.Total().String()))
			}
		} else {
			sr.Unchanged++
		}
		if err == nil {
			purchPrune(st, o)
		}
		return err
	case errors.As(err, &conflict):
		return fail("cin7", err)
	case errors.Is(err, cin7core.ErrValidation) && !cin7core.MayHaveReachedServer(err):
		// Refused as a whole (Cin7 Core applies nothing of a refused
		// request); the intent stays and the next pass looks again.
		return fail("cin7", err)
	default:
		// 5xx, transport, throttling: the post may have happened. The
		// intent and the pending delta stay for the next pass to settle.
		return err
	}
}

// purchAdopt starts the record of an order the flow has no record of
// (ord is new): what Cin7 Core already holds on the purchase for the
// units Ramp received — same product, location, batch/serial and expiry,
// in any receiving task — is taken as posted, so only the rest is posted.
//
// This is what makes a lost sidecar safe even when the ledger was lost
// with it (a new state store, a second engine with its own state): the
// pending-delta check only knows the tasks that appeared after its own
// intent, so without this an earlier pass's task, already on the
// purchase, would be posted a second time. The price is that units
// received in Cin7 Core by hand for the same keys before Ramp's receipt
// was first posted count as Ramp's; that is reported, never doubled.
func purchAdopt(rules mapping.Rules, sr *StreamReport, p *cin7core.AdvancedPurchase, ord *rcptOrder, rc mapping.Receipt, loc, pid string,
	o ramp.Order, log *slog.Logger) {
	var lines []cin7core.PurchaseStockLine
	for _, t := range p.StockReceived {
		lines = append(lines, t.Lines...)
	}
	held := rules.ReceiptHeld(rc, loc, lines)
	if held.Empty() {
		return
	}
	ord.Posted = held
	delta, excess := mapping.ReceiptDelta(rc, held)
	log.Info("Cin7 Core already holds units of this receipt; they count as posted", slog.String("order", o.ID),
		slog.String("purchase", pid), slog.String("held", held.Total().String()), slog.String("to_post", delta.Total().String()))
	msg := fmt.Sprintf("no record of posting this receipt was kept (first pass over it, or the sync state was lost): the purchase already holds %s of the units Ramp received "+
		"(same product, location, batch/serial and expiry), counted as posted; %s units left to post", held.Total().Sub(excess.Total()), delta.Total())
	if !excess.Empty() {
		msg += fmt.Sprintf("; Cin7 Core holds %s units more than Ramp shows received, which are not taken back", excess.Total())
	}
	sr.notice(Notice{ID: pid, RampID: o.ID, Kind: "receipt-found-in-cin7", Message: msg})
}

// purchPrune forgets the posted totals of a Completed order whose receipt
// is all posted: Ramp freezes completed orders, so the ledger's version
// alone answers for it from now on, and the sidecar stays the size of
// the open orders.
func purchPrune(st *rcptState, o ramp.Order) {
	if o.State == ramp.OrderCompleted {
		delete(st.Orders, o.ID)
	}
}

func purchInvoiceAuthorised(p *cin7core.AdvancedPurchase) bool {
	for _, inv := range p.Invoice {
		if inv.Status.IsAuthorised() {
			return true
		}
	}
	return false
}

// purchFindPost looks in a purchase read from Cin7 Core for the post of
// pend (see the file comment). posted is what was confirmed before pend.
func purchFindPost(rules mapping.Rules, p *cin7core.AdvancedPurchase, posted mapping.Receipt, pend rcptPending) (bool, string, error) {
	lines := rules.PurchaseStockLines(pend.Lines, pend.LocationID, time.Time{})
	if p.Type.IsAdvanced() {
		for _, t := range p.StockReceived {
			if slices.Contains(pend.Known, cin7core.NormalizeID(t.TaskID)) {
				continue
			}
			if mapping.SameStockLines(t.Lines, lines) {
				return true, cin7core.NormalizeID(t.TaskID), nil
			}
		}
		return false, "", nil
	}
	var have map[string]decimal.Decimal
	taskID := cin7core.NormalizeID(p.ID)
	if len(p.StockReceived) > 0 {
		have = mapping.StockLineTotals(p.StockReceived[0].Lines)
		taskID = idOr(cin7core.NormalizeID(p.StockReceived[0].TaskID), taskID)
	}
	before := mapping.StockLineTotals(rules.PurchaseStockLines(posted, pend.LocationID, time.Time{}))
	all, none := true, true
	var clash []string
	for _, l := range lines {
		k := mapping.PurchaseStockKey(l)
		h, b := have[k], before[k]
		switch {
		case h.Equal(b.Add(l.Quantity)):
			none = false
		case h.Equal(b):
			all = false
			if b.IsPositive() {
				clash = append(clash, purchDescribe(l))
			}
		default:
			all, none = false, false
			clash = append(clash, purchDescribe(l))
		}
	}
	switch {
	case all:
		return true, taskID, nil
	case none && len(clash) == 0:
		return false, "", nil
	}
	return false, "", &rcptConflict{msg: "the purchase's stock received already holds lines this flow did not post for " + strings.Join(clash, "; ") +
		" (Cin7 Core refuses a second line for the same product, location, batch and expiry): receive these units in Cin7 Core by hand"}
}

func purchDescribe(l cin7core.PurchaseStockLine) string {
	s := "product " + l.ProductID + " at " + l.LocationID
	if l.BatchSN != "" {
		s += " batch/serial " + l.BatchSN
	}
	if !l.ExpiryDate.IsZero() {
		s += " expiring " + l.ExpiryDate.UTC().Format(time.DateOnly)
	}
	return s
}
