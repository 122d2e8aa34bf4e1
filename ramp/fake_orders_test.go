package ramp_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// seedWorld adds two places (a warehouse with a bin, a store) and three
// SKUs (plain, batch, serial) to srv.
type world struct {
	wh, bin, store          ramp.Place
	plain, batched, serials ramp.Sku
}

func seedWorld(t *testing.T, srv *ramptest.Server) world {
	t.Helper()
	var w world
	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	w.wh, err = srv.AddPlace(ramp.Place{Name: "Warehouse", ExternalRef: "loc-wh"})
	must(err)
	w.bin, err = srv.AddPlace(ramp.Place{Name: "Bin A", ExternalRef: "loc-bin", ParentPlaceID: w.wh.ID})
	must(err)
	w.store, err = srv.AddPlace(ramp.Place{Name: "Store", ExternalRef: "loc-store"})
	must(err)
	w.plain, err = srv.AddSku(ramp.Sku{Name: "Mug", SkuNumber: "MUG", ExternalRef: "p-mug", TrackingMode: ramp.TrackingNone})
	must(err)
	w.batched, err = srv.AddSku(ramp.Sku{Name: "Milk", SkuNumber: "MILK", ExternalRef: "p-milk", TrackingMode: ramp.TrackingBatch, TracksExpiry: true})
	must(err)
	w.serials, err = srv.AddSku(ramp.Sku{Name: "Drill", SkuNumber: "DRL", ExternalRef: "p-drill", TrackingMode: ramp.TrackingSerial})
	must(err)
	return w
}

func wantState(t *testing.T, o *ramp.Order, err error, st ramp.OrderState) {
	t.Helper()
	if err != nil {
		t.Fatalf("want %s: %v", st, err)
	}
	if o.State != st {
		t.Fatalf("state = %s, want %s", o.State, st)
	}
}

func TestFakeInboundLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	w := seedWorld(t, srv)
	due := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	o, err := c.Orders.Create(ctx, &ramp.Order{
		ExternalRef: "po-1", CustomerOrderNumber: "PO-0001", OrderType: ramp.OrderInbound,
		ToPlaceExternalRef: "loc-wh", Comments: "deliver to dock 2", RequiredBy: due,
		Lines: []ramp.OrderLine{
			{ExternalRef: "l1", SkuExternalRef: "p-mug", RequiredCount: dec("10")},
			{ExternalRef: "l2", SkuID: w.batched.ID, RequiredCount: dec("2.5")},
		},
	})
	wantState(t, o, err, ramp.OrderCreated)
	if o.ToPlaceID != w.wh.ID || o.ToPlaceName != "Warehouse" || !o.RequiredBy.Equal(due) || o.Version != 1 ||
		o.Lines[0].SkuID != w.plain.ID || o.Lines[1].SkuExternalRef != "p-milk" || o.Lines[0].ID == "" || o.Lines[0].SkuName != "Mug" {
		t.Fatalf("created = %+v", o)
	}
	// A second order with the same ExternalRef is refused.
	if _, err := c.Orders.Create(ctx, &ramp.Order{ExternalRef: "po-1", OrderType: ramp.OrderInbound, ToPlaceID: w.wh.ID, Lines: o.Lines[:1]}); !errors.Is(err, ramp.ErrConflict) {
		t.Errorf("duplicate: %v", err)
	}
	// Inbound orders are not allocated or dispatched.
	if _, err := c.Orders.Dispatch(ctx, o.ID); !errors.Is(err, ramp.ErrIllegalState) || !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("dispatch inbound: %v", err)
	}
	if _, err := c.Orders.Complete(ctx, o.ID); !errors.Is(err, ramp.ErrIllegalState) {
		t.Errorf("complete before receiving: %v", err)
	}

	// Receive part: 4 mugs, one batch of milk.
	exp := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	_, err = srv.ReceiveOrder(o.ID,
		ramp.OrderUnit{SkuExternalRef: "p-mug", Count: dec("4")},
		ramp.OrderUnit{SkuID: w.batched.ID, Batch: "B1", Expiry: exp, Count: dec("1.5")},
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Orders.FindByExternalRef(ctx, "po-1")
	wantState(t, got, err, ramp.OrderReceiving)
	if !got.Lines[0].ReceivedCount.Equal(dec("4")) || len(got.Lines[1].Received) != 1 || got.Lines[1].Received[0].Batch != "B1" ||
		!got.Lines[1].Received[0].Expiry.Equal(exp) || got.Version != 2 {
		t.Fatalf("after partial receipt = %+v", got)
	}
	// The engine's incremental read sees it.
	changed, err := c.Orders.List(&ramp.ListOptions{Filter: ramp.OrderQuery{Type: ramp.OrderInbound, States: []ramp.OrderState{ramp.OrderReceiving, ramp.OrderReceived}, ModifiedSince: o.DateLastModified}.Filter()}).Collect(ctx)
	if err != nil || len(changed) != 1 {
		t.Fatalf("changed = %d, %v", len(changed), err)
	}

	// An update while receiving keeps the progress (lines match by ExternalRef).
	got.Comments = "dock 3"
	got.Lines[0].RequiredCount = dec("12")
	for i := range got.Lines {
		got.Lines[i].ID = ""
	}
	upd, err := c.Orders.Update(ctx, got)
	wantState(t, upd, err, ramp.OrderReceiving)
	if upd.Comments != "dock 3" || !upd.Lines[0].ReceivedCount.Equal(dec("4")) || upd.Lines[0].ID != o.Lines[0].ID || upd.Version != 3 {
		t.Fatalf("updated = %+v", upd)
	}
	// Removing a line with progress is refused.
	bad := *upd
	bad.Lines = bad.Lines[:1]
	if _, err := c.Orders.Update(ctx, &bad); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("remove progressed line: %v", err)
	}

	// Receive the rest (the helper receives what is outstanding).
	rec, err := srv.ReceiveOrder(o.ID)
	if err != nil || rec.State != ramp.OrderReceived {
		t.Fatalf("receive rest: %+v, %v", rec.State, err)
	}
	done, err := c.Orders.Complete(ctx, o.ID)
	wantState(t, done, err, ramp.OrderCompleted)
	if !done.Lines[0].ReceivedCount.Equal(dec("12")) || !done.Lines[1].ReceivedCount.Equal(dec("2.5")) {
		t.Errorf("completed lines = %+v", done.Lines)
	}

	// Frozen: update, actions and upsert are refused.
	done.Comments = "late change"
	_, err = c.Orders.Update(ctx, done)
	var ae *ramp.APIError
	if !errors.Is(err, ramp.ErrOrderFrozen) || !errors.Is(err, ramp.ErrConflict) || !errors.As(err, &ae) || ae.Code() != ramp.CodeIllegalBusinessOperation || ae.StatusCode != http.StatusConflict {
		t.Errorf("update completed: %v", err)
	}
	if _, err := c.Orders.Receive(ctx, o.ID, ramp.OrderUnit{SkuExternalRef: "p-mug", Count: dec("1")}); !errors.Is(err, ramp.ErrOrderFrozen) {
		t.Errorf("receive completed: %v", err)
	}
	if _, err := c.Orders.Cancel(ctx, o.ID); !errors.Is(err, ramp.ErrOrderFrozen) {
		t.Errorf("cancel completed: %v", err)
	}
	before := srv.CallsTo("UpdateOrder")
	cur, created, err := c.Orders.UpsertByExternalRef(ctx, &ramp.Order{ExternalRef: "po-1", OrderType: ramp.OrderInbound, ToPlaceID: w.wh.ID, Lines: []ramp.OrderLine{{SkuID: w.plain.ID, RequiredCount: dec("1")}}})
	if !errors.Is(err, ramp.ErrOrderFrozen) || created || cur == nil || cur.State != ramp.OrderCompleted || srv.CallsTo("UpdateOrder") != before {
		t.Errorf("upsert frozen: %+v %v %v", cur, created, err)
	}
}

func TestFakeOutboundLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	w := seedWorld(t, srv)
	o, created, err := c.Orders.UpsertByExternalRef(ctx, &ramp.Order{
		ExternalRef: "so-1", CustomerOrderNumber: "SO-17", OrderType: ramp.OrderOutbound, FromPlaceID: w.wh.ID,
		Lines: []ramp.OrderLine{
			{SkuExternalRef: "p-drill", RequiredCount: dec("2")},
			{SkuExternalRef: "p-mug", RequiredCount: dec("3")},
		},
	})
	if err != nil || !created {
		t.Fatalf("upsert create: %v %v", created, err)
	}
	// Upsert again with a changed quantity: an update, not a duplicate.
	o2, created, err := c.Orders.UpsertByExternalRef(ctx, &ramp.Order{
		ExternalRef: "so-1", CustomerOrderNumber: "SO-17", OrderType: ramp.OrderOutbound, FromPlaceExternalRef: "loc-wh",
		Lines: []ramp.OrderLine{
			{SkuExternalRef: "p-drill", RequiredCount: dec("2")},
			{SkuExternalRef: "p-mug", RequiredCount: dec("4")},
		},
	})
	if err != nil || created || o2.ID != o.ID || !o2.Lines[1].RequiredCount.Equal(dec("4")) || len(srv.Orders()) != 1 {
		t.Fatalf("upsert update: %+v %v %v", o2, created, err)
	}
	if _, err := c.Orders.Receive(ctx, o.ID, ramp.OrderUnit{SkuExternalRef: "p-mug", Count: dec("1")}); !errors.Is(err, ramp.ErrIllegalState) {
		t.Errorf("receive outbound: %v", err)
	}
	if _, err := c.Orders.Dispatch(ctx, o.ID); !errors.Is(err, ramp.ErrIllegalState) {
		t.Errorf("dispatch before allocation: %v", err)
	}

	// Pick part through the API, the rest as a user.
	a, err := c.Orders.Allocate(ctx, o.ID, ramp.OrderUnit{SkuExternalRef: "p-drill", Serial: "SN-1", Count: dec("1")})
	wantState(t, a, err, ramp.OrderAllocating)
	if _, err := c.Orders.Allocate(ctx, o.ID, ramp.OrderUnit{SkuExternalRef: "p-drill", Serial: "SN-1", Count: dec("1")}); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("same serial twice: %v", err)
	}
	if _, err := c.Orders.Allocate(ctx, o.ID, ramp.OrderUnit{SkuExternalRef: "p-milk", Count: dec("1")}); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("SKU not on order: %v", err)
	}
	pk, err := srv.PickOrder(o.ID,
		ramp.OrderUnit{SkuExternalRef: "p-drill", Serial: "SN-2", Count: dec("1")},
		ramp.OrderUnit{LineID: o.Lines[1].ID, Count: dec("4")},
	)
	if err != nil || pk.State != ramp.OrderAllocated {
		t.Fatalf("pick: %s %v", pk.State, err)
	}
	got, err := c.Orders.Get(ctx, o.ID)
	wantState(t, got, err, ramp.OrderAllocated)
	if serials := got.Lines[0].Allocated; len(serials) != 2 || serials[0].Serial != "SN-1" || serials[1].Serial != "SN-2" || !got.Lines[0].AllocatedCount.Equal(dec("2")) {
		t.Fatalf("allocated = %+v", got.Lines[0])
	}
	d, err := c.Orders.Dispatch(ctx, o.ID)
	wantState(t, d, err, ramp.OrderDispatched)
	if len(d.Lines[0].Dispatched) != 2 || !d.Lines[1].DispatchedCount.Equal(dec("4")) {
		t.Fatalf("dispatched = %+v", d.Lines)
	}
	if _, err := c.Orders.Cancel(ctx, o.ID); !errors.Is(err, ramp.ErrIllegalState) {
		t.Errorf("cancel after dispatch: %v", err)
	}
	done, err := c.Orders.Complete(ctx, o.ID)
	wantState(t, done, err, ramp.OrderCompleted)
	if _, err := c.Orders.Allocate(ctx, o.ID, ramp.OrderUnit{SkuExternalRef: "p-mug", Count: dec("1")}); !errors.Is(err, ramp.ErrOrderFrozen) {
		t.Errorf("allocate completed: %v", err)
	}
}

func TestFakeTransferLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	w := seedWorld(t, srv)
	exp := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	o, err := c.Orders.Create(ctx, &ramp.Order{
		ExternalRef: "tr-1", OrderType: ramp.OrderTransfer, FromPlaceID: w.wh.ID, ToPlaceID: w.store.ID,
		Lines: []ramp.OrderLine{{SkuID: w.batched.ID, RequiredCount: dec("5")}},
	})
	wantState(t, o, err, ramp.OrderCreated)
	if o.FromPlaceExternalRef != "loc-wh" || o.ToPlaceExternalRef != "loc-store" {
		t.Errorf("refs = %q %q", o.FromPlaceExternalRef, o.ToPlaceExternalRef)
	}
	if _, err := c.Orders.Receive(ctx, o.ID, ramp.OrderUnit{SkuID: w.batched.ID, Count: dec("1")}); !errors.Is(err, ramp.ErrIllegalState) {
		t.Errorf("receive before dispatch: %v", err)
	}
	d, err := srv.DispatchOrder(o.ID,
		ramp.OrderUnit{SkuID: w.batched.ID, Batch: "B1", Expiry: exp, Count: dec("3")},
		ramp.OrderUnit{SkuID: w.batched.ID, Batch: "B2", Expiry: exp, Count: dec("2")},
	)
	if err != nil || d.State != ramp.OrderDispatched {
		t.Fatalf("dispatch: %s %v", d.State, err)
	}
	r, err := c.Orders.Receive(ctx, o.ID, ramp.OrderUnit{SkuID: w.batched.ID, Batch: "B1", Expiry: exp, Count: dec("3")})
	wantState(t, r, err, ramp.OrderReceiving)
	r2, err := srv.ReceiveOrder(o.ID) // the rest: batch B2
	if err != nil || r2.State != ramp.OrderReceived || len(r2.Lines[0].Received) != 2 || r2.Lines[0].Received[1].Batch != "B2" {
		t.Fatalf("receive rest: %+v %v", r2, err)
	}
	done, err := c.Orders.Complete(ctx, o.ID)
	wantState(t, done, err, ramp.OrderCompleted)
	if done.Version != 6 { // create, pick, dispatch, receive, receive, complete
		t.Errorf("version = %d", done.Version)
	}
	byPlace, err := c.Orders.List(&ramp.ListOptions{Filter: ramp.OrderQuery{PlaceID: w.store.ID, States: []ramp.OrderState{ramp.OrderCompleted}}.Filter()}).Collect(ctx)
	if err != nil || len(byPlace) != 1 {
		t.Errorf("by place = %d, %v", len(byPlace), err)
	}
}

func TestFakeOrderCancelAndValidation(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	w := seedWorld(t, srv)
	line := []ramp.OrderLine{{SkuID: w.plain.ID, RequiredCount: dec("1")}}
	o, err := c.Orders.Create(ctx, &ramp.Order{ExternalRef: "so-c", OrderType: ramp.OrderOutbound, FromPlaceID: w.wh.ID, Lines: line})
	wantState(t, o, err, ramp.OrderCreated)
	if _, err := srv.PickOrder(o.ID, ramp.OrderUnit{SkuID: w.plain.ID, Count: dec("1")}); err != nil {
		t.Fatal(err)
	}
	cx, err := c.Orders.Cancel(ctx, o.ID)
	wantState(t, cx, err, ramp.OrderCancelled)
	if _, err := c.Orders.Dispatch(ctx, o.ID); !errors.Is(err, ramp.ErrOrderFrozen) {
		t.Errorf("dispatch cancelled: %v", err)
	}
	if _, err := srv.CancelOrder(o.ID); err == nil {
		t.Error("cancel twice succeeded")
	}
	in, err := srv.AddOrder(ramp.Order{ExternalRef: "po-c", OrderType: ramp.OrderInbound, ToPlaceID: w.wh.ID, Lines: line})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ReceiveOrder(in.ID, ramp.OrderUnit{SkuID: w.plain.ID, Count: dec("0.5")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Orders.Cancel(ctx, in.ID); !errors.Is(err, ramp.ErrIllegalState) {
		t.Errorf("cancel while receiving: %v", err)
	}
	if _, err := srv.CompleteOrder(in.ID); err != nil { // a short receipt closes as is
		t.Fatal(err)
	}

	// Server-side rules, bypassing the client checks with a raw body.
	cases := []struct {
		name  string
		order ramp.Order
		field string
	}{
		{"unknown place", ramp.Order{ExternalRef: "x1", OrderType: ramp.OrderInbound, ToPlaceID: "00000000-0000-4000-8000-000000000000", Lines: line}, "ToPlaceId"},
		{"transfer same place", ramp.Order{ExternalRef: "x2", OrderType: ramp.OrderTransfer, FromPlaceID: w.wh.ID, ToPlaceExternalRef: "loc-wh", Lines: line}, "ToPlaceId"},
		{"unknown sku", ramp.Order{ExternalRef: "x3", OrderType: ramp.OrderInbound, ToPlaceID: w.wh.ID, Lines: []ramp.OrderLine{{SkuExternalRef: "nope", RequiredCount: dec("1")}}}, "OrderSkuList[0].SkuExternalRef"},
		{"zero count", ramp.Order{ExternalRef: "x4", OrderType: ramp.OrderInbound, ToPlaceID: w.wh.ID, Lines: []ramp.OrderLine{{SkuID: w.plain.ID}}}, "OrderSkuList[0].RequiredCount"},
		{"no lines", ramp.Order{ExternalRef: "x5", OrderType: ramp.OrderInbound, ToPlaceID: w.wh.ID}, "OrderSkuList"},
	}
	for _, tc := range cases {
		if _, err := srv.AddOrder(tc.order); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	// ... and the same answers through HTTP.
	_, err = c.Orders.Create(ctx, &cases[0].order)
	var ae *ramp.APIError
	if !errors.As(err, &ae) || ae.Code() != ramp.CodeInvalidForeignKey || ae.Field() != "ToPlaceId" {
		t.Errorf("unknown place via HTTP: %v", err)
	}
}

func TestFakeArchive(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	w := seedWorld(t, srv)
	p, err := c.Places.Archive(ctx, w.bin.ID)
	if err != nil || !p.Archived || !p.DateLastModified.After(w.bin.DateLastModified) {
		t.Fatalf("archive = %+v, %v", p, err)
	}
	again, err := c.Places.Archive(ctx, w.bin.ID)
	if err != nil || !again.DateLastModified.Equal(p.DateLastModified) {
		t.Errorf("archive twice = %+v, %v", again, err)
	}
	live, err := c.Places.List(&ramp.ListOptions{Filter: ramp.Eq("Archived", false)}).Collect(ctx)
	if err != nil || len(live) != 2 {
		t.Errorf("live places = %d, %v", len(live), err)
	}
	if p, err := c.Places.Unarchive(ctx, w.bin.ID); err != nil || p.Archived {
		t.Errorf("unarchive = %+v, %v", p, err)
	}
	k, err := c.Skus.Archive(ctx, w.plain.ID)
	if err != nil || !k.Archived {
		t.Fatalf("archive sku = %+v, %v", k, err)
	}
	if k, err := c.Skus.Unarchive(ctx, w.plain.ID); err != nil || k.Archived {
		t.Errorf("unarchive sku = %+v, %v", k, err)
	}
	if _, err := c.Skus.Archive(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("archive unknown: %v", err)
	}
	// Idempotent, so a 500 is retried.
	srv.FailNext(1, http.StatusInternalServerError)
	if _, err := c.Places.Archive(ctx, w.store.ID); err != nil {
		t.Errorf("archive after a 500: %v", err)
	}
}

func TestFakeStocktakeLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	w := seedWorld(t, srv)
	if err := srv.SetPlaceStock("loc-bin",
		ramp.PlaceStockLine{SkuExternalRef: "p-mug", Quantity: dec("10")},
		ramp.PlaceStockLine{SkuExternalRef: "p-milk", Batch: "B1", Quantity: dec("4")},
		ramp.PlaceStockLine{SkuExternalRef: "p-drill", Quantity: dec("1")},
	); err != nil {
		t.Fatal(err)
	}
	st, err := srv.RunStocktake(w.wh.ID,
		ramp.StocktakeLine{SkuExternalRef: "p-mug", PlaceID: w.bin.ID, Counted: dec("8"), UnitCost: decimal.NewNullDecimal(dec("2.50"))},
		ramp.StocktakeLine{SkuExternalRef: "p-milk", PlaceExternalRef: "loc-bin", Batch: "B1", Counted: dec("4.5"), UnitCost: decimal.NewNullDecimal(dec("0"))},
	)
	if err != nil {
		t.Fatal(err)
	}
	if st.Validated || !st.Complete || len(st.Lines) != 3 {
		t.Fatalf("run = %+v", st)
	}
	open := false
	pending, err := c.Stocktakes.List(&ramp.ListOptions{Filter: ramp.StocktakeQuery{PlaceID: w.wh.ID, Validated: &open}.Filter()}).Collect(ctx)
	if err != nil || len(pending) != 1 || pending[0].LineCount != 3 || pending[0].Lines != nil || pending[0].PlaceName != "Warehouse" {
		t.Fatalf("pending = %+v, %v", pending, err)
	}
	v, err := srv.ValidateStocktake(st.ID)
	if err != nil || !v.Validated || v.ValidatedAt.IsZero() || v.Version != 2 {
		t.Fatalf("validate = %+v, %v", v, err)
	}
	if _, err := srv.ValidateStocktake(st.ID); err == nil {
		t.Error("validated twice")
	}
	yes := true
	done, err := c.Stocktakes.List(&ramp.ListOptions{Filter: ramp.StocktakeQuery{Validated: &yes, ValidatedSince: v.ValidatedAt}.Filter()}).Collect(ctx)
	if err != nil || len(done) != 1 {
		t.Fatalf("validated list = %d, %v", len(done), err)
	}
	full, err := c.Stocktakes.Get(ctx, done[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	l0, l1, l2 := full.Lines[0], full.Lines[1], full.Lines[2]
	if l0.SkuID != w.plain.ID || l0.PlaceID != w.bin.ID || !l0.Expected.Equal(dec("10")) || !l0.Variance().Equal(dec("-2")) ||
		!l0.UnitCost.Valid || !l0.UnitCost.Decimal.Equal(dec("2.5")) {
		t.Errorf("line 0 = %+v", l0)
	}
	if l1.Batch != "B1" || !l1.Expected.Equal(dec("4")) || !l1.UnitCost.Valid || l1.UnitCost.Decimal.IsPositive() {
		t.Errorf("line 1 = %+v", l1)
	}
	// The drill was expected but nobody found it: counted 0, no cost.
	if l2.SkuExternalRef != "p-drill" || !l2.Counted.IsZero() || !l2.Expected.Equal(dec("1")) || l2.UnitCost.Valid {
		t.Errorf("line 2 = %+v", l2)
	}
	if _, err := c.Stocktakes.Get(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, ramp.ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
}

func TestFakePlaceStockBulk(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	w := seedWorld(t, srv)
	lines := make([]ramp.PlaceStockLine, 0, 2500)
	for i := range 2500 {
		ref := fmt.Sprintf("bulk-%04d", i)
		if _, err := srv.AddSku(ramp.Sku{Name: ref, SkuNumber: ref, ExternalRef: ref, TrackingMode: ramp.TrackingNone}); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, ramp.PlaceStockLine{SkuExternalRef: ref, Quantity: decimal.New(int64(i), -1)})
	}
	res, err := c.PlaceStock.Put(ctx, "loc-wh", lines)
	if err != nil {
		t.Fatal(err)
	}
	if res.Parts != 3 || res.Lines != 2500 || srv.CallsTo("SetPlaceStock") != 3 {
		t.Fatalf("put = %+v, calls %d", res, srv.CallsTo("SetPlaceStock"))
	}
	got, err := c.PlaceStock.List("loc-wh", nil).Collect(ctx)
	if err != nil || len(got) != 2500 {
		t.Fatalf("read back %d, %v", len(got), err)
	}
	if got[1234].SkuExternalRef != "bulk-1234" || !got[1234].Quantity.Equal(dec("123.4")) || got[0].PlaceID != w.wh.ID || got[0].SkuID == "" {
		t.Errorf("line 1234 = %+v", got[1234])
	}
	// Replacing: a smaller set leaves only it; a part lost to a 500 is
	// retried.
	srv.FailNext(1, http.StatusBadGateway)
	res, err = c.PlaceStock.Put(ctx, "loc-wh", lines[:2])
	if err != nil || res.Lines != 2 {
		t.Fatalf("replace = %+v, %v", res, err)
	}
	if n := len(srv.PlaceStock("loc-wh")); n != 2 {
		t.Errorf("after replace: %d lines", n)
	}
	nonzero, err := c.PlaceStock.List("", &ramp.ListOptions{Filter: ramp.Gt("Quantity", 0)}).Collect(ctx)
	if err != nil || len(nonzero) != 1 || nonzero[0].SkuExternalRef != "bulk-0001" {
		t.Errorf("filtered = %+v, %v", nonzero, err)
	}
	// Server-side foreign keys.
	_, err = c.PlaceStock.Put(ctx, "loc-wh", []ramp.PlaceStockLine{{SkuExternalRef: "ghost", Quantity: dec("1")}})
	var ae *ramp.APIError
	if !errors.As(err, &ae) || ae.Code() != ramp.CodeInvalidForeignKey || ae.Field() != "Lines[0].SkuExternalRef" {
		t.Errorf("unknown SKU: %v", err)
	}
	if _, err := c.PlaceStock.Put(ctx, "no-place", nil); !errors.Is(err, ramp.ErrValidation) {
		t.Errorf("unknown place: %v", err)
	}
	// Clearing.
	if res, err := c.PlaceStock.Put(ctx, "loc-wh", nil); err != nil || res.Lines != 0 || len(srv.PlaceStock("loc-wh")) != 0 {
		t.Errorf("clear = %+v, %v", res, err)
	}
}

func TestFakeWriteOffsExport(t *testing.T) {
	t.Parallel()
	srv, c := fakeClient(t, nil)
	w := seedWorld(t, srv)
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for i, wo := range []ramp.WriteOff{
		{SkuExternalRef: "p-mug", PlaceID: w.store.ID, Quantity: dec("2"), Reason: ramp.ReasonDamaged, Note: "dropped, \"oops\"", WrittenOffAt: t0},
		{SkuID: w.serials.ID, PlaceExternalRef: "loc-wh", Serial: "SN-9", Quantity: dec("1"), Reason: ramp.ReasonStolen, Note: "line 1\nline 2", WrittenOffAt: t0.Add(time.Hour)},
		{SkuExternalRef: "p-milk", PlaceID: w.wh.ID, Batch: "B1", Quantity: dec("0.5"), Reason: "Expired", WrittenOffAt: t0.Add(2 * time.Hour)},
	} {
		if _, err := srv.RecordWriteOff(wo); err != nil {
			t.Fatalf("write-off %d: %v", i, err)
		}
	}
	if _, err := srv.RecordWriteOff(ramp.WriteOff{SkuID: w.serials.ID, PlaceID: w.wh.ID, Serial: "S", Quantity: dec("2"), Reason: ramp.ReasonMissing}); err == nil {
		t.Error("serial with quantity 2 accepted")
	}
	stolen, err := c.WriteOffs.List(&ramp.ListOptions{Filter: ramp.WriteOffQuery{Reason: ramp.ReasonStolen, PlaceID: w.wh.ID}.Filter()}).Collect(ctx)
	if err != nil || len(stolen) != 1 || stolen[0].Serial != "SN-9" || stolen[0].SkuName != "Drill" {
		t.Fatalf("stolen = %+v, %v", stolen, err)
	}
	since, err := c.WriteOffs.List(&ramp.ListOptions{Filter: ramp.WriteOffQuery{Since: t0.Add(time.Hour)}.Filter()}).Collect(ctx)
	if err != nil || len(since) != 2 {
		t.Fatalf("since = %d, %v", len(since), err)
	}
	var buf bytes.Buffer
	n, err := c.WriteOffs.ExportCSV(ctx, &buf, &ramp.ListOptions{PageSize: 2})
	if err != nil || n != 3 {
		t.Fatalf("export = %d, %v", n, err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "Id" || rows[1][1] != "2024-05-01T09:00:00Z" || rows[1][13] != "dropped, \"oops\"" ||
		rows[2][13] != "line 1\nline 2" || rows[3][3] != "0.5" || rows[3][2] != "Expired" {
		t.Errorf("rows = %q", rows)
	}
}
