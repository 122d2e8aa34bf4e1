//go:build race

package riverworker_test

// raceEnabled: the race detector slows CPU-bound work several times over,
// which distorts throughput comparisons.
const raceEnabled = true
