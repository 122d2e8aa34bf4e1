package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// A redirect to another host must not carry credential headers.
func TestRedirectToAnotherHostDropsCredentials(t *testing.T) {
	var got http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Write([]byte(`{}`))
	}))
	defer other.Close()
	var sameHostHeader string
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/hop" {
			sameHostHeader = r.Header.Get("api-auth-applicationkey")
			http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/v2/hop", http.StatusFound)
	}))
	defer origin.Close()
	base, _ := url.Parse(origin.URL + "/v2/")
	p := New(Config{
		BaseURL: base,
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("api-auth-applicationkey", "secret-key")
			r.Header.Set("Authorization", "Token abc")
			return nil
		},
		SensitiveHeaders: []string{"api-auth-applicationkey"},
		Retry:            RetryPolicy{MaxAttempts: 1},
	})
	if _, err := p.Do(context.Background(), Request{Method: http.MethodGet, Path: "start"}); err != nil {
		t.Fatal(err)
	}
	if sameHostHeader != "secret-key" {
		t.Fatalf("same-host redirect lost the credential: %q", sameHostHeader)
	}
	if got == nil {
		t.Fatal("the other host was never reached")
	}
	if got.Get("api-auth-applicationkey") != "" || got.Get("Authorization") != "" {
		t.Fatalf("credentials followed the redirect to another host: %v", got)
	}
}
