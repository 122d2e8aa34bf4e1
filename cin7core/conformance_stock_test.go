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

// TestConformanceStock decodes every official example of the stock
// resources (transfers and their orders, adjustments, stocktakes,
// availability, and the stock-level webhook payload, whose rows are
// availability rows) into the typed models and checks that encoding them
// again loses nothing the example fills.
func TestConformanceStock(t *testing.T) {
	dir := examplesDir(t)
	as := func(newT func() any) func(json.RawMessage) (any, error) {
		return func(raw json.RawMessage) (any, error) {
			v := newT()
			err := json.Unmarshal(raw, v)
			return v, err
		}
	}
	transfer := as(func() any { return new(cin7core.StockTransfer) })
	type resource struct {
		glob string
		// listKey is set for list envelopes; "[]" for a bare array.
		listKey string
		request func(json.RawMessage) (any, error)
		decode  func(json.RawMessage) (any, error)
	}
	resources := []resource{
		{"stockTransferList.*.json", "StockTransferList", nil, as(func() any { return new(cin7core.StockTransferSummary) })},
		{"stockTransfer.*.json", "", transfer, transfer},
		{"stockTransfer_order.*.json", "", nil, as(func() any { return new(cin7core.StockTransferOrder) })},
		{"stockadjustmentList.*.json", "StockAdjustmentList", nil, as(func() any { return new(cin7core.StockAdjustmentSummary) })},
		{"stockadjustment.*.json", "", as(func() any { return new(cin7core.StockAdjustmentRequest) }), as(func() any { return new(cin7core.StockAdjustment) })},
		// Pitfall 21: stocktake rows come under StockAdjustmentList.
		{"stockTakeList.*.json", "StockAdjustmentList", nil, as(func() any { return new(cin7core.StocktakeSummary) })},
		{"stocktake.*.json", "", nil, as(func() any { return new(cin7core.Stocktake) })},
		{"ref_productavailability.*.json", "ProductAvailabilityList", nil, as(func() any { return new(cin7core.AvailabilityRow) })},
		{filepath.Join("webhook-payloads", "Stock_AvailableStockLevelChanged.json"), "[]", nil, as(func() any { return new(cin7core.AvailabilityRow) })},
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
				decode := r.decode
				if strings.Contains(name, ".request") && r.request != nil {
					decode = r.request
				}
				switch r.listKey {
				case "":
					checkRecord(t, &st, name, raw, decode)
				case "[]":
					var rows []json.RawMessage
					if err := json.Unmarshal(raw, &rows); err != nil || len(rows) == 0 {
						t.Fatalf("not a bare array of rows: %v", err)
					}
					for i, row := range rows {
						checkRecord(t, &st, fmt.Sprintf("%s[%d]", name, i), row, decode)
					}
				default:
					var env map[string]json.RawMessage
					if err := json.Unmarshal(raw, &env); err != nil {
						t.Fatal(err)
					}
					var total, page cin7core.Int
					if err := json.Unmarshal(env["Total"], &total); err != nil || total < 1 {
						t.Errorf("Total: %v (%s)", err, env["Total"])
					}
					if err := json.Unmarshal(env["Page"], &page); err != nil || page < 1 {
						t.Errorf("Page: %v (%s)", err, env["Page"])
					}
					var rows []json.RawMessage
					if err := json.Unmarshal(env[r.listKey], &rows); err != nil || len(rows) == 0 {
						t.Fatalf("no rows under %s: %v", r.listKey, err)
					}
					for i, row := range rows {
						checkRecord(t, &st, fmt.Sprintf("%s[%d]", name, i), row, decode)
					}
				}
			})
		}
	}
	t.Logf("%d files, %d records: %d fields, %d IDs, %d decimals, %d times", files, st.records, st.fields, st.ids, st.decimals, st.times)
	if files < 25 || st.records < 30 || st.ids == 0 || st.decimals == 0 || st.times == 0 {
		t.Fatalf("the comparison checked too little: %d files, %+v", files, st)
	}
}
