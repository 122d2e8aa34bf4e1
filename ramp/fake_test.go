package ramp_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

// fakeClient starts a ramptest server and a client logged in to it.
func fakeClient(t *testing.T, srvOpts []ramptest.Option, opts ...ramp.Option) (*ramptest.Server, *ramp.Client) {
	t.Helper()
	srv := ramptest.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	c, err := srv.NewClient(append([]ramp.Option{ramp.WithRetryPolicy(fastRetry)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestFakePlacesLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	wh, err := c.Places.Create(ctx, &ramp.Place{Name: "Main Warehouse", ExternalRef: "loc-1"})
	if err != nil {
		t.Fatal(err)
	}
	if wh.ID == "" || wh.DateCreated.IsZero() || wh.DateLastModified.IsZero() {
		t.Errorf("created = %+v", wh)
	}
	bin, err := c.Places.Create(ctx, &ramp.Place{Name: "Bin A", ExternalRef: "bin-1", ParentPlaceID: wh.ID})
	if err != nil {
		t.Fatal(err)
	}
	if bin.ParentPlaceName != "Main Warehouse" {
		t.Errorf("bin = %+v", bin)
	}
	got, err := c.Places.Get(ctx, wh.ID)
	if err != nil || got.ExternalRef != "loc-1" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	got.Name, got.Archived = "Main Warehouse (old)", true
	upd, err := c.Places.Update(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	if !upd.Archived || upd.Name != "Main Warehouse (old)" || !upd.DateCreated.Equal(wh.DateCreated) || !upd.DateLastModified.After(wh.DateLastModified) {
		t.Errorf("updated = %+v", upd)
	}
	found, err := c.Places.FindByExternalRef(ctx, "bin-1")
	if err != nil || found.ID != bin.ID || found.ParentPlaceName != "Main Warehouse (old)" {
		t.Errorf("found = %+v, %v", found, err)
	}
	if _, err := c.Places.FindByExternalRef(ctx, "BIN-1"); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("case-different ref: %v", err)
	}
	top, err := c.Places.List(&ramp.ListOptions{Filter: ramp.Eq("ParentPlaceId", nil)}).Collect(ctx)
	if err != nil || len(top) != 1 || top[0].ID != wh.ID {
		t.Errorf("top-level places = %+v, %v", top, err)
	}
	snap := srv.Places()
	if len(snap) != 2 || snap[0].ExternalRef != "bin-1" || snap[1].ExternalRef != "loc-1" {
		t.Errorf("snapshot = %+v", snap)
	}
	if _, err := c.Places.Update(ctx, &ramp.Place{ID: "00000000-0000-4000-8000-000000000000", Name: "x", ExternalRef: "y"}); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
	if _, err := c.Places.Get(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
}

func TestFakeSkusLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	k, err := c.Skus.Create(ctx, &ramp.Sku{Name: "T-Shirt - Red / M", SkuNumber: "TS-R-M", ExternalRef: "prod-1", TrackingMode: ramp.TrackingSerial, Barcode: "123"})
	if err != nil {
		t.Fatal(err)
	}
	k.TrackingMode, k.TracksExpiry = ramp.TrackingBatch, true
	if _, err := c.Skus.Update(ctx, k); err != nil {
		t.Fatal(err)
	}
	got, err := c.Skus.Get(ctx, k.ID)
	if err != nil || got.TrackingMode != ramp.TrackingBatch || !got.TracksExpiry {
		t.Fatalf("get = %+v, %v", got, err)
	}
	found, err := c.Skus.FindByExternalRef(ctx, "prod-1")
	if err != nil || found.ID != k.ID {
		t.Fatalf("find = %+v, %v", found, err)
	}
	_, err = c.Skus.Create(ctx, &ramp.Sku{Name: "Bad", SkuNumber: "B", ExternalRef: "prod-2", TrackingMode: "Lot"})
	var ae *ramp.APIError
	if !errors.Is(err, ramp.ErrValidation) || !errors.As(err, &ae) || ae.Field() != "TrackingMode" {
		t.Errorf("bad tracking mode: %v", err)
	}
	_, err = c.Skus.Create(ctx, &ramp.Sku{Name: "No number", ExternalRef: "prod-3", TrackingMode: ramp.TrackingNone})
	if !errors.As(err, &ae) || ae.Field() != "SkuNumber" {
		t.Errorf("missing SkuNumber: %v", err)
	}
	long := make([]rune, 201)
	for i := range long {
		long[i] = 'é'
	}
	_, err = c.Skus.Create(ctx, &ramp.Sku{Name: string(long), SkuNumber: "L", ExternalRef: "prod-4", TrackingMode: ramp.TrackingNone})
	if !errors.As(err, &ae) || ae.Field() != "Name" {
		t.Errorf("long name: %v", err)
	}
	batch, err := c.Skus.List(&ramp.ListOptions{Filter: ramp.Eq("TrackingMode", ramp.TrackingBatch)}).Collect(ctx)
	if err != nil || len(batch) != 1 {
		t.Errorf("batch skus = %v, %v", batch, err)
	}
	if len(srv.Skus()) != 1 {
		t.Errorf("server has %d skus", len(srv.Skus()))
	}
}

func TestFakeDuplicateExternalRef(t *testing.T) {
	t.Parallel()
	_, c := fakeClient(t, nil)
	a, err := c.Places.Create(ctx, &ramp.Place{Name: "A", ExternalRef: "loc-a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Places.Create(ctx, &ramp.Place{Name: "A again", ExternalRef: "loc-a"}); !errors.Is(err, ramp.ErrConflict) {
		t.Errorf("duplicate create: %v", err)
	}
	b, err := c.Places.Create(ctx, &ramp.Place{Name: "B", ExternalRef: "loc-b"})
	if err != nil {
		t.Fatal(err)
	}
	b.ExternalRef = a.ExternalRef
	_, err = c.Places.Update(ctx, b)
	var ae *ramp.APIError
	if !errors.Is(err, ramp.ErrConflict) || !errors.As(err, &ae) || ae.StatusCode != http.StatusConflict || ae.Code() != ramp.CodeDuplicateResource || ae.Field() != "ExternalRef" {
		t.Errorf("duplicate update: %v", err)
	}
	// The same ExternalRef may be used by a SKU: uniqueness is per type.
	if _, err := c.Skus.Create(ctx, &ramp.Sku{Name: "S", SkuNumber: "S", ExternalRef: "loc-a", TrackingMode: ramp.TrackingNone}); err != nil {
		t.Errorf("sku with a place's ref: %v", err)
	}
}

func TestFakeParentPlace(t *testing.T) {
	t.Parallel()
	_, c := fakeClient(t, nil)
	_, err := c.Places.Create(ctx, &ramp.Place{Name: "Orphan", ExternalRef: "o", ParentPlaceID: "00000000-0000-4000-8000-000000000000"})
	var ae *ramp.APIError
	if !errors.Is(err, ramp.ErrValidation) || !errors.As(err, &ae) || ae.Code() != ramp.CodeInvalidForeignKey || ae.Field() != "ParentPlaceId" {
		t.Fatalf("unknown parent: %v", err)
	}
	a, _ := c.Places.Create(ctx, &ramp.Place{Name: "A", ExternalRef: "a"})
	b, err := c.Places.Create(ctx, &ramp.Place{Name: "B", ExternalRef: "b", ParentPlaceID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	a.ParentPlaceID = b.ID // a -> b -> a
	_, err = c.Places.Update(ctx, a)
	if !errors.Is(err, ramp.ErrValidation) || !errors.As(err, &ae) || ae.Code() != ramp.CodeIllegalBusinessOperation {
		t.Errorf("cycle: %v", err)
	}
	b.ParentPlaceID = b.ID
	if _, err := c.Places.Update(ctx, b); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("self parent: %v", err)
	}
}

func TestFakePagingAcrossPages(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	for i := range 2500 {
		if _, err := srv.AddPlace(ramp.Place{Name: fmt.Sprintf("Place %04d", i), ExternalRef: fmt.Sprintf("ref-%04d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	p := c.Places.List(nil)
	seen := map[string]bool{}
	pages := 0
	for pg, err := range p.Pages(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if !pg.HasCount || pg.Count != 2500 {
			t.Errorf("page count = %d", pg.Count)
		}
		for _, it := range pg.Items {
			if seen[it.ID] {
				t.Fatalf("record %s seen twice", it.ID)
			}
			seen[it.ID] = true
		}
	}
	if len(seen) != 2500 || pages != 3 || p.Skip() != 2500 {
		t.Errorf("records %d, pages %d, skip %d", len(seen), pages, p.Skip())
	}
	if n := srv.CallsTo("GetFilteredPlaces"); n != 3 {
		t.Errorf("list calls = %d, want 3", n)
	}

	// Resume from a checkpoint with a filter.
	f := ramp.Contains("Name", "Place 1")
	first := c.Places.List(&ramp.ListOptions{Filter: f, PageSize: 400})
	for range first.Pages(ctx) {
		break
	}
	rest, err := c.Places.List(&ramp.ListOptions{Filter: f, PageSize: 400, Skip: first.Skip()}).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := first.Skip() + len(rest); first.Skip() != 400 || n != 1000 {
		t.Errorf("filtered total = %d, want 1000", n)
	}
}

func TestFakeTokenExpiryMidSession(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	if _, err := c.Places.Create(ctx, &ramp.Place{Name: "A", ExternalRef: "a"}); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if _, err := c.Places.FindByExternalRef(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if srv.CallsTo("RefreshLogin") != 1 || srv.CallsTo("Login") != 1 {
		t.Errorf("refresh %d, login %d", srv.CallsTo("RefreshLogin"), srv.CallsTo("Login"))
	}
	srv.RevokeRefreshTokens()
	if _, err := c.Places.FindByExternalRef(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if srv.CallsTo("RefreshLogin") != 2 || srv.CallsTo("Login") != 2 {
		t.Errorf("refresh %d, login %d", srv.CallsTo("RefreshLogin"), srv.CallsTo("Login"))
	}
}

func TestFakeTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	clk := newFakeClock(time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC))
	srv, c := fakeClient(t, []ramptest.Option{ramptest.WithClock(clk.Now), ramptest.WithTokenTTL(10 * time.Minute)}, ramp.WithClock(clk))
	if _, err := c.Places.Create(ctx, &ramp.Place{Name: "A", ExternalRef: "a"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(9*time.Minute + 45*time.Second) // 15 s left: inside the margin
	if _, err := c.Places.FindByExternalRef(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if srv.CallsTo("RefreshLogin") != 1 || srv.CallsTo("GetFilteredPlaces") != 1 {
		t.Errorf("refresh %d, list %d (the list must not have met a 401)", srv.CallsTo("RefreshLogin"), srv.CallsTo("GetFilteredPlaces"))
	}
	clk.Advance(time.Hour) // long past expiry: refreshed again, no 401
	if _, err := c.Places.FindByExternalRef(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if srv.CallsTo("RefreshLogin") != 2 || srv.CallsTo("GetFilteredPlaces") != 2 {
		t.Errorf("refresh %d, list %d", srv.CallsTo("RefreshLogin"), srv.CallsTo("GetFilteredPlaces"))
	}
}

func TestFakeBadLogin(t *testing.T) {
	t.Parallel()
	srv := ramptest.NewServer(ramptest.WithUser("alice", "correct-horse"))
	t.Cleanup(srv.Close)
	c, err := ramp.NewClient(ramp.WithBaseURL(srv.URL()), ramp.WithLogin("alice", "wrong-battery"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Places.Get(ctx, "x")
	if !errors.Is(err, ramp.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if srv.CallsTo("Login") != 1 || srv.CallsTo("GetPlace") != 0 {
		t.Errorf("login %d, get %d", srv.CallsTo("Login"), srv.CallsTo("GetPlace"))
	}
}

func TestFakeFilterInjection(t *testing.T) {
	t.Parallel()
	_, c := fakeClient(t, nil)
	hostile := []string{
		"a' or 'x' eq 'x",
		"') or (Name ne '",
		"x' or contains(Name,'",
		"日本語 'quoted' (paren)",
		"''",
		"back\\slash",
		"percent%27encoded",
		"amp&$top=1",
	}
	for i, v := range hostile {
		if _, err := c.Places.Create(ctx, &ramp.Place{Name: v, ExternalRef: v}); err != nil {
			t.Fatalf("create %q: %v", v, err)
		}
		if _, err := c.Places.Create(ctx, &ramp.Place{Name: fmt.Sprintf("decoy %d", i), ExternalRef: fmt.Sprintf("decoy-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range hostile {
		p, err := c.Places.FindByExternalRef(ctx, v)
		if err != nil || p.ExternalRef != v {
			t.Errorf("find %q: %+v, %v", v, p, err)
		}
		got, err := c.Places.List(&ramp.ListOptions{Filter: ramp.Eq("Name", v)}).Collect(ctx)
		if err != nil || len(got) != 1 || got[0].Name != v {
			t.Errorf("Eq(Name, %q) = %d records, %v", v, len(got), err)
		}
		got, err = c.Places.List(&ramp.ListOptions{Filter: ramp.Contains("Name", v)}).Collect(ctx)
		if err != nil || len(got) < 1 {
			t.Errorf("Contains(Name, %q) = %d records, %v", v, len(got), err)
		}
		for _, g := range got {
			if g.Name != v && !strings.Contains(g.Name, v) {
				t.Errorf("Contains(Name, %q) matched %q", v, g.Name)
			}
		}
	}
	if _, err := c.Places.FindByExternalRef(ctx, "x' or '1' eq '1"); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("an injection matched something: %v", err)
	}
}

func TestFakeFaults(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	p, err := c.Places.Create(ctx, &ramp.Place{Name: "A", ExternalRef: "a"})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(1, http.StatusServiceUnavailable)
	if _, err := c.Places.Get(ctx, p.ID); err != nil {
		t.Fatalf("503 then 200: %v", err)
	}
	if srv.CallsTo("GetPlace") != 2 {
		t.Errorf("gets = %d", srv.CallsTo("GetPlace"))
	}
	srv.FailNext(1, http.StatusInternalServerError)
	if _, err := c.Places.Create(ctx, &ramp.Place{Name: "B", ExternalRef: "b"}); !errors.Is(err, ramp.ErrServer) {
		t.Fatalf("500 on create: %v", err)
	}
	if srv.CallsTo("CreatePlace") != 2 { // the first create above, and one attempt here
		t.Errorf("creates = %d", srv.CallsTo("CreatePlace"))
	}
	srv.SetValidator(func(kind string, v any) *ramp.ErrorDetail {
		if pl, ok := v.(ramp.Place); ok && kind == "place" && pl.Name == "forbidden" {
			return &ramp.ErrorDetail{ErrorCode: ramp.CodeIllegalBusinessOperation, Message: "no", Field: "Name"}
		}
		return nil
	})
	_, err = c.Places.Create(ctx, &ramp.Place{Name: "forbidden", ExternalRef: "f"})
	var ae *ramp.APIError
	if !errors.As(err, &ae) || ae.Code() != ramp.CodeIllegalBusinessOperation || ae.StatusCode != 400 {
		t.Errorf("custom validator: %v", err)
	}
	before := srv.Calls()
	srv.Reset()
	if srv.Calls() != 0 || len(srv.Places()) != 0 || before == 0 {
		t.Errorf("reset: calls %d, places %d", srv.Calls(), len(srv.Places()))
	}
	// Reset forgot the client's tokens too: it logs in again.
	if _, err := c.Places.Create(ctx, &ramp.Place{Name: "forbidden", ExternalRef: "f"}); err != nil {
		t.Fatal(err)
	}
}

func TestFakePageSizeLimit(t *testing.T) {
	t.Parallel()
	_, c := fakeClient(t, []ramptest.Option{ramptest.WithMaxPageSize(10)})
	_, err := c.Places.List(nil).Collect(ctx)
	var ae *ramp.APIError
	if !errors.Is(err, ramp.ErrValidation) || !errors.As(err, &ae) || ae.Field() != "$top" {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Places.List(&ramp.ListOptions{PageSize: 10}).Collect(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestFakeConcurrentClientsShareLogin(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Skus.Create(ctx, &ramp.Sku{Name: "S", SkuNumber: "S", ExternalRef: fmt.Sprint("p-", i), TrackingMode: ramp.TrackingNone})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if srv.CallsTo("Login") != 1 || len(srv.Skus()) != 20 {
		t.Errorf("logins %d, skus %d", srv.CallsTo("Login"), len(srv.Skus()))
	}
	// Expire mid-flight: every goroutine meets a 401, one refresh serves
	// them all.
	srv.ExpireTokens()
	wg = sync.WaitGroup{}
	errs = make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Skus.List(nil).Collect(ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.CallsTo("RefreshLogin"); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
}
