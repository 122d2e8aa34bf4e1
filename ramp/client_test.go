package ramp_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/jarcoal/httpmock"
)

const placeID = "3b0e6a1c-5d52-4c8e-9a36-0c4c5a3b9f10"

var ctx = context.Background()

func TestNewClientOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []ramp.Option
	}{
		{"no base URL", []ramp.Option{ramp.WithLogin("u", "p")}},
		{"relative base URL", []ramp.Option{ramp.WithBaseURL("/api"), ramp.WithLogin("u", "p")}},
		{"base URL with query", []ramp.Option{ramp.WithBaseURL("https://x.example/?a=1"), ramp.WithLogin("u", "p")}},
		{"no credentials", []ramp.Option{ramp.WithBaseURL(base)}},
		{"both credentials", []ramp.Option{ramp.WithBaseURL(base), ramp.WithLogin("u", "p"), ramp.WithToken("t")}},
		{"empty password", []ramp.Option{ramp.WithBaseURL(base), ramp.WithLogin("u", "")}},
		{"token with space", []ramp.Option{ramp.WithBaseURL(base), ramp.WithToken("a b")}},
		{"nil transport", []ramp.Option{ramp.WithBaseURL(base), ramp.WithToken("t"), ramp.WithTransport(nil)}},
		{"nil logger", []ramp.Option{ramp.WithBaseURL(base), ramp.WithToken("t"), ramp.WithLogger(nil)}},
		{"bad retry policy", []ramp.Option{ramp.WithBaseURL(base), ramp.WithToken("t"), ramp.WithRetryPolicy(ramp.RetryPolicy{})}},
	}
	for _, tc := range cases {
		if _, err := ramp.NewClient(tc.opts...); err == nil {
			t.Errorf("%s: NewClient succeeded", tc.name)
		}
	}
	mt := httpmock.NewMockTransport()
	c, err := ramp.NewClient(ramp.WithBaseURL("https://tenant.example/t1"), ramp.WithLogin("u", "p"), ramp.WithTransport(mt))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.BaseURL(); got != "https://tenant.example/t1/" {
		t.Errorf("BaseURL = %q", got)
	}
	if mt.GetTotalCallCount() != 0 || c.APICalls() != 0 {
		t.Error("NewClient made a call")
	}
}

func TestLoginThenCall(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, ramp.WithUserAgent("host-app/2"))
	var logins, gets recorder
	mt.RegisterResponder(http.MethodPost, base+ramp.PathLogin, logins.wrap(reply(t, 200, "login.json")))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, gets.wrap(reply(t, 200, "place.json")))

	for range 2 {
		p, err := c.Places.Get(ctx, placeID)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != placeID || p.Name != "Main Warehouse" || p.DateCreated.Nanosecond() != 123456700 {
			t.Errorf("place = %+v", p)
		}
	}
	if logins.len() != 1 {
		t.Fatalf("logins = %d, want 1", logins.len())
	}
	if got := string(logins.body[0]); got != `{"Password":"`+password+`","Username":"`+user+`"}` {
		t.Errorf("login body = %s", got)
	}
	if got, want := gets.req(1).Header.Get("Authorization"), "Token "+tokenOf(t, "login.json"); got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	if got := gets.req(0).Header.Get("User-Agent"); got != "host-app/2" {
		t.Errorf("User-Agent = %q", got)
	}
	if c.APICalls() != 3 || c.Stats().Calls != 3 {
		t.Errorf("APICalls = %d", c.APICalls())
	}
}

func TestStaticToken(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	var gets recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, gets.wrap(reply(t, 200, "place.json")))
	c, err := ramp.NewClient(ramp.WithBaseURL(base), ramp.WithToken("static-token-123"), ramp.WithTransport(mt), ramp.WithRetryPolicy(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Places.Get(ctx, placeID); err != nil {
		t.Fatal(err)
	}
	if got := gets.req(0).Header.Get("Authorization"); got != "Token static-token-123" {
		t.Errorf("Authorization = %q", got)
	}

	// A 401 is final: no login, no second attempt, token not in the error.
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, gets.wrap(reply(t, 401, "error_unauthorized.json")))
	_, err = c.Places.Get(ctx, placeID)
	if !errors.Is(err, ramp.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if gets.len() != 2 || calls(mt, http.MethodPost, ramp.PathLogin) != 0 {
		t.Errorf("calls: gets %d, logins %d", gets.len(), calls(mt, http.MethodPost, ramp.PathLogin))
	}
	if strings.Contains(err.Error(), "static-token-123") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	// The expiring fixture's token has exp 1700000000; 10 s before it the
	// token is inside the 30 s margin.
	clk := newFakeClock(time.Unix(1700000000-10, 0))
	c, mt := mockClient(t, ramp.WithClock(clk))
	var refreshes, gets recorder
	mt.RegisterResponder(http.MethodPost, base+ramp.PathLogin, reply(t, 200, "login_expiring.json"))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathRefreshLogin, refreshes.wrap(reply(t, 200, "login_refreshed.json")))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, gets.wrap(reply(t, 200, "place.json")))

	if _, err := c.Places.Get(ctx, placeID); err != nil {
		t.Fatal(err)
	}
	if refreshes.len() != 0 {
		t.Fatalf("refreshed a token it had just received")
	}
	if _, err := c.Places.Get(ctx, placeID); err != nil {
		t.Fatal(err)
	}
	if refreshes.len() != 1 {
		t.Fatalf("refreshes = %d, want 1", refreshes.len())
	}
	if got := string(refreshes.body[0]); got != `{"RefreshToken":"refresh-token-expiring"}` {
		t.Errorf("refresh body = %s", got)
	}
	if got, want := gets.req(1).Header.Get("Authorization"), "Token "+tokenOf(t, "login_refreshed.json"); got != want {
		t.Errorf("second call used %q", got)
	}
	if n := calls(mt, http.MethodPost, ramp.PathLogin); n != 1 {
		t.Errorf("logins = %d", n)
	}
}

func TestUnauthorizedRefreshesAndRetries(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var gets recorder
	mt.RegisterResponder(http.MethodPost, base+ramp.PathRefreshLogin, reply(t, 200, "login_refreshed.json"))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID,
		gets.wrap(reply(t, 401, "error_unauthorized.json").Then(reply(t, 200, "place.json"))))

	if _, err := c.Places.Get(ctx, placeID); err != nil {
		t.Fatal(err)
	}
	if gets.len() != 2 {
		t.Fatalf("gets = %d, want 2", gets.len())
	}
	if got, want := gets.req(1).Header.Get("Authorization"), "Token "+tokenOf(t, "login_refreshed.json"); got != want {
		t.Errorf("retry used %q", got)
	}
	if n := calls(mt, http.MethodPost, ramp.PathRefreshLogin); n != 1 {
		t.Errorf("refreshes = %d", n)
	}
	if n := calls(mt, http.MethodPost, ramp.PathLogin); n != 1 {
		t.Errorf("logins = %d", n)
	}
}

func TestUnauthorizedRefreshFailsThenLogin(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var gets recorder
	mt.RegisterResponder(http.MethodPost, base+ramp.PathLogin,
		reply(t, 200, "login.json").Then(reply(t, 200, "login_refreshed.json")))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathRefreshLogin, reply(t, 401, "error_unauthorized.json"))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID,
		gets.wrap(reply(t, 401, "error_unauthorized.json").Then(reply(t, 200, "place.json"))))

	if _, err := c.Places.Get(ctx, placeID); err != nil {
		t.Fatal(err)
	}
	if n := calls(mt, http.MethodPost, ramp.PathLogin); n != 2 {
		t.Errorf("logins = %d, want 2", n)
	}
	if n := calls(mt, http.MethodPost, ramp.PathRefreshLogin); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
	if got, want := gets.req(1).Header.Get("Authorization"), "Token "+tokenOf(t, "login_refreshed.json"); got != want {
		t.Errorf("retry used %q", got)
	}
}

func TestSecondUnauthorizedIsFinal(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, base+ramp.PathRefreshLogin, reply(t, 200, "login_refreshed.json"))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, reply(t, 401, "error_unauthorized.json"))

	_, err := c.Places.Get(ctx, placeID)
	if !errors.Is(err, ramp.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	var ae *ramp.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Code() != ramp.CodeAuthenticationFailed {
		t.Errorf("err = %#v", err)
	}
	if n := calls(mt, http.MethodGet, ramp.PathGetPlace+"/"+placeID); n != 2 {
		t.Errorf("gets = %d, want 2", n)
	}
	for _, tok := range []string{tokenOf(t, "login.json"), tokenOf(t, "login_refreshed.json"), "refresh-token-one"} {
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error leaks a token: %v", err)
		}
	}
}

func TestLoginFailureNeverLeaksPassword(t *testing.T) {
	t.Parallel()
	// A server that echoes the request body into its message is the worst
	// case: the password must still not come out.
	echo := func(status int) httpmock.Responder {
		return func(r *http.Request) (*http.Response, error) {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(r.Body)
			msg := strings.ReplaceAll(buf.String(), `"`, `'`)
			return httpmock.NewStringResponse(status, `[{"ErrorCode":"AuthenticationFailed","Message":"bad login `+msg+`"}]`), nil
		}
	}
	cases := []struct {
		name      string
		responder httpmock.Responder
		want      string
	}{
		{"success false", reply(t, 200, "login_failed.json"), "Invalid username or password"},
		{"401 login shape", reply(t, 401, "login_failed.json"), "Invalid username or password"},
		{"401 echoing body", echo(401), "bad login"},
		{"400 echoing body", echo(400), "bad login"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			var mu sync.Mutex
			logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, mt := mockClient(t, ramp.WithLogger(logger))
			mt.RegisterResponder(http.MethodPost, base+ramp.PathLogin, tc.responder)
			mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, reply(t, 200, "place.json"))

			_, err := c.Places.Get(ctx, placeID)
			if !errors.Is(err, ramp.ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error lacks the server's message: %v", err)
			}
			var ae *ramp.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("not an APIError: %T", err)
			}
			mu.Lock()
			logged := logs.String()
			mu.Unlock()
			for _, s := range []string{err.Error(), ae.RequestBody, ae.Body, ae.URL, logged} {
				if strings.Contains(s, password) {
					t.Errorf("password leaked in %q", s)
				}
			}
			if calls(mt, http.MethodGet, ramp.PathGetPlace+"/"+placeID) != 0 {
				t.Error("call sent after a failed login")
			}
		})
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestConcurrentCallersShareOneLogin(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, base+ramp.PathLogin, reply(t, 200, "login.json").Delay(20*time.Millisecond))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, reply(t, 200, "place.json"))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Places.Get(ctx, placeID)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := calls(mt, http.MethodPost, ramp.PathLogin); n != 1 {
		t.Errorf("logins = %d, want 1", n)
	}
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		status  int
		fixture string
		want    error
		code    string
		field   string
	}{
		{"404", 404, "error_not_found.json", ramp.ErrNotFound, ramp.CodeResourceDoesNotExist, "Id"},
		{"409 duplicate", 409, "error_duplicate.json", ramp.ErrConflict, ramp.CodeDuplicateResource, "ExternalRef"},
		{"400 validation", 400, "error_validation.json", ramp.ErrValidation, ramp.CodeValidationError, "Name"},
		{"400 foreign key", 400, "error_foreign_key.json", ramp.ErrValidation, ramp.CodeInvalidForeignKey, "ParentPlaceId"},
		{"400 illegal", 400, "error_illegal.json", ramp.ErrValidation, ramp.CodeIllegalBusinessOperation, "ParentPlaceId"},
		{"409 illegal", 409, "error_illegal.json", ramp.ErrConflict, ramp.CodeIllegalBusinessOperation, "ParentPlaceId"},
		{"500", 500, "error_server.json", ramp.ErrServer, "ServerError", ""},
		{"HTML in a 200", 200, "error_page.html", ramp.ErrBadResponse, "", ""},
		{"HTML in a 502", 502, "error_page.html", ramp.ErrServer, "", ""},
		{"list where a record belongs", 200, "places_empty.json", ramp.ErrBadResponse, "", ""},
		{"error list in a 200", 200, "error_duplicate.json", ramp.ErrConflict, ramp.CodeDuplicateResource, "ExternalRef"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t)
			mt.RegisterResponder(http.MethodPost, base+ramp.PathCreatePlace, reply(t, tc.status, tc.fixture))
			_, err := c.Places.Create(ctx, &ramp.Place{Name: "Main", ExternalRef: "5f4a1e2b-0c3d-4e5f-8a9b-1c2d3e4f5a6b"})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var ae *ramp.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("not an APIError: %T", err)
			}
			if ae.Code() != tc.code || ae.Field() != tc.field || ae.StatusCode != tc.status {
				t.Errorf("code %q field %q status %d", ae.Code(), ae.Field(), ae.StatusCode)
			}
			if ae.Method != http.MethodPost || ae.URL != base+ramp.PathCreatePlace || !strings.Contains(ae.RequestBody, `"Name":"Main"`) {
				t.Errorf("context: %s %s %s", ae.Method, ae.URL, ae.RequestBody)
			}
			if n := calls(mt, http.MethodPost, ramp.PathCreatePlace); n != 1 {
				t.Errorf("creates = %d, want 1 (writes are never retried)", n)
			}
		})
	}
}

func TestReadRetriedOn503(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID,
		reply(t, 503, "error_server.json").Then(reply(t, 200, "place.json")))
	if _, err := c.Places.Get(ctx, placeID); err != nil {
		t.Fatal(err)
	}
	if n := calls(mt, http.MethodGet, ramp.PathGetPlace+"/"+placeID); n != 2 {
		t.Errorf("gets = %d, want 2", n)
	}
	if s := c.Stats(); s.Throttled != 1 || s.Retries != 1 {
		t.Errorf("stats = %+v", s)
	}
}

func TestReadGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, reply(t, 429, "error_server.json"))
	_, err := c.Places.Get(ctx, placeID)
	if !errors.Is(err, ramp.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	var ae *ramp.APIError
	if errors.As(err, &ae); ae == nil || ae.Attempts != fastRetry.MaxAttempts {
		t.Errorf("attempts: %+v", ae)
	}
}

func TestWritesNotRetriedOnServerOrTransportError(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, base+ramp.PathCreatePlace, reply(t, 500, "error_server.json"))
	_, err := c.Places.Create(ctx, &ramp.Place{Name: "Main", ExternalRef: "r1"})
	if !errors.Is(err, ramp.ErrServer) {
		t.Fatalf("err = %v", err)
	}
	if n := calls(mt, http.MethodPost, ramp.PathCreatePlace); n != 1 {
		t.Errorf("creates = %d, want exactly 1", n)
	}

	mt.RegisterResponder(http.MethodPost, base+ramp.PathUpdateSku, httpmock.NewErrorResponder(errors.New("connection reset by peer")))
	_, err = c.Skus.Update(ctx, &ramp.Sku{ID: "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a", Name: "T", ExternalRef: "r", SkuNumber: "S", TrackingMode: ramp.TrackingNone})
	if err == nil {
		t.Fatal("no error")
	}
	if n := calls(mt, http.MethodPost, ramp.PathUpdateSku); n != 1 {
		t.Errorf("updates = %d, want exactly 1", n)
	}

	// Throttling is still retried: the server did nothing.
	mt.RegisterResponder(http.MethodPost, base+ramp.PathCreateSku,
		reply(t, 429, "error_server.json").Then(reply(t, 200, "sku.json")))
	if _, err := c.Skus.Create(ctx, &ramp.Sku{Name: "T", ExternalRef: "r", SkuNumber: "S", TrackingMode: ramp.TrackingNone}); err != nil {
		t.Fatal(err)
	}
}

func TestEveryEndpoint(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	skuID := "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a"
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, rec.wrap(reply(t, 200, "place.json")))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathCreatePlace, rec.wrap(reply(t, 200, "place_bin.json")))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathUpdatePlace, rec.wrap(reply(t, 200, "place.json")))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetSku+"/"+skuID, rec.wrap(reply(t, 200, "sku.json")))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathCreateSku, rec.wrap(reply(t, 200, "sku.json")))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathUpdateSku, rec.wrap(reply(t, 200, "sku.json")))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListSkus, rec.wrap(reply(t, 200, "skus_page.json")))

	p, err := c.Places.Get(ctx, placeID)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := c.Places.Create(ctx, &ramp.Place{Name: "Bin A-01", ExternalRef: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", ParentPlaceID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if bin.ParentPlaceName != "Main Warehouse" || bin.ParentPlaceID != p.ID {
		t.Errorf("bin = %+v", bin)
	}
	p.Archived = true
	if _, err := c.Places.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	k, err := c.Skus.Get(ctx, skuID)
	if err != nil {
		t.Fatal(err)
	}
	if k.TrackingMode != ramp.TrackingBatch || k.SkuNumber != "TSHIRT-RED-M" {
		t.Errorf("sku = %+v", k)
	}
	if _, err := c.Skus.Create(ctx, &ramp.Sku{Name: k.Name, ExternalRef: k.ExternalRef, SkuNumber: k.SkuNumber, TrackingMode: ramp.TrackingBatch}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Skus.Update(ctx, k); err != nil {
		t.Fatal(err)
	}
	skus, err := c.Skus.List(nil).Collect(ctx)
	if err != nil || len(skus) != 1 {
		t.Fatalf("skus = %v, %v", skus, err)
	}

	wantBodies := map[int]string{
		1: `{"ExternalRef":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","Name":"Bin A-01","ParentPlaceId":"` + placeID + `","Archived":false}`,
	}
	for i, want := range wantBodies {
		if got := string(rec.body[i]); got != want {
			t.Errorf("body %d = %s\nwant %s", i, got, want)
		}
	}
	if !strings.Contains(string(rec.body[2]), `"Id":"`+placeID+`"`) || !strings.Contains(string(rec.body[2]), `"Archived":true`) {
		t.Errorf("update body = %s", rec.body[2])
	}
	for i := range rec.len() {
		r := rec.req(i)
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: content type %q", r.Method, r.URL, r.Header.Get("Content-Type"))
		}
	}
}

func TestClientSideValidation(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	checks := []struct {
		name  string
		field string
		call  func() error
	}{
		{"create without name", "Name", func() error { _, err := c.Places.Create(ctx, &ramp.Place{ExternalRef: "r"}); return err }},
		{"create without ref", "ExternalRef", func() error { _, err := c.Skus.Create(ctx, &ramp.Sku{Name: "n"}); return err }},
		{"create with ID", "ID", func() error {
			_, err := c.Places.Create(ctx, &ramp.Place{ID: "x", Name: "n", ExternalRef: "r"})
			return err
		}},
		{"update without ID", "ID", func() error { _, err := c.Places.Update(ctx, &ramp.Place{Name: "n", ExternalRef: "r"}); return err }},
		{"sku update without ID", "ID", func() error { _, err := c.Skus.Update(ctx, &ramp.Sku{Name: "n", ExternalRef: "r"}); return err }},
		{"nil place", "", func() error { _, err := c.Places.Create(ctx, nil); return err }},
		{"get empty ID", "ID", func() error { _, err := c.Places.Get(ctx, ""); return err }},
		{"get ID with slash", "ID", func() error { _, err := c.Skus.Get(ctx, "../x"); return err }},
		{"find empty ref", "ExternalRef", func() error { _, err := c.Places.FindByExternalRef(ctx, " "); return err }},
		{"bad filter field", "filter", func() error {
			_, err := c.Places.List(&ramp.ListOptions{Filter: ramp.Eq("Name eq 'x' or 1", 1)}).Collect(ctx)
			return err
		}},
		{"bad filter value", "filter", func() error {
			_, err := c.Skus.List(&ramp.ListOptions{Filter: ramp.And(ramp.Eq("Name", "x"), ramp.Eq("Tags", []string{"a"}))}).Collect(ctx)
			return err
		}},
		{"negative skip", "Skip", func() error { _, err := c.Places.List(&ramp.ListOptions{Skip: -1}).Collect(ctx); return err }},
	}
	for _, ch := range checks {
		err := ch.call()
		var ve *ramp.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ramp.ErrValidation) || ve.Field != ch.field {
			t.Errorf("%s: err = %v, want *ValidationError on %q", ch.name, err, ch.field)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent; client-side checks must send none", n)
	}
}

func TestIDIsEscapedInPath(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterNoResponder(rec.wrap(reply(t, 200, "place.json")))
	if _, err := c.Places.Get(ctx, "a b?c#d%e"); err != nil {
		t.Fatal(err)
	}
	if got := rec.req(0).URL.EscapedPath(); got != "/"+ramp.PathGetPlace+"/a%20b%3Fc%23d%25e" {
		t.Errorf("path = %s", got)
	}
	if rec.req(0).URL.RawQuery != "" {
		t.Errorf("query = %q", rec.req(0).URL.RawQuery)
	}
}

func TestPagingFollowsNextPageLink(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaces,
		rec.wrap(reply(t, 200, "places_link_page1.json").Then(reply(t, 200, "places_link_page2.json"))))
	p := c.Places.List(&ramp.ListOptions{PageSize: 2})
	var pages []*ramp.Page[ramp.Place]
	for pg, err := range p.Pages(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, pg)
	}
	if len(pages) != 2 || rec.len() != 2 {
		t.Fatalf("pages = %d, calls = %d", len(pages), rec.len())
	}
	if pages[1].Skip != 2 || !pages[1].Last || pages[0].Last || pages[0].Count != 4 || !pages[0].HasCount {
		t.Errorf("pages = %+v / %+v", pages[0], pages[1])
	}
	if got := rec.req(0).URL.Query(); got.Get("$top") != "2" || got.Get("$skip") != "0" || got.Get("$count") != "true" || got.Has("$filter") {
		t.Errorf("first query = %v", got)
	}
	if got := rec.req(1).URL.Query().Get("$skip"); got != "2" {
		t.Errorf("second page $skip = %s", got)
	}
	if p.Skip() != 4 || !p.Done() {
		t.Errorf("Skip = %d, Done = %v", p.Skip(), p.Done())
	}
}

func TestPagingRelativeNextPageLink(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaces,
		rec.wrap(reply(t, 200, "places_relative_page1.json").Then(reply(t, 200, "places_relative_page2.json"))))
	all, err := c.Places.List(&ramp.ListOptions{PageSize: 2}).Collect(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("all = %d, err = %v", len(all), err)
	}
	if rec.len() != 2 || rec.req(1).URL.Path != "/"+ramp.PathListPlaces || rec.req(1).URL.Query().Get("$skip") != "2" {
		t.Errorf("second request %s", rec.req(1).URL)
	}
}

func TestPagingStopsOnCount(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaces,
		rec.wrap(reply(t, 200, "places_count_page1.json").Then(reply(t, 200, "places_count_page2.json"))))
	var got []string
	for p, err := range c.Places.List(&ramp.ListOptions{PageSize: 2}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.ExternalRef)
	}
	if strings.Join(got, ",") != "ref-1,ref-2,ref-3,ref-4" {
		t.Errorf("got %v", got)
	}
	if rec.len() != 2 {
		t.Errorf("calls = %d, want 2 (stop on Count, no empty third page)", rec.len())
	}
	if rec.req(1).URL.Query().Get("$skip") != "2" {
		t.Errorf("second query %v", rec.req(1).URL.Query())
	}
}

func TestPagingResumeAfterBreak(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaces, rec.wrap(reply(t, 200, "places_count_page1.json")))
	p := c.Places.List(&ramp.ListOptions{PageSize: 2, Skip: 10})
	for range p.All(ctx) {
		break
	}
	if p.Skip() != 11 {
		t.Errorf("Skip after one record = %d, want 11", p.Skip())
	}
}

func TestPagingRefusesForeignLink(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaces, reply(t, 200, "places_foreign_link.json"))
	_, err := c.Places.List(nil).Collect(ctx)
	if !errors.Is(err, ramp.ErrBadResponse) || !strings.Contains(err.Error(), "evil.example") {
		t.Fatalf("err = %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 2 { // login + one page; never the foreign host
		t.Errorf("calls = %d", n)
	}
}

func TestPagingBadEnvelope(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaces, reply(t, 200, "places_no_items.json"))
	if _, err := c.Places.List(nil).Collect(ctx); !errors.Is(err, ramp.ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListSkus, reply(t, 200, "error_page.html"))
	if _, err := c.Skus.List(nil).Collect(ctx); !errors.Is(err, ramp.ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
}

func TestFilterIsSentVerbatim(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaces, rec.wrap(reply(t, 200, "places_empty.json")))
	f := ramp.And(ramp.Eq("ExternalRef", "o'brien"), ramp.Or(ramp.Eq("Archived", false), ramp.Contains("Name", "a&b=c")))
	if _, err := c.Places.List(&ramp.ListOptions{Filter: f}).Collect(ctx); err != nil {
		t.Fatal(err)
	}
	q := rec.req(0).URL.Query()
	if got, want := q.Get("$filter"), `ExternalRef eq 'o''brien' and (Archived eq false or contains(Name,'a&b=c'))`; got != want {
		t.Errorf("$filter = %s\nwant      %s", got, want)
	}
	if q.Get("$top") != "1000" || q.Get("$skip") != "0" || q.Get("$count") != "true" {
		t.Errorf("query = %v", q)
	}
	if strings.Contains(rec.req(0).URL.RawQuery, "&b=c") {
		t.Errorf("value not encoded: %s", rec.req(0).URL.RawQuery)
	}
}

func TestFindByExternalRef(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaces, rec.wrap(
		reply(t, 200, "places_two_matches.json").
			Then(reply(t, 200, "places_empty.json")).
			Then(reply(t, 200, "skus_page.json"))))

	_, err := c.Places.FindByExternalRef(ctx, "ref-1")
	if !errors.Is(err, ramp.ErrConflict) {
		t.Errorf("two matches: err = %v", err)
	}
	q := rec.req(0).URL.Query()
	if q.Get("$filter") != "ExternalRef eq 'ref-1'" || q.Get("$top") != "2" {
		t.Errorf("query = %v", q)
	}
	if _, err := c.Places.FindByExternalRef(ctx, "ref-9"); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("no match: err = %v", err)
	}
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListSkus, reply(t, 200, "skus_page.json"))
	k, err := c.Skus.FindByExternalRef(ctx, "0f9e8d7c-6b5a-4948-8372-615a4b3c2d1e")
	if err != nil || k.SkuNumber != "TSHIRT-RED-M" {
		t.Errorf("sku = %+v, %v", k, err)
	}
}

func TestContextCancelled(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID, reply(t, 200, "place.json"))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Places.Get(cctx, placeID); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestLoginWithoutToken(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, base+ramp.PathLogin, httpmock.NewStringResponder(200, `{"Success":true,"TokenGroup":null,"Messages":[]}`))
	_, err := c.Places.Get(ctx, placeID)
	var ae *ramp.APIError
	if !errors.Is(err, ramp.ErrBadResponse) || !errors.As(err, &ae) || ae.RequestBody != "" {
		t.Fatalf("err = %v", err)
	}
}

type countingLimiter struct {
	mu sync.Mutex
	n  int
}

func (l *countingLimiter) Wait(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return nil
}

func TestLimiterSeesEveryRequest(t *testing.T) {
	t.Parallel()
	lim := &countingLimiter{}
	c, mt := mockClient(t, ramp.WithLimiter(lim), ramp.WithHTTPClient(&http.Client{Timeout: time.Minute}))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetPlace+"/"+placeID,
		reply(t, 503, "error_server.json").Then(reply(t, 200, "place.json")))
	if _, err := c.Places.Get(ctx, placeID); err != nil {
		t.Fatal(err)
	}
	if lim.n != 3 { // login, 503, retry
		t.Errorf("limiter waits = %d, want 3", lim.n)
	}
}
