package ramptest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

// raw is a minimal HTTP helper so these tests see exactly what the server
// sends, without the SDK in between.
type raw struct {
	t     *testing.T
	srv   *ramptest.Server
	token string
}

func (r *raw) do(method, path string, q url.Values, body any) (int, http.Header, []byte) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	u := r.srv.URL() + "/" + path
	if q != nil {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(method, u, rd)
	if r.token != "" {
		req.Header.Set("Authorization", "Token "+r.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func (r *raw) login(user, pass string) (token, refresh string) {
	r.t.Helper()
	status, _, b := r.do(http.MethodPost, ramp.PathLogin, nil, map[string]string{"Username": user, "Password": pass})
	if status != 200 {
		r.t.Fatalf("login: %d %s", status, b)
	}
	var lr struct {
		Success    bool
		TokenGroup struct{ Token, Refresh string }
	}
	if err := json.Unmarshal(b, &lr); err != nil || !lr.Success {
		r.t.Fatalf("login answer %s", b)
	}
	return lr.TokenGroup.Token, lr.TokenGroup.Refresh
}

func errorCode(t *testing.T, b []byte) (code, field string) {
	t.Helper()
	var ds []ramp.ErrorDetail
	if err := json.Unmarshal(b, &ds); err != nil || len(ds) == 0 {
		t.Fatalf("not an error list: %s", b)
	}
	return ds[0].ErrorCode, ds[0].Field
}

func TestServerAuth(t *testing.T) {
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := ramptest.NewServer(ramptest.WithClock(clock), ramptest.WithTokenTTL(time.Minute))
	defer srv.Close()
	r := &raw{t: t, srv: srv}

	status, h, b := r.do(http.MethodGet, ramp.PathListPlaces, nil, nil)
	if code, _ := errorCode(t, b); status != 401 || code != ramp.CodeAuthenticationFailed || h.Get("WWW-Authenticate") != "Token" {
		t.Errorf("no token: %d %s", status, b)
	}
	if status, _, b := r.do(http.MethodPost, ramp.PathLogin, nil, map[string]string{"Username": "demo", "Password": "nope"}); status != 401 {
		t.Errorf("bad password: %d %s", status, b)
	}
	if status, _, b := r.do(http.MethodPost, ramp.PathLogin, nil, map[string]string{"Username": "demo"}); status != 400 {
		t.Errorf("missing password: %d %s", status, b)
	}

	tok, refresh := r.login(ramptest.DefaultUsername, ramptest.DefaultPassword)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not JWT-shaped", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Sub string
		Exp int64
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Sub != "demo" || claims.Exp != now.Add(time.Minute).Unix() {
		t.Errorf("claims = %s", payload)
	}
	r.token = tok
	if status, _, b := r.do(http.MethodGet, ramp.PathListPlaces, nil, nil); status != 200 {
		t.Errorf("with token: %d %s", status, b)
	}

	now = now.Add(time.Minute) // expired
	if status, _, _ := r.do(http.MethodGet, ramp.PathListPlaces, nil, nil); status != 401 {
		t.Errorf("expired token: %d", status)
	}
	status, _, b = r.do(http.MethodPost, ramp.PathRefreshLogin, nil, map[string]string{"RefreshToken": refresh})
	if status != 200 {
		t.Fatalf("refresh: %d %s", status, b)
	}
	var lr struct{ TokenGroup struct{ Token string } }
	_ = json.Unmarshal(b, &lr)
	r.token = lr.TokenGroup.Token
	if status, _, _ := r.do(http.MethodGet, ramp.PathListPlaces, nil, nil); status != 200 {
		t.Errorf("refreshed token: %d", status)
	}
	srv.ExpireTokens()
	if status, _, _ := r.do(http.MethodGet, ramp.PathListPlaces, nil, nil); status != 401 {
		t.Errorf("after ExpireTokens: %d", status)
	}
	if status, _, _ := r.do(http.MethodPost, ramp.PathRefreshLogin, nil, map[string]string{"RefreshToken": refresh}); status != 200 {
		t.Errorf("refresh after ExpireTokens: %d", status)
	}
	if status, _, _ := r.do(http.MethodPost, ramp.PathRefreshLogin, nil, map[string]string{"RefreshToken": "bogus"}); status != 401 {
		t.Errorf("bogus refresh: %d", status)
	}
	if got := srv.CallsTo("Login"); got != 3 {
		t.Errorf("CallsTo(Login) = %d", got)
	}
}

func TestServerPaging(t *testing.T) {
	srv := ramptest.NewServer(ramptest.WithMaxPageSize(3))
	defer srv.Close()
	r := &raw{t: t, srv: srv}
	r.token, _ = r.login("demo", "demo-password")
	for _, ref := range []string{"e", "d", "c", "b", "a"} {
		if _, err := srv.AddSku(ramp.Sku{Name: "S " + ref, SkuNumber: ref, ExternalRef: ref, TrackingMode: ramp.TrackingNone}); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Items        []ramp.Sku
		NextPageLink *string
		Count        *int
	}
	status, _, b := r.do(http.MethodGet, ramp.PathListSkus, url.Values{"$top": {"2"}, "$count": {"true"}, "$filter": {"TrackingMode eq 'None'"}}, nil)
	var p page
	if err := json.Unmarshal(b, &p); status != 200 || err != nil {
		t.Fatalf("%d %s", status, b)
	}
	if len(p.Items) != 2 || p.Count == nil || *p.Count != 5 || p.NextPageLink == nil {
		t.Fatalf("page = %s", b)
	}
	link, err := url.Parse(*p.NextPageLink)
	if err != nil || !link.IsAbs() || link.Query().Get("$skip") != "2" || link.Query().Get("$filter") != "TrackingMode eq 'None'" {
		t.Errorf("NextPageLink = %s", *p.NextPageLink)
	}
	// Creation order: e was added first.
	if p.Items[0].ExternalRef != "e" || p.Items[1].ExternalRef != "d" {
		t.Errorf("order: %s, %s", p.Items[0].ExternalRef, p.Items[1].ExternalRef)
	}
	_, _, b = r.do(http.MethodGet, ramp.PathListSkus, url.Values{"$top": {"2"}, "$skip": {"4"}}, nil)
	p = page{}
	_ = json.Unmarshal(b, &p)
	if len(p.Items) != 1 || p.NextPageLink != nil || p.Count != nil {
		t.Errorf("last page = %s", b)
	}
	for _, q := range []url.Values{{"$top": {"4"}}, {"$top": {"-1"}}, {"$skip": {"x"}}, {"$count": {"yes"}}, {"$filter": {"Nope eq 1"}}} {
		status, _, b := r.do(http.MethodGet, ramp.PathListSkus, q, nil)
		if code, _ := errorCode(t, b); status != 400 || code != ramp.CodeValidationError {
			t.Errorf("%v: %d %s", q, status, b)
		}
	}
}

func TestServerRoutesAndFaults(t *testing.T) {
	srv := ramptest.NewServer()
	defer srv.Close()
	r := &raw{t: t, srv: srv}
	r.token, _ = r.login("demo", "demo-password")

	if status, _, _ := r.do(http.MethodGet, "api/Places/Nope", nil, nil); status != 404 {
		t.Errorf("unknown route: %d", status)
	}
	if status, _, _ := r.do(http.MethodGet, ramp.PathCreatePlace, nil, nil); status != 405 {
		t.Errorf("wrong method: %d", status)
	}
	status, _, b := r.do(http.MethodPost, ramp.PathCreatePlace, nil, map[string]any{"Id": "x", "Name": "n", "ExternalRef": "r"})
	if _, field := errorCode(t, b); status != 400 || field != "Id" {
		t.Errorf("create with Id: %d %s", status, b)
	}
	status, _, b = r.do(http.MethodPost, ramp.PathUpdatePlace, nil, map[string]any{"Id": "00000000-0000-4000-8000-000000000000", "Name": "n", "ExternalRef": "r"})
	if code, _ := errorCode(t, b); status != 404 || code != ramp.CodeResourceDoesNotExist {
		t.Errorf("update unknown: %d %s", status, b)
	}
	status, _, b = r.do(http.MethodPost, ramp.PathCreatePlace, nil, map[string]any{"ExternalRef": "r"})
	if code, field := errorCode(t, b); status != 400 || code != ramp.CodeValidationError || field != "Name" {
		t.Errorf("create without name: %d %s", status, b)
	}

	srv.FailNextRetryAfter(2, http.StatusTooManyRequests, 1500*time.Millisecond)
	for range 2 {
		status, h, _ := r.do(http.MethodGet, ramp.PathListPlaces, nil, nil)
		if status != 429 || h.Get("Retry-After") != "2" {
			t.Errorf("injected: %d Retry-After %q", status, h.Get("Retry-After"))
		}
	}
	srv.FailNext(1, http.StatusServiceUnavailable)
	// Logins are not affected by injected failures.
	r.token, _ = r.login("demo", "demo-password")
	status, h, _ := r.do(http.MethodGet, ramp.PathListPlaces, nil, nil)
	if status != 503 || h.Get("Retry-After") != "" {
		t.Errorf("503: %d Retry-After %q", status, h.Get("Retry-After"))
	}
	if status, _, _ := r.do(http.MethodGet, ramp.PathListPlaces, nil, nil); status != 200 {
		t.Errorf("after faults: %d", status)
	}
	if srv.CallsTo("GetFilteredPlaces") != 4 || srv.Calls() != 11 {
		t.Errorf("calls: list %d, total %d", srv.CallsTo("GetFilteredPlaces"), srv.Calls())
	}
}

func TestServerNewClientWithUser(t *testing.T) {
	srv := ramptest.NewServer(ramptest.WithUser("bob", "bob-password"))
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Places.List(nil).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddPlace(ramp.Place{Name: "", ExternalRef: "x"}); err == nil {
		t.Error("AddPlace accepted a place without name")
	}
}
