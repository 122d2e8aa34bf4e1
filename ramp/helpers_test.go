package ramp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/jarcoal/httpmock"
)

const (
	base     = "https://tenant.example/"
	user     = "svc-sync"
	password = "s3cret-Pa55word!"
)

// fastRetry keeps retry tests quick.
var fastRetry = ramp.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tokenOf returns the access token inside a login fixture.
func tokenOf(t testing.TB, name string) string {
	t.Helper()
	var lr struct {
		TokenGroup struct{ Token, Refresh string }
	}
	if err := json.Unmarshal(fixture(t, name), &lr); err != nil {
		t.Fatal(err)
	}
	return lr.TokenGroup.Token
}

// reply answers status with a fixture body as JSON.
func reply(t testing.TB, status int, name string) httpmock.Responder {
	b := fixture(t, name)
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewBytesResponse(status, b)
		r.Header.Set("Content-Type", "application/json")
		return r, nil
	}
}

// recorder keeps every request a responder saw, with its body.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (r *recorder) wrap(next httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var b []byte
		if req.Body != nil {
			b, _ = io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(b))
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		r.body = append(r.body, b)
		r.mu.Unlock()
		return next(req)
	}
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func (r *recorder) req(i int) *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[i]
}

// mockClient returns a client on a fresh mock transport whose Login
// answers the login.json fixture.
func mockClient(t *testing.T, opts ...ramp.Option) (*ramp.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, base+ramp.PathLogin, reply(t, 200, "login.json"))
	all := append([]ramp.Option{
		ramp.WithBaseURL(base), ramp.WithLogin(user, password),
		ramp.WithTransport(mt), ramp.WithRetryPolicy(fastRetry),
	}, opts...)
	c, err := ramp.NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func calls(mt *httpmock.MockTransport, method, path string) int {
	return mt.GetCallCountInfo()[method+" "+base+path]
}

// fakeClock is a settable clock; Sleep returns at once (tests never wait).
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}
