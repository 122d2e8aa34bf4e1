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
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
)

// MaxErrorBody is how much of an error response body is captured.
const MaxErrorBody = 1 << 20

// DefaultMaxBodyBytes caps a successful response body. A Cin7 Core page of
// 1000 products is a few MiB; anything far larger is refused, not buffered.
const DefaultMaxBodyBytes = 64 << 20

// ErrBodyTooLarge is returned when a response body exceeds the cap.
var ErrBodyTooLarge = errors.New("httpx: response body exceeds the size limit")

// Request is one logical API call. Its body is kept as bytes so every
// attempt can replay it.
type Request struct {
	Method string
	// Path is relative to the base URL ("product", "api/Places/GetPlace/1").
	Path  string
	Query url.Values
	// Body is sent as application/json when non-nil.
	Body []byte
	// Idempotent allows retries on 5xx and transport errors. GET, HEAD and
	// OPTIONS are always idempotent; writes only when the caller says so.
	Idempotent bool
	// NoAuth skips the authorisation hook (for the login call itself).
	NoAuth bool
}

func (r *Request) idempotent() bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return r.Idempotent
}

// Response is what an attempt produced once its body has been read.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// Truncated is set when an error body was longer than MaxErrorBody.
	Truncated bool
	Method    string
	// URL is the request URL with secrets removed.
	URL string
	// RequestBody is the body that was sent, secrets removed.
	RequestBody []byte
	// RetryAfter is the server's Retry-After, 0 if none.
	RetryAfter time.Duration
	// Attempts counts the attempts made for this call so far.
	Attempts int
}

// TransportError is a request that got no HTTP response (connection
// refused or reset, timeout, TLS failure).
type TransportError struct {
	// System names the API ("cin7core", "ramp").
	System   string
	Method   string
	URL      string
	Attempts int
	// MayHaveReached is true when the request may have been delivered
	// before the failure, so a non-idempotent write may have taken effect.
	MayHaveReached bool
	Err            error
}

func (e *TransportError) Error() string {
	reached := ""
	if e.MayHaveReached {
		reached = " (the request may have reached the server)"
	}
	prefix := ""
	if e.System != "" {
		prefix = e.System + ": "
	}
	return fmt.Sprintf("%s%s %s: transport error after %d attempt(s)%s: %v", prefix, e.Method, e.URL, e.Attempts, reached, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// CallInfo describes one attempt, for observers.
type CallInfo struct {
	Method     string
	URL        string
	StatusCode int // 0 on transport error
	Attempt    int
	Duration   time.Duration
	Err        error
}

// Config assembles a Pipeline.
type Config struct {
	// Name prefixes the errors the pipeline makes itself ("cin7core").
	Name       string
	BaseURL    *url.URL
	HTTPClient *http.Client
	UserAgent  string
	// Authorize sets credentials on each attempt.
	Authorize func(ctx context.Context, req *http.Request) error
	// Reauthorize is called once per call after a 401; the call is then
	// retried once. Nil means a 401 is final.
	Reauthorize func(ctx context.Context) error
	Limiter     Limiter
	Retry       RetryPolicy
	Clock       Clock
	Logger      *slog.Logger
	Redactor    *Redactor
	// CheckResponse turns a response into the client's error type; nil
	// means success. It is called for every status, 2xx included, so
	// error bodies inside HTTP 200 can be caught.
	CheckResponse func(*Response) error
	MaxBodyBytes  int64
	// Retryable, when set, may declare an error from CheckResponse
	// retryable even though its status is not (e.g. a throttling message
	// inside a 200).
	Retryable func(err error) (retry, throttled bool)
	// OnCall observes every attempt.
	OnCall func(CallInfo)
	// SensitiveHeaders are dropped when a redirect leaves the original
	// host. net/http already drops Authorization and Cookie, but not
	// custom credential headers such as Cin7 Core's api-auth-*.
	SensitiveHeaders []string
}

// Stats are a pipeline's running counters.
type Stats struct {
	// Calls is the number of HTTP requests sent (every attempt).
	Calls int64
	// Throttled counts 429/503 answers.
	Throttled int64
	// Retries counts attempts after the first.
	Retries int64
	// LimiterWait is the total time spent waiting on the limiter.
	LimiterWait time.Duration
}

// Pipeline sends requests. It is safe for concurrent use.
type Pipeline struct {
	cfg Config

	calls, throttled, retries, waitNanos atomic.Int64
}

// New returns a pipeline; zero fields of cfg get defaults.
func New(cfg Config) *Pipeline {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = cleanhttp.DefaultPooledClient()
	}
	cfg.HTTPClient = guardRedirects(cfg.HTTPClient, cfg.SensitiveHeaders)
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(discardHandler{})
	}
	if cfg.Redactor == nil {
		cfg.Redactor = &Redactor{}
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	cfg.Retry = cfg.Retry.normalised()
	return &Pipeline{cfg: cfg}
}

// Stats returns the counters so far.
func (p *Pipeline) Stats() Stats {
	return Stats{
		Calls:       p.calls.Load(),
		Throttled:   p.throttled.Load(),
		Retries:     p.retries.Load(),
		LimiterWait: time.Duration(p.waitNanos.Load()),
	}
}

// Redactor returns the pipeline's redactor.
func (p *Pipeline) Redactor() *Redactor { return p.cfg.Redactor }

// Logger returns the pipeline's logger.
func (p *Pipeline) Logger() *slog.Logger { return p.cfg.Logger }

// Clock returns the pipeline's clock.
func (p *Pipeline) Clock() Clock { return p.cfg.Clock }

// Do sends req with limiter, auth, retries and response checking. On
// success it returns the response; otherwise the client's error (from
// CheckResponse), a *TransportError, or the context's error.
func (p *Pipeline) Do(ctx context.Context, req Request) (*Response, error) {
	u, err := p.resolve(req)
	if err != nil {
		return nil, err
	}
	redactedURL := p.cfg.Redactor.URL(u)
	var redactedBody []byte
	if req.Body != nil {
		redactedBody = []byte(p.cfg.Redactor.String(string(req.Body)))
	}
	reauthorized := false
	var lastErr error
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			p.retries.Add(1)
		}
		start := p.cfg.Clock.Now()
		if p.cfg.Limiter != nil {
			if err := p.cfg.Limiter.Wait(ctx); err != nil {
				return nil, p.ctxErr(ctx, err, lastErr)
			}
			p.waitNanos.Add(int64(p.cfg.Clock.Now().Sub(start)))
		}
		resp, sent, err := p.attempt(ctx, req, u)
		p.calls.Add(1)
		info := CallInfo{Method: req.Method, URL: redactedURL, Attempt: attempt, Duration: p.cfg.Clock.Now().Sub(start)}
		if err != nil {
			if ctx.Err() != nil {
				return nil, p.ctxErr(ctx, ctx.Err(), lastErr)
			}
			if errors.Is(err, ErrBodyTooLarge) {
				err = fmt.Errorf("%s %s: %w", req.Method, redactedURL, err)
				info.Err = err
				p.observe(info)
				return nil, err
			}
			var ue *url.Error
			if errors.As(err, &ue) {
				// Keep the cause only: the *url.Error's text would repeat
				// the (unredacted) URL the TransportError already names.
				err = ue.Err
			}
			te := &TransportError{System: p.cfg.Name, Method: req.Method, URL: redactedURL, Attempts: attempt, MayHaveReached: sent, Err: redactErr(p.cfg.Redactor, err)}
			info.Err = te
			p.observe(info)
			lastErr = te
			if !req.idempotent() || attempt >= p.cfg.Retry.MaxAttempts {
				return nil, te
			}
			if err := p.wait(ctx, attempt+1, false, 0, te); err != nil {
				return nil, p.ctxErr(ctx, err, lastErr)
			}
			continue
		}
		resp.Method, resp.URL, resp.RequestBody, resp.Attempts = req.Method, redactedURL, redactedBody, attempt
		resp.RetryAfter = ParseRetryAfter(resp.Header, p.cfg.Clock.Now())
		info.StatusCode = resp.StatusCode
		throttled := IsThrottle(resp.StatusCode)
		if throttled {
			p.throttled.Add(1)
		}
		var checkErr error
		if p.cfg.CheckResponse != nil {
			checkErr = p.cfg.CheckResponse(resp)
		} else if resp.StatusCode >= 400 {
			checkErr = fmt.Errorf("%s %s: HTTP %d", req.Method, redactedURL, resp.StatusCode)
		}
		info.Err = checkErr
		p.observe(info)
		if checkErr == nil {
			return resp, nil
		}
		lastErr = checkErr
		if resp.StatusCode == http.StatusUnauthorized && p.cfg.Reauthorize != nil && !reauthorized && !req.NoAuth {
			reauthorized = true
			if err := p.cfg.Reauthorize(ctx); err != nil {
				return nil, err
			}
			attempt-- // the re-login retry does not use up the retry budget
			continue
		}
		retry := throttled || (req.idempotent() && resp.StatusCode >= 500)
		if !retry && p.cfg.Retryable != nil {
			var t bool
			retry, t = p.cfg.Retryable(checkErr)
			throttled = throttled || t
		}
		if !retry || attempt >= p.cfg.Retry.MaxAttempts {
			return nil, checkErr
		}
		if err := p.wait(ctx, attempt+1, throttled, resp.RetryAfter, checkErr); err != nil {
			return nil, p.ctxErr(ctx, err, lastErr)
		}
	}
}

func (p *Pipeline) resolve(req Request) (*url.URL, error) {
	if p.cfg.BaseURL == nil {
		return nil, errors.New("httpx: no base URL")
	}
	rel := strings.TrimLeft(req.Path, "/")
	for _, seg := range strings.Split(rel, "/") {
		if seg == ".." {
			return nil, fmt.Errorf("httpx: path %q may not contain '..'", req.Path)
		}
	}
	u := *p.cfg.BaseURL
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.Path += rel
	u.RawPath = ""
	if len(req.Query) > 0 {
		u.RawQuery = req.Query.Encode()
	}
	return &u, nil
}

// attempt sends one request. sent reports whether the request may have
// left this process (false only when it failed before being written).
func (p *Pipeline) attempt(ctx context.Context, req Request, u *url.URL) (*Response, bool, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return nil, false, err
	}
	if req.Body != nil {
		b := req.Body
		hreq.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		hreq.Header.Set("Content-Type", "application/json")
	}
	hreq.Header.Set("Accept", "application/json")
	if p.cfg.UserAgent != "" {
		hreq.Header.Set("User-Agent", p.cfg.UserAgent)
	}
	if p.cfg.Authorize != nil && !req.NoAuth {
		if err := p.cfg.Authorize(ctx, hreq); err != nil {
			return nil, false, err
		}
	}
	hresp, err := p.cfg.HTTPClient.Do(hreq)
	if err != nil {
		return nil, mayHaveBeenSent(err), err
	}
	defer hresp.Body.Close()
	resp := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header}
	limit := p.cfg.MaxBodyBytes
	if hresp.StatusCode >= 400 {
		limit = MaxErrorBody
	}
	b, err := readBody(hresp, limit)
	if err != nil {
		return nil, true, err
	}
	if int64(len(b)) > limit {
		if hresp.StatusCode < 400 {
			return nil, true, ErrBodyTooLarge
		}
		b = b[:limit]
		resp.Truncated = true
	}
	resp.Body = b
	return resp, true, nil
}

// guardRedirects returns a copy of hc whose redirects to another host carry
// none of the sensitive headers. The caller's client is not modified.
func guardRedirects(hc *http.Client, sensitive []string) *http.Client {
	cp := *hc
	prev := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
			req.Header.Del("Authorization")
			for _, h := range sensitive {
				req.Header.Del(h)
			}
		}
		if prev != nil {
			return prev(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}

// readBody reads up to limit+1 bytes, sizing the buffer from
// Content-Length when the server sends one (a 1000-record page is several
// MiB: growing a buffer to it by doubling copies it many times).
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	r := io.LimitReader(resp.Body, limit+1)
	if n := resp.ContentLength; n > 0 && n <= limit {
		buf := bytes.NewBuffer(make([]byte, 0, n+1))
		_, err := buf.ReadFrom(r)
		return buf.Bytes(), err
	}
	return io.ReadAll(r)
}

// mayHaveBeenSent is conservative: only failures that certainly happen
// before any byte is written (DNS, refused connection) count as not sent.
func mayHaveBeenSent(err error) bool {
	msg := err.Error()
	for _, s := range []string{"connection refused", "no such host", "unsupported protocol scheme", "dial tcp"} {
		if strings.Contains(msg, s) {
			return false
		}
	}
	return true
}

func (p *Pipeline) wait(ctx context.Context, next int, throttled bool, retryAfter time.Duration, cause error) error {
	d := p.cfg.Retry.backoff(next, throttled, retryAfter)
	p.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "retrying request",
		slog.Int("attempt", next), slog.Duration("wait", d), slog.Bool("throttled", throttled),
		slog.String("cause", p.cfg.Redactor.String(cause.Error())))
	return p.cfg.Clock.Sleep(ctx, d)
}

func (p *Pipeline) observe(info CallInfo) {
	level := slog.LevelDebug
	attrs := []slog.Attr{slog.String("method", info.Method), slog.String("url", info.URL),
		slog.Int("status", info.StatusCode), slog.Int("attempt", info.Attempt), slog.Duration("duration", info.Duration)}
	if info.Err != nil {
		attrs = append(attrs, slog.String("error", p.cfg.Redactor.String(info.Err.Error())))
	}
	p.cfg.Logger.LogAttrs(context.Background(), level, "api call", attrs...)
	if p.cfg.OnCall != nil {
		p.cfg.OnCall(info)
	}
}

// ctxErr prefers the context's error but keeps the last API error visible.
func (p *Pipeline) ctxErr(ctx context.Context, err, last error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if last != nil {
		return fmt.Errorf("%w (last error: %s)", err, p.cfg.Redactor.String(last.Error()))
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactErr(r *Redactor, err error) error {
	msg := r.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }
