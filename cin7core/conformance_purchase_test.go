package cin7core_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// TestConformancePurchases decodes every official example of the purchase
// resources the client models (purchaseList, purchase, advanced-purchase,
// purchase/order, purchase/stock, advanced-purchase/stock) into its type
// and checks that re-encoding loses nothing the example fills.
func TestConformancePurchases(t *testing.T) {
	dir := examplesDir(t)
	as := func(newT func() any) func(json.RawMessage) (any, error) {
		return func(raw json.RawMessage) (any, error) {
			v := newT()
			return v, json.Unmarshal(raw, v)
		}
	}
	type resource struct {
		glob    string
		listKey string // records come in an envelope under this key
		request func(json.RawMessage) (any, error)
		answer  func(json.RawMessage) (any, error)
	}
	resources := []resource{
		{"purchaseList.*.json", "PurchaseList", nil, as(func() any { return new(cin7core.PurchaseListItem) })},
		{"purchase.*.json", "", as(func() any { return new(cin7core.Purchase) }), as(func() any { return new(cin7core.Purchase) })},
		{"advanced_purchase.*.json", "", as(func() any { return new(cin7core.AdvancedPurchase) }), as(func() any { return new(cin7core.AdvancedPurchase) })},
		{"purchase_order.*.json", "", as(func() any { return new(cin7core.PurchaseOrder) }), as(func() any { return new(cin7core.PurchaseOrder) })},
		{"purchase_stock.*.json", "", as(func() any { return new(cin7core.PurchaseStock) }), as(func() any { return new(cin7core.PurchaseStock) })},
		{"advanced_purchase_stock.*.json", "", as(func() any { return new(cin7core.AdvancedPurchaseStock) }), as(func() any { return new(cin7core.AdvancedPurchaseStockList) })},
	}
	var st conformanceStats
	files := 0
	for _, r := range resources {
		matches, err := filepath.Glob(filepath.Join(dir, r.glob))
		if err != nil {
			t.Fatal(err)
		}
		if len(matches) == 0 {
			t.Fatalf("no %s examples in %s", r.glob, dir)
		}
		for _, file := range matches {
			name := filepath.Base(file)
			files++
			t.Run(name, func(t *testing.T) {
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				parts := strings.Split(name, ".")
				if len(parts) < 4 {
					t.Fatalf("unexpected example name %s", name)
				}
				decode := r.answer
				if parts[2] == "request" {
					decode = r.request
				}
				if decode == nil {
					t.Fatalf("no request type for %s", name)
				}
				if r.listKey == "" {
					checkRecord(t, &st, name, raw, decode)
					return
				}
				var env map[string]json.RawMessage
				if err := json.Unmarshal(raw, &env); err != nil {
					t.Fatal(err)
				}
				var total, page cin7core.Int
				if err := json.Unmarshal(env["Total"], &total); err != nil || total < 1 {
					t.Errorf("Total %s: %v", env["Total"], err)
				}
				if err := json.Unmarshal(env["Page"], &page); err != nil || page < 1 {
					t.Errorf("Page %s: %v", env["Page"], err)
				}
				var records []json.RawMessage
				if err := json.Unmarshal(env[r.listKey], &records); err != nil || len(records) == 0 {
					t.Fatalf("list key %s: %v (%d records)", r.listKey, err, len(records))
				}
				for i, rec := range records {
					checkRecord(t, &st, fmt.Sprintf("%s[%d]", name, i), rec, decode)
				}
			})
		}
	}
	t.Logf("%d files, %d records: %d fields, %d IDs, %d decimals, %d times", files, st.records, st.fields, st.ids, st.decimals, st.times)
	if st.records < files || st.ids == 0 || st.decimals == 0 || st.times == 0 {
		t.Fatalf("the comparison checked too little: %+v", st)
	}
}

// TestConformancePurchaseShapes checks on the official examples what
// pitfall 22 says: the simple purchase has single objects and the misspelt
// InvocieNumber, the advanced one arrays with task IDs.
func TestConformancePurchaseShapes(t *testing.T) {
	dir := examplesDir(t)
	read := func(name string, v any) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var p cin7core.Purchase
	read("purchase.x.response200.json", &p)
	if p.Invoice == nil || p.Invoice.InvoiceNumber == "" || p.Invoice.InvoiceNumber != p.Invoice.InvocieNumber {
		t.Errorf("simple invoice number: %+v", p.Invoice)
	}
	if p.StockReceived == nil || len(p.StockReceived.Lines) == 0 || p.CreditNote == nil || p.CreditNote.Unstock == nil || p.ManualJournals == nil {
		t.Error("simple purchase stages are single objects")
	}
	var a cin7core.AdvancedPurchase
	read("advanced_purchase.x.response200.json", &a)
	if len(a.StockReceived) == 0 || a.StockReceived[0].TaskID == "" || a.StockReceived[0].InvoicingAndReceivingNumber == 0 ||
		len(a.PutAway) == 0 || len(a.Invoice) == 0 || len(a.CreditNote) == 0 || len(a.CreditNote[0].Unstock) == 0 || !a.Type.IsAdvanced() {
		t.Errorf("advanced purchase arrays: %+v", a)
	}
	var req cin7core.AdvancedPurchase
	read("advanced_purchase.post.request.json", &req)
	if !req.Approach.IsStockFirst() || req.Approach == cin7core.ApproachStock {
		t.Errorf("the example sends Approach %q (pitfall 25)", req.Approach)
	}
}
