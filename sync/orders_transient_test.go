package sync_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/faults"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// One garbled answer to a document's detail read (an HTML page, a cut-off
// body) must not lose the document: it is read again on the next pass.
func TestGarbledDetailReadIsRetriedNextPass(t *testing.T) {
	orders := []cinsync.Stream{cinsync.StreamLocations, cinsync.StreamFamilies, cinsync.StreamProducts,
		cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales}
	clean := newHarness(t, nil)
	if _, err := clean.engine.Sync(context.Background(), orders...); err != nil {
		t.Fatal(err)
	}
	want := len(clean.rampSrv.Orders())
	for _, kind := range []faults.Kind{faults.HTML200, faults.TruncatedJSON} {
		for _, path := range []string{"purchase", "advanced-purchase", "sale", "stocktransfer"} {
			t.Run(kind.String()+"/"+path, func(t *testing.T) {
				ft := faults.NewTransport(nil, 1, faults.Rule{Probability: 1, Limit: 1, Kinds: []faults.Kind{kind},
					Match: func(r *http.Request) bool {
						q := r.URL.Query()
						return r.Method == http.MethodGet && (q.Get("ID") != "" || q.Get("TaskID") != "") &&
							strings.HasSuffix(strings.ToLower(r.URL.Path), "/"+strings.ToLower(path))
					}})
				h := newHarness(t, nil, cin7core.WithTransport(ft))
				for i := 0; i < 3; i++ {
					if _, err := h.engine.Sync(context.Background(), orders...); err != nil && i == 2 {
						t.Fatal(err)
					}
				}
				if len(ft.Log()) == 0 {
					t.Fatalf("the fault never fired on %s", path)
				}
				if got := len(h.rampSrv.Orders()); got != want {
					t.Fatalf("Ramp has %d orders after the fault, a fault-free run %d", got, want)
				}
			})
		}
	}
}
