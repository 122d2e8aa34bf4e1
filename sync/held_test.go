package sync_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"

	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

func TestStocktakesWaitForStoppedMovementFlows(t *testing.T) {
	h := newHarness(t, nil)
	// The fulfilments flow stops (its stream fails as a whole) when the
	// source cannot serve it; the stocktakes flow must then hold.
	e, _ := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(h.cin7), Sink: &failFulfilmentSink{Sink: cinsync.RampSink(h.ramp)}, Tenant: "held"})
	rep, err := e.Sync(context.Background(), cinsync.StreamFulfilments, cinsync.StreamStocktakes)
	if err == nil {
		t.Fatal("want the fulfilments stream to fail")
	}
	st := rep.Stream(cinsync.StreamStocktakes)
	if st == nil || len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "held") || st.Cin7Calls != 0 || st.RampCalls != 0 {
		t.Fatalf("stocktakes: %+v", st)
	}
}

// failFulfilmentSink fails every Ramp read the fulfilments flow makes.
type failFulfilmentSink struct{ cinsync.Sink }

var errOutage = errors.New("ramp outage")

func (failFulfilmentSink) PickedOutboundOrderPages(context.Context, time.Time) iter.Seq2[*ramp.Page[ramp.Order], error] {
	return func(yield func(*ramp.Page[ramp.Order], error) bool) { yield(nil, errOutage) }
}
