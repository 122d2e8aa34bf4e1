package cin7coretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// Demo credentials the server accepts unless [WithCredentials] says
// otherwise. They are not secrets.
const (
	DemoAccountID      = "0b1e2a40-7f3c-4d5e-9a61-2c3d4e5f6a7b"
	DemoApplicationKey = "5c0ffee5-d3a0-4e1b-8c2d-7a6b5c4d3e2f"
)

// APIPath is the path prefix of the fake's API, as on the real host.
const APIPath = "/ExternalApi/v2/"

// Limits the server applies.
const (
	// DefaultPageLimit is the page size when a request sends no Limit.
	DefaultPageLimit = 100
	// MaxPageLimit is the largest Limit accepted.
	MaxPageLimit = 1000
)

// Server is a running fake Cin7 Core API. It is safe for concurrent use.
type Server struct {
	ts     *httptest.Server
	tenant *Tenant

	accountID, appKey string
	limit             int
	window            time.Duration
	throttleStatus    int
	now               func() time.Time

	mu        sync.Mutex
	calls     int
	callsTo   map[string]int
	throttled int
	windows   map[string][]time.Time // account ID -> admitted call times
	faults    []fault
}

type fault struct {
	status int
	body   string
	header http.Header
}

// Option configures a Server. Options panic on invalid input: they are
// only used in tests.
type Option func(*Server)

// WithCredentials sets the account ID and application key the server
// accepts (default [DemoAccountID] and [DemoApplicationKey]).
func WithCredentials(accountID, applicationKey string) Option {
	return func(s *Server) {
		if accountID == "" || applicationKey == "" {
			panic("cin7coretest: WithCredentials needs an account ID and an application key")
		}
		s.accountID, s.appKey = accountID, applicationKey
	}
}

// WithTenant serves t instead of a fresh [DemoTenant]. The server's clock
// becomes t's clock for the mutators' time stamps.
func WithTenant(t *Tenant) Option {
	return func(s *Server) {
		if t == nil {
			panic("cin7coretest: nil tenant")
		}
		s.tenant = t
	}
}

// WithRateLimit sets how many calls an account may make in any rolling
// window (default 60 per minute, Cin7 Core's limit).
func WithRateLimit(n int, window time.Duration) Option {
	return func(s *Server) {
		if n < 1 || window <= 0 {
			panic("cin7coretest: WithRateLimit needs n >= 1 and a positive window")
		}
		s.limit, s.window = n, window
	}
}

// WithThrottleStatus sets the status of a throttled answer: 503 (the
// default, sent without Retry-After as Cin7 Core does) or 429.
func WithThrottleStatus(code int) Option {
	return func(s *Server) {
		if code != http.StatusServiceUnavailable && code != http.StatusTooManyRequests {
			panic("cin7coretest: throttle status must be 503 or 429")
		}
		s.throttleStatus = code
	}
}

// WithClock runs the rate-limit window and the tenant's time stamps on now
// instead of the system clock, for virtual-time tests and benchmarks.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now == nil {
			panic("cin7coretest: nil clock")
		}
		s.now = now
	}
}

// NewServer starts a fake Cin7 Core server serving the demo tenant unless
// [WithTenant] is given. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		accountID:      DemoAccountID,
		appKey:         DemoApplicationKey,
		limit:          cin7core.RateLimit,
		window:         cin7core.RateWindow,
		throttleStatus: http.StatusServiceUnavailable,
		now:            time.Now,
		callsTo:        map[string]int{},
		windows:        map[string][]time.Time{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if s.tenant == nil {
		s.tenant = DemoTenant()
	}
	s.tenant.setClock(s.now)
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL returns the API base URL, ending in /ExternalApi/v2/, for
// cin7core.WithBaseURL.
func (s *Server) URL() string { return s.ts.URL + APIPath }

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// Tenant returns the data the server serves; change it with its mutators.
func (s *Server) Tenant() *Tenant { return s.tenant }

// ClientOptions returns the cin7core options that point a client at this
// server: its URL, its credentials and a limiter of the client's own with
// the server's rate limit on the system clock, so that tests do not share
// the process-wide budget of the account. Options given after these win,
// e.g. cin7core.WithLimiter and cin7core.WithClock for virtual time.
func (s *Server) ClientOptions() []cin7core.Option {
	return []cin7core.Option{
		cin7core.WithBaseURL(s.URL()),
		cin7core.WithCredentials(s.accountID, s.appKey),
		cin7core.WithLimiter(cin7core.NewWindowLimiter(s.limit, s.window, nil)),
	}
}

// Calls returns the number of requests the server has received, whatever
// their outcome.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// CallsTo returns the number of requests received for one endpoint path,
// such as "product" or "ref/location" (case-insensitive; a leading
// /ExternalApi/v2/ is ignored).
func (s *Server) CallsTo(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsTo[endpointOf(path)]
}

// Throttled returns the number of requests answered with the throttling
// status.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// FailNext makes the next n authenticated requests fail with the given
// status, body and headers, before rate limiting and routing (so they do
// not use up the rate-limit budget). Content-Type defaults to JSON when the
// body looks like JSON, plain text otherwise.
func (s *Server) FailNext(n int, status int, body string, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status, body: body, header: header.Clone()})
	}
}

// endpointOf normalises a request path to an endpoint name.
func endpointOf(path string) string {
	p := strings.ToLower(strings.Trim(path, "/"))
	p = strings.TrimPrefix(p, strings.ToLower(strings.Trim(APIPath, "/")))
	return strings.Trim(p, "/")
}

// request is what a handler sees of an authenticated, admitted call.
type request struct {
	method string
	q      params
	// body is the raw JSON body of a POST or PUT.
	body []byte
}

// handler serves one method of one endpoint.
type handler func(s *Server, r *request) ([]byte, *apiErr)

// routes maps an endpoint (lower case, relative to APIPath) and a method to
// its handler. Each resource file registers its own in init.
var routes = map[string]map[string]handler{}

// route registers h for method on endpoint.
func route(method, endpoint string, h handler) {
	ep := strings.ToLower(endpoint)
	if routes[ep] == nil {
		routes[ep] = map[string]handler{}
	}
	routes[ep][method] = h
}

// getOnly adapts a read handler that only needs the query.
func getOnly(h func(s *Server, q params) ([]byte, *apiErr)) handler {
	return func(s *Server, r *request) ([]byte, *apiErr) { return h(s, r.q) }
}

func init() {
	route(http.MethodGet, "ref/location", getOnly((*Server).listLocations))
	route(http.MethodGet, "product", getOnly((*Server).listProducts))
	route(http.MethodGet, "productFamily", getOnly((*Server).listFamilies))
}

// maxRequestBody caps what the fake reads of a request body.
const maxRequestBody = 8 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	lp := strings.ToLower(r.URL.Path)
	if !strings.HasPrefix(lp+"/", strings.ToLower(APIPath)) {
		s.count("")
		http.NotFound(w, r)
		return
	}
	ep := endpointOf(r.URL.Path)
	s.count(ep)
	methods, known := routes[ep]
	if !known {
		pageNotFound(w)
		return
	}
	if !cin7core.SameID(r.Header.Get("api-auth-accountid"), s.accountID) || r.Header.Get("api-auth-applicationkey") != s.appKey {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("Incorrect credentials!"))
		return
	}
	if f, ok := s.nextFault(); ok {
		writeFault(w, f)
		return
	}
	if !s.admit(cin7core.NormalizeID(r.Header.Get("api-auth-accountid"))) {
		writeError(w, &apiErr{status: s.throttleStatus, msg: fmt.Sprintf("You reached %d calls per minute API limit", s.limit)})
		return
	}
	h, ok := methods[r.Method]
	if !ok {
		writeError(w, &apiErr{status: http.StatusMethodNotAllowed, msg: "The requested resource does not support http method '" + r.Method + "'."})
		return
	}
	req := &request{method: r.Method, q: parseParams(r)}
	if r.Body != nil && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if err != nil || len(b) > maxRequestBody {
			writeError(w, &apiErr{status: http.StatusBadRequest, msg: "Request body could not be read or is too large."})
			return
		}
		req.body = b
	}
	body, e := h(s, req)
	if e != nil {
		writeError(w, e)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

func (s *Server) count(ep string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.callsTo[ep]++
}

func (s *Server) nextFault() (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// admit applies the exact sliding window: a call is admitted when fewer
// than limit calls were admitted in the window ending now. Refused calls
// do not count.
func (s *Server) admit(account string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	times := s.windows[account]
	keep := 0
	for keep < len(times) && !times[keep].Add(s.window).After(now) {
		keep++
	}
	times = times[keep:]
	if len(times) >= s.limit {
		s.windows[account] = times
		s.throttled++
		return false
	}
	s.windows[account] = append(times, now)
	return true
}

func writeFault(w http.ResponseWriter, f fault) {
	for k, vs := range f.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		b := strings.TrimSpace(f.body)
		if strings.HasPrefix(b, "[") || strings.HasPrefix(b, "{") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	w.WriteHeader(f.status)
	_, _ = w.Write([]byte(f.body))
}

// apiErr is an answer in Cin7 Core's Error Model.
type apiErr struct {
	status int
	msg    string
}

func writeError(w http.ResponseWriter, e *apiErr) {
	body, _ := json.Marshal([]map[string]any{{"ErrorCode": e.status, "Exception": e.msg}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

const pageNotFoundHTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Page not found</title></head>
<body>
<h1>Page not found</h1>
<p>Sorry, the page you are looking for could not be found.</p>
</body>
</html>
`

// pageNotFound mimics the web application catching an unknown route: an
// HTML page with status 200.
func pageNotFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(pageNotFoundHTML))
}

// params are query parameters by lower-case name (names are
// case-insensitive in Cin7 Core).
type params map[string]string

func parseParams(r *http.Request) params {
	q := params{}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			q[strings.ToLower(k)] = vs[0]
		}
	}
	return q
}

func (q params) get(name string) string { return q[strings.ToLower(name)] }

func (q params) boolean(name string) (value, set bool, e *apiErr) {
	v := strings.TrimSpace(q.get(name))
	if v == "" {
		return false, false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, false, &apiErr{status: http.StatusBadRequest, msg: fmt.Sprintf("%s must be true or false.", name)}
	}
	return b, true, nil
}

// paging reads Page (default 1) and Limit (default 100, 1 to 1000).
func (q params) paging() (page, limit int, e *apiErr) {
	page, limit = 1, DefaultPageLimit
	if v := strings.TrimSpace(q.get("Page")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, &apiErr{status: http.StatusBadRequest, msg: "Page must be a positive integer."}
		}
		page = n
	}
	if v := strings.TrimSpace(q.get("Limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageLimit {
			return 0, 0, &apiErr{status: http.StatusBadRequest, msg: fmt.Sprintf("Limit must be between 1 and %d.", MaxPageLimit)}
		}
		limit = n
	}
	return page, limit, nil
}

// since reads ModifiedSince: yyyy-MM-ddTHH:mm:ss[.fff], UTC (a zone, if
// sent, is honoured).
func (q params) since() (t time.Time, set bool, e *apiErr) {
	v := strings.TrimSpace(q.get("ModifiedSince"))
	if v == "" {
		return time.Time{}, false, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, &apiErr{status: http.StatusBadRequest, msg: "ModifiedSince must be a date in the format yyyy-MM-ddTHH:mm:ss."}
}

// envelope writes {"Total":N,"Page":P,"<key>":[page of rows]}.
func envelope(key string, rows []json.RawMessage, page, limit int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"Total":%d,"Page":%d,%q:[`, len(rows), page, key)
	start := (page - 1) * limit
	if start > len(rows) || start < 0 {
		start = len(rows)
	}
	end := min(start+limit, len(rows))
	for i, r := range rows[start:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(r)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// listLocations serves GET ref/location: ID, Name (starts with), Deprecated
// (true: only deprecated; false: only active; absent: all).
func (s *Server) listLocations(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	dep, depSet, e := q.boolean("Deprecated")
	if e != nil {
		return nil, e
	}
	id, name := q.get("ID"), q.get("Name")
	t := s.tenant
	t.mu.RLock()
	rows := wires(filterRows(&t.locations, locationKey, func(l *cin7core.Location) bool {
		return (id == "" || cin7core.SameID(l.ID, id)) &&
			(name == "" || hasPrefixFold(l.Name, name)) &&
			(!depSet || bool(l.IsDeprecated) == dep)
	}))
	t.mu.RUnlock()
	return envelope("LocationList", rows, page, limit), nil
}

// listProducts serves GET product: ID, Name and Sku (containing, ignoring
// case), ModifiedSince (LastModifiedOn at or after it) and
// IncludeDeprecated (deprecated products are hidden unless true).
func (s *Server) listProducts(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	inclDep, _, e := q.boolean("IncludeDeprecated")
	if e != nil {
		return nil, e
	}
	since, sinceSet, e := q.since()
	if e != nil {
		return nil, e
	}
	id, name, sku := q.get("ID"), q.get("Name"), q.get("Sku")
	t := s.tenant
	t.mu.RLock()
	rows := wires(filterRows(&t.products, productKey, func(p *cin7core.Product) bool {
		return (id == "" || cin7core.SameID(p.ID, id)) &&
			(name == "" || containsFold(p.Name, name)) &&
			(sku == "" || containsFold(p.SKU, sku)) &&
			(inclDep || !p.IsDeprecated()) &&
			(!sinceSet || (!p.LastModifiedOn.IsZero() && !p.LastModifiedOn.Time.Before(since)))
	}))
	t.mu.RUnlock()
	return envelope("Products", rows, page, limit), nil
}

// listFamilies serves GET productFamily: ID, Name and Sku (containing,
// ignoring case) and ModifiedSince.
func (s *Server) listFamilies(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	since, sinceSet, e := q.since()
	if e != nil {
		return nil, e
	}
	id, name, sku := q.get("ID"), q.get("Name"), q.get("Sku")
	t := s.tenant
	t.mu.RLock()
	rows := wires(filterRows(&t.families, familyKey, func(f *cin7core.ProductFamily) bool {
		return (id == "" || cin7core.SameID(f.ID, id)) &&
			(name == "" || containsFold(f.Name, name)) &&
			(sku == "" || containsFold(f.SKU, sku)) &&
			(!sinceSet || (!f.LastModifiedOn.IsZero() && !f.LastModifiedOn.Time.Before(since)))
	}))
	t.mu.RUnlock()
	return envelope("ProductFamilies", rows, page, limit), nil
}

// decodeBody reads a JSON request body into v, answering 400 with an Error
// Model when it is missing or malformed.
func decodeBody(r *request, v any) *apiErr {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return &apiErr{status: http.StatusBadRequest, msg: "Request body is empty."}
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return &apiErr{status: http.StatusBadRequest, msg: "Request body could not be parsed: " + err.Error()}
	}
	return nil
}

// jsonBody encodes a response.
func jsonBody(v any) ([]byte, *apiErr) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &apiErr{status: http.StatusInternalServerError, msg: err.Error()}
	}
	return b, nil
}
