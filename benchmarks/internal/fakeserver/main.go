// Command fakeserver serves a generated benchmark tenant from the fake Cin7
// Core (no rate limit) and an empty fake Ramp on loopback, so that a
// benchmark can measure its own process's CPU without the fakes' (see
// BenchmarkPipelineOutOfProcess in package benchmarks).
//
// It prints one JSON line with the URLs and credentials, then reads
// commands from stdin, one a line, answering each with one line:
//
//	reset    empty the fake Ramp                 → ok
//	cpu      this process's CPU time so far (ns) → <ns>
//
// It exits when stdin closes.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

// Endpoints is the line fakeserver prints first.
type Endpoints struct {
	Cin7URL     string `json:"cin7_url"`
	Account     string `json:"account"`
	Key         string `json:"key"`
	RampURL     string `json:"ramp_url"`
	RampUser    string `json:"ramp_user"`
	RampPass    string `json:"ramp_pass"`
	Products    int    `json:"products"`
	Generated   string `json:"generated"`
	Description string `json:"description"`
}

func main() {
	scale := flag.Float64("scale", 1, "fraction of the benchmark tenant to generate")
	flag.Parse()
	spec := cin7coretest.BenchmarkSpec()
	if *scale != 1 {
		spec = spec.Scaled(*scale)
	}
	t0 := time.Now()
	tenant := cin7coretest.GenerateTenant(spec)
	cs := cin7coretest.NewServer(cin7coretest.WithTenant(tenant), cin7coretest.WithRateLimit(1<<20, time.Minute))
	defer cs.Close()
	rs := ramptest.NewServer()
	defer rs.Close()
	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(Endpoints{
		Cin7URL: cs.URL(), Account: cin7coretest.DemoAccountID, Key: cin7coretest.DemoApplicationKey,
		RampURL: rs.URL(), RampUser: ramptest.DefaultUsername, RampPass: ramptest.DefaultPassword,
		Products: len(tenant.Products()), Generated: time.Since(t0).String(),
		Description: fmt.Sprintf("%+v", spec),
	}); err != nil {
		os.Exit(1)
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "reset":
			rs.Reset()
			fmt.Println("ok")
		case "cpu":
			var ru syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			fmt.Println(ru.Utime.Nano() + ru.Stime.Nano())
		default:
			fmt.Println("unknown command")
		}
	}
}
