package cin7core_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

const availabilityURL = testBase + "ref/productavailability"

func TestAvailabilityList(t *testing.T) {
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, availabilityURL, stockRecorder(&x, jsonResponder(200, fixture(t, "availability_list.json"))))
	rows, err := c.Availability.List(&cin7core.AvailabilityListOptions{
		ID: "4cf0ac10-c62e-4116-a019-8ffe8977b6fd", Name: "Day", SKU: "PCK-", Location: "Melbourne Flagship Store",
		Batch: "B1", Category: "Packs", Limit: 500, Page: 3,
	}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, x.lastQuery(), map[string]string{"ID": "4cf0ac10-c62e-4116-a019-8ffe8977b6fd", "Name": "Day", "Sku": "PCK-",
		"Location": "Melbourne Flagship Store", "Batch": "B1", "Category": "Packs", "Page": "3", "Limit": "500"})
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	if !cin7core.SameID(r.ID, "4cf0ac10-c62e-4116-a019-8ffe8977b6fd") || r.SKU != "PCK-20L-DAY" || r.Location != "Melbourne Flagship Store" || r.Bin != "Shop Floor" ||
		r.Batch != "" || !r.ExpiryDate.IsZero() || !r.InTransit.Equal(dec("6")) || !r.Allocated.Equal(dec("3")) || r.Barcode != "09312345000017" {
		t.Errorf("row 0 = %+v", r)
	}
	if rows[1].Batch != "GEL-2409" || rows[1].ExpiryDate.Format("2006-01-02") != "2026-09-30" || !rows[1].OnOrder.Equal(dec("200")) {
		t.Errorf("row 1 = %+v", rows[1])
	}
}

func TestAvailabilityPagesOnTotal(t *testing.T) {
	mt, c := newMockClient(t)
	page := func(n, total int, skus ...string) []byte {
		var b strings.Builder
		fmt.Fprintf(&b, `{"Total":%d,"Page":%d,"ProductAvailabilityList":[`, total, n)
		for i, s := range skus {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"ID":"id-%s","SKU":%q,"Location":"Brisbane 3PL","OnHand":1,"Available":1,"StockOnHand":"2.5"}`, s, s)
		}
		b.WriteString("]}")
		return []byte(b.String())
	}
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, availabilityURL, stockRecorder(&x, sequence(
		jsonResponder(200, page(1, 3, "A", "B")), jsonResponder(200, page(2, 3, "C")))))
	p := c.Availability.List(&cin7core.AvailabilityListOptions{Limit: 2})
	rows, err := p.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || mt.GetTotalCallCount() != 2 || !p.Done() || x.lastQuery().Get("Page") != "2" {
		t.Fatalf("%d rows in %d calls", len(rows), mt.GetTotalCallCount())
	}
}

// TestPitfall3_AvailabilityHasNoChangeFilter: ref/productavailability
// ignores ModifiedSince, so the options offer no change filter and the
// client never sends one: a stock sync re-reads the whole list.
func TestPitfall3_AvailabilityHasNoChangeFilter(t *testing.T) {
	typ := reflect.TypeOf(cin7core.AvailabilityListOptions{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name := strings.ToLower(f.Name + " " + f.Tag.Get("url"))
		for _, bad := range []string{"since", "modified", "updated", "until"} {
			if strings.Contains(name, bad) {
				t.Errorf("AvailabilityListOptions.%s looks like a change filter, which the API ignores", f.Name)
			}
		}
		if f.Type.String() == "time.Time" || f.Type.String() == "cin7core.Time" {
			t.Errorf("AvailabilityListOptions.%s is a time filter", f.Name)
		}
	}
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, availabilityURL, stockRecorder(&x, jsonResponder(200, fixture(t, "availability_list.json"))))
	if _, err := c.Availability.List(&cin7core.AvailabilityListOptions{Name: "x", SKU: "y", Location: "z", Batch: "b", Category: "c", ID: "i"}).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	for k := range x.lastQuery() {
		switch k {
		case "ID", "Name", "Sku", "Location", "Batch", "Category", "Page", "Limit":
		default:
			t.Errorf("unexpected query parameter %s", k)
		}
	}
}

// TestPitfall4_StockOnHandIsMoney: StockOnHand is OnHand × unit cost, a
// value; the units are OnHand.
func TestPitfall4_StockOnHandIsMoney(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, availabilityURL, jsonResponder(200, fixture(t, "availability_list.json")))
	rows, err := c.Availability.List(nil).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0] // 18 day packs at 31.20
	if !r.OnHand.Equal(dec("18")) || !r.StockOnHand.Equal(dec("561.6")) || r.StockOnHand.Equal(r.OnHand) {
		t.Fatalf("OnHand %s, StockOnHand %s", r.OnHand, r.StockOnHand)
	}
	if unit := r.StockOnHand.Div(r.OnHand); !unit.Equal(dec("31.2")) {
		t.Errorf("implied unit cost %s", unit)
	}
	if k := rows[2]; !k.OnHand.Equal(dec("1")) || !k.StockOnHand.Equal(dec("2450")) {
		t.Errorf("kayak row = %+v", k)
	}
}

// TestPitfall5_AvailableIsCopiedNotRecomputed: Available comes through
// verbatim even when it disagrees with OnHand − Allocated.
func TestPitfall5_AvailableIsCopiedNotRecomputed(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, availabilityURL, jsonResponder(200, fixture(t, "availability_list.json")))
	rows, err := c.Availability.List(nil).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := rows[3] // a carton SKU: 0.5 on hand, 2 available
	if !r.Available.Equal(dec("2")) || r.Available.Equal(r.OnHand.Sub(r.Allocated)) {
		t.Fatalf("Available %s (OnHand %s, Allocated %s)", r.Available, r.OnHand, r.Allocated)
	}
}

// TestPitfall27_AvailabilitySkuFilterSpelling: the filter is Sku, the
// field SKU.
func TestPitfall27_AvailabilitySkuFilterSpelling(t *testing.T) {
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, availabilityURL, stockRecorder(&x, jsonResponder(200, fixture(t, "availability_list.json"))))
	rows, err := c.Availability.List(&cin7core.AvailabilityListOptions{SKU: "PCK-20L-DAY"}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	q := x.lastQuery()
	if q.Get("Sku") != "PCK-20L-DAY" || q.Has("SKU") {
		t.Errorf("query %v", q)
	}
	if rows[0].SKU != "PCK-20L-DAY" {
		t.Errorf("row SKU %q", rows[0].SKU)
	}
}

// TestPitfall32_AvailabilityRowPerBinAndBatch: the same product comes
// once per location, bin and batch, each row kept apart; the webhook
// variant adds Category and MaxRows.
func TestPitfall32_AvailabilityRowPerBinAndBatch(t *testing.T) {
	body := []byte(`{"Total":3,"Page":1,"ProductAvailabilityList":[
	 {"ID":"3484c184-3ea0-472c-8c12-4ecc64c885a1","SKU":"GAS-230-ISO","Location":"Sydney Distribution Centre","Bin":null,"Batch":"G1","OnHand":10,"Available":10,"StockOnHand":51,"Category":"Fuel","MaxRows":3},
	 {"ID":"3484C184-3EA0-472C-8C12-4ECC64C885A1","SKU":"GAS-230-ISO","Location":"Sydney Distribution Centre","Bin":"Aisle A","Batch":"G1","OnHand":4,"Available":4,"StockOnHand":20.4,"Category":"Fuel","MaxRows":3},
	 {"ID":"3484c184-3ea0-472c-8c12-4ecc64c885a1","SKU":"GAS-230-ISO","Location":"Sydney Distribution Centre","Bin":"Aisle A","Batch":"G2","OnHand":"6.0","Available":6,"StockOnHand":30.6,"Category":"Fuel","MaxRows":"3"}]}`)
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, availabilityURL, jsonResponder(200, body))
	rows, err := c.Availability.List(nil).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	total := dec("0")
	for _, r := range rows {
		key := cin7core.NormalizeID(r.ID) + "|" + r.Location + "|" + r.Bin + "|" + r.Batch
		if seen[key] {
			t.Errorf("duplicate key %s", key)
		}
		seen[key] = true
		total = total.Add(r.OnHand)
		if r.Category != "Fuel" || r.MaxRows != 3 {
			t.Errorf("webhook fields: %+v", r)
		}
	}
	if len(seen) != 3 || !total.Equal(dec("20")) {
		t.Errorf("%d keys, %s units", len(seen), total)
	}
}
