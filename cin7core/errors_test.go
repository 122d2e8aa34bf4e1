package cin7core_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/jarcoal/httpmock"
)

const emptyLocations = `{"Total":0,"Page":1,"LocationList":[]}`

func ok200(req *http.Request) (*http.Response, error) {
	return jsonResponder(200, []byte(emptyLocations))(req)
}

func withHeader(status int, body string, h http.Header) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		for k, vs := range h {
			r.Header[k] = vs
		}
		return r, nil
	}
}

func listLocations(c *cin7core.Client) error {
	_, err := c.Locations.List(nil).Collect(context.Background())
	return err
}

func TestThrottled429ThenOK(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL, sequence(
		jsonResponder(429, []byte(`[{"ErrorCode":429,"Exception":"You reached 60 calls per minute API limit"}]`)),
		ok200))
	if err := listLocations(c); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if mt.GetTotalCallCount() != 2 || st.Calls != 2 || st.Retries != 1 || st.Throttled != 1 {
		t.Fatalf("calls %d, stats %+v", mt.GetTotalCallCount(), st)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	for _, c := range []struct {
		name  string
		value func(now time.Time) string
		want  time.Duration
	}{
		{"seconds", func(time.Time) string { return "7" }, 7 * time.Second},
		{"HTTP date", func(now time.Time) string { return now.Add(12 * time.Second).Format(http.TimeFormat) }, 12 * time.Second},
		{"capped by MaxWait", func(time.Time) string { return "3600" }, 30 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := newFakeClock()
			mt, cl := newMockClient(t, cin7core.WithClock(clk),
				cin7core.WithRetryPolicy(cin7core.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 30 * time.Second, ThrottleMinWait: time.Millisecond}))
			mt.RegisterResponder(http.MethodGet, locationURL, sequence(
				withHeader(429, `[{"ErrorCode":429,"Exception":"Too many requests"}]`, http.Header{"Retry-After": {c.value(clk.Now())}}),
				ok200))
			if err := listLocations(cl); err != nil {
				t.Fatal(err)
			}
			if s := clk.Sleeps(); len(s) != 1 || s[0] != c.want {
				t.Fatalf("waits %v, want [%s]", s, c.want)
			}
		})
	}
}

func Test503WithoutRetryAfterThenOK(t *testing.T) {
	clk := newFakeClock()
	mt, c := newMockClient(t, cin7core.WithClock(clk),
		cin7core.WithRetryPolicy(cin7core.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 10 * time.Second, ThrottleMinWait: 3 * time.Second}))
	mt.RegisterResponder(http.MethodGet, locationURL, sequence(
		jsonResponder(503, []byte(`[{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}]`)),
		ok200))
	if err := listLocations(c); err != nil {
		t.Fatal(err)
	}
	if s := clk.Sleeps(); len(s) != 1 || s[0] != 3*time.Second {
		t.Fatalf("waits %v, want the throttle minimum [3s]", s)
	}
	if mt.GetTotalCallCount() != 2 {
		t.Fatalf("%d calls", mt.GetTotalCallCount())
	}
}

func TestThrottlingGivesUpWithErrRateLimited(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL,
		jsonResponder(503, []byte(`[{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}]`)))
	err := listLocations(c)
	if !errors.Is(err, cin7core.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	var ae *cin7core.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || ae.Code != 503 || ae.Attempts != 4 ||
		!strings.Contains(ae.Message, "60 calls per minute") || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Fatalf("APIError %+v / %v", ae, err)
	}
	if mt.GetTotalCallCount() != fastRetry.MaxAttempts {
		t.Fatalf("%d calls, want %d", mt.GetTotalCallCount(), fastRetry.MaxAttempts)
	}
}

func Test403IsUnauthorizedAndNotRetried(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL, withHeader(403, "Incorrect credentials!", http.Header{"Content-Type": {"text/plain"}}))
	err := listLocations(c)
	if !errors.Is(err, cin7core.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("403 retried: %d calls", mt.GetTotalCallCount())
	}
	if !strings.Contains(err.Error(), "Incorrect credentials") {
		t.Fatalf("message %q lacks the server's text", err)
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), testKey) {
		t.Fatal("error contains the application key")
	}
}

func TestErrorModelInsideHTTP200(t *testing.T) {
	for _, c := range []struct {
		body string
		kind error
		code int
		msg  string
	}{
		{`[{"ErrorCode":400,"Exception":"Required attribute Name is not provided."}]`, cin7core.ErrValidation, 400, "Required attribute Name"},
		{`[{"ErrorCode":404,"Exception":"Category not found."}]`, cin7core.ErrNotFound, 404, "Category not found."},
		{`{"ErrorCode":"400","Exception":"Brand 'Zed' was not found in reference book"}`, cin7core.ErrValidation, 400, "Brand 'Zed'"},
		{`[{"ErrorCode":403,"Exception":"Access denied"}]`, cin7core.ErrUnauthorized, 403, "Access denied"},
		{`[{"Exception":"Something odd"}]`, cin7core.ErrValidation, 0, "Something odd"},
	} {
		mt, cl := newMockClient(t)
		mt.RegisterResponder(http.MethodGet, locationURL, jsonResponder(200, []byte(c.body)))
		err := listLocations(cl)
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: err = %v, want %v", c.body, err, c.kind)
			continue
		}
		var ae *cin7core.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 200 || ae.Code != c.code || !strings.Contains(ae.Message, c.msg) || len(ae.Details) != 1 {
			t.Errorf("%s: APIError %+v", c.body, ae)
		}
		if mt.GetTotalCallCount() != 1 {
			t.Errorf("%s: %d calls", c.body, mt.GetTotalCallCount())
		}
	}
}

func TestErrorModelWithErrorStatus(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL,
		jsonResponder(400, []byte(`[{"ErrorCode":400,"Exception":"Limit must be between 1 and 1000."},{"ErrorCode":400,"Exception":"Page must be positive."}]`)))
	err := listLocations(c)
	var ae *cin7core.APIError
	if !errors.Is(err, cin7core.ErrValidation) || !errors.As(err, &ae) || ae.StatusCode != 400 || len(ae.Details) != 2 ||
		ae.Message != "Limit must be between 1 and 1000." {
		t.Fatalf("err = %v (%+v)", err, ae)
	}
	if !strings.Contains(ae.URL, "ref/location") || ae.Method != http.MethodGet || ae.Body == "" {
		t.Fatalf("APIError lacks request context: %+v", ae)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("400 retried: %d calls", mt.GetTotalCallCount())
	}
}

func TestHTMLInsideHTTP200IsBadResponse(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL,
		withHeader(200, string(fixture(t, "page_not_found.html")), http.Header{"Content-Type": {"text/html; charset=utf-8"}}))
	err := listLocations(c)
	if !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
	if !strings.Contains(err.Error(), "not JSON") || mt.GetTotalCallCount() != 1 {
		t.Fatalf("err %v after %d calls", err, mt.GetTotalCallCount())
	}
}

func TestWrongJSONShapeIsBadResponse(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL, jsonResponder(200, []byte(`{"Total":1,"Page":1,"LocationList":{"ID":"x"}}`)))
	if err := listLocations(c); !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
}

func Test500OnGetIsRetried(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL, sequence(
		jsonResponder(500, []byte(`[{"ErrorCode":500,"Exception":"Object reference not set to an instance of an object."}]`)),
		withHeader(502, "Bad Gateway", nil),
		ok200))
	if err := listLocations(c); err != nil {
		t.Fatal(err)
	}
	if mt.GetTotalCallCount() != 3 {
		t.Fatalf("%d calls, want 3", mt.GetTotalCallCount())
	}

	mt2, c2 := newMockClient(t)
	mt2.RegisterResponder(http.MethodGet, locationURL, withHeader(500, "boom", nil))
	err := listLocations(c2)
	if !errors.Is(err, cin7core.ErrServer) || mt2.GetTotalCallCount() != fastRetry.MaxAttempts {
		t.Fatalf("err = %v after %d calls", err, mt2.GetTotalCallCount())
	}
}

var errConnReset = errors.New("read tcp: connection reset by peer")

func TestTransportErrorOnGetIsRetried(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, locationURL, sequence(httpmock.NewErrorResponder(errConnReset), ok200))
	if err := listLocations(c); err != nil {
		t.Fatal(err)
	}
	if mt.GetTotalCallCount() != 2 {
		t.Fatalf("%d calls, want 2", mt.GetTotalCallCount())
	}

	mt2, c2 := newMockClient(t)
	mt2.RegisterResponder(http.MethodGet, locationURL, httpmock.NewErrorResponder(errConnReset))
	err := listLocations(c2)
	if !errors.Is(err, errConnReset) || mt2.GetTotalCallCount() != fastRetry.MaxAttempts {
		t.Fatalf("err = %v after %d calls", err, mt2.GetTotalCallCount())
	}
}

func TestContextCancelledDuringRetryWait(t *testing.T) {
	mt, c := newMockClient(t, cin7core.WithRetryPolicy(cin7core.RetryPolicy{MaxAttempts: 5, MinWait: 10 * time.Second, MaxWait: time.Minute, ThrottleMinWait: 30 * time.Second}))
	mt.RegisterResponder(http.MethodGet, locationURL, jsonResponder(503, []byte(`[{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}]`)))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Locations.List(nil).Collect(ctx)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("returned after %s", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "60 calls per minute") {
		t.Errorf("the last API error should stay visible: %v", err)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("%d calls", mt.GetTotalCallCount())
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	if _, err := c.Locations.List(nil).Collect(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
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

func TestApplicationKeyNeverInErrorsOrLogs(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mt, c := newMockClient(t, cin7core.WithLogger(logger))
	echo := "Incorrect credentials! key=" + testKey
	scenarios := []struct {
		name string
		r    httpmock.Responder
	}{
		{"403 echoing the key", withHeader(403, echo, nil)},
		{"error model echoing the key", jsonResponder(400, []byte(`[{"ErrorCode":400,"Exception":"bad key `+testKey+`"}]`))},
		{"error model in 200 echoing the key", jsonResponder(200, []byte(`[{"ErrorCode":400,"Exception":"bad key `+testKey+`"}]`))},
		{"HTML echoing the key", withHeader(200, "<html>"+testKey+"</html>", nil)},
		{"retried 503 echoing the key", jsonResponder(503, []byte(`[{"ErrorCode":503,"Exception":"limit for `+testKey+`"}]`))},
		{"retried 500 echoing the key", withHeader(500, "server error for "+testKey, nil)},
		{"transport error echoing the key", httpmock.NewErrorResponder(errors.New("dial failed for " + testKey))},
		{"bad shape echoing the key", jsonResponder(200, []byte(`{"Total":"`+testKey+`","LocationList":[]}`))},
	}
	for _, s := range scenarios {
		mt.RegisterResponder(http.MethodGet, locationURL, s.r)
		err := listLocations(c)
		if err == nil {
			t.Fatalf("%s: no error", s.name)
		}
		if strings.Contains(fmt.Sprintf("%v|%+v", err, err), testKey) {
			t.Errorf("%s: error contains the key: %v", s.name, err)
		}
		var ae *cin7core.APIError
		if errors.As(err, &ae) && (strings.Contains(ae.Body, testKey) || strings.Contains(ae.Message, testKey) || strings.Contains(ae.URL, testKey)) {
			t.Errorf("%s: APIError fields contain the key", s.name)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "level=DEBUG") || !strings.Contains(out, "level=WARN") {
		t.Fatalf("expected debug and warn lines, got:\n%s", out)
	}
	if strings.Contains(out, testKey) {
		t.Fatalf("logs contain the key:\n%s", out)
	}
	if !strings.Contains(out, "[REDACTED]") {
		t.Fatalf("expected redacted text in the logs:\n%s", out)
	}
}

func TestErrorSentinelsAreDistinct(t *testing.T) {
	all := []error{cin7core.ErrNotFound, cin7core.ErrUnauthorized, cin7core.ErrRateLimited, cin7core.ErrValidation, cin7core.ErrBadResponse, cin7core.ErrServer}
	for i, a := range all {
		for j, b := range all {
			if (i == j) != errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, errors.Is(a, b))
			}
		}
	}
	ve := &cin7core.ValidationError{Field: "ID", Reason: "must not be empty"}
	if ve.Error() != "cin7core: invalid ID: must not be empty" || (&cin7core.ValidationError{Reason: "x"}).Error() != "cin7core: invalid request: x" {
		t.Errorf("ValidationError text: %q", ve.Error())
	}
}

func TestErrorModelDetailsAreRedacted(t *testing.T) {
	mt := httpmock.NewMockTransport()
	const key = "app-key-echoed-back-123"
	mt.RegisterResponder(http.MethodGet, "=~product", httpmock.NewStringResponder(400,
		`[{"ErrorCode":400,"Exception":"bad key `+key+`"},{"ErrorCode":400,"Exception":"again `+key+`"}]`))
	c, err := cin7core.NewClient(cin7core.WithTransport(mt), cin7core.WithCredentials("acct-redact-details", key),
		cin7core.WithLimiter(nil), cin7core.WithBaseURL("https://cin7.test/ExternalApi/v2/"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Products.Get(context.Background(), "x")
	var ae *cin7core.APIError
	if !errors.As(err, &ae) || len(ae.Details) != 2 {
		t.Fatalf("err = %v", err)
	}
	for _, d := range ae.Details {
		if strings.Contains(d.Exception, key) {
			t.Fatalf("detail leaks the key: %q", d.Exception)
		}
	}
}

// Throttling reported inside a 200 is retried like a 429.
func TestThrottleInsideStatus200IsRetried(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "=~ref/location",
		httpmock.NewStringResponder(200, `[{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}]`).Once().
			Then(httpmock.NewStringResponder(200, emptyLocations)))
	c, err := cin7core.NewClient(cin7core.WithTransport(mt), cin7core.WithCredentials("acct-throttle-200", "k-123456"),
		cin7core.WithLimiter(nil), cin7core.WithBaseURL("https://cin7.test/ExternalApi/v2/"),
		cin7core.WithRetryPolicy(cin7core.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, ThrottleMinWait: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Locations.List(nil).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
}
