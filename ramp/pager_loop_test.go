package ramp_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/jarcoal/httpmock"
)

func loopClient(t *testing.T, mt *httpmock.MockTransport) *ramp.Client {
	t.Helper()
	c, err := ramp.NewClient(ramp.WithBaseURL("https://ramp.test"), ramp.WithToken("static-token-123"), ramp.WithTransport(mt),
		ramp.WithRetryPolicy(ramp.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A NextPageLink cycle (A → B → A) ends in ErrBadResponse, not a loop.
func TestPagerStopsOnALinkCycle(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "=~GetFilteredPlaces", func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("page") == "b" {
			return httpmock.NewStringResponse(200, `{"Items":[{"Id":"2","ExternalRef":"b","Name":"B"}],"NextPageLink":"https://ramp.test/api/Places/GetFilteredPlaces?page=a"}`), nil
		}
		return httpmock.NewStringResponse(200, `{"Items":[{"Id":"1","ExternalRef":"a","Name":"A"}],"NextPageLink":"https://ramp.test/api/Places/GetFilteredPlaces?page=b"}`), nil
	})
	_, err := loopClient(t, mt).Places.List(nil).Collect(context.Background())
	if !errors.Is(err, ramp.ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
	if n := mt.GetTotalCallCount(); n > 4 {
		t.Fatalf("%d calls before stopping", n)
	}
}

// A server that ignores $skip and sends no Count would serve page one
// forever.
func TestPagerStopsWhenSkipIsIgnored(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "=~GetFilteredPlaces", httpmock.NewStringResponder(200,
		`{"Items":[{"Id":"1","ExternalRef":"a","Name":"A"},{"Id":"2","ExternalRef":"b","Name":"B"}]}`))
	_, err := loopClient(t, mt).Places.List(&ramp.ListOptions{PageSize: 2}).Collect(context.Background())
	if !errors.Is(err, ramp.ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
}
