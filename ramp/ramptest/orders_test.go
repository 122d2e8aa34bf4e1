package ramptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	"github.com/shopspring/decimal"
)

func seed(t *testing.T, srv *ramptest.Server) (ramp.Place, ramp.Sku) {
	t.Helper()
	p, err := srv.AddPlace(ramp.Place{Name: "Warehouse", ExternalRef: "loc-1"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := srv.AddSku(ramp.Sku{Name: "Mug", SkuNumber: "MUG", ExternalRef: "sku-1", TrackingMode: ramp.TrackingNone})
	if err != nil {
		t.Fatal(err)
	}
	return p, k
}

func TestServerSetPlaceStockParts(t *testing.T) {
	srv := ramptest.NewServer()
	defer srv.Close()
	seed(t, srv)
	r := &raw{t: t, srv: srv}
	r.token, _ = r.login(ramptest.DefaultUsername, ramptest.DefaultPassword)
	part := func(n int, qty string) map[string]any {
		return map[string]any{"PlaceExternalRef": "loc-1", "SetId": "set-1", "Part": n, "Parts": 2,
			"Lines": []map[string]any{{"SkuExternalRef": "sku-1", "Batch": "B" + qty, "Quantity": qty}}}
	}
	status, _, b := r.do(http.MethodPost, ramp.PathSetPlaceStock, nil, part(1, "1"))
	if status != 200 || len(srv.PlaceStock("loc-1")) != 0 {
		t.Fatalf("part 1: %d %s", status, b)
	}
	// Part 1 again replaces itself; part 2 applies the set.
	r.do(http.MethodPost, ramp.PathSetPlaceStock, nil, part(1, "2"))
	status, _, b = r.do(http.MethodPost, ramp.PathSetPlaceStock, nil, part(2, "3"))
	var ans struct {
		Applied   bool
		LineCount int
	}
	if err := json.Unmarshal(b, &ans); status != 200 || err != nil || !ans.Applied || ans.LineCount != 2 {
		t.Fatalf("part 2: %d %s", status, b)
	}
	if got := srv.PlaceStock("loc-1"); len(got) != 2 || got[0].Batch != "B2" || got[1].Batch != "B3" {
		t.Errorf("stock = %+v", got)
	}
	// A repeat after applying answers the same and changes nothing.
	status, _, b2 := r.do(http.MethodPost, ramp.PathSetPlaceStock, nil, part(2, "9"))
	if status != 200 || string(b2) != string(b) || srv.PlaceStock("loc-1")[1].Batch != "B3" {
		t.Errorf("replay: %d %s", status, b2)
	}
	bad := part(3, "1")
	if status, _, b := r.do(http.MethodPost, ramp.PathSetPlaceStock, nil, bad); status != 400 {
		t.Errorf("part 3 of 2: %d %s", status, b)
	}
	status, _, b = r.do(http.MethodGet, ramp.PathListOrders, url.Values{"$filter": {"Colour eq 'red'"}}, nil)
	if code, field := errorCode(t, b); status != 400 || code != ramp.CodeValidationError || field != "$filter" {
		t.Errorf("unknown field: %d %s", status, b)
	}
	if status, _, _ := r.do(http.MethodGet, ramp.PathDispatchOrder+"/x", nil, nil); status != http.StatusMethodNotAllowed {
		t.Errorf("GET on an action: %d", status)
	}
}

func TestServerOrdersAcrossTokenExpiry(t *testing.T) {
	srv := ramptest.NewServer()
	defer srv.Close()
	p, k := seed(t, srv)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o, err := c.Orders.Create(ctx, &ramp.Order{ExternalRef: "po-1", OrderType: ramp.OrderInbound, ToPlaceID: p.ID,
		Lines: []ramp.OrderLine{{SkuID: k.ID, RequiredCount: decimal.NewFromInt(3)}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if _, err := c.Orders.Receive(ctx, o.ID, ramp.OrderUnit{SkuID: k.ID, Count: decimal.NewFromInt(3)}); err != nil {
		t.Fatalf("receive after expiry: %v", err)
	}
	if srv.CallsTo("RefreshLogin") != 1 {
		t.Errorf("refreshes = %d", srv.CallsTo("RefreshLogin"))
	}
	if got := srv.Orders(); len(got) != 1 || got[0].State != ramp.OrderReceived {
		t.Errorf("orders = %+v", got)
	}
	srv.SetValidator(func(kind string, v any) *ramp.ErrorDetail {
		if o, ok := v.(ramp.Order); ok && kind == "order" && o.Comments == "" {
			return &ramp.ErrorDetail{Message: "Comments are required here", Field: "Comments"}
		}
		return nil
	})
	_, err = c.Orders.Create(ctx, &ramp.Order{ExternalRef: "po-2", OrderType: ramp.OrderInbound, ToPlaceID: p.ID,
		Lines: []ramp.OrderLine{{SkuID: k.ID, RequiredCount: decimal.NewFromInt(1)}}})
	var ae *ramp.APIError
	if !errors.As(err, &ae) || ae.Field() != "Comments" {
		t.Errorf("custom rule: %v", err)
	}
	srv.Reset()
	if len(srv.Orders()) != 0 || len(srv.PlaceStock("")) != 0 || len(srv.Stocktakes()) != 0 || len(srv.WriteOffs()) != 0 {
		t.Error("Reset kept state")
	}
}
