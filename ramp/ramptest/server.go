package ramptest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
)

// Defaults of a new Server.
const (
	DefaultUsername    = "demo"
	DefaultPassword    = "demo-password"
	DefaultTokenTTL    = time.Hour
	DefaultMaxPageSize = 1000
)

// Option configures a Server.
type Option func(*Server)

// WithUser adds an account that may log in. When no WithUser is given the
// server has one account, DefaultUsername / DefaultPassword.
func WithUser(username, password string) Option {
	return func(s *Server) { s.users[username] = password }
}

// WithTokenTTL sets how long issued access tokens live (default 1h).
// Non-positive values are ignored.
func WithTokenTTL(d time.Duration) Option {
	return func(s *Server) {
		if d > 0 {
			s.ttl = d
		}
	}
}

// WithClock makes the server read time from now: token expiry and entity
// timestamps. Give the client the same time (ramp.WithClock) so both agree
// on when a token expires.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithMaxPageSize sets the largest $top the server accepts (default 1000).
// Non-positive values are ignored.
func WithMaxPageSize(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.maxPage = n
		}
	}
}

// Server is a fake Ramp tenant with state: it logs users in, issues
// JWT-shaped tokens, stores places and SKUs, enforces the contract's rules
// (validation, unique ExternalRef, foreign keys, page limits) and evaluates
// OData filters. It is safe for concurrent use.
type Server struct {
	ts      *httptest.Server
	users   map[string]string
	ttl     time.Duration
	now     func() time.Time
	maxPage int

	mu             sync.Mutex
	tokens         map[string]tokenInfo
	refreshTokens  map[string]string // refresh token -> username
	places         map[string]*ramp.Place
	skus           map[string]*ramp.Sku
	orders         map[string]*ramp.Order
	stocktakes     map[string]*ramp.Stocktake
	placeStock     map[string][]*ramp.PlaceStockLine // by place ID
	stockSets      map[string]*stockSet              // parts received, by SetId
	appliedSets    map[string]setAnswer              // answers of applied sets
	writeOffs      map[string]*ramp.WriteOff
	stocktakeSeq   int
	calls          int
	callsTo        map[string]int
	failN          int
	failStatus     int
	failRetryAfter time.Duration
	validator      func(kind string, v any) *ramp.ErrorDetail
}

type tokenInfo struct {
	user string
	exp  time.Time
}

// NewServer starts a fake Ramp server. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{users: map[string]string{}, ttl: DefaultTokenTTL, now: time.Now, maxPage: DefaultMaxPageSize}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if len(s.users) == 0 {
		s.users[DefaultUsername] = DefaultPassword
	}
	s.resetLocked()
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL returns the tenant base URL to give ramp.WithBaseURL.
func (s *Server) URL() string { return s.ts.URL }

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// NewClient returns a ramp client for this server logged in as the default
// user (or the first WithUser account); opts are applied after, so they
// can override the login or add a transport, logger or retry policy.
func (s *Server) NewClient(opts ...ramp.Option) (*ramp.Client, error) {
	return ramp.NewClient(append(s.ClientOptions(), opts...)...)
}

// ClientOptions are the options that point a ramp client at this server
// and log in as its default user (or its first user when the default was
// replaced).
func (s *Server) ClientOptions() []ramp.Option {
	user, pass := DefaultUsername, DefaultPassword
	if _, ok := s.users[user]; !ok {
		names := make([]string, 0, len(s.users))
		for u := range s.users {
			names = append(names, u)
		}
		slices.Sort(names)
		user, pass = names[0], s.users[names[0]]
	}
	return []ramp.Option{ramp.WithBaseURL(s.URL()), ramp.WithLogin(user, pass)}
}

// Reset forgets every entity, token, counter, pending failure and custom
// validator; options given to NewServer stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Server) resetLocked() {
	s.tokens = map[string]tokenInfo{}
	s.refreshTokens = map[string]string{}
	s.places = map[string]*ramp.Place{}
	s.skus = map[string]*ramp.Sku{}
	s.orders = map[string]*ramp.Order{}
	s.stocktakes = map[string]*ramp.Stocktake{}
	s.placeStock = map[string][]*ramp.PlaceStockLine{}
	s.stockSets = map[string]*stockSet{}
	s.appliedSets = map[string]setAnswer{}
	s.writeOffs = map[string]*ramp.WriteOff{}
	s.stocktakeSeq = 0
	s.calls = 0
	s.callsTo = map[string]int{}
	s.failN, s.failStatus, s.failRetryAfter = 0, 0, 0
	s.validator = nil
}

// ExpireTokens invalidates every issued access token, as if they had all
// expired; refresh tokens keep working.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// RevokeRefreshTokens invalidates every refresh token (and, like
// ExpireTokens, every access token), so the client must log in again.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
	clear(s.refreshTokens)
}

// Calls returns how many API requests the server has received, logins and
// failed requests included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// CallsTo returns how many requests hit an action: the {Action} path
// segment, such as "Login", "GetFilteredPlaces" or "CreateSku".
func (s *Server) CallsTo(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsTo[action]
}

// FailNext makes the next n requests other than Login and RefreshLogin
// answer status with an error body (and no Retry-After).
func (s *Server) FailNext(n, status int) { s.FailNextRetryAfter(n, status, 0) }

// FailNextRetryAfter is FailNext with a Retry-After header of d (rounded
// up to whole seconds) when d > 0.
func (s *Server) FailNextRetryAfter(n, status int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus, s.failRetryAfter = n, status, d
}

// SetValidator installs an extra rule for creates and updates: fn gets the
// kind ("place", "sku" or "order") and the record (ramp.Place, ramp.Sku or
// ramp.Order, as it would be stored) and returns nil to accept or a detail to reject it. The
// answer's status follows the code (DuplicateResource 409,
// ResourceDoesNotExist 404, anything else 400; an empty code becomes
// ValidationError). Nil removes the rule.
func (s *Server) SetValidator(fn func(kind string, v any) *ramp.ErrorDetail) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.validator = fn
}

// Places returns a snapshot of every place, sorted by ExternalRef.
func (s *Server) Places() []ramp.Place {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ramp.Place, 0, len(s.places))
	for _, p := range s.places {
		out = append(out, s.placeView(p))
	}
	slices.SortFunc(out, func(a, b ramp.Place) int { return strings.Compare(a.ExternalRef, b.ExternalRef) })
	return out
}

// Skus returns a snapshot of every SKU, sorted by ExternalRef.
func (s *Server) Skus() []ramp.Sku {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ramp.Sku, 0, len(s.skus))
	for _, k := range s.skus {
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b ramp.Sku) int { return strings.Compare(a.ExternalRef, b.ExternalRef) })
	return out
}

// AddPlace stores a place directly (no HTTP call, not counted), applying
// the same rules as CreatePlace. Use it to seed large fixtures quickly.
func (s *Server) AddPlace(p ramp.Place) (ramp.Place, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, f := s.createPlace(p)
	if f != nil {
		return ramp.Place{}, f
	}
	return out, nil
}

// AddSku stores a SKU directly (no HTTP call, not counted), applying the
// same rules as CreateSku.
func (s *Server) AddSku(k ramp.Sku) (ramp.Sku, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, f := s.createSku(k)
	if f != nil {
		return ramp.Sku{}, f
	}
	return out, nil
}

// failure is an error answer: a status and the contract's error body.
type failure struct {
	status  int
	details []ramp.ErrorDetail
}

// Error lets seeding helpers (AddPlace, AddSku) return a failure as is.
func (f *failure) Error() string {
	d := f.details[0]
	return fmt.Sprintf("ramptest: HTTP %d %s: %s (field %s)", f.status, d.ErrorCode, d.Message, d.Field)
}

func fail(status int, code, field, format string, args ...any) *failure {
	return &failure{status: status, details: []ramp.ErrorDetail{{ErrorCode: code, Message: fmt.Sprintf(format, args...), Field: field}}}
}

func statusForCode(code string) int {
	switch code {
	case ramp.CodeDuplicateResource:
		return http.StatusConflict
	case ramp.CodeResourceDoesNotExist:
		return http.StatusNotFound
	case ramp.CodeAuthenticationFailed:
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return ramp.CodeValidationError
	case http.StatusUnauthorized:
		return ramp.CodeAuthenticationFailed
	case http.StatusNotFound:
		return ramp.CodeResourceDoesNotExist
	case http.StatusConflict:
		return ramp.CodeDuplicateResource
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	}
	return "ServerError"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeFailure(w http.ResponseWriter, f *failure) {
	if f.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", ramp.AuthScheme)
	}
	writeJSON(w, f.status, f.details)
}

// actionOf returns the {Action} segment of /api/{Service}/{Action}[/{id}].
func actionOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) >= 3 && parts[0] == "api" {
		return parts[2]
	}
	return path
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.callsTo[actionOf(r.URL.Path)]++
	path := strings.TrimPrefix(r.URL.Path, "/")

	if path == ramp.PathLogin || path == ramp.PathRefreshLogin {
		if r.Method != http.MethodPost {
			writeFailure(w, fail(http.StatusMethodNotAllowed, ramp.CodeValidationError, "", "use POST"))
			return
		}
		if path == ramp.PathLogin {
			s.login(w, r)
		} else {
			s.refreshLogin(w, r)
		}
		return
	}
	if s.failN > 0 {
		s.failN--
		if s.failRetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.failRetryAfter.Seconds()))))
		}
		writeFailure(w, fail(s.failStatus, codeForStatus(s.failStatus), "", "ramptest: injected failure"))
		return
	}
	if f := s.authenticate(r); f != nil {
		writeFailure(w, f)
		return
	}

	type route struct {
		method string
		handle func(http.ResponseWriter, *http.Request) *failure
	}
	routes := map[string]route{
		ramp.PathListPlaces:     {http.MethodGet, s.listPlaces},
		ramp.PathCreatePlace:    {http.MethodPost, s.handleCreatePlace},
		ramp.PathUpdatePlace:    {http.MethodPost, s.handleUpdatePlace},
		ramp.PathListSkus:       {http.MethodGet, s.listSkus},
		ramp.PathCreateSku:      {http.MethodPost, s.handleCreateSku},
		ramp.PathUpdateSku:      {http.MethodPost, s.handleUpdateSku},
		ramp.PathListOrders:     {http.MethodGet, s.listOrders},
		ramp.PathCreateOrder:    {http.MethodPost, s.handleCreateOrder},
		ramp.PathUpdateOrder:    {http.MethodPost, s.handleUpdateOrder},
		ramp.PathListStocktakes: {http.MethodGet, s.listStocktakes},
		ramp.PathSetPlaceStock:  {http.MethodPost, s.handleSetPlaceStock},
		ramp.PathListPlaceStock: {http.MethodGet, s.listPlaceStock},
		ramp.PathListWriteOffs:  {http.MethodGet, s.listWriteOffs},
	}
	// Routes whose last segment is a record ID.
	withID := []struct {
		prefix string
		route
	}{
		{ramp.PathGetPlace, route{http.MethodGet, s.getPlace}},
		{ramp.PathArchivePlace, route{http.MethodPost, s.archiver(ramp.PathArchivePlace, true, s.setPlaceArchived)}},
		{ramp.PathUnarchivePlace, route{http.MethodPost, s.archiver(ramp.PathUnarchivePlace, false, s.setPlaceArchived)}},
		{ramp.PathGetSku, route{http.MethodGet, s.getSku}},
		{ramp.PathArchiveSku, route{http.MethodPost, s.archiver(ramp.PathArchiveSku, true, s.setSkuArchived)}},
		{ramp.PathUnarchiveSku, route{http.MethodPost, s.archiver(ramp.PathUnarchiveSku, false, s.setSkuArchived)}},
		{ramp.PathGetOrder, route{http.MethodGet, s.getOrder}},
		{ramp.PathAllocateOrder, route{http.MethodPost, s.orderAction(ramp.PathAllocateOrder, s.allocate)}},
		{ramp.PathDispatchOrder, route{http.MethodPost, s.orderAction(ramp.PathDispatchOrder, s.noUnits(s.dispatch))}},
		{ramp.PathReceiveOrder, route{http.MethodPost, s.orderAction(ramp.PathReceiveOrder, s.receive)}},
		{ramp.PathCompleteOrder, route{http.MethodPost, s.orderAction(ramp.PathCompleteOrder, s.noUnits(s.complete))}},
		{ramp.PathCancelOrder, route{http.MethodPost, s.orderAction(ramp.PathCancelOrder, s.noUnits(s.cancel))}},
		{ramp.PathGetStocktake, route{http.MethodGet, s.getStocktake}},
	}
	rt, ok := routes[path]
	if !ok {
		for _, c := range withID {
			if strings.HasPrefix(path, c.prefix+"/") {
				rt, ok = c.route, true
				break
			}
		}
	}
	if !ok {
		writeFailure(w, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "", "no such endpoint %s", r.URL.Path))
		return
	}
	if r.Method != rt.method {
		writeFailure(w, fail(http.StatusMethodNotAllowed, ramp.CodeValidationError, "", "%s needs %s", r.URL.Path, rt.method))
		return
	}
	if f := rt.handle(w, r); f != nil {
		writeFailure(w, f)
	}
}

// decodeBody reads a JSON request body into v.
func decodeBody(r *http.Request, v any) *failure {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 8<<20))
	if err := dec.Decode(v); err != nil {
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "", "request body is not valid JSON: %v", err)
	}
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var body struct{ Username, Password string }
	if f := decodeBody(r, &body); f != nil {
		writeFailure(w, f)
		return
	}
	switch {
	case body.Username == "":
		writeFailure(w, fail(http.StatusBadRequest, ramp.CodeValidationError, "Username", "Username is required"))
		return
	case body.Password == "":
		writeFailure(w, fail(http.StatusBadRequest, ramp.CodeValidationError, "Password", "Password is required"))
		return
	}
	if want, ok := s.users[body.Username]; !ok || want != body.Password {
		writeFailure(w, fail(http.StatusUnauthorized, ramp.CodeAuthenticationFailed, "", "invalid username or password"))
		return
	}
	writeJSON(w, http.StatusOK, s.issue(body.Username))
}

func (s *Server) refreshLogin(w http.ResponseWriter, r *http.Request) {
	var body struct{ RefreshToken string }
	if f := decodeBody(r, &body); f != nil {
		writeFailure(w, f)
		return
	}
	user, ok := s.refreshTokens[body.RefreshToken]
	if body.RefreshToken == "" || !ok {
		writeFailure(w, fail(http.StatusUnauthorized, ramp.CodeAuthenticationFailed, "RefreshToken", "refresh token is unknown or revoked"))
		return
	}
	writeJSON(w, http.StatusOK, s.issue(user))
}

type loginAnswer struct {
	Success    bool              `json:"Success"`
	TokenGroup map[string]string `json:"TokenGroup"`
	Messages   []string          `json:"Messages"`
}

// issue mints a JWT-shaped access token (the signature is random: only
// the server's own table says whether a token is valid) and a refresh
// token.
func (s *Server) issue(user string) loginAnswer {
	now := s.now()
	exp := now.Add(s.ttl)
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{"sub": user, "iat": now.Unix(), "exp": exp.Unix(), "jti": randomHex(8)})
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	tok := header + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig)
	refresh := randomHex(32)
	s.tokens[tok] = tokenInfo{user: user, exp: exp}
	s.refreshTokens[refresh] = user
	return loginAnswer{Success: true, TokenGroup: map[string]string{"Token": tok, "Refresh": refresh}, Messages: []string{}}
}

func (s *Server) authenticate(r *http.Request) *failure {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, ramp.AuthScheme) || tok == "" {
		return fail(http.StatusUnauthorized, ramp.CodeAuthenticationFailed, "", "missing %q authorization", ramp.AuthScheme+" <token>")
	}
	info, ok := s.tokens[tok]
	if !ok {
		return fail(http.StatusUnauthorized, ramp.CodeAuthenticationFailed, "", "token is unknown or expired")
	}
	if !s.now().Before(info.exp) {
		delete(s.tokens, tok)
		return fail(http.StatusUnauthorized, ramp.CodeAuthenticationFailed, "", "token expired")
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newGUID returns a random (version 4) GUID in lower case.
func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// pageAnswer is the contract's list envelope.
type pageAnswer struct {
	Items        any     `json:"Items"`
	NextPageLink *string `json:"NextPageLink"`
	Count        *int    `json:"Count,omitempty"`
}

// pageParams reads $top, $skip, $count and $filter.
type pageParams struct {
	top, skip int
	count     bool
	filter    node
}

func (s *Server) readPage(r *http.Request, fields map[string]fieldDef) (pageParams, *failure) {
	q := r.URL.Query()
	p := pageParams{top: s.maxPage}
	if v, ok := q[ramp.ParamTop]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return p, fail(http.StatusBadRequest, ramp.CodeValidationError, ramp.ParamTop, "$top must be a non-negative integer")
		}
		if n > s.maxPage {
			return p, fail(http.StatusBadRequest, ramp.CodeValidationError, ramp.ParamTop, "$top may not exceed %d", s.maxPage)
		}
		p.top = n
	}
	if v, ok := q[ramp.ParamSkip]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return p, fail(http.StatusBadRequest, ramp.CodeValidationError, ramp.ParamSkip, "$skip must be a non-negative integer")
		}
		p.skip = n
	}
	switch q.Get(ramp.ParamCount) {
	case "true":
		p.count = true
	case "", "false":
	default:
		return p, fail(http.StatusBadRequest, ramp.CodeValidationError, ramp.ParamCount, "$count must be true or false")
	}
	n, err := parseFilter(q.Get(ramp.ParamFilter), fields)
	if err != nil {
		return p, fail(http.StatusBadRequest, ramp.CodeValidationError, ramp.ParamFilter, "invalid $filter: %v", err)
	}
	p.filter = n
	return p, nil
}

// writePage filters, slices and answers; items are already in list order.
func writePage[T any](w http.ResponseWriter, r *http.Request, p pageParams, all []*T, view func(*T) T) {
	var matched []*T
	for _, it := range all {
		if p.filter.match(it) {
			matched = append(matched, it)
		}
	}
	start := min(p.skip, len(matched))
	end := min(start+p.top, len(matched))
	items := make([]T, 0, end-start)
	for _, it := range matched[start:end] {
		items = append(items, view(it))
	}
	ans := pageAnswer{Items: items}
	if end < len(matched) && p.top > 0 {
		q := r.URL.Query()
		q.Set(ramp.ParamSkip, strconv.Itoa(end))
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		link := (&url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}).String()
		ans.NextPageLink = &link
	}
	if p.count {
		n := len(matched)
		ans.Count = &n
	}
	writeJSON(w, http.StatusOK, ans)
}

// sortByCreation orders records the way lists return them: by
// DateCreated, then Id, so pages are stable while nothing is added.
func sortByCreation[T any](m map[string]*T, created func(*T) time.Time, id func(*T) string) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b *T) int {
		if c := created(a).Compare(created(b)); c != 0 {
			return c
		}
		return strings.Compare(id(a), id(b))
	})
	return out
}
