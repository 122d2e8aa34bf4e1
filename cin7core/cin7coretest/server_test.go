package cin7coretest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/shopspring/decimal"
)

// vclock is a virtual clock shared by the fake server and the client:
// sleeping advances it at once.
type vclock struct {
	mu sync.Mutex
	t  time.Time
}

func newVClock() *vclock { return &vclock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *vclock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *vclock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.Advance(d)
	}
	return nil
}

var quickRetry = cin7core.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}

func newClient(t *testing.T, srv *cin7coretest.Server, extra ...cin7core.Option) *cin7core.Client {
	t.Helper()
	opts := append(srv.ClientOptions(), cin7core.WithRetryPolicy(quickRetry))
	c, err := cin7core.NewClient(append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// get sends a raw request with the demo credentials.
func get(t *testing.T, srv *cin7coretest.Server, path string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("api-auth-accountid", cin7coretest.DemoAccountID)
	req.Header.Set("api-auth-applicationkey", cin7coretest.DemoApplicationKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestURL(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	if !strings.HasSuffix(srv.URL(), "/ExternalApi/v2/") {
		t.Fatalf("URL %q does not end in /ExternalApi/v2/", srv.URL())
	}
}

func TestDemoTenantData(t *testing.T) {
	tn := cin7coretest.DemoTenant()
	products := tn.Products()
	if n := len(products); n < 55 || n > 65 {
		t.Errorf("demo has %d products, want about 60", n)
	}
	methods := map[cin7core.CostingMethod]bool{}
	services, deprecated := 0, 0
	byID := map[string]cin7core.Product{}
	for _, p := range products {
		if p.ID != strings.ToLower(p.ID) {
			t.Errorf("product row %s has a non-lower-case ID", p.SKU)
		}
		byID[cin7core.NormalizeID(p.ID)] = p
		if !p.CostingMethod.Known() {
			t.Errorf("%s: unknown costing method %q", p.SKU, p.CostingMethod)
		}
		methods[p.CostingMethod] = true
		if p.IsService() {
			services++
		}
		if p.IsDeprecated() {
			deprecated++
			if p.IsService() {
				t.Errorf("%s: the deprecated product should be a stock product", p.SKU)
			}
		}
		if p.LastModifiedOn.IsZero() {
			t.Errorf("%s: no LastModifiedOn", p.SKU)
		}
	}
	for _, m := range cin7core.CostingMethods {
		if !methods[m] {
			t.Errorf("no product uses costing method %q", m)
		}
	}
	if services != 3 || deprecated != 1 {
		t.Errorf("services %d, deprecated %d; want 3 and 1", services, deprecated)
	}

	families := tn.Families()
	if len(families) != 3 {
		t.Fatalf("%d families, want 3", len(families))
	}
	optionShapes := map[int]bool{}
	upper, blanks := 0, 0
	for _, f := range families {
		if n := len(f.Products); n < 3 || n > 6 {
			t.Errorf("family %s has %d variants, want 3 to 6", f.Name, n)
		}
		opts := 0
		for _, n := range []string{f.Option1Name, f.Option2Name, f.Option3Name} {
			if n != "" {
				opts++
			}
		}
		optionShapes[opts] = true
		for _, m := range f.Products {
			if m.ID != strings.ToLower(m.ID) {
				upper++
			}
			p, ok := byID[cin7core.NormalizeID(m.ID)]
			if !ok {
				t.Errorf("family %s member %s is not in the product list", f.Name, m.ID)
				continue
			}
			if p.Category == "" || p.Brand == "" || p.UOM == "" || p.Barcode == "" {
				blanks++
			}
			if (m.Option2 != "") != (f.Option2Name != "") || (m.Option3 != "") != (f.Option3Name != "") {
				t.Errorf("family %s member %s: options do not match the family's option names", f.Name, m.SKU)
			}
		}
	}
	if !optionShapes[1] || !optionShapes[2] || !optionShapes[3] {
		t.Errorf("families should use one, two and three options; got %v", optionShapes)
	}
	if upper == 0 {
		t.Error("no family member ID is upper case (documented quirk)")
	}
	if blanks == 0 {
		t.Error("no member product leaves Category/Brand/Barcode/UOM for the family to fill")
	}

	locs := tn.Locations()
	tops, deprecatedLocs := 0, 0
	rows := map[string]cin7core.Location{}
	for _, l := range locs {
		rows[cin7core.NormalizeID(l.ID)] = l
	}
	for _, l := range locs {
		if l.IsBin() {
			if l.ID != strings.ToLower(l.ID) || l.ParentName == "" {
				t.Errorf("bin row %s: want a lower-case ID and a ParentName", l.Name)
			}
			continue
		}
		tops++
		if l.IsDeprecated {
			deprecatedLocs++
			if len(l.Bins) != 0 {
				t.Errorf("deprecated location %s should have no bins", l.Name)
			}
			continue
		}
		if n := len(l.Bins); n < 2 || n > 3 {
			t.Errorf("location %s has %d bins, want 2 or 3", l.Name, n)
		}
		for _, b := range l.Bins {
			if b.ID != strings.ToUpper(b.ID) {
				t.Errorf("bin %s inside %s: want an upper-case ID", b.Name, l.Name)
			}
			row, ok := rows[cin7core.NormalizeID(b.ID)]
			if !ok || !cin7core.SameID(row.ParentID, l.ID) {
				t.Errorf("bin %s of %s has no row of its own", b.Name, l.Name)
			}
		}
	}
	if tops != 4 || deprecatedLocs != 1 {
		t.Errorf("%d locations (%d deprecated), want 4 (1)", tops, deprecatedLocs)
	}
}

func TestDemoCounts(t *testing.T) {
	got := cin7coretest.DemoCounts()
	want := cin7coretest.Counts{ActiveLocations: 3, Bins: 8, Places: 11,
		StockProductsOutsideFamilies: 41, FamilyVariants: 15, SKUs: 56, Services: 3, Deprecated: 1}
	if got != want {
		t.Fatalf("DemoCounts() = %+v, want %+v", got, want)
	}
	if got.Places != got.ActiveLocations+got.Bins || got.SKUs != got.StockProductsOutsideFamilies+got.FamilyVariants {
		t.Fatalf("inconsistent counts %+v", got)
	}
}

func TestServedBytesKeepQuirks(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	_, _, products := get(t, srv, "product?Limit=1000&IncludeDeprecated=true")
	_, _, families := get(t, srv, "productFamily")
	_, _, locations := get(t, srv, "ref/location")
	for _, c := range []struct{ name, body, re string }{
		{"decimal as string", products, `"AverageCost":"\d+\.\d{4}"`},
		{"price as string", products, `"PriceTier1":"49.95"`},
		{"decimal as number", products, `"PriceTier1":\d+(\.\d+)?,`},
		{"bool as string", products, `"Sellable":"true"`},
		{"7-digit fraction with Z", products, `"LastModifiedOn":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z"`},
		{"zone-less 3-digit fraction", products, `"LastModifiedOn":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}"`},
		{"upper-case member ID", families, `"ID":"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"`},
		{"family price as string", families, `"PriceTier1":"249.00"`},
		{"upper-case bin ID", locations, `"Bins":\[\{"ID":"[0-9A-F]{8}-`},
		{"int as string", locations, `"ReferenceCount":"\d+"`},
	} {
		if !regexp.MustCompile(c.re).MatchString(c.body) {
			t.Errorf("%s: served bytes do not match %s", c.name, c.re)
		}
	}
}

func TestClientReadsDemoTenant(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()

	locs, err := c.Locations.List(nil).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 12 {
		t.Errorf("%d location rows, want 12", len(locs))
	}
	all, err := c.Products.List(&cin7core.ProductListOptions{IncludeDeprecated: true}).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	active, err := c.Products.List(nil).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 60 || len(active) != 59 {
		t.Errorf("products: %d with deprecated, %d without; want 60 and 59", len(all), len(active))
	}
	var avg decimal.Decimal
	for _, p := range all {
		if p.SKU == "SLB-DWN-M5" {
			avg = p.AverageCost
		}
	}
	if !avg.Equal(decimal.RequireFromString("151.35")) {
		t.Errorf("AverageCost served as a string decoded to %s", avg)
	}
	fams, err := c.ProductFamilies.List(nil).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fams) != 3 {
		t.Errorf("%d families, want 3", len(fams))
	}
	// The client pages with Limit 1000: one call per list.
	if srv.CallsTo("product") != 2 || srv.CallsTo("/ExternalApi/v2/ref/location") != 1 || srv.CallsTo("PRODUCTFAMILY") != 1 {
		t.Errorf("calls: product %d, ref/location %d, productFamily %d", srv.CallsTo("product"), srv.CallsTo("ref/location"), srv.CallsTo("productFamily"))
	}
	if srv.Calls() != 4 {
		t.Errorf("Calls() = %d, want 4", srv.Calls())
	}
}

func TestGetIsCaseInsensitive(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	fam := srv.Tenant().Families()[0]
	member := fam.Products[0]
	p, err := c.Products.Get(ctx, strings.ToUpper(member.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !cin7core.SameID(p.ID, member.ID) {
		t.Fatalf("got product %s for %s", p.ID, member.ID)
	}
	f, err := c.ProductFamilies.Get(ctx, strings.ToUpper(fam.ID))
	if err != nil || f.Name != fam.Name {
		t.Fatalf("family: %v, %v", f, err)
	}
	for _, l := range srv.Tenant().Locations() {
		for _, b := range l.Bins {
			row, err := c.Locations.Get(ctx, b.ID) // upper case finds the lower-case row
			if err != nil {
				t.Fatal(err)
			}
			if !row.IsBin() || !cin7core.SameID(row.ParentID, l.ID) {
				t.Fatalf("bin %s: got %+v", b.ID, row)
			}
		}
	}
	if _, err := c.Products.Get(ctx, cin7coretest.NewID()); !errors.Is(err, cin7core.ErrNotFound) {
		t.Fatalf("unknown ID: %v, want ErrNotFound", err)
	}
}

func TestPagingAndParameters(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()

	var env struct {
		Total    int
		Page     int
		Products []json.RawMessage
	}
	status, _, body := get(t, srv, "product?page=2&LIMIT=25")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	if env.Total != 59 || env.Page != 2 || len(env.Products) != 25 {
		t.Fatalf("Total %d Page %d items %d; want 59, 2, 25", env.Total, env.Page, len(env.Products))
	}
	_, _, body = get(t, srv, "product")
	env.Products = nil
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	if env.Page != 1 || len(env.Products) != 59 {
		t.Fatalf("default paging: Page %d, %d items", env.Page, len(env.Products))
	}
	_, _, body = get(t, srv, "product?Page=9&Limit=10")
	if !strings.Contains(body, `"Products":[]`) || !strings.Contains(body, `"Total":59`) {
		t.Fatalf("page past the end: %s", body)
	}

	for _, q := range []string{"Limit=1001", "Limit=0", "Limit=abc", "Page=0", "ModifiedSince=yesterday", "IncludeDeprecated=perhaps"} {
		status, _, body := get(t, srv, "product?"+q)
		if status != http.StatusBadRequest || !strings.Contains(body, `"ErrorCode":400`) {
			t.Errorf("%s: status %d body %s; want 400 with an Error Model", q, status, body)
		}
	}

	// Names: locations start with, products contain; both ignore case.
	_, _, body = get(t, srv, "ref/location?name=aisle")
	if !strings.Contains(body, `"Total":2`) {
		t.Errorf("locations starting with aisle: %s", body)
	}
	_, _, body = get(t, srv, "ref/location?Name=isle")
	if !strings.Contains(body, `"Total":0`) {
		t.Errorf("location Name must match the start: %s", body)
	}
	_, _, body = get(t, srv, "product?name=SLEEPING&sku=slb")
	if !strings.Contains(body, `"Total":2`) {
		t.Errorf("products named sleeping with SKU slb: %.200s", body)
	}
	_, _, body = get(t, srv, "ref/location?Deprecated=true")
	if !strings.Contains(body, `"Total":1`) || !strings.Contains(body, "Perth") {
		t.Errorf("deprecated locations: %.300s", body)
	}
	_, _, body = get(t, srv, "ref/location?Deprecated=false")
	if !strings.Contains(body, `"Total":11`) {
		t.Errorf("active locations: %.100s", body)
	}
	_, _, body = get(t, srv, "productFamily?Sku=rhb")
	if !strings.Contains(body, `"Total":1`) || !strings.Contains(body, "Ridgeline") {
		t.Errorf("family by SKU: %.100s", body)
	}
}

func TestAuthentication(t *testing.T) {
	srv := cin7coretest.NewServer(cin7coretest.WithCredentials("acc-1", "key-1"))
	defer srv.Close()
	status, _, body := get(t, srv, "product") // demo credentials are now wrong
	if status != http.StatusForbidden || body != "Incorrect credentials!" {
		t.Fatalf("status %d body %q", status, body)
	}
	resp, err := http.Get(srv.URL() + "ref/location")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no headers: status %d", resp.StatusCode)
	}

	c, err := cin7core.NewClient(cin7core.WithBaseURL(srv.URL()), cin7core.WithCredentials("acc-1", "wrong-key"),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(quickRetry))
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Calls()
	_, err = c.Products.List(nil).Collect(context.Background())
	if !errors.Is(err, cin7core.ErrUnauthorized) || !strings.Contains(err.Error(), "Incorrect credentials") {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if srv.Calls()-before != 1 {
		t.Fatalf("403 was retried: %d calls", srv.Calls()-before)
	}
	ok := newClient(t, srv)
	if _, err := ok.Locations.List(nil).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownPathIsHTMLWithStatus200(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	status, h, body := get(t, srv, "Products")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, "Page not found") {
		t.Fatalf("status %d, content type %q, body %.80q", status, h.Get("Content-Type"), body)
	}
	if srv.CallsTo("products") != 1 {
		t.Fatalf("CallsTo(products) = %d", srv.CallsTo("products"))
	}
	resp, err := http.Get(strings.TrimSuffix(srv.URL(), "ExternalApi/v2/") + "elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("outside the API: status %d, want 404", resp.StatusCode)
	}
}

func TestNonGetIsRefused(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodDelete, srv.URL()+"product?ID=x", nil)
	req.Header.Set("api-auth-accountid", cin7coretest.DemoAccountID)
	req.Header.Set("api-auth-applicationkey", cin7coretest.DemoApplicationKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("status %d, want 405", resp.StatusCode)
	}
}

func TestThrottlingSlidingWindow(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		clk := newVClock()
		srv := cin7coretest.NewServer(cin7coretest.WithRateLimit(3, time.Minute),
			cin7coretest.WithThrottleStatus(status), cin7coretest.WithClock(clk.Now))
		// Calls at 0s, 20s, 40s fill the window.
		for i := 0; i < 3; i++ {
			if st, _, body := get(t, srv, "ref/location?Limit=1"); st != 200 {
				t.Fatalf("call %d: %d %s", i, st, body)
			}
			clk.Advance(20 * time.Second)
		}
		// At 60s the call made at 0s has left the window: exactly one slot.
		if st, _, _ := get(t, srv, "ref/location?Limit=1"); st != 200 {
			t.Fatalf("call at 60s: status %d", st)
		}
		st, h, body := get(t, srv, "ref/location?Limit=1")
		if st != status {
			t.Fatalf("call over the limit: status %d, want %d", st, status)
		}
		if h.Get("Retry-After") != "" {
			t.Errorf("Retry-After %q sent; Cin7 Core sends none", h.Get("Retry-After"))
		}
		var model []struct {
			ErrorCode int
			Exception string
		}
		if err := json.Unmarshal([]byte(body), &model); err != nil || len(model) != 1 ||
			model[0].ErrorCode != status || model[0].Exception != "You reached 3 calls per minute API limit" {
			t.Errorf("throttle body %s (%v)", body, err)
		}
		clk.Advance(20*time.Second - time.Nanosecond)
		if st, _, _ := get(t, srv, "ref/location?Limit=1"); st != status {
			t.Errorf("a nanosecond before the 20s call leaves the window: status %d", st)
		}
		clk.Advance(time.Nanosecond)
		if st, _, _ := get(t, srv, "ref/location?Limit=1"); st != 200 {
			t.Errorf("after the 20s call left the window: status %d", st)
		}
		if srv.Throttled() != 2 || srv.Calls() != 7 {
			t.Errorf("Throttled %d Calls %d, want 2 and 7", srv.Throttled(), srv.Calls())
		}
		srv.Close()
	}
}

func TestClientLimiterOnVirtualTimeIsNeverThrottled(t *testing.T) {
	clk := newVClock()
	srv := cin7coretest.NewServer(cin7coretest.WithRateLimit(5, time.Minute), cin7coretest.WithClock(clk.Now))
	defer srv.Close()
	c := newClient(t, srv, cin7core.WithClock(clk), cin7core.WithLimiter(cin7core.NewWindowLimiter(5, time.Minute, clk)))
	start := clk.Now()
	for i := 0; i < 23; i++ {
		if _, err := c.Locations.List(&cin7core.LocationListOptions{Limit: 1}).Collect(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if srv.Throttled() != 0 {
		t.Fatalf("throttled %d times", srv.Throttled())
	}
	if srv.Calls() < 23*12 {
		t.Fatalf("calls %d", srv.Calls())
	}
	if elapsed := clk.Now().Sub(start); elapsed < time.Duration(srv.Calls()/5-1)*time.Minute {
		t.Fatalf("%d calls took only %s of virtual time", srv.Calls(), elapsed)
	}
}

func TestClientRetriesThrottling(t *testing.T) {
	clk := newVClock()
	srv := cin7coretest.NewServer(cin7coretest.WithRateLimit(2, time.Minute), cin7coretest.WithClock(clk.Now))
	defer srv.Close()
	// No client-side limiter: the server throttles and the client backs off
	// on virtual time until the window frees up.
	c := newClient(t, srv, cin7core.WithClock(clk), cin7core.WithLimiter(nil),
		cin7core.WithRetryPolicy(cin7core.RetryPolicy{MaxAttempts: 10, MinWait: time.Second, MaxWait: 40 * time.Second, ThrottleMinWait: 5 * time.Second}))
	for i := 0; i < 4; i++ {
		if _, err := c.ProductFamilies.List(nil).Collect(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if srv.Throttled() == 0 {
		t.Fatal("expected throttled calls")
	}
	if st := c.Stats(); st.Throttled != int64(srv.Throttled()) {
		t.Fatalf("client saw %d throttles, server sent %d", st.Throttled, srv.Throttled())
	}
}

func TestFailNext(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	srv.FailNext(2, http.StatusInternalServerError, `[{"ErrorCode":500,"Exception":"Object reference not set"}]`, nil)
	c := newClient(t, srv)
	locs, err := c.Locations.List(nil).Collect(context.Background())
	if err != nil || len(locs) != 12 {
		t.Fatalf("%d locations, %v", len(locs), err)
	}
	if srv.CallsTo("ref/location") != 3 {
		t.Fatalf("CallsTo = %d, want 3 (two failures, one success)", srv.CallsTo("ref/location"))
	}
	srv.FailNext(1, http.StatusTooManyRequests, "slow down", http.Header{"Retry-After": {"0"}, "X-Test": {"1"}})
	status, h, body := get(t, srv, "product")
	if status != http.StatusTooManyRequests || body != "slow down" || h.Get("X-Test") != "1" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("fault: %d %q %v", status, body, h)
	}
	srv.FailNext(1, http.StatusBadRequest, `[{"ErrorCode":400,"Exception":"Bad"}]`, nil)
	_, err = c.Products.Get(context.Background(), "x")
	if !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("err = %v, want ErrValidation", err)
	}
}

func TestMutatorsStampWithServerClock(t *testing.T) {
	clk := newVClock()
	srv := cin7coretest.NewServer(cin7coretest.WithClock(clk.Now))
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	tn := srv.Tenant()

	clk.Advance(time.Hour)
	cursor := clk.Now()
	clk.Advance(1234567800 * time.Nanosecond)
	added := tn.UpsertProduct(cin7core.Product{SKU: "NEW-1", Name: "New Thing", CostingMethod: cin7core.CostingFIFO, UOM: "Item",
		PriceTier1: decimal.RequireFromString("10.50")})
	if added.ID == "" || added.Type != cin7core.ProductTypeStock || added.Status != cin7core.ProductStatusActive {
		t.Fatalf("defaults not applied: %+v", added)
	}
	if !added.LastModifiedOn.Time.Equal(clk.Now()) || !added.LastModifiedOn.HasZone {
		t.Fatalf("LastModifiedOn %v, want %v (zoned)", added.LastModifiedOn, clk.Now())
	}
	// A product whose stamp was zone-less keeps that form.
	var zoneless cin7core.Product
	for _, p := range tn.Products() {
		if !p.LastModifiedOn.HasZone && !p.IsDeprecated() && !p.IsService() {
			zoneless = p
			break
		}
	}
	zoneless.Name += " v2"
	updated := tn.UpsertProduct(zoneless)
	if updated.LastModifiedOn.HasZone || !updated.LastModifiedOn.Time.Equal(clk.Now().Truncate(time.Millisecond)) {
		t.Fatalf("zone-less stamp %v", updated.LastModifiedOn)
	}

	changed, err := c.Products.List(&cin7core.ProductListOptions{ModifiedSince: cursor}).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 2 {
		t.Fatalf("%d products modified since the cursor, want 2", len(changed))
	}
	if got := changed[0].PriceTier1; changed[0].SKU == "NEW-1" && !got.Equal(decimal.RequireFromString("10.5")) {
		t.Fatalf("price %s", got)
	}

	if err := tn.DeprecateProduct(strings.ToUpper(added.ID)); err != nil {
		t.Fatal(err)
	}
	if err := tn.DeprecateProduct("no-such-id"); err == nil {
		t.Fatal("deprecating an unknown product should fail")
	}
	active, _ := c.Products.List(&cin7core.ProductListOptions{ModifiedSince: cursor}).Collect(ctx)
	withDep, _ := c.Products.List(&cin7core.ProductListOptions{ModifiedSince: cursor, IncludeDeprecated: true}).Collect(ctx)
	if len(active) != 1 || len(withDep) != 2 {
		t.Fatalf("after deprecating: %d active, %d with deprecated", len(active), len(withDep))
	}
	got, err := c.Products.Get(ctx, added.ID)
	if err != nil || !got.IsDeprecated() {
		t.Fatalf("Get of a deprecated product: %+v, %v", got, err)
	}

	fam := tn.Families()[0]
	fam.Products = append(fam.Products, cin7core.ProductFamilyMember{ID: strings.ToUpper(added.ID), SKU: added.SKU, Option1: "XXL"})
	clk.Advance(time.Minute)
	tn.UpsertFamily(fam)
	fams, err := c.ProductFamilies.List(&cin7core.ProductFamilyListOptions{ModifiedSince: clk.Now().Add(-time.Second)}).Collect(ctx)
	if err != nil || len(fams) != 1 || len(fams[0].Products) != len(fam.Products) {
		t.Fatalf("families modified since: %d, %v", len(fams), err)
	}
	nf := tn.UpsertFamily(cin7core.ProductFamily{Name: "Aardvark Family", SKU: "AAR", Option1Name: "Size"})
	if nf.ID == "" || len(tn.Families()) != 4 {
		t.Fatalf("new family not stored: %+v", nf)
	}
}

func TestLocationMutatorsKeepBothBinViews(t *testing.T) {
	tn := cin7coretest.NewTenant()
	srv := cin7coretest.NewServer(cin7coretest.WithTenant(tn))
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()

	wh := tn.UpsertLocation(cin7core.Location{Name: "Warehouse", Bins: []cin7core.Bin{{ID: "AAAAAAAA-0000-4000-8000-000000000001", Name: "Bin 1"}}})
	tn.UpsertLocation(cin7core.Location{ID: "aaaaaaaa-0000-4000-8000-000000000002", Name: "Bin 2", ParentID: wh.ID})
	locs, err := c.Locations.List(nil).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 3 {
		t.Fatalf("%d rows, want 3: %+v", len(locs), locs)
	}
	byName := map[string]cin7core.Location{}
	for _, l := range locs {
		byName[l.Name] = l
	}
	if got := byName["Bin 1"]; got.ID != "aaaaaaaa-0000-4000-8000-000000000001" || got.ParentName != "Warehouse" {
		t.Errorf("bin row made from Bins: %+v", got)
	}
	if got := byName["Warehouse"].Bins; len(got) != 2 || got[1].ID != "AAAAAAAA-0000-4000-8000-000000000002" {
		t.Errorf("parent Bins after adding a bin row: %+v", got)
	}
	if c := tn.Counts(); c.ActiveLocations != 1 || c.Bins != 2 || c.Places != 3 {
		t.Errorf("counts %+v", c)
	}

	if err := tn.DeprecateLocation(wh.ID); err != nil {
		t.Fatal(err)
	}
	dep, _ := c.Locations.List(&cin7core.LocationListOptions{Deprecated: true}).Collect(ctx)
	if len(dep) != 3 {
		t.Errorf("deprecating a location deprecates its bins: %d deprecated rows", len(dep))
	}
	for _, b := range tn.Locations()[0].Bins {
		if !b.IsDeprecated {
			t.Errorf("bin entry %s not deprecated", b.Name)
		}
	}
	if c := tn.Counts(); c.Places != 0 {
		t.Errorf("counts after deprecation %+v", c)
	}
	if err := tn.DeprecateLocation("nope"); err == nil {
		t.Error("deprecating an unknown location should fail")
	}
}

func TestDeprecateBinUpdatesParent(t *testing.T) {
	tn := cin7coretest.DemoTenant()
	var parent cin7core.Location
	for _, l := range tn.Locations() {
		if len(l.Bins) > 0 {
			parent = l
			break
		}
	}
	if err := tn.DeprecateLocation(parent.Bins[0].ID); err != nil {
		t.Fatal(err)
	}
	before := cin7coretest.DemoCounts()
	after := tn.Counts()
	if after.Bins != before.Bins-1 {
		t.Fatalf("bins %d, want %d", after.Bins, before.Bins-1)
	}
	for _, l := range tn.Locations() {
		if cin7core.SameID(l.ID, parent.ID) && !bool(l.Bins[0].IsDeprecated) {
			t.Fatal("parent's Bins entry not deprecated")
		}
	}
}

func TestDemoTenantIsFreshEachTime(t *testing.T) {
	a := cin7coretest.DemoTenant()
	p := a.Products()[0]
	if err := a.DeprecateProduct(p.ID); err != nil {
		t.Fatal(err)
	}
	if cin7coretest.DemoTenant().Counts() == a.Counts() {
		t.Fatal("changing one demo tenant changed another")
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := cin7coretest.NewServer(cin7coretest.WithRateLimit(10000, time.Minute))
	defer srv.Close()
	tn := srv.Tenant()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c, err := cin7core.NewClient(append(srv.ClientOptions(), cin7core.WithLimiter(nil))...)
			if err != nil {
				errs <- err
				return
			}
			for j := 0; j < 5; j++ {
				if _, err := c.Products.List(&cin7core.ProductListOptions{Limit: 20}).Collect(context.Background()); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				p := tn.UpsertProduct(cin7core.Product{Name: "Concurrent", SKU: "C"})
				_ = tn.Counts()
				_ = tn.Products()
				if j%5 == 0 {
					_ = tn.DeprecateProduct(p.ID)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
