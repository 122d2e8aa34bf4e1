package riverworker_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	"github.com/cin7ramp/cin7ramp/riverworker"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// fenceHeader carries the lease generation of each request to the fakes'
// request logs, so the tests can tell passes apart.
const fenceHeader = "X-Test-Lease-Fence"

// logEntry is one request a fake received.
type logEntry struct {
	UA, Method, Path, Query, BodyHash string
	Fence                             int64
	Start, End                        time.Time
	Status                            int
}

// reqLog is a fake's request log.
type reqLog struct {
	mu      gosync.Mutex
	entries []logEntry
}

func (l *reqLog) add(e logEntry) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

func (l *reqLog) all() []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logEntry(nil), l.entries...)
}

// recorder fronts a fake with a reverse proxy that logs every request
// (who, when, what) and adds a network-like latency.
func recorder(t testing.TB, target string, log *reqLog, latency time.Duration) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := logEntry{UA: r.UserAgent(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Start: time.Now()}
		e.Fence, _ = strconv.ParseInt(r.Header.Get(fenceHeader), 10, 64)
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			sum := sha256.Sum256(b)
			e.BodyHash = hex.EncodeToString(sum[:8])
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		if latency > 0 {
			time.Sleep(latency)
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(sw, r)
		e.End, e.Status = time.Now(), sw.status
		log.add(e)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// fakeTenant is one tenant's fake Cin7 Core account and fake Ramp, each
// behind a recording proxy.
type fakeTenant struct {
	id, account, key string
	cin7             *cin7coretest.Server
	ramp             *ramptest.Server
	cin7Log, rampLog reqLog
	cin7URL, rampURL string
}

func newFakeTenants(t testing.TB, n int, latency time.Duration) map[string]*fakeTenant {
	out := map[string]*fakeTenant{}
	for i := 0; i < n; i++ {
		ft := &fakeTenant{id: fmt.Sprintf("tenant-%02d", i), account: cin7coretest.NewID(), key: cin7coretest.NewID()}
		// Each account enforces its own 60 calls per rolling minute.
		ft.cin7 = cin7coretest.NewServer(cin7coretest.WithCredentials(ft.account, ft.key))
		ft.ramp = ramptest.NewServer()
		t.Cleanup(ft.cin7.Close)
		t.Cleanup(ft.ramp.Close)
		ft.cin7URL = recorder(t, ft.cin7.URL(), &ft.cin7Log, latency) + cin7coretest.APIPath
		ft.rampURL = recorder(t, ft.ramp.URL(), &ft.rampLog, latency)
		out[ft.id] = ft
	}
	return out
}

// testWorker is one worker "process": its own database connections
// (through a gate), HTTP transport, rate limiters and River client.
type testWorker struct {
	id     string
	gate   *gate
	w      *riverworker.Worker
	cut    atomic.Bool // the process is dead: no more HTTP
	base   *http.Transport
	mu     gosync.Mutex
	lims   map[string]cin7core.Limiter
	guards map[*riverworker.LeaseGuard]bool
}

// serving reports whether the worker holds some tenant's lease now.
func (tw *testWorker) serving() bool {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	for g := range tw.guards {
		if _, ok := g.Fence(); ok {
			return true
		}
	}
	return false
}

func (tw *testWorker) limiter(tenant string) cin7core.Limiter {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if l, ok := tw.lims[tenant]; ok {
		return l
	}
	l := cin7core.NewWindowLimiter(cin7core.RateLimit, cin7core.RateWindow, nil)
	tw.lims[tenant] = l
	return l
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var errDead = errors.New("test: this worker process is dead")

// testSchedule makes streams come round often enough for a test, but not
// so often that one tenant's passes exceed Cin7 Core's 60 calls a minute.
func testSchedule(every, jitter time.Duration) map[cinsync.Stream]cinsync.Schedule {
	m := map[cinsync.Stream]cinsync.Schedule{}
	for _, s := range cinsync.KnownStreams() {
		m[s] = cinsync.Schedule{Every: every, Jitter: jitter}
	}
	return m
}

type clusterOpts struct {
	concurrency          int
	leaseTTL             time.Duration
	jobTimeout, rescue   time.Duration
	every, jitter        time.Duration
	onPass               func(worker, tenant string, rep *cinsync.Report, err error)
	enqueueEvery         time.Duration
	softStop             time.Duration
	retryMin, retryMax   time.Duration
	retryAttemptsCin7    int
	tenantsFn            func() []string
	tenantByID           map[string]*fakeTenant
	maxConnsPerWorker    int32
	extraWorkerLogPrefix string
}

func startWorker(t testing.TB, s *schema, id string, o clusterOpts) *testWorker {
	tw := &testWorker{id: id, gate: &gate{}, lims: map[string]cin7core.Limiter{}, guards: map[*riverworker.LeaseGuard]bool{},
		base: &http.Transport{MaxIdleConnsPerHost: 4}}
	t.Cleanup(tw.base.CloseIdleConnections)
	pool := s.pool(t, tw.gate, o.maxConnsPerWorker)
	ua := "cin7ramp-test/" + id
	factory := func(ctx context.Context, tenant string, guard *riverworker.LeaseGuard) (cinsync.Config, error) {
		ft := o.tenantByID[tenant]
		if ft == nil {
			return cinsync.Config{}, fmt.Errorf("unknown tenant %q", tenant)
		}
		tw.mu.Lock()
		tw.guards[guard] = true
		tw.mu.Unlock()
		dead := rtFunc(func(r *http.Request) (*http.Response, error) {
			if tw.cut.Load() {
				return nil, errDead
			}
			return tw.base.RoundTrip(r)
		})
		guarded := guard.Transport(dead)
		rt := rtFunc(func(r *http.Request) (*http.Response, error) {
			if f, ok := guard.Fence(); ok {
				r = r.Clone(r.Context())
				r.Header.Set(fenceHeader, strconv.FormatInt(f, 10))
			}
			return guarded.RoundTrip(r)
		})
		retry := cin7core.RetryPolicy{MaxAttempts: o.retryAttemptsCin7, MinWait: o.retryMin, MaxWait: o.retryMax, ThrottleMinWait: o.retryMin}
		c7, err := cin7core.NewClient(cin7core.WithBaseURL(ft.cin7URL), cin7core.WithCredentials(ft.account, ft.key),
			cin7core.WithLimiter(tw.limiter(tenant)), cin7core.WithUserAgent(ua), cin7core.WithTransport(rt), cin7core.WithRetryPolicy(retry))
		if err != nil {
			return cinsync.Config{}, err
		}
		rc, err := ramp.NewClient(ramp.WithBaseURL(ft.rampURL), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
			ramp.WithUserAgent(ua), ramp.WithTransport(rt), ramp.WithRetryPolicy(retry))
		if err != nil {
			return cinsync.Config{}, err
		}
		return cinsync.Config{Source: cinsync.Cin7Source(c7), Sink: cinsync.RampSink(rc), Schedule: testSchedule(o.every, o.jitter),
			RecordTimeout: 10 * time.Second}, nil
	}
	w, err := riverworker.New(pool, riverworker.Config{
		ID:                   id,
		Factory:              factory,
		Tenants:              func(context.Context) ([]string, error) { return o.tenantsFn(), nil },
		Concurrency:          o.concurrency,
		EnqueueEvery:         o.enqueueEvery,
		LeaseTTL:             o.leaseTTL,
		JobTimeout:           o.jobTimeout,
		RescueStuckJobsAfter: o.rescue,
		SoftStopTimeout:      o.softStop,
		OnPass: func(tenant string, rep *cinsync.Report, err error) {
			if o.onPass != nil {
				o.onPass(id, tenant, rep, err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.w = w
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return tw
}

func defaultClusterOpts(tenants map[string]*fakeTenant) clusterOpts {
	ids := make([]string, 0, len(tenants))
	for id := range tenants {
		ids = append(ids, id)
	}
	return clusterOpts{
		concurrency: 6, leaseTTL: 2 * time.Second, jobTimeout: 15 * time.Second, rescue: 15 * time.Second,
		every: 30 * time.Second, jitter: 10 * time.Second, enqueueEvery: time.Second, softStop: 2 * time.Second,
		retryMin: 100 * time.Millisecond, retryMax: time.Second, retryAttemptsCin7: 4,
		tenantsFn: func() []string { return ids }, tenantByID: tenants, maxConnsPerWorker: 12,
	}
}
