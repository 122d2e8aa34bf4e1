package benchmarks

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// fakes is the fakeserver subprocess: both fakes out of this process, so
// that this process's CPU (getrusage RUSAGE_SELF) is the SDK's alone.
type fakes struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	ep  struct {
		Cin7URL  string `json:"cin7_url"`
		Account  string `json:"account"`
		Key      string `json:"key"`
		RampURL  string `json:"ramp_url"`
		RampUser string `json:"ramp_user"`
		RampPass string `json:"ramp_pass"`
		Products int    `json:"products"`
	}
}

var (
	fakeBinOnce sync.Once
	fakeBin     string
	fakeBinErr  error
)

// startFakes builds (once per process) and starts the fakeserver command
// with the benchmark tenant (a tenth of it with -short).
func startFakes(tb testing.TB) *fakes {
	tb.Helper()
	fakeBinOnce.Do(func() {
		dir, err := filepathTemp()
		if err != nil {
			fakeBinErr = err
			return
		}
		fakeBin = filepath.Join(dir, "fakeserver")
		out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", fakeBin,
			"github.com/cin7ramp/cin7ramp/benchmarks/internal/fakeserver").CombinedOutput()
		if err != nil {
			fakeBinErr = fmt.Errorf("go build fakeserver: %v\n%s", err, out)
		}
	})
	if fakeBinErr != nil {
		tb.Fatal(fakeBinErr)
	}
	scale := "1"
	if testing.Short() {
		scale = "0.1"
	}
	f := &fakes{cmd: exec.Command(fakeBin, "-scale", scale)}
	var err error
	if f.in, err = f.cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	stdout, err := f.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = f.in.Close() // the command exits when its stdin closes
		_ = f.cmd.Wait()
	})
	f.out = bufio.NewReader(stdout)
	line, err := f.out.ReadBytes('\n')
	if err != nil {
		tb.Fatalf("fakeserver: %v", err)
	}
	if err := json.Unmarshal(line, &f.ep); err != nil {
		tb.Fatalf("fakeserver said %q: %v", line, err)
	}
	return f
}

// do sends one command and returns the answer.
func (f *fakes) do(tb testing.TB, cmd string) string {
	tb.Helper()
	if _, err := io.WriteString(f.in, cmd+"\n"); err != nil {
		tb.Fatal(err)
	}
	line, err := f.out.ReadString('\n')
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(line)
}

// cpu is the fakeserver's CPU time so far.
func (f *fakes) cpu(tb testing.TB) time.Duration {
	n, err := strconv.ParseInt(f.do(tb, "cpu"), 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return time.Duration(n)
}

// engine returns an engine with empty state on the subprocess's fakes.
func (f *fakes) engine(tb testing.TB) *cinsync.Engine {
	tb.Helper()
	cc, err := cin7core.NewClient(cin7core.WithBaseURL(f.ep.Cin7URL), cin7core.WithCredentials(f.ep.Account, f.ep.Key), cin7core.WithLimiter(nopLimiter{}))
	if err != nil {
		tb.Fatal(err)
	}
	rc, err := ramp.NewClient(ramp.WithBaseURL(f.ep.RampURL), ramp.WithLogin(f.ep.RampUser, f.ep.RampPass))
	if err != nil {
		tb.Fatal(err)
	}
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cc), Sink: cinsync.RampSink(rc), State: cinsync.NewMemoryStore(), Tenant: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// productPages GETs every product page (1,000 a page, deprecated
// included, as the products stream reads them) from the subprocess.
func (f *fakes) productPages(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for page := 1; ; page++ {
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%sproduct?Page=%d&Limit=1000&IncludeDeprecated=true", f.ep.Cin7URL, page), nil)
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("api-auth-accountid", f.ep.Account)
		req.Header.Set("api-auth-applicationkey", f.ep.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			tb.Fatalf("product page %d: %d %v", page, resp.StatusCode, err)
		}
		var env struct{ Products []json.RawMessage }
		if err := json.Unmarshal(b, &env); err != nil {
			tb.Fatal(err)
		}
		if len(env.Products) == 0 {
			return out
		}
		out = append(out, b)
	}
}

// plainDecodeCPU is the CPU time per record of decoding pages with plain
// encoding/json into the SDK's Product struct, over reps rounds.
func plainDecodeCPU(tb testing.TB, pages [][]byte, reps int) (time.Duration, int) {
	tb.Helper()
	records := 0
	c0 := cpuTime()
	for range reps {
		for _, b := range pages {
			var env struct{ Products []cin7core.Product }
			if err := json.Unmarshal(b, &env); err != nil {
				tb.Fatal(err)
			}
			records += len(env.Products)
		}
	}
	return cpuTime() - c0, records
}

// BenchmarkPipelineOutOfProcess runs the whole products pipeline against
// both fakes running in a separate process (benchmarks/internal/fakeserver)
// on loopback, and measures this process's CPU only: the SDK's share
// (HTTP client, limiter, decoding, mapping, hashing, Ramp requests, state),
// next to plain encoding/json decoding of the same product pages.
// "first" creates every SKU in an empty Ramp; "resync" reads everything
// again with empty state into a Ramp that holds it all (no writes).
// Metrics: sdk-cpu-ns/record, json-cpu-ns/record, ratio (target ≤ 2),
// records/cpu-s (records per second per core of the SDK), and
// fakes-cpu-ns/record (the subprocess, for reference).
func BenchmarkPipelineOutOfProcess(b *testing.B) {
	f := startFakes(b)
	pages := f.productPages(b)
	run := func(b *testing.B, reset bool) {
		var sdk, fk time.Duration
		records := 0
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			if reset {
				f.do(b, "reset")
			}
			e := f.engine(b)
			fc0 := f.cpu(b)
			runtime.GC()
			b.StartTimer()
			c0 := cpuTime()
			rep, err := e.Sync(context.Background(), cinsync.StreamProducts)
			sdk += cpuTime() - c0
			b.StopTimer()
			fk += f.cpu(b) - fc0
			if err != nil {
				b.Fatal(err)
			}
			s := rep.Stream(cinsync.StreamProducts)
			if s == nil || s.Failed > 0 {
				b.Fatalf("products pass: %+v", s)
			}
			records += s.Read
			b.StartTimer()
		}
		b.StopTimer()
		plain, n := plainDecodeCPU(b, pages, 3)
		sdkPer := float64(sdk.Nanoseconds()) / float64(records)
		plainPer := float64(plain.Nanoseconds()) / float64(n)
		b.ReportMetric(float64(records)/float64(b.N), "records/op")
		b.ReportMetric(sdkPer, "sdk-cpu-ns/record")
		b.ReportMetric(plainPer, "json-cpu-ns/record")
		b.ReportMetric(sdkPer/plainPer, "ratio")
		b.ReportMetric(1e9/sdkPer, "records/cpu-s")
		b.ReportMetric(float64(fk.Nanoseconds())/float64(records), "fakes-cpu-ns/record")
	}
	b.Run("first", func(b *testing.B) { run(b, true) })
	b.Run("resync", func(b *testing.B) {
		f.do(b, "reset")
		if _, err := f.engine(b).Sync(context.Background(), cinsync.StreamProducts); err != nil {
			b.Fatal(err)
		}
		run(b, false)
	})
}

// filepathTemp makes a directory for the fakeserver binary that outlives
// any one benchmark (the build is shared by the process).
func filepathTemp() (string, error) { return os.MkdirTemp("", "cin7ramp-fakeserver-") }
