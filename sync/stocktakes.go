package sync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// The stocktakes flow: a stocktake validated in Ramp becomes one COMPLETED
// Cin7 Core stock adjustment of its place, counts as absolute quantities,
// only lines with a positive unit cost (mapping.Rules.StockAdjustment);
// the other lines are reported as skipped with their reason.
//
// Exactly once in effect: the ledger keys each stocktake by its Ramp ID
// and Version, and the adjustment's Reference names both
// (mapping.StocktakeReference). Before posting, the flow looks for that
// Reference among Cin7 Core's COMPLETED stock adjustments. The list has
// no change filter, no search and no documented order, so the look is one
// full read of the COMPLETED adjustments, made at most once per pass and
// only in a pass that has something to post (ceil(adjustments / 1000)
// calls; later looks in the same pass use it, plus what the pass itself
// posted: passes of one tenant never overlap). A stocktake the ledger has
// already posted costs no call at all, not even to Ramp for its lines.
//
// A post whose outcome is unknown (its answer was lost, or the pass died)
// leaves the ledger's intent in "posting", and the next pass's look may
// be a stale answer (a cached or lagging list) that does not show the
// adjustment yet. One "not found" is then not enough to post again: a
// second look, by another request (the adjustments in every status, read
// at most once per pass, after the first), must not find it either. An
// adjustment with the Reference in any status counts as the earlier post
// (one voided since was voided on purpose). A stocktake without such an
// intent costs no second look.

// StockAdjustmentTarget is what the stocktakes flow needs of Cin7 Core.
// The Source from Cin7Source implements it.
type StockAdjustmentTarget interface {
	// StockAdjustmentPages yields the stock adjustments in one status.
	StockAdjustmentPages(ctx context.Context, status cin7core.AdjustmentStatus) iter.Seq2[*cin7core.Page[cin7core.StockAdjustmentSummary], error]
	// CreateStockAdjustment posts an adjustment (never retried after a
	// 5xx or transport error).
	CreateStockAdjustment(ctx context.Context, req *cin7core.StockAdjustmentRequest) (*cin7core.StockAdjustment, error)
}

// ValidatedStocktakeSource is what the stocktakes flow needs of Ramp. The
// Sink from RampSink implements it.
type ValidatedStocktakeSource interface {
	// ValidatedStocktakePages yields stocktakes validated at or after
	// since (all validated ones for a zero since), without lines.
	ValidatedStocktakePages(ctx context.Context, since time.Time) iter.Seq2[*ramp.Page[ramp.Stocktake], error]
	// StocktakeWithLines reads one stocktake with its lines; an error
	// matching ramp.ErrNotFound if it is gone.
	StocktakeWithLines(ctx context.Context, id string) (*ramp.Stocktake, error)
}

func init() {
	registerStream(StreamStocktakes, streamDef{run: (*Engine).syncStocktakes, supported: func(e *Engine) bool {
		_, src := e.cfg.Source.(StockAdjustmentTarget)
		_, snk := e.cfg.Sink.(ValidatedStocktakeSource)
		return src && snk
	}})
}

func (s cin7Source) StockAdjustmentPages(ctx context.Context, status cin7core.AdjustmentStatus) iter.Seq2[*cin7core.Page[cin7core.StockAdjustmentSummary], error] {
	return s.c.StockAdjustments.List(&cin7core.StockAdjustmentListOptions{Status: status}).Pages(ctx)
}

func (s cin7Source) CreateStockAdjustment(ctx context.Context, req *cin7core.StockAdjustmentRequest) (*cin7core.StockAdjustment, error) {
	return s.c.StockAdjustments.Create(ctx, req)
}

func (s rampSink) ValidatedStocktakePages(ctx context.Context, since time.Time) iter.Seq2[*ramp.Page[ramp.Stocktake], error] {
	validated := true
	q := ramp.StocktakeQuery{Validated: &validated, ValidatedSince: since}
	return s.c.Stocktakes.List(&ramp.ListOptions{Filter: q.Filter()}).Pages(ctx)
}

func (s rampSink) StocktakeWithLines(ctx context.Context, id string) (*ramp.Stocktake, error) {
	return s.c.Stocktakes.Get(ctx, id)
}

// stocktakeProductsFullRead is how many products a pass fetches one by
// one before reading the whole catalogue instead (1000 products a call).
const stocktakeProductsFullRead = 10

// stocktakePass holds what one pass of the flow has read from Cin7 Core.
type stocktakePass struct {
	// refs maps the References of COMPLETED adjustments to their TaskID;
	// nil until read.
	refs map[string]string
	// products by normalised ID; a nil entry is a product Cin7 Core does
	// not have.
	products map[string]*cin7core.Product
	// catalogue is set once every product has been read.
	catalogue bool
	// anyRefs maps the References of adjustments in every status to their
	// TaskID: the second look for posts of an unknown outcome; nil until
	// read.
	anyRefs map[string]string
}

// syncStocktakes reads the stocktakes validated in Ramp since the cursor
// (less the lookback) and posts each one's adjustment once. The cursor
// (the latest validation seen, capped at the pass's start) advances only
// when the read was complete and no stocktake failed.
func (e *Engine) syncStocktakes(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	if id, ok := targetStocktake(ctx); ok {
		return e.syncOneStocktake(ctx, id, sr, log) // Engine.SyncStocktake
	}
	cin7 := e.cfg.Source.(StockAdjustmentTarget)
	rmp := e.cfg.Sink.(ValidatedStocktakeSource)
	l, err := e.loadLedger(ctx, StreamStocktakes, log)
	if err != nil {
		return err
	}
	passStart := e.cfg.Now().UTC()
	var since time.Time
	if !l.Cursor.IsZero() {
		since = l.Cursor.Add(-e.cfg.Lookback)
	}
	pass := &stocktakePass{products: map[string]*cin7core.Product{}}
	var comp completeness
	var latest time.Time
	failed := false
	for page, err := range rmp.ValidatedStocktakePages(ctx, since) {
		if err != nil {
			return err
		}
		for _, st := range page.Items {
			if err := ctx.Err(); err != nil {
				return err
			}
			comp.add(st.ID, page.Count, page.HasCount)
			sr.Read++
			if st.ValidatedAt.After(latest) {
				latest = st.ValidatedAt
			}
			if prev, ok := l.Entries[st.ID]; ok && prev.State == ledgerPosted && prev.DocVersion == stocktakeVersion(st.Version) {
				sr.Unchanged++ // the ledger answers alone: no call
				continue
			}
			ok, err := e.postStocktake(ctx, cin7, rmp, l, pass, st, sr, log)
			if err != nil {
				return err
			}
			failed = failed || !ok
		}
		e.progress(sr, len(comp.ids), comp.total)
	}
	if m := comp.missing(); m > 0 {
		sr.warn(fmt.Sprintf("%d stocktakes changed position while being read; the cursor stays for the next pass", m))
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
		return e.save(ctx, StreamStocktakes, l)
	}
	return nil
}

func stocktakeVersion(v int64) string { return strconv.FormatInt(v, 10) }

// postStocktake posts one stocktake's adjustment. It reports false when
// Cin7 Core refused it at record level (reported; the cursor stays so the
// next pass retries it) and an error when the stream must stop.
func (e *Engine) postStocktake(ctx context.Context, cin7 StockAdjustmentTarget, rmp ValidatedStocktakeSource, l *ledgerState, pass *stocktakePass,
	summary ramp.Stocktake, sr *StreamReport, log *slog.Logger) (bool, error) {
	rctx, cancel := e.recordCtx(ctx)
	defer cancel()
	name := summary.Name
	st, err := rmp.StocktakeWithLines(rctx, summary.ID)
	switch {
	case errors.Is(err, ramp.ErrNotFound):
		// Deleted since the list was read: nothing left to retry.
		sr.fail(Failure{ID: summary.ID, Name: name, Stage: "read", Reason: err.Error()})
		return true, nil
	case err != nil:
		return false, err
	}
	if name == "" {
		name = st.Name
	}
	ver := stocktakeVersion(st.Version)
	if prev, ok := l.Entries[st.ID]; ok && prev.State == ledgerPosted && prev.DocVersion == ver {
		sr.Unchanged++
		return true, nil
	}
	products, err := e.stocktakeProducts(rctx, pass, st.Lines)
	if err != nil {
		return false, err
	}
	adj, err := e.cfg.Rules.StockAdjustment(*st, products)
	if err != nil {
		// Comes back when the stocktake changes; does not hold the cursor.
		sr.fail(Failure{ID: st.ID, Name: name, Stage: "mapping", Reason: err.Error()})
		return true, nil
	}
	for _, s := range adj.Skipped {
		sr.skip(stocktakeLineID(st.ID, s), string(s.Reason))
		sr.SkippedLines = append(sr.SkippedLines, skippedStocktakeLine(st.ID, s))
		log.Info("stocktake line not posted", slog.String("stocktake", st.ID), slog.Int("line", s.Index), slog.String("sku", s.SkuNumber),
			slog.String("reason", string(s.Reason)), slog.String("detail", s.Detail))
	}
	if len(adj.Request.Lines) == 0 {
		// Nothing to post: noted so later passes do not read it again.
		sr.skip(st.ID, string(mapping.SkipAdjustmentNothingToPost))
		l.Entries[st.ID] = ledgerEntry{DocVersion: ver, State: ledgerPosted, At: e.cfg.Now().UTC()}
		return true, e.save(rctx, StreamStocktakes, l)
	}
	marker := adj.Request.Reference
	// An intent of this version left by an earlier pass: its post may have
	// landed (see the file comment).
	prev, ok := l.Entries[st.ID]
	unknown := ok && prev.State == ledgerPosting && prev.DocVersion == ver
	check := func(ctx context.Context) (bool, string, error) {
		if pass.refs == nil {
			refs, err := stocktakeRefs(ctx, cin7, cin7core.AdjustmentCompleted)
			if err != nil {
				return false, "", err
			}
			pass.refs = refs
		}
		if id, ok := pass.refs[marker]; ok || !unknown {
			return ok, id, nil
		}
		if pass.anyRefs == nil {
			refs, err := stocktakeRefs(ctx, cin7, "")
			if err != nil {
				return false, "", err
			}
			pass.anyRefs = refs
		}
		id, ok := pass.anyRefs[marker]
		if ok {
			log.Warn("the first look missed an earlier pass's stock adjustment; a second look found it",
				slog.String("stocktake", st.ID), slog.String("reference", marker), slog.String("task", id))
			pass.refs[marker] = id
		}
		return ok, id, nil
	}
	post := func(ctx context.Context) (string, error) {
		req := adj.Request
		out, err := cin7.CreateStockAdjustment(ctx, &req)
		if err != nil {
			return "", err
		}
		pass.refs[marker] = out.TaskID
		return out.TaskID, nil
	}
	out, ref, err := e.postOnce(rctx, StreamStocktakes, l, st.ID, ver, check, post)
	switch {
	case err == nil:
	case errors.Is(err, cin7core.ErrValidation) || errors.Is(err, cin7core.ErrNotFound):
		sr.fail(Failure{ID: st.ID, Name: name, Stage: "cin7", Reason: err.Error()})
		return false, nil
	default:
		if cin7core.MayHaveReachedServer(err) {
			log.Warn("a stock adjustment may have reached Cin7 Core; the next pass checks before posting again",
				slog.String("stocktake", st.ID), slog.String("reference", marker), slog.Any("error", err))
		}
		return false, err
	}
	switch out {
	case posted:
		sr.Created++
		if e.cfg.DryRun {
			sr.Plan = append(sr.Plan, PlannedWrite{Action: "post", Kind: "stock adjustment", ExternalRef: marker, Name: name,
				Lines: plannedAdjustmentLines(adj.Request.Lines, products)})
		}
		log.Info("stock adjustment posted", slog.String("stocktake", st.ID), slog.String("task", ref), slog.Int("lines", len(adj.Request.Lines)))
	case foundPosted:
		sr.Unchanged++
		log.Info("stock adjustment found in Cin7 Core from an earlier pass", slog.String("stocktake", st.ID), slog.String("task", ref))
	default:
		sr.Unchanged++
	}
	return true, nil
}

// stocktakeRefs reads the References of Cin7 Core's stock adjustments in
// one status ("": every status) with their TaskIDs.
func stocktakeRefs(ctx context.Context, cin7 StockAdjustmentTarget, status cin7core.AdjustmentStatus) (map[string]string, error) {
	refs := map[string]string{}
	for page, err := range cin7.StockAdjustmentPages(ctx, status) {
		if err != nil {
			return nil, err
		}
		for _, a := range page.Items {
			if r := strings.TrimSpace(a.Reference); r != "" {
				refs[r] = a.TaskID
			}
		}
	}
	return refs, nil
}

// stocktakeLineID names a skipped line in reports.
func stocktakeLineID(stocktakeID string, s mapping.AdjustmentSkip) string {
	id := fmt.Sprintf("%s/%d", stocktakeID, s.Index+1)
	if s.SkuNumber != "" {
		id += " " + s.SkuNumber
	}
	if s.Batch != "" {
		id += " (" + s.Batch + ")"
	}
	return id
}

// stocktakeProducts returns the Cin7 Core products the lines name, keyed by
// normalised ID (absent: not in Cin7 Core). A few are read one by one;
// more, and the whole catalogue is read once for the pass.
func (e *Engine) stocktakeProducts(ctx context.Context, pass *stocktakePass, lines []ramp.StocktakeLine) (map[string]cin7core.Product, error) {
	var want []string
	seen := map[string]bool{}
	for _, l := range lines {
		id := cin7core.NormalizeID(l.SkuExternalRef)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if _, known := pass.products[id]; !known && !pass.catalogue {
			want = append(want, id)
		}
	}
	if len(want) > stocktakeProductsFullRead {
		for page, err := range e.cfg.Source.ProductPages(ctx, time.Time{}) {
			if err != nil {
				return nil, err
			}
			for i := range page.Items {
				p := page.Items[i]
				pass.products[cin7core.NormalizeID(p.ID)] = &p
			}
		}
		pass.catalogue = true
	} else {
		for _, id := range want {
			p, err := e.cfg.Source.Product(ctx, id)
			switch {
			case errors.Is(err, cin7core.ErrNotFound):
				pass.products[id] = nil
			case err != nil:
				return nil, err
			default:
				pass.products[id] = p
			}
		}
	}
	out := map[string]cin7core.Product{}
	for id := range seen {
		if p := pass.products[id]; p != nil {
			out[id] = *p
		}
	}
	return out, nil
}
