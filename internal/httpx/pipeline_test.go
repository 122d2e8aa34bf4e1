package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rtFunc is an http.RoundTripper made of a function.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func response(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

// script answers attempts in order, repeating the last answer, and keeps
// what each attempt sent.
type script struct {
	mu      sync.Mutex
	answers []func() (*http.Response, error)
	reqs    []*http.Request
	bodies  []string
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	s.mu.Lock()
	i := len(s.reqs)
	s.reqs = append(s.reqs, r)
	s.bodies = append(s.bodies, string(body))
	a := s.answers[min(i, len(s.answers)-1)]
	s.mu.Unlock()
	return a()
}

func (s *script) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func answer(status int, body string) func() (*http.Response, error) {
	return func() (*http.Response, error) { return response(status, body), nil }
}

func failWith(err error) func() (*http.Response, error) {
	return func() (*http.Response, error) { return nil, err }
}

var tinyRetry = RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}

func newTestPipeline(t *testing.T, rt http.RoundTripper, edit func(*Config)) (*Pipeline, *virtualClock) {
	t.Helper()
	base, _ := url.Parse("https://api.test/v2/")
	clk := newVirtualClock()
	cfg := Config{
		BaseURL:    base,
		HTTPClient: &http.Client{Transport: rt},
		UserAgent:  "httpx-test/1",
		Retry:      tinyRetry,
		Clock:      clk,
	}
	if edit != nil {
		edit(&cfg)
	}
	return New(cfg), clk
}

func TestRequestBodyReplayedOnRetry(t *testing.T) {
	s := &script{answers: []func() (*http.Response, error){answer(500, "oops"), failWith(errors.New("connection reset")), answer(200, `{"ok":true}`)}}
	p, _ := newTestPipeline(t, s, nil)
	body := []byte(`{"SaleID":"abc","Lines":[1,2,3]}`)
	resp, err := p.Do(context.Background(), Request{Method: http.MethodPost, Path: "sale/fulfilment/pick", Body: body, Idempotent: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Attempts != 3 || string(resp.RequestBody) != string(body) {
		t.Fatalf("response %+v", resp)
	}
	if s.calls() != 3 {
		t.Fatalf("%d attempts", s.calls())
	}
	for i, b := range s.bodies {
		if b != string(body) {
			t.Errorf("attempt %d sent %q", i+1, b)
		}
		if ct := s.reqs[i].Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("attempt %d Content-Type %q", i+1, ct)
		}
		if s.reqs[i].GetBody == nil {
			t.Errorf("attempt %d has no GetBody for redirects", i+1)
		}
	}
	if st := p.Stats(); st.Calls != 3 || st.Retries != 2 || st.Throttled != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestNonIdempotentPostNotRetriedOn500(t *testing.T) {
	s := &script{answers: []func() (*http.Response, error){answer(500, "server error")}}
	p, _ := newTestPipeline(t, s, nil)
	_, err := p.Do(context.Background(), Request{Method: http.MethodPost, Path: "purchase/stock", Body: []byte(`{}`)})
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("err = %v", err)
	}
	if s.calls() != 1 {
		t.Fatalf("POST retried: %d attempts", s.calls())
	}
}

func TestNonIdempotentPostTransportError(t *testing.T) {
	s := &script{answers: []func() (*http.Response, error){failWith(errors.New("read: connection reset by peer"))}}
	p, _ := newTestPipeline(t, s, nil)
	_, err := p.Do(context.Background(), Request{Method: http.MethodPost, Path: "stockadjustment", Body: []byte(`{}`)})
	var te *TransportError
	if !errors.As(err, &te) || !te.MayHaveReached || te.Attempts != 1 || !strings.Contains(err.Error(), "may have reached") {
		t.Fatalf("err = %#v", err)
	}
	if s.calls() != 1 {
		t.Fatalf("POST retried after a transport error: %d attempts", s.calls())
	}

	refused := &script{answers: []func() (*http.Response, error){failWith(errors.New("dial tcp 10.0.0.1:443: connect: connection refused"))}}
	p2, _ := newTestPipeline(t, refused, nil)
	_, err = p2.Do(context.Background(), Request{Method: http.MethodPost, Path: "stockadjustment", Body: []byte(`{}`)})
	if !errors.As(err, &te) || te.MayHaveReached {
		t.Fatalf("a refused connection never reached the server: %#v", err)
	}
}

func TestThrottlingIsRetriedEvenForPost(t *testing.T) {
	s := &script{answers: []func() (*http.Response, error){answer(429, "slow down"), answer(503, "slow down"), answer(200, "{}")}}
	p, _ := newTestPipeline(t, s, nil)
	if _, err := p.Do(context.Background(), Request{Method: http.MethodPost, Path: "sale", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Throttled != 2 || st.Retries != 2 || s.calls() != 3 {
		t.Fatalf("stats %+v after %d calls", st, s.calls())
	}
}

func TestErrorBodyCaptureIsCapped(t *testing.T) {
	big := strings.Repeat("e", 2*MaxErrorBody)
	s := &script{answers: []func() (*http.Response, error){answer(500, big)}}
	var seen *Response
	p, _ := newTestPipeline(t, s, func(c *Config) {
		c.CheckResponse = func(r *Response) error {
			seen = r
			if r.StatusCode >= 400 {
				return fmt.Errorf("HTTP %d", r.StatusCode)
			}
			return nil
		}
	})
	_, err := p.Do(context.Background(), Request{Method: http.MethodPost, Path: "x", Body: []byte(`{}`)})
	if err == nil {
		t.Fatal("want an error")
	}
	if seen == nil || len(seen.Body) != MaxErrorBody || !seen.Truncated {
		t.Fatalf("captured %d bytes (truncated %v), want %d", len(seen.Body), seen.Truncated, MaxErrorBody)
	}
}

func TestSuccessBodyAboveMaxBodyBytes(t *testing.T) {
	s := &script{answers: []func() (*http.Response, error){answer(200, strings.Repeat("x", 2048))}}
	p, _ := newTestPipeline(t, s, func(c *Config) { c.MaxBodyBytes = 1024 })
	_, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "product"})
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
	if s.calls() != 1 {
		t.Fatalf("an oversized body was retried: %d calls", s.calls())
	}
	exact := &script{answers: []func() (*http.Response, error){answer(200, strings.Repeat("x", 1024))}}
	p2, _ := newTestPipeline(t, exact, func(c *Config) { c.MaxBodyBytes = 1024 })
	resp, err := p2.Do(context.Background(), Request{Method: http.MethodGet, Path: "product"})
	if err != nil || len(resp.Body) != 1024 {
		t.Fatalf("a body of exactly MaxBodyBytes: %v", err)
	}
}

func TestUnauthorizedReauthorizesOnce(t *testing.T) {
	var token atomic.Int64
	var reauths atomic.Int64
	cfg := func(c *Config) {
		c.Authorize = func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", fmt.Sprintf("Token t%d", token.Load()))
			return nil
		}
		c.Reauthorize = func(context.Context) error {
			reauths.Add(1)
			token.Add(1)
			return nil
		}
	}

	// 401 then 200: one re-login, and the retry carries the new token.
	s := &script{answers: []func() (*http.Response, error){answer(401, "expired"), answer(200, "{}")}}
	p, _ := newTestPipeline(t, s, cfg)
	if _, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "api/Places"}); err != nil {
		t.Fatal(err)
	}
	if reauths.Load() != 1 || s.reqs[0].Header.Get("Authorization") != "Token t0" || s.reqs[1].Header.Get("Authorization") != "Token t1" {
		t.Fatalf("reauths %d, tokens %q %q", reauths.Load(), s.reqs[0].Header.Get("Authorization"), s.reqs[1].Header.Get("Authorization"))
	}

	// 401 every time: re-login once, then give up (no loop).
	reauths.Store(0)
	always := &script{answers: []func() (*http.Response, error){answer(401, "no")}}
	p2, _ := newTestPipeline(t, always, cfg)
	_, err := p2.Do(context.Background(), Request{Method: http.MethodPost, Path: "api/Orders", Body: []byte(`{}`)})
	if err == nil || reauths.Load() != 1 || always.calls() != 2 {
		t.Fatalf("err %v, reauths %d, calls %d", err, reauths.Load(), always.calls())
	}

	// A failing re-login is returned as is.
	boom := errors.New("login failed")
	p3, _ := newTestPipeline(t, &script{answers: []func() (*http.Response, error){answer(401, "no")}}, func(c *Config) {
		c.Reauthorize = func(context.Context) error { return boom }
	})
	if _, err := p3.Do(context.Background(), Request{Method: http.MethodGet, Path: "x"}); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}

	// NoAuth requests (the login itself) never re-login.
	reauths.Store(0)
	login := &script{answers: []func() (*http.Response, error){answer(401, "bad password")}}
	p4, _ := newTestPipeline(t, login, cfg)
	if _, err := p4.Do(context.Background(), Request{Method: http.MethodPost, Path: "api/Authentication/Login", Body: []byte(`{}`), NoAuth: true}); err == nil {
		t.Fatal("want an error")
	}
	if reauths.Load() != 0 || login.calls() != 1 || login.reqs[0].Header.Get("Authorization") != "" {
		t.Fatalf("NoAuth: reauths %d, calls %d, auth %q", reauths.Load(), login.calls(), login.reqs[0].Header.Get("Authorization"))
	}
}

// countingLimiter counts waits.
type countingLimiter struct {
	n   atomic.Int64
	err error
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.n.Add(1)
	if l.err != nil {
		return l.err
	}
	return ctx.Err()
}

func TestLimiterIsAskedForEveryAttempt(t *testing.T) {
	lim := &countingLimiter{}
	s := &script{answers: []func() (*http.Response, error){answer(503, ""), answer(500, ""), answer(200, "{}")}}
	p, _ := newTestPipeline(t, s, func(c *Config) { c.Limiter = lim })
	if _, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "x"}); err != nil {
		t.Fatal(err)
	}
	if lim.n.Load() != 3 {
		t.Fatalf("limiter asked %d times for 3 attempts", lim.n.Load())
	}
	lim2 := &countingLimiter{err: context.DeadlineExceeded}
	p2, _ := newTestPipeline(t, s, func(c *Config) { c.Limiter = lim2 })
	if _, err := p2.Do(context.Background(), Request{Method: http.MethodGet, Path: "x"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestRequestURLHeadersAndObserver(t *testing.T) {
	s := &script{answers: []func() (*http.Response, error){answer(502, ""), answer(200, "{}")}}
	var infos []CallInfo
	var mu sync.Mutex
	p, _ := newTestPipeline(t, s, func(c *Config) {
		c.OnCall = func(i CallInfo) {
			mu.Lock()
			infos = append(infos, i)
			mu.Unlock()
		}
	})
	_, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "/ref/location", Query: url.Values{"Name": {"A & B"}, "Page": {"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := s.reqs[0]
	if got := r.URL.String(); got != "https://api.test/v2/ref/location?Name=A+%26+B&Page=1" {
		t.Errorf("URL %s", got)
	}
	if r.Header.Get("User-Agent") != "httpx-test/1" || r.Header.Get("Accept") != "application/json" || r.Header.Get("Content-Type") != "" {
		t.Errorf("headers %v", r.Header)
	}
	if len(infos) != 2 || infos[0].StatusCode != 502 || infos[0].Err == nil || infos[1].StatusCode != 200 || infos[1].Attempt != 2 {
		t.Fatalf("observed %+v", infos)
	}
	if _, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "a/../../secret"}); err == nil {
		t.Fatal("a path with .. must be refused")
	}
	if _, err := New(Config{}).Do(context.Background(), Request{Method: http.MethodGet, Path: "x"}); err == nil {
		t.Fatal("no base URL must be an error")
	}
}

func TestRetryableHookRetriesErrorsInside200(t *testing.T) {
	throttleIn200 := errors.New("limit reached (in a 200)")
	s := &script{answers: []func() (*http.Response, error){answer(200, "limit"), answer(200, "{}")}}
	p, clk := newTestPipeline(t, s, func(c *Config) {
		c.Retry.ThrottleMinWait = 4 * time.Millisecond
		c.CheckResponse = func(r *Response) error {
			if string(r.Body) == "limit" {
				return throttleIn200
			}
			return nil
		}
		c.Retryable = func(err error) (bool, bool) { return errors.Is(err, throttleIn200), true }
	})
	if _, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "x"}); err != nil {
		t.Fatal(err)
	}
	if sl := clk.Sleeps(); len(sl) != 1 || sl[0] != 4*time.Millisecond {
		t.Fatalf("waits %v, want the throttle minimum", sl)
	}
}

func TestContextCancelledDuringRetryWait(t *testing.T) {
	s := &script{answers: []func() (*http.Response, error){answer(503, "busy")}}
	p, _ := newTestPipeline(t, s, func(c *Config) {
		c.Clock = SystemClock{}
		c.Retry = RetryPolicy{MaxAttempts: 3, MinWait: time.Minute, MaxWait: time.Minute, ThrottleMinWait: time.Minute}
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := p.Do(ctx, Request{Method: http.MethodGet, Path: "x"})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("cancel was not prompt")
	}
}

func TestSecretsRedactedInTransportErrorsAndLogs(t *testing.T) {
	const secret = "sup3r-s3cret-token"
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(b)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	red := &Redactor{}
	red.Add(secret)
	s := &script{answers: []func() (*http.Response, error){failWith(errors.New("proxy refused token " + secret))}}
	p, _ := newTestPipeline(t, s, func(c *Config) {
		c.Logger, c.Redactor = logger, red
	})
	_, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "x", Query: url.Values{"token": {secret}, "key": {"other"}}})
	if err == nil {
		t.Fatal("want an error")
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if strings.Contains(err.Error(), secret) || strings.Contains(out, secret) {
		t.Fatalf("secret leaked:\nerr: %v\nlogs: %s", err, out)
	}
	if !strings.Contains(err.Error(), Redacted) || !strings.Contains(out, "retrying request") {
		t.Fatalf("expected redacted text and retry logs:\nerr: %v\nlogs: %s", err, out)
	}
	if p.Redactor() != red || p.Logger() != logger || p.Clock() == nil {
		t.Fatal("accessors")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// A transport error is a *url.Error whose text would repeat the request URL
// with the values of sensitive query parameters (key, password, token, ...)
// even when they were never registered with the Redactor; Pipeline.Do
// swaps in the redacted URL.
func TestSensitiveQueryValuesNotInTransportErrors(t *testing.T) {
	s := &script{answers: []func() (*http.Response, error){failWith(errors.New("connection reset"))}}
	p, _ := newTestPipeline(t, s, func(c *Config) { c.Retry.MaxAttempts = 1 })
	_, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "x", Query: url.Values{"password": {"hunter22"}}})
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), "hunter22") {
		t.Fatal("the transport error repeats the unredacted query: " + err.Error())
	}
}
