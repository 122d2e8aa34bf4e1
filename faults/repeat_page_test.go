package faults_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cin7ramp/cin7ramp/faults"
)

// RepeatPage keys its replay on the whole request: a request answered
// before gets its own previous answer (a stale read), not the last answer
// to another query of the same path.
func TestRepeatPageRepeatsTheSameRequestsAnswer(t *testing.T) {
	var hits, version atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"Page":` + r.URL.Query().Get("Page") + `,"Status":"` + r.URL.Query().Get("Status") +
			`","Version":` + string(rune('0'+version.Load())) + `}`))
	}))
	t.Cleanup(srv.Close)
	tr := faults.NewTransport(nil, 1, faults.Rule{Probability: 1, Kinds: []faults.Kind{faults.RepeatPage}, Match: faults.PathContains("/list")})
	c := &http.Client{Transport: tr}
	tr.Disable()
	_, _, _ = do(t, c, http.MethodGet, srv.URL+"/list?Page=1&Status=COMPLETED") // version 0
	version.Store(1)
	_, _, _ = do(t, c, http.MethodGet, srv.URL+"/list?Page=2&Status=COMPLETED") // the path's latest answer
	_, _, _ = do(t, c, http.MethodGet, srv.URL+"/list?Page=1&Status=DRAFT")
	tr.Enable()
	hits.Store(0)
	_, body, err := do(t, c, http.MethodGet, srv.URL+"/list?Page=1&Status=COMPLETED")
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 {
		t.Fatal("the repeated request reached the server")
	}
	if got := string(body); !strings.Contains(got, `"Page":1`) || !strings.Contains(got, `"Status":"COMPLETED"`) || !strings.Contains(got, `"Version":0`) {
		t.Fatalf("got %s, want the stale answer to the same request (page 1, COMPLETED, version 0)", got)
	}
	// A request never answered falls back to the path's latest answer.
	_, body, err = do(t, c, http.MethodGet, srv.URL+"/list?Page=3&Status=COMPLETED")
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 || !strings.Contains(string(body), `"Status":"DRAFT"`) {
		t.Fatalf("got %s (hits %d), want the path's latest answer", body, hits.Load())
	}
}
