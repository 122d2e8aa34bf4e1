package ramp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/jarcoal/httpmock"
)

const orderID = "9a3c1f7e-2b4d-4e6f-8a1b-3c5d7e9f0a2b"

func validInbound() *ramp.Order {
	return &ramp.Order{
		ExternalRef: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", CustomerOrderNumber: "PO-0042", OrderType: ramp.OrderInbound,
		ToPlaceID: placeID, Comments: "Deliver to dock 2",
		Lines: []ramp.OrderLine{{ExternalRef: "po-line-1", SkuExternalRef: "d3b07384-d9a0-4c9b-8f3e-2f1a5b6c7d8e", RequiredCount: dec("12.5")}},
	}
}

func TestOrderDecode(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetOrder+"/"+orderID, reply(t, 200, "order.json"))
	o, err := c.Orders.Get(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != ramp.OrderReceiving || o.OrderType != ramp.OrderInbound || o.Version != 4 || o.FromPlaceID != "" ||
		o.ToPlaceName != "Main Warehouse" || o.Comments != `Deliver to dock 2, "fragile"` || o.DateCreated.Nanosecond() != 123456700 ||
		!o.RequiredBy.Equal(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("header = %+v", o)
	}
	l := o.Lines[0]
	if !l.RequiredCount.Equal(dec("12.5")) || !l.ReceivedCount.Equal(dec("7.25")) || len(l.Received) != 2 ||
		!l.Received[0].Count.Equal(dec("5")) || l.Received[1].Batch != "B-2024-06" || !l.Received[1].Expiry.Equal(time.Date(2024, 7, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("line 0 = %+v", l)
	}
	if s := o.Lines[1]; s.Received[0].Serial != "SN-0001" || !s.Received[0].Expiry.IsZero() || !s.RequiredCount.Equal(dec("2")) {
		t.Errorf("line 1 = %+v", s)
	}
	if o.State.Frozen() || !ramp.OrderCancelled.Frozen() {
		t.Error("Frozen")
	}
}

func TestOrderCreateRequest(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodPost, base+ramp.PathCreateOrder, rec.wrap(reply(t, 200, "order.json")))
	o, err := c.Orders.Create(ctx, validInbound())
	if err != nil || o.ID != orderID {
		t.Fatalf("create = %+v, %v", o, err)
	}
	var sent map[string]any
	if err := json.Unmarshal(rec.body[0], &sent); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"Id", "State", "RequiredBy", "DateCreated", "DateLastModified", "Version", "FromPlaceId"} {
		if _, ok := sent[absent]; ok {
			t.Errorf("request carries %s: %s", absent, rec.body[0])
		}
	}
	lines, _ := sent["OrderSkuList"].([]any)
	if sent["ToPlaceId"] != placeID || sent["OrderType"] != "Inbound" || len(lines) != 1 || lines[0].(map[string]any)["RequiredCount"] != "12.5" {
		t.Errorf("request = %s", rec.body[0])
	}
	if strings.Contains(string(rec.body[0]), password) {
		t.Error("body leaks the password")
	}
}

func TestOrderValidationBeforeSending(t *testing.T) {
	t.Parallel()
	mod := func(f func(o *ramp.Order)) *ramp.Order { o := validInbound(); f(o); return o }
	cases := []struct {
		name  string
		order *ramp.Order
		field string
	}{
		{"nil", nil, ""},
		{"with ID", mod(func(o *ramp.Order) { o.ID = orderID }), "ID"},
		{"no ExternalRef", mod(func(o *ramp.Order) { o.ExternalRef = " " }), "ExternalRef"},
		{"no type", mod(func(o *ramp.Order) { o.OrderType = "" }), "OrderType"},
		{"unknown type", mod(func(o *ramp.Order) { o.OrderType = "Loan" }), "OrderType"},
		{"inbound without To", mod(func(o *ramp.Order) { o.ToPlaceID = "" }), "ToPlaceId"},
		{"inbound with From", mod(func(o *ramp.Order) { o.FromPlaceExternalRef = "x" }), "FromPlaceId"},
		{"outbound without From", mod(func(o *ramp.Order) { o.OrderType = ramp.OrderOutbound; o.ToPlaceID = "" }), "FromPlaceId"},
		{"outbound with To", mod(func(o *ramp.Order) { o.OrderType = ramp.OrderOutbound; o.FromPlaceID = "a" }), "ToPlaceId"},
		{"transfer without From", mod(func(o *ramp.Order) { o.OrderType = ramp.OrderTransfer }), "FromPlaceId"},
		{"transfer without To", mod(func(o *ramp.Order) { o.OrderType = ramp.OrderTransfer; o.FromPlaceID = "a"; o.ToPlaceID = "" }), "ToPlaceId"},
		{"transfer same place", mod(func(o *ramp.Order) { o.OrderType = ramp.OrderTransfer; o.FromPlaceID = strings.ToUpper(placeID) }), "ToPlaceId"},
		{"no lines", mod(func(o *ramp.Order) { o.Lines = nil }), "Lines"},
		{"line without SKU", mod(func(o *ramp.Order) { o.Lines[0].SkuExternalRef = "" }), "Lines[0].SkuId"},
		{"zero count", mod(func(o *ramp.Order) { o.Lines[0].RequiredCount = dec("0") }), "Lines[0].RequiredCount"},
		{"negative count", mod(func(o *ramp.Order) { o.Lines[0].RequiredCount = dec("-1") }), "Lines[0].RequiredCount"},
	}
	c, mt := mockClient(t)
	for _, tc := range cases {
		_, err := c.Orders.Create(ctx, tc.order)
		var ve *ramp.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ramp.ErrValidation) || ve.Field != tc.field {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	if _, err := c.Orders.Update(ctx, validInbound()); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("update without ID: %v", err)
	}
	if _, _, err := c.Orders.UpsertByExternalRef(ctx, mod(func(o *ramp.Order) { o.Lines = nil })); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("upsert invalid: %v", err)
	}
	for name, units := range map[string][]ramp.OrderUnit{
		"none":          nil,
		"no SKU":        {{Count: dec("1")}},
		"zero":          {{SkuID: "a"}},
		"serial count":  {{SkuID: "a", Serial: "S1", Count: dec("2")}},
		"negative half": {{LineID: "l", Count: dec("-0.5")}},
	} {
		if _, err := c.Orders.Receive(ctx, orderID, units...); !errors.Is(err, ramp.ErrValidation) {
			t.Errorf("receive %s: %v", name, err)
		}
		if _, err := c.Orders.Allocate(ctx, orderID, units...); !errors.Is(err, ramp.ErrValidation) {
			t.Errorf("allocate %s: %v", name, err)
		}
	}
	if _, err := c.Orders.Complete(ctx, "a/b"); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("bad id: %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if err := ramp.ValidateOrder(validInbound()); err != nil {
		t.Errorf("ValidateOrder: %v", err)
	}
}

func TestOrderActions(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	paths := map[string]*recorder{}
	for _, p := range []string{ramp.PathAllocateOrder, ramp.PathDispatchOrder, ramp.PathReceiveOrder, ramp.PathCompleteOrder, ramp.PathCancelOrder} {
		r := &recorder{}
		paths[p] = r
		mt.RegisterResponder(http.MethodPost, base+p+"/"+orderID, r.wrap(reply(t, 200, "order.json")))
	}
	exp := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	units := []ramp.OrderUnit{{SkuExternalRef: "d3b07384", Batch: "B1", Expiry: exp, Count: dec("5")}, {LineID: "l2", Serial: "SN-1", Count: dec("1")}}
	calls := []func() (*ramp.Order, error){
		func() (*ramp.Order, error) { return c.Orders.Allocate(ctx, orderID, units...) },
		func() (*ramp.Order, error) { return c.Orders.Dispatch(ctx, orderID) },
		func() (*ramp.Order, error) { return c.Orders.Receive(ctx, orderID, units...) },
		func() (*ramp.Order, error) { return c.Orders.Complete(ctx, orderID) },
		func() (*ramp.Order, error) { return c.Orders.Cancel(ctx, orderID) },
	}
	for i, call := range calls {
		if o, err := call(); err != nil || o.ID != orderID {
			t.Errorf("action %d: %+v, %v", i, o, err)
		}
	}
	want := `{"Units":[{"SkuExternalRef":"d3b07384","Batch":"B1","Count":"5","Expiry":"2024-07-01T00:00:00Z"},{"LineId":"l2","Serial":"SN-1","Count":"1"}]}`
	for _, p := range []string{ramp.PathAllocateOrder, ramp.PathReceiveOrder} {
		if got := string(paths[p].body[0]); got != want {
			t.Errorf("%s body = %s", p, got)
		}
	}
	for _, p := range []string{ramp.PathDispatchOrder, ramp.PathCompleteOrder, ramp.PathCancelOrder} {
		if r := paths[p]; r.len() != 1 || len(r.body[0]) != 0 {
			t.Errorf("%s: %d calls, body %q", p, r.len(), r.body)
		}
	}
}

func TestOrderFrozenAndIllegalState(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, base+ramp.PathUpdateOrder, reply(t, 409, "error_order_frozen.json"))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathDispatchOrder+"/"+orderID, reply(t, 400, "error_order_state.json"))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathCompleteOrder+"/"+orderID, reply(t, 409, "error_order_frozen.json"))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathUpdatePlace, reply(t, 400, "error_illegal.json"))

	o := validInbound()
	o.ID = orderID
	_, err := c.Orders.Update(ctx, o)
	var ae *ramp.APIError
	if !errors.Is(err, ramp.ErrOrderFrozen) || !errors.Is(err, ramp.ErrConflict) || errors.Is(err, ramp.ErrIllegalState) ||
		!errors.As(err, &ae) || ae.Field() != "State" || ae.Attempts != 1 {
		t.Errorf("update frozen: %v", err)
	}
	if _, err := c.Orders.Complete(ctx, orderID); !errors.Is(err, ramp.ErrOrderFrozen) {
		t.Errorf("complete frozen: %v", err)
	}
	_, err = c.Orders.Dispatch(ctx, orderID)
	if !errors.Is(err, ramp.ErrIllegalState) || !errors.Is(err, ramp.ErrValidation) || errors.Is(err, ramp.ErrOrderFrozen) {
		t.Errorf("dispatch in Created: %v", err)
	}
	// The same code from another service is not an order error.
	_, err = c.Places.Update(ctx, &ramp.Place{ID: placeID, Name: "x", ExternalRef: "y"})
	if !errors.Is(err, ramp.ErrValidation) || errors.Is(err, ramp.ErrIllegalState) || errors.Is(err, ramp.ErrOrderFrozen) {
		t.Errorf("place illegal: %v", err)
	}
	if strings.Contains(err.Error(), password) {
		t.Error("error leaks the password")
	}
}

func TestOrderWritesNotRetried(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, base+ramp.PathCreateOrder, reply(t, 500, "error_server.json"))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathReceiveOrder+"/"+orderID, reply(t, 502, "error_server.json"))
	if _, err := c.Orders.Create(ctx, validInbound()); !errors.Is(err, ramp.ErrServer) {
		t.Errorf("create: %v", err)
	}
	if _, err := c.Orders.Receive(ctx, orderID, ramp.OrderUnit{SkuID: "s", Count: dec("1")}); !errors.Is(err, ramp.ErrServer) {
		t.Errorf("receive: %v", err)
	}
	if n := calls(mt, http.MethodPost, ramp.PathCreateOrder); n != 1 {
		t.Errorf("create sent %d times", n)
	}
	if n := calls(mt, http.MethodPost, ramp.PathReceiveOrder+"/"+orderID); n != 1 {
		t.Errorf("receive sent %d times", n)
	}
	// Reads are retried.
	mt.RegisterResponder(http.MethodGet, base+ramp.PathGetOrder+"/"+orderID, httpmock.ResponderFromMultipleResponses([]*http.Response{
		httpmock.NewStringResponse(500, `[{"ErrorCode":"ServerError","Message":"boom"}]`),
		httpmock.NewBytesResponse(200, fixture(t, "order.json")),
	}))
	if _, err := c.Orders.Get(ctx, orderID); err != nil {
		t.Errorf("get after a 500: %v", err)
	}
}

func TestOrderUpsertAndFind(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var lists recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListOrders, lists.wrap(reply(t, 200, "orders_completed_page.json")))
	cur, created, err := c.Orders.UpsertByExternalRef(ctx, validInbound())
	if !errors.Is(err, ramp.ErrOrderFrozen) || created || cur.State != ramp.OrderCompleted || cur.Version != 9 {
		t.Errorf("upsert frozen: %+v %v %v", cur, created, err)
	}
	if q := lists.req(0).URL.Query(); q.Get("$filter") != "ExternalRef eq 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'" || q.Get("$top") != "2" {
		t.Errorf("query = %v", q)
	}
	if calls(mt, http.MethodPost, ramp.PathUpdateOrder) != 0 {
		t.Error("a frozen order was sent an update")
	}

	var upd recorder
	mt.RegisterResponder(http.MethodGet, base+ramp.PathListOrders, reply(t, 200, "orders_page.json"))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathUpdateOrder, upd.wrap(reply(t, 200, "order.json")))
	in := validInbound()
	out, created, err := c.Orders.UpsertByExternalRef(ctx, in)
	if err != nil || created || out.ID != orderID || in.ID != "" {
		t.Fatalf("upsert update: %+v %v %v (input ID %q)", out, created, err, in.ID)
	}
	if !bytes.Contains(upd.body[0], []byte(`"Id":"`+orderID+`"`)) {
		t.Errorf("update body = %s", upd.body[0])
	}

	mt.RegisterResponder(http.MethodGet, base+ramp.PathListOrders, reply(t, 200, "places_empty.json"))
	mt.RegisterResponder(http.MethodPost, base+ramp.PathCreateOrder, reply(t, 200, "order.json"))
	if _, created, err := c.Orders.UpsertByExternalRef(ctx, in); err != nil || !created {
		t.Errorf("upsert create: %v %v", created, err)
	}
	if _, err := c.Orders.FindByExternalRef(ctx, "x"); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("find none: %v", err)
	}

	f := ramp.OrderQuery{ExternalRef: "a'b", Type: ramp.OrderTransfer, States: []ramp.OrderState{ramp.OrderReceiving, ramp.OrderReceived}, PlaceID: "p", ModifiedSince: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}.Filter()
	want := "ExternalRef eq 'a''b' and OrderType eq 'Transfer' and (State eq 'Receiving' or State eq 'Received') and (FromPlaceId eq 'p' or ToPlaceId eq 'p') and DateLastModified ge 2024-05-01T00:00:00Z"
	if f.String() != want {
		t.Errorf("filter = %s", f)
	}
	if !(ramp.OrderQuery{}).Filter().IsZero() {
		t.Error("empty query is not the zero filter")
	}
}

func TestArchiveMock(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var rec recorder
	mt.RegisterResponder(http.MethodPost, base+ramp.PathArchivePlace+"/"+placeID, rec.wrap(httpmock.ResponderFromMultipleResponses([]*http.Response{
		httpmock.NewStringResponse(500, `[{"ErrorCode":"ServerError","Message":"boom"}]`),
		httpmock.NewBytesResponse(200, fixture(t, "place_archived.json")),
	})))
	p, err := c.Places.Archive(ctx, placeID)
	if err != nil || !p.Archived {
		t.Fatalf("archive = %+v, %v", p, err)
	}
	if rec.len() != 2 || len(rec.body[0]) != 0 {
		t.Errorf("archive: %d attempts (idempotent, so retried), body %q", rec.len(), rec.body[0])
	}
	mt.RegisterResponder(http.MethodPost, base+ramp.PathUnarchiveSku+"/"+placeID, reply(t, 404, "error_not_found.json"))
	if _, err := c.Skus.Unarchive(ctx, placeID); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("unarchive unknown: %v", err)
	}
	mt.RegisterResponder(http.MethodPost, base+ramp.PathArchiveSku+"/"+placeID, reply(t, 200, "places_empty.json"))
	if _, err := c.Skus.Archive(ctx, placeID); !errors.Is(err, ramp.ErrBadResponse) {
		t.Errorf("archive answered without Id: %v", err)
	}
	if _, err := c.Places.Unarchive(ctx, ""); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("empty id: %v", err)
	}
}
