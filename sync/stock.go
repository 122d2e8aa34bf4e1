package sync

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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

func init() {
	registerStream(StreamStock, streamDef{run: (*Engine).syncStock, supported: func(e *Engine) bool {
		_, src := e.cfg.Source.(StockSource)
		_, snk := e.cfg.Sink.(StockSink)
		return src && snk
	}})
}

// StockSource is what the stock stream reads from Cin7 Core besides the
// core Source (it also reads the location list, to place rows that name
// locations and bins by name). [Cin7Source] implements it.
type StockSource interface {
	// AvailabilityPages yields every stock-on-hand row, page by page. The
	// endpoint has no change filter, so this is always the whole list.
	AvailabilityPages(ctx context.Context) iter.Seq2[*cin7core.Page[cin7core.AvailabilityRow], error]
}

// StockSink is what the stock stream needs from Ramp besides the core
// Sink. [RampSink] implements it.
type StockSink interface {
	// PutPlaceStock replaces every expected count of one place (no lines
	// clears it). It must be idempotent: the engine repeats it after a
	// crash.
	PutPlaceStock(ctx context.Context, placeExternalRef string, lines []ramp.PlaceStockLine) error
	// AllPlaceStock yields every expected count Ramp holds; a pass with no
	// state uses it to write only places that differ.
	AllPlaceStock(ctx context.Context) iter.Seq2[ramp.PlaceStockLine, error]
	// ValidatedStocktakes yields every validated stocktake, without lines.
	ValidatedStocktakes(ctx context.Context) iter.Seq2[ramp.Stocktake, error]
	// StocktakeByID returns one stocktake with its lines.
	StocktakeByID(ctx context.Context, id string) (*ramp.Stocktake, error)
}

func (s cin7Source) AvailabilityPages(ctx context.Context) iter.Seq2[*cin7core.Page[cin7core.AvailabilityRow], error] {
	return s.c.Availability.List(nil).Pages(ctx)
}

func (s rampSink) PutPlaceStock(ctx context.Context, ref string, lines []ramp.PlaceStockLine) error {
	_, err := s.c.PlaceStock.Put(ctx, ref, lines)
	return err
}

func (s rampSink) AllPlaceStock(ctx context.Context) iter.Seq2[ramp.PlaceStockLine, error] {
	return s.c.PlaceStock.List("", nil).All(ctx)
}

func (s rampSink) ValidatedStocktakes(ctx context.Context) iter.Seq2[ramp.Stocktake, error] {
	yes := true
	return s.c.Stocktakes.List(&ramp.ListOptions{Filter: ramp.StocktakeQuery{Validated: &yes}.Filter()}).All(ctx)
}

func (s rampSink) StocktakeByID(ctx context.Context, id string) (*ramp.Stocktake, error) {
	return s.c.Stocktakes.Get(ctx, id)
}

// stockState is the stock stream's checkpoint: what Ramp holds per place.
type stockState struct {
	Version int `json:"version"`
	// Places maps a place's ExternalRef to the hash of the expected counts
	// last written to (or found in) Ramp; places with none are absent.
	Places map[string]string `json:"places"`
}

func (s *stockState) reset() { *s = stockState{Version: 1} }

// stockQuantity is the figure expected counts are taken from. mapping.Rules
// has no field for it yet, so the engine uses the documented default
// (mapping.StockFromOnHand); see mapping.StockQuantity for why.
func (e *Engine) stockQuantity() mapping.StockQuantity {
	if e.cfg.Rules.StockQuantity == "" {
		return mapping.StockFromOnHand
	}
	return e.cfg.Rules.StockQuantity
}

// StockValidation sets Ramp's latest validated stocktake of each place
// beside Cin7 Core's on-hand units, per place and SKU, so a human can see
// where the two disagree. Cin7 Core's figure is always OnHand (units),
// whatever figure the expected counts use. A stocktake is compared with
// today's stock: movements since it was validated show as differences, so
// read each place with its ValidatedAt in mind.
type StockValidation struct {
	// Places are the places with a validated stocktake, by ExternalRef.
	Places []StockValidationPlace `json:"places"`
	// Uncounted lists places (ExternalRef) where Cin7 Core has stock but
	// Ramp has no validated stocktake.
	Uncounted []string `json:"uncounted,omitempty"`
}

// StockValidationPlace is one place's comparison.
type StockValidationPlace struct {
	PlaceExternalRef string `json:"place_external_ref"`
	PlaceName        string `json:"place_name,omitempty"`
	// StocktakeID names the stocktake compared (of this place or of its
	// parent location, whichever was validated last).
	StocktakeID   string                `json:"stocktake_id"`
	StocktakeName string                `json:"stocktake_name,omitempty"`
	ValidatedAt   time.Time             `json:"validated_at"`
	Lines         []StockValidationLine `json:"lines"`
}

// StockValidationLine compares one SKU at one place (batches summed).
type StockValidationLine struct {
	// SkuExternalRef is the Cin7 Core product ID; SkuNumber its code.
	SkuExternalRef string `json:"sku_external_ref"`
	SkuNumber      string `json:"sku_number,omitempty"`
	// Counted is what the stocktake found (Ramp); OnHand is Cin7 Core's
	// units on hand now.
	Counted decimal.Decimal `json:"counted"`
	OnHand  decimal.Decimal `json:"on_hand"`
	// Difference is Counted − OnHand.
	Difference decimal.Decimal `json:"difference"`
	// InRamp and InCin7 say which sides list the SKU at the place.
	InRamp bool `json:"in_ramp"`
	InCin7 bool `json:"in_cin7"`
}

// WriteCSV writes the comparison as CSV (RFC 4180), one row per place and
// SKU, decimals as plain strings and times in RFC 3339 UTC, for people to
// open in a spreadsheet.
func (v *StockValidation) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"PlaceExternalRef", "PlaceName", "StocktakeId", "StocktakeName", "ValidatedAt", "SkuExternalRef", "SkuNumber", "Counted", "OnHand", "Difference", "InRamp", "InCin7"})
	if v != nil {
		for _, p := range v.Places {
			at := ""
			if !p.ValidatedAt.IsZero() {
				at = p.ValidatedAt.UTC().Format(time.RFC3339)
			}
			for _, l := range p.Lines {
				_ = cw.Write([]string{p.PlaceExternalRef, p.PlaceName, p.StocktakeID, p.StocktakeName, at, l.SkuExternalRef, l.SkuNumber,
					l.Counted.String(), l.OnHand.String(), l.Difference.String(), fmt.Sprint(l.InRamp), fmt.Sprint(l.InCin7)})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// syncStock re-reads the whole stock-on-hand list (it has no change
// filter), sums it per place × SKU × batch, and replaces the expected
// counts of each place whose content changed since the last pass (a place
// with counts last pass and none now is cleared). Then it compares Ramp's
// latest validated stocktakes with Cin7 Core's on-hand units.
func (e *Engine) syncStock(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	sink := e.cfg.Sink.(StockSink)
	src := e.cfg.Source.(StockSource)
	st := stockState{Version: 1}
	if err := e.load(ctx, StreamStock, &st, log); err != nil {
		return err
	}
	if st.Places == nil {
		st.Places = map[string]string{}
	}

	// Rows name locations by name: resolve them from the locations
	// stream's last read, or read the locations once if it has none.
	locs, err := e.knownLocations(ctx, sr, log)
	if err != nil {
		return err
	}
	places := e.cfg.Rules.StockPlaces(locs)
	locs = nil

	// Sum the rows page by page; only the sums are kept. Rows are keyed so
	// a row shifted onto a later page by a change during the read is not
	// counted twice.
	counts := e.cfg.Rules.StockCounts(places, e.stockQuantity())
	codes := map[string]string{}
	seen := map[[16]byte]bool{}
	total, badRows := 0, 0
	for page, err := range src.AvailabilityPages(ctx) {
		if err != nil {
			return err // nothing written yet
		}
		for _, row := range page.Items {
			k := stockRowKey(row)
			if page.HasTotal && page.Total > total {
				total = page.Total
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			sr.Read++
			key, reason := counts.Add(row)
			if reason != "" {
				sr.skip(stockRowID(row), string(reason))
				continue
			}
			if row.SKU != "" {
				codes[key.Sku] = row.SKU
			}
		}
		for _, bad := range page.Invalid {
			sr.Read++
			badRows++
			sr.fail(Failure{ID: cin7core.NormalizeID(bad.ID), Stage: "read", Reason: bad.Error() + "; its units are missing from its place's expected counts"})
		}
		e.progress(sr, sr.Read, page.Total)
	}
	if n := total - len(seen) - badRows; n > 0 {
		// Page-number paging over a list that changed while being read:
		// some rows were never seen. Writing now would drop their units.
		return fmt.Errorf("sync: the stock list changed while being read (%d of %d rows missed); nothing written, the next pass reads it again", n, total)
	}
	seen = nil

	// Products with stock that Ramp lacks are synced first.
	var (
		skuIDs  map[string]string
		missing map[string]string
	)
	if e.cfg.DryRun {
		skuIDs, missing, err = e.stockDrySkus(ctx, counts.Skus(), sr, log)
	} else {
		skuIDs, missing, err = e.ensureSkus(ctx, counts.Skus(), log)
	}
	if err != nil {
		return err
	}
	skip := func(sku string) mapping.SkipReason {
		if _, ok := skuIDs[sku]; ok {
			return ""
		}
		if r := missing[sku]; r != "" {
			return mapping.SkipReason(r)
		}
		return "product not in Ramp"
	}

	res, err := e.newPlaceResolver(ctx, log)
	if err != nil {
		return err
	}
	if len(st.Places) == 0 {
		// No state (first pass, or lost): learn what Ramp holds, so only
		// places that differ are written and stale ones cleared.
		if st.Places, err = stockIndexRamp(ctx, sink, places); err != nil {
			return err
		}
	}

	todo := counts.Places()
	for ref := range st.Places {
		if !slices.Contains(todo, ref) {
			todo = append(todo, ref)
		}
	}
	slices.Sort(todo)
	stop := func(err error) error {
		if serr := e.save(ctx, StreamStock, st); serr != nil {
			return errors.Join(err, serr)
		}
		return err
	}
	for _, ref := range todo {
		if err := ctx.Err(); err != nil {
			return stop(err) // shutting down: between places, never inside one
		}
		lines, dropped := counts.Lines(ref, skip)
		for _, d := range dropped {
			sr.skip(d.Key.Sku+"@"+ref, string(d.Reason))
		}
		prev, had := st.Places[ref]
		h := stockHash(lines)
		switch {
		case len(lines) == 0 && !had:
			continue // nothing expected now, nothing last pass
		case had && prev == h:
			sr.Unchanged++
			continue
		}
		name := places.Name(ref)
		id, err := res.placeID(ctx, ref)
		if err != nil {
			return stop(err)
		}
		if id == "" {
			if len(lines) == 0 {
				delete(st.Places, ref) // the place is gone from Ramp, and its counts with it
				continue
			}
			sr.fail(Failure{ID: ref, Name: name, Stage: "ramp", Reason: "place is not in Ramp (the locations stream creates it)"})
			continue
		}
		if e.cfg.DryRun {
			action := "replace"
			if len(lines) == 0 {
				action = "clear"
			}
			sr.Plan = append(sr.Plan, PlannedWrite{Action: action, Kind: "place-stock", ExternalRef: ref, Name: name})
		} else {
			wctx, cancel := e.recordCtx(ctx)
			err = sink.PutPlaceStock(wctx, ref, lines)
			cancel()
			switch {
			case err != nil && isRecordLevel(err):
				log.Warn("expected counts refused", slog.String("place", ref), slog.String("reason", err.Error()))
				sr.fail(Failure{ID: ref, Name: name, Stage: "ramp", Reason: err.Error()})
				continue
			case err != nil:
				return stop(err)
			}
		}
		if len(lines) == 0 {
			delete(st.Places, ref)
		} else {
			st.Places[ref] = h
		}
		if had {
			sr.Updated++
		} else {
			sr.Created++
		}
		if err := e.save(ctx, StreamStock, st); err != nil {
			return err
		}
	}
	sr.Quarantined = sr.Failed
	if err := e.save(ctx, StreamStock, st); err != nil {
		return err
	}

	v, err := e.stockValidate(ctx, sink, places, counts, codes, res)
	if err != nil {
		return fmt.Errorf("sync: expected counts written; the validation report failed: %w", err)
	}
	sr.StockValidation = v
	return nil
}

// stockRowKey identifies an availability row (product × location × bin ×
// batch × expiry) compactly.
func stockRowKey(r cin7core.AvailabilityRow) [16]byte {
	var exp string
	if t := r.ExpiryDate.Time; !t.IsZero() {
		exp = t.UTC().Format(time.RFC3339Nano)
	}
	s := sha256.Sum256([]byte(strings.Join([]string{cin7core.NormalizeID(r.ID), strings.ToLower(strings.TrimSpace(r.Location)),
		strings.ToLower(strings.TrimSpace(r.Bin)), strings.TrimSpace(r.Batch), exp}, "\x00")))
	var k [16]byte
	copy(k[:], s[:16])
	return k
}

func stockRowID(r cin7core.AvailabilityRow) string {
	id := cin7core.NormalizeID(r.ID) + "@" + r.Location
	if r.Bin != "" {
		id += ": " + r.Bin
	}
	return id
}

// stockHash is the content hash of a place's expected counts: SKU, batch
// and quantity of each line, in SKU and batch order, quantities in their
// canonical decimal form (so "12" and "12.0" agree).
func stockHash(lines []ramp.PlaceStockLine) string {
	rows := make([]string, len(lines))
	for i, l := range lines {
		rows[i] = l.SkuExternalRef + "\x00" + l.Batch + "\x00" + l.Quantity.String()
	}
	slices.Sort(rows)
	sum := sha256.Sum256([]byte(strings.Join(rows, "\n")))
	return hex.EncodeToString(sum[:12])
}

// stockIndexRamp hashes the expected counts Ramp holds per place, for
// places the location list knows (counts Ramp holds for places of its own
// are not the integration's to clear).
func stockIndexRamp(ctx context.Context, sink StockSink, places *mapping.StockPlaces) (map[string]string, error) {
	byPlace := map[string][]ramp.PlaceStockLine{}
	for l, err := range sink.AllPlaceStock(ctx) {
		if err != nil {
			return nil, err
		}
		ref := l.PlaceExternalRef
		if places.Name(ref) == "" {
			continue
		}
		byPlace[ref] = append(byPlace[ref], ramp.PlaceStockLine{SkuExternalRef: l.SkuExternalRef, Batch: l.Batch, Quantity: l.Quantity})
	}
	out := make(map[string]string, len(byPlace))
	for ref, lines := range byPlace {
		out[ref] = stockHash(lines)
	}
	return out, nil
}

// stockDrySkus is ensureSkus for a dry run: it finds the SKUs Ramp has and
// plans the ones it would create, writing nothing.
func (e *Engine) stockDrySkus(ctx context.Context, ids []string, sr *StreamReport, log *slog.Logger) (map[string]string, map[string]string, error) {
	ps := productsState{Version: 1}
	if err := e.load(ctx, StreamProducts, &ps, log); err != nil {
		return nil, nil, err
	}
	found, missing := map[string]string{}, map[string]string{}
	for _, id := range ids {
		if s, ok := ps.Skus[id]; ok && s.ID != "" {
			found[id] = s.ID
			continue
		}
		if k, err := e.cfg.Sink.FindSku(ctx, id); err == nil && k.ID != "" {
			found[id] = k.ID
			continue
		} else if err != nil && !errors.Is(err, ramp.ErrNotFound) {
			return nil, nil, err
		}
		p, err := e.cfg.Source.Product(ctx, id)
		var re *cin7core.RowError
		switch {
		case errors.Is(err, cin7core.ErrNotFound):
			missing[id] = "product not found in Cin7 Core"
			continue
		case errors.As(err, &re):
			missing[id] = re.Error()
			continue
		case err != nil:
			return nil, nil, err
		}
		sku, reason, err := e.cfg.Rules.Product(*p)
		switch {
		case err != nil:
			missing[id] = err.Error()
		case reason != "":
			missing[id] = string(reason)
		default:
			sr.Plan = append(sr.Plan, PlannedWrite{Action: "create", Kind: "sku", ExternalRef: id, Name: sku.Name})
			found[id] = "dry-run:" + id
		}
	}
	return found, missing, nil
}

// stockValidate builds the validation report: for each place, the latest
// validated stocktake of the place or of its location (a stocktake of a
// location counts its bins too), its counts per SKU beside Cin7 Core's
// on-hand units.
func (e *Engine) stockValidate(ctx context.Context, sink StockSink, places *mapping.StockPlaces, counts *mapping.StockCounts, codes map[string]string, res *placeResolver) (*StockValidation, error) {
	refOf := map[string]string{} // Ramp place ID → ExternalRef
	for ref, id := range res.known {
		if id != "" {
			refOf[id] = ref
		}
	}
	placeRef := func(ref, id string) string {
		if ref != "" {
			return cin7core.NormalizeID(ref)
		}
		return refOf[strings.ToLower(id)]
	}
	type take struct {
		id, name string
		at       time.Time
		version  int64
	}
	later := func(a, b *take) bool {
		if !a.at.Equal(b.at) {
			return a.at.After(b.at)
		}
		if a.version != b.version {
			return a.version > b.version
		}
		return a.id > b.id
	}
	latestAt := map[string]*take{}
	for s, err := range sink.ValidatedStocktakes(ctx) {
		if err != nil {
			return nil, err
		}
		if !s.Validated {
			continue
		}
		ref := placeRef(s.PlaceExternalRef, s.PlaceID)
		if ref == "" || (places.Parent(ref) != "" && !places.BinsMapped()) {
			continue // not a Cin7 place, or a partial count of a location whose bins are not places
		}
		t := &take{id: s.ID, name: s.Name, at: s.ValidatedAt, version: s.Version}
		if cur := latestAt[ref]; cur == nil || later(t, cur) {
			latestAt[ref] = t
		}
	}
	chosen := func(ref string) *take {
		t := latestAt[ref]
		if par := places.Parent(ref); par != "" && places.BinsMapped() {
			if pt := latestAt[par]; pt != nil && (t == nil || later(pt, t)) {
				t = pt
			}
		}
		return t
	}
	refs := counts.Places()
	for ref := range latestAt {
		if !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	// Read each stocktake some place compares with, once.
	type countKey struct{ place, sku string }
	counted := map[countKey]decimal.Decimal{}
	numbers := map[string]string{}
	fetched := map[string]bool{}
	for _, ref := range refs {
		t := chosen(ref)
		if t == nil || fetched[t.id] {
			continue
		}
		fetched[t.id] = true
		s, err := sink.StocktakeByID(ctx, t.id)
		if err != nil {
			return nil, err
		}
		at := placeRef(s.PlaceExternalRef, s.PlaceID)
		for _, l := range s.Lines {
			lp := placeRef(l.PlaceExternalRef, l.PlaceID)
			if lp == "" {
				lp = at
			}
			lp = places.Effective(lp)
			if c := chosen(lp); c == nil || c.id != t.id {
				continue // a later stocktake speaks for that place
			}
			sku := cin7core.NormalizeID(l.SkuExternalRef)
			if sku == "" {
				continue
			}
			if !slices.Contains(refs, lp) {
				refs = append(refs, lp) // a bin with counts but no stock in Cin7 Core
			}
			k := countKey{lp, sku}
			counted[k] = counted[k].Add(l.Counted)
			if l.SkuNumber != "" {
				numbers[sku] = l.SkuNumber
			}
		}
	}
	inRamp := map[string][]string{}
	for k := range counted {
		inRamp[k.place] = append(inRamp[k.place], k.sku)
	}
	slices.Sort(refs)
	v := &StockValidation{Places: []StockValidationPlace{}}
	for _, ref := range refs {
		onHand := counts.OnHandBySku(ref)
		t := chosen(ref)
		if t == nil {
			for _, q := range onHand {
				if !q.IsZero() {
					v.Uncounted = append(v.Uncounted, ref)
					break
				}
			}
			continue
		}
		skus := slices.Clone(inRamp[ref])
		for sku := range onHand {
			if !slices.Contains(skus, sku) {
				skus = append(skus, sku)
			}
		}
		if len(skus) == 0 {
			continue
		}
		slices.Sort(skus)
		vp := StockValidationPlace{PlaceExternalRef: ref, PlaceName: places.Name(ref), StocktakeID: t.id, StocktakeName: t.name, ValidatedAt: t.at}
		for _, sku := range skus {
			c, inR := counted[countKey{ref, sku}]
			o, inC := onHand[sku]
			num := codes[sku]
			if num == "" {
				num = numbers[sku]
			}
			vp.Lines = append(vp.Lines, StockValidationLine{SkuExternalRef: sku, SkuNumber: num, Counted: c, OnHand: o, Difference: c.Sub(o), InRamp: inR, InCin7: inC})
		}
		v.Places = append(v.Places, vp)
	}
	return v, nil
}
