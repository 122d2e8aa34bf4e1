package cin7coretest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/shopspring/decimal"
)

// hookReceiver is a host's webhook endpoint built with the SDK's handler.
type hookReceiver struct {
	mu     sync.Mutex
	events []cin7core.Event
	raw    [][]byte
	fail   bool
	ts     *httptest.Server
}

func newHookReceiver(t *testing.T, auth cin7core.WebhookAuth, also func(ctx context.Context, ev cin7core.Event)) *hookReceiver {
	t.Helper()
	hr := &hookReceiver{}
	h, err := cin7core.NewWebhookHandler(cin7core.WebhookHandlerConfig{
		Auth: auth,
		OnEvent: func(ctx context.Context, ev cin7core.Event) error {
			if also != nil {
				also(ctx, ev)
			}
			hr.mu.Lock()
			defer hr.mu.Unlock()
			if hr.fail {
				return errors.New("receiver down")
			}
			hr.events = append(hr.events, ev)
			hr.raw = append(hr.raw, cin7core.WebhookPayload(ctx))
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	hr.ts = httptest.NewServer(h)
	t.Cleanup(hr.ts.Close)
	return hr
}

func (hr *hookReceiver) setFail(b bool) {
	hr.mu.Lock()
	hr.fail = b
	hr.mu.Unlock()
}

func (hr *hookReceiver) got() ([]cin7core.Event, [][]byte) {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return append([]cin7core.Event(nil), hr.events...), append([][]byte(nil), hr.raw...)
}

func TestFakeWebhooksCRUDWithTheClient(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	hooks, err := c.Webhooks.List(ctx)
	if err != nil || len(hooks) != 0 {
		t.Fatalf("fresh tenant: %v %v", hooks, err)
	}
	w, err := c.Webhooks.Create(ctx, &cin7core.Webhook{
		Type: cin7core.WebhookSaleOrderAuthorised, IsActive: true, ExternalURL: "https://hooks.example.net/sales",
		ExternalAuthorizationType: cin7core.WebhookBasicAuth, ExternalUserName: "cin7", ExternalPassword: "pa55-w0rd",
		ExternalHeaders: []cin7core.WebhookHeader{{Key: "X-Tenant", Value: "hobart"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.ID == "" || w.Name != "Sale order has been authorised" || w.ExternalPassword != "pa55-w0rd" || len(w.ExternalHeaders) != 1 {
		t.Fatalf("created: %#v", w.Masked())
	}
	got, err := c.Webhooks.Get(ctx, strings.ToUpper(w.ID))
	if err != nil || got.ID != w.ID {
		t.Fatalf("get: %v %v", got, err)
	}
	got.ExternalURL = "https://hooks.example.net/sales/v2"
	got.ExternalHeaders = nil // omitted: kept
	up, err := c.Webhooks.Update(ctx, got)
	if err != nil || up.ExternalURL != "https://hooks.example.net/sales/v2" || len(up.ExternalHeaders) != 1 {
		t.Fatalf("update: %v %v", up, err)
	}
	missing := *up
	missing.ID = cin7coretest.NewID()
	if _, err := c.Webhooks.Update(ctx, &missing); !errors.Is(err, cin7core.ErrNotFound) {
		t.Fatalf("update of a missing webhook: %v", err)
	}
	if err := c.Webhooks.Delete(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Webhooks.Delete(ctx, w.ID); !errors.Is(err, cin7core.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if hooks, _ := c.Webhooks.List(ctx); len(hooks) != 0 {
		t.Fatalf("left: %v", hooks)
	}
	// A type the client accepts but the API does not know: 400.
	_, err = c.Webhooks.Create(ctx, &cin7core.Webhook{Type: "Invoice/Paid", IsActive: true, ExternalURL: "https://h.example/x"})
	if !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestFakeWebhooksMaxFivePerType(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	mk := func(typ cin7core.WebhookType) error {
		_, err := c.Webhooks.Create(ctx, &cin7core.Webhook{Type: typ, ExternalURL: "https://hooks.example.net/x"})
		return err
	}
	for i := range cin7core.MaxWebhooksPerType {
		if err := mk(cin7core.WebhookSaleVoided); err != nil {
			t.Fatalf("webhook %d: %v", i+1, err)
		}
	}
	err := mk(cin7core.WebhookSaleVoided)
	var ae *cin7core.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("sixth of a type: %v", err)
	}
	// Inactive ones count too; other types are not affected.
	if err := mk(cin7core.WebhookSaleUndo); err != nil {
		t.Fatal(err)
	}
	// Moving another webhook to the full type is refused as well.
	hooks, _ := c.Webhooks.List(ctx)
	undo := hooks[len(hooks)-1]
	undo.Type = cin7core.WebhookSaleVoided
	if _, err := c.Webhooks.Update(ctx, &undo); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("update to a full type: %v", err)
	}
	if _, err := srv.Tenant().AddWebhook(cin7core.Webhook{Type: cin7core.WebhookSaleVoided, ExternalURL: "https://x.example"}); err == nil {
		t.Fatal("AddWebhook ignores the limit")
	}
}

func TestFakeWebhooksRejectsZSpelling(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	// Sent raw, bypassing the client's check (pitfall 8).
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"webhooks",
		strings.NewReader(`{"Type":"Sale/OrderAuthorized","IsActive":true,"ExternalURL":"https://h.example/x","ExternalAuthorizationType":"noauth"}`))
	req.Header.Set("api-auth-accountid", cin7coretest.DemoAccountID)
	req.Header.Set("api-auth-applicationkey", cin7coretest.DemoApplicationKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, bad := range []string{
		`{"Type":"Sale/Voided","ExternalURL":"","ExternalAuthorizationType":"noauth"}`,
		`{"Type":"Sale/Voided","ExternalURL":"https://h.example/x","ExternalAuthorizationType":"basicauth","ExternalUserName":"u"}`,
		`{"Type":"Sale/Voided","ExternalURL":"https://h.example/x","ExternalAuthorizationType":"bearerauth"}`,
		`{"Type":"Sale/Voided","ExternalURL":"https://h.example/x","ExternalAuthorizationType":"digest"}`,
		`{"Type":"","ExternalURL":"https://h.example/x"}`,
		`not json`,
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"webhooks", strings.NewReader(bad))
		req.Header.Set("api-auth-accountid", cin7coretest.DemoAccountID)
		req.Header.Set("api-auth-applicationkey", cin7coretest.DemoApplicationKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d", bad, resp.StatusCode)
		}
	}
}

func TestFakeDeliversToActiveSubscriptions(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	// The receiver reads the sale back from the fake while handling the
	// delivery, as a host would: no deadlock.
	var lookups sync.WaitGroup
	auth := cin7core.WebhookAuth{Username: "cin7", Password: "pa55-w0rd", HeaderName: "X-Ramp-Secret", HeaderValue: "hdr-secret-1"}
	recv := newHookReceiver(t, auth, func(ctx context.Context, ev cin7core.Event) {
		lookups.Add(1)
		defer lookups.Done()
		if _, err := c.Webhooks.List(ctx); err != nil {
			t.Errorf("call back into the fake: %v", err)
		}
	})
	sub := &cin7core.Webhook{Type: cin7core.WebhookSaleOrderAuthorised, IsActive: true, ExternalURL: recv.ts.URL + "/hooks",
		ExternalAuthorizationType: cin7core.WebhookBasicAuth, ExternalUserName: "cin7", ExternalPassword: "pa55-w0rd",
		ExternalHeaders: []cin7core.WebhookHeader{{Key: "X-Ramp-Secret", Value: "hdr-secret-1"}}}
	if _, err := c.Webhooks.Create(ctx, sub); err != nil {
		t.Fatal(err)
	}
	stock := *sub
	stock.Type = cin7core.WebhookStockAvailableStockLevelChanged
	if _, err := c.Webhooks.Create(ctx, &stock); err != nil {
		t.Fatal(err)
	}
	inactive := *sub
	inactive.IsActive = false
	if _, err := c.Webhooks.Create(ctx, &inactive); err != nil {
		t.Fatal(err)
	}
	wrong := *sub
	wrong.ExternalPassword = "not-the-password"
	if _, err := c.Webhooks.Create(ctx, &wrong); err != nil {
		t.Fatal(err)
	}

	order := &cin7core.SaleEvent{SaleID: "91EE7B1D-BD35-4E43-B98A-DB86BE777624", SaleOrderNumber: "SO-00044", Type: cin7core.WebhookSaleOrderAuthorised}
	ds, err := srv.Deliver(ctx, order)
	if err != nil {
		t.Fatal(err)
	}
	// The active one with the right password, and the one with the wrong
	// password (refused with 401); not the inactive one.
	if len(ds) != 2 || !ds[0].OK() || ds[0].Status != 200 || ds[1].OK() || ds[1].Status != http.StatusUnauthorized {
		t.Fatalf("deliveries: %+v", ds)
	}
	d := decimal.RequireFromString
	due := decimal.RequireFromString("12.5")
	rows := &cin7core.StockLevelChangedEvent{Rows: []cin7core.StockLevelRow{
		{ID: "3bfdf57a-bbc7-4f09-ba28-9768a09e0a60", SKU: "Bread", Location: "Main Warehouse", Bin: "Bin 1",
			OnHand: d("10"), Allocated: d("2"), Available: d("8"), StockOnHand: d("50"), InTransit: &due, MaxRows: 1},
	}}
	if ds, err := srv.Deliver(ctx, rows); err != nil || len(ds) != 1 || !ds[0].OK() {
		t.Fatalf("stock delivery: %+v %v", ds, err)
	}
	if ds, err := srv.Deliver(ctx, &cin7core.PurchaseEvent{TaskID: "x", Type: cin7core.WebhookPurchaseOrderAuthorised}); err != nil || len(ds) != 0 {
		t.Fatalf("no subscription for purchases: %+v %v", ds, err)
	}
	lookups.Wait()
	evs, raw := recv.got()
	if len(evs) != 2 {
		t.Fatalf("%d events received", len(evs))
	}
	if so, ok := evs[0].(*cin7core.SaleEvent); !ok || so.SaleID != order.SaleID || so.SaleOrderNumber != "SO-00044" {
		t.Fatalf("sale event: %#v", evs[0])
	}
	st, ok := evs[1].(*cin7core.StockLevelChangedEvent)
	if !ok || len(st.Rows) != 1 || !st.Rows[0].Available.Equal(d("8")) || st.Rows[0].InTransit == nil {
		t.Fatalf("stock event: %#v", evs[1])
	}
	// The documented shapes: a bare array with numbers, no EventType.
	if !bytes.HasPrefix(raw[1], []byte("[")) || bytes.Contains(raw[1], []byte("EventType")) || !bytes.Contains(raw[1], []byte(`"OnHand":10`)) {
		t.Errorf("stock payload: %s", raw[1])
	}
	if !bytes.Contains(raw[0], []byte(`"EventType":"Sale/OrderAuthorised"`)) {
		t.Errorf("sale payload: %s", raw[0])
	}
	if n := len(srv.Tenant().Deliveries()); n != 3 {
		t.Fatalf("%d deliveries recorded", n)
	}
	if _, err := srv.Deliver(ctx, &cin7core.SaleEvent{SaleID: "x"}); err == nil {
		t.Fatal("event without a type delivered")
	}
	if _, err := srv.Deliver(ctx, nil); err == nil {
		t.Fatal("nil event delivered")
	}
}

func TestPitfall6_FakeDeactivatesAfterSixFailures(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	recv := newHookReceiver(t, cin7core.WebhookAuth{BearerToken: "tok-4242"}, nil)
	w, err := c.Webhooks.Create(ctx, &cin7core.Webhook{Type: cin7core.WebhookSalePartialPaymentReceived, IsActive: true,
		ExternalURL: recv.ts.URL, ExternalAuthorizationType: cin7core.WebhookBearerAuth, ExternalBearerToken: "tok-4242"})
	if err != nil {
		t.Fatal(err)
	}
	pay, err := cin7core.ParseEvent([]byte(`{"SaleID":"91ee7b1d-bd35-4e43-b98a-db86be777624","DocumentNumber":"INV-00039","DocumentType":"invoice","DocumentDate":"29/01/2018","AmountPercent":"0.00","EventType":"Sale/PartialPaymentReceived"}`))
	if err != nil {
		t.Fatal(err)
	}
	recv.setFail(true) // the receiver's callback fails: 500
	ds, err := srv.Deliver(ctx, pay)
	if err != nil || len(ds) != 1 || ds[0].OK() || ds[0].Status != 500 || ds[0].Attempt != 1 {
		t.Fatalf("first attempt: %+v %v", ds, err)
	}
	for attempt := 2; attempt <= cin7core.WebhookMaxFailures; attempt++ {
		if srv.Tenant().PendingDeliveries() != 1 {
			t.Fatalf("attempt %d: nothing pending", attempt)
		}
		ds, err := srv.RetryDeliveries(ctx)
		if err != nil || len(ds) != 1 || ds[0].Attempt != attempt || ds[0].Deactivated != (attempt == cin7core.WebhookMaxFailures) {
			t.Fatalf("attempt %d: %+v %v", attempt, ds, err)
		}
	}
	got, err := c.Webhooks.Get(ctx, w.ID)
	if err != nil || bool(got.IsActive) {
		t.Fatalf("still active after six failures: %v %v", got, err)
	}
	if srv.Tenant().PendingDeliveries() != 0 {
		t.Fatal("deliveries still pending for a deactivated webhook")
	}
	recv.setFail(false)
	if ds, _ := srv.Deliver(ctx, pay); len(ds) != 0 {
		t.Fatal("delivered to an inactive webhook")
	}
	// The watchdog's fix: re-enable it.
	if _, err := c.Webhooks.Reactivate(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	ds, err = srv.Deliver(ctx, pay)
	if err != nil || len(ds) != 1 || !ds[0].OK() {
		t.Fatalf("after reactivation: %+v %v", ds, err)
	}
	evs, raw := recv.got()
	if len(evs) != 1 || !bytes.Contains(raw[0], []byte(`"DocumentDate":"29/01/2018"`)) || !bytes.Contains(raw[0], []byte(`"AmountPercent":"0.00"`)) {
		t.Fatalf("payment payload: %s", raw)
	}
	// A success in between resets the count.
	recv.setFail(true)
	for range cin7core.WebhookMaxFailures - 1 {
		_, _ = srv.Deliver(ctx, pay)
	}
	recv.setFail(false)
	_, _ = srv.RetryDeliveries(ctx) // all succeed
	recv.setFail(true)
	_, _ = srv.Deliver(ctx, pay)
	if got, _ := c.Webhooks.Get(ctx, w.ID); !bool(got.IsActive) {
		t.Fatal("deactivated although failures were not consecutive")
	}
}

func TestFakeDeliveryTransportFailure(t *testing.T) {
	tenant := cin7coretest.DemoTenant()
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	if _, err := tenant.AddWebhook(cin7core.Webhook{Type: cin7core.WebhookCustomerUpdated, IsActive: true, ExternalURL: url + "/?token=s3cr3t-in-url"}); err != nil {
		t.Fatal(err)
	}
	ds, err := tenant.Deliver(context.Background(), &cin7core.CustomerUpdatedEvent{NumberOfCustomers: 0, Type: cin7core.WebhookCustomerUpdated})
	if err != nil || len(ds) != 1 || ds[0].OK() || ds[0].Status != 0 {
		t.Fatalf("deliveries: %+v %v", ds, err)
	}
	if strings.Contains(ds[0].Err, "s3cr3t-in-url") {
		t.Errorf("error repeats the URL's token: %s", ds[0].Err)
	}
	var payload map[string]any
	if err := json.Unmarshal(ds[0].Payload, &payload); err != nil || payload["EventType"] != "Customer/Updated" {
		t.Fatalf("payload: %s", ds[0].Payload)
	}
	// A cancelled context keeps the job queued.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tenant.RetryDeliveries(ctx); !errors.Is(err, context.Canceled) || tenant.PendingDeliveries() != 1 {
		t.Fatalf("cancelled retry: %v, %d pending", err, tenant.PendingDeliveries())
	}
	raw := &cin7core.RawEvent{Type: "Task/Overdue", Body: json.RawMessage(`{"TaskID":"1","EventType":"Task/Overdue"}`)}
	if _, err := cin7coretest.Payload(raw); err != nil {
		t.Fatal(err)
	}
	if _, err := cin7coretest.Payload(&cin7core.RawEvent{Body: json.RawMessage(`{`)}); err == nil {
		t.Fatal("invalid raw body accepted")
	}
}
