package replay_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7corerecord"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7corerecord/replay"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/jarcoal/httpmock"
)

var quick = cin7core.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, ThrottleMinWait: time.Millisecond}

// replayClient is a client whose requests are answered by fixtures.
func replayClient(t *testing.T, dir string) (*httpmock.MockTransport, *cin7core.Client) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	if err := replay.Replay(mt, dir); err != nil {
		t.Fatal(err)
	}
	c, err := cin7core.NewClient(cin7core.WithBaseURL("https://inventory.example/ExternalApi/v2/"),
		cin7core.WithCredentials("replay-account-"+t.Name(), "replay-key"), cin7core.WithTransport(mt),
		cin7core.WithLimiter(nil), cin7core.WithRetryPolicy(quick))
	if err != nil {
		t.Fatal(err)
	}
	return mt, c
}

// The project's own fixtures, written in the documented shapes.
func TestReplayDocumentedFixtures(t *testing.T) {
	mt, c := replayClient(t, filepath.Join("..", "testdata", "documented"))
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := c.Me.Get(ctx)
	if err != nil || a.Company != "Southern Trails Outdoor Pty Ltd" || len(a.RoundingTable) != 1 {
		t.Fatalf("me: %+v %v", a, err)
	}
	locs, err := c.Locations.List(nil).Collect(ctx)
	if err != nil || len(locs) != 2 || !locs[1].IsBin() || locs[0].ReferenceCount != 27 || !strings.HasPrefix(locs[0].AddressLine1, "address-") {
		t.Fatalf("locations: %+v %v", locs, err)
	}
	// The watchdog of pitfall 6, replayed: read, then write IsActive.
	w, err := c.Webhooks.Reactivate(ctx, "5e0b7c21-9a4d-4f3e-b812-6c7d8e9f0a1b")
	if err != nil || !bool(w.IsActive) || w.ExternalPassword != cin7corerecord.Redacted {
		t.Fatalf("reactivate: %v %v", w, err)
	}
	hooks, err := c.Webhooks.List(ctx)
	if err != nil || len(hooks) != 1 || !bool(hooks[0].IsActive) {
		t.Fatalf("list after reactivation: %v %v", hooks, err)
	}
	if err := c.Webhooks.Delete(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, cin7core.ErrNotFound) {
		t.Fatalf("recorded 404: %v", err)
	}
	if _, err := c.Locations.Get(ctx, "ffffffff-0000-4000-8000-000000000001"); !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("recorded HTML page: %v", err)
	}
	// Not recorded: no answer. A query-less fixture does not answer a
	// request with a query.
	if _, err := c.Locations.List(&cin7core.LocationListOptions{Name: "Hob"}).Collect(ctx); err == nil {
		t.Fatal("unrecorded request answered")
	}
	req, _ := http.NewRequest(http.MethodGet, "https://elsewhere.example/ExternalApi/v2/me?x=1", nil)
	if _, err := mt.RoundTrip(req); err == nil {
		t.Fatal("query-less fixture answered a request with a query")
	}
	info := mt.GetCallCountInfo()
	if info["GET /ExternalApi/v2/webhooks <no query>"] != 2 || info["PUT /ExternalApi/v2/webhooks <no query>"] != 1 {
		t.Fatalf("calls: %v", info)
	}
}

func TestReplayErrors(t *testing.T) {
	mt := httpmock.NewMockTransport()
	if err := replay.Replay(mt, t.TempDir()); err == nil {
		t.Error("empty folder accepted")
	}
	if err := replay.Replay(nil, filepath.Join("..", "testdata", "documented")); err == nil {
		t.Error("nil transport accepted")
	}
	if err := replay.Replay(mt, filepath.Join("..", "testdata", "missing")); err == nil {
		t.Error("missing folder accepted")
	}
}

// Record real exchanges with the fake through a client, check that no
// secret or personal value is in the files, then replay them and get the
// same typed results.
func TestRecordFakeThenReplay(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	rec, err := cin7corerecord.NewRecorder(http.DefaultTransport, dir)
	if err != nil {
		t.Fatal(err)
	}
	live, err := cin7core.NewClient(append(srv.ClientOptions(), cin7core.WithTransport(rec), cin7core.WithRetryPolicy(quick))...)
	if err != nil {
		t.Fatal(err)
	}
	const (
		password = "pa55-W0rd-for-hooks"
		header   = "hdr-s3cret-0042"
		urlToken = "url-t0ken-123"
		newPass  = "new-Pa55word-991"
		badKey   = "wrong-app-key-5150"
	)
	ctx := context.Background()
	type results struct {
		me      *cin7core.Account
		locs    []cin7core.Location
		prods   []cin7core.Product
		created *cin7core.Webhook
		listed  []cin7core.Webhook
		updated *cin7core.Webhook
		badPing error
		delErr  error
	}
	run := func(c, bad *cin7core.Client) results {
		var r results
		var err error
		if r.me, err = c.Me.Get(ctx); err != nil {
			t.Fatal(err)
		}
		r.badPing = bad.Ping(ctx)
		if r.locs, err = c.Locations.List(nil).Collect(ctx); err != nil {
			t.Fatal(err)
		}
		if r.prods, err = c.Products.List(&cin7core.ProductListOptions{Limit: 25}).Collect(ctx); err != nil {
			t.Fatal(err)
		}
		if r.created, err = c.Webhooks.Create(ctx, &cin7core.Webhook{Type: cin7core.WebhookSaleOrderAuthorised, IsActive: true,
			ExternalURL: "https://hooks.example.net/sales?token=" + urlToken, ExternalAuthorizationType: cin7core.WebhookBasicAuth,
			ExternalUserName: "cin7", ExternalPassword: password,
			ExternalHeaders: []cin7core.WebhookHeader{{Key: "X-Ramp-Secret", Value: header}}}); err != nil {
			t.Fatal(err)
		}
		if r.listed, err = c.Webhooks.List(ctx); err != nil {
			t.Fatal(err)
		}
		upd := r.listed[0]
		upd.ExternalPassword = newPass
		if r.updated, err = c.Webhooks.Update(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		r.delErr = c.Webhooks.Delete(ctx, r.created.ID)
		return r
	}
	bad, err := cin7core.NewClient(append(srv.ClientOptions(), cin7core.WithTransport(rec), cin7core.WithRetryPolicy(quick),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, badKey))...)
	if err != nil {
		t.Fatal(err)
	}
	want := run(live, bad)
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(want.badPing, cin7core.ErrUnauthorized) || want.delErr != nil {
		t.Fatalf("live run: %v %v", want.badPing, want.delErr)
	}

	// No secret, credential or personal value in the files.
	var text strings.Builder
	for _, f := range rec.Files() {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text.Write(b)
	}
	private := []string{cin7coretest.DemoApplicationKey, cin7coretest.DemoAccountID, badKey, password, header, urlToken, newPass, `"cin7"`}
	for _, l := range want.locs {
		for _, a := range []string{l.AddressLine1, l.AddressCitySuburb, l.AddressZipPostCode} {
			if len(a) > 3 {
				private = append(private, `"`+a+`"`)
			}
		}
	}
	for _, p := range private {
		if strings.Contains(text.String(), p) {
			t.Errorf("fixtures keep %q", p)
		}
	}
	if n := len(rec.Files()); n < 9 {
		t.Fatalf("%d fixtures", n)
	}

	// Replay: the same calls give the same typed results, except what was
	// scrubbed.
	_, c := replayClient(t, dir)
	got := run(c, c) // the second me call replays the recorded 403
	if !errors.Is(got.badPing, cin7core.ErrUnauthorized) || got.delErr != nil {
		t.Fatalf("replayed errors: %v %v", got.badPing, got.delErr)
	}
	if !reflect.DeepEqual(got.me, want.me) {
		t.Errorf("me: %+v vs %+v", got.me, want.me)
	}
	if !reflect.DeepEqual(got.prods, want.prods) {
		t.Errorf("products differ after replay")
	}
	if len(got.locs) != len(want.locs) {
		t.Fatalf("%d locations, want %d", len(got.locs), len(want.locs))
	}
	for i := range want.locs {
		g, w := got.locs[i], want.locs[i]
		if w.AddressLine1 != "" && !strings.HasPrefix(g.AddressLine1, "address-") {
			t.Errorf("address not scrubbed: %q", g.AddressLine1)
		}
		for _, l := range []*cin7core.Location{&g, &w} {
			l.AddressLine1, l.AddressLine2, l.AddressCitySuburb, l.AddressStateProvince, l.AddressZipPostCode, l.AddressCountry = "", "", "", "", "", ""
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("location %d: %+v vs %+v", i, g, w)
		}
	}
	for _, pair := range [][2]*cin7core.Webhook{{got.created, want.created}, {&got.listed[0], &want.listed[0]}, {got.updated, want.updated}} {
		g, w := *pair[0], *pair[1]
		if g.ExternalPassword != cin7corerecord.Redacted || g.ExternalHeaders[0].Value != cin7corerecord.Redacted || g.ExternalUserName != cin7corerecord.Redacted {
			t.Errorf("replayed secrets: %v", g)
		}
		if g.ID != w.ID || g.Type != w.Type || g.Name != w.Name || g.IsActive != w.IsActive || !strings.HasPrefix(g.ExternalURL, "https://hooks.example.net/sales?token=") {
			t.Errorf("webhook: %v vs %v", g, w)
		}
	}
}
