package cin7core_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

const whSaleOrderPayload = `{"SaleID":"91EE7B1D-BD35-4E43-B98A-DB86BE777624","SaleOrderNumber":"SO-00044","EventType":"Sale/OrderAuthorised"}`

// whCountingBody records how much of a request body the handler read.
type whCountingBody struct {
	r    io.Reader
	mu   sync.Mutex
	read int
}

func (c *whCountingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.mu.Lock()
	c.read += n
	c.mu.Unlock()
	return n, err
}

func (c *whCountingBody) Close() error { return nil }

func (c *whCountingBody) readBytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read
}

type whReceived struct {
	mu     sync.Mutex
	events []cin7core.Event
	raw    [][]byte
	err    error
	panic  bool
}

func (rc *whReceived) onEvent(ctx context.Context, ev cin7core.Event) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.panic {
		panic("handler bug")
	}
	rc.events = append(rc.events, ev)
	rc.raw = append(rc.raw, cin7core.WebhookPayload(ctx))
	return rc.err
}

func (rc *whReceived) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.events)
}

func whNewHandler(t *testing.T, cfg cin7core.WebhookHandlerConfig) http.Handler {
	t.Helper()
	h, err := cin7core.NewWebhookHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func whServe(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func whPost(body string, mod ...func(*http.Request)) (*http.Request, *whCountingBody) {
	cb := &whCountingBody{r: strings.NewReader(body)}
	req := httptest.NewRequest(http.MethodPost, "https://ramp.example/hooks/cin7", nil)
	req.Body = cb
	req.ContentLength = int64(len(body))
	for _, m := range mod {
		m(req)
	}
	return req, cb
}

func TestNewWebhookHandlerConfig(t *testing.T) {
	on := func(context.Context, cin7core.Event) error { return nil }
	bad := []cin7core.WebhookHandlerConfig{
		{OnEvent: on}, // no auth, no opt-in
		{Auth: cin7core.WebhookAuth{BearerToken: "tok-123456"}},                                          // no OnEvent
		{OnEvent: on, Auth: cin7core.WebhookAuth{Username: "cin7"}},                                      // half basic
		{OnEvent: on, Auth: cin7core.WebhookAuth{Password: "pw-123456"}},                                 // half basic
		{OnEvent: on, Auth: cin7core.WebhookAuth{HeaderName: "X-Secret"}},                                // half header
		{OnEvent: on, Auth: cin7core.WebhookAuth{HeaderValue: "v-123456"}},                               // half header
		{OnEvent: on, Auth: cin7core.WebhookAuth{Username: "a:b", Password: "pw-123456"}},                // colon
		{OnEvent: on, Auth: cin7core.WebhookAuth{BearerToken: "tok-123456"}, AllowUnauthenticated: true}, // contradictory
		{OnEvent: on, Auth: cin7core.WebhookAuth{BearerToken: "tok-123456"}, MaxBodyBytes: -1},
		{OnEvent: on, Auth: cin7core.WebhookAuth{BearerToken: "tok-123456", HeaderName: "authorization", HeaderValue: "x"}},
	}
	for i, cfg := range bad {
		if _, err := cin7core.NewWebhookHandler(cfg); err == nil {
			t.Errorf("config %d accepted", i)
		} else if strings.Contains(err.Error(), "123456") {
			t.Errorf("config %d: error leaks a secret: %v", i, err)
		}
	}
	if _, err := cin7core.NewWebhookHandler(cin7core.WebhookHandlerConfig{OnEvent: on, AllowUnauthenticated: true}); err != nil {
		t.Fatalf("explicit opt-in: %v", err)
	}
}

func TestWebhookHandlerAuth(t *testing.T) {
	basic := cin7core.WebhookAuth{Username: "cin7", Password: "pa55-W0rd-for-hooks"}
	bearer := cin7core.WebhookAuth{BearerToken: "b3arer-T0ken-sales-xyz"}
	header := cin7core.WebhookAuth{HeaderName: "x-ramp-secret", HeaderValue: "hobart-secret-77"}
	both := cin7core.WebhookAuth{BearerToken: "b3arer-T0ken-sales-xyz", HeaderName: "X-Ramp-Secret", HeaderValue: "hobart-secret-77"}
	setBasic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	setHdr := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Add(k, v) } }
	cases := []struct {
		name string
		auth cin7core.WebhookAuth
		mod  []func(*http.Request)
		want int
	}{
		{"basic ok", basic, []func(*http.Request){setBasic("cin7", "pa55-W0rd-for-hooks")}, 200},
		{"basic wrong password", basic, []func(*http.Request){setBasic("cin7", "pa55-W0rd-for-hookz")}, 401},
		{"basic wrong user", basic, []func(*http.Request){setBasic("cin8", "pa55-W0rd-for-hooks")}, 401},
		{"basic missing", basic, nil, 401},
		{"basic given a bearer", basic, []func(*http.Request){setHdr("Authorization", "Bearer pa55-W0rd-for-hooks")}, 401},
		{"bearer ok", bearer, []func(*http.Request){setHdr("Authorization", "Bearer b3arer-T0ken-sales-xyz")}, 200},
		{"bearer scheme any case", bearer, []func(*http.Request){setHdr("Authorization", "bearer b3arer-T0ken-sales-xyz")}, 200},
		{"bearer wrong", bearer, []func(*http.Request){setHdr("Authorization", "Bearer b3arer-T0ken-sales-xyZ")}, 401},
		{"bearer prefix of token", bearer, []func(*http.Request){setHdr("Authorization", "Bearer b3arer")}, 401},
		{"bearer missing", bearer, nil, 401},
		{"header ok", header, []func(*http.Request){setHdr("X-Ramp-Secret", "hobart-secret-77")}, 200},
		{"header wrong", header, []func(*http.Request){setHdr("X-Ramp-Secret", "hobart-secret-78")}, 401},
		{"header twice", header, []func(*http.Request){setHdr("X-Ramp-Secret", "hobart-secret-77"), setHdr("X-Ramp-Secret", "x")}, 401},
		{"header missing", header, nil, 401},
		{"both ok", both, []func(*http.Request){setHdr("Authorization", "Bearer b3arer-T0ken-sales-xyz"), setHdr("X-Ramp-Secret", "hobart-secret-77")}, 200},
		{"both, header missing", both, []func(*http.Request){setHdr("Authorization", "Bearer b3arer-T0ken-sales-xyz")}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rc whReceived
			var logs bytes.Buffer
			h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: tc.auth, OnEvent: rc.onEvent,
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			req, cb := whPost(whSaleOrderPayload, tc.mod...)
			rec := whServe(h, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			if tc.want == 401 {
				if cb.readBytes() != 0 || rc.count() != 0 {
					t.Fatalf("unauthenticated body read (%d bytes) or delivered", cb.readBytes())
				}
				if tc.auth.Username != "" && rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate challenge")
				}
			} else if rc.count() != 1 {
				t.Fatal("event not delivered")
			}
			whAssertNoSecrets(t, "handler logs", logs.String())
			whAssertNoSecrets(t, "handler answer", rec.Body.String())
		})
	}
}

func TestWebhookHandlerRequests(t *testing.T) {
	auth := cin7core.WebhookAuth{BearerToken: "b3arer-T0ken-sales-xyz"}
	withAuth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer b3arer-T0ken-sales-xyz") }
	t.Run("only POST", func(t *testing.T) {
		var rc whReceived
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: auth, OnEvent: rc.onEvent})
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			req := httptest.NewRequest(m, "https://ramp.example/hooks/cin7", strings.NewReader(whSaleOrderPayload))
			withAuth(req)
			rec := whServe(h, req)
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
				t.Errorf("%s: %d", m, rec.Code)
			}
		}
		if rc.count() != 0 {
			t.Fatal("delivered")
		}
	})
	t.Run("body over the cap by Content-Length is not read", func(t *testing.T) {
		var rc whReceived
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: auth, OnEvent: rc.onEvent, MaxBodyBytes: 64})
		req, cb := whPost(whSaleOrderPayload, withAuth)
		if rec := whServe(h, req); rec.Code != http.StatusRequestEntityTooLarge || cb.readBytes() != 0 {
			t.Fatalf("status %d, read %d", rec.Code, cb.readBytes())
		}
	})
	t.Run("body over the cap without Content-Length", func(t *testing.T) {
		var rc whReceived
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: auth, OnEvent: rc.onEvent, MaxBodyBytes: 64})
		big := "[" + strings.Repeat(`{"SKU":"x"},`, 100_000) + `{"SKU":"y"}]`
		req, cb := whPost(big, withAuth, func(r *http.Request) { r.ContentLength = -1 })
		rec := whServe(h, req)
		if rec.Code != http.StatusRequestEntityTooLarge || cb.readBytes() > 64+4096 || rc.count() != 0 {
			t.Fatalf("status %d, read %d bytes", rec.Code, cb.readBytes())
		}
	})
	t.Run("default cap is 1 MiB", func(t *testing.T) {
		var rc whReceived
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: auth, OnEvent: rc.onEvent})
		req, _ := whPost(whSaleOrderPayload, withAuth, func(r *http.Request) { r.ContentLength = cin7core.DefaultWebhookMaxBody + 1 })
		if rec := whServe(h, req); rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", rec.Code)
		}
	})
	t.Run("invalid payload", func(t *testing.T) {
		var rc whReceived
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: auth, OnEvent: rc.onEvent})
		for _, body := range []string{"", "not json", `{"SaleID":`} {
			req, _ := whPost(body, withAuth)
			if rec := whServe(h, req); rec.Code != http.StatusBadRequest {
				t.Errorf("%q: %d", body, rec.Code)
			}
		}
		if rc.count() != 0 {
			t.Fatal("delivered")
		}
	})
	t.Run("callback error answers 500 so Cin7 retries", func(t *testing.T) {
		rc := whReceived{err: errors.New("queue full")}
		var logs bytes.Buffer
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: auth, OnEvent: rc.onEvent, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		req, _ := whPost(whSaleOrderPayload, withAuth)
		if rec := whServe(h, req); rec.Code != http.StatusInternalServerError {
			t.Fatalf("status %d", rec.Code)
		}
		if !strings.Contains(logs.String(), "queue full") || !strings.Contains(logs.String(), "Sale/OrderAuthorised") {
			t.Errorf("logs: %s", logs.String())
		}
	})
	t.Run("callback panic answers 500", func(t *testing.T) {
		rc := whReceived{panic: true}
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: auth, OnEvent: rc.onEvent})
		req, _ := whPost(whSaleOrderPayload, withAuth)
		if rec := whServe(h, req); rec.Code != http.StatusInternalServerError {
			t.Fatalf("status %d", rec.Code)
		}
	})
	t.Run("delivers typed events with the raw payload", func(t *testing.T) {
		var rc whReceived
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{Auth: auth, OnEvent: rc.onEvent})
		for _, body := range []string{whSaleOrderPayload, string(fixture(t, "webhook_payload_stock.json"))} {
			req, _ := whPost(body, withAuth)
			if rec := whServe(h, req); rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
		if rc.count() != 2 {
			t.Fatal("not delivered")
		}
		if _, ok := rc.events[0].(*cin7core.SaleEvent); !ok || string(rc.raw[0]) != whSaleOrderPayload {
			t.Errorf("first: %T %s", rc.events[0], rc.raw[0])
		}
		if st, ok := rc.events[1].(*cin7core.StockLevelChangedEvent); !ok || len(st.Rows) != 3 {
			t.Errorf("second: %#v", rc.events[1])
		}
		if cin7core.WebhookPayload(context.Background()) != nil {
			t.Error("payload outside a delivery")
		}
	})
	t.Run("unauthenticated opt-in", func(t *testing.T) {
		var rc whReceived
		h := whNewHandler(t, cin7core.WebhookHandlerConfig{AllowUnauthenticated: true, OnEvent: rc.onEvent})
		req, _ := whPost(whSaleOrderPayload)
		if rec := whServe(h, req); rec.Code != http.StatusOK || rc.count() != 1 {
			t.Fatalf("status %d", rec.Code)
		}
	})
}
