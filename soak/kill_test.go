package soak

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// Environment of the child process TestKillProcessMidPass starts.
const (
	envHelper   = "SOAK_HELPER_PROCESS"
	envCin7URL  = "SOAK_CIN7_URL"
	envRampURL  = "SOAK_RAMP_URL"
	envStateDir = "SOAK_STATE_DIR"
)

// TestHelperProcess is the child of TestKillProcessMidPass: an engine with
// a FileStore syncing the parent's fakes, pass after pass, until killed.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("the child process of TestKillProcessMidPass; it runs only when that test starts it")
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cin7, err := cin7core.NewClient(cin7core.WithBaseURL(os.Getenv(envCin7URL)),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(fastRetry), cin7core.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ramp.NewClient(ramp.WithBaseURL(os.Getenv(envRampURL)), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
		ramp.WithRetryPolicy(fastRetry), ramp.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	store, err := cinsync.NewFileStore(os.Getenv(envStateDir))
	if err != nil {
		t.Fatal(err)
	}
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cin7), Sink: cinsync.RampSink(rc), State: store, Tenant: "soak", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		rep, err := e.Sync(context.Background())
		fmt.Fprintf(os.Stderr, "child pass %d: err=%v\n%s\n", i, err, rep.Summary())
	}
}

// killProxy forwards to a fake and counts writes; at the armed write it
// kills the child, before forwarding it (the write never happens) or
// after the fake answered (it happened; the child never hears).
type killProxy struct {
	srv    *httptest.Server
	mu     *gosync.Mutex
	writes *int
	at     int
	before bool
	kill   func()
	sniff  *tokenSniffer
}

func newKillProxy(t *testing.T, target string, mu *gosync.Mutex, writes *int) *killProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &killProxy{mu: mu, writes: writes, sniff: &tokenSniffer{next: http.DefaultTransport, tokens: map[string]bool{}}}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	rp.Transport = p.sniff // keeps the tokens the child is issued
	p.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hit := false
		var kill func()
		if isWrite(r) {
			p.mu.Lock()
			*p.writes++
			hit = p.at > 0 && *p.writes == p.at
			kill = p.kill
			p.mu.Unlock()
			if hit && p.before && kill != nil {
				kill()
				http.Error(rw, "killed", http.StatusBadGateway)
				return
			}
		}
		rp.ServeHTTP(rw, r)
		if hit && !p.before && kill != nil {
			kill()
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// proxied returns target's URL with the proxy's host.
func (p *killProxy) proxied(t *testing.T, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(p.srv.URL)
	u.Host = pu.Host
	return u.String()
}

// TestKillProcessMidPass starts a child process (this test binary, running
// TestHelperProcess) that syncs the parent's fakes, through proxies on
// loopback, with a FileStore, while user activity is pending on both
// sides. The child is killed with SIGKILL at several points: when the
// fakes have seen the Nth write (just before it is forwarded, or just
// after it was answered), or a few milliseconds after the first write. The parent then runs two clean
// passes on the same FileStore: Ramp and Cin7 Core must equal the
// crash-free run, with nothing doubled and no credential in the child's
// logs.
func TestKillProcessMidPass(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs a child process it can SIGKILL")
	}
	if testing.Short() {
		t.Skip("-short: the kill test starts child processes")
	}
	ref := crashFreeReference(t)
	mid := ref.writes / 2
	kills := []struct {
		name   string
		at     int
		before bool
		delay  time.Duration
	}{
		{"before-write-1", 1, true, 0},
		{fmt.Sprintf("after-write-%d", mid), mid, false, 0},
		{fmt.Sprintf("before-write-%d", ref.writes), ref.writes, true, 0},
		{fmt.Sprintf("after-write-%d", ref.writes-1), ref.writes - 1, false, 0},
		{"15ms-after-write-1", 1, false, 15 * time.Millisecond},
	}
	for _, k := range kills {
		t.Run(k.name, func(t *testing.T) {
			dir := t.TempDir()
			store, err := cinsync.NewFileStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			w := newWorld(t, worldConfig{name: "kill", store: store})
			preparePending(t, w)

			var mu gosync.Mutex
			writes := 0
			cp := newKillProxy(t, w.cs.URL(), &mu, &writes)
			rp := newKillProxy(t, w.rs.URL(), &mu, &writes)
			var stderr bytes.Buffer
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), envHelper+"=1", envCin7URL+"="+cp.proxied(t, w.cs.URL()),
				envRampURL+"="+rp.proxied(t, w.rs.URL()), envStateDir+"="+dir)
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var once gosync.Once
			var killed atomic.Bool
			kill := func() {
				once.Do(func() {
					killed.Store(true)
					_ = cmd.Process.Kill() // SIGKILL
				})
			}
			trigger := kill
			if k.delay > 0 {
				trigger = func() { time.AfterFunc(k.delay, kill) }
			}
			mu.Lock()
			for _, p := range []*killProxy{cp, rp} {
				p.at, p.before, p.kill = k.at, k.before, trigger
			}
			mu.Unlock()
			waitErr := cmd.Wait()
			mu.Lock()
			for _, p := range []*killProxy{cp, rp} {
				p.kill = nil
			}
			seen := writes
			mu.Unlock()
			if !killed.Load() {
				t.Logf("the child finished before the kill (%d writes seen): %v", seen, waitErr)
			} else {
				t.Logf("child killed (%v) with %d writes seen", waitErr, seen)
			}
			secrets := append(w.secrets(), rp.sniff.list()...)
			if l := leaks(secrets, map[string]string{"child's logs": stderr.String()}); len(l) > 0 {
				t.Errorf("%s", strings.Join(l, "; "))
			}
			finishClean(t, w)
			converged(t, w, ref, "after the kill "+k.name)
		})
	}
}
