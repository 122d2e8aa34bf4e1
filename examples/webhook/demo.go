package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// demoTypes are the subscriptions the demo registers.
var demoTypes = []cin7core.WebhookType{
	cin7core.WebhookSaleOrderAuthorised, cin7core.WebhookProductUpdated,
	cin7core.WebhookStockAvailableStockLevelChanged, cin7core.WebhookPurchaseOrderAuthorised,
}

// passTimeout bounds the demo's wait for a pass.
const passTimeout = 20 * time.Second

// runDemo plays the whole story on the built-in fakes and exits.
func runDemo(ctx context.Context, o options, logger *slog.Logger, stdout, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "webhook: demo: "+format+"\n", args...)
		return 1
	}
	cs := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	defer cs.Close()
	rs := ramptest.NewServer()
	defer rs.Close()
	cin7, err := cs.NewClient(cin7core.WithLogger(logger))
	if err != nil {
		return fail("%v", err)
	}
	rc, err := rs.NewClient()
	if err != nil {
		return fail("%v", err)
	}
	engine, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cin7), Sink: cinsync.RampSink(rc), Tenant: cin7.AccountID(), Logger: logger})
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "Cin7 Core: built-in fake with the demo tenant at %s\nRamp:      built-in fake at %s\n", cs.URL(), rs.URL())
	rep, err := engine.Sync(ctx)
	if err != nil {
		return fail("initial sync: %v", err)
	}
	fmt.Fprintf(stdout, "\nInitial sync, every stream (%s): %d records created in Ramp.\n", took(rep), total(rep, func(s cinsync.StreamReport) int { return s.Created }))

	// The receiver, on a local port, with a bearer token of its own.
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return fail("%v", err)
	}
	am := authMode{kind: "bearer", auth: cin7core.WebhookAuth{BearerToken: hex.EncodeToString(token)}}
	passes := make(chan passResult, 4)
	rcv, err := newReceiver(engine, cin7, am, o, logger, func(p passResult) { passes <- p })
	if err != nil {
		return fail("%v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail("%v", err)
	}
	url := "http://" + ln.Addr().String() + o.path
	rcv.watchdog.url = url
	var down atomic.Bool // the demo's outage switch
	mux := rcv.mux(o.path)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() && r.URL.Path == o.path {
			http.Error(w, "receiver down", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	})}
	var wg gosync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	qctx, stopQueue := context.WithCancel(ctx)
	go func() { defer wg.Done(); rcv.queue.run(qctx) }()
	defer func() {
		stopQueue()
		_ = srv.Shutdown(context.WithoutCancel(ctx))
		wg.Wait()
	}()
	waitPass := func() (passResult, error) {
		select {
		case p := <-passes:
			return p, nil
		case <-ctx.Done():
			return passResult{}, ctx.Err()
		case <-time.After(passTimeout):
			return passResult{}, errors.New("no pass within " + passTimeout.String())
		}
	}

	created, _, err := ensureSubscriptions(ctx, cin7, url, am, demoTypes)
	if err != nil {
		return fail("registering: %v", err)
	}
	fmt.Fprintf(stdout, "\nReceiver listening at %s (authenticated by %s).\nRegistered %d webhooks on Cin7 Core pointing at it: %s.\n",
		url, am.describe(), created, typeList(demoTypes))

	// 1. A burst of changes in Cin7 Core, each delivered at once.
	t := cs.Tenant()
	var sale cin7core.Sale
	for _, s := range t.Sales() {
		if s.Order == nil || !s.Order.Status.IsAuthorised() {
			if err := t.AuthoriseSaleOrder(s.ID); err == nil {
				sale, _ = t.Sale(s.ID)
				break
			}
		}
	}
	if sale.ID == "" {
		return fail("the demo tenant has no sale order to authorise")
	}
	product, err := renameProduct(t, "")
	if err != nil {
		return fail("%v", err)
	}
	row, err := addStock(t)
	if err != nil {
		return fail("%v", err)
	}
	saleEv := &cin7core.SaleEvent{Type: cin7core.WebhookSaleOrderAuthorised, SaleID: strings.ToUpper(sale.ID), SaleOrderNumber: orderNumber(sale)}
	events := []cin7core.Event{
		saleEv,
		saleEv, // Cin7 Core may deliver an event more than once
		productEvent(product),
		&cin7core.StockLevelChangedEvent{Rows: []cin7core.StockLevelRow{row}},
	}
	for _, ev := range events {
		ds, err := cs.Deliver(ctx, ev)
		if err != nil || len(ds) != 1 || !ds[0].OK() {
			return fail("delivering %s: %v %+v", ev.EventType(), err, ds)
		}
	}
	fmt.Fprintf(stdout, "\nIn Cin7 Core a user authorised sale order %s, renamed %s and received 5 × %s at %s;\n"+
		"Cin7 Core delivered %d events in a burst (one twice), each answered 200 at once and queued.\n",
		orderNumber(sale), product.SKU, row.SKU, row.Location, len(events))
	p, err := waitPass()
	if err != nil {
		return fail("%v", err)
	}
	printPass(stdout, "One coalesced, targeted pass", p)
	if p.Err != nil || p.Events != len(events) || written(p.Report, cinsync.StreamSales) != 1 || written(p.Report, cinsync.StreamProducts) != 1 ||
		written(p.Report, cinsync.StreamStock) < 1 {
		return fail("the pass did not carry the burst: %v", p.Err)
	}

	// 2. A forged delivery.
	status, err := forge(ctx, url)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "\nA delivery with a wrong bearer token: %d %s, nothing queued.\n", status, http.StatusText(status))
	if status != http.StatusUnauthorized {
		return fail("the forged delivery was not refused")
	}

	// 3. An outage: Cin7 Core gives up and switches the webhook off; the
	// watchdog re-enables it and catches up.
	down.Store(true)
	if product, err = renameProduct(t, product.ID); err != nil {
		return fail("%v", err)
	}
	ds, _ := cs.Deliver(ctx, productEvent(product))
	for i := 0; i < cin7core.WebhookMaxFailures && len(ds) > 0 && !ds[len(ds)-1].Deactivated; i++ {
		ds, _ = cs.RetryDeliveries(ctx)
	}
	if len(ds) == 0 || !ds[len(ds)-1].Deactivated {
		return fail("Cin7 Core did not switch the webhook off: %+v", ds)
	}
	down.Store(false)
	fmt.Fprintf(stdout, "\nThe receiver was down while %s was renamed again: Cin7 Core tried the %s delivery %d times, then switched that webhook off.\n",
		product.SKU, cin7core.WebhookProductUpdated, cin7core.WebhookMaxFailures)
	back, err := rcv.watchdog.check(ctx)
	if err != nil || len(back) != 1 {
		return fail("watchdog: %v (%d re-enabled)", err, len(back))
	}
	fmt.Fprintf(stdout, "Watchdog: re-enabled the %s webhook and queued a catch-up pass for the lost event.\n", back[0].Type)
	if p, err = waitPass(); err != nil {
		return fail("%v", err)
	}
	printPass(stdout, "Catch-up pass", p)
	if p.Err != nil || written(p.Report, cinsync.StreamProducts) != 1 {
		return fail("the catch-up pass did not carry the rename: %v", p.Err)
	}
	for _, w := range t.Webhooks() {
		if !w.IsActive {
			return fail("webhook %s is still off", w.Type)
		}
	}
	fmt.Fprintln(stdout, "\nEvery webhook is active again. Done.")
	return 0
}

// renameProduct renames a product in the fake Cin7 Core (the first stock
// product with a SKU in Ramp when id is empty).
func renameProduct(t *cin7coretest.Tenant, id string) (cin7core.Product, error) {
	for _, p := range t.Products() {
		if (id == "" && p.Type == cin7core.ProductTypeStock && p.Status != "Deprecated") || (id != "" && cin7core.SameID(p.ID, id)) {
			base, _, _ := strings.Cut(p.Name, " (edition ")
			n := 1
			if _, after, ok := strings.Cut(p.Name, " (edition "); ok {
				fmt.Sscanf(after, "%d", &n)
				n++
			}
			p.Name = fmt.Sprintf("%s (edition %d)", base, n)
			return t.UpsertProduct(p), nil
		}
	}
	return cin7core.Product{}, errors.New("the demo tenant has no product to rename")
}

// addStock receives 5 more units of an unbatched stock row and returns
// the row as the stock-level webhook would send it.
func addStock(t *cin7coretest.Tenant) (cin7core.StockLevelRow, error) {
	names := map[string]string{}
	for _, l := range t.Locations() {
		names[cin7core.NormalizeID(l.ID)] = l.Name
	}
	products := map[string]cin7core.Product{}
	for _, p := range t.Products() {
		products[cin7core.NormalizeID(p.ID)] = p
	}
	for _, e := range t.Stock() {
		k := e.Key
		if k.Batch != "" || k.Bin != "" || !k.Expiry.IsZero() || e.Level.OnHand.IsZero() {
			continue
		}
		p := products[cin7core.NormalizeID(k.ProductID)]
		t.AddStock(k, decimal.NewFromInt(5), decimal.Zero)
		l := t.StockOf(k)
		return cin7core.StockLevelRow{ID: p.ID, SKU: p.SKU, Name: p.Name, Location: names[cin7core.NormalizeID(k.LocationID)],
			OnHand: l.OnHand, Allocated: l.Allocated, Available: l.OnHand.Sub(l.Allocated), OnOrder: l.OnOrder, StockOnHand: l.OnHand.Mul(l.UnitCost)}, nil
	}
	return cin7core.StockLevelRow{}, errors.New("the demo tenant has no plain stock row")
}

// productEvent is Product/Updated as Cin7 Core sends it (an undocumented
// payload: the SDK hands it over as a RawEvent).
func productEvent(p cin7core.Product) cin7core.Event {
	body, _ := json.Marshal(map[string]string{"EventType": string(cin7core.WebhookProductUpdated), "ID": p.ID, "SKU": p.SKU})
	return &cin7core.RawEvent{Type: cin7core.WebhookProductUpdated, Body: body}
}

// forge posts a delivery with a wrong token.
func forge(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"EventType":"Sale/OrderAuthorised","SaleID":"00000000-0000-0000-0000-000000000000"}`))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer not-the-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func printPass(w io.Writer, title string, p passResult) {
	names := make([]string, len(p.Streams))
	for i, s := range p.Streams {
		names[i] = string(s)
	}
	events := fmt.Sprintf("%d events", p.Events)
	if p.Events == 1 {
		events = "1 event"
	}
	fmt.Fprintf(w, "%s for %s, streams %s (%s):\n", title, events, strings.Join(names, ", "), took(p.Report))
	if p.Report != nil {
		for _, line := range strings.Split(strings.TrimRight(p.Report.Summary(), "\n"), "\n") {
			fmt.Fprintln(w, "  "+line)
		}
	}
	if p.Err != nil {
		fmt.Fprintln(w, "  failed:", p.Err)
	}
}

func took(rep *cinsync.Report) string {
	if rep == nil {
		return "-"
	}
	return rep.Finished.Sub(rep.Started).Round(time.Millisecond).String()
}

func total(rep *cinsync.Report, f func(cinsync.StreamReport) int) int {
	n := 0
	for _, s := range rep.Streams {
		n += f(s)
	}
	return n
}

// written is what a pass wrote in one stream.
func written(rep *cinsync.Report, s cinsync.Stream) int {
	if sr := rep.Stream(s); sr != nil {
		return sr.Created + sr.Updated
	}
	return 0
}

func orderNumber(s cin7core.Sale) string {
	if s.Order != nil && s.Order.SaleOrderNumber != "" {
		return s.Order.SaleOrderNumber
	}
	return s.ID
}

func typeList(ts []cin7core.WebhookType) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
