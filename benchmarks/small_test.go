package benchmarks

import "github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"

// smallSpec is the tenant the package's quick tests use: a fiftieth of
// the benchmark tenant, with a few locations.
func smallSpec() cin7coretest.TenantSpec {
	s := cin7coretest.BenchmarkSpec().Scaled(0.02)
	s.Locations, s.Bins = 5, 10
	return s
}
