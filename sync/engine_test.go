package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// harness wires the engine to both fakes loaded with the demo tenant.
type harness struct {
	cin7Srv *cin7coretest.Server
	rampSrv *ramptest.Server
	cin7    *cin7core.Client
	ramp    *ramp.Client
	store   cinsync.StateStore
	engine  *cinsync.Engine
}

var fastRetry = cin7core.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}

func newHarness(t *testing.T, store cinsync.StateStore, cin7Opts ...cin7core.Option) *harness {
	t.Helper()
	h := &harness{store: store}
	h.cin7Srv = cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	t.Cleanup(h.cin7Srv.Close)
	h.rampSrv = ramptest.NewServer()
	t.Cleanup(h.rampSrv.Close)
	opts := append([]cin7core.Option{
		cin7core.WithBaseURL(h.cin7Srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), // the fake enforces the limit; tests need not wait on it
		cin7core.WithRetryPolicy(fastRetry),
	}, cin7Opts...)
	var err error
	if h.cin7, err = cin7core.NewClient(opts...); err != nil {
		t.Fatal(err)
	}
	if h.ramp, err = ramp.NewClient(ramp.WithBaseURL(h.rampSrv.URL()), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
		ramp.WithRetryPolicy(fastRetry)); err != nil {
		t.Fatal(err)
	}
	h.engine = h.newEngine(t, store)
	return h
}

func (h *harness) newEngine(t *testing.T, store cinsync.StateStore) *cinsync.Engine {
	t.Helper()
	if store == nil {
		store = cinsync.NewMemoryStore()
	}
	h.store = store
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: cinsync.RampSink(h.ramp), State: store, Tenant: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// catalogue are the streams these tests are about; the order and stock
// streams have tests of their own.
var catalogue = []cinsync.Stream{cinsync.StreamLocations, cinsync.StreamFamilies, cinsync.StreamProducts}

func (h *harness) sync(t *testing.T) *cinsync.Report {
	t.Helper()
	rep, err := h.engine.Sync(context.Background(), catalogue...)
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, rep.Summary())
	}
	return rep
}

func TestFirstPassCreatesSecondChangesNothing(t *testing.T) {
	h := newHarness(t, nil)
	want := cin7coretest.DemoCounts()

	rep := h.sync(t)
	loc, prod := rep.Stream(cinsync.StreamLocations), rep.Stream(cinsync.StreamProducts)
	if loc.Created != want.Places || loc.Failed != 0 || loc.Updated != 0 {
		t.Fatalf("locations: %+v, want %d created", loc, want.Places)
	}
	if prod.Created != want.SKUs || prod.Failed != 0 {
		t.Fatalf("products: %+v, want %d created", prod, want.SKUs)
	}
	if got := prod.SkippedByReason[string(mapping.SkipService)]; got != want.Services {
		t.Fatalf("services skipped %d, want %d", got, want.Services)
	}
	if got := len(h.rampSrv.Places()); got != want.Places {
		t.Fatalf("Ramp has %d places, want %d", got, want.Places)
	}
	skus := h.rampSrv.Skus()
	if len(skus) != want.SKUs {
		t.Fatalf("Ramp has %d SKUs, want %d", len(skus), want.SKUs)
	}
	seen := map[string]bool{}
	for _, s := range skus {
		if s.ExternalRef != strings.ToLower(s.ExternalRef) {
			t.Errorf("ExternalRef %q not lower case", s.ExternalRef)
		}
		if seen[s.ExternalRef] {
			t.Errorf("duplicate SKU %s", s.ExternalRef)
		}
		seen[s.ExternalRef] = true
	}
	// Bins are children of their location's place.
	places := h.rampSrv.Places()
	ids := map[string]bool{}
	for _, p := range places {
		ids[p.ID] = true
	}
	children := 0
	for _, p := range places {
		if p.ParentPlaceID != "" {
			children++
			if !ids[p.ParentPlaceID] {
				t.Errorf("place %s has unknown parent %s", p.Name, p.ParentPlaceID)
			}
		}
	}
	if children != want.Bins {
		t.Fatalf("%d child places, want %d bins", children, want.Bins)
	}

	rampCalls := h.rampSrv.Calls()
	rep = h.sync(t)
	for _, s := range rep.Streams {
		if s.Created != 0 || s.Updated != 0 || s.Failed != 0 {
			t.Fatalf("second pass changed something: %+v", s)
		}
	}
	if got := h.rampSrv.Calls() - rampCalls; got != 0 {
		t.Fatalf("second pass made %d Ramp calls, want 0 (nothing changed)", got)
	}
	for _, s := range rep.Streams {
		if s.Cin7Calls > 1 {
			t.Fatalf("second pass: stream %s made %d Cin7 Core calls, want at most one (one page, nothing changed)", s.Stream, s.Cin7Calls)
		}
	}
}

func TestEditedProductIsUpdated(t *testing.T) {
	h := newHarness(t, nil)
	h.sync(t)
	p := firstStandaloneStock(t, h)
	p.Name = "Renamed in Cin7 Core"
	p.Barcode = "9300000000017"
	h.cin7Srv.Tenant().UpsertProduct(p)

	rep := h.sync(t)
	prod := rep.Stream(cinsync.StreamProducts)
	if prod.Updated != 1 || prod.Created != 0 || prod.Failed != 0 {
		t.Fatalf("products: %+v", prod)
	}
	got := skuByRef(t, h, p.ID)
	if got.Name != "Renamed in Cin7 Core" || got.Barcode != "9300000000017" {
		t.Fatalf("Ramp SKU not updated: %+v", got)
	}
}

func TestRejectedRecordsAreReportedAndTheRestLands(t *testing.T) {
	h := newHarness(t, nil)
	tenant := h.cin7Srv.Tenant()
	bad := cin7core.Product{ID: "0D1E2F30-0000-4000-8000-00000000BAD1", SKU: "BAD-COSTING", Name: "Odd costing", Type: cin7core.ProductTypeStock, CostingMethod: "BATCH", Status: cin7core.ProductStatusActive}
	long := cin7core.Product{ID: "0d1e2f30-0000-4000-8000-00000000bad2", SKU: "LONG-NAME", Name: strings.Repeat("x", 250), Type: cin7core.ProductTypeStock, CostingMethod: cin7core.CostingFIFO, Status: cin7core.ProductStatusActive}
	tenant.UpsertProduct(bad)
	tenant.UpsertProduct(long)
	want := cin7coretest.DemoCounts()

	rep := h.sync(t)
	prod := rep.Stream(cinsync.StreamProducts)
	if prod.Failed != 2 || prod.Created != want.SKUs {
		t.Fatalf("products: created %d failed %d, want %d and 2\n%s", prod.Created, prod.Failed, want.SKUs, rep.Summary())
	}
	stages := map[string]string{}
	for _, f := range prod.Failures {
		stages[f.ID] = f.Stage
	}
	if stages["0d1e2f30-0000-4000-8000-00000000bad1"] != "mapping" || stages["0d1e2f30-0000-4000-8000-00000000bad2"] != "ramp" {
		t.Fatalf("failures: %+v", prod.Failures)
	}

	// Still broken: reported again on the next pass, nothing else written.
	rep = h.sync(t)
	if prod = rep.Stream(cinsync.StreamProducts); prod.Failed != 2 || prod.Created != 0 {
		t.Fatalf("retry pass: %+v", prod)
	}
	// Fixed at the source: lands on the next pass.
	long.Name = "Long name, shortened"
	tenant.UpsertProduct(long)
	bad.CostingMethod = cin7core.CostingFIFOBatch
	tenant.UpsertProduct(bad)
	rep = h.sync(t)
	if prod = rep.Stream(cinsync.StreamProducts); prod.Failed != 0 || prod.Created != 2 {
		t.Fatalf("fixed pass: %+v", prod)
	}
}

func TestQuarantinedRecordIsRetriedWithoutSourceChange(t *testing.T) {
	h := newHarness(t, nil)
	victim := cin7core.NormalizeID(firstStandaloneStock(t, h).ID)
	h.rampSrv.SetValidator(func(kind string, v any) *ramp.ErrorDetail {
		if s, ok := v.(ramp.Sku); ok && kind == "sku" && s.ExternalRef == victim {
			return &ramp.ErrorDetail{ErrorCode: "ValidationError", Message: "temporarily refused", Field: "Name"}
		}
		return nil
	})
	rep := h.sync(t)
	if prod := rep.Stream(cinsync.StreamProducts); prod.Failed != 1 || prod.Failures[0].ID != victim {
		t.Fatalf("first pass: %+v", prod)
	}
	h.rampSrv.SetValidator(nil)
	rep = h.sync(t)
	prod := rep.Stream(cinsync.StreamProducts)
	if prod.Created != 1 || prod.Failed != 0 {
		t.Fatalf("retry: %+v", prod)
	}
	skuByRef(t, h, victim)
}

func TestFamilyRenameRenamesEveryVariant(t *testing.T) {
	h := newHarness(t, nil)
	h.sync(t)
	fams := h.cin7Srv.Tenant().Families()
	if len(fams) == 0 {
		t.Fatal("demo tenant has no families")
	}
	f := fams[0]
	f.Name = "Renamed Family"
	h.cin7Srv.Tenant().UpsertFamily(f)

	rep := h.sync(t)
	prod := rep.Stream(cinsync.StreamProducts)
	if prod.Updated != len(f.Products) || prod.Failed != 0 {
		t.Fatalf("products: %+v, want %d updated", prod, len(f.Products))
	}
	for _, m := range f.Products {
		if s := skuByRef(t, h, m.ID); !strings.HasPrefix(s.Name, "Renamed Family") {
			t.Errorf("variant %s named %q", m.ID, s.Name)
		}
	}
}

func TestDeprecatedProductArchivesItsSku(t *testing.T) {
	h := newHarness(t, nil)
	h.sync(t)
	p := firstStandaloneStock(t, h)
	h.cin7Srv.Tenant().DeprecateProduct(p.ID)
	rep := h.sync(t)
	if prod := rep.Stream(cinsync.StreamProducts); prod.Updated != 1 {
		t.Fatalf("products: %+v", prod)
	}
	if s := skuByRef(t, h, p.ID); !s.Archived {
		t.Fatalf("SKU not archived: %+v", s)
	}
	if got := len(h.rampSrv.Skus()); got != cin7coretest.DemoCounts().SKUs {
		t.Fatalf("archiving must not delete: %d SKUs", got)
	}
}

func TestLostStateConvergesWithoutDuplicates(t *testing.T) {
	h := newHarness(t, nil)
	h.sync(t)
	h.engine = h.newEngine(t, cinsync.NewMemoryStore()) // state lost
	rep := h.sync(t)
	for _, s := range rep.Streams {
		if s.Created != 0 || s.Updated != 0 || s.Failed != 0 {
			t.Fatalf("after state loss: %+v", s)
		}
	}
	want := cin7coretest.DemoCounts()
	if len(h.rampSrv.Skus()) != want.SKUs || len(h.rampSrv.Places()) != want.Places {
		t.Fatal("state loss duplicated entities")
	}
}

func TestBadCredentialsStopTheStreamAndKeepTheCursor(t *testing.T) {
	h := newHarness(t, nil)
	bad, err := cin7core.NewClient(cin7core.WithBaseURL(h.cin7Srv.URL()), cin7core.WithCredentials(cin7coretest.DemoAccountID, "wrong-key-0000"), cin7core.WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	store := cinsync.NewMemoryStore()
	e, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(bad), Sink: cinsync.RampSink(h.ramp), State: store})
	rep, err := e.Sync(context.Background(), catalogue...)
	if !errors.Is(err, cin7core.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if rep == nil || rep.Stream(cinsync.StreamProducts).Error == "" || strings.Contains(err.Error(), "wrong-key-0000") {
		t.Fatalf("report: %+v", rep)
	}
	if got, want := bad.Stats().Calls, int64(len(rep.Streams)); got != want {
		t.Fatalf("403 must not be retried: %d calls for %d streams", got, want)
	}
	if b, err := store.Load(context.Background(), string(cinsync.StreamProducts)); err == nil {
		var st struct {
			Cursor time.Time `json:"cursor"`
		}
		if json.Unmarshal(b, &st) != nil || !st.Cursor.IsZero() {
			t.Fatalf("a failed stream advanced its cursor: %s", b)
		}
	} else if !errors.Is(err, cinsync.ErrNoState) {
		t.Fatal(err)
	}
}

func TestUnknownStreamIsRejected(t *testing.T) {
	h := newHarness(t, nil)
	rep, err := h.engine.Sync(context.Background(), "orders")
	if err == nil || rep == nil {
		t.Fatalf("want an error and a report for an unknown stream, got %v, %v", rep, err)
	}
	_ = rep.Summary() // safe to log whatever happened
	var nilReport *cinsync.Report
	if nilReport.Summary() != "" || nilReport.Err() != nil || nilReport.Stream(cinsync.StreamProducts) != nil {
		t.Fatal("a nil report must be safe to use")
	}
}

func TestFileStoreSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	fs, err := cinsync.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, fs)
	h.sync(t)
	fs2, _ := cinsync.NewFileStore(dir)
	h.engine = h.newEngine(t, fs2)
	before := h.rampSrv.Calls()
	rep := h.sync(t)
	if h.rampSrv.Calls() != before || rep.Stream(cinsync.StreamProducts).Created != 0 {
		t.Fatalf("restart with file state wrote to Ramp: %s", rep.Summary())
	}
}

func firstStandaloneStock(t *testing.T, h *harness) cin7core.Product {
	t.Helper()
	members := map[string]bool{}
	for _, f := range h.cin7Srv.Tenant().Families() {
		for _, m := range f.Products {
			members[cin7core.NormalizeID(m.ID)] = true
		}
	}
	for _, p := range h.cin7Srv.Tenant().Products() {
		if p.Type == cin7core.ProductTypeStock && !p.IsDeprecated() && !members[cin7core.NormalizeID(p.ID)] {
			return p
		}
	}
	t.Fatal("demo tenant has no standalone stock product")
	return cin7core.Product{}
}

func skuByRef(t *testing.T, h *harness, id string) ramp.Sku {
	t.Helper()
	for _, s := range h.rampSrv.Skus() {
		if s.ExternalRef == cin7core.NormalizeID(id) {
			return s
		}
	}
	t.Fatalf("no SKU for %s", id)
	return ramp.Sku{}
}

func TestEnsureSkusSyncsMissingProductsFirst(t *testing.T) {
	h := newHarness(t, nil)
	want := firstStandaloneStock(t, h)
	var service cin7core.Product
	for _, p := range h.cin7Srv.Tenant().Products() {
		if p.IsService() {
			service = p
			break
		}
	}
	ids, missing, err := h.engine.EnsureSkus(context.Background(), []string{strings.ToUpper(want.ID), service.ID, "no-such-product"})
	if err != nil {
		t.Fatal(err)
	}
	if ids[cin7core.NormalizeID(want.ID)] == "" || len(missing) != 2 {
		t.Fatalf("ids %v missing %v", ids, missing)
	}
	if got := len(h.rampSrv.Skus()); got != 1 {
		t.Fatalf("%d SKUs in Ramp, want the one ensured", got)
	}
	// The products stream then knows it: a full pass creates the rest only.
	rep := h.sync(t)
	if c := rep.Stream(cinsync.StreamProducts).Created; c != cin7coretest.DemoCounts().SKUs-1 {
		t.Fatalf("products pass created %d", c)
	}
}
