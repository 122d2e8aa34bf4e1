// Command benchtable runs the quick measurements of the benchmark suite
// (issue 6) and prints them side by side with their baselines: Cin7 Core
// API calls per pass of the streams the engine has against the lower
// bound, pass and call durations against the 60-calls-a-minute limit on a
// virtual clock, and the cost of decoding a page through the SDK against
// plain encoding/json.
//
//	go run ./examples/benchtable            # the 20,000-product benchmark tenant
//	go run ./examples/benchtable -small     # a fiftieth of it, in seconds
//
// The full suite (CPU, memory, peak heap) is `go test ./benchmarks -run '^$'
// -bench . -benchmem`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
)

func main() {
	small := flag.Bool("small", false, "use a tenant a fiftieth of the benchmark size")
	calls := flag.Int("calls", 300, "sequential calls for the rate-limit comparison")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, options{small: *small, calls: *calls}); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// options select the run.
type options struct {
	small bool
	calls int
	// benchTime bounds each decode measurement (0: testing.Benchmark's
	// default of about a second).
	benchTime time.Duration
}

func (o options) spec() cin7coretest.TenantSpec {
	if o.small {
		s := cin7coretest.BenchmarkSpec().Scaled(0.02)
		s.Locations, s.Bins = 5, 10
		return s
	}
	return cin7coretest.BenchmarkSpec()
}

func run(ctx context.Context, out io.Writer, o options) error {
	spec := o.spec()
	start := time.Now()
	tenant := cin7coretest.GenerateTenant(spec)
	fmt.Fprintf(out, "Tenant: %d products (%d variants in %d families), %d locations with %d bins, %d stock rows, %d purchases, %d sales, %d transfers; generated in %v\n\n",
		spec.Products, spec.Variants, spec.Families, spec.Locations, spec.Bins, spec.StockRows, spec.Purchases, spec.Sales, spec.Transfers, time.Since(start).Round(time.Millisecond))
	if err := passTable(ctx, out, tenant); err != nil {
		return err
	}
	if err := limitTable(ctx, out, o.calls); err != nil {
		return err
	}
	return decodeTable(ctx, out, tenant, o.benchTime)
}

// ---- virtual time ----

// clock is a virtual clock: Sleep advances it at once. Safe for
// concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.mu.Unlock()
	}
	return nil
}

type nopLimiter struct{}

func (nopLimiter) Wait(ctx context.Context) error { return ctx.Err() }

// pacer waits interval between calls (the baseline).
type pacer struct {
	clk      *clock
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
}

func (p *pacer) Wait(ctx context.Context) error {
	p.mu.Lock()
	now := p.clk.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.interval)
	p.mu.Unlock()
	return p.clk.Sleep(ctx, at.Sub(now))
}

// bound is the least time n calls take at 60 calls in any rolling 60 s.
func bound(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration((n-1)/cin7core.RateLimit) * cin7core.RateWindow
}

func ratio(d, b time.Duration) string {
	switch {
	case b == 0 && d == 0:
		return "1.00"
	case b == 0:
		return "inf"
	}
	return fmt.Sprintf("%.2f", float64(d)/float64(b))
}

func pages(n, size int) int { return max(1, (n+size-1)/size) }

// ---- time against the limit ----

func limitTable(ctx context.Context, out io.Writer, n int) error {
	fmt.Fprintf(out, "%d sequential calls against 60 calls per rolling 60 s (virtual clock)\n", n)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "limiter\tvirtual time\twindow bound\tratio\tthrottled\tfailed calls\t")
	for _, l := range []struct {
		name string
		mk   func(*clock) cin7core.Limiter
	}{
		{"SDK sliding window", func(c *clock) cin7core.Limiter {
			return cin7core.NewWindowLimiter(cin7core.RateLimit, cin7core.RateWindow, c)
		}},
		{"baseline: 1 call/s pacer", func(c *clock) cin7core.Limiter { return &pacer{clk: c, interval: time.Second} }},
		{"none (retries only)", func(*clock) cin7core.Limiter { return nopLimiter{} }},
	} {
		clk := &clock{now: cin7coretest.GenerationEpoch()}
		srv := cin7coretest.NewServer(cin7coretest.WithClock(clk.Now), cin7coretest.WithRateLimit(cin7core.RateLimit, cin7core.RateWindow))
		c, err := srv.NewClient(cin7core.WithLimiter(l.mk(clk)), cin7core.WithClock(clk))
		if err != nil {
			srv.Close()
			return err
		}
		failed := 0
		t0 := clk.Now()
		for range n {
			if _, err := c.Locations.List(nil).Collect(ctx); err != nil {
				failed++
			}
		}
		d := clk.Now().Sub(t0)
		fmt.Fprintf(tw, "%s\t%v\t%v\t%s\t%d\t%d\t\n", l.name, d.Round(time.Millisecond), bound(n), ratio(d, bound(n)), srv.Throttled(), failed)
		srv.Close()
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}

// ---- decoding ----

type pageTransport struct{ body []byte }

func (t pageTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)), Request: r}, nil
}

func firstPage[T any](ctx context.Context, p *cin7core.Pager[T]) (int, error) {
	for pg, err := range p.Pages(ctx) {
		if err != nil {
			return 0, err
		}
		return len(pg.Items), nil
	}
	return 0, nil
}

func decodeTable(ctx context.Context, out io.Writer, tenant *cin7coretest.Tenant, benchTime time.Duration) error {
	srv := cin7coretest.NewServer(cin7coretest.WithTenant(tenant), cin7coretest.WithRateLimit(1<<20, time.Minute))
	defer srv.Close()
	get := func(path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+path+"?Page=1&Limit=1000&IncludeDeprecated=true", nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("api-auth-accountid", cin7coretest.DemoAccountID)
		req.Header.Set("api-auth-applicationkey", cin7coretest.DemoApplicationKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	type row struct {
		name, path string
		sdk        func(*cin7core.Client) (int, error)
		plain      func([]byte) (int, error)
	}
	rows := []row{
		{"products", "product", func(c *cin7core.Client) (int, error) {
			return firstPage(ctx, c.Products.List(&cin7core.ProductListOptions{IncludeDeprecated: true}))
		}, func(b []byte) (int, error) {
			var env struct{ Products []cin7core.Product }
			err := json.Unmarshal(b, &env)
			return len(env.Products), err
		}},
		{"stock on hand", "ref/productavailability", func(c *cin7core.Client) (int, error) {
			return firstPage(ctx, c.Availability.List(nil))
		}, func(b []byte) (int, error) {
			var env struct{ ProductAvailabilityList []cin7core.AvailabilityRow }
			err := json.Unmarshal(b, &env)
			return len(env.ProductAvailabilityList), err
		}},
		{"sale list", "saleList", func(c *cin7core.Client) (int, error) {
			return firstPage(ctx, c.Sales.List(nil))
		}, func(b []byte) (int, error) {
			var env struct{ SaleList []cin7core.SaleListItem }
			err := json.Unmarshal(b, &env)
			return len(env.SaleList), err
		}},
	}
	fmt.Fprintln(out, "Decoding one page (up to 1,000 records): SDK client vs plain encoding/json of the same bytes")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "list\trecords\tSDK ns/record\tencoding/json ns/record\tratio\tSDK B/record\tencoding/json B/record\t")
	for _, r := range rows {
		body, err := get(r.path)
		if err != nil {
			return err
		}
		c, err := cin7core.NewClient(cin7core.WithCredentials("bench", "key"), cin7core.WithBaseURL("http://cin7.invalid/ExternalApi/v2/"),
			cin7core.WithTransport(pageTransport{body}), cin7core.WithLimiter(nopLimiter{}))
		if err != nil {
			return err
		}
		n, err := r.sdk(c)
		if err != nil {
			return err
		}
		if m, err := r.plain(body); err != nil || m != n {
			return fmt.Errorf("%s: encoding/json read %d records (%v), the SDK %d", r.name, m, err, n)
		}
		sdk := measure(benchTime, func() { _, _ = r.sdk(c) })
		plain := measure(benchTime, func() { _, _ = r.plain(body) })
		per := func(v int64) float64 { return float64(v) / float64(max(n, 1)) }
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.2f\t%.0f\t%.0f\t\n", r.name, n, per(sdk.NsPerOp()), per(plain.NsPerOp()),
			float64(sdk.NsPerOp())/float64(max(plain.NsPerOp(), 1)), per(sdk.AllocedBytesPerOp()), per(plain.AllocedBytesPerOp()))
	}
	return tw.Flush()
}

// measure runs f as a benchmark; with d > 0 it runs f for about d only
// (testing.Benchmark takes about a second per measurement).
func measure(d time.Duration, f func()) testing.BenchmarkResult {
	if d <= 0 {
		return testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				f()
			}
		})
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start, n := time.Now(), 0
	for n == 0 || time.Since(start) < d {
		f()
		n++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&m1)
	return testing.BenchmarkResult{N: n, T: elapsed, MemBytes: m1.TotalAlloc - m0.TotalAlloc, MemAllocs: m1.Mallocs - m0.Mallocs}
}
