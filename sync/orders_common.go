package sync

import (
	"context"
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
)

// The order streams (purchases, transfers, sales) share this file: their
// state, the order upsert with Ramp's frozen orders, voiding, line SKUs
// and places. Each stream's own file finds the documents that changed and
// reads their details.
//
// Idempotency: every write is keyed by the document's ExternalRef (its
// lower-case Cin7 Core ID). State remembers, per document, the version of
// the list row last handled (LastUpdatedDate, Updated, or a hash of a
// transfer's row) and a hash of the order Ramp holds, so an unchanged row
// costs no detail call and an unchanged order no write. State lost or
// behind Ramp (a crash after a write) is caught up by finding the order by
// ExternalRef before creating it.

// OrderSink is what the order streams need of Ramp on top of [Sink].
// [RampSink] implements it; a host's Sink that does not leaves the order
// streams out of Engine.Streams.
type OrderSink interface {
	// FindOrderByExternalRef returns the order with this ExternalRef, or
	// an error matching ramp.ErrNotFound.
	FindOrderByExternalRef(ctx context.Context, externalRef string) (*ramp.Order, error)
	// CreateOrder creates o (ID empty); ramp.ErrConflict if its
	// ExternalRef is taken.
	CreateOrder(ctx context.Context, o *ramp.Order) (*ramp.Order, error)
	// UpdateOrder replaces the header and lines of the order with o.ID;
	// ramp.ErrOrderFrozen if it is Completed or Cancelled, ramp.ErrNotFound
	// if it is gone.
	UpdateOrder(ctx context.Context, o *ramp.Order) (*ramp.Order, error)
	// CancelOrder cancels an order before goods moved;
	// ramp.ErrIllegalState once they have, ramp.ErrOrderFrozen if it is
	// Completed or Cancelled.
	CancelOrder(ctx context.Context, id string) (*ramp.Order, error)
}

func (s rampSink) FindOrderByExternalRef(ctx context.Context, ref string) (*ramp.Order, error) {
	return s.c.Orders.FindByExternalRef(ctx, ref)
}
func (s rampSink) CreateOrder(ctx context.Context, o *ramp.Order) (*ramp.Order, error) {
	return s.c.Orders.Create(ctx, o)
}
func (s rampSink) UpdateOrder(ctx context.Context, o *ramp.Order) (*ramp.Order, error) {
	return s.c.Orders.Update(ctx, o)
}
func (s rampSink) CancelOrder(ctx context.Context, id string) (*ramp.Order, error) {
	return s.c.Orders.Cancel(ctx, id)
}

// ordState is an order stream's checkpoint.
type ordState struct {
	Version int `json:"version"`
	// Cursor is the newest modification time handled (capped at the start
	// of the pass that read it); purchases and sales read from it less
	// the lookback. Transfers have no change filter and leave it zero.
	Cursor time.Time `json:"cursor"`
	// Docs holds what is known of each document, by ExternalRef.
	Docs map[string]*ordEntry `json:"docs"`
}

func (s *ordState) reset() { *s = ordState{Version: 1} }

// ordEntry is what the engine remembers of one document.
type ordEntry struct {
	// ID is the Ramp order's ID; empty while Ramp has none.
	ID string `json:"id,omitempty"`
	// Hash is the hash of the order Ramp holds (as written or confirmed).
	Hash string `json:"h,omitempty"`
	// Seen is the version of the list row last handled.
	Seen string `json:"seen,omitempty"`
	// At is the row's modification time (purchases, sales), for pruning.
	At time.Time `json:"at,omitempty"`
	// Advanced marks an advanced purchase (read with advanced-purchase).
	Advanced bool `json:"adv,omitempty"`
	// Location is a sale's OrderLocationID from its list row.
	Location string `json:"loc,omitempty"`
	// Frozen: Ramp completed or cancelled the order; source changes are
	// reported, never applied.
	Frozen bool `json:"frozen,omitempty"`
	// Voided: the document's void was handled (cancelled, reported or
	// skipped).
	Voided bool `json:"voided,omitempty"`
	// Noticed is the hash of the change last reported about a frozen
	// order, so one change is reported once.
	Noticed string `json:"noticed,omitempty"`
	// Retry says why the document is re-read on the next pass (Ramp
	// refused it, or a place is missing).
	Retry string `json:"retry,omitempty"`
	// Quarantine says why the document cannot be mapped as it is; it comes
	// back when it changes in Cin7 Core.
	Quarantine string `json:"quarantine,omitempty"`
	// Missing lists products whose lines were left out because they could
	// not be synced; the document is re-read once one of them is in Ramp.
	Missing []string `json:"missing,omitempty"`
	// OrderDraft marks a DRAFT transfer whose order sub-document is a
	// draft: the list row would not show its authorisation, so the order
	// is re-checked every pass.
	OrderDraft bool `json:"order_draft,omitempty"`
}

// ordRun is one pass of one order stream.
type ordRun struct {
	e      *Engine
	sr     *StreamReport
	log    *slog.Logger
	stream Stream
	kind   string // "purchase", "sale", "transfer" (reports)
	st     ordState
	sink   OrderSink
	places *placeResolver
	locs   *mapping.OrderLocations
	// locsRead: the location list was read this pass (at most once).
	locsRead bool
	// skus caches ensureSkus answers for the pass.
	skus map[string]string
	// cantSync caches products that cannot be synced, with the reason.
	cantSync map[string]string
}

func (e *Engine) newOrdRun(ctx context.Context, stream Stream, kind string, sr *StreamReport, log *slog.Logger) (*ordRun, error) {
	r := &ordRun{e: e, sr: sr, log: log, stream: stream, kind: kind, st: ordState{Version: 1},
		skus: map[string]string{}, cantSync: map[string]string{}}
	if err := e.load(ctx, stream, &r.st, log); err != nil {
		return nil, err
	}
	if r.st.Docs == nil {
		r.st.Docs = map[string]*ordEntry{}
	}
	sink, _ := e.cfg.Sink.(OrderSink)
	r.sink = sink
	if e.cfg.DryRun {
		r.sink = ordDrySink{OrderSink: sink, sr: sr, kind: kind}
	}
	return r, nil
}

// entry returns the document's entry, created empty if new.
func (r *ordRun) entry(ref string) *ordEntry {
	ent := r.st.Docs[ref]
	if ent == nil {
		ent = &ordEntry{}
		r.st.Docs[ref] = ent
	}
	return ent
}

// save checkpoints the stream.
func (r *ordRun) save(ctx context.Context) error {
	r.sr.Quarantined = 0
	for _, ent := range r.st.Docs {
		if ent.Retry != "" || ent.Quarantine != "" {
			r.sr.Quarantined++
		}
	}
	return r.e.save(ctx, r.stream, &r.st)
}

// stop saves what reached Ramp and returns err (the cursor stays).
func (r *ordRun) stop(ctx context.Context, err error) error {
	if serr := r.save(ctx); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// since is where an incremental read starts: the cursor less the lookback.
func (r *ordRun) since() time.Time {
	if r.st.Cursor.IsZero() {
		return time.Time{}
	}
	return r.st.Cursor.Add(-r.e.cfg.Lookback)
}

// advance moves the cursor to the newest modification time seen, capped
// at the pass's start; never backwards.
func (r *ordRun) advance(newest, passStart time.Time) {
	if newest.After(passStart) {
		newest = passStart
	}
	if newest.After(r.st.Cursor) {
		r.st.Cursor = newest.UTC()
	}
}

// prune forgets documents that never reached Ramp and need nothing more,
// once they are older than the read window: they only come back changed,
// and are then handled as new.
func (r *ordRun) prune(before time.Time) {
	if before.IsZero() {
		return
	}
	for ref, ent := range r.st.Docs {
		if ent.ID == "" && ent.Retry == "" && len(ent.Missing) == 0 && !ent.OrderDraft && !ent.At.IsZero() && ent.At.Before(before) {
			delete(r.st.Docs, ref)
		}
	}
}

// locations returns the location index, from the locations stream's last
// read (no call), or reading the list once per pass when there is none.
func (r *ordRun) locations(ctx context.Context) (*mapping.OrderLocations, error) {
	if r.locsRead {
		return r.locs, nil
	}
	all, err := r.e.knownLocations(ctx, r.sr, r.log)
	if err != nil {
		return nil, err
	}
	r.locs, r.locsRead = r.e.cfg.Rules.OrderLocations(all), true
	return r.locs, nil
}

// needsRetry reports whether a document must be re-read although its
// list row did not change: Ramp refused it, or a product whose line was
// left out has reached Ramp since.
func (r *ordRun) needsRetry(ent *ordEntry, synced map[string]synced) bool {
	if ent.Retry != "" {
		return true
	}
	for _, p := range ent.Missing {
		if s, ok := synced[p]; ok && s.ID != "" {
			return true
		}
	}
	return false
}

// productSkus loads the products stream's view of Ramp's SKUs (no call),
// to see whether a product left out of an order has been synced since.
func (r *ordRun) productSkus(ctx context.Context) (map[string]synced, error) {
	ps := productsState{Version: 1}
	if err := r.e.load(ctx, StreamProducts, &ps, r.log); err != nil {
		return nil, err
	}
	return ps.Skus, nil
}

// ordDoc is one document a stream hands to process.
type ordDoc struct {
	ref    string
	number string
	gate   mapping.OrderGate
	reason mapping.SkipReason
	// closed: the document was already complete in Cin7 Core when read;
	// one Ramp never saw is left out (a tenant's history stays out).
	closed bool
	// read reads the document in detail and maps it (GateSync only). Its
	// gate is re-checked on the detail, which is the fresher.
	read func(ctx context.Context) (m mapping.OrderMapping, gate mapping.OrderGate, reason mapping.SkipReason, err error)
}

// ordReadError marks a failure to read one document (it no longer
// exists, or its answer cannot be decoded): the record is reported and
// the stream goes on.
type ordReadError struct{ err error }

func (e *ordReadError) Error() string { return e.err.Error() }
func (e *ordReadError) Unwrap() error { return e.err }

// readErr classifies a detail read's error.
func readErr(err error) error {
	var re *cin7core.RowError
	if errors.Is(err, cin7core.ErrNotFound) || errors.Is(err, cin7core.ErrBadResponse) || errors.As(err, &re) {
		return &ordReadError{err}
	}
	return err
}

// process handles one new or changed document. Only errors that stop the
// stream are returned; everything about the record is in ent and the
// report.
func (r *ordRun) process(ctx context.Context, d ordDoc, ent *ordEntry) (err error) {
	ent.Retry = ""
	defer func() {
		if err != nil {
			// The stream stops inside this document (a side failed as a
			// whole): read it again next pass even if its list row is
			// unchanged by then, or it would count as handled.
			ent.Retry = err.Error()
		}
	}()
	if d.closed && ent.ID == "" && d.gate == mapping.GateSync {
		r.sr.skip(d.ref, string(mapping.SkipClosedNotInRamp))
		return nil
	}
	switch d.gate {
	case mapping.GateVoid:
		return r.void(ctx, d, ent)
	case mapping.GateSkip:
		ent.Quarantine = ""
		if ent.ID != "" && d.reason == mapping.SkipNotAuthorised {
			// Authorised once, a draft again (its order was undone in
			// Cin7 Core): Ramp keeps the order; a human decides.
			r.sr.notice(Notice{ID: d.ref, RampID: ent.ID, Kind: "unauthorised", Message: fmt.Sprintf("%s %s is no longer authorised in Cin7 Core; its Ramp order was left as it is", r.kind, d.number)})
			return nil
		}
		r.sr.skip(d.ref, string(d.reason))
		return nil
	}
	m, gate, reason, err := d.read(ctx)
	var rerr *ordReadError
	var merr *mapping.Error
	switch {
	case errors.As(err, &rerr):
		var row *cin7core.RowError
		if errors.Is(rerr.err, cin7core.ErrBadResponse) && !errors.As(rerr.err, &row) {
			// A garbled answer (an HTML page, a cut-off body) says nothing
			// about the document: read it again next pass rather than
			// waiting for someone to edit it.
			ent.Retry = rerr.Error()
		} else {
			ent.Quarantine = rerr.Error()
		}
		r.sr.fail(Failure{ID: d.ref, Name: d.number, Stage: "read", Reason: rerr.Error()})
		return nil
	case errors.As(err, &merr):
		ent.Quarantine = merr.Error()
		r.log.Warn("order quarantined", slog.String("id", d.ref), slog.String("reason", merr.Error()))
		r.sr.fail(Failure{ID: d.ref, Name: d.number, Stage: "mapping", Reason: merr.Error()})
		return nil
	case err != nil:
		return err
	}
	ent.Quarantine = ""
	if m.Order.CustomerOrderNumber != "" {
		d.number = m.Order.CustomerOrderNumber
	}
	switch gate {
	case mapping.GateVoid:
		return r.void(ctx, d, ent)
	case mapping.GateSkip, mapping.GateCheckOrder:
		d.gate, d.reason = mapping.GateSkip, reason
		if reason == "" {
			d.reason = mapping.SkipNotAuthorised
		}
		return r.process(ctx, d, ent)
	}
	if reason == mapping.SkipNoStockLines {
		r.reportLines(d, m.Skipped)
		r.sr.skip(d.ref, string(reason))
		return nil
	}
	return r.write(ctx, d, ent, m)
}

// ordDeliberate lists the reasons a product is left out on purpose
// (they are skips, not failures).
var ordDeliberate = []mapping.SkipReason{mapping.SkipService, mapping.SkipUnsupportedType, mapping.SkipArchivedNotInRamp}

// write syncs the lines' products first, resolves the places and upserts
// the order.
func (r *ordRun) write(ctx context.Context, d ordDoc, ent *ordEntry, m mapping.OrderMapping) error {
	ids := m.ProductIDs()
	var ask []string
	for _, id := range ids {
		if _, ok := r.skus[id]; !ok {
			if _, bad := r.cantSync[id]; !bad {
				ask = append(ask, id)
			}
		}
	}
	if len(ask) > 0 {
		found, missing, err := r.ensureSkus(ctx, ask)
		if err != nil {
			return err
		}
		for id, sku := range found {
			r.skus[id] = sku
		}
		for id, why := range missing {
			r.cantSync[id] = why
		}
	}
	skipped, failed := map[string]string{}, map[string]string{}
	for _, id := range ids {
		why, bad := r.cantSync[id]
		switch {
		case !bad:
		case slices.Contains(ordDeliberate, mapping.SkipReason(why)):
			skipped[id] = why
		default:
			failed[id] = why
		}
	}
	m.Drop(skipped, "")
	left := m.Drop(failed, mapping.SkipReason("product cannot be synced"))
	ent.Missing = sortedKeys(failed)
	for _, id := range ent.Missing {
		r.sr.fail(Failure{ID: id, Name: d.number, Stage: "line", Reason: fmt.Sprintf("the line of product %s was left out of %s %s: %s", id, r.kind, d.number, failed[id])})
	}
	if !left {
		if len(failed) > 0 {
			ent.Quarantine = "no line left: its products cannot be synced"
			r.sr.fail(Failure{ID: d.ref, Name: d.number, Stage: "mapping", Reason: ent.Quarantine})
			return nil
		}
		r.reportLines(d, m.Skipped)
		r.sr.skip(d.ref, string(mapping.SkipNoStockLines))
		return nil
	}

	o := m.Order
	for i := range o.Lines {
		o.Lines[i].SkuID = r.skus[o.Lines[i].SkuExternalRef]
		o.Lines[i].SkuName = ""
	}
	if r.places == nil {
		p, err := r.e.newPlaceResolver(ctx, r.log)
		if err != nil {
			return err
		}
		r.places = p
	}
	for _, pl := range []struct {
		ref string
		id  *string
	}{{o.FromPlaceExternalRef, &o.FromPlaceID}, {o.ToPlaceExternalRef, &o.ToPlaceID}} {
		if pl.ref == "" {
			continue
		}
		id, err := r.places.placeID(ctx, pl.ref)
		if err != nil {
			return err
		}
		if id == "" {
			ent.Retry = "the place of location " + pl.ref + " is not in Ramp"
			r.sr.fail(Failure{ID: d.ref, Name: d.number, Stage: "ramp", Reason: ent.Retry + " (sync the locations stream first)"})
			return nil
		}
		*pl.id = id
	}

	wctx, cancel := r.e.recordCtx(ctx)
	out, err := r.upsert(wctx, d, ent, o)
	cancel()
	var re *recordError
	switch {
	case errors.As(err, &re):
		ent.Retry = err.Error()
		r.log.Warn("order refused by Ramp", slog.String("id", d.ref), slog.String("reason", err.Error()))
		r.sr.fail(Failure{ID: d.ref, Name: d.number, Stage: "ramp", Reason: err.Error()})
		return nil
	case err != nil:
		return err
	}
	if out == created || out == updated {
		r.reportLines(d, m.Skipped)
	}
	if out != 0 {
		count(r.sr, out, d.ref)
	}
	return nil
}

// reportLines reports the lines an order was written without.
func (r *ordRun) reportLines(d ordDoc, lines []mapping.OrderSkippedLine) {
	for _, l := range lines {
		if l.Detail != "" {
			continue // reported as a failure already
		}
		id := d.ref
		if l.ProductID != "" {
			id = d.ref + "/" + l.ProductID
		}
		r.sr.skip(id, "line left out: "+string(l.Reason))
	}
}

// ordKey is what identifies an order's content: what the integration
// writes, with Ramp's own fields (IDs, names, progress) left out and lines
// in a stable order.
func ordKey(o ramp.Order) ramp.Order {
	k := ramp.Order{
		ExternalRef: strings.ToLower(o.ExternalRef), CustomerOrderNumber: o.CustomerOrderNumber, OrderType: o.OrderType,
		FromPlaceExternalRef: strings.ToLower(o.FromPlaceExternalRef), ToPlaceExternalRef: strings.ToLower(o.ToPlaceExternalRef),
		Comments: o.Comments,
	}
	if !o.RequiredBy.IsZero() {
		k.RequiredBy = o.RequiredBy.UTC()
	}
	for _, l := range o.Lines {
		k.Lines = append(k.Lines, ramp.OrderLine{SkuExternalRef: strings.ToLower(l.SkuExternalRef), RequiredCount: l.RequiredCount})
	}
	slices.SortStableFunc(k.Lines, func(a, b ramp.OrderLine) int {
		if c := strings.Compare(a.SkuExternalRef, b.SkuExternalRef); c != 0 {
			return c
		}
		return a.RequiredCount.Cmp(b.RequiredCount)
	})
	return k
}

// upsert makes Ramp's order equal to o unless Ramp has frozen it. It
// returns 0 (nothing to count) for a frozen order, whose change is
// reported instead. A changed order is looked up first, as
// ramp.OrdersService.UpsertByExternalRef does, so a frozen order is never
// sent a write and a state that lags behind Ramp converges.
func (r *ordRun) upsert(ctx context.Context, d ordDoc, ent *ordEntry, o ramp.Order) (outcome, error) {
	h := hashOf(ordKey(o))
	if ent.ID != "" && ent.Hash == h {
		return unchanged, nil
	}
	if ent.Frozen {
		r.frozen(d, ent, h)
		return 0, nil
	}
	existing, err := r.sink.FindOrderByExternalRef(ctx, d.ref)
	switch {
	case errors.Is(err, ramp.ErrNotFound):
		v := o
		v.ID = ""
		got, err := r.sink.CreateOrder(ctx, &v)
		if err == nil {
			ent.ID, ent.Hash = got.ID, h
			return created, nil
		}
		if !errors.Is(err, ramp.ErrConflict) {
			if isRecordLevel(err) {
				return 0, &recordError{err}
			}
			return 0, err
		}
		// Created meanwhile: converge on it.
		if existing, err = r.sink.FindOrderByExternalRef(ctx, d.ref); err != nil {
			return 0, &recordError{err}
		}
	case err != nil:
		if isRecordLevel(err) {
			return 0, &recordError{err}
		}
		return 0, err
	}
	ent.ID = existing.ID
	have := hashOf(ordKey(*existing))
	if existing.State.Frozen() {
		ent.Frozen, ent.Hash = true, have
		if have == h {
			return unchanged, nil
		}
		r.frozen(d, ent, h)
		return 0, nil
	}
	if have == h {
		ent.Hash = h
		return unchanged, nil
	}
	v := o
	v.ID = existing.ID
	got, err := r.sink.UpdateOrder(ctx, &v)
	switch {
	case err == nil:
		ent.Hash = h
		ent.ID = idOr(got.ID, existing.ID)
		return updated, nil
	case errors.Is(err, ramp.ErrOrderFrozen):
		// Completed or cancelled between the look and the write.
		ent.Frozen = true
		r.frozen(d, ent, h)
		return 0, nil
	case errors.Is(err, ramp.ErrNotFound), isRecordLevel(err):
		return 0, &recordError{err}
	}
	return 0, err
}

// frozen reports a change Ramp's frozen order will not take, once per
// change.
func (r *ordRun) frozen(d ordDoc, ent *ordEntry, h string) {
	if ent.Noticed == h {
		return
	}
	ent.Noticed = h
	r.sr.notice(Notice{ID: d.ref, RampID: ent.ID, Kind: "frozen",
		Message: fmt.Sprintf("%s %s changed in Cin7 Core after its Ramp order was completed or cancelled; the change was not applied", r.kind, d.number)})
}

// ordInProgress reports whether goods have moved on an order (anything
// allocated, dispatched or received, or a state past Created and
// Allocating): such an order is not cancelled behind its users' backs.
func ordInProgress(o *ramp.Order) bool {
	switch o.State {
	case ramp.OrderCreated, ramp.OrderAllocating, "":
	default:
		return true
	}
	for _, l := range o.Lines {
		if l.AllocatedCount.IsPositive() || l.DispatchedCount.IsPositive() || l.ReceivedCount.IsPositive() {
			return true
		}
	}
	return false
}

// void cancels the Ramp order of a voided document, unless goods have
// moved on it (reported) or Ramp never had it (skipped).
func (r *ordRun) void(ctx context.Context, d ordDoc, ent *ordEntry) error {
	if ent.Voided {
		r.sr.Unchanged++
		return nil
	}
	// Always ask Ramp: state may lag behind it (a pass that died after
	// creating the order), and a void is handled once.
	wctx, cancel := r.e.recordCtx(ctx)
	defer cancel()
	cur, err := r.sink.FindOrderByExternalRef(wctx, d.ref)
	switch {
	case errors.Is(err, ramp.ErrNotFound):
		ent.ID, ent.Hash, ent.Voided = "", "", true
		r.sr.skip(d.ref, string(mapping.SkipVoidedNotInRamp))
		return nil
	case err != nil && isRecordLevel(err):
		ent.Retry = err.Error()
		r.sr.fail(Failure{ID: d.ref, Name: d.number, Stage: "ramp", Reason: err.Error()})
		return nil
	case err != nil:
		return err
	}
	ent.ID = cur.ID
	notice := func(kind, msg string) {
		ent.Voided = true
		r.sr.notice(Notice{ID: d.ref, RampID: cur.ID, Kind: kind, Message: fmt.Sprintf("%s %s was voided in Cin7 Core, but %s", r.kind, d.number, msg)})
	}
	switch {
	case cur.State == ramp.OrderCancelled:
		ent.Voided, ent.Frozen = true, true
		r.sr.Unchanged++
		return nil
	case cur.State == ramp.OrderCompleted:
		ent.Frozen = true
		notice("frozen", "its Ramp order is completed; it was left as it is")
		return nil
	case ordInProgress(cur):
		notice("void-in-progress", fmt.Sprintf("its Ramp order is in progress (%s); it was not cancelled", cur.State))
		return nil
	}
	if r.e.cfg.DryRun {
		r.sr.Plan = append(r.sr.Plan, PlannedWrite{Action: "cancel", Kind: r.kind + " order", ExternalRef: d.ref, Name: d.number})
		err = nil
	} else {
		_, err = r.sink.CancelOrder(wctx, cur.ID)
	}
	switch {
	case err == nil:
		ent.Voided, ent.Frozen = true, true
		r.sr.Updated++
		return nil
	case errors.Is(err, ramp.ErrOrderFrozen), errors.Is(err, ramp.ErrIllegalState):
		// Ramp users moved it on between the look and the cancel.
		notice("void-in-progress", "its Ramp order moved on before it could be cancelled; it was left as it is")
		return nil
	case isRecordLevel(err):
		ent.Retry = err.Error()
		r.sr.fail(Failure{ID: d.ref, Name: d.number, Stage: "ramp", Reason: err.Error()})
		return nil
	}
	return err
}

// ensureSkus is Engine.ensureSkus, except in a dry run, where it writes
// nothing: products Ramp lacks are looked up and mapped, and their
// creation is planned.
func (r *ordRun) ensureSkus(ctx context.Context, ids []string) (map[string]string, map[string]string, error) {
	if !r.e.cfg.DryRun {
		return r.e.ensureSkus(ctx, ids, r.log)
	}
	ps := productsState{Version: 1}
	if err := r.e.load(ctx, StreamProducts, &ps, r.log); err != nil {
		return nil, nil, err
	}
	idx := familyIndex(ps.Families)
	found, missing := map[string]string{}, map[string]string{}
	for _, id := range ids {
		if s, ok := ps.Skus[id]; ok && s.ID != "" {
			found[id] = s.ID
			continue
		}
		if sku, err := r.e.cfg.Sink.FindSku(ctx, id); err == nil && sku.ID != "" && !sku.Archived {
			found[id] = sku.ID
			continue
		} else if err != nil && !errors.Is(err, ramp.ErrNotFound) {
			return nil, nil, err
		}
		p, err := r.e.cfg.Source.Product(ctx, id)
		switch {
		case errors.Is(err, cin7core.ErrNotFound):
			missing[id] = "product not found in Cin7 Core"
			continue
		case err != nil:
			var rerr *ordReadError
			if errors.As(readErr(err), &rerr) {
				missing[id] = err.Error()
				continue
			}
			return nil, nil, err
		}
		var (
			sku    ramp.Sku
			reason mapping.SkipReason
		)
		if fid := idx.FamilyOf(id); fid != "" {
			sku, reason, err = r.e.cfg.Rules.FamilyMember(ps.Families[fid], *p)
		} else {
			sku, reason, err = r.e.cfg.Rules.Product(*p)
		}
		switch {
		case err != nil:
			missing[id] = err.Error()
		case reason != "":
			missing[id] = string(reason)
		default:
			r.sr.Plan = append(r.sr.Plan, PlannedWrite{Action: "create", Kind: "sku", ExternalRef: id, Name: sku.Name})
			found[id] = "dry-run:" + id
		}
	}
	return found, missing, nil
}

// ordDrySink replaces an OrderSink's writes by plan entries.
type ordDrySink struct {
	OrderSink
	sr   *StreamReport
	kind string
}

func (s ordDrySink) plan(action string, o *ramp.Order, ref string) {
	name := ref
	if o != nil {
		name = o.CustomerOrderNumber
	}
	s.sr.Plan = append(s.sr.Plan, PlannedWrite{Action: action, Kind: s.kind + " order", ExternalRef: ref, Name: name})
}

func (s ordDrySink) CreateOrder(_ context.Context, o *ramp.Order) (*ramp.Order, error) {
	s.plan("create", o, o.ExternalRef)
	out := *o
	out.ID = "dry-run:" + o.ExternalRef
	return &out, nil
}

func (s ordDrySink) UpdateOrder(_ context.Context, o *ramp.Order) (*ramp.Order, error) {
	s.plan("update", o, o.ExternalRef)
	out := *o
	return &out, nil
}

func (s ordDrySink) CancelOrder(_ context.Context, id string) (*ramp.Order, error) {
	s.plan("cancel", nil, id) // void plans by ExternalRef itself; kept for completeness
	return &ramp.Order{ID: id, State: ramp.OrderCancelled}, nil
}

// ordSupported is the supported check of the order streams: the source
// interface the stream names, and an OrderSink.
func ordSupported(e *Engine, sourceOK bool) bool {
	_, ok := e.cfg.Sink.(OrderSink)
	return ok && sourceOK
}

// ordStamp renders a row's modification time as a version.
func ordStamp(t cin7core.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ordRow is what an incremental stream takes from a list row.
type ordRow struct {
	ref   string
	stamp cin7core.Time
	doc   ordDoc
	// note records row facts a later retry needs (purchase kind, sale
	// location).
	note func(ent *ordEntry)
}

// incremental runs a stream over a list with a change filter (purchases,
// sales): rows changed since the cursor less the lookback; a row whose
// modification time was handled already costs nothing; a new or changed
// one is gated on the row and read in detail only when it syncs. Then the
// documents that need another try are re-read by ID, and the cursor
// advances to the newest time seen if the read was complete.
func incremental[T any](ctx context.Context, r *ordRun, pages func(since time.Time) iter.Seq2[*cin7core.Page[T], error],
	row func(T) ordRow, retry func(ref string, ent *ordEntry) ordDoc) error {
	passStart := r.e.cfg.Now().UTC()
	since := r.since()
	synced, err := r.productSkus(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var read completeness
	var newest time.Time
	for page, err := range pages(since) {
		if err != nil {
			return r.stop(ctx, err)
		}
		for _, item := range page.Items {
			if err := ctx.Err(); err != nil {
				return r.stop(ctx, err) // shutting down: between records, never inside one
			}
			rw := row(item)
			read.add(rw.ref, page.Total, page.HasTotal)
			if rw.stamp.After(newest) {
				newest = rw.stamp.Time
			}
			if rw.ref == "" {
				r.sr.Read++
				r.sr.fail(Failure{Name: rw.doc.number, Stage: "read", Reason: r.kind + " has no ID"})
				continue
			}
			if seen[rw.ref] {
				continue
			}
			seen[rw.ref] = true
			r.sr.Read++
			ent := r.entry(rw.ref)
			if rw.note != nil {
				rw.note(ent)
			}
			ver := ordStamp(rw.stamp)
			if ver != "" && ent.Seen == ver && !r.needsRetry(ent, synced) {
				r.sr.Unchanged++
				continue
			}
			if err := r.process(ctx, rw.doc, ent); err != nil {
				return r.stop(ctx, err)
			}
			ent.Seen, ent.At = ver, rw.stamp.UTC()
		}
		for _, bad := range page.Invalid {
			id := cin7core.NormalizeID(bad.ID)
			read.add(id, page.Total, page.HasTotal)
			r.sr.Read++
			if id != "" {
				seen[id] = true
				r.entry(id).Quarantine = bad.Err.Error()
			}
			r.sr.fail(Failure{ID: id, Stage: "read", Reason: bad.Error()})
		}
		if err := r.save(ctx); err != nil {
			return err
		}
		r.e.progress(r.sr, r.sr.Read, page.Total)
	}
	complete := true
	if n := read.missing(); n > 0 {
		r.sr.warn(fmt.Sprintf("%d %ss changed position while being read; the next pass reads them again", n, r.kind))
		complete = false
	}
	for _, ref := range sortedKeys(r.st.Docs) {
		ent := r.st.Docs[ref]
		if seen[ref] || !r.needsRetry(ent, synced) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return r.stop(ctx, err)
		}
		r.sr.Read++
		if err := r.process(ctx, retry(ref, ent), ent); err != nil {
			return r.stop(ctx, err)
		}
	}
	if complete {
		r.advance(newest, passStart)
		r.prune(r.since())
	}
	return r.save(ctx)
}
