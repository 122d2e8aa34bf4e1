package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Kind is one kind of fault.
type Kind int

// Fault kinds.
const (
	// Throttle429 answers 429 without Retry-After.
	Throttle429 Kind = iota + 1
	// Throttle429RetryAfter answers 429 with Retry-After: 1.
	Throttle429RetryAfter
	// Unavailable503 answers 503 without Retry-After (Cin7 Core's throttle).
	Unavailable503
	// Server500, BadGateway502 and GatewayTimeout504 answer those statuses.
	Server500
	BadGateway502
	GatewayTimeout504
	// ResetBeforeSend fails the request before it reaches the server.
	ResetBeforeSend
	// ResetAfterResponse sends the request, lets the server act on it, and
	// then fails as if the connection reset before the answer arrived.
	ResetAfterResponse
	// TimeoutAfterSend is ResetAfterResponse reported as a timeout.
	TimeoutAfterSend
	// TruncatedJSON cuts the real answer's body in half.
	TruncatedJSON
	// HTML200 answers 200 with an HTML page instead of JSON.
	HTML200
	// ErrorModel200 answers 200 with a Cin7 Core Error Model body.
	ErrorModel200
	// RepeatPage serves a previous answer again: the last answer to the
	// same request (method, path and query), a stale answer as a lagging
	// cache would give; for a request not answered before, the last
	// answer to the same path (a list page repeated instead of the next
	// one). A GET never answered on its path passes through.
	RepeatPage
	// Slow delays the real answer by Rule.Delay.
	Slow
)

var kindNames = map[Kind]string{
	Throttle429: "429", Throttle429RetryAfter: "429+Retry-After", Unavailable503: "503", Server500: "500",
	BadGateway502: "502", GatewayTimeout504: "504", ResetBeforeSend: "reset-before-send",
	ResetAfterResponse: "reset-after-response", TimeoutAfterSend: "timeout-after-send", TruncatedJSON: "truncated-json",
	HTML200: "html-200", ErrorModel200: "error-model-200", RepeatPage: "repeat-page", Slow: "slow",
}

// String is the kind's short name ("503", "reset-after-response", …).
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("fault(%d)", int(k))
}

// Rule says which requests may fail and how.
type Rule struct {
	// Match selects requests; nil matches all.
	Match func(*http.Request) bool
	// Probability of injecting a fault into a matching request, 0 to 1.
	Probability float64
	// Kinds to choose from, uniformly; empty means every kind.
	Kinds []Kind
	// Delay for Slow (default 50 ms).
	Delay time.Duration
	// Limit caps how many faults the rule injects; 0 means no cap.
	Limit int
}

// Injected records one injected fault.
type Injected struct {
	Kind   Kind
	Method string
	Path   string
	At     time.Time
}

// Transport injects faults into requests passing through it. It is safe
// for concurrent use; with concurrent callers the order in which requests
// draw from the random source follows their arrival.
type Transport struct {
	next  http.RoundTripper
	rules []Rule

	mu       sync.Mutex
	rng      *rand.Rand
	fired    []int
	last     map[string]*recorded
	log      []Injected
	disabled bool
}

type recorded struct {
	status int
	header http.Header
	body   []byte
}

// NewTransport wraps next (http.DefaultTransport when nil) with the rules;
// the same seed gives the same faults for the same sequence of requests.
func NewTransport(next http.RoundTripper, seed uint64, rules ...Rule) *Transport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &Transport{next: next, rules: rules, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		fired: make([]int, len(rules)), last: map[string]*recorded{}}
}

// Disable stops injecting (requests pass through), e.g. once a soak test
// checks that clean passes converge.
func (t *Transport) Disable() { t.mu.Lock(); t.disabled = true; t.mu.Unlock() }

// Enable resumes injecting.
func (t *Transport) Enable() { t.mu.Lock(); t.disabled = false; t.mu.Unlock() }

// Log returns the faults injected so far.
func (t *Transport) Log() []Injected {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Injected(nil), t.log...)
}

// choose decides the fault for a request, if any.
func (t *Transport) choose(r *http.Request) (Kind, Rule, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.disabled {
		return 0, Rule{}, false
	}
	for i, rule := range t.rules {
		if rule.Match != nil && !rule.Match(r) {
			continue
		}
		if rule.Limit > 0 && t.fired[i] >= rule.Limit {
			continue
		}
		if t.rng.Float64() >= rule.Probability {
			continue
		}
		kinds := rule.Kinds
		if len(kinds) == 0 {
			kinds = allKinds
		}
		k := kinds[t.rng.IntN(len(kinds))]
		t.fired[i]++
		t.log = append(t.log, Injected{Kind: k, Method: r.Method, Path: r.URL.Path, At: time.Now()})
		return k, rule, true
	}
	return 0, Rule{}, false
}

var allKinds = []Kind{Throttle429, Throttle429RetryAfter, Unavailable503, Server500, BadGateway502, GatewayTimeout504,
	ResetBeforeSend, ResetAfterResponse, TimeoutAfterSend, TruncatedJSON, HTML200, ErrorModel200, RepeatPage, Slow}

// ErrReset is the transport error of an injected connection reset.
var ErrReset = fmt.Errorf("faults: connection reset by peer: %w", syscall.ECONNRESET)

// errTimeout is an injected timeout; it reports Timeout() like net errors.
type errTimeout struct{}

func (errTimeout) Error() string   { return "faults: i/o timeout after the request was sent" }
func (errTimeout) Timeout() bool   { return true }
func (errTimeout) Temporary() bool { return true }

// RoundTrip sends the request, perhaps failing it.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	kind, rule, ok := t.choose(r)
	if !ok {
		return t.pass(r)
	}
	switch kind {
	case Throttle429, Throttle429RetryAfter, Unavailable503, Server500, BadGateway502, GatewayTimeout504:
		drain(r)
		status := map[Kind]int{Throttle429: 429, Throttle429RetryAfter: 429, Unavailable503: 503, Server500: 500, BadGateway502: 502, GatewayTimeout504: 504}[kind]
		h := http.Header{"Content-Type": {"application/json"}}
		if kind == Throttle429RetryAfter {
			h.Set("Retry-After", "1")
		}
		body := fmt.Sprintf(`[{"ErrorCode":%d,"Exception":"injected %s"}]`, status, kind)
		return respond(r, status, h, []byte(body)), nil
	case ResetBeforeSend:
		drain(r)
		return nil, ErrReset
	case ResetAfterResponse, TimeoutAfterSend:
		resp, err := t.pass(r)
		if err != nil {
			return nil, err
		}
		drain(&http.Request{Body: resp.Body})
		resp.Body.Close()
		if kind == TimeoutAfterSend {
			return nil, errTimeout{}
		}
		return nil, ErrReset
	case TruncatedJSON:
		resp, err := t.pass(r)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b[:len(b)/2]))
		resp.ContentLength = int64(len(b) / 2)
		resp.Header.Del("Content-Length")
		return resp, nil
	case HTML200:
		drain(r)
		return respond(r, 200, http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			[]byte("<!DOCTYPE html><html><head><title>Page not found</title></head><body>Page not found</body></html>")), nil
	case ErrorModel200:
		drain(r)
		return respond(r, 200, http.Header{"Content-Type": {"application/json"}},
			[]byte(`[{"ErrorCode":500,"Exception":"injected error inside a 200"}]`)), nil
	case RepeatPage:
		t.mu.Lock()
		prev := t.last[requestKey(r)]
		if prev == nil {
			prev = t.last[pathKey(r)]
		}
		t.mu.Unlock()
		if prev == nil || r.Method != http.MethodGet {
			return t.pass(r)
		}
		drain(r)
		return respond(r, prev.status, prev.header.Clone(), prev.body), nil
	case Slow:
		d := rule.Delay
		if d <= 0 {
			d = 50 * time.Millisecond
		}
		if err := sleep(r.Context(), d); err != nil {
			return nil, err
		}
		return t.pass(r)
	}
	return t.pass(r)
}

// pass forwards the request and remembers GET answers for RepeatPage.
func (t *Transport) pass(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet {
		return resp, err
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	if rerr != nil {
		return nil, rerr
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if resp.StatusCode == http.StatusOK {
		t.mu.Lock()
		rec := &recorded{status: resp.StatusCode, header: resp.Header.Clone(), body: b}
		t.last[requestKey(r)] = rec
		t.last[pathKey(r)] = rec
		t.mu.Unlock()
	}
	return resp, nil
}

// requestKey names a request for RepeatPage: method, path and query
// (the query as sent, so two pages of one list are two requests).
func requestKey(r *http.Request) string {
	return "request " + r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery
}

// pathKey names a request's path for RepeatPage's fallback.
func pathKey(r *http.Request) string { return "path " + r.Method + " " + r.URL.Path }

func respond(r *http.Request, status int, h http.Header, body []byte) *http.Response {
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r,
	}
}

func drain(r *http.Request) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// PathContains returns a Match selecting requests whose path contains s
// (case-insensitive).
func PathContains(s string) func(*http.Request) bool {
	s = strings.ToLower(s)
	return func(r *http.Request) bool { return strings.Contains(strings.ToLower(r.URL.Path), s) }
}

// Methods returns a Match selecting requests with one of the methods.
func Methods(ms ...string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		for _, m := range ms {
			if r.Method == m {
				return true
			}
		}
		return false
	}
}

// IsInjected reports whether err came from an injected transport fault.
func IsInjected(err error) bool {
	var to errTimeout
	return errors.Is(err, ErrReset) || errors.As(err, &to)
}
