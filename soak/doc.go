// Package soak holds the long-running reliability tests of the sync
// engine (issue 7). It has no API: everything is in its _test.go files.
//
//   - TestSoak drives many passes of every stream and flow against the
//     fakes with seeded random faults on both clients and random user
//     activity on both sides between passes, checks every pass (no panic,
//     no goroutine leak, every pass returns, a failed write is reported,
//     no credential anywhere), then turns the faults off and checks that
//     two clean passes bring Ramp and Cin7 Core to what a fault-free run
//     driven with the same activity produces, with nothing doubled.
//   - TestCrashAtEveryBoundary makes the state store die at every save
//     of one pass, and separately cancels the pass after every write, then
//     checks that clean passes converge on the crash-free result.
//   - TestKillProcessMidPass runs a pass in a child process with a
//     FileStore and kills it (SIGKILL) at several points, then finishes
//     in the parent on the same state.
//
// Short by default; longer with flags:
//
//	go test -race ./soak/                                   # a few seeds
//	go test -race ./soak/ -run TestSoak -soak.duration=5m   # seeds until 5 minutes pass
//	go test ./soak/ -run TestSoak -soak.seeds=50 -soak.rounds=12
//	go test ./soak/ -run TestSoak -soak.seed=17 -soak.seeds=1 -v   # replay one seed
//	go test ./soak/ -run TestSoak -soak.p=0.2                       # more faults per request
//
// SOAK_DUMP=<text> prints, when a seed fails, the faulty world's log lines
// containing the text, its warnings and errors, and every injected fault.
package soak
