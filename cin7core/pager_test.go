package cin7core_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/jarcoal/httpmock"
)

// pagedProducts serves n products; withTotal controls whether the
// envelope carries Total. It records the pages asked for.
type pagedProducts struct {
	n         int
	withTotal bool
	mu        sync.Mutex
	pages     []int
	failPage  int
}

func (s *pagedProducts) responder(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	page, _ := strconv.Atoi(q.Get("Page"))
	limit, _ := strconv.Atoi(q.Get("Limit"))
	s.mu.Lock()
	s.pages = append(s.pages, page)
	fail := s.failPage == page
	s.mu.Unlock()
	if fail {
		return jsonResponder(400, []byte(`[{"ErrorCode":400,"Exception":"Page is broken"}]`))(req)
	}
	var items []string
	for i := (page - 1) * limit; i < min(page*limit, s.n); i++ {
		items = append(items, fmt.Sprintf(`{"ID":"00000000-0000-4000-8000-%012d","SKU":"SKU-%03d","Name":"Item %03d","AverageCost":"1.5000"}`, i, i, i))
	}
	body := fmt.Sprintf(`{"Page":%d,"Products":[%s]}`, page, strings.Join(items, ","))
	if s.withTotal {
		body = fmt.Sprintf(`{"Total":%d,"Page":%d,"Products":[%s]}`, s.n, page, strings.Join(items, ","))
	}
	return jsonResponder(200, []byte(body))(req)
}

func (s *pagedProducts) asked() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.pages...)
}

func setupPaged(t *testing.T, n int, withTotal bool) (*pagedProducts, *cin7core.Client, *httpmock.MockTransport) {
	t.Helper()
	mt, c := newMockClient(t)
	s := &pagedProducts{n: n, withTotal: withTotal}
	mt.RegisterResponder(http.MethodGet, productURL, s.responder)
	return s, c, mt
}

func equalInts(a, b []int) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func TestPagerThreePagesStopsOnTotal(t *testing.T) {
	s, c, _ := setupPaged(t, 7, true)
	p := c.Products.List(&cin7core.ProductListOptions{Limit: 3})
	var sizes []int
	for pg, err := range p.Pages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if !pg.HasTotal || pg.Total != 7 {
			t.Fatalf("page %d: Total %d (has %v)", pg.Number, pg.Total, pg.HasTotal)
		}
		if pg.Last != (pg.Number == 3) {
			t.Fatalf("page %d: Last %v", pg.Number, pg.Last)
		}
		sizes = append(sizes, len(pg.Items))
	}
	if !equalInts(sizes, []int{3, 3, 1}) || !equalInts(s.asked(), []int{1, 2, 3}) {
		t.Fatalf("sizes %v, pages asked %v", sizes, s.asked())
	}
	if !p.Done() || p.Next() != 4 {
		t.Fatalf("Done %v Next %d", p.Done(), p.Next())
	}
}

func TestPagerFullLastPageWithTotalMakesNoExtraCall(t *testing.T) {
	s, c, _ := setupPaged(t, 6, true)
	items, err := c.Products.List(&cin7core.ProductListOptions{Limit: 3}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 6 || !equalInts(s.asked(), []int{1, 2}) {
		t.Fatalf("%d items, pages asked %v", len(items), s.asked())
	}
}

func TestPagerWithoutTotalStopsOnShortPage(t *testing.T) {
	s, c, _ := setupPaged(t, 8, false)
	items, err := c.Products.List(&cin7core.ProductListOptions{Limit: 3}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 8 || !equalInts(s.asked(), []int{1, 2, 3}) {
		t.Fatalf("%d items, pages asked %v", len(items), s.asked())
	}
	// A full last page needs one more (empty) page to be sure.
	s2, c2, _ := setupPaged(t, 6, false)
	items, err = c2.Products.List(&cin7core.ProductListOptions{Limit: 3}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 6 || !equalInts(s2.asked(), []int{1, 2, 3}) {
		t.Fatalf("%d items, pages asked %v", len(items), s2.asked())
	}
}

func TestPagerEarlyBreakMakesOnlyNeededCalls(t *testing.T) {
	s, c, mt := setupPaged(t, 10, true)
	p := c.Products.List(&cin7core.ProductListOptions{Limit: 3})
	if mt.GetTotalCallCount() != 0 {
		t.Fatal("List fetched before being ranged over")
	}
	n := 0
	for _, err := range p.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 4 {
			break
		}
	}
	if !equalInts(s.asked(), []int{1, 2}) {
		t.Fatalf("pages asked %v, want [1 2]", s.asked())
	}
	if p.Done() || p.Next() != 3 {
		t.Fatalf("Done %v Next %d", p.Done(), p.Next())
	}
	// Ranging again continues from the next page.
	rest, err := p.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 4 || rest[0].SKU != "SKU-006" || !equalInts(s.asked(), []int{1, 2, 3, 4}) {
		t.Fatalf("rest %d from %s, pages asked %v", len(rest), rest[0].SKU, s.asked())
	}

	// Breaking out of Pages after the first page makes one call.
	s2, c2, _ := setupPaged(t, 10, true)
	for range c2.Products.List(&cin7core.ProductListOptions{Limit: 3}).Pages(context.Background()) {
		break
	}
	if !equalInts(s2.asked(), []int{1}) {
		t.Fatalf("pages asked %v, want [1]", s2.asked())
	}
}

func TestPagerResumesFromPage(t *testing.T) {
	s, c, _ := setupPaged(t, 10, true)
	items, err := c.Products.List(&cin7core.ProductListOptions{Limit: 3, Page: 3}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 || items[0].SKU != "SKU-006" || !equalInts(s.asked(), []int{3, 4}) {
		t.Fatalf("%d items, pages asked %v", len(items), s.asked())
	}
}

func TestPagerErrorKeepsResumePoint(t *testing.T) {
	s, c, _ := setupPaged(t, 10, true)
	s.failPage = 2
	p := c.Products.List(&cin7core.ProductListOptions{Limit: 3})
	items, err := p.Collect(context.Background())
	if !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("err = %v, want ErrValidation", err)
	}
	if len(items) != 3 || p.Next() != 2 || p.Done() {
		t.Fatalf("%d items, Next %d, Done %v", len(items), p.Next(), p.Done())
	}
	errs := 0
	s.mu.Lock()
	s.failPage = 0
	s.mu.Unlock()
	for _, err := range p.All(context.Background()) {
		if err != nil {
			errs++
		}
	}
	if errs != 0 || !p.Done() || !equalInts(s.asked(), []int{1, 2, 2, 3, 4}) {
		t.Fatalf("errors %d, Done %v, pages asked %v", errs, p.Done(), s.asked())
	}
}

func TestPagerYieldsErrorOnce(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, productURL, jsonResponder(403, []byte("Incorrect credentials!")))
	n := 0
	for _, err := range c.Products.List(nil).All(context.Background()) {
		if err == nil {
			t.Fatal("want an error")
		}
		n++
	}
	if n != 1 {
		t.Fatalf("error yielded %d times", n)
	}
}

func TestPagerCancelledContext(t *testing.T) {
	_, c, mt := setupPaged(t, 10, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Products.List(nil).Collect(ctx)
	if !errors.Is(err, context.Canceled) || mt.GetTotalCallCount() != 0 {
		t.Fatalf("err = %v after %d calls", err, mt.GetTotalCallCount())
	}
}

func TestPagerLimitDefaultsToMaximum(t *testing.T) {
	_, c := newMockClient(t)
	for _, limit := range []int{0, -5, 5000} {
		if got := c.Products.List(&cin7core.ProductListOptions{Limit: limit}).PageSize(); got != cin7core.DefaultPageSize {
			t.Errorf("Limit %d: PageSize %d, want %d", limit, got, cin7core.DefaultPageSize)
		}
	}
	if got := c.Locations.List(&cin7core.LocationListOptions{Page: -1}).Next(); got != 1 {
		t.Errorf("Page -1 starts at %d", got)
	}
}
