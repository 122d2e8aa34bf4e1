package ramp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/jarcoal/httpmock"
)

const stocktakeID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"

func TestStocktakesMock(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var lists recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListStocktakes, lists.wrap(reply(t, 200, "stocktakes_page.json")))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetStocktake+"/"+stocktakeID, reply(t, 200, "stocktake.json"))
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetStocktake+"/"+placeID, reply(t, 404, "error_not_found.json"))

	yes := true
	since := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	q := ramp.StocktakeQuery{PlaceID: placeID, Validated: &yes, ValidatedSince: since, ModifiedSince: since}
	all, err := c.Stocktakes.List(&ramp.ListOptions{Filter: q.Filter()}).Collect(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("list = %d, %v", len(all), err)
	}
	want := "PlaceId eq '" + placeID + "' and Validated eq true and ValidatedAt ge 2024-05-01T00:00:00Z and DateLastModified ge 2024-05-01T00:00:00Z"
	if got := lists.req(0).URL.Query().Get("$filter"); got != want {
		t.Errorf("$filter = %s", got)
	}
	if all[0].LineCount != 3 || all[0].Lines != nil || !all[1].ValidatedAt.IsZero() || all[1].Validated {
		t.Errorf("summaries = %+v", all)
	}
	st, err := c.Stocktakes.Get(ctx, stocktakeID)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Validated || st.ValidatedAt.Nanosecond() != 345678900 || st.Version != 2 || len(st.Lines) != 3 {
		t.Fatalf("stocktake = %+v", st)
	}
	l0, l1, l2 := st.Lines[0], st.Lines[1], st.Lines[2]
	if !l0.Counted.Equal(dec("41")) || !l0.Variance().Equal(dec("0.5")) || !l0.UnitCost.Valid || l0.UnitCost.Decimal.String() != "1.2345" || l0.Batch != "B-2024-05" || l0.Expiry.IsZero() {
		t.Errorf("line 0 = %+v", l0)
	}
	if l1.Serial != "SN-0001" || !l1.UnitCost.Valid || !l1.UnitCost.Decimal.IsZero() || l1.PlaceExternalRef != "bin-a1" {
		t.Errorf("line 1 = %+v", l1)
	}
	if l2.UnitCost.Valid || !l2.Variance().Equal(dec("-3")) {
		t.Errorf("line 2 = %+v", l2)
	}
	if _, err := c.Stocktakes.Get(ctx, placeID); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	// Marshalled back, unset times stay out.
	b, _ := json.Marshal(all[1])
	if bytes.Contains(b, []byte("ValidatedAt")) || bytes.Contains(b, []byte("0001-01-01")) {
		t.Errorf("marshal = %s", b)
	}
}

// stockPartServer answers SetPlaceStock like the contract says, failing
// the attempts listed in failAt (1-based over all attempts) with 500.
type stockPartServer struct {
	mu       sync.Mutex
	attempts int
	failAt   map[int]bool
	parts    []map[string]any
	noApply  bool
}

func (s *stockPartServer) respond(req *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(req.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.failAt[s.attempts] {
		return httpmock.NewStringResponse(500, `[{"ErrorCode":"ServerError","Message":"boom"}]`), nil
	}
	var part map[string]any
	if err := json.Unmarshal(b, &part); err != nil {
		return httpmock.NewStringResponse(400, `[{"ErrorCode":"ValidationError","Message":"bad json"}]`), nil
	}
	s.parts = append(s.parts, part)
	p, n := int(part["Part"].(float64)), int(part["Parts"].(float64))
	total := 0
	for _, q := range s.parts {
		total += len(q["Lines"].([]any))
	}
	ans := map[string]any{"PlaceExternalRef": part["PlaceExternalRef"], "SetId": part["SetId"], "Part": p, "Parts": n, "Applied": p == n && !s.noApply, "LineCount": total}
	out, _ := json.Marshal(ans)
	return httpmock.NewBytesResponse(200, out), nil
}

func stockLines(n int) []ramp.PlaceStockLine {
	lines := make([]ramp.PlaceStockLine, n)
	for i := range lines {
		lines[i] = ramp.PlaceStockLine{SkuExternalRef: fmt.Sprintf("sku-%04d", i), Quantity: dec(fmt.Sprintf("%d.5", i))}
	}
	return lines
}

func TestPlaceStockPutMock(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	srv := &stockPartServer{failAt: map[int]bool{2: true}}
	mt.RegisterResponder(http.MethodPost, base+ramp.PathSetPlaceStock, srv.respond)
	res, err := c.PlaceStock.Put(ctx, "loc-1", stockLines(2500))
	if err != nil {
		t.Fatal(err)
	}
	// Part 1, part 2 (500, retried because idempotent), part 2, part 3.
	if srv.attempts != 4 || len(srv.parts) != 3 || res.Parts != 3 || res.Lines != 2500 {
		t.Fatalf("attempts %d, parts %d, result %+v", srv.attempts, len(srv.parts), res)
	}
	for i, p := range srv.parts {
		if p["SetId"] != res.SetID || int(p["Part"].(float64)) != i+1 || int(p["Parts"].(float64)) != 3 || p["PlaceExternalRef"] != "loc-1" {
			t.Errorf("part %d header = %v", i, p)
		}
	}
	if n := len(srv.parts[2]["Lines"].([]any)); n != 500 {
		t.Errorf("last part has %d lines", n)
	}
	first := srv.parts[0]["Lines"].([]any)[1].(map[string]any)
	if first["SkuExternalRef"] != "sku-0001" || first["Quantity"] != "1.5" || len(first) != 2 {
		t.Errorf("line = %v", first)
	}

	// Empty put: one part that clears the place.
	srv2 := &stockPartServer{}
	mt.RegisterResponder(http.MethodPost, base+ramp.PathSetPlaceStock, srv2.respond)
	if res, err := c.PlaceStock.Put(ctx, "loc-1", nil); err != nil || res.Parts != 1 || srv2.attempts != 1 {
		t.Errorf("clear = %+v, %v", res, err)
	}
	// A server that never applies the set is a broken response.
	srv3 := &stockPartServer{noApply: true}
	mt.RegisterResponder(http.MethodPost, base+ramp.PathSetPlaceStock, srv3.respond)
	if _, err := c.PlaceStock.Put(ctx, "loc-1", stockLines(3)); !errors.Is(err, ramp.ErrBadResponse) {
		t.Errorf("not applied: %v", err)
	}
}

func TestPlaceStockValidationBeforeSending(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	cases := map[string]struct {
		place string
		lines []ramp.PlaceStockLine
		field string
	}{
		"no place":      {"", nil, "PlaceExternalRef"},
		"no sku":        {"p", []ramp.PlaceStockLine{{Quantity: dec("1")}}, "Lines[0].SkuExternalRef"},
		"negative":      {"p", []ramp.PlaceStockLine{{SkuExternalRef: "a", Quantity: dec("-1")}}, "Lines[0].Quantity"},
		"other place":   {"p", []ramp.PlaceStockLine{{SkuExternalRef: "a", PlaceExternalRef: "q"}}, "Lines[0].PlaceExternalRef"},
		"duplicate key": {"p", []ramp.PlaceStockLine{{SkuExternalRef: "a", Batch: "b"}, {SkuExternalRef: "c"}, {SkuExternalRef: "a", Batch: "b"}}, "Lines[2]"},
	}
	for name, tc := range cases {
		_, err := c.PlaceStock.Put(ctx, tc.place, tc.lines)
		var ve *ramp.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestPlaceStockListMock(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListPlaceStock, rec.wrap(reply(t, 200, "placestock_page.json")))
	got, err := c.PlaceStock.List("5f4a1e2b-0c3d-4e5f-8a9b-1c2d3e4f5a6b", &ramp.ListOptions{Filter: ramp.Gt("Quantity", 0), PageSize: 500}).Collect(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("list = %+v, %v", got, err)
	}
	if !got[0].Quantity.Equal(dec("40.5")) || got[0].Batch != "B-2024-05" || !got[1].Quantity.Equal(dec("3")) || got[1].DateLastModified.IsZero() {
		t.Errorf("lines = %+v", got)
	}
	q := rec.req(0).URL.Query()
	if q.Get("$filter") != "PlaceExternalRef eq '5f4a1e2b-0c3d-4e5f-8a9b-1c2d3e4f5a6b' and Quantity gt 0" || q.Get("$top") != "500" {
		t.Errorf("query = %v", q)
	}
	if _, err := c.PlaceStock.List("", nil).Collect(ctx); err != nil {
		t.Error(err)
	}
	if q := rec.req(1).URL.Query(); q.Has("$filter") {
		t.Errorf("all places sent a filter: %v", q)
	}
}

// writeOffPages answers the two write-off fixtures by $skip.
func writeOffPages(t *testing.T, second httpmock.Responder) httpmock.Responder {
	first := reply(t, 200, "writeoffs_page1.json")
	return func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("$skip") == "1" {
			return second(req)
		}
		return first(req)
	}
}

func TestWriteOffsExportCSVMock(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListWriteOffs, rec.wrap(writeOffPages(t, reply(t, 200, "writeoffs_page2.json"))))
	var buf bytes.Buffer
	q := ramp.WriteOffQuery{Since: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), PlaceExternalRef: "x", PlaceID: "p", Reason: ramp.ReasonStolen}
	n, err := c.WriteOffs.ExportCSV(ctx, &buf, &ramp.ListOptions{Filter: q.Filter(), PageSize: 1})
	if err != nil || n != 2 {
		t.Fatalf("export = %d, %v", n, err)
	}
	want := "Id,WrittenOffAt,Reason,Quantity,SkuId,SkuExternalRef,SkuNumber,SkuName,PlaceId,PlaceExternalRef,PlaceName,Batch,Serial,Note\n" +
		`aa000000-0000-4000-8000-000000000001,2024-05-02T00:15:30.1234567Z,Damaged,2.5,7c9e6679-7425-40de-944b-e07fc1f90ae7,d3b07384-d9a0-4c9b-8f3e-2f1a5b6c7d8e,MILK-1L,"Milk, full cream 1L",3b0e6a1c-5d52-4c8e-9a36-0c4c5a3b9f10,5f4a1e2b-0c3d-4e5f-8a9b-1c2d3e4f5a6b,Main Warehouse,B-2024-05,,"forklift said ""oops"""` + "\n" +
		"aa000000-0000-4000-8000-000000000002,2024-05-03T00:00:00Z,Stolen,1,0b9e6679-7425-40de-944b-e07fc1f90ae8,e4c18495-e0b1-4d0c-9f4f-3a2b6c7d8e9f,DRL-18V,Drill 18V,3b0e6a1c-5d52-4c8e-9a36-0c4c5a3b9f10,,Main Warehouse,,SN-0001,\"seen on camera\nreported to police\"\n"
	if got := buf.String(); got != want {
		t.Errorf("csv =\n%s\nwant\n%s", got, want)
	}
	wantFilter := "WrittenOffAt ge 2024-05-01T00:00:00Z and WrittenOffAt lt 2024-06-01T00:00:00Z and PlaceId eq 'p' and PlaceExternalRef eq 'x' and Reason eq 'Stolen'"
	if got := rec.req(0).URL.Query().Get("$filter"); got != wantFilter {
		t.Errorf("$filter = %s", got)
	}

	// A failure on page 2 leaves page 1's rows (flushed) and reports the error.
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListWriteOffs, writeOffPages(t, reply(t, 401, "error_unauthorized.json")))
	buf.Reset()
	n, err = c.WriteOffs.ExportCSV(ctx, &buf, &ramp.ListOptions{PageSize: 1})
	if !errors.Is(err, ramp.ErrUnauthorized) || n != 1 || strings.Count(buf.String(), "\n") != 2 {
		t.Errorf("partial export = %d, %v, %q", n, err, buf.String())
	}
	if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), tokenOf(t, "login.json")) {
		t.Error("error leaks a credential")
	}
	// A failing writer stops the export.
	if _, err := c.WriteOffs.ExportCSV(ctx, failWriter{}, nil); err == nil {
		t.Error("write error ignored")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
