package cin7core_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

const (
	stocktakeURL     = testBase + "stocktake"
	stocktakeListURL = testBase + "stockTakeList"
)

func validStocktake() *cin7core.Stocktake {
	return &cin7core.Stocktake{
		EffectiveDate: stockDate("2025-02-01T00:00:00"),
		Account:       "5010",
		Location:      "Melbourne Flagship Store",
		Bins:          []cin7core.StocktakeRef{{Name: "Shop Floor"}},
		Reference:     "Monthly count",
	}
}

// TestPitfall21_StocktakeListKey: stockTakeList rows come under
// StockAdjustmentList, with the filters as comma-delimited strings.
func TestPitfall21_StocktakeListKey(t *testing.T) {
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, stocktakeListURL, stockRecorder(&x, jsonResponder(200, fixture(t, "stocktake_list.json"))))
	rows, err := c.Stocktakes.List(&cin7core.StocktakeListOptions{Status: cin7core.StocktakeInProgress}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, x.lastQuery(), map[string]string{"Status": "IN PROGRESS", "Page": "1", "Limit": "1000"})
	if len(rows) != 1 {
		t.Fatalf("%d rows: the list key must be StockAdjustmentList", len(rows))
	}
	r := rows[0]
	if r.StocktakeNumber != "ST-00005" || r.Status != cin7core.StocktakeInProgress || r.Tags != "packs, bottles" || r.Categories != "Packs, Hydration" ||
		r.Bins != "Shop Floor" || r.LastUpdatedBy != "store.manager@example.com" || !r.CreatedDate.HasZone || r.LastUpdatedDate.HasZone ||
		r.CreatedDate.Nanosecond() != 123456700 {
		t.Errorf("row = %+v", r)
	}
}

func TestStocktakeGet(t *testing.T) {
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, stocktakeURL, stockRecorder(&x, jsonResponder(200, fixture(t, "stocktake.json"))))
	st, err := c.Stocktakes.Get(context.Background(), "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a")
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, x.lastQuery(), map[string]string{"TaskID": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"})
	if st.Status != cin7core.StocktakeInProgress || len(st.Tags) != 2 || st.Categories[0].Name != "Packs" || st.Bins[0].Name != "Shop Floor" ||
		len(st.NonZeroStockOnHandProducts) != 1 || len(st.ZeroStockOnHandProducts) != 1 || st.Reference != "" {
		t.Fatalf("stocktake = %+v", st)
	}
	l := st.NonZeroStockOnHandProducts[0]
	if !l.QuantityOnHand.Equal(dec("18")) || !l.Available.Equal(dec("15")) || !l.Adjustment.IsZero() || l.Image == nil || l.Image.FileName != "daypack.png" ||
		l.Barcode != "09312345000017" || l.Unit != "Item" || l.CostingMethod != cin7core.CostingFIFO {
		t.Errorf("counted line = %+v", l)
	}
	z := st.ZeroStockOnHandProducts[0]
	if !z.Quantity.Equal(dec("4")) || !z.UnitCost.Equal(dec("14.8")) || z.CostingMethod != cin7core.CostingFIFO {
		t.Errorf("new line = %+v", z)
	}

	mt.RegisterResponder(http.MethodGet, stocktakeURL, jsonResponder(404, []byte(`[{"ErrorCode":404,"Exception":"Stocktake not found"}]`)))
	if _, err := c.Stocktakes.Get(context.Background(), "x"); !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("404: %v", err)
	}
	mt.RegisterResponder(http.MethodGet, stocktakeURL, jsonResponder(200, []byte(`{}`)))
	if _, err := c.Stocktakes.Get(context.Background(), "x"); !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("empty answer: %v", err)
	}
	mt2, c2 := newMockClient(t)
	_, err = c2.Stocktakes.Get(context.Background(), "")
	wantValidation(t, mt2, err, "TaskID")
}

func TestStocktakeCreateAndUpdate(t *testing.T) {
	mt, c := newMockClient(t)
	var post, put stockExchange
	mt.RegisterResponder(http.MethodPost, stocktakeURL, stockRecorder(&post, jsonResponder(200, fixture(t, "stocktake.json"))))
	mt.RegisterResponder(http.MethodPut, stocktakeURL, stockRecorder(&put, jsonResponder(200, fixture(t, "stocktake.json"))))
	st, err := c.Stocktakes.Create(context.Background(), validStocktake())
	if err != nil {
		t.Fatal(err)
	}
	body := post.lastBody(t)
	if body["Location"] != "Melbourne Flagship Store" || body["Account"] != "5010" || body["EffectiveDate"] != "2025-02-01T00:00:00" {
		t.Errorf("POST body = %v", body)
	}
	for _, k := range []string{"TaskID", "Status", "Tags", "NonZeroStockOnHandProducts", "ZeroStockOnHandProducts", "Transactions"} {
		if _, ok := body[k]; ok {
			t.Errorf("POST sends %s", k)
		}
	}

	// Count: the line's Adjustment is the counted quantity.
	counted := st.NonZeroStockOnHandProducts[0]
	counted.Adjustment = dec("17")
	upd := &cin7core.Stocktake{TaskID: st.TaskID, Status: cin7core.StocktakeCompleted,
		NonZeroStockOnHandProducts: []cin7core.ExistingStockLine{counted},
		ZeroStockOnHandProducts:    st.ZeroStockOnHandProducts}
	if _, err := c.Stocktakes.Update(context.Background(), upd); err != nil {
		t.Fatal(err)
	}
	body = put.lastBody(t)
	if body["TaskID"] != st.TaskID || body["Status"] != "COMPLETED" {
		t.Errorf("PUT body = %v", body)
	}
	l := body["NonZeroStockOnHandProducts"].([]any)[0].(map[string]any)
	z := body["ZeroStockOnHandProducts"].([]any)[0].(map[string]any)
	if l["Adjustment"] != "17" || z["UnitCost"] != "14.8" {
		t.Errorf("lines = %v / %v", l, z)
	}
	if _, ok := l["CostingMethod"]; ok {
		t.Error("existing line sends CostingMethod")
	}
	if _, ok := z["CostingMethod"]; ok {
		t.Error("new line sends CostingMethod")
	}
	if st.NonZeroStockOnHandProducts[0].CostingMethod != cin7core.CostingFIFO {
		t.Error("Update changed the caller's lines")
	}
}

func TestStocktakeValidation(t *testing.T) {
	ctx := context.Background()
	create := []struct {
		name  string
		edit  func(s *cin7core.Stocktake)
		field string
	}{
		{"no date", func(s *cin7core.Stocktake) { s.EffectiveDate = cin7core.Time{} }, "EffectiveDate"},
		{"no account", func(s *cin7core.Stocktake) { s.Account = "" }, "Account"},
		{"no location", func(s *cin7core.Stocktake) { s.Location = "" }, "LocationID"},
		{"created completed", func(s *cin7core.Stocktake) { s.Status = cin7core.StocktakeCompleted }, "Status"},
		{"new stock without cost", func(s *cin7core.Stocktake) {
			s.ZeroStockOnHandProducts = []cin7core.NewStockLine{{SKU: "BTL-1L-STL", Quantity: dec("4"), Location: "Shop Floor"}}
		}, "ZeroStockOnHandProducts[0].UnitCost"},
	}
	for _, tc := range create {
		t.Run(tc.name, func(t *testing.T) {
			mt, c := newMockClient(t)
			s := validStocktake()
			tc.edit(s)
			_, err := c.Stocktakes.Create(ctx, s)
			wantValidation(t, mt, err, tc.field)
		})
	}
	update := []struct {
		name  string
		st    *cin7core.Stocktake
		field string
	}{
		{"nil", nil, ""},
		{"no TaskID", &cin7core.Stocktake{Status: cin7core.StocktakeCompleted}, "TaskID"},
		{"no status", &cin7core.Stocktake{TaskID: "x"}, "Status"},
		{"voided", &cin7core.Stocktake{TaskID: "x", Status: cin7core.StocktakeVoided}, "Status"},
		{"count without product", &cin7core.Stocktake{TaskID: "x", Status: cin7core.StocktakeInProgress,
			NonZeroStockOnHandProducts: []cin7core.ExistingStockLine{{Adjustment: dec("1")}}}, "NonZeroStockOnHandProducts[0].ProductID"},
		{"negative count", &cin7core.Stocktake{TaskID: "x", Status: cin7core.StocktakeInProgress,
			NonZeroStockOnHandProducts: []cin7core.ExistingStockLine{{SKU: "A", Adjustment: dec("-1")}}}, "NonZeroStockOnHandProducts[0].Adjustment"},
		{"FEFO found without expiry", &cin7core.Stocktake{TaskID: "x", Status: cin7core.StocktakeInProgress,
			ZeroStockOnHandProducts: []cin7core.NewStockLine{{SKU: "GEL-ENR-BRY", Quantity: dec("5"), UnitCost: dec("1.2"), Location: "Shop Floor",
				BatchSN: "GEL-2409", CostingMethod: cin7core.CostingFEFOBatch}}}, "ZeroStockOnHandProducts[0].ExpiryDate"},
	}
	for _, tc := range update {
		t.Run(tc.name, func(t *testing.T) {
			mt, c := newMockClient(t)
			_, err := c.Stocktakes.Update(ctx, tc.st)
			wantValidation(t, mt, err, tc.field)
		})
	}
	mt, c := newMockClient(t)
	_, err := c.Stocktakes.Create(ctx, nil)
	wantValidation(t, mt, err, "")
}
