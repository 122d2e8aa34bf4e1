package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

// playRampUser does what Ramp users do between passes, on the built-in
// fake Ramp: receive the inbound orders and the transfer that came from
// Cin7 Core, pick and dispatch a sale, and run and validate a stocktake.
// The next pass posts all of it back to Cin7 Core.
//
// onHand, when not nil, tells how many units of a product Cin7 Core holds
// at a location outside any bin and batch, so the demo picks a sale Cin7
// Core can fulfil from there.
func playRampUser(rs *ramptest.Server, onHand func(productID, locationID string) decimal.Decimal, out io.Writer) {
	tracking := map[string]ramp.Sku{}
	for _, s := range rs.Skus() {
		tracking[s.ExternalRef] = s
	}
	var did []string
	expiry := time.Now().UTC().AddDate(1, 0, 0).Truncate(24 * time.Hour)
	units := func(o ramp.Order, batch string) []ramp.OrderUnit {
		var us []ramp.OrderUnit
		for _, l := range o.Lines {
			s := tracking[l.SkuExternalRef]
			u := ramp.OrderUnit{LineID: l.ID, Count: l.RequiredCount}
			if s.TracksExpiry {
				u.Expiry = expiry
			}
			switch s.TrackingMode {
			case ramp.TrackingSerial:
				n := int(l.RequiredCount.IntPart())
				for i := 1; i <= n; i++ {
					su := u
					su.Count, su.Serial = decimal.NewFromInt(1), fmt.Sprintf("SN-%s-%d", strings.ToUpper(l.SkuNumber), i)
					us = append(us, su)
				}
				continue
			case ramp.TrackingBatch:
				u.Batch = batch
			}
			us = append(us, u)
		}
		return us
	}
	picked := false
	for _, o := range rs.Orders() {
		switch {
		case o.OrderType == ramp.OrderInbound && o.State == ramp.OrderCreated:
			if _, err := rs.ReceiveOrder(o.ID, units(o, "RCV-"+o.CustomerOrderNumber)...); err == nil {
				did = append(did, "received inbound order "+o.CustomerOrderNumber)
			}
		case o.OrderType == ramp.OrderTransfer && o.State == ramp.OrderCreated:
			if _, err := rs.DispatchOrder(o.ID); err == nil {
				if _, err := rs.ReceiveOrder(o.ID); err == nil {
					did = append(did, "received transfer "+o.CustomerOrderNumber)
				}
			}
		case o.OrderType == ramp.OrderOutbound && o.State == ramp.OrderCreated && !picked && untracked(o, tracking) && coverable(o, onHand):
			// Untracked products only, so no batch has to match Cin7's.
			if _, err := rs.DispatchOrder(o.ID); err == nil {
				picked = true
				did = append(did, "picked and dispatched sale "+o.CustomerOrderNumber)
			}
		}
	}
	// A stocktake of the place with the most expected lines: one count
	// off by one, the rest as expected.
	best, lines := "", []ramp.PlaceStockLine(nil)
	byPlace := map[string][]ramp.PlaceStockLine{}
	for _, l := range rs.PlaceStock("") {
		byPlace[l.PlaceExternalRef] = append(byPlace[l.PlaceExternalRef], l)
	}
	for p, ls := range byPlace {
		if len(ls) > len(lines) || (len(ls) == len(lines) && p < best) {
			best, lines = p, ls
		}
	}
	if best != "" {
		var counted []ramp.StocktakeLine
		for i, l := range lines {
			if tracking[l.SkuExternalRef].TrackingMode == ramp.TrackingSerial {
				continue // serials are counted one by one; keep the demo short
			}
			c := ramp.StocktakeLine{SkuExternalRef: l.SkuExternalRef, PlaceExternalRef: l.PlaceExternalRef, Batch: l.Batch, Counted: l.Quantity}
			if tracking[l.SkuExternalRef].TracksExpiry {
				c.Expiry = expiry
			}
			if i == 0 {
				c.Counted = l.Quantity.Sub(decimal.NewFromInt(1))
			}
			counted = append(counted, c)
		}
		if st, err := rs.RunStocktake(best, counted...); err == nil {
			if _, err := rs.ValidateStocktake(st.ID); err == nil {
				did = append(did, fmt.Sprintf("counted and validated a stocktake of %s (%d lines)", st.PlaceName, len(st.Lines)))
			}
		}
	}
	fmt.Fprintln(out, "\nRamp users, between passes:")
	for _, d := range did {
		fmt.Fprintln(out, "  -", d)
	}
}

// coverable reports whether Cin7 Core has the order's units at its place.
func coverable(o ramp.Order, onHand func(productID, locationID string) decimal.Decimal) bool {
	if onHand == nil {
		return true
	}
	for _, l := range o.Lines {
		if onHand(l.SkuExternalRef, o.FromPlaceExternalRef).LessThan(l.RequiredCount) {
			return false
		}
	}
	return true
}

func untracked(o ramp.Order, skus map[string]ramp.Sku) bool {
	for _, l := range o.Lines {
		if skus[l.SkuExternalRef].TrackingMode != ramp.TrackingNone {
			return false
		}
	}
	return len(o.Lines) > 0
}

// moved sums up what a pass carried each way.
func moved(rep *cinsync.Report) string {
	in, out := map[string]int{}, map[string]int{}
	for _, s := range rep.Streams {
		n := s.Created + s.Updated
		switch s.Stream {
		case cinsync.StreamLocations:
			in["places"] += n
		case cinsync.StreamProducts:
			in["SKUs"] += n
		case cinsync.StreamPurchases, cinsync.StreamTransfers, cinsync.StreamSales:
			in["orders"] += n
		case cinsync.StreamStock:
			in["places' expected counts"] += n
		case cinsync.StreamPurchaseReceipts:
			out["purchase receipts"] += n
		case cinsync.StreamTransferReceipts:
			out["transfer completions"] += n
		case cinsync.StreamFulfilments:
			out["sale fulfilments"] += n
		case cinsync.StreamStocktakes:
			out["stock adjustments"] += n
		}
	}
	return "  Cin7 Core → Ramp: " + list(in, []string{"places", "SKUs", "orders", "places' expected counts"}) +
		"\n  Ramp → Cin7 Core: " + list(out, []string{"purchase receipts", "transfer completions", "sale fulfilments", "stock adjustments"}) + "\n"
}

func list(m map[string]int, order []string) string {
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}
