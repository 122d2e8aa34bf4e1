package faults_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cin7ramp/cin7ramp/faults"
)

func server(t *testing.T, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"Total":2,"Page":`+r.URL.Query().Get("Page")+`,"Items":["a","b"]}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, c *http.Client, method, url string) (*http.Response, []byte, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(`{}`))
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b, nil
}

func TestEveryKindDoesWhatItSays(t *testing.T) {
	for _, k := range []faults.Kind{faults.Throttle429, faults.Throttle429RetryAfter, faults.Unavailable503, faults.Server500,
		faults.BadGateway502, faults.GatewayTimeout504, faults.ResetBeforeSend, faults.ResetAfterResponse, faults.TimeoutAfterSend,
		faults.TruncatedJSON, faults.HTML200, faults.ErrorModel200, faults.RepeatPage, faults.Slow} {
		t.Run(k.String(), func(t *testing.T) {
			var hits atomic.Int32
			srv := server(t, &hits)
			tr := faults.NewTransport(nil, 1, faults.Rule{Probability: 1, Kinds: []faults.Kind{k}, Match: faults.PathContains("/faulty")})
			c := &http.Client{Transport: tr}
			// A clean request first, so RepeatPage has a page to repeat.
			if _, _, err := do(t, c, http.MethodGet, srv.URL+"/faulty?Page=1"); err != nil && k != faults.ResetBeforeSend && k != faults.ResetAfterResponse && k != faults.TimeoutAfterSend {
				t.Fatal(err)
			}
			hits.Store(0)
			tr.Disable()
			_, _, _ = do(t, c, http.MethodGet, srv.URL+"/faulty?Page=1") // remember page 1 cleanly
			tr.Enable()
			hits.Store(0)
			resp, body, err := do(t, c, http.MethodGet, srv.URL+"/faulty?Page=2")
			reached := hits.Load() > 0
			switch k {
			case faults.Throttle429, faults.Throttle429RetryAfter, faults.Unavailable503, faults.Server500, faults.BadGateway502, faults.GatewayTimeout504:
				want := map[faults.Kind]int{faults.Throttle429: 429, faults.Throttle429RetryAfter: 429, faults.Unavailable503: 503, faults.Server500: 500, faults.BadGateway502: 502, faults.GatewayTimeout504: 504}[k]
				if err != nil || resp.StatusCode != want || reached {
					t.Fatalf("status %v err %v reached %v", resp, err, reached)
				}
				if (k == faults.Throttle429RetryAfter) != (resp.Header.Get("Retry-After") != "") {
					t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
				}
			case faults.ResetBeforeSend:
				if !faults.IsInjected(err) || reached {
					t.Fatalf("err %v reached %v", err, reached)
				}
			case faults.ResetAfterResponse, faults.TimeoutAfterSend:
				if !faults.IsInjected(err) || !reached {
					t.Fatalf("err %v reached %v: the server must have acted", err, reached)
				}
			case faults.TruncatedJSON:
				if err != nil || !reached || strings.HasSuffix(string(body), "}") {
					t.Fatalf("body %q", body)
				}
			case faults.HTML200, faults.ErrorModel200:
				if err != nil || resp.StatusCode != 200 || reached || (k == faults.HTML200) != strings.Contains(string(body), "<html>") {
					t.Fatalf("status %d body %q", resp.StatusCode, body)
				}
			case faults.RepeatPage:
				if err != nil || reached || !strings.Contains(string(body), `"Page":1`) {
					t.Fatalf("body %q reached %v: want page 1 again", body, reached)
				}
			case faults.Slow:
				if err != nil || !reached {
					t.Fatalf("err %v", err)
				}
			}
			if len(tr.Log()) == 0 || tr.Log()[len(tr.Log())-1].Kind != k {
				t.Fatalf("log %v", tr.Log())
			}
		})
	}
}

func TestSameSeedSameFaults(t *testing.T) {
	var hits atomic.Int32
	srv := server(t, &hits)
	run := func() []faults.Kind {
		tr := faults.NewTransport(nil, 42, faults.Rule{Probability: 0.3, Kinds: []faults.Kind{faults.Server500, faults.Throttle429, faults.HTML200}})
		c := &http.Client{Transport: tr}
		for i := 0; i < 200; i++ {
			_, _, _ = do(t, c, http.MethodGet, srv.URL+"/x")
		}
		var ks []faults.Kind
		for _, f := range tr.Log() {
			ks = append(ks, f.Kind)
		}
		return ks
	}
	a, b := run(), run()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d vs %d faults", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("fault %d differs: %v vs %v", i, a[i], b[i])
		}
	}
}

func TestRuleLimitAndMatch(t *testing.T) {
	var hits atomic.Int32
	srv := server(t, &hits)
	tr := faults.NewTransport(nil, 7, faults.Rule{Probability: 1, Kinds: []faults.Kind{faults.Server500}, Limit: 2, Match: faults.Methods(http.MethodPost)})
	c := &http.Client{Transport: tr}
	codes := []int{}
	for i := 0; i < 4; i++ {
		resp, _, err := do(t, c, http.MethodPost, srv.URL+"/w")
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 500 || codes[1] != 500 || codes[2] != 200 || codes[3] != 200 {
		t.Fatalf("codes %v", codes)
	}
	if resp, _, _ := do(t, c, http.MethodGet, srv.URL+"/w"); resp.StatusCode != 200 {
		t.Fatal("GET matched a POST-only rule")
	}
}
