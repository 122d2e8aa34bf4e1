package benchmarks

import (
	"context"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// pipeline is one products pass over loopback against both fakes.
type pipeline struct {
	cs     *cin7coretest.Server
	rs     *ramptest.Server
	engine *cinsync.Engine
}

// newPipeline serves tenant from a fresh fake Cin7 Core (no rate limit:
// this measures CPU, not the limit) into rs, with empty state.
func newPipeline(tb testing.TB, tenant *cin7coretest.Tenant, rs *ramptest.Server) *pipeline {
	tb.Helper()
	cs := cin7coretest.NewServer(cin7coretest.WithTenant(tenant), cin7coretest.WithRateLimit(1<<20, time.Minute))
	tb.Cleanup(cs.Close)
	cc, err := cs.NewClient(cin7core.WithLimiter(nopLimiter{}))
	if err != nil {
		tb.Fatal(err)
	}
	rc, err := rs.NewClient()
	if err != nil {
		tb.Fatal(err)
	}
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cc), Sink: cinsync.RampSink(rc), State: cinsync.NewMemoryStore(), Tenant: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	return &pipeline{cs: cs, rs: rs, engine: e}
}

// run makes one products pass and returns the records read.
func (p *pipeline) run(tb testing.TB) int {
	rep, err := p.engine.Sync(context.Background(), cinsync.StreamProducts)
	if err != nil {
		tb.Fatal(err)
	}
	s := rep.Stream(cinsync.StreamProducts)
	if s == nil || s.Failed > 0 {
		tb.Fatalf("products pass: %+v", s)
	}
	return s.Read
}

// BenchmarkPipelineProducts runs the whole products pipeline (read pages
// from the fake Cin7 Core over loopback, decode, map, hash, write to the
// fake Ramp over loopback, save state) for every product of the tenant.
// "first" creates every SKU in an empty Ramp; "resync" reads everything
// again with empty state into a Ramp that already holds it (reads, maps,
// compares, writes nothing). records/cpu-s is records per CPU-second of
// the whole process (both fakes included): records per second per core.
func BenchmarkPipelineProducts(b *testing.B) {
	fix := getFixture(b, benchSpec())
	measure := func(b *testing.B, setup func() *pipeline) {
		var records int
		var cpu, wall time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			p := setup()
			b.StartTimer()
			c0, w0 := cpuTime(), time.Now()
			records += p.run(b)
			cpu += cpuTime() - c0
			wall += time.Since(w0)
		}
		b.ReportMetric(float64(records)/float64(b.N), "records/op")
		if records > 0 {
			b.ReportMetric(float64(wall.Nanoseconds())/float64(records), "ns/record")
			b.ReportMetric(float64(records)/wall.Seconds(), "records/s")
			if cpu > 0 {
				b.ReportMetric(float64(records)/cpu.Seconds(), "records/cpu-s")
			}
		}
	}
	b.Run("first", func(b *testing.B) {
		measure(b, func() *pipeline {
			rs := ramptest.NewServer()
			b.Cleanup(rs.Close)
			return newPipeline(b, fix.tenant, rs)
		})
	})
	b.Run("resync", func(b *testing.B) {
		rs := ramptest.NewServer()
		b.Cleanup(rs.Close)
		newPipeline(b, fix.tenant, rs).run(b)
		measure(b, func() *pipeline { return newPipeline(b, fix.tenant, rs) })
	})
}

// TestPipelineSmall runs the products pipeline once on a small tenant.
func TestPipelineSmall(t *testing.T) {
	fix := getFixture(t, smallSpec())
	rs := ramptest.NewServer()
	defer rs.Close()
	p := newPipeline(t, fix.tenant, rs)
	if n := p.run(t); n == 0 {
		t.Fatal("read nothing")
	}
	if got, want := len(rs.Skus()), fix.tenant.Counts().SKUs; got != want {
		t.Fatalf("Ramp has %d SKUs, want %d", got, want)
	}
}
