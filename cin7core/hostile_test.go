package cin7core_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// A 200 whose body is not a page of the list asked for is an error, never
// an empty page: an engine would otherwise advance its cursor past records
// it never saw.
func TestUnrecognisedBodyIsNotAnEmptyPage(t *testing.T) {
	for _, body := range []string{
		`{}`, `null`, `{"Message":"An error has occurred."}`,
		`{"ErrorCode":"abc","Exception":"boom"}`, `{"Exception":"boom"}`,
		`{"Total":3,"Page":1}`, `{"Total":3,"LocationList":null}`,
	} {
		mt, c := newMockClient(t)
		mt.RegisterResponder(http.MethodGet, locationURL, jsonResponder(200, []byte(body)))
		_, err := c.Locations.List(nil).Collect(context.Background())
		if !errors.Is(err, cin7core.ErrBadResponse) && !errors.Is(err, cin7core.ErrValidation) {
			t.Errorf("%s: err = %v, want an error", body, err)
		}
	}
	// A genuinely empty page is fine, however it spells "empty".
	for _, body := range []string{`{"Total":0,"Page":1,"LocationList":[]}`, `{"Page":1,"LocationList":null}`, `{"Total":0,"LocationList":null}`} {
		mt, c := newMockClient(t)
		mt.RegisterResponder(http.MethodGet, locationURL, jsonResponder(200, []byte(body)))
		if got, err := c.Locations.List(nil).Collect(context.Background()); err != nil || len(got) != 0 {
			t.Errorf("%s: %v, %v", body, got, err)
		}
	}
}

// A server that serves fewer rows than asked for is read to Total, not cut
// off after the first page.
func TestPagerReadsToTotalWhenServerCapsPageSize(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, productURL, func(r *http.Request) (*http.Response, error) {
		page, _ := strconv.Atoi(r.URL.Query().Get("Page"))
		var rows []string
		for i := (page - 1) * 100; i < min(page*100, 250); i++ {
			rows = append(rows, fmt.Sprintf(`{"ID":"p-%d","SKU":"S%d","Name":"N"}`, i, i))
		}
		return jsonResponder(200, []byte(`{"Total":250,"Page":`+strconv.Itoa(page)+`,"Products":[`+strings.Join(rows, ",")+`]}`))(r)
	})
	got, err := c.Products.List(nil).Collect(context.Background())
	if err != nil || len(got) != 250 {
		t.Fatalf("read %d, err %v; want 250", len(got), err)
	}
	if n := mt.GetTotalCallCount(); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
}

// A server that ignores Page and sends no Total would loop forever.
func TestPagerStopsOnARepeatedPage(t *testing.T) {
	mt, c := newMockClient(t)
	var rows []string
	for i := 0; i < 1000; i++ {
		rows = append(rows, fmt.Sprintf(`{"ID":"p-%d","SKU":"S","Name":"N"}`, i))
	}
	mt.RegisterResponder(http.MethodGet, productURL, jsonResponder(200, []byte(`{"Page":1,"Products":[`+strings.Join(rows, ",")+`]}`)))
	_, err := c.Products.List(nil).Collect(context.Background())
	if !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
}

// One malformed record does not fail its page: it is set aside as a
// RowError naming its ID, and the other records are read.
func TestMalformedRecordIsSetAside(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, productURL, jsonResponder(200, []byte(`{"Total":3,"Page":1,"Products":[
		{"ID":"ok-1","SKU":"A","Name":"A","PriceTier1":"12.5"},
		{"ID":"bad-2","SKU":"B","Name":"B","PriceTier1":""},
		{"ID":"ok-3","SKU":"C","Name":"C","Sellable":"true"}]}`)))
	var good []string
	var bad []*cin7core.RowError
	for pg, err := range c.Products.List(nil).Pages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pg.Items {
			good = append(good, p.ID)
		}
		bad = append(bad, pg.Invalid...)
	}
	if strings.Join(good, ",") != "ok-1,ok-3" || len(bad) != 1 || bad[0].ID != "bad-2" || !errors.Is(bad[0], cin7core.ErrBadResponse) {
		t.Fatalf("good %v bad %+v", good, bad)
	}
	// Collect reads the rest and reports the bad record.
	mt2, c2 := newMockClient(t)
	mt2.RegisterResponder(http.MethodGet, productURL, jsonResponder(200, []byte(`{"Total":2,"Page":1,"Products":[{"ID":"ok","SKU":"A","Name":"A"},{"ID":"bad","LastModifiedOn":17}]}`)))
	got, err := c2.Products.List(nil).Collect(context.Background())
	var re *cin7core.RowError
	if len(got) != 1 || !errors.As(err, &re) || re.ID != "bad" {
		t.Fatalf("got %d, err %v", len(got), err)
	}
}

// An oversized answer is refused with a typed error, not buffered whole.
func TestOversizedBodyIsRefused(t *testing.T) {
	mt, c := newMockClient(t)
	big := strings.Repeat(" ", 65<<20) // past the 64 MiB cap
	mt.RegisterResponder(http.MethodGet, productURL, jsonResponder(200, []byte(`{"Total":1,"Page":1,"Products":[]}`+big)))
	_, err := c.Products.List(nil).Collect(context.Background())
	if !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
}

// Deeply nested JSON is refused by the decoder's depth limit, with an
// error rather than a stack overflow.
func TestDeeplyNestedBodyIsRefused(t *testing.T) {
	mt, c := newMockClient(t)
	deep := `{"Total":1,"Page":1,"Products":[{"ID":"a","Suppliers":[` + strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000) + `]}]}`
	mt.RegisterResponder(http.MethodGet, productURL, jsonResponder(200, []byte(deep)))
	_, err := c.Products.List(nil).Collect(context.Background())
	if !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
}

// An answer about another document than the one asked for is refused.
func TestDetailAnswerAboutAnotherDocumentIsRefused(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, testBase+"sale", jsonResponder(200, []byte(`{"ID":"other-sale","Customer":"X"}`)))
	if _, err := c.Sales.Get(context.Background(), "wanted-sale"); !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
	mt.RegisterResponder(http.MethodGet, testBase+"stockTransfer", jsonResponder(200, []byte(`{"TaskID":"OTHER","Status":"DRAFT"}`)))
	if _, err := c.StockTransfers.Get(context.Background(), "wanted"); !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("transfer err = %v", err)
	}
	// Case differences are the same document.
	mt.RegisterResponder(http.MethodGet, testBase+"purchase", jsonResponder(200, []byte(`{"ID":"ABC-1","OrderNumber":"PO-1"}`)))
	if _, err := c.Purchases.Get(context.Background(), "abc-1"); err != nil {
		t.Fatalf("same ID in another case: %v", err)
	}
}

// pageStats reads a whole pager and counts good and set-aside records.
func pageStats[T any](p *cin7core.Pager[T]) (good, bad int, err error) {
	for pg, err := range p.Pages(context.Background()) {
		if err != nil {
			return good, bad, err
		}
		good += len(pg.Items)
		bad += len(pg.Invalid)
	}
	return good, bad, nil
}

// Every list endpoint shares the same guards: a 200 without its list key
// is ErrBadResponse, and a malformed record is set aside, not fatal.
func TestEveryListSharesTheListGuards(t *testing.T) {
	lists := []struct {
		path, key string
		read      func(c *cin7core.Client) (good, bad int, err error)
	}{
		{"ref/location", "LocationList", func(c *cin7core.Client) (int, int, error) { return pageStats(c.Locations.List(nil)) }},
		{"product", "Products", func(c *cin7core.Client) (int, int, error) { return pageStats(c.Products.List(nil)) }},
		{"productFamily", "ProductFamilies", func(c *cin7core.Client) (int, int, error) { return pageStats(c.ProductFamilies.List(nil)) }},
		{"ref/productavailability", "ProductAvailabilityList", func(c *cin7core.Client) (int, int, error) { return pageStats(c.Availability.List(nil)) }},
		{"purchaseList", "PurchaseList", func(c *cin7core.Client) (int, int, error) { return pageStats(c.Purchases.List(nil)) }},
		{"saleList", "SaleList", func(c *cin7core.Client) (int, int, error) { return pageStats(c.Sales.List(nil)) }},
		{"stockTransferList", "StockTransferList", func(c *cin7core.Client) (int, int, error) { return pageStats(c.StockTransfers.List(nil)) }},
		{"stockadjustmentList", "StockAdjustmentList", func(c *cin7core.Client) (int, int, error) { return pageStats(c.StockAdjustments.List(nil)) }},
		{"stockTakeList", "StockAdjustmentList", func(c *cin7core.Client) (int, int, error) { return pageStats(c.Stocktakes.List(nil)) }},
	}
	for _, l := range lists {
		t.Run(l.path, func(t *testing.T) {
			mt, c := newMockClient(t)
			mt.RegisterResponder(http.MethodGet, testBase+l.path, jsonResponder(200, []byte(`{"Total":3,"Page":1}`)))
			if _, _, err := l.read(c); !errors.Is(err, cin7core.ErrBadResponse) {
				t.Fatalf("page without %s: err = %v, want ErrBadResponse", l.key, err)
			}
			mt, c = newMockClient(t)
			mt.RegisterResponder(http.MethodGet, testBase+l.path, jsonResponder(200, []byte(`{"Total":3,"Page":1,"`+l.key+`":[{},7,{}]}`)))
			good, bad, err := l.read(c)
			if err != nil || good != 2 || bad != 1 {
				t.Fatalf("good %d bad %d err %v; want 2, 1, nil", good, bad, err)
			}
		})
	}
}
