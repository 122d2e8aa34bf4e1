package cin7core_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/jarcoal/httpmock"
)

// testBase is the base URL the mocked clients use.
const testBase = "https://cin7.test/ExternalApi/v2/"

// testKey is the application key of the mocked clients; no error or log
// line may ever contain it.
const testKey = "k3y-5ecret-9f8e7d6c-appkey"

// fastRetry keeps retry waits tiny so tests run quickly.
var fastRetry = cin7core.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}

var accountSeq atomic.Int64

// uniqueAccount returns an account ID no other test uses, so that tests
// never share the process-wide per-account limiter.
func uniqueAccount(t *testing.T) string {
	return fmt.Sprintf("acct-%d-%s", accountSeq.Add(1), strings.ReplaceAll(t.Name(), "/", "-"))
}

// newMockClient returns a client on a fresh httpmock transport, with no
// client-side limiter and tiny retry waits; later options win.
func newMockClient(t *testing.T, opts ...cin7core.Option) (*httpmock.MockTransport, *cin7core.Client) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	all := []cin7core.Option{
		cin7core.WithBaseURL(testBase),
		cin7core.WithCredentials(uniqueAccount(t), testKey),
		cin7core.WithTransport(mt),
		cin7core.WithLimiter(nil),
		cin7core.WithRetryPolicy(fastRetry),
	}
	c, err := cin7core.NewClient(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return mt, c
}

// fixture reads testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonResponder answers with a JSON body.
func jsonResponder(status int, body []byte) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewBytesResponse(status, body)
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		return r, nil
	}
}

// sequence answers with each responder in turn, repeating the last one.
func sequence(rs ...httpmock.Responder) httpmock.Responder {
	var mu sync.Mutex
	i := 0
	return func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		r := rs[min(i, len(rs)-1)]
		i++
		mu.Unlock()
		return r(req)
	}
}

// fakeClock records the waits the client asks for and returns at once.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

const (
	locationURL = testBase + "ref/location"
	productURL  = testBase + "product"
	familyURL   = testBase + "productFamily"
)
