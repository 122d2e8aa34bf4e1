package ramp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/internal/httpx"
	"github.com/hashicorp/go-cleanhttp"
)

// DefaultPageSize is the page size lists use unless told otherwise; it is
// also the largest the contract allows, which makes the fewest calls.
const DefaultPageSize = 1000

// Version is the SDK version sent in the User-Agent.
const Version = "0.1.0"

// DefaultUserAgent identifies the SDK to Ramp.
const DefaultUserAgent = "cin7ramp-go/" + Version

// Limiter blocks until one more request may be sent. Ramp publishes no rate
// limit, so clients have none unless given one (*rate.Limiter from
// golang.org/x/time/rate satisfies this interface).
type Limiter interface {
	Wait(ctx context.Context) error
}

// Clock lets tests run retry waits and token-expiry checks on virtual time.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first.
	Sleep(ctx context.Context, d time.Duration) error
}

// RetryPolicy says how often and how long the client retries throttling
// (429, 503), 5xx answers to reads and transport errors on reads. Fields:
//
//   - MaxAttempts: total attempts, the first included (1 disables retries).
//   - MinWait: the first backoff; it doubles per retry up to MaxWait, and
//     each wait is drawn between half and all of it (jitter).
//   - MaxWait: caps every wait, a server's Retry-After included.
//   - ThrottleMinWait: the least wait after a throttling answer that has
//     no Retry-After.
//
// Defaults (DefaultRetryPolicy): MaxAttempts 4, MinWait 500 ms, MaxWait 30 s, ThrottleMinWait 1 s.
type RetryPolicy = httpx.RetryPolicy

// DefaultRetryPolicy returns the policy clients use unless told otherwise.
// Ramp publishes no limit, so waits are shorter than for Cin7 Core.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second, ThrottleMinWait: time.Second}
}

// TransportError is a call that got no HTTP response (connection refused
// or reset, timeout). MayHaveReached tells whether a write may have taken
// effect anyway; match it with errors.As.
type TransportError = httpx.TransportError

// Stats are a client's running counters: Calls (HTTP requests sent, every
// attempt), Throttled (429/503 answers), Retries (attempts after the first)
// and LimiterWait (time spent waiting for the limiter).
type Stats = httpx.Stats

// Option configures a Client. Options validate their input.
type Option func(*config) error

type config struct {
	baseURL            *url.URL
	username, password string
	token              string
	httpClient         *http.Client
	transport          http.RoundTripper
	userAgent          string
	limiter            Limiter
	retry              RetryPolicy
	logger             *slog.Logger
	clock              Clock
}

// WithBaseURL sets the tenant URL (for example https://acme.ramp.example/).
// Required: Ramp is deployed per tenant, so there is no default.
func WithBaseURL(raw string) Option {
	return func(c *config) error {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("ramp: base URL %q must be an absolute http(s) URL", raw)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("ramp: base URL %q must not carry a query, fragment or user info", raw)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		u.RawPath = ""
		c.baseURL = u
		return nil
	}
}

// WithLogin makes the client log in with a username and password on its
// first call and renew the token as needed.
func WithLogin(username, password string) Option {
	return func(c *config) error {
		if strings.TrimSpace(username) == "" || password == "" {
			return errors.New("ramp: username and password must not be empty")
		}
		c.username, c.password = username, password
		return nil
	}
}

// WithToken uses a fixed access token: no login, and a 401 is final.
func WithToken(token string) Option {
	return func(c *config) error {
		if strings.TrimSpace(token) == "" || strings.ContainsAny(token, " \t\r\n") {
			return errors.New("ramp: token must be non-empty and contain no whitespace")
		}
		c.token = token
		return nil
	}
}

// WithHTTPClient uses hc for requests. Its Transport is the base transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("ramp: nil HTTP client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTransport sets the base RoundTripper under the SDK's own auth, retry
// and limiter (for example an httpmock transport).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("ramp: nil transport")
		}
		c.transport = rt
		return nil
	}
}

// WithUserAgent replaces the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.TrimSpace(ua) == "" {
			return errors.New("ramp: empty user agent")
		}
		c.userAgent = ua
		return nil
	}
}

// WithLogger sets the structured logger (debug: every call and token
// renewal; warn: retries). Secrets never reach it.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("ramp: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithRetryPolicy replaces the default retry policy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if p.MaxAttempts < 1 || p.MinWait < 0 || p.MaxWait < 0 || p.ThrottleMinWait < 0 {
			return errors.New("ramp: retry policy needs MaxAttempts >= 1 and non-negative waits")
		}
		c.retry = p
		return nil
	}
}

// WithLimiter makes every request (retries and logins included) wait on l,
// for hosts that want to cap their load on Ramp. Nil means no limiter, the
// default.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		c.limiter = l
		return nil
	}
}

// WithClock runs retry waits and token-expiry checks on clk.
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("ramp: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// Client talks to one Ramp tenant. It is safe for concurrent use.
type Client struct {
	pipe *httpx.Pipeline
	auth *auth
	base *url.URL

	// Places are locations: stores, warehouses and, as child places, bins.
	Places *PlacesService
	// Skus are products.
	Skus *SkusService
	// Orders are inbound, outbound and transfer orders with their progress.
	Orders *OrdersService
	// Stocktakes are counts Ramp users ran (Locafi "Inventories").
	Stocktakes *StocktakesService
	// PlaceStock holds the expected counts per place and SKU.
	PlaceStock *PlaceStockService
	// WriteOffs are stock written off in Ramp (stolen, damaged, missing).
	WriteOffs *WriteOffsService
}

type service struct{ client *Client }

// NewClient builds a client. It makes no network call: the login happens
// on the first request.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{userAgent: DefaultUserAgent, retry: DefaultRetryPolicy()}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.baseURL == nil {
		return nil, errors.New("ramp: a tenant base URL is required (WithBaseURL)")
	}
	switch {
	case cfg.token == "" && cfg.username == "":
		return nil, errors.New("ramp: credentials are required (WithLogin or WithToken)")
	case cfg.token != "" && cfg.username != "":
		return nil, errors.New("ramp: WithLogin and WithToken are exclusive")
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = cleanhttp.DefaultPooledClient()
	}
	if cfg.transport != nil {
		cp := *hc
		cp.Transport = cfg.transport
		hc = &cp
	}
	var clock Clock = httpx.SystemClock{}
	if cfg.clock != nil {
		clock = cfg.clock
	}
	red := &httpx.Redactor{}
	red.Add(cfg.token)
	// A password is hidden whatever its length (and the redactor also
	// registers its escaped forms).
	red.AddExact(cfg.password)
	a := &auth{username: cfg.username, password: cfg.password, token: cfg.token, static: cfg.token != "", clock: clock, red: red}
	pc := httpx.Config{
		Name:          "ramp",
		BaseURL:       cfg.baseURL,
		HTTPClient:    hc,
		UserAgent:     cfg.userAgent,
		Authorize:     a.authorize,
		Retry:         cfg.retry,
		Clock:         clock,
		Logger:        cfg.logger,
		Redactor:      red,
		CheckResponse: checkResponse(red),
	}
	if !a.static {
		pc.Reauthorize = a.reauthorize
	}
	if cfg.limiter != nil {
		pc.Limiter = cfg.limiter
	}
	c := &Client{pipe: httpx.New(pc), auth: a, base: cfg.baseURL}
	a.pipe = c.pipe
	common := &service{client: c}
	c.Places = (*PlacesService)(common)
	c.Skus = (*SkusService)(common)
	c.Orders = (*OrdersService)(common)
	c.Stocktakes = (*StocktakesService)(common)
	c.PlaceStock = (*PlaceStockService)(common)
	c.WriteOffs = (*WriteOffsService)(common)
	return c, nil
}

// BaseURL returns the tenant URL the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// Stats returns the client's counters so far.
func (c *Client) Stats() Stats { return c.pipe.Stats() }

// APICalls returns the number of HTTP requests sent so far, logins and
// retries included.
func (c *Client) APICalls() int64 { return c.pipe.Stats().Calls }

// do sends an authenticated request and decodes a JSON object answer into
// out (when out is non-nil).
func (c *Client) do(ctx context.Context, req httpx.Request, in, out any) (*httpx.Response, error) {
	// A done context sends nothing: transports do not all check it first.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("ramp: encoding request: %w", err)
		}
		req.Body = b
	}
	if err := c.auth.ensure(ctx); err != nil {
		return nil, err
	}
	resp, err := c.pipe.Do(withCall(ctx), req)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return resp, nil
	}
	return resp, decodeObject(c.pipe.Redactor(), resp, out)
}

// decodeObject insists on a JSON object: an empty body, null or an array
// where a record was promised is a broken response, not a zero record.
func decodeObject(red *httpx.Redactor, resp *httpx.Response, out any) error {
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 || body[0] != '{' {
		return badResponse(red, resp, "expected a JSON object")
	}
	if err := json.Unmarshal(body, out); err != nil {
		return badResponse(red, resp, "cannot decode response: "+err.Error())
	}
	return nil
}

// idPath appends an ID as the last path segment. The pipeline escapes the
// path itself (so url.PathEscape here would double-escape); what it cannot
// do is stop an ID from adding segments, so those IDs are refused.
func idPath(prefix, id string) (string, error) {
	switch {
	case strings.TrimSpace(id) == "":
		return "", &ValidationError{Field: "ID", Reason: "must not be empty"}
	case id == "." || id == ".." || strings.ContainsAny(id, "/\\") || strings.ContainsFunc(id, isControl):
		return "", &ValidationError{Field: "ID", Reason: fmt.Sprintf("%q is not a valid record ID", id)}
	}
	return prefix + "/" + id, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
