package soak

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/faults"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// fastRetry keeps the clients' retries (429/503, 5xx on reads, transport
// errors on reads) but with waits of milliseconds, so a soak spends its
// time on passes, not on sleeping.
var fastRetry = cin7core.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}

// passBound is how long one pass may take before the test calls it a hang
// (an unbounded retry or a wait that ignores its context). It is a
// watchdog, not a speed assertion: a pass on the fakes takes milliseconds.
const passBound = 2 * time.Minute

// The soak's count room: a location of its own, with two bins, that no
// order ever touches. Every stocktake counts one of its bins. Stock
// adjustments are absolute (a stocktake's counts replace the on-hand), so
// a stocktake posted before or after a movement of the same product and
// place gives different results depending on the order the two reach Cin7
// Core, and faults change that order. Keeping stocktakes where nothing
// else moves makes the final stock independent of that order (see
// README's known limitation in the soak report).
const (
	countRoomID   = "50a50a50-0000-4000-8000-00000000c001"
	countShelf1ID = "50a50a50-0000-4000-8000-00000000c002"
	countShelf2ID = "50a50a50-0000-4000-8000-00000000c003"
	countRoomName = "Soak Count Room"
)

var countShelves = []struct{ id, name string }{{countShelf1ID, "Shelf 1"}, {countShelf2ID, "Shelf 2"}}

var expiry = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

// lockedBuffer is a bytes.Buffer several slog handlers may write to.
type lockedBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tokenSniffer sits under the fault layer and keeps every token the fake
// Ramp issues, so the test can look for them where they must not be.
type tokenSniffer struct {
	next   http.RoundTripper
	mu     gosync.Mutex
	tokens map[string]bool
}

func (s *tokenSniffer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	if err != nil || !strings.Contains(r.URL.Path, "Authentication/") {
		return resp, err
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if rerr != nil {
		return resp, nil
	}
	var lr struct {
		TokenGroup *struct{ Token, Refresh string } `json:"TokenGroup"`
	}
	if json.Unmarshal(b, &lr) == nil && lr.TokenGroup != nil {
		s.mu.Lock()
		for _, tok := range []string{lr.TokenGroup.Token, lr.TokenGroup.Refresh} {
			if tok != "" {
				s.tokens[tok] = true
			}
		}
		s.mu.Unlock()
	}
	return resp, nil
}

func (s *tokenSniffer) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.tokens))
	for tok := range s.tokens {
		out = append(out, tok)
	}
	return out
}

// faultRules inject every kind of fault with probability p, except that
// a repeated page is only served for list pages (requests that page: Cin7
// Core's Page=, Ramp's $skip=). Served for a detail read (GET
// stockTransfer?TaskID=A answered with transfer B), it is a misrouted
// answer that the cin7core Get methods accept without checking the ID:
// see the soak report.
func faultRules(p float64) []faults.Rule {
	others := []faults.Kind{faults.Throttle429, faults.Throttle429RetryAfter, faults.Unavailable503, faults.Server500,
		faults.BadGateway502, faults.GatewayTimeout504, faults.ResetBeforeSend, faults.ResetAfterResponse, faults.TimeoutAfterSend,
		faults.TruncatedJSON, faults.HTML200, faults.ErrorModel200, faults.Slow}
	paged := func(r *http.Request) bool {
		q := r.URL.RawQuery
		return r.Method == http.MethodGet && (strings.Contains(q, "Page=") || strings.Contains(q, "%24skip=") || strings.Contains(q, "$skip="))
	}
	return []faults.Rule{
		{Match: paged, Probability: p / 14, Kinds: []faults.Kind{faults.RepeatPage}},
		{Probability: p, Kinds: others, Delay: 5 * time.Millisecond},
	}
}

// worldConfig says how to build a world.
type worldConfig struct {
	name string
	// faultSeed, when not 0, puts a fault layer under each client.
	faultSeed uint64
	// faultProb is the chance of a fault per request (default 0.1).
	faultProb float64
	// store defaults to a MemoryStore.
	store cinsync.StateStore
	// wrap, when set, wraps each client's whole transport (outermost).
	wrap func(http.RoundTripper) http.RoundTripper
}

// world is one Cin7 Core fake, one Ramp fake, the clients on top of them
// (optionally through fault layers) and the engine's state.
type world struct {
	name     string
	cs       *cin7coretest.Server
	rs       *ramptest.Server
	base     *http.Transport
	cft, rft *faults.Transport
	sniff    *tokenSniffer
	cin7     *cin7core.Client
	ramp     *ramp.Client
	clean    *cin7core.Client // no faults, no logging: the test's own reads
	store    cinsync.StateStore
	logs     *lockedBuffer
	locker   *cinsync.InProcessLocker
	writes   *writeOutcomes // over the fault layers; nil without faults
}

// writeOutcomes watches the writes the clients make, above the fault
// layers, and keeps the outcome of the last attempt of each (method,
// path, body): a write whose last attempt failed (transport error, 5xx,
// throttled, or a 2xx whose body is not JSON or is an Error Model) failed
// its call, since the clients retry writes only on throttling (and
// Ramp's idempotent calls on anything).
type writeOutcomes struct {
	mu   gosync.Mutex
	last map[string]string // key → "" (succeeded) or why it failed
}

func (o *writeOutcomes) wrap(next http.RoundTripper) http.RoundTripper {
	return rtFunc(func(r *http.Request) (*http.Response, error) {
		if !isWrite(r) {
			// Logins and refreshes are not writes: a failed refresh
			// falls back to a login, and logins are retried.
			return next.RoundTrip(r)
		}
		var body []byte
		if r.Body != nil && r.GetBody != nil {
			if rc, err := r.GetBody(); err == nil {
				body, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		key := fmt.Sprintf("%s %s %x", r.Method, r.URL.Path, sha256.Sum256(body))
		resp, err := next.RoundTrip(r)
		why := ""
		switch {
		case err != nil:
			why = "transport error: " + err.Error()
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			why = resp.Status
		case resp.StatusCode < 300:
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(b))
			t := bytes.TrimSpace(b)
			if rerr != nil || (len(t) > 0 && !json.Valid(t)) || (bytes.HasPrefix(t, []byte("[")) && bytes.Contains(t, []byte(`"ErrorCode"`))) {
				why = "garbled 2xx answer"
			}
		}
		o.mu.Lock()
		o.last[key] = why
		o.mu.Unlock()
		return resp, err
	})
}

// takeFailed returns the writes whose last attempt failed since the last
// call, and forgets them all.
func (o *writeOutcomes) takeFailed() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for k, why := range o.last {
		if why != "" {
			out = append(out, k[:strings.LastIndexByte(k, ' ')]+": "+why)
		}
	}
	o.last = map[string]string{}
	sort.Strings(out)
	return out
}

func newWorld(t testing.TB, cfg worldConfig) *world {
	t.Helper()
	tn := cin7coretest.DemoTenant()
	prepareTenant(t, tn)
	w := &world{name: cfg.name, store: cfg.store, logs: &lockedBuffer{}, locker: &cinsync.InProcessLocker{}}
	if w.store == nil {
		w.store = cinsync.NewMemoryStore()
	}
	w.cs = cin7coretest.NewServer(cin7coretest.WithTenant(tn), cin7coretest.WithRateLimit(1_000_000, time.Minute))
	t.Cleanup(w.cs.Close)
	w.rs = ramptest.NewServer()
	t.Cleanup(w.rs.Close)
	w.base = &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	t.Cleanup(w.base.CloseIdleConnections)
	w.sniff = &tokenSniffer{next: w.base, tokens: map[string]bool{}}
	var cin7RT, rampRT http.RoundTripper = w.base, w.sniff
	if cfg.faultSeed != 0 {
		p := cfg.faultProb
		if p == 0 {
			p = 0.1
		}
		w.cft = faults.NewTransport(w.base, cfg.faultSeed, faultRules(p)...)
		w.rft = faults.NewTransport(w.sniff, cfg.faultSeed^0xabcdef, faultRules(p)...)
		w.writes = &writeOutcomes{last: map[string]string{}}
		cin7RT, rampRT = w.writes.wrap(w.cft), w.writes.wrap(w.rft)
	}
	if cfg.wrap != nil {
		cin7RT, rampRT = cfg.wrap(cin7RT), cfg.wrap(rampRT)
	}
	logger := w.logger()
	var err error
	w.cin7, err = cin7core.NewClient(cin7core.WithBaseURL(w.cs.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(fastRetry), cin7core.WithTransport(cin7RT), cin7core.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	w.ramp, err = ramp.NewClient(ramp.WithBaseURL(w.rs.URL()), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
		ramp.WithRetryPolicy(fastRetry), ramp.WithTransport(rampRT), ramp.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	w.clean, err = w.cs.NewClient(cin7core.WithLimiter(nil), cin7core.WithTransport(w.base))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// engine returns a new engine on the world's clients and state, as a
// restarted process would build it.
func (w *world) engine(t testing.TB) *cinsync.Engine {
	t.Helper()
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(w.cin7), Sink: cinsync.RampSink(w.ramp),
		State: w.store, Tenant: "soak", Logger: w.logger(), Locker: w.locker})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (w *world) faultsOff() {
	if w.cft != nil {
		w.cft.Disable()
		w.rft.Disable()
	}
}

func (w *world) faultLog() []faults.Injected {
	if w.cft == nil {
		return nil
	}
	return append(w.cft.Log(), w.rft.Log()...)
}

// faultMark is how many faults each layer has injected so far.
type faultMark struct{ cin7, ramp int }

func (w *world) faultMark() faultMark {
	if w.cft == nil {
		return faultMark{}
	}
	return faultMark{len(w.cft.Log()), len(w.rft.Log())}
}

// faultsSince returns the faults injected after m.
func (w *world) faultsSince(m faultMark) []faults.Injected {
	if w.cft == nil {
		return nil
	}
	return append(w.cft.Log()[m.cin7:], w.rft.Log()[m.ramp:]...)
}

// passResult is what one guarded pass gave.
type passResult struct {
	rep   *cinsync.Report
	err   error
	panic string
}

// guardedSync runs one pass, turning a panic into a result and failing the
// test if the pass does not return within passBound.
func guardedSync(t testing.TB, ctx context.Context, e *cinsync.Engine, streams ...cinsync.Stream) passResult {
	t.Helper()
	done := make(chan passResult, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- passResult{panic: fmt.Sprintf("%v\n%s", p, debug.Stack())}
			}
		}()
		rep, err := e.Sync(ctx, streams...)
		done <- passResult{rep: rep, err: err}
	}()
	tm := time.NewTimer(passBound)
	defer tm.Stop()
	select {
	case r := <-done:
		return r
	case <-tm.C:
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("a pass did not return within %s (unbounded retry or wait?):\n%s", passBound, buf[:n])
		return passResult{}
	}
}

// secrets are the credentials the world's clients hold or were issued.
func (w *world) secrets() []string {
	s := []string{cin7coretest.DemoApplicationKey, ramptest.DefaultPassword}
	return append(s, w.sniff.list()...)
}

// leaks returns where any secret shows up in the given texts.
func leaks(secrets []string, texts map[string]string) []string {
	var out []string
	for where, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				out = append(out, fmt.Sprintf("%s contains a credential (%.6s…)", where, s))
			}
		}
	}
	sort.Strings(out)
	return out
}

// resultTexts are the strings of a pass a credential must not appear in.
func resultTexts(r passResult) map[string]string {
	m := map[string]string{"panic": r.panic}
	if r.err != nil {
		m["error"] = r.err.Error()
	}
	if r.rep != nil {
		b, _ := json.Marshal(r.rep)
		m["JSON report"] = string(b)
		m["summary"] = r.rep.Summary()
		for _, s := range r.rep.Streams {
			if err := s.Err(); err != nil {
				m["stream error "+string(s.Stream)] = err.Error()
			}
		}
	}
	return m
}

// goroutinesSettle closes idle connections and waits for the goroutine
// count to come back near base; it returns the count.
func goroutinesSettle(base int, slack int, ws ...*world) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, w := range ws {
			w.base.CloseIdleConnections()
		}
		n := runtime.NumGoroutine()
		if n <= base+slack || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ---- the Cin7 Core tenant ---------------------------------------------

// prepareTenant adds the count room and its stock to a demo tenant.
func prepareTenant(t testing.TB, tn *cin7coretest.Tenant) {
	t.Helper()
	tn.UpsertLocation(cin7core.Location{ID: countRoomID, Name: countRoomName})
	for _, sh := range countShelves {
		tn.UpsertLocation(cin7core.Location{ID: sh.id, Name: sh.name, ParentID: countRoomID, ParentName: countRoomName})
	}
	ps := fifoProducts(tn)
	if len(ps) < 6 {
		t.Fatalf("the demo tenant has %d FIFO stock products, want 6", len(ps))
	}
	for i, p := range ps[:6] {
		sh := countShelves[i%2]
		tn.SetStock(cin7coretest.StockKey{ProductID: p.ID, LocationID: countRoomID, Bin: sh.name},
			decimal.NewFromInt(int64(10+i)), decimal.NewFromInt(int64(3+i)))
	}
}

// fifoProducts are the active, untracked stock products, by ID.
func fifoProducts(tn *cin7coretest.Tenant) []cin7core.Product {
	var out []cin7core.Product
	for _, p := range tn.Products() {
		if p.Type == cin7core.ProductTypeStock && p.CostingMethod == cin7core.CostingFIFO && p.Status != cin7core.ProductStatusDeprecated {
			p.ID = cin7core.NormalizeID(p.ID)
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// mainLocations are the top-level locations orders use (not the count
// room), by name.
func mainLocations(tn *cin7coretest.Tenant) []cin7core.Location {
	var out []cin7core.Location
	for _, l := range tn.Locations() {
		if l.ParentID == "" && !bool(l.IsDeprecated) && cin7core.NormalizeID(l.ID) != countRoomID {
			l.ID = cin7core.NormalizeID(l.ID)
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ---- fingerprints -------------------------------------------------------

// rampPrint is what Ramp holds, keyed by ExternalRef (Ramp IDs and times
// differ between worlds and are left out).
func rampPrint(rs *ramptest.Server) []string {
	var out []string
	places := rs.Places()
	refOf := map[string]string{}
	for _, p := range places {
		refOf[p.ID] = p.ExternalRef
	}
	for _, p := range places {
		out = append(out, fmt.Sprintf("PLACE %s %q parent=%s archived=%v", p.ExternalRef, p.Name, refOf[p.ParentPlaceID], p.Archived))
	}
	for _, s := range rs.Skus() {
		out = append(out, fmt.Sprintf("SKU %s %s %q %s expiry=%v archived=%v uom=%s barcode=%s cat=%s brand=%s", s.ExternalRef, s.SkuNumber, s.Name,
			s.TrackingMode, s.TracksExpiry, s.Archived, s.UnitOfMeasure, s.Barcode, s.Category, s.Brand))
	}
	for _, o := range rs.Orders() {
		out = append(out, "ORDER "+orderSig(o))
	}
	// (orders are keyed by orderKey: see there)
	for _, l := range rs.PlaceStock("") {
		out = append(out, fmt.Sprintf("STOCK %s %s %s=%s", l.PlaceExternalRef, l.SkuExternalRef, l.Batch, l.Quantity))
	}
	sort.Strings(out)
	return out
}

// orderKey names an order alike in every world: its ExternalRef, except
// for transfers, whose Cin7 Core TaskIDs are drawn at random by each demo
// tenant (and by CreateTransfer), so their number names them.
func orderKey(o ramp.Order) string {
	if o.OrderType == ramp.OrderTransfer {
		return "transfer " + o.CustomerOrderNumber
	}
	return o.ExternalRef
}

// orderSig is an order's content and progress, without IDs and times.
func orderSig(o ramp.Order) string {
	var ls []string
	for _, l := range o.Lines {
		var units []string
		for _, u := range append(append(append([]ramp.LineUnit(nil), l.Allocated...), l.Dispatched...), l.Received...) {
			units = append(units, fmt.Sprintf("%+v", u))
		}
		sort.Strings(units)
		ls = append(ls, fmt.Sprintf("%s req=%s alloc=%s disp=%s rcv=%s units=%d", l.SkuExternalRef, l.RequiredCount, l.AllocatedCount,
			l.DispatchedCount, l.ReceivedCount, len(units)))
	}
	sort.Strings(ls)
	return fmt.Sprintf("%s %s %s %s from=%s to=%s %q [%s]", orderKey(o), o.OrderType, o.CustomerOrderNumber, o.State,
		o.FromPlaceExternalRef, o.ToPlaceExternalRef, o.Comments, strings.Join(ls, "; "))
}

// cin7Print is what the outbound flows write to Cin7 Core, and its stock.
// Receipts and picks are summed per product, location and batch, so a
// document posted in one part or two compares equal (which split happens
// depends on when a flow got through, not on whether it worked).
func cin7Print(t testing.TB, w *world) []string {
	t.Helper()
	tn := w.cs.Tenant()
	var out []string
	for _, p := range tn.Purchases() {
		ap, _ := tn.Purchase(p.ID)
		sums := map[string]decimal.Decimal{}
		for _, st := range ap.StockReceived {
			for _, l := range st.Lines {
				k := fmt.Sprintf("%s@%s/%s/%s/%s", cin7core.NormalizeID(l.ProductID), cin7core.NormalizeID(l.LocationID), l.BatchSN,
					l.ExpiryDate.Format("2006-01-02"), st.Status)
				sums[k] = sums[k].Add(l.Quantity)
			}
		}
		out = append(out, fmt.Sprintf("PO %s %s %s", p.OrderNumber, p.Status, sumsString(sums)))
	}
	for _, tr := range tn.StockTransfers() {
		var ls []string
		for _, l := range tr.Lines {
			ls = append(ls, fmt.Sprintf("%s=%s", cin7core.NormalizeID(l.ProductID), l.TransferQuantity))
		}
		sort.Strings(ls)
		out = append(out, fmt.Sprintf("TR %s %s %s", tr.Number, tr.Status, strings.Join(ls, ",")))
	}
	for _, s := range tn.Sales() {
		picked := map[string]decimal.Decimal{}
		var stages []string
		for _, f := range s.Fulfilments {
			st := "[" + string(f.FulFilmentStatus)
			if f.Pick != nil {
				st += " pick " + string(f.Pick.Status)
				for _, l := range f.Pick.Lines {
					k := fmt.Sprintf("%s@%s/%s", cin7core.NormalizeID(l.ProductID), l.Location, l.BatchSN)
					picked[k] = picked[k].Add(l.Quantity)
				}
			}
			if f.Pack != nil {
				st += " pack " + string(f.Pack.Status)
			}
			if f.Ship != nil {
				st += " ship " + string(f.Ship.Status)
			}
			stages = append(stages, st+"]")
		}
		num := ""
		if s.Order != nil {
			num = s.Order.SaleOrderNumber
		}
		out = append(out, fmt.Sprintf("SO %s %s %s picked %s", num, s.Status, strings.Join(stages, ""), sumsString(picked)))
	}
	n := 0
	for _, a := range adjustments(t, w) {
		if strings.HasPrefix(a.Reference, "ramp-stocktake:") {
			n++
		}
	}
	out = append(out, fmt.Sprintf("ADJ from Ramp stocktakes: %d", n))
	// Every stock row is compared: stocktakes only count the count room,
	// where no order moves stock, and the Cin7 user only adds stock
	// (relative changes commute with the flows' relative postings). See
	// the count room's comment for what that excludes and why.
	for _, s := range tn.Stock() {
		if s.Level.OnHand.IsZero() && s.Level.InTransit.IsZero() {
			continue
		}
		out = append(out, fmt.Sprintf("STOCK %s@%s/%s/%s/%s on-hand=%s in-transit=%s", s.Key.ProductID, s.Key.LocationID, s.Key.Bin,
			s.Key.Batch, s.Key.Expiry.Format("2006-01-02"), s.Level.OnHand, s.Level.InTransit))
	}
	sort.Strings(out)
	return out
}

func sumsString(m map[string]decimal.Decimal) string {
	var ks []string
	for k, v := range m {
		ks = append(ks, k+"="+v.String())
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func adjustments(t testing.TB, w *world) []cin7core.StockAdjustmentSummary {
	t.Helper()
	var out []cin7core.StockAdjustmentSummary
	for a, err := range w.clean.StockAdjustments.List(nil).All(context.Background()) {
		if err != nil {
			t.Fatalf("%s: listing stock adjustments: %v", w.name, err)
		}
		out = append(out, a)
	}
	return out
}

// diff lists the lines only one side has.
func diff(want, got []string) string {
	count := map[string]int{}
	for _, l := range want {
		count[l]++
	}
	for _, l := range got {
		count[l]--
	}
	var d []string
	for l, n := range count {
		switch {
		case n > 0:
			d = append(d, fmt.Sprintf("  missing (x%d): %s", n, l))
		case n < 0:
			d = append(d, fmt.Sprintf("  extra   (x%d): %s", -n, l))
		}
	}
	sort.Slice(d, func(i, j int) bool { return d[i][15:] < d[j][15:] })
	return strings.Join(d, "\n")
}

// doubled lists what was written twice in the world: Ramp entities sharing
// an ExternalRef, Cin7 Core adjustments sharing a Reference, purchases
// received or sales picked beyond what was ordered, transfers with more
// than one completion. It also returns the counts it checked.
func doubled(t testing.TB, w *world) (problems []string, checked map[string]int) {
	t.Helper()
	checked = map[string]int{}
	dup := func(kind string, refs []string) {
		seen := map[string]bool{}
		for _, r := range refs {
			checked[kind]++
			if seen[strings.ToLower(r)] {
				problems = append(problems, fmt.Sprintf("two Ramp %s with ExternalRef %s", kind, r))
			}
			seen[strings.ToLower(r)] = true
		}
	}
	var refs []string
	for _, p := range w.rs.Places() {
		refs = append(refs, p.ExternalRef)
	}
	dup("places", refs)
	refs = nil
	for _, s := range w.rs.Skus() {
		refs = append(refs, s.ExternalRef)
	}
	dup("SKUs", refs)
	refs = nil
	for _, o := range w.rs.Orders() {
		refs = append(refs, o.ExternalRef, "number "+string(o.OrderType)+" "+o.CustomerOrderNumber)
	}
	dup("orders", refs)

	seen := map[string]bool{}
	for _, a := range adjustments(t, w) {
		if a.Reference == "" {
			continue
		}
		checked["stock adjustments"]++
		if seen[a.Reference] {
			problems = append(problems, "two Cin7 Core stock adjustments with Reference "+a.Reference)
		}
		seen[a.Reference] = true
	}
	tn := w.cs.Tenant()
	for _, p := range tn.Purchases() {
		ap, _ := tn.Purchase(p.ID)
		if ap.Order == nil {
			continue
		}
		ordered, received := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
		for _, l := range ap.Order.Lines {
			ordered[cin7core.NormalizeID(l.ProductID)] = ordered[cin7core.NormalizeID(l.ProductID)].Add(l.Quantity)
		}
		for _, st := range ap.StockReceived {
			checked["purchase stock tasks"]++
			for _, l := range st.Lines {
				checked["purchase stock lines"]++
				received[cin7core.NormalizeID(l.ProductID)] = received[cin7core.NormalizeID(l.ProductID)].Add(l.Quantity)
			}
		}
		for pid, q := range received {
			if q.GreaterThan(ordered[pid]) {
				problems = append(problems, fmt.Sprintf("purchase %s: %s of %s received, %s ordered", p.OrderNumber, q, pid, ordered[pid]))
			}
		}
	}
	for _, s := range tn.Sales() {
		if s.Order == nil {
			continue
		}
		ordered, picked := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
		for _, l := range s.Order.Lines {
			ordered[cin7core.NormalizeID(l.ProductID)] = ordered[cin7core.NormalizeID(l.ProductID)].Add(l.Quantity)
		}
		for _, f := range s.Fulfilments {
			if f.Pick == nil || f.Pick.Status != cin7core.SaleTaskAuthorised {
				continue
			}
			checked["authorised picks"]++
			for _, l := range f.Pick.Lines {
				picked[cin7core.NormalizeID(l.ProductID)] = picked[cin7core.NormalizeID(l.ProductID)].Add(l.Quantity)
			}
		}
		for pid, q := range picked {
			if q.GreaterThan(ordered[pid]) {
				problems = append(problems, fmt.Sprintf("sale %s: %s of %s picked, %s ordered", s.Order.SaleOrderNumber, q, pid, ordered[pid]))
			}
		}
	}
	for _, tr := range tn.StockTransfers() {
		if tr.Status == cin7core.TransferCompleted {
			checked["completed transfers"]++
		}
	}
	sort.Strings(problems)
	return problems, checked
}

// ---- Ramp users -------------------------------------------------------

// skuTracking maps SKU ExternalRefs to SKUs.
func skuTracking(rs *ramptest.Server) map[string]ramp.Sku {
	m := map[string]ramp.Sku{}
	for _, s := range rs.Skus() {
		m[s.ExternalRef] = s
	}
	return m
}

// remainingUnits are the units still to receive on the order's lines (all
// of them, or only the first line when partial), with batch, serial and
// expiry as the SKU tracks them.
func remainingUnits(o ramp.Order, skus map[string]ramp.Sku, partial bool) []ramp.OrderUnit {
	var us []ramp.OrderUnit
	for i, l := range o.Lines {
		if partial && i > 0 {
			break
		}
		left := l.RequiredCount.Sub(l.ReceivedCount)
		if !left.IsPositive() {
			continue
		}
		s := skus[l.SkuExternalRef]
		u := ramp.OrderUnit{LineID: l.ID, Count: left}
		if s.TracksExpiry {
			u.Expiry = expiry
		}
		switch s.TrackingMode {
		case ramp.TrackingSerial:
			from := l.ReceivedCount.IntPart()
			for n := int64(1); n <= left.IntPart(); n++ {
				su := u
				su.Count, su.Serial = decimal.NewFromInt(1), fmt.Sprintf("SN-%s-%s-%d", o.CustomerOrderNumber, strings.ToUpper(l.SkuNumber), from+n)
				us = append(us, su)
			}
			continue
		case ramp.TrackingBatch:
			u.Batch = "RCV-" + o.CustomerOrderNumber
		}
		us = append(us, u)
	}
	return us
}

// untracked reports whether every line's SKU is tracked by neither batch,
// serial nor expiry (so a pick needs no batch that must match Cin7's).
func untracked(o ramp.Order, skus map[string]ramp.Sku) bool {
	for _, l := range o.Lines {
		s, ok := skus[l.SkuExternalRef]
		if !ok || s.TrackingMode != ramp.TrackingNone || s.TracksExpiry {
			return false
		}
	}
	return len(o.Lines) > 0
}

// pickUnits picks every line in full.
func pickUnits(o ramp.Order) []ramp.OrderUnit {
	var us []ramp.OrderUnit
	for _, l := range o.Lines {
		us = append(us, ramp.OrderUnit{LineID: l.ID, Count: l.RequiredCount})
	}
	return us
}

// placeStockSig is a place's expected counts.
func placeStockSig(rs *ramptest.Server, placeRef string) string {
	var ls []string
	for _, l := range rs.PlaceStock(placeRef) {
		ls = append(ls, fmt.Sprintf("%s/%s=%s", l.SkuExternalRef, l.Batch, l.Quantity.String()))
	}
	sort.Strings(ls)
	return strings.Join(ls, ",")
}

// binStockSig is Cin7 Core's on-hand in a count-room bin, in the same form.
func binStockSig(tn *cin7coretest.Tenant, bin string) string {
	var ls []string
	for _, s := range tn.Stock() {
		if s.Key.LocationID == countRoomID && s.Key.Bin == bin && !s.Level.OnHand.IsZero() {
			ls = append(ls, fmt.Sprintf("%s/%s=%s", s.Key.ProductID, s.Key.Batch, s.Level.OnHand.String()))
		}
	}
	sort.Strings(ls)
	return strings.Join(ls, ",")
}

// stocktakesPosted reports whether every validated Ramp stocktake of the
// world has its stock adjustment in Cin7 Core.
func stocktakesPosted(t testing.TB, w *world) bool {
	validated := 0
	for _, st := range w.rs.Stocktakes() {
		if st.Validated {
			validated++
		}
	}
	posted := 0
	for _, a := range adjustments(t, w) {
		if strings.HasPrefix(a.Reference, "ramp-stocktake:") {
			posted++
		}
	}
	return posted >= validated
}

// dumpLogs prints, for debugging a failing seed (SOAK_DUMP=<text>), the
// faulty world's log lines containing the text, its warnings and errors,
// and every injected fault.
func dumpLogs(w *world, needle string) {
	for _, l := range strings.Split(w.logs.String(), "\n") {
		if strings.Contains(strings.ToLower(l), needle) || strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			fmt.Fprintln(os.Stderr, l)
		}
	}
	for _, f := range w.faultLog() {
		fmt.Fprintln(os.Stderr, "FAULT", f.Kind, f.Method, f.Path)
	}
}
