//go:build !unix

package benchmarks

import "time"

// cpuTime is not measured here: records/cpu-s is then not reported.
func cpuTime() time.Duration { return 0 }
