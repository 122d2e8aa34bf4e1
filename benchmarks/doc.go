// Package benchmarks measures the SDK against the targets of issue 6:
// decoding and mapping cost side by side with plain encoding/json, the
// whole products pipeline per record against both fakes on loopback, the
// peak heap of reading stock on hand as it grows from 60,000 to 1,000,000
// rows, and time against Cin7 Core's 60-calls-a-minute limit on a virtual
// clock, next to a plain one-call-a-second pacer.
//
// The package holds only tests. `go test ./...` runs its few quick tests
// and no benchmark; run the benchmarks with
//
//	go test ./benchmarks -run '^$' -bench . -benchmem
//
// (add -short for a tenant a tenth of the benchmark size). The generated
// tenant is cin7coretest.BenchmarkSpec; examples/benchtable prints the
// main ratios as one table.
package benchmarks
