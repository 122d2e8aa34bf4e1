package cin7core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cin7ramp/cin7ramp/internal/httpx"
	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-cleanhttp"
)

// DefaultBaseURL is the public Cin7 Core API v2 endpoint.
const DefaultBaseURL = "https://inventory.dearsystems.com/ExternalApi/v2/"

// DefaultPageSize is the largest page the API serves, which makes the
// fewest calls.
const DefaultPageSize = 1000

// Version is the SDK version sent in the User-Agent.
const Version = "0.1.0"

// DefaultUserAgent identifies the SDK to Cin7 Core.
const DefaultUserAgent = "cin7ramp-go/" + Version

// RateLimit and RateWindow are Cin7 Core's documented limit: 60 calls in
// any rolling 60 seconds per account.
const (
	RateLimit  = 60
	RateWindow = time.Minute
)

// Limiter blocks until one more request may be sent. *rate.Limiter
// (golang.org/x/time/rate) satisfies it; so does the per-account limiter
// from [AccountLimiter].
type Limiter interface {
	Wait(ctx context.Context) error
}

// Clock lets tests and benchmarks run the limiter and retry waits on
// virtual time.
type Clock interface {
	Now() time.Time
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
// Defaults (DefaultRetryPolicy): MaxAttempts 6, MinWait 1 s, MaxWait 60 s, ThrottleMinWait 5 s.
type RetryPolicy = httpx.RetryPolicy

// DefaultRetryPolicy returns the policy clients use unless told otherwise.
func DefaultRetryPolicy() RetryPolicy { return httpx.DefaultRetryPolicy() }

// Stats are a client's running counters: Calls (HTTP requests sent, every
// attempt), Throttled (429/503 answers), Retries (attempts after the first)
// and LimiterWait (time spent waiting for the rate limit).
type Stats = httpx.Stats

var accountLimiters sync.Map // normalised account ID -> *httpx.SlidingWindow

// AccountLimiter returns the process-wide limiter for a Cin7 Core account:
// at most 60 calls in any rolling 60 seconds, shared by every client of
// that account in this process (the API's limit applies per account in
// practice, whichever application key is used).
func AccountLimiter(accountID string) Limiter {
	key := NormalizeID(accountID)
	if l, ok := accountLimiters.Load(key); ok {
		return l.(*httpx.SlidingWindow)
	}
	l, _ := accountLimiters.LoadOrStore(key, httpx.NewSlidingWindow(RateLimit, RateWindow, nil))
	return l.(*httpx.SlidingWindow)
}

// NewWindowLimiter returns a limiter admitting n calls in any rolling
// window, on the given clock (nil for the system clock). Use it to give a
// virtual-clock test its own budget.
func NewWindowLimiter(n int, window time.Duration, clock Clock) Limiter {
	return httpx.NewSlidingWindow(n, window, clock)
}

// Option configures a Client. Options validate their input.
type Option func(*config) error

type config struct {
	accountID, appKey string
	baseURL           string
	httpClient        *http.Client
	transport         http.RoundTripper
	userAgent         string
	limiter           Limiter
	limiterSet        bool
	retry             RetryPolicy
	logger            *slog.Logger
	clock             Clock
	onCall            func(httpx.CallInfo)
}

// WithCredentials sets the account ID and application key (Integrations →
// API in Cin7 Core). Required.
func WithCredentials(accountID, applicationKey string) Option {
	return func(c *config) error {
		accountID, applicationKey = strings.TrimSpace(accountID), strings.TrimSpace(applicationKey)
		if accountID == "" || applicationKey == "" {
			return errors.New("cin7core: account ID and application key must not be empty")
		}
		c.accountID, c.appKey = accountID, applicationKey
		return nil
	}
}

// WithBaseURL points the client at another server (a fake, a proxy).
func WithBaseURL(raw string) Option {
	return func(c *config) error {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("cin7core: base URL %q must be an absolute http(s) URL", raw)
		}
		c.baseURL = raw
		return nil
	}
}

// WithHTTPClient uses hc for requests. Its Transport is the base transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("cin7core: nil HTTP client")
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
			return errors.New("cin7core: nil transport")
		}
		c.transport = rt
		return nil
	}
}

// WithUserAgent replaces the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.TrimSpace(ua) == "" {
			return errors.New("cin7core: empty user agent")
		}
		c.userAgent = ua
		return nil
	}
}

// WithLimiter replaces the default per-account limiter, e.g. with one
// shared across processes. Passing nil disables client-side limiting.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		c.limiter, c.limiterSet = l, true
		return nil
	}
}

// WithRetryPolicy replaces the default retry policy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if p.MaxAttempts < 1 || p.MinWait < 0 || p.MaxWait < 0 {
			return errors.New("cin7core: retry policy needs MaxAttempts >= 1 and non-negative waits")
		}
		c.retry = p
		return nil
	}
}

// WithLogger sets the structured logger (debug: every call; warn: retries).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("cin7core: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithClock runs retry waits on the given clock (virtual time in tests).
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("cin7core: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// Client talks to one Cin7 Core account. It is safe for concurrent use.
type Client struct {
	pipe      *httpx.Pipeline
	accountID string

	// Locations is the reference book of locations and bins (ref/location).
	Locations *LocationsService
	// Products is the product catalogue (product).
	Products *ProductsService
	// ProductFamilies groups variants (productFamily).
	ProductFamilies *ProductFamiliesService
	// Purchases are purchase orders, simple and advanced, with their
	// stock receipts (purchaseList, purchase, advanced-purchase, …).
	Purchases *PurchasesService
	// Sales are sale orders and their fulfilments: pick, pack, ship.
	Sales *SalesService
	// StockTransfers move stock between locations.
	StockTransfers *StockTransfersService
	// Availability is stock on hand per product, location, bin and batch
	// (ref/productavailability).
	Availability *AvailabilityService
	// StockAdjustments set on-hand quantities (absolute, not deltas).
	StockAdjustments *StockAdjustmentsService
	// Stocktakes are counts of a location.
	Stocktakes *StocktakesService
	// Webhooks are the account's event subscriptions.
	Webhooks *WebhooksService
	// Me is the account itself: a connectivity and credentials check.
	Me *MeService
}

type service struct{ client *Client }

// NewClient builds a client. It makes no network call.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{baseURL: DefaultBaseURL, userAgent: DefaultUserAgent, retry: DefaultRetryPolicy()}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.accountID == "" {
		return nil, errors.New("cin7core: credentials are required (WithCredentials)")
	}
	base, _ := url.Parse(cfg.baseURL)
	hc := cfg.httpClient
	if hc == nil {
		hc = cleanhttp.DefaultPooledClient()
	}
	if cfg.transport != nil {
		cp := *hc
		cp.Transport = cfg.transport
		hc = &cp
	}
	if !cfg.limiterSet {
		cfg.limiter = AccountLimiter(cfg.accountID)
	}
	red := &httpx.Redactor{}
	red.Add(cfg.appKey)
	account, key := cfg.accountID, cfg.appKey
	pc := httpx.Config{
		Name:       "cin7core",
		BaseURL:    base,
		HTTPClient: hc,
		UserAgent:  cfg.userAgent,
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("api-auth-accountid", account)
			r.Header.Set("api-auth-applicationkey", key)
			return nil
		},
		SensitiveHeaders: []string{"api-auth-accountid", "api-auth-applicationkey"},
		Retry:            cfg.retry,
		Logger:           cfg.logger,
		Redactor:         red,
		CheckResponse:    checkResponse(red),
		// Throttling reported in an Error Model inside a 200 is still
		// throttling: retry it like a 429.
		Retryable: func(err error) (bool, bool) {
			t := errors.Is(err, ErrRateLimited)
			return t, t
		},
		OnCall: cfg.onCall,
	}
	if cfg.limiter != nil {
		pc.Limiter = cfg.limiter
	}
	if cfg.clock != nil {
		pc.Clock = cfg.clock
	}
	c := &Client{pipe: httpx.New(pc), accountID: account}
	common := &service{client: c}
	c.Locations = (*LocationsService)(common)
	c.Products = (*ProductsService)(common)
	c.ProductFamilies = (*ProductFamiliesService)(common)
	c.Purchases = (*PurchasesService)(common)
	c.Sales = (*SalesService)(common)
	c.StockTransfers = (*StockTransfersService)(common)
	c.Availability = (*AvailabilityService)(common)
	c.StockAdjustments = (*StockAdjustmentsService)(common)
	c.Stocktakes = (*StocktakesService)(common)
	c.Webhooks = (*WebhooksService)(common)
	c.Me = (*MeService)(common)
	return c, nil
}

// AccountID returns the account this client works for.
func (c *Client) AccountID() string { return c.accountID }

// Stats returns the client's counters so far.
func (c *Client) Stats() Stats { return c.pipe.Stats() }

// APICalls returns the number of HTTP requests sent so far, retries included.
func (c *Client) APICalls() int64 { return c.pipe.Stats().Calls }

// get sends a GET and decodes the JSON body into out.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	resp, err := c.pipe.Do(ctx, httpx.Request{Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return c.typed(err, http.MethodGet, path)
	}
	return c.decode(resp, out)
}

// typed turns the pipeline's own untyped failures into *APIError.
func (c *Client) typed(err error, method, path string) error {
	if errors.Is(err, httpx.ErrBodyTooLarge) {
		return &APIError{Method: method, URL: path, Message: "response body exceeds the size limit", kind: ErrBadResponse}
	}
	return err
}

func (c *Client) decode(resp *httpx.Response, out any) error {
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return &APIError{StatusCode: resp.StatusCode, Method: resp.Method, URL: resp.URL,
			Message: "cannot decode response: " + c.pipe.Redactor().String(err.Error()),
			Body:    c.pipe.Redactor().String(snippet(resp.Body)), Attempts: resp.Attempts, kind: ErrBadResponse}
	}
	return nil
}

// CallOption adjusts one call.
type CallOption func(*callConfig)

type callConfig struct{ retrySafe bool }

// RetrySafe marks a write as safe to retry after a 5xx answer or a
// transport error. Writes are not retried on those by default: the first
// attempt may have taken effect, and Cin7 Core has no idempotency keys.
// Use it for writes that are idempotent by content (a PUT that sets a
// status) or after checking the record does not exist yet.
func RetrySafe() CallOption { return func(c *callConfig) { c.retrySafe = true } }

// TransportError is a request that got no HTTP response. MayHaveReached
// tells whether a write may have taken effect anyway.
type TransportError = httpx.TransportError

// MayHaveReachedServer reports whether a failed call may have been
// processed by Cin7 Core, so a write must be checked before it is sent
// again: true for transport errors after the request was sent and for 5xx
// answers other than throttling; false for answers that reject the request
// (4xx, throttling) and for client-side validation errors.
func MayHaveReachedServer(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.MayHaveReached
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500 && !errors.Is(ae, ErrRateLimited)
	}
	return false
}

// send makes a call with a JSON body (nil for none) and decodes the answer
// into out (nil to ignore it).
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body, out any, opts ...CallOption) error {
	var cc callConfig
	for _, o := range opts {
		if o != nil {
			o(&cc)
		}
	}
	req := httpx.Request{Method: method, Path: path, Query: q, Idempotent: cc.retrySafe}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("cin7core: encoding %s %s body: %w", method, path, err)
		}
		req.Body = b
	}
	resp, err := c.pipe.Do(ctx, req)
	if err != nil {
		return c.typed(err, method, path)
	}
	return c.decode(resp, out)
}

// values encodes an options struct with go-querystring.
func values(opts any) (url.Values, error) {
	if opts == nil {
		return url.Values{}, nil
	}
	v, err := query.Values(opts)
	if err != nil {
		return nil, fmt.Errorf("cin7core: encoding query: %w", err)
	}
	return v, nil
}

// queryTime formats a time for Cin7 Core query parameters (UTC, no zone).
func queryTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// valuesWithTimes encodes opts and adds each non-zero time under its name.
// Times are kept out of the struct tags because go-querystring would send
// them with a zone the API does not read.
func valuesWithTimes(opts any, times map[string]time.Time) (url.Values, error) {
	q, err := values(opts)
	if err != nil {
		return nil, err
	}
	for name, t := range times {
		if !t.IsZero() {
			q.Set(name, queryTime(t))
		}
	}
	return q, nil
}
