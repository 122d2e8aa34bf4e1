package cin7core_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/jarcoal/httpmock"
)

func TestNewClientValidatesOptions(t *testing.T) {
	creds := cin7core.WithCredentials("acct", "key-1234")
	for _, c := range []struct {
		name string
		opts []cin7core.Option
	}{
		{"no credentials", nil},
		{"empty account", []cin7core.Option{cin7core.WithCredentials(" ", "key-1234")}},
		{"empty key", []cin7core.Option{cin7core.WithCredentials("acct", "")}},
		{"relative base URL", []cin7core.Option{creds, cin7core.WithBaseURL("/ExternalApi/v2/")}},
		{"ftp base URL", []cin7core.Option{creds, cin7core.WithBaseURL("ftp://example.com/")}},
		{"nil HTTP client", []cin7core.Option{creds, cin7core.WithHTTPClient(nil)}},
		{"nil transport", []cin7core.Option{creds, cin7core.WithTransport(nil)}},
		{"blank user agent", []cin7core.Option{creds, cin7core.WithUserAgent("  ")}},
		{"nil logger", []cin7core.Option{creds, cin7core.WithLogger(nil)}},
		{"nil clock", []cin7core.Option{creds, cin7core.WithClock(nil)}},
		{"zero attempts", []cin7core.Option{creds, cin7core.WithRetryPolicy(cin7core.RetryPolicy{})}},
		{"negative wait", []cin7core.Option{creds, cin7core.WithRetryPolicy(cin7core.RetryPolicy{MaxAttempts: 2, MinWait: -1})}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := cin7core.NewClient(c.opts...); err == nil {
				t.Fatal("NewClient succeeded, want an error")
			} else if strings.Contains(err.Error(), "key-1234") {
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
	c, err := cin7core.NewClient(cin7core.WithCredentials(" acct-1 ", " key-1234 "), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.AccountID() != "acct-1" {
		t.Fatalf("AccountID() = %q", c.AccountID())
	}
	if c.APICalls() != 0 {
		t.Fatal("NewClient made a call")
	}
}

func TestAuthHeadersAndUserAgent(t *testing.T) {
	for _, ua := range []string{"", "host-app/2.1"} {
		var opts []cin7core.Option
		if ua != "" {
			opts = append(opts, cin7core.WithUserAgent(ua))
		}
		mt, c := newMockClient(t, opts...)
		var got http.Header
		mt.RegisterResponder(http.MethodGet, locationURL, func(r *http.Request) (*http.Response, error) {
			got = r.Header.Clone()
			return jsonResponder(200, []byte(`{"Total":0,"Page":1,"LocationList":[]}`))(r)
		})
		if _, err := c.Locations.List(nil).Collect(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got.Get("api-auth-accountid") != c.AccountID() || got.Get("api-auth-applicationkey") != testKey {
			t.Errorf("auth headers: %q / %q", got.Get("api-auth-accountid"), got.Get("api-auth-applicationkey"))
		}
		if got.Get("Authorization") != "" {
			t.Error("Cin7 Core uses no Authorization header")
		}
		want := ua
		if want == "" {
			want = cin7core.DefaultUserAgent
		}
		if got.Get("User-Agent") != want {
			t.Errorf("User-Agent %q, want %q", got.Get("User-Agent"), want)
		}
		if !strings.HasPrefix(cin7core.DefaultUserAgent, "cin7ramp-go/") || !strings.HasSuffix(cin7core.DefaultUserAgent, cin7core.Version) {
			t.Errorf("DefaultUserAgent %q", cin7core.DefaultUserAgent)
		}
		if got.Get("Accept") != "application/json" {
			t.Errorf("Accept %q", got.Get("Accept"))
		}
	}
}

func TestWithHTTPClientUsesItsTransport(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, productURL, jsonResponder(200, []byte(`{"Total":0,"Page":1,"Products":[]}`)))
	c, err := cin7core.NewClient(cin7core.WithBaseURL(testBase), cin7core.WithCredentials(uniqueAccount(t), testKey),
		cin7core.WithHTTPClient(&http.Client{Transport: mt, Timeout: 5 * time.Second}), cin7core.WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Products.List(nil).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if mt.GetTotalCallCount() != 1 || c.APICalls() != 1 || c.Stats().Calls != 1 {
		t.Fatalf("calls: transport %d, client %d", mt.GetTotalCallCount(), c.APICalls())
	}
}

func TestDefaultBaseURL(t *testing.T) {
	if cin7core.DefaultBaseURL != "https://inventory.dearsystems.com/ExternalApi/v2/" {
		t.Fatalf("DefaultBaseURL = %q", cin7core.DefaultBaseURL)
	}
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, cin7core.DefaultBaseURL+"ref/location", jsonResponder(200, []byte(`{"Total":0,"Page":1,"LocationList":[]}`)))
	c, err := cin7core.NewClient(cin7core.WithCredentials(uniqueAccount(t), testKey), cin7core.WithTransport(mt), cin7core.WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Locations.List(nil).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAccountLimiterIsSharedPerAccount(t *testing.T) {
	a := cin7core.AccountLimiter("3F2504E0-4F89-11D3-9A0C-0305E82C3301")
	b := cin7core.AccountLimiter(" 3f2504e0-4f89-11d3-9a0c-0305e82c3301 ")
	if a != b {
		t.Fatal("the same account (case and spaces aside) got two limiters")
	}
	if a == cin7core.AccountLimiter("another-account") {
		t.Fatal("two accounts share a limiter")
	}
}

func TestClientsShareALimiter(t *testing.T) {
	// A limiter admitting 2 calls per hour on a virtual clock: the third
	// call, from a second client of the same account, must wait for it.
	clk := newFakeClock()
	lim := cin7core.NewWindowLimiter(2, time.Hour, clk)
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, locationURL, jsonResponder(200, []byte(`{"Total":0,"Page":1,"LocationList":[]}`)))
	var clients []*cin7core.Client
	for i := 0; i < 2; i++ {
		c, err := cin7core.NewClient(cin7core.WithBaseURL(testBase), cin7core.WithCredentials("shared", testKey),
			cin7core.WithTransport(mt), cin7core.WithLimiter(lim))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	for i := 0; i < 3; i++ {
		if _, err := clients[i%2].Locations.List(nil).Collect(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if s := clk.Sleeps(); len(s) != 1 || s[0] != time.Hour {
		t.Fatalf("limiter waits %v, want one wait of 1h", s)
	}
}
