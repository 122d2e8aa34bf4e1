package cin7core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/jarcoal/httpmock"
)

const webhooksURL = testBase + "webhooks"

// Secrets used by the webhook tests; none may appear in errors or logs.
var whSecrets = []string{"pa55-W0rd-for-hooks", "hobart-secret-77", "b3arer-T0ken-sales-xyz", "hdr-s3cret-0042", "new-Pa55word-991"}

func whAssertNoSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range whSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s leaks secret %q: %s", where, s, text)
		}
	}
}

// whErrorText renders every field of an error that a host might log.
func whErrorText(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	var ae *cin7core.APIError
	if errors.As(err, &ae) {
		fmt.Fprintf(&b, " | %+v", *ae)
	}
	return b.String()
}

// recordBody captures request whBodies.
type whBodies struct {
	mu sync.Mutex
	b  [][]byte
}

func (bs *whBodies) wrap(r httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var b []byte
		if req.Body != nil {
			b, _ = io.ReadAll(req.Body)
		}
		bs.mu.Lock()
		bs.b = append(bs.b, b)
		bs.mu.Unlock()
		return r(req)
	}
}

func (bs *whBodies) last(t *testing.T) map[string]any {
	t.Helper()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if len(bs.b) == 0 {
		t.Fatal("no request body captured")
	}
	var m map[string]any
	if err := json.Unmarshal(bs.b[len(bs.b)-1], &m); err != nil {
		t.Fatalf("request body: %v (%s)", err, bs.b[len(bs.b)-1])
	}
	return m
}

func TestWebhooksList(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, webhooksURL, jsonResponder(200, fixture(t, "webhooks_list.json")))
	hooks, err := c.Webhooks.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 2 {
		t.Fatalf("%d webhooks", len(hooks))
	}
	h := hooks[0]
	if h.Type != cin7core.WebhookStockAvailableStockLevelChanged || bool(h.IsActive) || h.ExternalAuthorizationType != cin7core.WebhookBasicAuth ||
		h.ExternalUserName != "cin7-deliveries" || h.ExternalPassword != "pa55-W0rd-for-hooks" || len(h.ExternalHeaders) != 1 ||
		h.ExternalHeaders[0] != (cin7core.WebhookHeader{Key: "X-Ramp-Tenant", Value: "hobart-secret-77"}) || h.Name == "" {
		t.Fatalf("first webhook: %#v", h.Masked())
	}
	// IsActive sent as a string, null credentials.
	if h2 := hooks[1]; !bool(h2.IsActive) || h2.ExternalBearerToken != "b3arer-T0ken-sales-xyz" || h2.ExternalPassword != "" || len(h2.ExternalHeaders) != 0 {
		t.Fatalf("second webhook: %#v", h2.Masked())
	}
	info := mt.GetCallCountInfo()
	if info["GET "+webhooksURL] != 1 || mt.GetTotalCallCount() != 1 {
		t.Fatalf("calls: %v", info)
	}
}

func TestWebhooksGet(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, webhooksURL, jsonResponder(200, fixture(t, "webhooks_list.json")))
	// Lower case finds the upper-case ID (pitfall 26).
	h, err := c.Webhooks.Get(context.Background(), "5e0b7c21-9a4d-4f3e-b812-6c7d8e9f0a1b")
	if err != nil || h.ExternalUserName != "cin7-deliveries" {
		t.Fatalf("get: %v %v", h, err)
	}
	_, err = c.Webhooks.Get(context.Background(), "00000000-0000-4000-8000-000000000000")
	if !errors.Is(err, cin7core.ErrNotFound) {
		t.Fatalf("missing webhook: %v", err)
	}
	if _, err := c.Webhooks.Get(context.Background(), " "); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("empty ID: %v", err)
	}
	if mt.GetTotalCallCount() != 2 {
		t.Fatalf("%d calls", mt.GetTotalCallCount())
	}
}

func whNewHook() *cin7core.Webhook {
	return &cin7core.Webhook{
		Type:            cin7core.WebhookPurchaseStockReceivedAuthorised,
		IsActive:        true,
		ExternalURL:     "https://hooks.example.net/cin7/purchases",
		ExternalHeaders: []cin7core.WebhookHeader{{Key: "X-Webhook-Secret", Value: "hdr-s3cret-0042"}},
	}
}

func TestWebhooksCreate(t *testing.T) {
	mt, c := newMockClient(t)
	var bs whBodies
	mt.RegisterResponder(http.MethodPost, webhooksURL, bs.wrap(jsonResponder(200, fixture(t, "webhooks_saved.json"))))
	in := whNewHook()
	got, err := c.Webhooks.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "C4D5E6F7-0819-4A2B-8C3D-4E5F60718293" || got.Name == "" || !bool(got.IsActive) {
		t.Fatalf("saved: %v", got)
	}
	if in.ExternalAuthorizationType != "" {
		t.Fatal("Create changed the caller's webhook")
	}
	body := bs.last(t)
	if _, has := body["ID"]; has {
		t.Errorf("ID sent on create: %v", body)
	}
	if body["Type"] != "Purchase/StockReceivedAuthorised" || body["IsActive"] != true || body["ExternalAuthorizationType"] != "noauth" ||
		body["ExternalURL"] != "https://hooks.example.net/cin7/purchases" {
		t.Errorf("body: %v", body)
	}
	if _, has := body["ExternalPassword"]; has {
		t.Errorf("empty password sent: %v", body)
	}
}

func TestWebhooksUpdateAndDelete(t *testing.T) {
	mt, c := newMockClient(t)
	var bs whBodies
	mt.RegisterResponder(http.MethodPut, webhooksURL, bs.wrap(jsonResponder(200, fixture(t, "webhooks_saved.json"))))
	mt.RegisterResponderWithQuery(http.MethodDelete, webhooksURL, map[string]string{"ID": "C4D5E6F7-0819-4A2B-8C3D-4E5F60718293"},
		jsonResponder(200, []byte(`{"Webhooks":[]}`)))
	w := whNewHook()
	if _, err := c.Webhooks.Update(context.Background(), w); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("update without ID: %v", err)
	}
	w.ID = "C4D5E6F7-0819-4A2B-8C3D-4E5F60718293"
	w.ExternalAuthorizationType = cin7core.WebhookBasicAuth
	w.ExternalUserName, w.ExternalPassword = "ramp", "new-Pa55word-991"
	if _, err := c.Webhooks.Update(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	body := bs.last(t)
	if body["ID"] != w.ID || body["ExternalPassword"] != "new-Pa55word-991" || body["ExternalAuthorizationType"] != "basicauth" {
		t.Errorf("PUT body: %v", body)
	}
	if err := c.Webhooks.Delete(context.Background(), w.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Webhooks.Delete(context.Background(), ""); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("delete without ID: %v", err)
	}
	if mt.GetTotalCallCount() != 2 {
		t.Fatalf("%d calls", mt.GetTotalCallCount())
	}
}

func TestWebhookValidation(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(w *cin7core.Webhook)
		field string
	}{
		{"empty type", func(w *cin7core.Webhook) { w.Type = "" }, "Type"},
		{"spaces in type", func(w *cin7core.Webhook) { w.Type = " Sale/Voided" }, "Type"},
		{"opportunity with s", func(w *cin7core.Webhook) { w.Type = "Opportunity/Authorised" }, "Type"},
		{"no URL", func(w *cin7core.Webhook) { w.ExternalURL = "" }, "ExternalURL"},
		{"relative URL", func(w *cin7core.Webhook) { w.ExternalURL = "/hooks/cin7" }, "ExternalURL"},
		{"plain http", func(w *cin7core.Webhook) { w.ExternalURL = "http://hooks.example.net/x" }, "ExternalURL"},
		{"ftp", func(w *cin7core.Webhook) { w.ExternalURL = "ftp://hooks.example.net/x" }, "ExternalURL"},
		{"credentials in URL", func(w *cin7core.Webhook) { w.ExternalURL = "https://u:pa55-W0rd-for-hooks@hooks.example.net/x" }, "ExternalURL"},
		{"noauth with password", func(w *cin7core.Webhook) { w.ExternalPassword = "pa55-W0rd-for-hooks" }, "ExternalAuthorizationType"},
		{"basic without password", func(w *cin7core.Webhook) {
			w.ExternalAuthorizationType, w.ExternalUserName = cin7core.WebhookBasicAuth, "ramp"
		}, "ExternalUserName"},
		{"basic with token", func(w *cin7core.Webhook) {
			w.ExternalAuthorizationType, w.ExternalUserName, w.ExternalPassword, w.ExternalBearerToken = cin7core.WebhookBasicAuth, "ramp", "pa55-W0rd-for-hooks", "b3arer-T0ken-sales-xyz"
		}, "ExternalBearerToken"},
		{"bearer without token", func(w *cin7core.Webhook) { w.ExternalAuthorizationType = cin7core.WebhookBearerAuth }, "ExternalBearerToken"},
		{"bearer with password", func(w *cin7core.Webhook) {
			w.ExternalAuthorizationType, w.ExternalBearerToken, w.ExternalPassword = cin7core.WebhookBearerAuth, "b3arer-T0ken-sales-xyz", "pa55-W0rd-for-hooks"
		}, "ExternalUserName"},
		{"unknown auth", func(w *cin7core.Webhook) { w.ExternalAuthorizationType = "oauth2" }, "ExternalAuthorizationType"},
		{"empty header key", func(w *cin7core.Webhook) {
			w.ExternalHeaders = []cin7core.WebhookHeader{{Key: "", Value: "hdr-s3cret-0042"}}
		}, "ExternalHeaders[0].Key"},
		{"header injection", func(w *cin7core.Webhook) {
			w.ExternalHeaders = []cin7core.WebhookHeader{{Key: "X-A", Value: "hdr-s3cret-0042\r\nX-B: 1"}}
		}, "ExternalHeaders[0].Value"},
		{"ID on create", func(w *cin7core.Webhook) { w.ID = "C4D5E6F7-0819-4A2B-8C3D-4E5F60718293" }, "ID"},
	}
	mt, c := newMockClient(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := whNewHook()
			tc.edit(w)
			_, err := c.Webhooks.Create(context.Background(), w)
			var ve *cin7core.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, cin7core.ErrValidation) || ve.Field != tc.field {
				t.Fatalf("want a ValidationError on %s, got %v", tc.field, err)
			}
			whAssertNoSecrets(t, "validation error", err.Error())
		})
	}
	if _, err := c.Webhooks.Create(context.Background(), nil); !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("nil webhook: %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Fatalf("%d requests sent for invalid webhooks", n)
	}
	// http is fine for a local receiver; unknown well-spelled types pass
	// (Cin7 Core adds types).
	for _, u := range []string{"http://localhost:8080/hook", "http://127.0.0.1:9/x", "http://[::1]/x"} {
		w := whNewHook()
		w.ExternalURL = u
		if err := w.Validate(); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	w := whNewHook()
	w.Type = "Invoice/Something"
	if err := w.Validate(); err != nil {
		t.Errorf("unknown type: %v", err)
	}
}

func TestPitfall8_WebhookTypeSpelledWithZIsRejected(t *testing.T) {
	mt, c := newMockClient(t)
	w := whNewHook()
	w.Type = "Sale/OrderAuthorized" // as the help centre lists it
	_, err := c.Webhooks.Create(context.Background(), w)
	var ve *cin7core.ValidationError
	if !errors.As(err, &ve) || ve.Field != "Type" || !strings.Contains(ve.Reason, `"Sale/OrderAuthorised"`) {
		t.Fatalf("want a suggestion of the British spelling, got %v", err)
	}
	if mt.GetTotalCallCount() != 0 {
		t.Fatal("request sent")
	}
	// The CRM type is the one spelled with a z.
	w.Type = cin7core.WebhookOpportunityAuthorized
	if err := w.Validate(); err != nil {
		t.Fatalf("Opportunity/Authorized: %v", err)
	}
	for _, typ := range cin7core.WebhookTypes {
		if err := cin7core.ValidateWebhookType(typ); err != nil {
			t.Errorf("known type %s rejected: %v", typ, err)
		}
	}
	// A receiver still routes a z-spelled type.
	if got := cin7core.WebhookType("sale/orderauthorized").Canonical(); got != cin7core.WebhookSaleOrderAuthorised {
		t.Errorf("Canonical: %q", got)
	}
	if got := cin7core.WebhookType("Opportunity/Authorized").Canonical(); got != cin7core.WebhookOpportunityAuthorized {
		t.Errorf("Canonical CRM: %q", got)
	}
	if got := cin7core.WebhookType("Whatever/Else").Canonical(); got != "Whatever/Else" {
		t.Errorf("Canonical unknown: %q", got)
	}
}

func TestWebhookTypesAreComplete(t *testing.T) {
	if n := len(cin7core.WebhookTypes); n != 32 {
		t.Fatalf("%d known types, want the 20 of the blueprint + 12 newer", n)
	}
	seen := map[cin7core.WebhookType]bool{}
	for _, typ := range cin7core.WebhookTypes {
		if seen[typ] || !typ.Known() {
			t.Errorf("duplicate or unknown %s", typ)
		}
		seen[typ] = true
	}
	if cin7core.WebhookType("Sale/OrderAuthorized").Known() {
		t.Error("z spelling is not a known type")
	}
}

func TestPitfall6_ReactivateDeactivatedWebhook(t *testing.T) {
	mt, c := newMockClient(t)
	var bs whBodies
	mt.RegisterResponder(http.MethodGet, webhooksURL, jsonResponder(200, fixture(t, "webhooks_list.json")))
	// The PUT sets a state, so a 500 is retried.
	mt.RegisterResponder(http.MethodPut, webhooksURL, bs.wrap(sequence(
		jsonResponder(500, []byte(`[{"ErrorCode":500,"Exception":"Object reference not set"}]`)),
		jsonResponder(200, fixture(t, "webhooks_saved.json")))))
	if _, err := c.Webhooks.Reactivate(context.Background(), "5e0b7c21-9a4d-4f3e-b812-6c7d8e9f0a1b"); err != nil {
		t.Fatal(err)
	}
	body := bs.last(t)
	if body["IsActive"] != true || body["ID"] != "5E0B7C21-9A4D-4F3E-B812-6C7D8E9F0A1B" || body["ExternalPassword"] != "pa55-W0rd-for-hooks" ||
		body["Type"] != "Stock/AvailableStockLevelChanged" {
		t.Fatalf("PUT body keeps the subscription and sets IsActive: %v", body)
	}
	info := mt.GetCallCountInfo()
	if info["PUT "+webhooksURL] != 2 || info["GET "+webhooksURL] != 1 {
		t.Fatalf("calls: %v", info)
	}
	// An active webhook is left alone.
	if _, err := c.Webhooks.Reactivate(context.Background(), "A81F3C55-2D6E-4B7A-9C0D-1E2F3A4B5C6D"); err != nil {
		t.Fatal(err)
	}
	if info := mt.GetCallCountInfo(); info["PUT "+webhooksURL] != 2 {
		t.Fatalf("active webhook re-written: %v", info)
	}
	if _, err := c.Webhooks.Reactivate(context.Background(), "nope"); !errors.Is(err, cin7core.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

func TestWebhookWritesRetries(t *testing.T) {
	fail500 := jsonResponder(500, []byte(`[{"ErrorCode":500,"Exception":"Server error"}]`))
	ok := jsonResponder(200, fixture(t, "webhooks_saved.json"))
	transportErr := func(*http.Request) (*http.Response, error) { return nil, errors.New("connection reset by peer") }
	throttled := func(status int) httpmock.Responder {
		return jsonResponder(status, []byte(fmt.Sprintf(`[{"ErrorCode":%d,"Exception":"You reached 60 calls per minute API limit"}]`, status)))
	}
	cases := []struct {
		name      string
		first     httpmock.Responder
		opts      []cin7core.CallOption
		wantCalls int
		wantErr   bool
		reached   bool
	}{
		{"500 not retried", fail500, nil, 1, true, true},
		{"transport error not retried", transportErr, nil, 1, true, true},
		{"500 retried when safe", fail500, []cin7core.CallOption{cin7core.RetrySafe()}, 2, false, false},
		{"transport error retried when safe", transportErr, []cin7core.CallOption{cin7core.RetrySafe()}, 2, false, false},
		{"429 retried", throttled(429), nil, 2, false, false},
		{"503 retried", throttled(503), nil, 2, false, false},
	}
	for _, tc := range cases {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			t.Run(tc.name+" "+method, func(t *testing.T) {
				mt, c := newMockClient(t)
				mt.RegisterResponder(method, webhooksURL, sequence(tc.first, ok))
				var err error
				switch method {
				case http.MethodPost:
					_, err = c.Webhooks.Create(context.Background(), whNewHook(), tc.opts...)
				case http.MethodPut:
					w := whNewHook()
					w.ID = "C4D5E6F7-0819-4A2B-8C3D-4E5F60718293"
					_, err = c.Webhooks.Update(context.Background(), w, tc.opts...)
				default:
					err = c.Webhooks.Delete(context.Background(), "C4D5E6F7-0819-4A2B-8C3D-4E5F60718293", tc.opts...)
				}
				if (err != nil) != tc.wantErr {
					t.Fatalf("err = %v", err)
				}
				if err != nil && cin7core.MayHaveReachedServer(err) != tc.reached {
					t.Errorf("MayHaveReachedServer = %v for %v", !tc.reached, err)
				}
				if n := mt.GetTotalCallCount(); n != tc.wantCalls {
					t.Fatalf("%d calls, want %d", n, tc.wantCalls)
				}
			})
		}
	}
}

func TestWebhookSecretsStayOutOfErrorsAndLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mt, c := newMockClient(t, cin7core.WithLogger(logger))
	// A 400 whose message and body echo the secrets, as a careless server
	// might.
	echo := func(req *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(req.Body)
		msg, _ := json.Marshal("Webhook rejected: " + string(b))
		return jsonResponder(400, []byte(`[{"ErrorCode":400,"Exception":`+string(msg)+`}]`))(req)
	}
	mt.RegisterResponder(http.MethodPost, webhooksURL, echo)
	mt.RegisterResponder(http.MethodGet, webhooksURL, jsonResponder(500, fixture(t, "webhooks_list.json")))
	w := whNewHook()
	w.ExternalAuthorizationType = cin7core.WebhookBasicAuth
	w.ExternalUserName, w.ExternalPassword = "ramp", "pa55-W0rd-for-hooks"
	_, err := c.Webhooks.Create(context.Background(), w)
	if !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("want the 400, got %v", err)
	}
	whAssertNoSecrets(t, "create error", whErrorText(err))
	_, err = c.Webhooks.List(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	whAssertNoSecrets(t, "list error", whErrorText(err))
	whAssertNoSecrets(t, "logs", logs.String())
	// Formatting a webhook masks its secrets too.
	hooks := []cin7core.Webhook{*w}
	hooks[0].ExternalBearerToken = "b3arer-T0ken-sales-xyz"
	for _, s := range []string{fmt.Sprint(hooks[0]), fmt.Sprintf("%+v", hooks[0]), fmt.Sprintf("%#v", hooks[0]), fmt.Sprintf("%v", hooks), fmt.Sprintf("%v", &hooks[0])} {
		whAssertNoSecrets(t, "formatted webhook", s)
		if !strings.Contains(s, "hooks.example.net") {
			t.Errorf("formatted webhook lost its fields: %s", s)
		}
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("hook", "webhook", hooks[0])
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("hook", "webhook", hooks[0], "ptr", &hooks[0])
	if !strings.Contains(logged.String(), "hooks.example.net") {
		t.Errorf("logged webhook lost its fields: %s", logged.String())
	}
	whAssertNoSecrets(t, "slog", logged.String())
}
