package cin7core_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

const (
	stockAdjustmentURL     = testBase + "stockadjustment"
	stockAdjustmentListURL = testBase + "stockadjustmentList"
)

func validAdjustment() *cin7core.StockAdjustmentRequest {
	return &cin7core.StockAdjustmentRequest{
		EffectiveDate: stockDate("2025-01-31T00:00:00"),
		Status:        cin7core.AdjustmentCompleted,
		Account:       "5010",
		Lines: []cin7core.NewStockLine{{
			ProductID:  "6b26f8cc-493c-43aa-8245-ff85c47ce620",
			Quantity:   dec("30"),
			UnitCost:   dec("7.05"),
			LocationID: "f523d6f3-f25c-45e8-b06e-32f164fd24e5",
			BatchSN:    "FDM-2501",
			ExpiryDate: stockDate("2027-01-31T00:00:00"),
		}},
	}
}

func TestStockAdjustmentsList(t *testing.T) {
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, stockAdjustmentListURL, stockRecorder(&x, jsonResponder(200, fixture(t, "stock_adjustment_list.json"))))
	rows, err := c.StockAdjustments.List(&cin7core.StockAdjustmentListOptions{Status: cin7core.AdjustmentDraft, Page: 2, Limit: 10}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, x.lastQuery(), map[string]string{"Status": "DRAFT", "Page": "2", "Limit": "10"})
	if len(rows) != 2 || rows[0].StocktakeNumber != "ST-00004" || rows[0].Status != cin7core.AdjustmentCompleted ||
		rows[0].Reference != "Water damage, Aisle B" || rows[1].Status != cin7core.AdjustmentDraft || rows[1].EffectiveDate.Format("2006-01-02") != "2025-02-12" {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestStockAdjustmentGet(t *testing.T) {
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, stockAdjustmentURL, stockRecorder(&x, jsonResponder(200, fixture(t, "stock_adjustment.json"))))
	a, err := c.StockAdjustments.Get(context.Background(), "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b")
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, x.lastQuery(), map[string]string{"TaskID": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"})
	if a.Status != cin7core.AdjustmentCompleted || len(a.ExistingStockLines) != 1 || len(a.NewStockLines) != 1 || len(a.Transactions) != 2 {
		t.Fatalf("adjustment = %+v", a)
	}
	e := a.ExistingStockLines[0]
	if !e.QuantityOnHand.Equal(dec("12")) || !e.Available.Equal(dec("10")) || !e.Adjustment.Equal(dec("9")) || e.Location != "Aisle B" || e.Comments != "3 soaked" {
		t.Errorf("existing line = %+v", e)
	}
	n := a.NewStockLines[0]
	if !n.Quantity.Equal(dec("30")) || !n.UnitCost.Equal(dec("7.05")) || n.BatchSN != "FDM-2501" || n.ExpiryDate.Year() != 2027 || n.ReceivedDate.IsZero() {
		t.Errorf("new line = %+v", n)
	}
	tx := a.Transactions[1]
	if !tx.Amount.Equal(dec("211.5")) || tx.Debit != "1400: Inventory" || !tx.EffectiveDate.HasZone || tx.EffectiveDate.Nanosecond() != 447123300 {
		t.Errorf("transaction = %+v", tx)
	}

	mt.RegisterResponder(http.MethodGet, stockAdjustmentURL, jsonResponder(200, []byte(`{"TaskID":null}`)))
	if _, err := c.StockAdjustments.Get(context.Background(), "x"); !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("empty answer: %v", err)
	}
	mt2, c2 := newMockClient(t)
	_, err = c2.StockAdjustments.Get(context.Background(), "")
	wantValidation(t, mt2, err, "TaskID")
}

// TestPitfall31_AdjustmentQuantitiesAreAbsolute: the client sends the new
// on-hand quantity the caller gives, never a difference, and reads
// Adjustment as the new quantity.
func TestPitfall31_AdjustmentQuantitiesAreAbsolute(t *testing.T) {
	mt, c := newMockClient(t)
	var post, put stockExchange
	mt.RegisterResponder(http.MethodPost, stockAdjustmentURL, stockRecorder(&post, jsonResponder(200, fixture(t, "stock_adjustment.json"))))
	mt.RegisterResponder(http.MethodPut, stockAdjustmentURL, stockRecorder(&put, jsonResponder(200, fixture(t, "stock_adjustment.json"))))
	req := validAdjustment()
	req.Lines[0].CostingMethod = cin7core.CostingFEFOBatch
	req.Lines = append(req.Lines, cin7core.NewStockLine{SKU: "SLB-DWN-M5", Quantity: dec("9"), UnitCost: dec("151.35"), Location: "Sydney Distribution Centre: Aisle B"})
	a, err := c.StockAdjustments.Create(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if req.Lines[0].CostingMethod != cin7core.CostingFEFOBatch {
		t.Error("Create changed the caller's lines")
	}
	body := post.lastBody(t)
	if body["EffectiveDate"] != "2025-01-31T00:00:00" || body["Status"] != "COMPLETED" || body["Account"] != "5010" {
		t.Errorf("body = %v", body)
	}
	if _, ok := body["TaskID"]; ok {
		t.Error("POST sends TaskID")
	}
	lines := body["Lines"].([]any)
	l0, l1 := lines[0].(map[string]any), lines[1].(map[string]any)
	if l0["Quantity"] != "30" || l0["UnitCost"] != "7.05" || l0["BatchSN"] != "FDM-2501" || l0["ExpiryDate"] != "2027-01-31T00:00:00" || l0["ReceivedDate"] != nil {
		t.Errorf("line 0 = %v", l0)
	}
	if _, ok := l0["CostingMethod"]; ok {
		t.Errorf("CostingMethod must not be sent: %v", l0)
	}
	if l1["Quantity"] != "9" || l1["Location"] != "Sydney Distribution Centre: Aisle B" {
		t.Errorf("line 1 = %v", l1)
	}
	// The answer's Adjustment is the new quantity (12 → 9), not -3.
	if e := a.ExistingStockLines[0]; !e.Adjustment.Equal(dec("9")) || !e.QuantityOnHand.Equal(dec("12")) {
		t.Errorf("existing line = %+v", e)
	}

	upd := validAdjustment()
	upd.TaskID = a.TaskID
	upd.Status = cin7core.AdjustmentDraft
	if _, err := c.StockAdjustments.Update(context.Background(), upd); err != nil {
		t.Fatal(err)
	}
	if b := put.lastBody(t); b["TaskID"] != a.TaskID || b["Status"] != "DRAFT" {
		t.Errorf("PUT body = %v", b)
	}
}

func TestStockAdjustmentValidation(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		update bool
		edit   func(r *cin7core.StockAdjustmentRequest)
		field  string
	}{
		{"no effective date", false, func(r *cin7core.StockAdjustmentRequest) { r.EffectiveDate = cin7core.Time{} }, "EffectiveDate"},
		{"no status", false, func(r *cin7core.StockAdjustmentRequest) { r.Status = "" }, "Status"},
		{"voided", false, func(r *cin7core.StockAdjustmentRequest) { r.Status = cin7core.AdjustmentVoided }, "Status"},
		{"no lines", false, func(r *cin7core.StockAdjustmentRequest) { r.Lines = nil }, "Lines"},
		{"new stock without unit cost (the issue's example)", false, func(r *cin7core.StockAdjustmentRequest) { r.Lines[0].UnitCost = decimal.Zero }, "Lines[0].UnitCost"},
		{"negative unit cost", false, func(r *cin7core.StockAdjustmentRequest) { r.Lines[0].UnitCost = dec("-1") }, "Lines[0].UnitCost"},
		{"no product", false, func(r *cin7core.StockAdjustmentRequest) { r.Lines[0].ProductID = "" }, "Lines[0].ProductID"},
		{"no location", false, func(r *cin7core.StockAdjustmentRequest) { r.Lines[0].LocationID = "" }, "Lines[0].LocationID"},
		{"negative quantity", false, func(r *cin7core.StockAdjustmentRequest) { r.Lines[0].Quantity = dec("-2") }, "Lines[0].Quantity"},
		{"batch missing for a non-FIFO method", false, func(r *cin7core.StockAdjustmentRequest) {
			r.Lines[0].CostingMethod, r.Lines[0].BatchSN = cin7core.CostingSpecialBatch, ""
		}, "Lines[0].BatchSN"},
		{"serial missing", false, func(r *cin7core.StockAdjustmentRequest) {
			r.Lines[0].CostingMethod, r.Lines[0].BatchSN = cin7core.CostingFIFOSerial, ""
		}, "Lines[0].BatchSN"},
		{"expiry missing for FEFO", false, func(r *cin7core.StockAdjustmentRequest) {
			r.Lines[0].CostingMethod, r.Lines[0].ExpiryDate = cin7core.CostingFEFOSerial, cin7core.Time{}
		}, "Lines[0].ExpiryDate"},
		{"second line checked too", false, func(r *cin7core.StockAdjustmentRequest) {
			r.Lines = append(r.Lines, cin7core.NewStockLine{SKU: "X", Quantity: dec("1"), Location: "Brisbane 3PL"})
		}, "Lines[1].UnitCost"},
		{"update without TaskID", true, func(*cin7core.StockAdjustmentRequest) {}, "TaskID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mt, c := newMockClient(t)
			r := validAdjustment()
			tc.edit(r)
			var err error
			if tc.update {
				_, err = c.StockAdjustments.Update(ctx, r)
			} else {
				_, err = c.StockAdjustments.Create(ctx, r)
			}
			wantValidation(t, mt, err, tc.field)
		})
	}
	mt, c := newMockClient(t)
	_, err := c.StockAdjustments.Create(ctx, nil)
	wantValidation(t, mt, err, "")
	_, err = c.StockAdjustments.Update(ctx, nil)
	wantValidation(t, mt, err, "")
}

func TestStockAdjustmentValidateFor(t *testing.T) {
	r := validAdjustment()
	r.Lines[0].BatchSN = ""
	r.Lines = append(r.Lines, cin7core.NewStockLine{SKU: "TNT-2P-ALP", Quantity: dec("3"), UnitCost: dec("212.4"), Location: "Brisbane 3PL"})
	methods := map[string]cin7core.CostingMethod{
		"6B26F8CC-493C-43AA-8245-FF85C47CE620": cin7core.CostingFEFOBatch, // other case than the line
		"TNT-2P-ALP":                           cin7core.CostingFIFO,
	}
	err := r.ValidateFor(methods)
	var ve *cin7core.ValidationError
	if !errors.As(err, &ve) || ve.Field != "Lines[0].BatchSN" {
		t.Fatalf("err = %v", err)
	}
	if r.Lines[0].CostingMethod != cin7core.CostingFEFOBatch || r.Lines[1].CostingMethod != cin7core.CostingFIFO {
		t.Errorf("methods not filled: %+v", r.Lines)
	}
	r.Lines[0].BatchSN = "FDM-2501"
	if err := r.ValidateFor(methods); err != nil {
		t.Fatal(err)
	}
	if err := (*cin7core.StockAdjustmentRequest)(nil).ValidateFor(nil); !errors.Is(err, cin7core.ErrValidation) {
		t.Error(err)
	}
}
