package cin7core

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Hostile input never panics a decoder; what decodes re-encodes and
// decodes again to the same value.

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"", "2017-12-08T00:00:00", "2017-11-22T10:10:49.75Z", "2017-12-08T04:05:42.3030398Z",
		"2018-02-07T07:22:37.21", "29/01/2018", "2024-02-29", "2026-03-01T10:00:00+10:00", "9999-12-31T23:59:59.9999999Z", "0001-01-01T00:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseTime(s)
		if err != nil {
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%q parsed but does not marshal: %v", s, err)
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q → %s does not decode back: %v", s, b, err)
		}
		if !back.Equal(v.Time) || back.HasZone != v.HasZone {
			t.Fatalf("%q → %s → %v, want %v", s, b, back, v)
		}
	})
}

func FuzzScalars(f *testing.F) {
	for _, s := range []string{`1`, `"1"`, `"1.0000"`, `null`, `""`, `true`, `"TRUE"`, `0`, `"abc"`, `1e400`, `"1e-5000"`, `-0`, `[]`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var i Int
		_ = i.UnmarshalJSON(b)
		var bo Bool
		_ = bo.UnmarshalJSON(b)
		var d decimal.Decimal
		if json.Unmarshal(b, &d) == nil {
			out, err := json.Marshal(d)
			if err != nil {
				t.Fatalf("%s decoded as %v but does not marshal", b, d)
			}
			var back decimal.Decimal
			if err := json.Unmarshal(out, &back); err != nil || !back.Equal(d) {
				t.Fatalf("%s → %s → %v (%v)", b, out, back, err)
			}
		}
	})
}

// FuzzListPage feeds arbitrary bodies to the list-page decoder the pagers
// use: it must answer an error or a page, never panic, and never call a
// body without the list key an empty page.
func FuzzListPage(f *testing.F) {
	for _, s := range []string{
		`{"Total":1,"Page":1,"Products":[{"ID":"a","SKU":"S","Name":"N","PriceTier1":"1.5"}]}`,
		`{"Total":2,"Page":1,"Products":[{"ID":"a"},{"ID":"b","PriceTier1":""}]}`,
		`{}`, `null`, `[]`, `[{"ErrorCode":400,"Exception":"x"}]`, `{"ErrorCode":"x"}`, `<html></html>`,
		`{"Page":1,"Products":null}`, `{"Total":"3","Products":[{"ID":1}]}`, strings.Repeat("[", 10000),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }))
		defer srv.Close()
		c, err := NewClient(WithBaseURL(srv.URL+"/"), WithCredentials("fuzz-account", "fuzz-key-0001"), WithLimiter(nil),
			WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
		if err != nil {
			t.Fatal(err)
		}
		res, err := getList[Product](context.Background(), c, "product", "Products", nil, 1)
		if err != nil {
			if !errors.Is(err, ErrBadResponse) && !errors.Is(err, ErrValidation) && !errors.Is(err, ErrNotFound) &&
				!errors.Is(err, ErrUnauthorized) && !errors.Is(err, ErrServer) && !errors.Is(err, ErrRateLimited) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("invalid JSON %q accepted as a page", body)
		}
		_ = res
	})
}

func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		`{"SaleID":"A1","SaleOrderNumber":"SO-1","EventType":"Sale/OrderAuthorised"}`,
		`{"SaleTaskID":"b2","EventType":"Sale/ShipmentAuthorised"}`,
		`[{"ID":"c3","SKU":"S","OnHand":"1","StockOnHand":5,"MaxRows":1}]`,
		`{"EventType":"Sale/FullPaymentReceived","DocumentDate":"29/01/2018","AmountPercent":"0.00"}`,
		`{"EventType":"Unknown/Thing"}`, `[]`, `{}`, `null`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseEvent(body)
		if err != nil {
			return
		}
		if ev == nil {
			t.Fatal("nil event without an error")
		}
		_ = ev.EventType()
	})
}

// FuzzWebhookAuth: only the exact credentials pass, whatever is sent.
func FuzzWebhookAuth(f *testing.F) {
	f.Add("Bearer s3cret-token", "", "")
	f.Add("Bearer s3cret-tokeN", "", "")
	f.Add("Basic dXNlcjpwYXNz", "", "")
	f.Add("", "X-Verify", "v3rify")
	f.Add("bearer s3cret-token", "x-verify", "v3rify ")
	f.Fuzz(func(t *testing.T, authz, hname, hval string) {
		called := false
		h, err := NewWebhookHandler(WebhookHandlerConfig{
			Auth:    WebhookAuth{BearerToken: "s3cret-token"},
			OnEvent: func(context.Context, Event) error { called = true; return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(`{"SaleID":"a","EventType":"Sale/OrderAuthorised"}`))
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		if hname != "" && validHeaderName(hname) {
			req.Header.Set(hname, hval)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		// The scheme is case-insensitive (RFC 7235) and the token is
		// compared exactly, surrounding spaces aside.
		want := len(authz) > 7 && strings.EqualFold(authz[:7], "Bearer ") && strings.TrimSpace(authz[7:]) == "s3cret-token"
		if called != want || (rec.Code == http.StatusOK) != want {
			t.Fatalf("Authorization %q: status %d, delivered %v", authz, rec.Code, called)
		}
	})
}

func validHeaderName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
