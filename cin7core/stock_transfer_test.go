package cin7core_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/jarcoal/httpmock"
	"github.com/shopspring/decimal"
)

const (
	stockTransferURL      = testBase + "stockTransfer"
	stockTransferListURL  = testBase + "stockTransferList"
	stockTransferOrderURL = testBase + "stockTransfer/order"
)

// stockExchange records what the client sent to a mocked endpoint.
type stockExchange struct {
	mu     sync.Mutex
	query  []url.Values
	bodies [][]byte
}

func (x *stockExchange) lastQuery() url.Values {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.query) == 0 {
		return nil
	}
	return x.query[len(x.query)-1]
}

// lastBody decodes the last request body generically.
func (x *stockExchange) lastBody(t *testing.T) map[string]any {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.bodies) == 0 {
		t.Fatal("no request body recorded")
	}
	var m map[string]any
	if err := json.Unmarshal(x.bodies[len(x.bodies)-1], &m); err != nil {
		t.Fatalf("request body is not a JSON object: %v: %s", err, x.bodies[len(x.bodies)-1])
	}
	return m
}

// stockRecorder answers with r after recording the request.
func stockRecorder(x *stockExchange, r httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var b []byte
		if req.Body != nil {
			b, _ = io.ReadAll(req.Body)
		}
		x.mu.Lock()
		x.query = append(x.query, req.URL.Query())
		x.bodies = append(x.bodies, b)
		x.mu.Unlock()
		return r(req)
	}
}

func stockDate(s string) cin7core.Time {
	t, err := cin7core.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// assertQuery checks the query has exactly the wanted parameters.
func assertQuery(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("query %v, want exactly %v", got, want)
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("query %s = %q, want %q (all: %v)", k, got.Get(k), v, got)
		}
	}
}

// wantValidation checks err is a *ValidationError on field and that no
// request was sent.
func wantValidation(t *testing.T, mt *httpmock.MockTransport, err error, field string) {
	t.Helper()
	var ve *cin7core.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, cin7core.ErrValidation) {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	if field != "" && ve.Field != field {
		t.Errorf("field %q, want %q (%v)", ve.Field, field, err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func validTransfer() *cin7core.StockTransfer {
	return &cin7core.StockTransfer{
		Status:         cin7core.TransferDraft,
		From:           "f523d6f3-f25c-45e8-b06e-32f164fd24e5",
		ToLocation:     "Melbourne Flagship Store",
		RequiredByDate: stockDate("2025-02-14T00:00:00"),
		Lines: []cin7core.StockTransferLine{
			{SKU: "PCK-20L-DAY", TransferQuantity: dec("6")},
		},
	}
}

func TestStockTransfersList(t *testing.T) {
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, stockTransferListURL, stockRecorder(&x, jsonResponder(200, fixture(t, "stock_transfer_list.json"))))
	rows, err := c.StockTransfers.List(&cin7core.StockTransferListOptions{Status: cin7core.TransferInTransit, Search: "TR-0000", Limit: 50}).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, x.lastQuery(), map[string]string{"Status": "IN TRANSIT", "Search": "TR-0000", "Page": "1", "Limit": "50"})
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	if r.Status != cin7core.TransferInTransit || r.Number != "TR-00003" || !cin7core.SameID(r.From, "f523d6f3-f25c-45e8-b06e-32f164fd24e5") ||
		r.ToLocation != "Melbourne Flagship Store" || !r.CompletionDate.IsZero() || r.DepartureDate.Format("2006-01-02") != "2025-02-10" ||
		r.InTransitAccount != "1450" || r.CostDistributionType != cin7core.CostDistributionCost || r.Reference != "Autumn restock" {
		t.Errorf("row 0 = %+v", r)
	}
	if rows[1].ToLocation != "Sydney Distribution Centre: Aisle A" || rows[1].CostDistributionType != cin7core.CostDistributionQuantity {
		t.Errorf("row 1 = %+v", rows[1])
	}

	// No options: only paging, at the maximum page size.
	if _, err := c.StockTransfers.List(nil).Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertQuery(t, x.lastQuery(), map[string]string{"Page": "1", "Limit": "1000"})
}

func TestStockTransferGet(t *testing.T) {
	mt, c := newMockClient(t)
	var x stockExchange
	mt.RegisterResponder(http.MethodGet, stockTransferURL, stockRecorder(&x, jsonResponder(200, fixture(t, "stock_transfer.json"))))
	tr, err := c.StockTransfers.Get(context.Background(), "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04")
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, x.lastQuery(), map[string]string{"TaskID": "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04"})
	if !cin7core.SameID(tr.TaskID, "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04") || tr.Status != cin7core.TransferInTransit ||
		tr.SkipOrder == nil || !bool(*tr.SkipOrder) || tr.Order == nil || tr.Order.Status != cin7core.TransferOrderNotAvailable || len(tr.Lines) != 2 {
		t.Fatalf("transfer = %+v", tr)
	}
	l := tr.Lines[0]
	if !l.QuantityOnHand.Equal(dec("24")) || !l.QuantityAvailable.Equal(dec("21")) || !l.TransferQuantity.Equal(dec("6")) ||
		!l.ProductLength.Equal(dec("0.45")) || l.WeightUnits != "kg" || l.Comments != "front window" || l.BatchSN != "" || !l.ExpiryDate.IsZero() {
		t.Errorf("line 0 = %+v", l)
	}
	l = tr.Lines[1]
	if l.BatchSN != "GEL-2409" || l.ExpiryDate.Format("2006-01-02") != "2026-09-30" || l.ExpiryDate.HasZone {
		t.Errorf("line 1 = %+v", l)
	}
}

func TestStockTransferGetNotFound(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, stockTransferURL, sequence(
		jsonResponder(200, []byte(`{}`)),
		jsonResponder(404, []byte(`[{"ErrorCode":404,"Exception":"Stock transfer not found."}]`)),
		jsonResponder(200, []byte(`[{"ErrorCode":404,"Exception":"Stock transfer not found."}]`)),
	))
	for i := 0; i < 3; i++ {
		if _, err := c.StockTransfers.Get(context.Background(), "0b7e3d21-58c4-4f6a-8e92-c1d0a3b4e5f6"); !errors.Is(err, cin7core.ErrNotFound) {
			t.Errorf("answer %d: err = %v, want ErrNotFound", i, err)
		}
	}
	_, err := c.StockTransfers.Get(context.Background(), "")
	var ve *cin7core.ValidationError
	if !errors.As(err, &ve) || mt.GetTotalCallCount() != 3 {
		t.Errorf("empty TaskID: %v after %d calls", err, mt.GetTotalCallCount())
	}
}

func TestStockTransferCreateAndUpdate(t *testing.T) {
	mt, c := newMockClient(t)
	var post, put stockExchange
	mt.RegisterResponder(http.MethodPost, stockTransferURL, stockRecorder(&post, jsonResponder(200, fixture(t, "stock_transfer.json"))))
	mt.RegisterResponder(http.MethodPut, stockTransferURL, stockRecorder(&put, jsonResponder(200, fixture(t, "stock_transfer.json"))))

	in := validTransfer()
	in.Lines[0].CostingMethod = cin7core.CostingFIFO
	in.CostDistributionType = cin7core.CostDistributionWeight
	out, err := c.StockTransfers.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Number != "TR-00003" {
		t.Errorf("created %+v", out)
	}
	body := post.lastBody(t)
	for k, want := range map[string]any{"Status": "DRAFT", "From": "f523d6f3-f25c-45e8-b06e-32f164fd24e5", "ToLocation": "Melbourne Flagship Store",
		"CostDistributionType": "Weight", "RequiredByDate": "2025-02-14T00:00:00", "DepartureDate": nil} {
		if body[k] != want {
			t.Errorf("body %s = %#v, want %#v", k, body[k], want)
		}
	}
	for _, k := range []string{"TaskID", "FromLocation", "To", "Number", "SkipOrder", "Order", "ManualJournals"} {
		if _, ok := body[k]; ok {
			t.Errorf("body sends %s = %v; an unset field must be left out", k, body[k])
		}
	}
	line := body["Lines"].([]any)[0].(map[string]any)
	if line["SKU"] != "PCK-20L-DAY" || line["TransferQuantity"] != "6" {
		t.Errorf("line = %v", line)
	}
	if _, ok := line["CostingMethod"]; ok {
		t.Errorf("CostingMethod is a client-side hint and must not be sent: %v", line)
	}

	// PUT: a status change without lines must not send "Lines": [] (pitfall 29).
	upd := &cin7core.StockTransfer{TaskID: out.TaskID, Status: cin7core.TransferCompleted, From: out.From, To: out.To,
		CompletionDate: stockDate("2025-02-12T00:00:00"), Lines: []cin7core.StockTransferLine{}}
	if _, err := c.StockTransfers.Update(context.Background(), upd, cin7core.RetrySafe()); err != nil {
		t.Fatal(err)
	}
	body = put.lastBody(t)
	if body["TaskID"] != out.TaskID || body["Status"] != "COMPLETED" || body["CompletionDate"] != "2025-02-12T00:00:00" {
		t.Errorf("PUT body = %v", body)
	}
	if _, ok := body["Lines"]; ok {
		t.Errorf("PUT sends Lines although none were given: %v", body["Lines"])
	}
}

func TestStockTransferValidation(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		update bool
		edit   func(tr *cin7core.StockTransfer)
		field  string
	}{
		{"neither location (the issue's example)", false, func(tr *cin7core.StockTransfer) { tr.From, tr.ToLocation = "", "" }, "From"},
		{"no source", false, func(tr *cin7core.StockTransfer) { tr.From = "" }, "From"},
		{"no destination", false, func(tr *cin7core.StockTransfer) { tr.ToLocation = "" }, "To"},
		{"same location", false, func(tr *cin7core.StockTransfer) {
			tr.ToLocation, tr.To = "", strings.ToUpper(tr.From)
		}, "To"},
		{"same location by name", false, func(tr *cin7core.StockTransfer) {
			tr.From, tr.FromLocation = "", tr.ToLocation
		}, "To"},
		{"no status", false, func(tr *cin7core.StockTransfer) { tr.Status = "" }, "Status"},
		{"voided", false, func(tr *cin7core.StockTransfer) { tr.Status = cin7core.TransferVoided }, "Status"},
		{"unknown status", false, func(tr *cin7core.StockTransfer) { tr.Status = "ORDERED" }, "Status"},
		{"in transit without departure", false, func(tr *cin7core.StockTransfer) {
			tr.Status, tr.InTransitAccount = cin7core.TransferInTransit, "1450"
		}, "DepartureDate"},
		{"in transit without account", false, func(tr *cin7core.StockTransfer) {
			tr.Status, tr.DepartureDate = cin7core.TransferInTransit, stockDate("2025-02-10")
		}, "InTransitAccount"},
		{"completed without completion date", false, func(tr *cin7core.StockTransfer) { tr.Status = cin7core.TransferCompleted }, "CompletionDate"},
		{"completed without lines", false, func(tr *cin7core.StockTransfer) {
			tr.Status, tr.CompletionDate, tr.Lines = cin7core.TransferCompleted, stockDate("2025-02-10"), nil
		}, "Lines"},
		{"line without product", false, func(tr *cin7core.StockTransfer) { tr.Lines[0].SKU = "" }, "Lines[0].ProductID"},
		{"line without quantity", false, func(tr *cin7core.StockTransfer) { tr.Lines[0].TransferQuantity = decimal.Zero }, "Lines[0].TransferQuantity"},
		{"negative quantity", false, func(tr *cin7core.StockTransfer) { tr.Lines[0].TransferQuantity = dec("-1") }, "Lines[0].TransferQuantity"},
		{"batch product without batch", false, func(tr *cin7core.StockTransfer) { tr.Lines[0].CostingMethod = cin7core.CostingFIFOBatch }, "Lines[0].BatchSN"},
		{"serial product without serial", false, func(tr *cin7core.StockTransfer) { tr.Lines[0].CostingMethod = cin7core.CostingSpecialSerial }, "Lines[0].BatchSN"},
		{"FEFO product without expiry", false, func(tr *cin7core.StockTransfer) {
			tr.Lines[0].CostingMethod, tr.Lines[0].BatchSN = cin7core.CostingFEFOBatch, "GEL-2409"
		}, "Lines[0].ExpiryDate"},
		{"update without TaskID", true, func(*cin7core.StockTransfer) {}, "TaskID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mt, c := newMockClient(t)
			tr := validTransfer()
			tc.edit(tr)
			var err error
			if tc.update {
				_, err = c.StockTransfers.Update(ctx, tr)
			} else {
				_, err = c.StockTransfers.Create(ctx, tr)
			}
			wantValidation(t, mt, err, tc.field)
		})
	}
	mt, c := newMockClient(t)
	_, err := c.StockTransfers.Create(ctx, nil)
	wantValidation(t, mt, err, "")
	_, err = c.StockTransfers.Update(ctx, nil)
	wantValidation(t, mt, err, "")

	// Unknown costing methods are left to the server; FIFO needs no batch.
	for _, m := range []cin7core.CostingMethod{"", cin7core.CostingFIFO, "BATCH"} {
		mt, c := newMockClient(t)
		mt.RegisterResponder(http.MethodPost, stockTransferURL, jsonResponder(200, fixture(t, "stock_transfer.json")))
		tr := validTransfer()
		tr.Lines[0].CostingMethod = m
		if _, err := c.StockTransfers.Create(ctx, tr); err != nil {
			t.Errorf("costing method %q: %v", m, err)
		}
	}
}

func TestStockTransferOrder(t *testing.T) {
	ctx := context.Background()
	mt, c := newMockClient(t)
	var get, post stockExchange
	mt.RegisterResponder(http.MethodGet, stockTransferOrderURL, stockRecorder(&get, jsonResponder(200, fixture(t, "stock_transfer_order.json"))))
	mt.RegisterResponder(http.MethodPost, stockTransferOrderURL, stockRecorder(&post, jsonResponder(200, fixture(t, "stock_transfer_order.json"))))
	o, err := c.StockTransfers.GetOrder(ctx, "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04")
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, get.lastQuery(), map[string]string{"TaskID": "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04"})
	if o.Status != cin7core.TransferOrderAuthorised || len(o.Lines) != 1 || !o.Lines[0].TransferQuantity.Equal(dec("6")) {
		t.Fatalf("order = %+v", o)
	}
	in := &cin7core.StockTransferOrder{TaskID: o.TaskID, Status: cin7core.TransferOrderAuthorised,
		Lines: []cin7core.StockTransferLine{{ProductID: "4cf0ac10-c62e-4116-a019-8ffe8977b6fd", TransferQuantity: dec("6")}}}
	if _, err := c.StockTransfers.PostOrder(ctx, in); err != nil {
		t.Fatal(err)
	}
	body := post.lastBody(t)
	if body["TaskID"] != o.TaskID || body["Status"] != "AUTHORISED" || len(body["Lines"].([]any)) != 1 {
		t.Errorf("body = %v", body)
	}

	mt.RegisterResponder(http.MethodGet, stockTransferOrderURL, jsonResponder(200, []byte(`{}`)))
	if _, err := c.StockTransfers.GetOrder(ctx, "x"); !errors.Is(err, cin7core.ErrNotFound) {
		t.Errorf("empty answer: %v", err)
	}

	bad := []struct {
		o     *cin7core.StockTransferOrder
		field string
	}{
		{nil, ""},
		{&cin7core.StockTransferOrder{Status: cin7core.TransferOrderDraft, Lines: in.Lines}, "TaskID"},
		{&cin7core.StockTransferOrder{TaskID: "x", Lines: in.Lines}, "Status"},
		{&cin7core.StockTransferOrder{TaskID: "x", Status: cin7core.TransferOrderNotAvailable, Lines: in.Lines}, "Status"},
		{&cin7core.StockTransferOrder{TaskID: "x", Status: cin7core.TransferOrderDraft}, "Lines"},
		{&cin7core.StockTransferOrder{TaskID: "x", Status: cin7core.TransferOrderDraft, Lines: []cin7core.StockTransferLine{{SKU: "A"}}}, "Lines[0].TransferQuantity"},
	}
	for _, b := range bad {
		mt, c := newMockClient(t)
		_, err := c.StockTransfers.PostOrder(ctx, b.o)
		wantValidation(t, mt, err, b.field)
	}
	mt2, c2 := newMockClient(t)
	_, err = c2.StockTransfers.GetOrder(ctx, "")
	wantValidation(t, mt2, err, "TaskID")
}

// stockWrite is one write call of the stock services, for the retry
// table.
type stockWrite struct {
	name, method, url string
	fixture           string
	call              func(c *cin7core.Client, opts ...cin7core.CallOption) error
}

func stockWrites() []stockWrite {
	ctx := context.Background()
	adj := validAdjustment
	return []stockWrite{
		{"transfer create", http.MethodPost, stockTransferURL, "stock_transfer.json", func(c *cin7core.Client, o ...cin7core.CallOption) error {
			_, err := c.StockTransfers.Create(ctx, validTransfer(), o...)
			return err
		}},
		{"transfer update", http.MethodPut, stockTransferURL, "stock_transfer.json", func(c *cin7core.Client, o ...cin7core.CallOption) error {
			tr := validTransfer()
			tr.TaskID = "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04"
			_, err := c.StockTransfers.Update(ctx, tr, o...)
			return err
		}},
		{"transfer order", http.MethodPost, stockTransferOrderURL, "stock_transfer_order.json", func(c *cin7core.Client, o ...cin7core.CallOption) error {
			_, err := c.StockTransfers.PostOrder(ctx, &cin7core.StockTransferOrder{TaskID: "x", Status: cin7core.TransferOrderDraft,
				Lines: []cin7core.StockTransferLine{{SKU: "A", TransferQuantity: dec("1")}}}, o...)
			return err
		}},
		{"adjustment create", http.MethodPost, stockAdjustmentURL, "stock_adjustment.json", func(c *cin7core.Client, o ...cin7core.CallOption) error {
			_, err := c.StockAdjustments.Create(ctx, adj(), o...)
			return err
		}},
		{"adjustment update", http.MethodPut, stockAdjustmentURL, "stock_adjustment.json", func(c *cin7core.Client, o ...cin7core.CallOption) error {
			r := adj()
			r.TaskID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
			_, err := c.StockAdjustments.Update(ctx, r, o...)
			return err
		}},
		{"stocktake create", http.MethodPost, stocktakeURL, "stocktake.json", func(c *cin7core.Client, o ...cin7core.CallOption) error {
			_, err := c.Stocktakes.Create(ctx, validStocktake(), o...)
			return err
		}},
		{"stocktake update", http.MethodPut, stocktakeURL, "stocktake.json", func(c *cin7core.Client, o ...cin7core.CallOption) error {
			_, err := c.Stocktakes.Update(ctx, &cin7core.Stocktake{TaskID: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", Status: cin7core.StocktakeCompleted}, o...)
			return err
		}},
	}
}

// TestStockWritesRetryPolicy: writes are not retried after a 500 or a
// transport error (the first attempt may have taken effect) unless marked
// RetrySafe, and are always retried on throttling (429/503: not
// processed).
func TestStockWritesRetryPolicy(t *testing.T) {
	throttle := []byte(`[{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}]`)
	for _, w := range stockWrites() {
		t.Run(w.name, func(t *testing.T) {
			ok := jsonResponder(200, fixture(t, w.fixture))

			mt, c := newMockClient(t)
			mt.RegisterResponder(w.method, w.url, sequence(jsonResponder(500, []byte(`[{"ErrorCode":500,"Exception":"Object reference not set"}]`)), ok))
			err := w.call(c)
			if !errors.Is(err, cin7core.ErrServer) || !cin7core.MayHaveReachedServer(err) || mt.GetTotalCallCount() != 1 {
				t.Errorf("500: err = %v (may have reached %v) after %d calls, want 1 call", err, cin7core.MayHaveReachedServer(err), mt.GetTotalCallCount())
			}

			mt, c = newMockClient(t)
			mt.RegisterResponder(w.method, w.url, sequence(httpmock.NewErrorResponder(errConnReset), ok))
			err = w.call(c)
			if err == nil || !cin7core.MayHaveReachedServer(err) || mt.GetTotalCallCount() != 1 {
				t.Errorf("transport error: err = %v after %d calls, want 1 call", err, mt.GetTotalCallCount())
			}

			for name, first := range map[string]httpmock.Responder{
				"500":       jsonResponder(500, []byte(`[{"ErrorCode":500,"Exception":"boom"}]`)),
				"transport": httpmock.NewErrorResponder(errConnReset),
			} {
				mt, c = newMockClient(t)
				mt.RegisterResponder(w.method, w.url, sequence(first, ok))
				if err := w.call(c, cin7core.RetrySafe()); err != nil || mt.GetTotalCallCount() != 2 {
					t.Errorf("RetrySafe after %s: err = %v after %d calls, want success after 2", name, err, mt.GetTotalCallCount())
				}
			}

			for _, status := range []int{429, 503} {
				mt, c = newMockClient(t)
				mt.RegisterResponder(w.method, w.url, sequence(jsonResponder(status, throttle), ok))
				if err := w.call(c); err != nil || mt.GetTotalCallCount() != 2 {
					t.Errorf("throttled %d: err = %v after %d calls, want success after 2", status, err, mt.GetTotalCallCount())
				}
			}

			mt, c = newMockClient(t)
			mt.RegisterResponder(w.method, w.url, jsonResponder(400, []byte(`[{"ErrorCode":400,"Exception":"Location 'Nowhere' not found"}]`)))
			err = w.call(c, cin7core.RetrySafe())
			var ae *cin7core.APIError
			if !errors.Is(err, cin7core.ErrValidation) || !errors.As(err, &ae) || ae.Message != "Location 'Nowhere' not found" ||
				cin7core.MayHaveReachedServer(err) || mt.GetTotalCallCount() != 1 {
				t.Errorf("400: err = %v after %d calls", err, mt.GetTotalCallCount())
			}
		})
	}
}

func TestStockReadsRetryOnServerErrors(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, stockTransferURL, sequence(
		jsonResponder(500, []byte(`[{"ErrorCode":500,"Exception":"boom"}]`)),
		httpmock.NewErrorResponder(errConnReset),
		jsonResponder(200, fixture(t, "stock_transfer.json"))))
	if _, err := c.StockTransfers.Get(context.Background(), "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04"); err != nil || mt.GetTotalCallCount() != 3 {
		t.Fatalf("err = %v after %d calls", err, mt.GetTotalCallCount())
	}
	mt.RegisterResponder(http.MethodGet, stockTransferListURL, jsonResponder(200, []byte(`<html>Page not found</html>`)))
	if _, err := c.StockTransfers.List(nil).Collect(context.Background()); !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("HTML answer: %v", err)
	}
	mt.RegisterResponder(http.MethodGet, stockTransferListURL, jsonResponder(403, []byte(`Incorrect credentials!`)))
	if _, err := c.StockTransfers.List(nil).Collect(context.Background()); !errors.Is(err, cin7core.ErrUnauthorized) {
		t.Fatalf("403: %v", err)
	}
}

// TestPitfall25_StockEnumsStayOpen: statuses and types the SDK does not
// know decode as they are.
func TestPitfall25_StockEnumsStayOpen(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, stockTransferListURL, jsonResponder(200, fixture(t, "stock_transfer_list.json")))
	rows, err := c.StockTransfers.List(nil).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rows[2].Status != "FLAGGED FOR REVIEW" || rows[2].CostDistributionType != "Freight" {
		t.Errorf("row = %+v", rows[2])
	}
	var st cin7core.Stocktake
	if err := json.Unmarshal([]byte(`{"TaskID":"x","Status":"RECOUNT","NonZeroStockOnHandProducts":[{"CostingMethod":"BATCH"}]}`), &st); err != nil ||
		st.Status != "RECOUNT" || st.NonZeroStockOnHandProducts[0].CostingMethod != "BATCH" {
		t.Errorf("stocktake = %+v, %v", st, err)
	}
	var adj cin7core.StockAdjustment
	if err := json.Unmarshal([]byte(`{"TaskID":"x","Status":"AUTHORISED"}`), &adj); err != nil || adj.Status != "AUTHORISED" {
		t.Errorf("adjustment = %+v, %v", adj, err)
	}
}

// TestPitfall26_StockGUIDCase: references to the same record differ in
// case; compare with SameID.
func TestPitfall26_StockGUIDCase(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, stockTransferURL, jsonResponder(200, fixture(t, "stock_transfer.json")))
	tr, err := c.StockTransfers.Get(context.Background(), "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04")
	if err != nil {
		t.Fatal(err)
	}
	if tr.To != "C3F1B5D3-98DB-45A6-A20B-2CF0DD311EFA" || !cin7core.SameID(tr.To, "c3f1b5d3-98db-45a6-a20b-2cf0dd311efa") ||
		!cin7core.SameID(tr.TaskID, "6f1c2a9e-4b7d-4e0a-9c3b-2d8e5f7a1b04") {
		t.Errorf("IDs = %s, %s", tr.To, tr.TaskID)
	}
}

// TestPitfall36_StockDecimalPrecision: 4-decimal quantities and money
// survive exactly, whether sent as numbers or strings.
func TestPitfall36_StockDecimalPrecision(t *testing.T) {
	var l cin7core.NewStockLine
	if err := json.Unmarshal([]byte(`{"Quantity":"1234567.1234","UnitCost":0.0001}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.Quantity.String() != "1234567.1234" || l.UnitCost.String() != "0.0001" {
		t.Errorf("line = %s, %s", l.Quantity, l.UnitCost)
	}
	b, _ := json.Marshal(l)
	if !strings.Contains(string(b), `"Quantity":"1234567.1234"`) || !strings.Contains(string(b), `"UnitCost":"0.0001"`) {
		t.Errorf("encoded %s", b)
	}
	sum := decimal.Zero
	for range 10 {
		sum = sum.Add(dec("0.1"))
	}
	if !sum.Equal(dec("1")) {
		t.Error("decimal arithmetic lost precision")
	}
}
