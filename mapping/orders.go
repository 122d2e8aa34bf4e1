package mapping

import (
	"errors"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// Orders: Cin7 Core purchases, sales and stock transfers become Ramp
// inbound, outbound and transfer orders. Only documents whose order stage
// is authorised sync; drafts never do. The gates work on list rows, so
// the engine decides before paying for a detail call.

// Skip reasons of the order streams (documents and their lines).
const (
	// SkipNotAuthorised: the document's order stage is not authorised
	// (a draft, a quote, an estimate).
	SkipNotAuthorised SkipReason = "order not authorised"
	// SkipVoidedNotInRamp: the document was voided before Ramp ever had
	// it, so there is nothing to cancel.
	SkipVoidedNotInRamp SkipReason = "voided and not in Ramp"
	// SkipServiceOnly: a service-only document moves no stock.
	SkipServiceOnly SkipReason = "service-only document"
	// SkipNotAnOrder: a list row of a kind that is no order (a credit
	// note).
	SkipNotAnOrder SkipReason = "not an order"
	// SkipUnknownStatus: a status this version does not know; left alone
	// rather than guessed.
	SkipUnknownStatus SkipReason = "unknown document status"
	// SkipClosedNotInRamp: the document was already complete in Cin7 Core
	// (fully received, shipped, transfer completed) before Ramp ever saw
	// it, so there is nothing left for Ramp users to do; a tenant's
	// history stays out of Ramp.
	SkipClosedNotInRamp SkipReason = "already complete in Cin7 Core and not in Ramp"
	// SkipNoStockLines: no line of the document names a stock product
	// (only services, additional charges or lines left out).
	SkipNoStockLines SkipReason = "no stock lines"
	// SkipAdditionalCharge: a line: freight, fees and other charges are
	// no stock.
	SkipAdditionalCharge SkipReason = "additional charge"
	// SkipLineNoProduct: a line without a ProductID (a text line).
	SkipLineNoProduct SkipReason = "line names no product"
	// SkipLineNoQuantity: a product whose lines add up to zero or less.
	SkipLineNoQuantity SkipReason = "line quantity not positive"
)

// ErrUnknownLocation is wrapped by *Error when a document names a location
// the location list does not hold.
var ErrUnknownLocation = errors.New("mapping: unknown location")

// OrderGate is what the engine does with a document, decided from its
// list row (and, for DRAFT transfers, from their order sub-document).
type OrderGate int

const (
	// GateSkip: the document does not sync (see the SkipReason).
	GateSkip OrderGate = iota
	// GateSync: authorised; read its detail and upsert the Ramp order.
	GateSync
	// GateVoid: voided; cancel the Ramp order if there is one.
	GateVoid
	// GateCheckOrder: a DRAFT transfer; its order sub-document, which
	// the list row does not show, decides.
	GateCheckOrder
)

// String names the gate for logs.
func (g OrderGate) String() string {
	switch g {
	case GateSync:
		return "sync"
	case GateVoid:
		return "void"
	case GateCheckOrder:
		return "check order"
	}
	return "skip"
}

func ordEqFold(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// PurchaseGate decides from a purchaseList row: voided (Status VOIDED or
// order VOIDED) → GateVoid; a service-only purchase or a credit note →
// skip; order AUTHORISED → GateSync, whatever happened since (receiving,
// invoiced, completed: the order stage stays authorised); anything else
// (DRAFT, NOT AVAILABLE) → skip as not authorised.
func (r Rules) PurchaseGate(row cin7core.PurchaseListItem) (OrderGate, SkipReason) {
	return ordPurchaseGate(row.Status, row.OrderStatus, row.Type, bool(row.IsServiceOnly))
}

// PurchaseDetailGate applies PurchaseGate to a purchase as read in
// detail, which is authoritative when it differs from the list row read
// a moment earlier.
func (r Rules) PurchaseDetailGate(h cin7core.PurchaseHeader) (OrderGate, SkipReason) {
	var order cin7core.PurchaseTaskStatus
	if h.Order != nil {
		order = h.Order.Status
	}
	return ordPurchaseGate(h.Status, order, h.Type, bool(h.IsServiceOnly))
}

func ordPurchaseGate(status cin7core.PurchaseStatus, order cin7core.PurchaseTaskStatus, typ cin7core.PurchaseType, serviceOnly bool) (OrderGate, SkipReason) {
	switch {
	case ordEqFold(string(status), string(cin7core.PurchaseStatusVoided)) || ordEqFold(string(order), string(cin7core.PurchaseTaskVoided)):
		return GateVoid, ""
	case ordEqFold(string(typ), string(cin7core.PurchaseTypePurchaseCreditNote)) || ordEqFold(string(typ), string(cin7core.PurchaseTypeCreditNote)):
		return GateSkip, SkipNotAnOrder
	case serviceOnly || ordEqFold(string(typ), string(cin7core.PurchaseTypeService)):
		return GateSkip, SkipServiceOnly
	case ordEqFold(string(order), string(cin7core.PurchaseTaskAuthorised)):
		return GateSync, ""
	}
	return GateSkip, SkipNotAuthorised
}

// ordSaleAuthorised lists the sale order statuses that mean the order
// was authorised: AUTHORISED, AUTH_NO_ALLOC (authorised without
// allocating stock), FULFILLED and CLOSED (authorised, then shipped or
// closed). All of them sync, so a sale authorised and fulfilled between
// two passes still reaches Ramp, as a COMPLETED transfer does.
var ordSaleAuthorised = []cin7core.SaleTaskStatus{
	cin7core.SaleTaskAuthorised, cin7core.SaleTaskAuthNoAlloc, cin7core.SaleTaskFulfilled, cin7core.SaleTaskClosed,
}

// SaleGate decides from a saleList row: voided (Status VOIDED or order
// VOIDED) → GateVoid; a service sale → skip; an order stage AUTHORISED,
// AUTH_NO_ALLOC, FULFILLED or CLOSED → GateSync; anything else (no order
// yet, a quote, a draft order) → skip as not authorised.
func (r Rules) SaleGate(row cin7core.SaleListItem) (OrderGate, SkipReason) {
	return ordSaleGate(row.Status, row.OrderStatus, row.Type, false)
}

// SaleDetailGate applies SaleGate to a sale as read in detail.
func (r Rules) SaleDetailGate(s cin7core.Sale) (OrderGate, SkipReason) {
	var order cin7core.SaleTaskStatus
	if s.Order != nil {
		order = s.Order.Status
	}
	return ordSaleGate(s.Status, order, s.Type, bool(s.ServiceOnly))
}

func ordSaleGate(status cin7core.SaleStatus, order cin7core.SaleTaskStatus, typ cin7core.SaleType, serviceOnly bool) (OrderGate, SkipReason) {
	switch {
	case ordEqFold(string(status), string(cin7core.SaleStatusVoided)) || ordEqFold(string(order), string(cin7core.SaleTaskVoided)):
		return GateVoid, ""
	case serviceOnly || ordEqFold(string(typ), string(cin7core.SaleTypeService)):
		return GateSkip, SkipServiceOnly
	}
	for _, s := range ordSaleAuthorised {
		if ordEqFold(string(order), string(s)) {
			return GateSync, ""
		}
	}
	return GateSkip, SkipNotAuthorised
}

// TransferRowGate decides from a stockTransferList row: IN TRANSIT or
// COMPLETED → GateSync; VOIDED → GateVoid; DRAFT → GateCheckOrder (its
// order sub-document, absent from the row, may be authorised); anything
// else → skip.
func (r Rules) TransferRowGate(row cin7core.StockTransferSummary) (OrderGate, SkipReason) {
	switch {
	case ordEqFold(string(row.Status), string(cin7core.TransferInTransit)), ordEqFold(string(row.Status), string(cin7core.TransferCompleted)):
		return GateSync, ""
	case ordEqFold(string(row.Status), string(cin7core.TransferVoided)):
		return GateVoid, ""
	case ordEqFold(string(row.Status), string(cin7core.TransferDraft)):
		return GateCheckOrder, ""
	}
	return GateSkip, SkipUnknownStatus
}

// TransferGate decides from a transfer read in detail: as TransferRowGate,
// except that a DRAFT transfer syncs when its order is AUTHORISED and is
// skipped otherwise.
func (r Rules) TransferGate(t cin7core.StockTransfer) (OrderGate, SkipReason) {
	g, reason := r.TransferRowGate(cin7core.StockTransferSummary{Status: t.Status})
	if g != GateCheckOrder {
		return g, reason
	}
	if t.Order != nil && ordEqFold(string(t.Order.Status), string(cin7core.TransferOrderAuthorised)) {
		return GateSync, ""
	}
	return GateSkip, SkipNotAuthorised
}

// OrderLocations resolves the locations documents name, by ID or by name
// ("Location", or "Location: Bin" for a bin), to the ExternalRef of the
// Ramp place they map to: the location's or bin's own ID, or the parent
// location's when the rules turn bins off. Build it with
// Rules.OrderLocations from the whole location list.
type OrderLocations struct {
	byID   map[string]string
	byName map[string]string
}

// OrderLocations indexes a complete ref/location list.
func (r Rules) OrderLocations(locs []cin7core.Location) *OrderLocations {
	ix := &OrderLocations{byID: map[string]string{}, byName: map[string]string{}}
	parents := map[string]string{} // id → name
	for _, l := range locs {
		if !l.IsBin() {
			parents[cin7core.NormalizeID(l.ID)] = strings.TrimSpace(l.Name)
		}
	}
	bin := func(id, name, parent string) {
		id, parent = cin7core.NormalizeID(id), cin7core.NormalizeID(parent)
		if id == "" {
			return
		}
		ref := id
		if r.NoBinPlaces {
			ref = parent
		}
		ix.byID[id] = ref
		if pname, ok := parents[parent]; ok && strings.TrimSpace(name) != "" {
			ix.byName[ordNameKey(pname+":"+name)] = ref
		}
	}
	for _, l := range locs {
		id := cin7core.NormalizeID(l.ID)
		if id == "" {
			continue
		}
		if l.IsBin() {
			bin(l.ID, l.Name, l.ParentID)
			continue
		}
		ix.byID[id] = id
		if n := strings.TrimSpace(l.Name); n != "" {
			ix.byName[ordNameKey(n)] = id
		}
		for _, b := range l.Bins {
			bin(b.ID, b.Name, l.ID)
		}
	}
	return ix
}

// ordNameKey folds a location name for lookups: case ignored, and "A:B",
// "A : B" and "A: B" all name bin B of A.
func ordNameKey(s string) string {
	if loc, b, ok := strings.Cut(s, ":"); ok {
		return strings.ToLower(strings.TrimSpace(loc)) + ": " + strings.ToLower(strings.TrimSpace(b))
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// Ref returns the place ExternalRef for a location named by ID (tried
// first) or name. Without an index (nil), an ID is taken as is.
func (ix *OrderLocations) Ref(id, name string) (string, bool) {
	if id = cin7core.NormalizeID(id); id != "" {
		if ix == nil {
			return id, true
		}
		if ref, ok := ix.byID[id]; ok {
			return ref, ref != ""
		}
	}
	if ix == nil || strings.TrimSpace(name) == "" {
		return "", false
	}
	ref, ok := ix.byName[ordNameKey(name)]
	return ref, ok && ref != ""
}

// OrderSkippedLine is a document line left out of a Ramp order, and why.
type OrderSkippedLine struct {
	// ProductID is the line's product (normalised), empty for charges and
	// text lines.
	ProductID string
	// Name is the product's or the charge's description.
	Name   string
	Reason SkipReason
	// Detail is the reason in full when the engine, not the mapping, left
	// the line out (the product could not be synced).
	Detail string
}

// OrderMapping is a document mapped to a Ramp order: one line per product
// (duplicates summed) naming its SKU by ExternalRef (the lower-case product
// ID), places by ExternalRef, and the lines left out.
type OrderMapping struct {
	Order   ramp.Order
	Skipped []OrderSkippedLine
}

// ProductIDs lists the products of the order's lines, in line order.
func (m *OrderMapping) ProductIDs() []string {
	out := make([]string, 0, len(m.Order.Lines))
	for _, l := range m.Order.Lines {
		out = append(out, l.SkuExternalRef)
	}
	return out
}

// Drop removes the lines of the given products (product ID → why they
// cannot be synced) and records them as skipped with reason, the why
// kept as Detail; an empty reason takes the why itself as the reason
// (products skipped on purpose, such as services). It reports whether
// any line is left.
func (m *OrderMapping) Drop(products map[string]string, reason SkipReason) bool {
	kept := m.Order.Lines[:0]
	for _, l := range m.Order.Lines {
		if why, ok := products[l.SkuExternalRef]; ok {
			skip := OrderSkippedLine{ProductID: l.SkuExternalRef, Name: l.SkuName, Reason: reason, Detail: why}
			if reason == "" {
				skip.Reason, skip.Detail = SkipReason(why), ""
			}
			m.Skipped = append(m.Skipped, skip)
			continue
		}
		kept = append(kept, l)
	}
	m.Order.Lines = kept
	return len(kept) > 0
}

// ordLine is one product line of any document, before summing.
type ordLine struct {
	productID, name string
	qty             decimal.Decimal
}

// ordBuilder sums lines per product in first-appearance order.
type ordBuilder struct {
	order   []string
	byID    map[string]*ramp.OrderLine
	skipped []OrderSkippedLine
}

func (b *ordBuilder) add(l ordLine) {
	id := cin7core.NormalizeID(l.productID)
	if id == "" {
		b.skipped = append(b.skipped, OrderSkippedLine{Name: l.name, Reason: SkipLineNoProduct})
		return
	}
	if b.byID == nil {
		b.byID = map[string]*ramp.OrderLine{}
	}
	if have, ok := b.byID[id]; ok {
		have.RequiredCount = have.RequiredCount.Add(l.qty)
		return
	}
	b.byID[id] = &ramp.OrderLine{SkuExternalRef: id, SkuName: l.name, RequiredCount: l.qty}
	b.order = append(b.order, id)
}

func (b *ordBuilder) charge(description string) {
	b.skipped = append(b.skipped, OrderSkippedLine{Name: description, Reason: SkipAdditionalCharge})
}

// lines returns the summed lines with a positive count. SkuName carries
// the line's name for reports; Ramp fills its own.
func (b *ordBuilder) lines() []ramp.OrderLine {
	out := make([]ramp.OrderLine, 0, len(b.order))
	for _, id := range b.order {
		l := *b.byID[id]
		if !l.RequiredCount.IsPositive() {
			b.skipped = append(b.skipped, OrderSkippedLine{ProductID: id, Name: l.SkuName, Reason: SkipLineNoQuantity})
			continue
		}
		out = append(out, l)
	}
	return out
}

func ordErr(kind, id, field string, err error, detail string) *Error {
	return &Error{Kind: kind, ID: id, Field: field, Err: err, Detail: detail}
}

// joinNotes joins a document's note and its order's memo, leaving out
// empty and repeated ones.
func ordJoinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		n = strings.TrimSpace(n)
		if n != "" && !ordContains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, "\n")
}

func ordContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func ordUTC(t cin7core.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// finish sets the lines and reports an order with no stock line left.
func ordFinish(m OrderMapping, b *ordBuilder) (OrderMapping, SkipReason, error) {
	m.Order.Lines = b.lines()
	m.Skipped = b.skipped
	if len(m.Order.Lines) == 0 {
		return m, SkipNoStockLines, nil
	}
	return m, "", nil
}

// PurchaseOrder maps a purchase (simple or advanced: their shared header)
// to an inbound order received at the purchase's Location (a name, so
// locs is required). Lines come from the order stage; additional charges
// are left out.
func (r Rules) PurchaseOrder(p cin7core.PurchaseHeader, locs *OrderLocations) (OrderMapping, SkipReason, error) {
	id := cin7core.NormalizeID(p.ID)
	if id == "" {
		return OrderMapping{}, "", ordErr("purchase", "", "ID", ErrMissingField, p.OrderNumber)
	}
	if p.Order == nil {
		return OrderMapping{}, "", ordErr("purchase", id, "Order", ErrMissingField, "")
	}
	if strings.TrimSpace(p.Location) == "" {
		return OrderMapping{}, "", ordErr("purchase", id, "Location", ErrMissingField, "")
	}
	to, ok := locs.Ref("", p.Location)
	if !ok {
		return OrderMapping{}, "", ordErr("purchase", id, "Location", ErrUnknownLocation, p.Location)
	}
	m := OrderMapping{Order: ramp.Order{
		ExternalRef: id, CustomerOrderNumber: strings.TrimSpace(p.OrderNumber), OrderType: ramp.OrderInbound,
		ToPlaceExternalRef: to, Comments: ordJoinNotes(p.Note, p.Order.Memo), RequiredBy: ordUTC(p.RequiredBy),
	}}
	var b ordBuilder
	for _, l := range p.Order.Lines {
		b.add(ordLine{productID: l.ProductID, name: ordFirst(l.Name, l.SKU), qty: l.Quantity})
	}
	for _, c := range p.Order.AdditionalCharges {
		b.charge(c.Description)
	}
	return ordFinish(m, &b)
}

// SaleOrder maps a sale to an outbound order shipped from its location:
// locationID (the list row's OrderLocationID) when given, else the sale's
// Location by name through locs. Lines come from the order stage;
// additional charges are left out.
func (r Rules) SaleOrder(s cin7core.Sale, locationID string, locs *OrderLocations) (OrderMapping, SkipReason, error) {
	id := cin7core.NormalizeID(s.ID)
	if id == "" {
		return OrderMapping{}, "", ordErr("sale", "", "ID", ErrMissingField, "")
	}
	if s.Order == nil {
		return OrderMapping{}, "", ordErr("sale", id, "Order", ErrMissingField, "")
	}
	from, ok := locs.Ref(locationID, s.Location)
	if !ok {
		detail := s.Location
		if detail == "" {
			detail = locationID
		}
		if detail == "" {
			return OrderMapping{}, "", ordErr("sale", id, "Location", ErrMissingField, "")
		}
		return OrderMapping{}, "", ordErr("sale", id, "Location", ErrUnknownLocation, detail)
	}
	m := OrderMapping{Order: ramp.Order{
		ExternalRef: id, CustomerOrderNumber: strings.TrimSpace(s.Order.SaleOrderNumber), OrderType: ramp.OrderOutbound,
		FromPlaceExternalRef: from, Comments: ordJoinNotes(s.Note, s.Order.Memo), RequiredBy: ordUTC(s.ShipBy),
	}}
	var b ordBuilder
	for _, l := range s.Order.Lines {
		b.add(ordLine{productID: l.ProductID, name: ordFirst(l.Name, l.SKU), qty: l.Quantity})
	}
	for _, c := range s.Order.AdditionalCharges {
		b.charge(c.Description)
	}
	return ordFinish(m, &b)
}

// TransferOrder maps a stock transfer to a transfer order between its
// two locations (by ID, else by name; bins as "Location: Bin"). A DRAFT
// transfer (synced because its order is authorised) takes the order's
// lines; otherwise the transfer's own lines, or the order's when it has
// none. The transfer's Reference becomes the comments.
func (r Rules) TransferOrder(t cin7core.StockTransfer, locs *OrderLocations) (OrderMapping, SkipReason, error) {
	id := cin7core.NormalizeID(t.TaskID)
	if id == "" {
		return OrderMapping{}, "", ordErr("transfer", "", "TaskID", ErrMissingField, t.Number)
	}
	from, ok := locs.Ref(t.From, t.FromLocation)
	if !ok {
		return OrderMapping{}, "", ordErr("transfer", id, "From", ErrUnknownLocation, ordFirst(t.FromLocation, t.From))
	}
	to, ok := locs.Ref(t.To, t.ToLocation)
	if !ok {
		return OrderMapping{}, "", ordErr("transfer", id, "To", ErrUnknownLocation, ordFirst(t.ToLocation, t.To))
	}
	if from == to {
		return OrderMapping{}, "", ordErr("transfer", id, "To", ErrSamePlace, ordFirst(t.ToLocation, t.To))
	}
	m := OrderMapping{Order: ramp.Order{
		ExternalRef: id, CustomerOrderNumber: strings.TrimSpace(t.Number), OrderType: ramp.OrderTransfer,
		FromPlaceExternalRef: from, ToPlaceExternalRef: to, Comments: strings.TrimSpace(t.Reference), RequiredBy: ordUTC(t.RequiredByDate),
	}}
	lines := t.Lines
	if t.Order != nil && (len(lines) == 0 || ordEqFold(string(t.Status), string(cin7core.TransferDraft))) {
		lines = t.Order.Lines
	}
	var b ordBuilder
	for _, l := range lines {
		b.add(ordLine{productID: l.ProductID, name: ordFirst(l.ProductName, l.SKU), qty: l.TransferQuantity})
	}
	return ordFinish(m, &b)
}

// ErrSamePlace is wrapped by *Error when a transfer's two locations map
// to one Ramp place (two bins of one location with bins turned off).
var ErrSamePlace = errors.New("mapping: transfer between one place")

func ordFirst(vs ...string) string { return strings.TrimSpace(firstNonEmpty(vs...)) }

// PurchaseClosed reports whether a purchase's goods are all in: fully
// received (advanced), its receipt authorised (simple), or received or
// completed by status. A closed purchase Ramp never saw is not created.
func (r Rules) PurchaseClosed(row cin7core.PurchaseListItem) bool {
	st := strings.ToUpper(strings.TrimSpace(string(row.Status)))
	if row.IsAdvanced() {
		// Several receipts: only the combined status says "all in".
		return ordEqFold(string(row.CombinedReceivingStatus), string(cin7core.ReceivingFullyReceived)) || strings.HasPrefix(st, "COMPLETED")
	}
	return ordEqFold(string(row.StockReceivedStatus), string(cin7core.PurchaseTaskAuthorised)) ||
		strings.HasPrefix(st, "RECEIVED") || strings.HasPrefix(st, "COMPLETED")
}

// SaleClosed reports whether a sale has shipped in full (or completed).
func (r Rules) SaleClosed(row cin7core.SaleListItem) bool {
	return ordEqFold(string(row.Status), string(cin7core.SaleStatusCompleted)) ||
		ordEqFold(string(row.CombinedShippingStatus), string(cin7core.SaleShippingShipped))
}

// TransferClosed reports whether a transfer has completed.
func (r Rules) TransferClosed(row cin7core.StockTransferSummary) bool {
	return ordEqFold(string(row.Status), string(cin7core.TransferCompleted))
}
