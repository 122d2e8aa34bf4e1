package ramp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// OrderType says which way goods move. It is an open enum: a type this SDK
// does not know (Locafi also had Return and Loan) still decodes.
type OrderType string

// Order types the integration writes.
const (
	// OrderInbound receives goods at ToPlaceId (a Cin7 Core purchase).
	OrderInbound OrderType = "Inbound"
	// OrderOutbound ships goods from FromPlaceId (a Cin7 Core sale).
	OrderOutbound OrderType = "Outbound"
	// OrderTransfer moves goods from FromPlaceId to ToPlaceId (a Cin7 Core
	// stock transfer).
	OrderTransfer OrderType = "Transfer"
)

// OrderState is where an order is in its life cycle. It is an open enum.
//
//	Outbound: Created → Allocating → Allocated → Dispatched → Completed
//	Transfer: Created → Allocating → Allocated → Dispatched → Receiving → Received → Completed
//	Inbound:  Created → Receiving → Received → Completed
//
// Any order may be Cancelled before goods move (Created, Allocating,
// Allocated). Completed and Cancelled are final: the order is frozen.
type OrderState string

// Order states (Locafi's OrderState values).
const (
	OrderCreated    OrderState = "Created"
	OrderAllocating OrderState = "Allocating"
	OrderAllocated  OrderState = "Allocated"
	OrderDispatched OrderState = "Dispatched"
	OrderReceiving  OrderState = "Receiving"
	OrderReceived   OrderState = "Received"
	OrderCompleted  OrderState = "Completed"
	OrderCancelled  OrderState = "Cancelled"
)

// Frozen reports whether an order in this state can no longer change
// (Completed or Cancelled).
func (s OrderState) Frozen() bool { return s == OrderCompleted || s == OrderCancelled }

// Order is a Ramp order: the header the integration writes from a Cin7
// Core purchase, sale or transfer, its lines, and the progress Ramp users
// make on it (read-only).
type Order struct {
	// ID is Ramp's identifier; empty until created.
	ID string `json:"Id,omitempty"`
	// ExternalRef is the source document's ID (lower-case GUID). Unique
	// among orders; it makes upserts idempotent.
	ExternalRef string `json:"ExternalRef"`
	// CustomerOrderNumber is the human document number (PO-0042, SO-17).
	CustomerOrderNumber string    `json:"CustomerOrderNumber,omitempty"`
	OrderType           OrderType `json:"OrderType"`
	// State is read-only: it changes only through the order actions.
	State OrderState `json:"State,omitempty"`
	// FromPlaceID is where goods leave (outbound, transfer). Either it or
	// FromPlaceExternalRef identifies the place; the server fills both.
	FromPlaceID          string `json:"FromPlaceId,omitempty"`
	FromPlaceExternalRef string `json:"FromPlaceExternalRef,omitempty"`
	// FromPlaceName is read-only.
	FromPlaceName string `json:"FromPlaceName,omitempty"`
	// ToPlaceID is where goods arrive (inbound, transfer); or
	// ToPlaceExternalRef.
	ToPlaceID          string `json:"ToPlaceId,omitempty"`
	ToPlaceExternalRef string `json:"ToPlaceExternalRef,omitempty"`
	// ToPlaceName is read-only.
	ToPlaceName string `json:"ToPlaceName,omitempty"`
	// Comments carries the source document's note.
	Comments string `json:"Comments,omitempty"`
	// RequiredBy is the date the goods are needed; zero when unset.
	RequiredBy time.Time `json:"RequiredBy"`
	// Lines are the SKU lines (Locafi's OrderSkuList).
	Lines []OrderLine `json:"OrderSkuList"`
	// Version is read-only: it grows by one with every change (update,
	// action, progress), so (ID, Version) names one state of the order.
	Version          int64     `json:"Version,omitempty"`
	DateCreated      time.Time `json:"DateCreated"`
	DateLastModified time.Time `json:"DateLastModified"`
}

// OrderLine is one SKU line. Only ExternalRef, the SKU and RequiredCount
// are written; the rest is Ramp's progress.
type OrderLine struct {
	// ID is the server's line ID; on Update it matches the line to keep
	// its progress (lines without ID match by ExternalRef, then by SKU).
	ID string `json:"Id,omitempty"`
	// ExternalRef is the source line's ID, optional.
	ExternalRef string `json:"ExternalRef,omitempty"`
	// SkuID or SkuExternalRef names the SKU; the server fills both.
	SkuID          string `json:"SkuId,omitempty"`
	SkuExternalRef string `json:"SkuExternalRef,omitempty"`
	// SkuNumber and SkuName are read-only.
	SkuNumber string `json:"SkuNumber,omitempty"`
	SkuName   string `json:"SkuName,omitempty"`
	// RequiredCount is the ordered quantity; must be positive.
	RequiredCount decimal.Decimal `json:"RequiredCount"`
	// AllocatedCount, DispatchedCount and ReceivedCount are read-only
	// totals of Allocated, Dispatched and Received.
	AllocatedCount  decimal.Decimal `json:"AllocatedCount"`
	DispatchedCount decimal.Decimal `json:"DispatchedCount"`
	ReceivedCount   decimal.Decimal `json:"ReceivedCount"`
	// Allocated (picked), Dispatched and Received are read-only, one entry
	// per batch / serial / expiry.
	Allocated  []LineUnit `json:"Allocated,omitempty"`
	Dispatched []LineUnit `json:"Dispatched,omitempty"`
	Received   []LineUnit `json:"Received,omitempty"`
}

// LineUnit is a quantity of one batch or serial on an order line.
type LineUnit struct {
	Batch  string `json:"Batch,omitempty"`
	Serial string `json:"Serial,omitempty"`
	// Expiry is zero when the SKU does not track expiry.
	Expiry time.Time       `json:"Expiry"`
	Count  decimal.Decimal `json:"Count"`
}

// OrderUnit is what a Ramp user picked or received: a count of one SKU
// (named by the line's ID, or the SKU's ID or ExternalRef), with batch,
// serial and expiry where tracked. A serial's Count is 1.
type OrderUnit struct {
	LineID         string          `json:"LineId,omitempty"`
	SkuID          string          `json:"SkuId,omitempty"`
	SkuExternalRef string          `json:"SkuExternalRef,omitempty"`
	Batch          string          `json:"Batch,omitempty"`
	Serial         string          `json:"Serial,omitempty"`
	Expiry         time.Time       `json:"Expiry"`
	Count          decimal.Decimal `json:"Count"`
}

// MarshalJSON leaves unset dates out of requests.
func (o Order) MarshalJSON() ([]byte, error) {
	type plain Order
	return json.Marshal(struct {
		plain
		RequiredBy       *time.Time `json:"RequiredBy,omitempty"`
		DateCreated      *time.Time `json:"DateCreated,omitempty"`
		DateLastModified *time.Time `json:"DateLastModified,omitempty"`
	}{plain(o), nonZero(o.RequiredBy), nonZero(o.DateCreated), nonZero(o.DateLastModified)})
}

// MarshalJSON leaves a zero Expiry out.
func (u LineUnit) MarshalJSON() ([]byte, error) {
	type plain LineUnit
	return json.Marshal(struct {
		plain
		Expiry *time.Time `json:"Expiry,omitempty"`
	}{plain(u), nonZero(u.Expiry)})
}

// MarshalJSON leaves a zero Expiry out.
func (u OrderUnit) MarshalJSON() ([]byte, error) {
	type plain OrderUnit
	return json.Marshal(struct {
		plain
		Expiry *time.Time `json:"Expiry,omitempty"`
	}{plain(u), nonZero(u.Expiry)})
}

func (o *Order) recordID() string { return o.ID }

func (o *Order) externalRef() string { return o.ExternalRef }

// OrderQuery builds the usual order filters; zero fields select all.
type OrderQuery struct {
	ExternalRef string
	Type        OrderType
	// States selects orders in any of these states.
	States []OrderState
	// PlaceID selects orders leaving from or arriving at this place.
	PlaceID string
	// ModifiedSince selects orders changed at or after this time.
	ModifiedSince time.Time
}

// Filter renders the query as an OData filter.
func (q OrderQuery) Filter() Filter {
	var fs []Filter
	if q.ExternalRef != "" {
		fs = append(fs, Eq("ExternalRef", q.ExternalRef))
	}
	if q.Type != "" {
		fs = append(fs, Eq("OrderType", q.Type))
	}
	var states []Filter
	for _, st := range q.States {
		states = append(states, Eq("State", st))
	}
	fs = append(fs, Or(states...))
	if q.PlaceID != "" {
		fs = append(fs, Or(Eq("FromPlaceId", q.PlaceID), Eq("ToPlaceId", q.PlaceID)))
	}
	if !q.ModifiedSince.IsZero() {
		fs = append(fs, Ge("DateLastModified", q.ModifiedSince))
	}
	return And(fs...)
}

// OrdersService writes orders from Cin7 Core documents and reads the
// progress Ramp users make on them (Orders/*). The actions (Allocate,
// Dispatch, Receive, Complete, Cancel) are what a Ramp user or device
// does; the integration mostly reads their results.
type OrdersService service

// List returns a pager over orders matching opts (nil for all), lines
// included. OrderQuery builds the usual filters.
func (s *OrdersService) List(opts *ListOptions) *Pager[Order] {
	return newPager[Order](s.client, orderPaths.list, opts)
}

// Get reads one order by Ramp ID.
func (s *OrdersService) Get(ctx context.Context, id string) (*Order, error) {
	return getRecord[Order](ctx, s.client, orderPaths, id)
}

// FindByExternalRef returns the one order whose ExternalRef is ref; no
// match is ErrNotFound, several are ErrConflict.
func (s *OrdersService) FindByExternalRef(ctx context.Context, ref string) (*Order, error) {
	return findByExternalRef[Order](ctx, s.client, orderPaths, ref)
}

// Create adds an order. It is checked before sending (see ValidateOrder)
// and must have no ID. Like every create it is not retried after a 5xx
// or a transport error: look it up by ExternalRef instead.
func (s *OrdersService) Create(ctx context.Context, o *Order) (*Order, error) {
	if err := validateOrder(o, idCreate); err != nil {
		return nil, err
	}
	return writeRecord[Order](ctx, s.client, orderPaths.create, orderPaths.kind, o)
}

// Update replaces an order's header and lines, identified by o.ID, and
// returns it as stored. Progress on lines that still match (by line ID,
// ExternalRef, then SKU) is kept. A Completed or Cancelled order is
// refused with an error matching ErrOrderFrozen.
func (s *OrdersService) Update(ctx context.Context, o *Order) (*Order, error) {
	if err := validateOrder(o, idUpdate); err != nil {
		return nil, err
	}
	out, err := writeRecord[Order](ctx, s.client, orderPaths.update, orderPaths.kind, o)
	return out, orderError(err)
}

// UpsertByExternalRef creates o, or updates the order with the same
// ExternalRef (o.ID is ignored and replaced by the stored order's). It
// reports whether the order was created. A frozen order is not sent:
// the stored order comes back with an error matching ErrOrderFrozen.
func (s *OrdersService) UpsertByExternalRef(ctx context.Context, o *Order) (*Order, bool, error) {
	if err := validateOrder(o, idAny); err != nil {
		return nil, false, err
	}
	cur, err := s.FindByExternalRef(ctx, o.ExternalRef)
	switch {
	case errors.Is(err, ErrNotFound):
		in := *o
		in.ID = ""
		out, err := s.Create(ctx, &in)
		return out, err == nil, err
	case err != nil:
		return nil, false, err
	case cur.State.Frozen():
		return cur, false, fmt.Errorf("ramp: order %s (ExternalRef %q) is %s: %w", cur.ID, cur.ExternalRef, cur.State, ErrOrderFrozen)
	}
	in := *o
	in.ID = cur.ID
	out, err := s.Update(ctx, &in)
	return out, false, err
}

// Allocate records units picked for an outbound or transfer order
// (Created or Allocating). The order becomes Allocating, or Allocated once
// every line is fully picked. Not retried after a 5xx: a repeat would
// count the units twice.
func (s *OrdersService) Allocate(ctx context.Context, id string, units ...OrderUnit) (*Order, error) {
	return s.act(ctx, PathAllocateOrder, id, units, true)
}

// Dispatch ships what was allocated on an outbound or transfer order
// (Allocating or Allocated, with something picked): the order becomes
// Dispatched and each line's Dispatched equals its Allocated.
func (s *OrdersService) Dispatch(ctx context.Context, id string) (*Order, error) {
	return s.act(ctx, PathDispatchOrder, id, nil, false)
}

// Receive records units received on an inbound order (Created or
// Receiving) or a transfer (Dispatched or Receiving). The order becomes
// Receiving, or Received once every line has its required (inbound) or
// dispatched (transfer) count.
func (s *OrdersService) Receive(ctx context.Context, id string, units ...OrderUnit) (*Order, error) {
	return s.act(ctx, PathReceiveOrder, id, units, true)
}

// Complete closes an order for good: an outbound order once Dispatched,
// an inbound or transfer order once Receiving or Received (a short
// receipt is closed as is). The order is frozen afterwards.
func (s *OrdersService) Complete(ctx context.Context, id string) (*Order, error) {
	return s.act(ctx, PathCompleteOrder, id, nil, false)
}

// Cancel cancels an order before any goods moved (Created, Allocating or
// Allocated). The order is frozen afterwards.
func (s *OrdersService) Cancel(ctx context.Context, id string) (*Order, error) {
	return s.act(ctx, PathCancelOrder, id, nil, false)
}

// actionBody is the body of AllocateOrder and ReceiveOrder.
type actionBody struct {
	Units []OrderUnit `json:"Units"`
}

func (s *OrdersService) act(ctx context.Context, path, id string, units []OrderUnit, withUnits bool) (*Order, error) {
	var body any
	if withUnits {
		if err := validateUnits(units); err != nil {
			return nil, err
		}
		body = actionBody{Units: units}
	}
	out, err := postID[Order](ctx, s.client, path, orderPaths.kind, id, body, false)
	return out, orderError(err)
}

// orderError marks IllegalBusinessOperation answers of order endpoints:
// 409 means the order is frozen, 400 that its state forbids the action.
func orderError(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code() != CodeIllegalBusinessOperation {
		return err
	}
	switch ae.StatusCode {
	case http.StatusConflict:
		ae.also = ErrOrderFrozen
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		ae.also = ErrIllegalState
	}
	return err
}

// ValidateOrder runs the checks Create makes before sending: ExternalRef,
// a known type, the places the type needs (inbound: To; outbound: From;
// transfer: both, different; a place the type does not use must be
// empty), and at least one line, each naming a SKU with a positive
// RequiredCount. The error is a *ValidationError.
func ValidateOrder(o *Order) error { return validateOrder(o, idAny) }

// idRule says what validateOrder expects of the ID.
type idRule int

const (
	idCreate idRule = iota // must be empty
	idUpdate               // required
	idAny                  // ignored (upserts)
)

func validateOrder(o *Order, rule idRule) error {
	if o == nil {
		return &ValidationError{Reason: "nil order"}
	}
	switch {
	case rule == idUpdate && strings.TrimSpace(o.ID) == "":
		return &ValidationError{Field: "ID", Reason: "is required to update; use Create for new orders"}
	case rule == idCreate && o.ID != "":
		return &ValidationError{Field: "ID", Reason: "must be empty to create; use Update for existing orders"}
	}
	if strings.TrimSpace(o.ExternalRef) == "" {
		return &ValidationError{Field: "ExternalRef", Reason: "must not be empty"}
	}
	from := strings.TrimSpace(o.FromPlaceID) != "" || strings.TrimSpace(o.FromPlaceExternalRef) != ""
	to := strings.TrimSpace(o.ToPlaceID) != "" || strings.TrimSpace(o.ToPlaceExternalRef) != ""
	switch o.OrderType {
	case OrderInbound:
		if !to {
			return &ValidationError{Field: "ToPlaceId", Reason: "is required for an inbound order"}
		}
		if from {
			return &ValidationError{Field: "FromPlaceId", Reason: "must be empty for an inbound order"}
		}
	case OrderOutbound:
		if !from {
			return &ValidationError{Field: "FromPlaceId", Reason: "is required for an outbound order"}
		}
		if to {
			return &ValidationError{Field: "ToPlaceId", Reason: "must be empty for an outbound order"}
		}
	case OrderTransfer:
		switch {
		case !from:
			return &ValidationError{Field: "FromPlaceId", Reason: "is required for a transfer order"}
		case !to:
			return &ValidationError{Field: "ToPlaceId", Reason: "is required for a transfer order"}
		case samePlace(o.FromPlaceID, o.ToPlaceID) || samePlace(o.FromPlaceExternalRef, o.ToPlaceExternalRef):
			return &ValidationError{Field: "ToPlaceId", Reason: "must differ from FromPlaceId for a transfer order"}
		}
	case "":
		return &ValidationError{Field: "OrderType", Reason: "must be Inbound, Outbound or Transfer"}
	default:
		return &ValidationError{Field: "OrderType", Reason: fmt.Sprintf("%q is not Inbound, Outbound or Transfer", o.OrderType)}
	}
	if len(o.Lines) == 0 {
		return &ValidationError{Field: "Lines", Reason: "an order needs at least one line"}
	}
	for i, l := range o.Lines {
		field := fmt.Sprintf("Lines[%d]", i)
		if strings.TrimSpace(l.SkuID) == "" && strings.TrimSpace(l.SkuExternalRef) == "" {
			return &ValidationError{Field: field + ".SkuId", Reason: "a line needs SkuId or SkuExternalRef"}
		}
		if !l.RequiredCount.IsPositive() {
			return &ValidationError{Field: field + ".RequiredCount", Reason: fmt.Sprintf("must be positive, not %s", l.RequiredCount)}
		}
	}
	return nil
}

func samePlace(a, b string) bool {
	return strings.TrimSpace(a) != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

func validateUnits(units []OrderUnit) error {
	if len(units) == 0 {
		return &ValidationError{Field: "Units", Reason: "at least one unit is required"}
	}
	for i, u := range units {
		field := fmt.Sprintf("Units[%d]", i)
		switch {
		case strings.TrimSpace(u.LineID) == "" && strings.TrimSpace(u.SkuID) == "" && strings.TrimSpace(u.SkuExternalRef) == "":
			return &ValidationError{Field: field, Reason: "a unit needs LineId, SkuId or SkuExternalRef"}
		case !u.Count.IsPositive():
			return &ValidationError{Field: field + ".Count", Reason: fmt.Sprintf("must be positive, not %s", u.Count)}
		case u.Serial != "" && !u.Count.Equal(decimal.NewFromInt(1)):
			return &ValidationError{Field: field + ".Count", Reason: "a serial number counts exactly 1"}
		}
	}
	return nil
}
