package sync_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"iter"
	"maps"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// stockHarness wires engines to both fakes loaded with the demo tenant.
type stockHarness struct {
	cin7Srv *cin7coretest.Server
	rampSrv *ramptest.Server
	cin7    *cin7core.Client
	ramp    *ramp.Client
	store   cinsync.StateStore
}

func newStockHarness(t *testing.T) *stockHarness {
	t.Helper()
	h := &stockHarness{store: cinsync.NewMemoryStore()}
	h.cin7Srv = cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	t.Cleanup(h.cin7Srv.Close)
	h.rampSrv = ramptest.NewServer()
	t.Cleanup(h.rampSrv.Close)
	var err error
	if h.cin7, err = cin7core.NewClient(cin7core.WithBaseURL(h.cin7Srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(fastRetry)); err != nil {
		t.Fatal(err)
	}
	if h.ramp, err = ramp.NewClient(ramp.WithBaseURL(h.rampSrv.URL()), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
		ramp.WithRetryPolicy(fastRetry)); err != nil {
		t.Fatal(err)
	}
	return h
}

// engine builds an engine on the harness's store; tweak adjusts the config.
func (h *stockHarness) engine(t *testing.T, tweak func(*cinsync.Config)) *cinsync.Engine {
	t.Helper()
	cfg := cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp), State: h.store, Tenant: "demo"}
	if tweak != nil {
		tweak(&cfg)
	}
	e, err := cinsync.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run syncs the given streams and fails the test on a stream error.
func (h *stockHarness) run(t *testing.T, e *cinsync.Engine, streams ...cinsync.Stream) *cinsync.Report {
	t.Helper()
	rep, err := e.Sync(context.Background(), streams...)
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, rep.Summary())
	}
	return rep
}

// stockFull runs locations, products and stock.
func (h *stockHarness) stockFull(t *testing.T, e *cinsync.Engine) *cinsync.StreamReport {
	t.Helper()
	rep := h.run(t, e, cinsync.StreamLocations, cinsync.StreamProducts, cinsync.StreamStock)
	return rep.Stream(cinsync.StreamStock)
}

type stockKey struct{ place, sku, batch string }

// rampStock is Ramp's expected counts, keyed.
func (h *stockHarness) rampStock() map[stockKey]decimal.Decimal {
	out := map[stockKey]decimal.Decimal{}
	for _, l := range h.rampSrv.PlaceStock("") {
		out[stockKey{l.PlaceExternalRef, l.SkuExternalRef, l.Batch}] = l.Quantity
	}
	return out
}

// wantStock derives the expected counts from the fake's ledger: units on
// hand per place (bin or, with bins off, location) × product × batch, for
// products Ramp has a SKU for.
func (h *stockHarness) wantStock(noBins bool) map[stockKey]decimal.Decimal {
	bins := map[string]string{}
	for _, l := range h.cin7Srv.Tenant().Locations() {
		if l.ParentID != "" {
			bins[cin7core.NormalizeID(l.ParentID)+"/"+strings.ToLower(l.Name)] = cin7core.NormalizeID(l.ID)
		}
	}
	skus := map[string]bool{}
	for _, s := range h.rampSrv.Skus() {
		skus[s.ExternalRef] = true
	}
	sum := map[stockKey]decimal.Decimal{}
	for _, en := range h.cin7Srv.Tenant().Stock() {
		k := en.Key
		place := k.LocationID
		if k.Bin != "" && !noBins {
			place = bins[k.LocationID+"/"+strings.ToLower(k.Bin)]
		}
		if !skus[k.ProductID] {
			continue
		}
		sk := stockKey{place, k.ProductID, k.Batch}
		sum[sk] = sum[sk].Add(en.Level.OnHand)
	}
	for k, q := range sum {
		if !q.IsPositive() {
			delete(sum, k)
		}
	}
	return sum
}

func stockEqual(t *testing.T, got, want map[stockKey]decimal.Decimal) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || !g.Equal(w) {
			t.Errorf("%+v: Ramp expects %s, want %s", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%+v: Ramp expects %s, want no line", k, g)
		}
	}
}

func stockPlaces(m map[stockKey]decimal.Decimal) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k.place] = true
	}
	return out
}

func TestStockFirstPassThenNothingChanged(t *testing.T) {
	h := newStockHarness(t)
	e := h.engine(t, nil)
	sr := h.stockFull(t, e)
	want := h.wantStock(false)
	if len(want) == 0 {
		t.Fatal("the demo tenant has no stock")
	}
	stockEqual(t, h.rampStock(), want)
	places := stockPlaces(want)
	if len(places) < 3 {
		t.Fatalf("stock at %d places; the demo should spread it across locations and bins", len(places))
	}
	binPlaces := 0
	for p := range places {
		for _, rp := range h.rampSrv.Places() {
			if rp.ExternalRef == p && rp.ParentPlaceID != "" {
				binPlaces++
			}
		}
	}
	if binPlaces == 0 {
		t.Fatal("no expected counts on a bin's place")
	}
	if sr.Created != len(places) || sr.Updated != 0 || sr.Failed != 0 {
		t.Fatalf("first pass %+v, want %d places created", sr, len(places))
	}
	if got := h.rampSrv.CallsTo("SetPlaceStock"); got != len(places) {
		t.Fatalf("%d SetPlaceStock calls, want one per place (%d)", got, len(places))
	}
	if sr.StockValidation == nil || len(sr.StockValidation.Places) != 0 || len(sr.StockValidation.Uncounted) != len(places) {
		t.Fatalf("validation before any stocktake: %+v", sr.StockValidation)
	}

	// Nothing changed: nothing written.
	before := h.rampSrv.CallsTo("SetPlaceStock")
	sr = h.run(t, e, cinsync.StreamStock).Stream(cinsync.StreamStock)
	if got := h.rampSrv.CallsTo("SetPlaceStock") - before; got != 0 {
		t.Fatalf("second pass wrote %d places, want none", got)
	}
	if sr.Unchanged != len(places) || sr.Created+sr.Updated != 0 {
		t.Fatalf("second pass %+v", sr)
	}
	if got := h.rampSrv.CallsTo("GetFilteredPlaceStock"); got != 1 {
		t.Fatalf("Ramp's expected counts were listed %d times, want once (first pass, no state)", got)
	}
}

// stockSomeEntry returns a ledger entry in a bin, and one at a location
// without a bin.
func stockEntries(t *testing.T, h *stockHarness) (inBin, atLoc cin7coretest.StockEntry) {
	t.Helper()
	for _, en := range h.cin7Srv.Tenant().Stock() {
		if en.Key.Bin != "" && inBin.Key.ProductID == "" && en.Key.Batch == "" {
			inBin = en
		}
		if en.Key.Bin == "" && atLoc.Key.ProductID == "" && en.Key.Batch == "" {
			atLoc = en
		}
	}
	if inBin.Key.ProductID == "" || atLoc.Key.ProductID == "" {
		t.Fatal("the demo ledger lacks bin or location stock")
	}
	return inBin, atLoc
}

func TestStockChangeRewritesOnlyThatPlace(t *testing.T) {
	h := newStockHarness(t)
	e := h.engine(t, nil)
	h.stockFull(t, e)
	inBin, _ := stockEntries(t, h)
	h.cin7Srv.Tenant().SetStock(inBin.Key, inBin.Level.OnHand.Add(decimal.NewFromInt(3)), decimal.Zero)

	before := h.rampSrv.CallsTo("SetPlaceStock")
	sr := h.run(t, e, cinsync.StreamStock).Stream(cinsync.StreamStock)
	if got := h.rampSrv.CallsTo("SetPlaceStock") - before; got != 1 || sr.Updated != 1 {
		t.Fatalf("%d places written (%+v), want exactly the changed one", got, sr)
	}
	stockEqual(t, h.rampStock(), h.wantStock(false))

	// Everything gone from one place: its expected counts are cleared.
	want := h.wantStock(false)
	var place string
	for k := range want {
		place = k.place
		break
	}
	h.stockEmptyPlace(t, place)
	before = h.rampSrv.CallsTo("SetPlaceStock")
	h.run(t, e, cinsync.StreamStock)
	if got := h.rampSrv.CallsTo("SetPlaceStock") - before; got != 1 {
		t.Fatalf("%d places written, want the emptied one cleared", got)
	}
	if got := h.rampSrv.PlaceStock(place); len(got) != 0 {
		t.Fatalf("emptied place still expects %+v", got)
	}
	stockEqual(t, h.rampStock(), h.wantStock(false))
	// And it stays cleared without further writes.
	before = h.rampSrv.CallsTo("SetPlaceStock")
	h.run(t, e, cinsync.StreamStock)
	if got := h.rampSrv.CallsTo("SetPlaceStock") - before; got != 0 {
		t.Fatalf("%d writes after clearing, want none", got)
	}
}

// stockEmptyPlace sets every ledger row that lands on place (a location or
// bin ExternalRef, bins mapped) to zero.
func (h *stockHarness) stockEmptyPlace(t *testing.T, place string) {
	t.Helper()
	binName := map[string]string{} // bin ID → location ID + "/" + bin name
	for _, l := range h.cin7Srv.Tenant().Locations() {
		if l.ParentID != "" {
			binName[cin7core.NormalizeID(l.ID)] = cin7core.NormalizeID(l.ParentID) + "/" + strings.ToLower(l.Name)
		}
	}
	n := 0
	for _, en := range h.cin7Srv.Tenant().Stock() {
		k := en.Key
		hit := (k.Bin == "" && k.LocationID == place) || (k.Bin != "" && binName[place] == k.LocationID+"/"+strings.ToLower(k.Bin))
		if hit {
			h.cin7Srv.Tenant().SetStock(k, decimal.Zero, decimal.Zero)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no stock at %s", place)
	}
}

func TestStockBinsOffRollUpToLocations(t *testing.T) {
	h := newStockHarness(t)
	e := h.engine(t, func(c *cinsync.Config) { c.Rules = mapping.Rules{NoBinPlaces: true} })
	sr := h.stockFull(t, e)
	want := h.wantStock(true)
	stockEqual(t, h.rampStock(), want)
	for p := range stockPlaces(want) {
		for _, rp := range h.rampSrv.Places() {
			if rp.ExternalRef == p && rp.ParentPlaceID != "" {
				t.Fatalf("expected counts on bin place %s with bins off", rp.Name)
			}
		}
	}
	if sr.Failed != 0 {
		t.Fatalf("%+v", sr.Failures)
	}
}

// Pitfall 4: StockOnHand is money (OnHand × unit cost); Ramp gets units.
func TestStockNeverUsesStockOnHandMoney(t *testing.T) {
	h := newStockHarness(t)
	e := h.engine(t, nil)
	h.stockFull(t, e)
	_, atLoc := stockEntries(t, h)
	h.cin7Srv.Tenant().SetStock(atLoc.Key, decimal.NewFromInt(7), decimal.RequireFromString("123.45"))
	rows, err := h.cin7.Availability.List(&cin7core.AvailabilityListOptions{ID: atLoc.Key.ProductID}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	money := false
	for _, r := range rows {
		if r.OnHand.Equal(decimal.NewFromInt(7)) && r.StockOnHand.Equal(decimal.RequireFromString("864.15")) {
			money = true
		}
	}
	if !money {
		t.Fatalf("the fake's row does not carry StockOnHand as money: %+v", rows)
	}
	h.run(t, e, cinsync.StreamStock)
	got := h.rampStock()[stockKey{atLoc.Key.LocationID, atLoc.Key.ProductID, ""}]
	if !got.Equal(decimal.NewFromInt(7)) {
		t.Fatalf("Ramp expects %s, want 7 units", got)
	}
}

func TestStockSyncsMissingProductsFirst(t *testing.T) {
	h := newStockHarness(t)
	e := h.engine(t, nil)
	h.run(t, e, cinsync.StreamLocations)
	if n := len(h.rampSrv.Skus()); n != 0 {
		t.Fatalf("%d SKUs before the stock stream", n)
	}
	sr := h.run(t, e, cinsync.StreamStock).Stream(cinsync.StreamStock)
	if len(h.rampSrv.Skus()) == 0 || sr.Failed != 0 {
		t.Fatalf("no SKUs synced ahead of the stock (%+v)", sr)
	}
	stockEqual(t, h.rampStock(), h.wantStock(false))
}

func TestStockDryRunWritesNothing(t *testing.T) {
	h := newStockHarness(t)
	h.run(t, h.engine(t, nil), cinsync.StreamLocations)
	// Products not synced yet: a dry run plans the SKUs, writes none.
	dry := h.engine(t, func(c *cinsync.Config) { c.DryRun = true })
	calls := h.rampSrv.Calls()
	skus, sets := h.rampSrv.CallsTo("CreateSku"), h.rampSrv.CallsTo("SetPlaceStock")
	sr := h.run(t, dry, cinsync.StreamStock).Stream(cinsync.StreamStock)
	if h.rampSrv.CallsTo("CreateSku") != skus || h.rampSrv.CallsTo("SetPlaceStock") != sets || len(h.rampSrv.PlaceStock("")) != 0 {
		t.Fatal("dry run wrote to Ramp")
	}
	kinds := map[string]int{}
	for _, p := range sr.Plan {
		kinds[p.Kind]++
	}
	if kinds["sku"] == 0 || kinds["place-stock"] == 0 {
		t.Fatalf("plan %+v, want SKUs and place stock", kinds)
	}
	if h.rampSrv.Calls() == calls {
		t.Fatal("dry run did not even read Ramp")
	}
	// No state saved: a real pass writes every place.
	sr = h.stockFull(t, h.engine(t, nil))
	if sr.Created != len(stockPlaces(h.wantStock(false))) {
		t.Fatalf("real pass after dry run: %+v", sr)
	}
}

func TestStockValidationReport(t *testing.T) {
	h := newStockHarness(t)
	e := h.engine(t, nil)
	h.stockFull(t, e)
	inBin, _ := stockEntries(t, h)
	want := h.wantStock(false)
	var binRef string
	for k := range want {
		if k.sku == inBin.Key.ProductID && k.batch == "" && k.place != inBin.Key.LocationID {
			binRef = k.place
		}
	}
	if binRef == "" {
		t.Fatal("bin place not found")
	}
	// Users count the bin's location: one unit short of the bin's SKU,
	// and a stray SKU nobody expected.
	var stray string
	for _, s := range h.rampSrv.Skus() {
		if _, ok := want[stockKey{binRef, s.ExternalRef, ""}]; !ok && s.TrackingMode == ramp.TrackingNone {
			stray = s.ExternalRef
			break
		}
	}
	short := inBin.Level.OnHand.Sub(decimal.NewFromInt(1))
	st, err := h.rampSrv.RunStocktake(inBin.Key.LocationID,
		ramp.StocktakeLine{SkuExternalRef: inBin.Key.ProductID, PlaceExternalRef: binRef, Counted: short},
		ramp.StocktakeLine{SkuExternalRef: stray, PlaceExternalRef: binRef, Counted: decimal.NewFromInt(2)})
	if err != nil {
		t.Fatal(err)
	}
	// An open stocktake is not compared.
	sr := h.run(t, e, cinsync.StreamStock).Stream(cinsync.StreamStock)
	if len(sr.StockValidation.Places) != 0 {
		t.Fatalf("unvalidated stocktake compared: %+v", sr.StockValidation.Places)
	}
	if _, err := h.rampSrv.ValidateStocktake(st.ID); err != nil {
		t.Fatal(err)
	}
	// Cin7 Core gains a SKU at the bin after the count: on one side only.
	var late string
	for _, s := range h.rampSrv.Skus() {
		if _, ok := want[stockKey{binRef, s.ExternalRef, ""}]; !ok && s.TrackingMode == ramp.TrackingNone && s.ExternalRef != stray {
			late = s.ExternalRef
			break
		}
	}
	h.cin7Srv.Tenant().SetStock(cin7coretest.StockKey{ProductID: late, LocationID: inBin.Key.LocationID, Bin: inBin.Key.Bin}, decimal.NewFromInt(4), decimal.NewFromInt(10))

	sr = h.run(t, e, cinsync.StreamStock).Stream(cinsync.StreamStock)
	v := sr.StockValidation
	var bin *cinsync.StockValidationPlace
	for i := range v.Places {
		if v.Places[i].PlaceExternalRef == binRef {
			bin = &v.Places[i]
		}
		if v.Places[i].StocktakeID != st.ID {
			t.Errorf("place %s compared with %s, want %s", v.Places[i].PlaceExternalRef, v.Places[i].StocktakeID, st.ID)
		}
	}
	if bin == nil {
		t.Fatalf("bin %s not in the report: %+v", binRef, v)
	}
	lines := map[string]cinsync.StockValidationLine{}
	for _, l := range bin.Lines {
		lines[l.SkuExternalRef] = l
	}
	check := func(sku string, counted, onHand int64, inRamp, inCin7 bool) {
		t.Helper()
		l, ok := lines[sku]
		if !ok {
			t.Fatalf("SKU %s not in the bin's report: %+v", sku, bin.Lines)
		}
		if !l.Counted.Equal(decimal.NewFromInt(counted)) || !l.OnHand.Equal(decimal.NewFromInt(onHand)) ||
			!l.Difference.Equal(decimal.NewFromInt(counted-onHand)) || l.InRamp != inRamp || l.InCin7 != inCin7 {
			t.Fatalf("SKU %s: %+v, want counted %d on hand %d", sku, l, counted, onHand)
		}
	}
	check(inBin.Key.ProductID, short.IntPart(), inBin.Level.OnHand.IntPart(), true, true)
	check(stray, 2, 0, true, false)
	check(late, 0, 4, false, true)
	// Expected stock nobody found: counted 0 beside the units on hand.
	for k, q := range want {
		if k.place == binRef && k.sku != inBin.Key.ProductID && k.batch == "" {
			check(k.sku, 0, q.IntPart(), true, true)
		}
	}

	var buf bytes.Buffer
	if err := v.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range v.Places {
		total += len(p.Lines)
	}
	if len(recs) != total+1 || recs[0][9] != "Difference" {
		t.Fatalf("CSV has %d records, want header + %d", len(recs), total)
	}
	found := false
	for _, r := range recs[1:] {
		if r[0] == binRef && r[5] == stray && r[7] == "2" && r[8] == "0" && r[9] == "2" && r[10] == "true" && r[11] == "false" {
			found = true
		}
	}
	if !found {
		t.Fatalf("stray SKU row missing from CSV:\n%s", buf.String())
	}
}

// stockFailSink fails the Nth PutPlaceStock, before (or, with after, once)
// the write reached Ramp, like a crash on either side of the write.
type stockFailSink struct {
	cinsync.Sink
	stock cinsync.StockSink
	mu    stdsync.Mutex
	n     int
	at    int
	after bool
}

var errStockCrash = errors.New("injected crash")

func (s *stockFailSink) PutPlaceStock(ctx context.Context, ref string, lines []ramp.PlaceStockLine) error {
	s.mu.Lock()
	s.n++
	hit := s.n == s.at
	s.mu.Unlock()
	if hit && !s.after {
		return errStockCrash
	}
	err := s.stock.PutPlaceStock(ctx, ref, lines)
	if hit && err == nil {
		return errStockCrash
	}
	return err
}
func (s *stockFailSink) AllPlaceStock(ctx context.Context) iter.Seq2[ramp.PlaceStockLine, error] {
	return s.stock.AllPlaceStock(ctx)
}
func (s *stockFailSink) ValidatedStocktakes(ctx context.Context) iter.Seq2[ramp.Stocktake, error] {
	return s.stock.ValidatedStocktakes(ctx)
}
func (s *stockFailSink) StocktakeByID(ctx context.Context, id string) (*ramp.Stocktake, error) {
	return s.stock.StocktakeByID(ctx, id)
}

// stockFailStore fails the Nth save of the stock stream's state.
type stockFailStore struct {
	cinsync.StateStore
	mu stdsync.Mutex
	n  int
	at int
}

func (s *stockFailStore) Save(ctx context.Context, key string, b []byte) error {
	if strings.HasSuffix(key, "/"+string(cinsync.StreamStock)) {
		s.mu.Lock()
		s.n++
		hit := s.n == s.at
		s.mu.Unlock()
		if hit {
			return errStockCrash
		}
	}
	return s.StateStore.Save(ctx, key, b)
}

func TestStockCrashThenRerunConverges(t *testing.T) {
	// A clean run gives the reference picture.
	ref := newStockHarness(t)
	ref.stockFull(t, ref.engine(t, nil))
	places := len(stockPlaces(ref.rampStock()))
	clean := ref.rampStock()

	type crash struct {
		name string
		at   int
		kind string
	}
	var crashes []crash
	for i := 1; i <= places; i++ {
		crashes = append(crashes, crash{"before write", i, "before"}, crash{"after write", i, "after"})
	}
	for i := 1; i <= places+1; i++ {
		crashes = append(crashes, crash{"checkpoint", i, "save"})
	}
	for _, c := range crashes {
		t.Run(c.name, func(t *testing.T) {
			h := newStockHarness(t)
			h.run(t, h.engine(t, nil), cinsync.StreamLocations, cinsync.StreamProducts)
			var e *cinsync.Engine
			switch c.kind {
			case "save":
				h.store = &stockFailStore{StateStore: h.store, at: c.at}
				e = h.engine(t, nil)
			default:
				sink := cinsync.RampSink(h.ramp)
				fs := &stockFailSink{Sink: sink, stock: sink.(cinsync.StockSink), at: c.at, after: c.kind == "after"}
				e = h.engine(t, func(cfg *cinsync.Config) { cfg.Sink = fs })
			}
			rep, err := e.Sync(context.Background(), cinsync.StreamStock)
			if !errors.Is(err, errStockCrash) {
				t.Fatalf("crash at %d not surfaced: %v\n%s", c.at, err, rep.Summary())
			}
			if fs, ok := h.store.(*stockFailStore); ok {
				h.store = fs.StateStore
			}
			sr := h.run(t, h.engine(t, nil), cinsync.StreamStock).Stream(cinsync.StreamStock)
			if sr.Failed != 0 {
				t.Fatalf("rerun failures %+v", sr.Failures)
			}
			got := h.rampStock()
			if !maps.EqualFunc(got, clean, func(a, b decimal.Decimal) bool { return a.Equal(b) }) {
				t.Fatalf("after crash and rerun Ramp differs from a clean run")
			}
			// And a further pass has nothing to do.
			before := h.rampSrv.CallsTo("SetPlaceStock")
			h.run(t, h.engine(t, nil), cinsync.StreamStock)
			if got := h.rampSrv.CallsTo("SetPlaceStock") - before; got != 0 {
				t.Fatalf("%d writes after convergence", got)
			}
		})
	}
}

func TestStockStateLostWritesOnlyDifferences(t *testing.T) {
	h := newStockHarness(t)
	h.stockFull(t, h.engine(t, nil))
	inBin, _ := stockEntries(t, h)
	h.cin7Srv.Tenant().SetStock(inBin.Key, inBin.Level.OnHand.Add(decimal.NewFromInt(1)), decimal.Zero)
	h.store = cinsync.NewMemoryStore() // state lost
	// Products state is gone too: a real host would rerun locations and
	// products, which find everything in Ramp.
	e := h.engine(t, nil)
	h.run(t, e, cinsync.StreamLocations, cinsync.StreamProducts)
	before := h.rampSrv.CallsTo("SetPlaceStock")
	sr := h.run(t, e, cinsync.StreamStock).Stream(cinsync.StreamStock)
	if got := h.rampSrv.CallsTo("SetPlaceStock") - before; got != 1 || sr.Updated != 1 {
		t.Fatalf("%d places written after state loss (%+v), want only the changed one", got, sr)
	}
	stockEqual(t, h.rampStock(), h.wantStock(false))
}

func TestStockStreamNeedsStockCapableSourceAndSink(t *testing.T) {
	h := newStockHarness(t)
	sink := cinsync.RampSink(h.ramp)
	e := h.engine(t, func(c *cinsync.Config) { c.Sink = struct{ cinsync.Sink }{sink} })
	for _, s := range e.Streams() {
		if s == cinsync.StreamStock {
			t.Fatal("stock stream offered without a StockSink")
		}
	}
}

// stockRowsSource adds rows to (or inflates the Total of) the first
// availability page.
type stockRowsSource struct {
	cinsync.Source
	extra []cin7core.AvailabilityRow
	bump  int
}

func (s stockRowsSource) AvailabilityPages(ctx context.Context) iter.Seq2[*cin7core.Page[cin7core.AvailabilityRow], error] {
	return func(yield func(*cin7core.Page[cin7core.AvailabilityRow], error) bool) {
		first := true
		for p, err := range s.Source.(cinsync.StockSource).AvailabilityPages(ctx) {
			if err == nil && first {
				first = false
				p.Items = append(p.Items, s.extra...)
				p.Total += len(s.extra) + s.bump
			}
			if !yield(p, err) {
				return
			}
		}
	}
}

func TestStockUnplaceableRowsAreReported(t *testing.T) {
	h := newStockHarness(t)
	var service string
	for _, p := range h.cin7Srv.Tenant().Products() {
		if p.Type == cin7core.ProductTypeService {
			service = p.ID
			break
		}
	}
	if service == "" {
		t.Fatal("the demo has no service product")
	}
	_, atLoc := stockEntries(t, h)
	h.cin7Srv.Tenant().SetStock(cin7coretest.StockKey{ProductID: service, LocationID: atLoc.Key.LocationID}, decimal.NewFromInt(5), decimal.NewFromInt(1))
	src := stockRowsSource{Source: cinsync.Cin7Source(h.cin7), extra: []cin7core.AvailabilityRow{
		{ID: atLoc.Key.ProductID, Location: "Nowhere", OnHand: decimal.NewFromInt(1)},
		{ID: atLoc.Key.ProductID, Location: "Sydney Distribution Centre", Bin: "No Such Bin", OnHand: decimal.NewFromInt(1)},
	}}
	e := h.engine(t, func(c *cinsync.Config) { c.Source = src })
	sr := h.stockFull(t, e)
	by := sr.SkippedByReason
	if by[string(mapping.SkipUnknownLocation)] != 1 || by[string(mapping.SkipUnknownBin)] != 1 || by[string(mapping.SkipService)] != 1 {
		t.Fatalf("skipped %v", by)
	}
	for _, l := range h.rampSrv.PlaceStock("") {
		if l.SkuExternalRef == cin7core.NormalizeID(service) {
			t.Fatal("a service product's stock reached Ramp")
		}
	}
	stockEqual(t, h.rampStock(), h.wantStock(false))
}

func TestStockListChangedWhileReadWritesNothing(t *testing.T) {
	h := newStockHarness(t)
	e := h.engine(t, func(c *cinsync.Config) { c.Source = stockRowsSource{Source: cinsync.Cin7Source(h.cin7), bump: 1} })
	h.run(t, e, cinsync.StreamLocations, cinsync.StreamProducts)
	rep, err := e.Sync(context.Background(), cinsync.StreamStock)
	if err == nil || rep.Stream(cinsync.StreamStock).Error == "" {
		t.Fatalf("a read that missed rows did not stop the stream: %v", err)
	}
	if n := h.rampSrv.CallsTo("SetPlaceStock"); n != 0 {
		t.Fatalf("%d writes from an incomplete read", n)
	}
}
