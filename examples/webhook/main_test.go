package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The demo on the built-in fakes, end to end.
func TestWebhookDemoOnBuiltInFakes(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), nil, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"Registered 4 webhooks on Cin7 Core",
		"One coalesced, targeted pass for 4 events, streams families, products, sales, fulfilments, stock",
		"401 Unauthorized",
		"switched that webhook off",
		"re-enabled the Product/Updated webhook",
		"Catch-up pass for 1 event, streams families, products",
		"Done.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(4 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// Serving against servers named through the environment: registration,
// a delivery that syncs its sale, a forged one refused, the watchdog
// re-enabling a switched-off webhook, and a clean stop.
func TestWebhookServe(t *testing.T) {
	cs := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()), cin7coretest.WithCredentials("acct-wh", "key-wh-secret"))
	defer cs.Close()
	rs := ramptest.NewServer(ramptest.WithUser("ops", "pw-wh-secret"))
	defer rs.Close()
	const token = "tok-wh-secret-0123456789"
	env := map[string]string{
		"CIN7CORE_BASE_URL": cs.URL(), "CIN7CORE_ACCOUNT_ID": "acct-wh", "CIN7CORE_APPLICATION_KEY": "key-wh-secret",
		"RAMP_BASE_URL": rs.URL(), "RAMP_USERNAME": "ops", "RAMP_PASSWORD": "pw-wh-secret",
		envToken: token,
	}
	cc, err := cs.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := ramp.NewClient(ramp.WithBaseURL(rs.URL()), ramp.WithLogin("ops", "pw-wh-secret"))
	e, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cc), Sink: cinsync.RampSink(rc)})
	if _, err := e.Sync(context.Background()); err != nil { // Ramp already in step, as a running service's would be
		t.Fatal(err)
	}

	addr := freePort(t)
	url := "http://" + addr + "/cin7/webhook"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--listen", addr, "--public-url", url, "--register", "--debounce", "50ms", "--watchdog", "100ms",
			"--state", t.TempDir(), "--log-level", "info"}, func(k string) string { return env[k] }, &out, &errOut)
	}()
	tenant := cs.Tenant()
	eventually(t, "the subscriptions", func() bool { return len(tenant.Webhooks()) == len(mappedTypes()) })
	for _, w := range tenant.Webhooks() {
		if w.ExternalURL != url || w.ExternalAuthorizationType != cin7core.WebhookBearerAuth || w.ExternalBearerToken != token || !w.IsActive {
			t.Fatalf("subscription %v", w)
		}
	}

	// A sale order authorised in Cin7 Core reaches Ramp on its event.
	var sale cin7core.Sale
	for _, s := range tenant.Sales() {
		if s.Order == nil || !s.Order.Status.IsAuthorised() {
			if tenant.AuthoriseSaleOrder(s.ID) == nil {
				sale = s
				break
			}
		}
	}
	if sale.ID == "" {
		t.Fatal("no draft sale in the demo tenant")
	}
	ds, err := cs.Deliver(ctx, &cin7core.SaleEvent{Type: cin7core.WebhookSaleOrderAuthorised, SaleID: sale.ID})
	if err != nil || len(ds) != 1 || !ds[0].OK() {
		t.Fatalf("delivery: %v %+v\n%s", err, ds, errOut.String())
	}
	eventually(t, "the sale's outbound order in Ramp", func() bool {
		return slices.ContainsFunc(rs.Orders(), func(o ramp.Order) bool { return cin7core.SameID(o.ExternalRef, sale.ID) })
	})
	eventually(t, "the pass's log line", func() bool { return strings.Contains(errOut.String(), `"msg":"targeted pass"`) })

	// An unmapped event is answered 200 and queues nothing.
	ds, _ = cs.Deliver(ctx, &cin7core.SalePaymentEvent{Type: cin7core.WebhookSaleFullPaymentReceived, SaleID: sale.ID})
	if len(ds) != 0 { // not subscribed: mapped types only
		t.Fatalf("payment delivered to %d subscriptions", len(ds))
	}

	// Forged.
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"EventType":"Sale/OrderAuthorised","SaleID":"x"}`))
	req.Header.Set("Authorization", "Bearer wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}

	// Switched off (as after six failed deliveries): the watchdog turns it
	// back on.
	hooks, _ := cc.Webhooks.List(ctx)
	off := hooks[0]
	off.IsActive = false
	if _, err := cc.Webhooks.Update(ctx, &off); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the watchdog", func() bool {
		for _, w := range tenant.Webhooks() {
			if !w.IsActive {
				return false
			}
		}
		return strings.Contains(errOut.String(), "re-enabled a webhook")
	})

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop")
	}
	for _, secret := range []string{token, "key-wh-secret", "pw-wh-secret"} {
		if strings.Contains(out.String()+errOut.String(), secret) {
			t.Fatalf("secret %q leaked into the output", secret)
		}
	}

	// Registering again changes nothing.
	am := authMode{kind: "bearer", auth: cin7core.WebhookAuth{BearerToken: token}}
	if c, u, err := ensureSubscriptions(context.Background(), cc, url+"/", am, mappedTypes()); err != nil || c != 0 || u != 0 {
		t.Fatalf("re-register: %d created, %d updated, %v", c, u, err)
	}
	// A rotated secret updates every subscription.
	am.auth.BearerToken = "rotated-token"
	if c, u, err := ensureSubscriptions(context.Background(), cc, url, am, mappedTypes()); err != nil || c != 0 || u != len(mappedTypes()) {
		t.Fatalf("rotation: %d created, %d updated, %v", c, u, err)
	}
}

func TestWebhookRefusesToStartUnauthenticated(t *testing.T) {
	cs := cin7coretest.NewServer(cin7coretest.WithCredentials("acct-u", "key-u"))
	defer cs.Close()
	base := map[string]string{"CIN7CORE_BASE_URL": cs.URL(), "CIN7CORE_ACCOUNT_ID": "acct-u", "CIN7CORE_APPLICATION_KEY": "key-u",
		"RAMP_BASE_URL": "http://127.0.0.1:1", "RAMP_TOKEN": "t"}
	with := func(kv ...string) func(string) string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return func(k string) string { return env[k] }
	}
	for _, c := range []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"no secret", nil, with(), "refusing to start without authentication"},
		{"two secrets", nil, with(envToken, "a", envSecret, "b"), "choose one with --auth"},
		{"basic without password", []string{"--auth", "basic"}, with(envUsername, "u"), "needs " + envUsername},
		{"unknown method", []string{"--auth", "hmac"}, with(envToken, "a"), "not bearer, basic or header"},
		{"unauthenticated with a secret", []string{"--allow-unauthenticated"}, with(envToken, "a"), "cannot be combined"},
		{"register without url", []string{"--register"}, with(envToken, "a"), "--register needs --public-url"},
		{"demo with configuration", []string{"--demo"}, with(envToken, "a"), "--demo runs on the built-in fakes"},
		{"bad debounce", []string{"--debounce", "0s"}, with(envToken, "a"), "--debounce must be positive"},
		{"bad flag", []string{"--bogus"}, with(), "flag provided but not defined"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), c.args, c.env, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q", c.name, code, errOut.String(), c.want)
		}
	}
	// Explicitly unauthenticated: it starts (and stops with its context).
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"--allow-unauthenticated", "--listen", "127.0.0.1:0", "--state", t.TempDir()}, with(), &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "authenticated by NO authentication") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
}

func TestAuthFrom(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	o := options{headerName: "X-Secret"}
	for _, c := range []struct {
		env  func(string) string
		kind string
	}{
		{env(envToken, "tok-s3"), "bearer"},
		{env(envUsername, "u", envPassword, "pw-s3"), "basic"},
		{env(envSecret, "hdr-s3"), "header"},
	} {
		am, err := authFrom(o, c.env)
		if err != nil || am.kind != c.kind {
			t.Fatalf("%s: %+v %v", c.kind, am.kind, err)
		}
		if d := am.describe(); strings.Contains(d, "-s3") {
			t.Fatalf("describe leaks a secret: %q", d)
		}
		w := cin7core.Webhook{Type: cin7core.WebhookSaleOrderAuthorised, ExternalURL: "https://x.example/h"}
		am.apply(&w)
		if err := w.Validate(); err != nil || !am.matches(w) {
			t.Fatalf("%s: subscription %v: %v", c.kind, w, err)
		}
	}
	am, err := authFrom(options{allowUnauthenticated: true}, env())
	if err != nil || am.kind != "none" {
		t.Fatalf("unauthenticated: %+v %v", am, err)
	}
}

func TestStreamsFor(t *testing.T) {
	for typ, want := range map[cin7core.WebhookType][]cinsync.Stream{
		cin7core.WebhookSaleOrderAuthorised:               {cinsync.StreamSales, cinsync.StreamFulfilments},
		"Sale/OrderAuthorized":                            {cinsync.StreamSales, cinsync.StreamFulfilments}, // the help centre's spelling
		cin7core.WebhookSalePickAuthorised:                {cinsync.StreamSales, cinsync.StreamFulfilments},
		cin7core.WebhookPurchaseStockReceivedAuthorised:   {cinsync.StreamPurchases, cinsync.StreamPurchaseReceipts},
		cin7core.WebhookStockAvailableStockLevelChanged:   {cinsync.StreamStock},
		cin7core.WebhookProductUpdated:                    {cinsync.StreamFamilies, cinsync.StreamProducts},
		cin7core.WebhookSaleFullPaymentReceived:           nil,
		cin7core.WebhookSaleShipmentTrackingNumberChanged: nil,
		cin7core.WebhookCustomerUpdated:                   nil,
		"Unknown/Thing":                                   nil,
	} {
		if got := streamsFor(typ); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", typ, got, want)
		}
	}
	for _, typ := range mappedTypes() {
		if !typ.Known() {
			t.Errorf("mapped type %s is not a known type", typ)
		}
	}
}

// A burst becomes one pass with the union of its streams; events during a
// pass wait for the next; a steady stream still gets a pass by maxWait.
func TestCoalescer(t *testing.T) {
	var mu gosync.Mutex
	var calls [][]cinsync.Stream
	release := make(chan struct{})
	sync := func(ctx context.Context, s ...cinsync.Stream) (*cinsync.Report, error) {
		mu.Lock()
		calls = append(calls, s)
		first := len(calls) == 1
		mu.Unlock()
		if first {
			<-release // hold the first pass while more events come
		}
		return &cinsync.Report{}, nil
	}
	passes := make(chan passResult, 10)
	c := newCoalescer(sync, 30*time.Millisecond, 150*time.Millisecond, func(p passResult) { passes <- p })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.run(ctx)

	for i := 0; i < 10; i++ {
		c.add(streamsFor(cin7core.WebhookSaleOrderAuthorised)...)
		c.add(cinsync.StreamStock)
	}
	eventually(t, "the first pass", func() bool { mu.Lock(); defer mu.Unlock(); return len(calls) == 1 })
	c.add(cinsync.StreamProducts) // during the pass
	close(release)
	p := <-passes
	if p.Events != 20 || fmt.Sprint(p.Streams) != "[sales fulfilments stock]" {
		t.Fatalf("first pass %+v", p)
	}
	p = <-passes
	if p.Events != 1 || fmt.Sprint(p.Streams) != "[products]" {
		t.Fatalf("second pass %+v", p)
	}
	// Events every 10 ms never leave a 30 ms gap; maxWait still runs a pass.
	start := time.Now()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				c.add(cinsync.StreamStock)
			}
		}
	}()
	select {
	case <-passes:
		if took := time.Since(start); took > time.Second {
			t.Fatalf("pass after %s", took)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a steady stream of events starved the passes")
	}
	close(stop)
}
