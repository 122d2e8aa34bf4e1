package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// availabilityServer serves ref/productavailability with rows rows, each
// page built on request (so the server holds no more than the page it is
// writing, and the heap measured is the client's).
func availabilityServer(rows int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("Page"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("Limit"))
		page, limit = max(page, 1), max(min(limit, 1000), 1)
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"Total":%d,"Page":%d,"ProductAvailabilityList":[`, rows, page)
		for i, n := (page-1)*limit, 0; i < rows && n < limit; i, n = i+1, n+1 {
			if n > 0 {
				b.WriteByte(',')
			}
			p := i / 3
			fmt.Fprintf(&b, `{"ID":"%08x-7f3c-4d5e-9a61-%012x","SKU":"SKU-%07d","Name":"Product %d","Barcode":"93%011d","Location":"Warehouse %d","Bin":"A%02d-%02d","Batch":"B%07d","ExpiryDate":"2026-%02d-15T00:00:00","OnHand":%d,"Allocated":%d,"Available":%d,"OnOrder":0,"StockOnHand":%d.25,"InTransit":0}`,
				p, p, p, p, p, i%30, i%40, i%20, i, 1+i%12, 10+i%500, i%7, 10+i%500-i%7, (10+i%500)*12)
		}
		b.WriteString("]}")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b.Bytes())
	}))
}

// heapStats are the heap measurements of one listing.
type heapStats struct {
	rows      int
	peak      uint64 // highest HeapAlloc above the start, garbage included
	livePeak  uint64 // highest live heap above the start (after a GC)
	pages     int
	wallClock time.Duration
}

// listStock lists every stock-on-hand row of srv through the client's
// pager, page by page, keeping nothing, and samples the heap after every
// page (and the live heap, after a forced GC, every gcEvery pages).
func listStock(tb testing.TB, srv *httptest.Server, gcEvery int) heapStats {
	tb.Helper()
	c, err := cin7core.NewClient(cin7core.WithCredentials("bench-account", "bench-key"),
		cin7core.WithBaseURL(srv.URL+"/ExternalApi/v2/"), cin7core.WithLimiter(nopLimiter{}))
	if err != nil {
		tb.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var st heapStats
	start := time.Now()
	sample := func(gc bool) {
		if gc {
			runtime.GC()
		}
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > base {
			d := ms.HeapAlloc - base
			st.peak = max(st.peak, d)
			if gc {
				st.livePeak = max(st.livePeak, d)
			}
		}
	}
	for pg, err := range c.Availability.List(nil).Pages(context.Background()) {
		if err != nil {
			tb.Fatal(err)
		}
		st.rows += len(pg.Items)
		st.pages++
		// The page is still referenced here: this is the page in flight.
		sample(st.pages%gcEvery == 0)
		runtime.KeepAlive(pg)
	}
	st.wallClock = time.Since(start)
	return st
}

// BenchmarkStockOnHandHeap lists stock on hand of 60,000, 250,000 and
// 1,000,000 rows through the client's pager and reports the peak heap
// (peak-B, garbage included; live-B after a forced GC) above the heap at
// the start, and per row. "growth" lists 60,000 and 1,000,000 rows and
// reports growth-B/row: how much the live peak grows per extra row (0 for
// a reader that streams page by page; the target is at most 150).
func BenchmarkStockOnHandHeap(b *testing.B) {
	sizes := []int{60000, 250000, 1000000}
	if testing.Short() {
		sizes = []int{60000, 250000}
	}
	for _, rows := range sizes {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			srv := availabilityServer(rows)
			defer srv.Close()
			var st heapStats
			for i := 0; i < b.N; i++ {
				st = listStock(b, srv, 10)
			}
			if st.rows != rows {
				b.Fatalf("read %d rows, want %d", st.rows, rows)
			}
			b.ReportMetric(float64(st.peak), "peak-B")
			b.ReportMetric(float64(st.livePeak), "live-B")
			b.ReportMetric(float64(st.livePeak)/float64(rows), "live-B/row")
		})
	}
	b.Run("growth", func(b *testing.B) {
		small, large := sizes[0], sizes[len(sizes)-1]
		s1, s2 := availabilityServer(small), availabilityServer(large)
		defer s1.Close()
		defer s2.Close()
		var a, z heapStats
		for i := 0; i < b.N; i++ {
			a, z = listStock(b, s1, 10), listStock(b, s2, 10)
		}
		growth := (float64(z.livePeak) - float64(a.livePeak)) / float64(large-small)
		b.ReportMetric(growth, "growth-B/row")
		b.ReportMetric((float64(z.peak)-float64(a.peak))/float64(large-small), "peak-growth-B/row")
	})
}

// TestStockOnHandStreams checks on 20,000 rows that listing keeps about a
// page, not the list, live.
func TestStockOnHandStreams(t *testing.T) {
	srv := availabilityServer(20000)
	defer srv.Close()
	st := listStock(t, srv, 5)
	if st.rows != 20000 {
		t.Fatalf("read %d rows", st.rows)
	}
	// A page of 1,000 rows decodes to well under 1 MB; 20,000 rows held
	// would be several.
	if st.livePeak > 4<<20 {
		t.Fatalf("live heap grew by %d bytes over 20 pages", st.livePeak)
	}
}
