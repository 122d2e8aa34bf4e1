package sync_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// SyncStocktake plans one stocktake in a dry run (lines with quantity
// and cost, skipped lines with reasons), posts it once, and leaves
// nothing for the stream or a second call to post.
func TestSyncStocktakeDryRunThenPostOnce(t *testing.T) {
	h := newOutbHarness(t)
	st := h.outbStocktake(t)
	ctx := context.Background()

	before := h.outbStateKeys()
	rep, err := h.engine(t, func(c *cinsync.Config) { c.DryRun = true }).SyncStocktake(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Streams) != 1 {
		t.Fatalf("dry run ran %d streams", len(rep.Streams))
	}
	sr := rep.Stream(cinsync.StreamStocktakes)
	if sr == nil || sr.Read != 1 || sr.Created != 1 || sr.Failed != 0 || len(sr.Plan) != 1 {
		t.Fatalf("dry run: %+v", sr)
	}
	plan := sr.Plan[0]
	if plan.Action != "post" || plan.ExternalRef != mapping.StocktakeReference(st.ID, st.Version) || plan.Name != st.Name {
		t.Fatalf("plan %+v", plan)
	}
	if len(plan.Lines) != 2 {
		t.Fatalf("planned lines %+v, want the tent and the rope", plan.Lines)
	}
	for _, l := range plan.Lines {
		switch {
		case cin7core.SameID(l.ProductID, outbTent):
			if !l.Quantity.Equal(outbDec("7")) || !l.UnitCost.Equal(outbDec("210.5")) || l.LocationID != h.locID || l.SKU != "TNT-2P-ALP" {
				t.Fatalf("tent line %+v", l)
			}
		case cin7core.SameID(l.ProductID, outbRope):
			if !l.Quantity.Equal(outbDec("4")) || !l.UnitCost.Equal(outbDec("1.65")) || l.LocationID != h.binID || l.Batch != "R1" {
				t.Fatalf("rope line %+v", l)
			}
		default:
			t.Fatalf("unexpected line %+v", l)
		}
	}
	if len(sr.SkippedLines) != 5 || sr.Skipped != 5 {
		t.Fatalf("skipped lines %+v", sr.SkippedLines)
	}
	reasons := map[string]int{}
	for _, l := range sr.SkippedLines {
		if l.Document != st.ID || l.Line < 1 || l.Line > len(st.Lines) {
			t.Fatalf("skipped line %+v", l)
		}
		reasons[l.Reason]++
	}
	for r, n := range sr.SkippedByReason {
		if reasons[r] != n {
			t.Fatalf("skipped lines %v disagree with SkippedByReason %v", reasons, sr.SkippedByReason)
		}
	}
	if reasons[string(mapping.SkipAdjustmentZeroCost)] != 1 || reasons[string(mapping.SkipAdjustmentNoCost)] != 1 {
		t.Fatalf("reasons %v", reasons)
	}
	if len(h.outbAdjustments(t, st)) != 0 || h.outbStateKeys() != before {
		t.Fatal("the dry run wrote")
	}

	e := h.engine(t, nil)
	rep, err = e.SyncStocktake(ctx, st.ID)
	if sr := rep.Stream(cinsync.StreamStocktakes); err != nil || sr.Created != 1 || len(sr.Plan) != 0 {
		t.Fatalf("post: %v %+v", err, sr)
	}
	h.outbCheckStocktakePosted(t, st)

	// Again: the ledger answers, Cin7 Core is not called.
	rep, err = e.SyncStocktake(ctx, st.ID)
	if sr := rep.Stream(cinsync.StreamStocktakes); err != nil || sr.Created != 0 || sr.Unchanged != 1 || sr.Cin7Calls != 0 {
		t.Fatalf("again: %v %+v", err, sr)
	}
	// The stream finds it in the ledger too.
	if sr := outbMustRun(t, e, cinsync.StreamStocktakes); sr.Read != 1 || sr.Created != 0 || sr.Unchanged != 1 {
		t.Fatalf("stream after the targeted post: %+v", sr)
	}
	// State lost: the look at Cin7 Core still finds it.
	rep, err = h.engine(t, func(c *cinsync.Config) { c.State = cinsync.NewMemoryStore() }).SyncStocktake(ctx, st.ID)
	if sr := rep.Stream(cinsync.StreamStocktakes); err != nil || sr.Created != 0 || sr.Unchanged != 1 {
		t.Fatalf("state lost: %v %+v", err, sr)
	}
	h.outbCheckStocktakePosted(t, st)
}

// Documents that cannot be posted are failures in the report; a bad call
// is an error.
func TestSyncStocktakeRefusals(t *testing.T) {
	h := newOutbHarness(t)
	ctx := context.Background()
	e := h.engine(t, nil)

	if _, err := e.SyncStocktake(ctx, "  "); err == nil {
		t.Fatal("empty ID accepted")
	}
	rep, err := e.SyncStocktake(ctx, "0b3e8d1c-0000-4000-8000-000000000000")
	if sr := rep.Stream(cinsync.StreamStocktakes); err != nil || sr.Failed != 1 || sr.Failures[0].Stage != "read" {
		t.Fatalf("unknown stocktake: %v %+v", err, sr)
	}
	// Counted but not validated: nothing posted.
	st, err := h.rampSrv.RunStocktake(h.locID, ramp.StocktakeLine{SkuExternalRef: outbTent, Counted: outbDec("2")})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = e.SyncStocktake(ctx, st.ID)
	if sr := rep.Stream(cinsync.StreamStocktakes); err != nil || sr.Failed != 1 || sr.Failures[0].Stage != "mapping" || sr.Created != 0 {
		t.Fatalf("unvalidated stocktake: %v %+v", err, sr)
	}
	if len(h.outbAdjustments(t, st)) != 0 {
		t.Fatal("an unvalidated stocktake was posted")
	}
}

// SyncStocktake waits for the tenant's lock like Sync.
func TestSyncStocktakeTakesTheTenantLock(t *testing.T) {
	h := newOutbHarness(t)
	st := h.outbStocktake(t)
	locker := &cinsync.InProcessLocker{}
	e := h.engine(t, func(c *cinsync.Config) { c.Locker = locker })
	lease, err := locker.Lock(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	rep, err := e.SyncStocktake(ctx, st.ID)
	if !errors.Is(err, context.DeadlineExceeded) || rep == nil || len(rep.Streams) != 0 {
		t.Fatalf("with the lock held elsewhere: %v %+v", err, rep)
	}
	if len(h.outbAdjustments(t, st)) != 0 {
		t.Fatal("posted without the lock")
	}
	_ = lease.Release(context.Background())
	rep, err = e.SyncStocktake(context.Background(), st.ID)
	if sr := rep.Stream(cinsync.StreamStocktakes); err != nil || sr.Created != 1 {
		t.Fatalf("after release: %v %+v", err, sr)
	}
	h.outbCheckStocktakePosted(t, st)
}
