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

// TestConformanceSale decodes every official example of the sale
// resources (saleList, sale, sale/order, sale/fulfilment and its pick,
// pack and ship) into the typed models and checks, per record, that
// nothing the example fills is lost when the model is encoded again.
func TestConformanceSale(t *testing.T) {
	dir := examplesDir(t)
	as := func(newT func() any) func(json.RawMessage) (any, error) {
		return func(raw json.RawMessage) (any, error) {
			v := newT()
			err := json.Unmarshal(raw, v)
			return v, err
		}
	}
	resources := []struct {
		glob    string
		listKey string // non-empty: the file is a list envelope
		// decode picks the model by request ("request") or response.
		decode func(kind string) func(json.RawMessage) (any, error)
		want   int // number of example files expected
	}{
		{"saleList.*.json", "SaleList", func(string) func(json.RawMessage) (any, error) {
			return as(func() any { return new(cin7core.SaleListItem) })
		}, 1},
		// GET, POST and PUT answer the whole sale; the POST and PUT
		// requests are sale headers; DELETE answers the voided sale.
		{"sale.*.json", "", func(string) func(json.RawMessage) (any, error) {
			return as(func() any { return new(cin7core.Sale) })
		}, 6},
		{"sale_order.*.json", "", func(string) func(json.RawMessage) (any, error) {
			return as(func() any { return new(cin7core.SaleOrder) })
		}, 3},
		{"sale_fulfilment.*.json", "", func(string) func(json.RawMessage) (any, error) {
			return as(func() any { return new(cin7core.SaleFulfilments) })
		}, 4},
		{"sale_fulfilment_pick.*.json", "", func(string) func(json.RawMessage) (any, error) {
			return as(func() any { return new(cin7core.SalePick) })
		}, 5},
		{"sale_fulfilment_pack.*.json", "", func(string) func(json.RawMessage) (any, error) {
			return as(func() any { return new(cin7core.SalePack) })
		}, 5},
		{"sale_fulfilment_ship.*.json", "", func(kind string) func(json.RawMessage) (any, error) {
			if kind == "request" { // lines name the boxes Box
				return as(func() any { return new(cin7core.SaleShipRequest) })
			}
			return as(func() any { return new(cin7core.SaleShip) })
		}, 5},
	}
	var st conformanceStats
	for _, r := range resources {
		files, err := filepath.Glob(filepath.Join(dir, r.glob))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != r.want {
			t.Errorf("%s: %d examples in %s, want %d", r.glob, len(files), dir, r.want)
		}
		for _, file := range files {
			name := filepath.Base(file)
			t.Run(name, func(t *testing.T) {
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				parts := strings.Split(name, ".")
				if len(parts) < 4 {
					t.Fatalf("unexpected example name %s", name)
				}
				decode := r.decode(parts[2])
				raw = saleBoolStrings(t, raw)
				if r.listKey == "" {
					checkRecord(t, &st, name, raw, decode)
					return
				}
				var env map[string]json.RawMessage
				if err := json.Unmarshal(raw, &env); err != nil {
					t.Fatal(err)
				}
				var head struct{ Total, Page *cin7core.Int }
				if err := json.Unmarshal(raw, &head); err != nil || head.Total == nil || head.Page == nil {
					t.Errorf("envelope Total/Page: %v", err)
				}
				var rows []json.RawMessage
				if err := json.Unmarshal(env[r.listKey], &rows); err != nil || len(rows) == 0 {
					t.Fatalf("list key %s: %v (%d rows)", r.listKey, err, len(rows))
				}
				for i, row := range rows {
					checkRecord(t, &st, fmt.Sprintf("%s[%d]", name, i), row, decode)
				}
			})
		}
	}
	t.Logf("compared %d records: %d fields, %d IDs, %d decimals, %d times", st.records, st.fields, st.ids, st.decimals, st.times)
	if st.records < 30 || st.ids == 0 || st.decimals == 0 || st.times == 0 {
		t.Fatalf("the comparison checked too little: %+v", st)
	}
}

// The examples' ship requests call the boxes Box, the answers Boxes; each
// model reads its own spelling and not the other.
func TestConformanceSaleShipBoxSpelling(t *testing.T) {
	dir := examplesDir(t)
	for _, c := range []struct {
		file string
		want string
	}{{"sale_fulfilment_ship.post.request.json", "Box"}, {"sale_fulfilment_ship.put.response200.json", "Boxes"}} {
		raw, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		var req cin7core.SaleShipRequest
		var resp cin7core.SaleShip
		if err := json.Unmarshal(raw, &req); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &resp); err != nil {
			t.Fatal(err)
		}
		gotReq, gotResp := req.Lines[0].Box, resp.Lines[0].Boxes
		if c.want == "Box" && (gotReq == "" || gotResp != "") || c.want == "Boxes" && (gotResp == "" || gotReq != "") {
			t.Errorf("%s: request Box %q, response Boxes %q", c.file, gotReq, gotResp)
		}
	}
}

// saleBoolStrings turns the booleans the examples send as strings
// ("SkipQuote": "false", "TaxInclusive": "false") into JSON booleans, so
// that the comparison treats "false" like false: the typed model reads
// both and writes a boolean, which loses nothing.
func saleBoolStrings(t *testing.T, raw []byte) []byte {
	t.Helper()
	var v any
	if err := unmarshalNumbers(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			switch x {
			case "true":
				return true
			case "false":
				return false
			}
		}
		return v
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
