package mapping_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

const (
	outbSale   = "AAAAAAAA-0000-4000-8000-000000000001"
	outbLoc    = "BBBBBBBB-0000-4000-8000-000000000002"
	outbProdA  = "cccccccc-0000-4000-8000-00000000000a"
	outbProdB  = "cccccccc-0000-4000-8000-00000000000b"
	outbProdC  = "cccccccc-0000-4000-8000-00000000000c"
	outbProdSv = "cccccccc-0000-4000-8000-0000000000ff"
)

func outbDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func outbOrder(state ramp.OrderState, lines ...ramp.OrderLine) ramp.Order {
	return ramp.Order{ID: "order-1", ExternalRef: outbSale, OrderType: ramp.OrderOutbound, State: state,
		FromPlaceExternalRef: strings.ToLower(outbLoc), Lines: lines,
		DateLastModified: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}
}

func TestFulfilmentStages(t *testing.T) {
	exp := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	picked := []ramp.OrderLine{
		{SkuExternalRef: outbProdA, RequiredCount: outbDec("3"), Allocated: []ramp.LineUnit{{Count: outbDec("2")}, {Count: outbDec("1")}}},
		{SkuExternalRef: outbProdB, RequiredCount: outbDec("2"), Allocated: []ramp.LineUnit{{Serial: "SN1", Count: outbDec("1")}, {Serial: "SN2", Count: outbDec("1")}}},
		{SkuExternalRef: outbProdC, RequiredCount: outbDec("1.5"), Allocated: []ramp.LineUnit{{Batch: "B7", Expiry: exp, Count: outbDec("1.5")}}},
	}
	dispatched := make([]ramp.OrderLine, len(picked))
	for i, l := range picked {
		l.Dispatched = l.Allocated
		dispatched[i] = l
	}
	cases := []struct {
		name   string
		rules  mapping.Rules
		order  ramp.Order
		stage  mapping.FulfilmentStage
		skip   mapping.SkipReason
		errIs  error
		nLines int
	}{
		{name: "allocated picks", order: outbOrder(ramp.OrderAllocated, picked...), stage: mapping.StagePick, nLines: 4},
		{name: "dispatched ships", order: outbOrder(ramp.OrderDispatched, dispatched...), stage: mapping.StageShip, nLines: 4},
		{name: "completed ships", order: outbOrder(ramp.OrderCompleted, dispatched...), stage: mapping.StageShip, nLines: 4},
		{name: "allocating waits", order: outbOrder(ramp.OrderAllocating, picked...), skip: mapping.SkipFulfilmentNotPicked},
		{name: "cancelled", order: outbOrder(ramp.OrderCancelled, picked...), skip: mapping.SkipFulfilmentNotPicked},
		{name: "inbound", order: func() ramp.Order {
			o := outbOrder(ramp.OrderAllocated, picked...)
			o.OrderType = ramp.OrderInbound
			return o
		}(), skip: mapping.SkipFulfilmentNotOutbound},
		{name: "nothing picked", order: outbOrder(ramp.OrderAllocated, ramp.OrderLine{SkuExternalRef: outbProdA, RequiredCount: outbDec("1")}), skip: mapping.SkipFulfilmentNothingPicked},
		{name: "no sale", order: func() ramp.Order { o := outbOrder(ramp.OrderAllocated, picked...); o.ExternalRef = ""; return o }(), errIs: mapping.ErrMissingField},
		{name: "no place", order: func() ramp.Order {
			o := outbOrder(ramp.OrderAllocated, picked...)
			o.FromPlaceExternalRef = ""
			return o
		}(), errIs: mapping.ErrMissingField},
		{name: "line without SKU ref", order: outbOrder(ramp.OrderAllocated, ramp.OrderLine{SkuID: "x", RequiredCount: outbDec("1"), Allocated: []ramp.LineUnit{{Count: outbDec("1")}}}), errIs: mapping.ErrMissingField},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, skip, err := c.rules.Fulfilment(c.order)
			if c.errIs != nil {
				var me *mapping.Error
				if !errors.Is(err, c.errIs) || !errors.As(err, &me) {
					t.Fatalf("err = %v, want %v", err, c.errIs)
				}
				return
			}
			if err != nil || skip != c.skip {
				t.Fatalf("skip %q err %v, want skip %q", skip, err, c.skip)
			}
			if c.skip != "" {
				if f != nil {
					t.Fatalf("skipped order mapped to %+v", f)
				}
				return
			}
			if f.Stage != c.stage || len(f.PickLines) != c.nLines || len(f.PackLines) != c.nLines {
				t.Fatalf("stage %s, %d pick lines, %d pack lines", f.Stage, len(f.PickLines), len(f.PackLines))
			}
			if f.SaleID != strings.ToLower(outbSale) || !strings.HasPrefix(f.Version, string(c.stage)+":") {
				t.Fatalf("sale %s version %s", f.SaleID, f.Version)
			}
			var total decimal.Decimal
			for i, l := range f.PickLines {
				if l.LocationID != strings.ToLower(outbLoc) || l.Box != "" || f.PackLines[i].Box != "Box 1" {
					t.Fatalf("line %d: %+v / pack %+v", i, l, f.PackLines[i])
				}
				total = total.Add(l.Quantity)
				if l.ProductID == outbProdC && (l.BatchSN != "B7" || !l.ExpiryDate.Equal(exp)) {
					t.Fatalf("batch line %+v", l)
				}
			}
			if !total.Equal(outbDec("6.5")) {
				t.Fatalf("total picked %s, want 6.5 (units of one key merged, serials apart)", total)
			}
			if c.stage == mapping.StageShip && (!bool(f.ShipLine.IsShipped) || f.ShipLine.Box != "Box 1" || !f.ShipLine.ShipmentDate.Equal(c.order.DateLastModified)) {
				t.Fatalf("ship line %+v", f.ShipLine)
			}
		})
	}
}

func TestFulfilmentVersionNamesStageAndUnits(t *testing.T) {
	var r mapping.Rules
	line := func(n string) ramp.OrderLine {
		u := []ramp.LineUnit{{Count: outbDec(n)}}
		return ramp.OrderLine{SkuExternalRef: outbProdA, RequiredCount: outbDec("2"), Allocated: u, Dispatched: u}
	}
	a, _, _ := r.Fulfilment(outbOrder(ramp.OrderAllocated, line("2")))
	a2, _, _ := r.Fulfilment(outbOrder(ramp.OrderAllocated, line("2.0")))
	b, _, _ := r.Fulfilment(outbOrder(ramp.OrderAllocated, line("1")))
	d, _, _ := r.Fulfilment(outbOrder(ramp.OrderDispatched, line("2")))
	if a.Version != a2.Version {
		t.Fatalf("2 and 2.0 differ: %s %s", a.Version, a2.Version)
	}
	if a.Version == b.Version || a.Version == d.Version {
		t.Fatalf("versions not distinct: %s %s %s", a.Version, b.Version, d.Version)
	}
}

func TestSamePick(t *testing.T) {
	exp := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	want := []cin7core.SaleStockLine{
		{ProductID: outbProdA, LocationID: "loc", Quantity: outbDec("2")},
		{ProductID: outbProdC, LocationID: "loc", Quantity: outbDec("1"), BatchSN: "B7", ExpiryDate: cin7core.NewTime(exp)},
	}
	cases := []struct {
		name string
		got  []cin7core.SaleStockLine
		same bool
	}{
		{"as sent, other case and split", []cin7core.SaleStockLine{
			{ProductID: strings.ToUpper(outbProdA), LocationID: "LOC", Location: "Main", Quantity: outbDec("1.0")},
			{ProductID: outbProdA, Quantity: outbDec("1")},
			{ProductID: outbProdC, Quantity: outbDec("1"), BatchSN: "B7", ExpiryDate: cin7core.Time{Time: exp.Add(3 * time.Hour)}},
		}, true},
		{"other quantity", []cin7core.SaleStockLine{{ProductID: outbProdA, Quantity: outbDec("3")}, {ProductID: outbProdC, Quantity: outbDec("1"), BatchSN: "B7", ExpiryDate: cin7core.NewTime(exp)}}, false},
		{"other batch", []cin7core.SaleStockLine{{ProductID: outbProdA, Quantity: outbDec("2")}, {ProductID: outbProdC, Quantity: outbDec("1"), BatchSN: "B8", ExpiryDate: cin7core.NewTime(exp)}}, false},
		{"missing product", []cin7core.SaleStockLine{{ProductID: outbProdA, Quantity: outbDec("2")}}, false},
		{"nothing", nil, false},
	}
	for _, c := range cases {
		if got := mapping.SamePick(c.got, want); got != c.same {
			t.Errorf("%s: SamePick = %v, want %v", c.name, got, c.same)
		}
	}
}

func TestFulfilmentRules(t *testing.T) {
	u := []ramp.LineUnit{{Count: outbDec("1")}}
	line := ramp.OrderLine{SkuExternalRef: outbProdA, RequiredCount: outbDec("1"), Allocated: u, Dispatched: u}
	cases := []struct {
		name  string
		rules mapping.FulfilmentRules
		state ramp.OrderState
		stage mapping.FulfilmentStage
		skip  mapping.SkipReason
		box   string
	}{
		{"default allocated", mapping.FulfilmentRules{}, ramp.OrderAllocated, mapping.StagePick, "", "Box 1"},
		{"default dispatched", mapping.FulfilmentRules{}, ramp.OrderDispatched, mapping.StageShip, "", "Box 1"},
		{"pick on dispatch, allocated", mapping.FulfilmentRules{PickOnDispatch: true}, ramp.OrderAllocated, "", mapping.SkipFulfilmentAwaitingDispatch, ""},
		{"pick on dispatch, dispatched", mapping.FulfilmentRules{PickOnDispatch: true}, ramp.OrderDispatched, mapping.StageShip, "", "Box 1"},
		{"no pack", mapping.FulfilmentRules{NoPack: true}, ramp.OrderDispatched, mapping.StagePick, "", "Box 1"},
		{"no pack wins over ship", mapping.FulfilmentRules{NoPack: true, NoShip: false}, ramp.OrderCompleted, mapping.StagePick, "", "Box 1"},
		{"no ship", mapping.FulfilmentRules{NoShip: true, Box: "Carton"}, ramp.OrderDispatched, mapping.StagePack, "", "Carton"},
	}
	for _, c := range cases {
		f, skip, err := c.rules.Fulfilment(outbOrder(c.state, line))
		if err != nil || skip != c.skip {
			t.Fatalf("%s: skip %q err %v", c.name, skip, err)
		}
		if c.skip != "" {
			continue
		}
		if f.Stage != c.stage || f.PackLines[0].Box != c.box {
			t.Fatalf("%s: stage %s box %q", c.name, f.Stage, f.PackLines[0].Box)
		}
		if (f.Stage == mapping.StageShip) != bool(f.ShipLine.IsShipped) {
			t.Fatalf("%s: ship line %+v", c.name, f.ShipLine)
		}
	}
	// Without packing, a dispatch asks for nothing new: the version of
	// the pick stays, so the ledger has it already.
	alloc, _, _ := mapping.FulfilmentRules{NoPack: true}.Fulfilment(outbOrder(ramp.OrderAllocated, line))
	disp, _, _ := mapping.FulfilmentRules{NoPack: true}.Fulfilment(outbOrder(ramp.OrderDispatched, line))
	if alloc.Version != disp.Version {
		t.Fatalf("NoPack: %s then %s", alloc.Version, disp.Version)
	}
}

func TestFulfilmentRulesDefaultsAndStages(t *testing.T) {
	if (mapping.Rules{}).Fulfilments() != (mapping.FulfilmentRules{}) {
		t.Fatal("the default fulfilment rules are not the zero value")
	}
	if !mapping.StageShip.Includes(mapping.StagePack) || !mapping.StagePack.Includes(mapping.StagePick) || mapping.StagePick.Includes(mapping.StagePack) {
		t.Fatal("stage order")
	}
}

// outbProducts is the Cin7 Core catalogue the adjustment tests see.
func outbProducts() map[string]cin7core.Product {
	return map[string]cin7core.Product{
		outbProdA:  {ID: outbProdA, SKU: "A", Type: cin7core.ProductTypeStock, CostingMethod: cin7core.CostingFIFO, AverageCost: outbDec("12.5")},
		outbProdB:  {ID: outbProdB, SKU: "B", Type: cin7core.ProductTypeStock, CostingMethod: cin7core.CostingFIFOBatch},
		outbProdC:  {ID: outbProdC, SKU: "C", Type: cin7core.ProductTypeStock, CostingMethod: cin7core.CostingFEFOBatch, AverageCost: outbDec("-1")},
		outbProdSv: {ID: outbProdSv, SKU: "SV", Type: cin7core.ProductTypeService, CostingMethod: cin7core.CostingFIFO, AverageCost: outbDec("5")},
	}
}

func TestStockAdjustmentCostFilter(t *testing.T) {
	validated := time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
	exp := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	cost := func(s string) decimal.NullDecimal { return decimal.NullDecimal{Decimal: outbDec(s), Valid: true} }
	cases := []struct {
		name string
		line ramp.StocktakeLine
		cost string // "" for skipped
		skip mapping.SkipReason
	}{
		{"line cost", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("4"), UnitCost: cost("9.99")}, "9.99", ""},
		{"four decimals", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("4"), UnitCost: cost("0.0001")}, "0.0001", ""},
		{"line cost wins over average", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("1"), UnitCost: cost("3.1416")}, "3.1416", ""},
		{"no line cost: product average", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("4")}, "12.5", ""},
		{"zero count with cost", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("0"), UnitCost: cost("2")}, "2", ""},
		{"zero line cost", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("4"), UnitCost: cost("0")}, "", mapping.SkipAdjustmentZeroCost},
		{"zero with four decimals", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("4"), UnitCost: cost("0.0000")}, "", mapping.SkipAdjustmentZeroCost},
		{"negative line cost", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("4"), UnitCost: cost("-0.0001")}, "", mapping.SkipAdjustmentNegativeCost},
		{"missing on line and product", ramp.StocktakeLine{SkuExternalRef: outbProdB, Batch: "B1", Counted: outbDec("4")}, "", mapping.SkipAdjustmentNoCost},
		{"negative product average", ramp.StocktakeLine{SkuExternalRef: outbProdC, Batch: "B1", Expiry: exp, Counted: outbDec("4")}, "", mapping.SkipAdjustmentNegativeCost},
		{"product not in Cin7", ramp.StocktakeLine{SkuExternalRef: "dddddddd-0000-4000-8000-000000000000", Counted: outbDec("1"), UnitCost: cost("1")}, "", mapping.SkipAdjustmentUnknownProduct},
		{"SKU without ExternalRef", ramp.StocktakeLine{SkuID: "ramp-only", Counted: outbDec("1"), UnitCost: cost("1")}, "", mapping.SkipAdjustmentUnknownProduct},
		{"service", ramp.StocktakeLine{SkuExternalRef: outbProdSv, Counted: outbDec("1"), UnitCost: cost("1")}, "", mapping.SkipService},
		{"batch product without batch", ramp.StocktakeLine{SkuExternalRef: outbProdB, Counted: outbDec("1"), UnitCost: cost("1")}, "", mapping.SkipAdjustmentBatchRules},
		{"batch product with batch", ramp.StocktakeLine{SkuExternalRef: outbProdB, Batch: "B1", Counted: outbDec("1"), UnitCost: cost("1")}, "1", ""},
		{"FEFO without expiry", ramp.StocktakeLine{SkuExternalRef: outbProdC, Batch: "B1", Counted: outbDec("1"), UnitCost: cost("1")}, "", mapping.SkipAdjustmentBatchRules},
		{"FEFO with expiry", ramp.StocktakeLine{SkuExternalRef: outbProdC, Batch: "B1", Expiry: exp, Counted: outbDec("1"), UnitCost: cost("1")}, "1", ""},
		{"negative count", ramp.StocktakeLine{SkuExternalRef: outbProdA, Counted: outbDec("-1"), UnitCost: cost("1")}, "", mapping.SkipAdjustmentNegativeCount},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := ramp.Stocktake{ID: "ST-1", PlaceExternalRef: strings.ToLower(outbLoc), Validated: true, ValidatedAt: validated, Version: 3,
				Lines: []ramp.StocktakeLine{c.line}}
			adj, err := mapping.Rules{}.StockAdjustment(st, outbProducts())
			if err != nil {
				t.Fatal(err)
			}
			if c.skip != "" {
				if len(adj.Request.Lines) != 0 || len(adj.Skipped) != 1 || adj.Skipped[0].Reason != c.skip {
					t.Fatalf("lines %+v skipped %+v, want skipped %q", adj.Request.Lines, adj.Skipped, c.skip)
				}
				return
			}
			if len(adj.Skipped) != 0 || len(adj.Request.Lines) != 1 {
				t.Fatalf("lines %+v skipped %+v", adj.Request.Lines, adj.Skipped)
			}
			got := adj.Request.Lines[0]
			if !got.UnitCost.Equal(outbDec(c.cost)) || !got.Quantity.Equal(c.line.Counted) || got.LocationID != strings.ToLower(outbLoc) {
				t.Fatalf("line %+v, want cost %s quantity %s", got, c.cost, c.line.Counted)
			}
			r := adj.Request
			if r.Status != cin7core.AdjustmentCompleted || !r.EffectiveDate.Equal(validated) || r.Reference != "ramp-stocktake:st-1:v3" {
				t.Fatalf("header %+v", r)
			}
		})
	}
}

func TestStockAdjustmentCostsAsStringsAndNumbers(t *testing.T) {
	// Ramp may answer decimals as strings or numbers; both must compare
	// exactly (0.1 + 0.2 is not a float here).
	body := `{"Id":"st-2","PlaceExternalRef":"` + strings.ToLower(outbLoc) + `","Validated":true,"ValidatedAt":"2025-06-07T08:09:10Z","Version":2,"Lines":[
		{"SkuExternalRef":"` + outbProdA + `","Counted":"5","UnitCost":"0.30"},
		{"SkuExternalRef":"` + outbProdA + `","Batch":"x","Counted":2,"UnitCost":0.1},
		{"SkuExternalRef":"` + outbProdA + `","Batch":"y","Counted":"1","UnitCost":"0.0000"},
		{"SkuExternalRef":"` + outbProdA + `","Batch":"z","Counted":"1","UnitCost":"-2.5000"},
		{"SkuExternalRef":"` + outbProdB + `","Batch":"q","Counted":"1","UnitCost":null}]}`
	var st ramp.Stocktake
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	adj, err := mapping.Rules{}.StockAdjustment(st, outbProducts())
	if err != nil {
		t.Fatal(err)
	}
	if len(adj.Request.Lines) != 2 || !adj.Request.Lines[0].UnitCost.Equal(outbDec("0.3")) || !adj.Request.Lines[1].UnitCost.Equal(outbDec("0.1")) {
		t.Fatalf("lines %+v", adj.Request.Lines)
	}
	reasons := map[mapping.SkipReason]int{}
	for _, s := range adj.Skipped {
		reasons[s.Reason]++
	}
	want := map[mapping.SkipReason]int{mapping.SkipAdjustmentZeroCost: 1, mapping.SkipAdjustmentNegativeCost: 1, mapping.SkipAdjustmentNoCost: 1}
	if len(reasons) != len(want) {
		t.Fatalf("skipped %v, want %v", reasons, want)
	}
	for k, v := range want {
		if reasons[k] != v {
			t.Fatalf("skipped %v, want %v", reasons, want)
		}
	}
}

func TestStockAdjustmentPlacesAndMerging(t *testing.T) {
	bin := "eeeeeeee-0000-4000-8000-00000000000e"
	one := decimal.NullDecimal{Decimal: outbDec("2"), Valid: true}
	st := ramp.Stocktake{ID: "st-3", PlaceExternalRef: strings.ToLower(outbLoc), Validated: true, ValidatedAt: time.Now(), Version: 1,
		Lines: []ramp.StocktakeLine{
			{SkuExternalRef: outbProdA, Counted: outbDec("1"), UnitCost: one},
			{SkuExternalRef: outbProdA, Counted: outbDec("2"), UnitCost: one},                                                          // same key: merged
			{SkuExternalRef: strings.ToUpper(outbProdA), PlaceExternalRef: strings.ToUpper(bin), Counted: outbDec("4"), UnitCost: one}, // a bin
			{SkuExternalRef: outbProdB, Serial: "SN-1", Counted: outbDec("1"), UnitCost: one},
		}}
	adj, err := mapping.Rules{}.StockAdjustment(st, outbProducts())
	if err != nil || len(adj.Skipped) != 0 {
		t.Fatal(err, adj.Skipped)
	}
	ls := adj.Request.Lines
	if len(ls) != 3 || !ls[0].Quantity.Equal(outbDec("3")) || ls[1].LocationID != bin || !ls[1].Quantity.Equal(outbDec("4")) || ls[2].BatchSN != "SN-1" {
		t.Fatalf("lines %+v", ls)
	}
	// A place that is not a Cin7 Core location.
	st.PlaceExternalRef = ""
	adj, _ = mapping.Rules{}.StockAdjustment(st, outbProducts())
	if len(adj.Request.Lines) != 1 || len(adj.Skipped) != 3 || adj.Skipped[0].Reason != mapping.SkipAdjustmentNoLocation {
		t.Fatalf("lines %+v skipped %+v", adj.Request.Lines, adj.Skipped)
	}
	// Not validated: an error, never an adjustment.
	st.Validated = false
	if _, err := (mapping.Rules{}).StockAdjustment(st, outbProducts()); !errors.Is(err, mapping.ErrMissingField) {
		t.Fatalf("unvalidated: %v", err)
	}
}
