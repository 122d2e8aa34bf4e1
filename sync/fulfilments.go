package sync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// The fulfilments flow: an outbound order picked (fully allocated) or
// dispatched in Ramp becomes its Cin7 Core sale's fulfilment: the pick,
// and the pack and ship once dispatched (mapping.FulfilmentRules narrow
// this). One Ramp order is one fulfilment task of the sale.
//
// Exactly once in effect: the ledger keys each order by its Ramp ID and
// the stage and lines it asks for (mapping.Fulfilment.Version). Before
// any write the flow reads the sale's fulfilments (one call) and looks
// for the task that is already ours, a pick AUTHORISED with the same
// units (mapping.SamePick); the write is done when that task has every
// stage the order asks for authorised. Otherwise the writes resume from
// where that task (or the first task whose pick is not authorised yet)
// stands, stage by stage, so a pass that died between the pick and the
// ship finishes the ship without picking again. None of the writes is
// retried after a 5xx or transport error; the intent stays in the ledger
// and the next pass's look decides.

// FulfilmentTarget is what the fulfilments flow needs of Cin7 Core. The
// Source from Cin7Source implements it.
type FulfilmentTarget interface {
	// SaleFulfilments returns a sale's fulfilment tasks with their pick,
	// pack and ship; an error matching cin7core.ErrNotFound if the sale
	// does not exist.
	SaleFulfilments(ctx context.Context, saleID string) (*cin7core.SaleFulfilments, error)
	// StartSaleFulfilment opens a new fulfilment task (the last one
	// returned).
	StartSaleFulfilment(ctx context.Context, saleID string) (*cin7core.SaleFulfilments, error)
	// WriteSalePick, WriteSalePack and WriteSaleShip write one stage of a
	// task: create it (update false) or update a draft.
	WriteSalePick(ctx context.Context, pick *cin7core.SalePick, update bool) error
	WriteSalePack(ctx context.Context, pack *cin7core.SalePack, update bool) error
	WriteSaleShip(ctx context.Context, ship *cin7core.SaleShipRequest, update bool) error
}

// FulfilmentOrderSource is what the fulfilments flow needs of Ramp. The
// Sink from RampSink implements it.
type FulfilmentOrderSource interface {
	// PickedOutboundOrderPages yields outbound orders that are Allocated,
	// Dispatched or Completed and were modified at or after since (all of
	// them for a zero since), lines and progress included.
	PickedOutboundOrderPages(ctx context.Context, since time.Time) iter.Seq2[*ramp.Page[ramp.Order], error]
}

func init() {
	registerStream(StreamFulfilments, streamDef{run: (*Engine).syncFulfilments, supported: func(e *Engine) bool {
		_, src := e.cfg.Source.(FulfilmentTarget)
		_, snk := e.cfg.Sink.(FulfilmentOrderSource)
		return src && snk
	}})
}

func (s cin7Source) SaleFulfilments(ctx context.Context, saleID string) (*cin7core.SaleFulfilments, error) {
	return s.c.Sales.GetFulfilments(ctx, saleID)
}

func (s cin7Source) StartSaleFulfilment(ctx context.Context, saleID string) (*cin7core.SaleFulfilments, error) {
	return s.c.Sales.PostFulfilment(ctx, saleID)
}

func (s cin7Source) WriteSalePick(ctx context.Context, p *cin7core.SalePick, update bool) error {
	var err error
	if update {
		_, err = s.c.Sales.PutPick(ctx, p)
	} else {
		_, err = s.c.Sales.PostPick(ctx, p)
	}
	return err
}

func (s cin7Source) WriteSalePack(ctx context.Context, p *cin7core.SalePack, update bool) error {
	var err error
	if update {
		_, err = s.c.Sales.PutPack(ctx, p)
	} else {
		_, err = s.c.Sales.PostPack(ctx, p)
	}
	return err
}

func (s cin7Source) WriteSaleShip(ctx context.Context, p *cin7core.SaleShipRequest, update bool) error {
	var err error
	if update {
		_, err = s.c.Sales.PutShip(ctx, p)
	} else {
		_, err = s.c.Sales.PostShip(ctx, p)
	}
	return err
}

func (s rampSink) PickedOutboundOrderPages(ctx context.Context, since time.Time) iter.Seq2[*ramp.Page[ramp.Order], error] {
	q := ramp.OrderQuery{Type: ramp.OrderOutbound, States: []ramp.OrderState{ramp.OrderAllocated, ramp.OrderDispatched, ramp.OrderCompleted}, ModifiedSince: since}
	return s.c.Orders.List(&ramp.ListOptions{Filter: q.Filter()}).Pages(ctx)
}

// errFulfilTaken: every fulfilment task of the sale is picked already,
// with other units; picking a new task could take the stock twice.
var errFulfilTaken = errors.New("every fulfilment of the sale is already picked in Cin7 Core with other units; not picked again")

// syncFulfilments reads the outbound orders Ramp picked or dispatched
// since the cursor (less the lookback) and writes each one's fulfilment
// once. The cursor (the latest modification seen, capped at the pass's
// start) advances only when the read was complete and no order failed.
func (e *Engine) syncFulfilments(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	cin7 := e.cfg.Source.(FulfilmentTarget)
	rmp := e.cfg.Sink.(FulfilmentOrderSource)
	l, err := e.loadLedger(ctx, StreamFulfilments, log)
	if err != nil {
		return err
	}
	passStart := e.cfg.Now().UTC()
	var since time.Time
	if !l.Cursor.IsZero() {
		since = l.Cursor.Add(-e.cfg.Lookback)
	}
	var comp completeness
	var latest time.Time
	failed := false
	for page, err := range rmp.PickedOutboundOrderPages(ctx, since) {
		if err != nil {
			return err
		}
		for _, o := range page.Items {
			if err := ctx.Err(); err != nil {
				return err // shutting down: between records, never inside one
			}
			comp.add(o.ID, page.Count, page.HasCount)
			sr.Read++
			if o.DateLastModified.After(latest) {
				latest = o.DateLastModified
			}
			ok, err := e.fulfilOrder(ctx, cin7, l, o, sr, log)
			if err != nil {
				return err
			}
			failed = failed || !ok
		}
		e.progress(sr, len(comp.ids), comp.total)
	}
	if m := comp.missing(); m > 0 {
		sr.warn(fmt.Sprintf("%d orders changed position while being read; the cursor stays for the next pass", m))
		return nil
	}
	if failed || latest.IsZero() {
		return nil
	}
	if latest.After(passStart) {
		latest = passStart
	}
	if latest.After(l.Cursor) {
		l.Cursor = latest
		return e.save(ctx, StreamFulfilments, l)
	}
	return nil
}

// fulfilOrder writes one order's fulfilment. It reports false when the
// order failed in Cin7 Core at record level (reported; the cursor stays so
// the next pass retries it) and an error when the stream must stop.
func (e *Engine) fulfilOrder(ctx context.Context, cin7 FulfilmentTarget, l *ledgerState, o ramp.Order, sr *StreamReport, log *slog.Logger) (bool, error) {
	name := o.CustomerOrderNumber
	f, reason, err := e.cfg.Rules.Fulfilment(o)
	if err != nil {
		// Not retried until the order changes in Ramp (which brings it
		// back past the cursor), so it does not hold the cursor.
		sr.fail(Failure{ID: o.ID, Name: name, Stage: "mapping", Reason: err.Error()})
		return true, nil
	}
	if reason != "" {
		sr.skip(o.ID, string(reason))
		return true, nil
	}
	rctx, cancel := e.recordCtx(ctx)
	defer cancel()

	// What the check saw, for the post that follows it in postOnce.
	var (
		seen *cin7core.SaleFulfilments
		task *cin7core.SaleFulfilment
	)
	check := func(ctx context.Context) (bool, string, error) {
		fs, err := cin7.SaleFulfilments(ctx, f.SaleID)
		if err != nil {
			return false, "", err
		}
		seen = fs
		var ours bool
		task, ours = fulfilTask(fs, f.PickLines)
		if task == nil || !ours {
			return false, "", nil
		}
		return fulfilDone(task, f.Stage), task.TaskID, nil
	}
	post := func(ctx context.Context) (string, error) {
		if task == nil {
			if len(seen.Fulfilments) > 0 {
				return "", errFulfilTaken
			}
			fs, err := cin7.StartSaleFulfilment(ctx, f.SaleID)
			if err != nil {
				return "", err
			}
			if fs == nil || len(fs.Fulfilments) == 0 {
				return "", fmt.Errorf("sync: Cin7 Core opened no fulfilment task for sale %s", f.SaleID)
			}
			task = &fs.Fulfilments[len(fs.Fulfilments)-1]
		}
		return task.TaskID, e.fulfilStages(ctx, cin7, task, f)
	}
	out, ref, err := e.postOnce(rctx, StreamFulfilments, l, o.ID, f.Version, check, post)
	switch {
	case err == nil:
	case errors.Is(err, errFulfilTaken):
		sr.fail(Failure{ID: o.ID, Name: name, Stage: "cin7", Reason: err.Error()})
		sr.notice(Notice{ID: f.SaleID, RampID: o.ID, Kind: "fulfilment-taken", Message: err.Error()})
		return false, nil
	case errors.Is(err, cin7core.ErrValidation) || errors.Is(err, cin7core.ErrNotFound):
		// The sale is gone, not authorised, short of stock…: this order
		// only; its intent stays and the next pass looks again.
		sr.fail(Failure{ID: o.ID, Name: name, Stage: "cin7", Reason: err.Error()})
		return false, nil
	default:
		if cin7core.MayHaveReachedServer(err) {
			log.Warn("a fulfilment write may have reached Cin7 Core; the next pass checks before writing again",
				slog.String("order", o.ID), slog.String("sale", f.SaleID), slog.Any("error", err))
		}
		return false, err
	}
	switch out {
	case posted:
		sr.Created++
		if e.cfg.DryRun {
			sr.Plan = append(sr.Plan, PlannedWrite{Action: "post", Kind: "sale " + fulfilStagesName(f.Stage), ExternalRef: f.SaleID, Name: name})
		}
		log.Info("fulfilment written", slog.String("order", o.ID), slog.String("sale", f.SaleID), slog.String("stage", string(f.Stage)), slog.String("task", ref))
	case foundPosted:
		sr.Unchanged++
		log.Info("fulfilment found in Cin7 Core from an earlier pass", slog.String("order", o.ID), slog.String("task", ref))
	default:
		sr.Unchanged++
	}
	return true, nil
}

// fulfilTask finds the sale's task for an order: the one whose authorised
// pick holds these units (ours), else the first whose pick is still open.
func fulfilTask(fs *cin7core.SaleFulfilments, lines []cin7core.SaleStockLine) (task *cin7core.SaleFulfilment, ours bool) {
	if fs == nil {
		return nil, false
	}
	for i := range fs.Fulfilments {
		f := &fs.Fulfilments[i]
		if f.Pick != nil && f.Pick.Status.IsAuthorised() && mapping.SamePick(f.Pick.Lines, lines) {
			return f, true
		}
	}
	for i := range fs.Fulfilments {
		f := &fs.Fulfilments[i]
		if f.Pick == nil || (!f.Pick.Status.IsAuthorised() && f.Pick.Status != cin7core.SaleTaskVoided) {
			return f, false
		}
	}
	return nil, false
}

// fulfilStatus returns the status of one stage of a task ("" when the
// answer left the stage out).
func fulfilStatus(f *cin7core.SaleFulfilment, s mapping.FulfilmentStage) cin7core.SaleTaskStatus {
	switch {
	case s == mapping.StagePick && f.Pick != nil:
		return f.Pick.Status
	case s == mapping.StagePack && f.Pack != nil:
		return f.Pack.Status
	case s == mapping.StageShip && f.Ship != nil:
		return f.Ship.Status
	}
	return ""
}

// fulfilDone reports whether every stage up to s is authorised.
func fulfilDone(f *cin7core.SaleFulfilment, s mapping.FulfilmentStage) bool {
	for _, st := range []mapping.FulfilmentStage{mapping.StagePick, mapping.StagePack, mapping.StageShip} {
		if s.Includes(st) && !fulfilStatus(f, st).IsAuthorised() {
			return false
		}
	}
	return true
}

// fulfilStages writes the stages the task still lacks, in order. A stage
// read as NOT AVAILABLE (or absent) is created (POST); a DRAFT one is
// updated (PUT).
func (e *Engine) fulfilStages(ctx context.Context, cin7 FulfilmentTarget, task *cin7core.SaleFulfilment, f *mapping.Fulfilment) error {
	todo := func(s mapping.FulfilmentStage) (write, update bool) {
		st := fulfilStatus(task, s)
		return f.Stage.Includes(s) && !st.IsAuthorised(), st != "" && st != cin7core.SaleTaskNotAvailable
	}
	if write, update := todo(mapping.StagePick); write {
		p := &cin7core.SalePick{TaskID: task.TaskID, Status: cin7core.SaleTaskAuthorised, Lines: f.PickLines}
		if err := cin7.WriteSalePick(ctx, p, update); err != nil {
			return err
		}
	}
	if write, update := todo(mapping.StagePack); write {
		p := &cin7core.SalePack{TaskID: task.TaskID, Status: cin7core.SaleTaskAuthorised, Lines: f.PackLines}
		if err := cin7.WriteSalePack(ctx, p, update); err != nil {
			return err
		}
	}
	if write, update := todo(mapping.StageShip); write {
		s := &cin7core.SaleShipRequest{TaskID: task.TaskID, Status: cin7core.SaleTaskAuthorised, Lines: []cin7core.SaleShipRequestLine{f.ShipLine}}
		if task.Ship != nil {
			s.RequireBy, s.ShippingAddress, s.ShippingNotes = task.Ship.RequireBy, task.Ship.ShippingAddress, task.Ship.ShippingNotes
		}
		if err := cin7.WriteSaleShip(ctx, s, update); err != nil {
			return err
		}
	}
	return nil
}

// fulfilStagesName names what a stage's write does, for plans.
func fulfilStagesName(s mapping.FulfilmentStage) string {
	switch s {
	case mapping.StageShip:
		return "pick, pack and ship"
	case mapping.StagePack:
		return "pick and pack"
	}
	return "pick"
}
