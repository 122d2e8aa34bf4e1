package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// FulfilmentRules say how far an outbound order picked or dispatched in
// Ramp takes its Cin7 Core sale's fulfilment. The zero value is the
// default: pick when Ramp has allocated the whole order, pack and ship
// when Ramp dispatches it.
type FulfilmentRules struct {
	// PickOnDispatch leaves an order that is only allocated alone and
	// picks (with pack and ship) once it is dispatched, for tenants whose
	// Ramp allocations are provisional.
	PickOnDispatch bool
	// NoPack stops at the pick: Cin7 Core users pack and ship themselves
	// (implies NoShip).
	NoPack bool
	// NoShip packs on dispatch but leaves the ship (carrier, tracking) to
	// Cin7 Core users.
	NoShip bool
	// Box names the box pack and ship lines use; default "Box 1".
	Box string
}

// Fulfilments returns the fulfilment rules in force. Rules has no field
// for them yet (mapping/rules.go is shared): once it gains
// `Fulfilment FulfilmentRules`, this returns r.Fulfilment. Until then the
// defaults apply.
func (r Rules) Fulfilments() FulfilmentRules { return r.FulfilmentStages }

func (f FulfilmentRules) box() string { return or(f.Box, "Box 1") }

// FulfilmentStage is the furthest Cin7 Core fulfilment stage a Ramp order
// asks for.
type FulfilmentStage string

// Fulfilment stages, in the order Cin7 Core requires them.
const (
	StagePick FulfilmentStage = "pick"
	StagePack FulfilmentStage = "pack"
	StageShip FulfilmentStage = "ship"
)

// Includes reports whether reaching s writes stage t too.
func (s FulfilmentStage) Includes(t FulfilmentStage) bool { return stageRank(s) >= stageRank(t) }

func stageRank(s FulfilmentStage) int {
	switch s {
	case StagePick:
		return 1
	case StagePack:
		return 2
	case StageShip:
		return 3
	}
	return 0
}

// Skip reasons for outbound orders.
const (
	// SkipFulfilmentNotOutbound: only outbound orders fulfil sales.
	SkipFulfilmentNotOutbound SkipReason = "not an outbound order"
	// SkipFulfilmentNotPicked: the order is not (fully) allocated or
	// dispatched yet, or was cancelled.
	SkipFulfilmentNotPicked SkipReason = "not picked in Ramp yet"
	// SkipFulfilmentAwaitingDispatch: allocated, but the rules pick only
	// on dispatch.
	SkipFulfilmentAwaitingDispatch SkipReason = "picks only once dispatched"
	// SkipFulfilmentNothingPicked: no units were picked or dispatched.
	SkipFulfilmentNothingPicked SkipReason = "nothing picked"
)

// Fulfilment is what one Ramp outbound order asks of its Cin7 Core sale:
// one fulfilment task taken to Stage.
type Fulfilment struct {
	// SaleID is the Cin7 Core sale (the order's ExternalRef, normalised).
	SaleID string
	// Stage is the furthest stage to write.
	Stage FulfilmentStage
	// PickLines are the units picked in Ramp, at the order's place.
	PickLines []cin7core.SaleStockLine
	// PackLines are the same units in one box.
	PackLines []cin7core.SaleStockLine
	// ShipLine is the shipment (Stage ship only).
	ShipLine cin7core.SaleShipRequestLine
	// Version names this write for the outbound ledger: the stage and a
	// hash of the lines, so a later stage of the same order is a new
	// write and a repeat of the same one is not.
	Version string
}

// Fulfilment maps a Ramp outbound order to the fulfilment its Cin7 Core
// sale needs, or a skip reason. Allocated orders are picked; Dispatched
// and Completed ones are picked, packed and shipped (FulfilmentRules
// narrow this). The units are what Ramp recorded (Allocated, or
// Dispatched once dispatched), batch or serial into BatchSN, at the
// order's FromPlace (a Cin7 Core location or bin ID). The shipment is
// dated with the order's last modification (its dispatch, for a
// dispatched order).
func (r Rules) Fulfilment(o ramp.Order) (*Fulfilment, SkipReason, error) {
	return r.Fulfilments().Fulfilment(o)
}

// Fulfilment is [Rules.Fulfilment] under these fulfilment rules.
func (rules FulfilmentRules) Fulfilment(o ramp.Order) (*Fulfilment, SkipReason, error) {
	if o.OrderType != ramp.OrderOutbound {
		return nil, SkipFulfilmentNotOutbound, nil
	}
	dispatched := false
	switch o.State {
	case ramp.OrderAllocated:
	case ramp.OrderDispatched, ramp.OrderCompleted:
		dispatched = true
	default:
		return nil, SkipFulfilmentNotPicked, nil
	}
	if !dispatched && rules.PickOnDispatch {
		return nil, SkipFulfilmentAwaitingDispatch, nil
	}
	id := cin7core.NormalizeID(o.ID)
	saleID := cin7core.NormalizeID(o.ExternalRef)
	if saleID == "" {
		return nil, "", &Error{Kind: "order", ID: id, Field: "ExternalRef", Err: ErrMissingField, Detail: "the Cin7 Core sale ID"}
	}
	loc := cin7core.NormalizeID(o.FromPlaceExternalRef)
	if loc == "" {
		return nil, "", &Error{Kind: "order", ID: id, Field: "FromPlaceExternalRef", Err: ErrMissingField, Detail: "the place is not a Cin7 Core location"}
	}
	type key struct {
		product, batch string
		expiry         time.Time
	}
	qty := map[key]decimal.Decimal{}
	var order []key
	for i, l := range o.Lines {
		units := l.Allocated
		if dispatched {
			units = l.Dispatched
		}
		if len(units) == 0 {
			continue
		}
		pid := cin7core.NormalizeID(l.SkuExternalRef)
		if pid == "" {
			return nil, "", &Error{Kind: "order", ID: id, Field: fmt.Sprintf("OrderSkuList[%d].SkuExternalRef", i), Err: ErrMissingField, Detail: "the Cin7 Core product ID"}
		}
		for _, u := range units {
			if !u.Count.IsPositive() {
				continue
			}
			k := key{pid, strings.TrimSpace(or(u.Serial, u.Batch)), u.Expiry.UTC()}
			if _, seen := qty[k]; !seen {
				order = append(order, k)
			}
			qty[k] = qty[k].Add(u.Count)
		}
	}
	if len(order) == 0 {
		return nil, SkipFulfilmentNothingPicked, nil
	}
	slices.SortFunc(order, func(a, b key) int {
		if c := strings.Compare(a.product, b.product); c != 0 {
			return c
		}
		if c := strings.Compare(a.batch, b.batch); c != 0 {
			return c
		}
		return a.expiry.Compare(b.expiry)
	})
	f := &Fulfilment{SaleID: saleID, Stage: StagePick}
	if dispatched && !rules.NoPack {
		f.Stage = StagePack
		if !rules.NoShip {
			f.Stage = StageShip
		}
	}
	h := sha256.New()
	for _, k := range order {
		l := cin7core.SaleStockLine{ProductID: k.product, LocationID: loc, Quantity: qty[k], BatchSN: k.batch}
		if !k.expiry.IsZero() {
			l.ExpiryDate = cin7core.NewTime(k.expiry)
		}
		f.PickLines = append(f.PickLines, l)
		l.Box = rules.box()
		f.PackLines = append(f.PackLines, l)
		fmt.Fprintf(h, "%s|%s|%s|%s|%s\n", k.product, loc, k.batch, expiryKey(k.expiry), qty[k].String())
	}
	if f.Stage == StageShip {
		f.ShipLine = cin7core.SaleShipRequestLine{Box: rules.box(), IsShipped: true}
		if !o.DateLastModified.IsZero() {
			f.ShipLine.ShipmentDate = cin7core.NewTime(o.DateLastModified.UTC())
		}
	}
	f.Version = string(f.Stage) + ":" + hex.EncodeToString(h.Sum(nil)[:10])
	return f, "", nil
}

// expiryKey compares expiry dates by day: Cin7 Core keeps dates, Ramp
// times.
func expiryKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// SamePick reports whether a pick Cin7 Core holds (got) has the units of
// want: the same quantity of each product, batch or serial and expiry
// day. Locations are not compared: Cin7 Core may name the same place by
// location, bin or either ID's case, and a false "different" would pick
// the sale twice, which is worse than trusting an equal product count.
func SamePick(got, want []cin7core.SaleStockLine) bool {
	sum := func(lines []cin7core.SaleStockLine) map[string]decimal.Decimal {
		m := map[string]decimal.Decimal{}
		for _, l := range lines {
			k := cin7core.NormalizeID(l.ProductID) + "|" + strings.TrimSpace(l.BatchSN) + "|" + expiryKey(l.ExpiryDate.Time)
			m[k] = m[k].Add(l.Quantity)
		}
		for k, v := range m {
			if v.IsZero() {
				delete(m, k)
			}
		}
		return m
	}
	a, b := sum(got), sum(want)
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !w.Equal(v) {
			return false
		}
	}
	return true
}
