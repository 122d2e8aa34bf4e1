package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
)

// benchSpec is the benchmark tenant, a tenth of it with -short.
func benchSpec() cin7coretest.TenantSpec {
	if testing.Short() {
		return cin7coretest.BenchmarkSpec().Scaled(0.1)
	}
	return cin7coretest.BenchmarkSpec()
}

// fixture is the generated tenant and the first page (Limit 1000) of every
// list the benchmarks decode, as the fake serves them.
type fixture struct {
	spec   cin7coretest.TenantSpec
	tenant *cin7coretest.Tenant
	pages  map[string][]byte
}

var (
	fixMu sync.Mutex
	fixes = map[cin7coretest.TenantSpec]*fixture{}
)

// resources are the lists whose pages are decoded: name, path, list key.
var resources = []struct{ name, path, key string }{
	{"products", "product", "Products"},
	{"families", "productFamily", "ProductFamilies"},
	{"locations", "ref/location", "LocationList"},
	{"availability", "ref/productavailability", "ProductAvailabilityList"},
	{"purchases", "purchaseList", "PurchaseList"},
	{"sales", "saleList", "SaleList"},
	{"transfers", "stockTransferList", "StockTransferList"},
}

// getFixture generates (once per spec) the tenant and fetches its pages.
func getFixture(tb testing.TB, spec cin7coretest.TenantSpec) *fixture {
	tb.Helper()
	fixMu.Lock()
	defer fixMu.Unlock()
	if f, ok := fixes[spec]; ok {
		return f
	}
	f := &fixture{spec: spec, tenant: cin7coretest.GenerateTenant(spec), pages: map[string][]byte{}}
	srv := cin7coretest.NewServer(cin7coretest.WithTenant(f.tenant), cin7coretest.WithRateLimit(1<<20, 1))
	defer srv.Close()
	for _, r := range resources {
		f.pages[r.name] = fetch(tb, srv, r.path+"?Page=1&Limit=1000&IncludeDeprecated=true")
	}
	fixes[spec] = f
	return f
}

// fetch GETs one path of the fake with its credentials.
func fetch(tb testing.TB, srv *cin7coretest.Server, path string) []byte {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("api-auth-accountid", cin7coretest.DemoAccountID)
	req.Header.Set("api-auth-applicationkey", cin7coretest.DemoApplicationKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %v: %.200s", path, resp.StatusCode, err, b)
	}
	return b
}

// pageTransport answers every request with the same page: the client's
// whole path (limiter, auth, retries, body checks, decoding) runs, no
// socket does.
type pageTransport struct{ body []byte }

func (t pageTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)), Request: r,
	}, nil
}

// pageClient returns a client whose every call gets body.
func pageClient(tb testing.TB, body []byte) *cin7core.Client {
	tb.Helper()
	c, err := cin7core.NewClient(cin7core.WithCredentials("bench-account", "bench-key"),
		cin7core.WithBaseURL("http://cin7.invalid/ExternalApi/v2/"),
		cin7core.WithTransport(pageTransport{body}), cin7core.WithLimiter(nopLimiter{}))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// firstPage reads one page through the pager and returns its records.
func firstPage[T any](ctx context.Context, p *cin7core.Pager[T]) ([]T, error) {
	for pg, err := range p.Pages(ctx) {
		if err != nil {
			return nil, err
		}
		if len(pg.Invalid) > 0 {
			return nil, fmt.Errorf("%d invalid records", len(pg.Invalid))
		}
		return pg.Items, nil
	}
	return nil, nil
}
