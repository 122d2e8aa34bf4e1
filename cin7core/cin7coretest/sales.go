package cin7coretest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// This file fakes the sale endpoints a sync uses: saleList, sale,
// sale/order, sale/fulfilment and its pick, pack and ship stages, with
// the workflow rules that matter:
//
//   - an order may be posted once the quote is authorised (or the sale
//     skips the quote) and cannot be changed once authorised;
//   - authorising an order allocates stock at the sale's location in the
//     shared ledger (Allocated grows by what is on hand and free) and
//     silently backorders the rest (BackorderQuantity), as Cin7 Core does;
//   - a pick needs an authorised order, a pack an authorised pick, a ship
//     an authorised pack (400 Error Model otherwise); authorising a pick
//     needs the units on hand; authorising the ship takes the packed units
//     out of the ledger (OnHand and the sale's allocation);
//   - every change recomputes the Combined* statuses, FulFilmentStatus and
//     Status, and stamps LastModifiedOn (the list's Updated).
//
// Lines of a pick, pack or ship PUT/POST replace the stage's lines when
// sent, keep them when left out, and delete them when sent as [] (the
// empty-collection rule of pitfall 29).

//go:embed demo/sales.json
var salesDemoJSON []byte

func init() {
	route(http.MethodGet, "saleList", getOnly((*Server).listSales))
	route(http.MethodGet, "sale", getOnly((*Server).getSale))
	route(http.MethodGet, "sale/order", getOnly((*Server).getSaleOrder))
	route(http.MethodPost, "sale/order", (*Server).postSaleOrder)
	route(http.MethodGet, "sale/fulfilment", getOnly((*Server).getSaleFulfilments))
	route(http.MethodPost, "sale/fulfilment", (*Server).postSaleFulfilment)
	route(http.MethodGet, "sale/fulfilment/pick", getOnly((*Server).getSalePick))
	route(http.MethodPost, "sale/fulfilment/pick", (*Server).writeSalePick)
	route(http.MethodPut, "sale/fulfilment/pick", (*Server).writeSalePick)
	route(http.MethodGet, "sale/fulfilment/pack", getOnly((*Server).getSalePack))
	route(http.MethodPost, "sale/fulfilment/pack", (*Server).writeSalePack)
	route(http.MethodPut, "sale/fulfilment/pack", (*Server).writeSalePack)
	route(http.MethodGet, "sale/fulfilment/ship", getOnly((*Server).getSaleShip))
	route(http.MethodPost, "sale/fulfilment/ship", (*Server).writeSaleShip)
	route(http.MethodPut, "sale/fulfilment/ship", (*Server).writeSaleShip)
	demoSeeders = append(demoSeeders, seedDemoSales)
}

// saleStore is the tenant's sales, guarded by Tenant.mu.
type saleStore struct {
	sales map[string]*fakeSale // by normalised sale ID
	tasks map[string]string    // normalised fulfilment task ID -> sale ID
	seq   int                  // last order number used
	// byNumber caches sorted's answer; checked (not re-sorted) while
	// no sale was added and the order still holds.
	byNumber []*fakeSale
}

// fakeSale is one stored sale with what the API does not show.
type fakeSale struct {
	sale       cin7core.Sale
	style      wireStyle
	created    time.Time
	locationID string // normalised ID of the sale's location
	allocs     []saleAlloc
}

// saleAlloc is stock the sale's authorised order holds in the ledger.
type saleAlloc struct {
	key StockKey
	qty decimal.Decimal
}

// salesLocked returns the tenant's sale store; t.mu must be held for
// writing.
func (t *Tenant) salesLocked() *saleStore {
	return extStore(t, "sales", func() *saleStore {
		return &saleStore{sales: map[string]*fakeSale{}, tasks: map[string]string{}}
	})
}

func saleErr(status int, format string, args ...any) *apiErr {
	return &apiErr{status: status, msg: fmt.Sprintf(format, args...)}
}

func (st *saleStore) find(id string) (*fakeSale, *apiErr) {
	if fs, ok := st.sales[cin7core.NormalizeID(id)]; ok {
		return fs, nil
	}
	return nil, saleErr(http.StatusNotFound, "Sale with ID %s not found.", id)
}

// task returns the sale and fulfilment of a task ID.
func (st *saleStore) task(taskID string) (*fakeSale, *cin7core.SaleFulfilment, *apiErr) {
	if strings.TrimSpace(taskID) == "" {
		return nil, nil, saleErr(http.StatusBadRequest, "TaskID is required.")
	}
	if sid, ok := st.tasks[cin7core.NormalizeID(taskID)]; ok {
		fs := st.sales[sid]
		if f := fs.sale.Fulfilment(taskID); f != nil {
			return fs, f, nil
		}
	}
	return nil, nil, saleErr(http.StatusNotFound, "Fulfilment task with ID %s not found.", taskID)
}

// ---- test helpers ----------------------------------------------------

// AddSale stores a new sale as a Cin7 user would enter it and returns it.
// An empty ID gets a new GUID; Location must name a location of the
// tenant; lines may give ProductID or SKU (Name and the other are
// filled in). Without SkipQuote the quote is DRAFT (unless given), else
// the order is DRAFT with the given order lines. The sale gets the next
// order number SO-nnnnn unless Order.SaleOrderNumber is set.
func (t *Tenant) AddSale(s cin7core.Sale) (cin7core.Sale, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, err := t.addSaleLocked(s, nil)
	if err != nil {
		return cin7core.Sale{}, err
	}
	return cloneSale(fs.sale), nil
}

// Sale returns a copy of the stored sale.
func (t *Tenant) Sale(id string) (cin7core.Sale, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, e := t.salesLocked().find(id)
	if e != nil {
		return cin7core.Sale{}, false
	}
	return cloneSale(fs.sale), true
}

// Sales returns copies of every sale, newest order number first (the
// list order).
func (t *Tenant) Sales() []cin7core.Sale {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []cin7core.Sale
	for _, fs := range t.salesLocked().sorted() {
		out = append(out, cloneSale(fs.sale))
	}
	return out
}

// AuthoriseSaleQuote authorises a sale's draft quote, as a user clicking
// Authorise on the quote tab.
func (t *Tenant) AuthoriseSaleQuote(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, e := t.salesLocked().find(id)
	if e != nil {
		return fmt.Errorf("cin7coretest: %s", e.msg)
	}
	q := fs.sale.Quote
	if q == nil || q.Status != cin7core.SaleTaskDraft {
		return fmt.Errorf("cin7coretest: the quote of sale %s is not a draft", id)
	}
	q.Status = cin7core.SaleTaskAuthorised
	t.touchSaleLocked(fs)
	return nil
}

// AuthoriseSaleOrder authorises a sale's order as a Cin7 user would: a
// draft quote is authorised first, an empty order takes the quote's
// lines, stock at the sale's location is allocated in the ledger and what
// is not on hand is backordered without an error (pitfall 30). The first
// fulfilment task is created for the pick.
func (t *Tenant) AuthoriseSaleOrder(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, e := t.salesLocked().find(id)
	if e != nil {
		return fmt.Errorf("cin7coretest: %s", e.msg)
	}
	if q := fs.sale.Quote; q != nil && q.Status == cin7core.SaleTaskDraft {
		q.Status = cin7core.SaleTaskAuthorised
	}
	if err := t.authoriseSaleOrderLocked(fs, ""); err != nil {
		return fmt.Errorf("cin7coretest: %s", err.msg)
	}
	t.touchSaleLocked(fs)
	return nil
}

// ---- sale bookkeeping ------------------------------------------------

func (t *Tenant) addSaleLocked(s cin7core.Sale, style wireStyle) (*fakeSale, error) {
	st := t.salesLocked()
	if s.ID == "" {
		s.ID = NewID()
	}
	if _, dup := st.sales[cin7core.NormalizeID(s.ID)]; dup {
		return nil, fmt.Errorf("cin7coretest: sale %s exists", s.ID)
	}
	loc, ok := t.saleLocationByName(s.Location)
	if !ok {
		return nil, fmt.Errorf("cin7coretest: sale location %q is not a location of the tenant", s.Location)
	}
	s = cloneSale(s)
	if s.Type == "" {
		s.Type = cin7core.SaleTypeSimple
	}
	if s.BaseCurrency == "" {
		s.BaseCurrency = "AUD"
	}
	if s.CustomerCurrency == "" {
		s.CustomerCurrency = s.BaseCurrency
	}
	if s.CurrencyRate.IsZero() {
		s.CurrencyRate = decimal.NewFromInt(1)
	}
	if s.CombinedPaymentStatus == "" {
		s.CombinedPaymentStatus = cin7core.SalePaymentUnpaid
	}
	if s.CustomerID == "" {
		s.CustomerID = NewID()
	}
	if s.SaleOrderDate.IsZero() {
		s.SaleOrderDate = cin7core.Time{Time: t.now().UTC().Truncate(24 * time.Hour)}
	}
	if s.Quote == nil {
		s.Quote = &cin7core.SaleQuote{Status: cin7core.SaleTaskNotAvailable}
		if !s.SkipQuote {
			s.Quote.Status = cin7core.SaleTaskDraft
		}
	}
	if s.Order == nil {
		s.Order = &cin7core.SaleOrder{Status: cin7core.SaleTaskNotAvailable}
	}
	if s.SkipQuote && s.Order.Status == cin7core.SaleTaskNotAvailable {
		s.Order.Status = cin7core.SaleTaskDraft
	}
	s.Order.SaleID = ""
	for _, lines := range [][]cin7core.SaleLine{s.Quote.Lines, s.Order.Lines} {
		for i := range lines {
			if err := t.fillSaleLine(&lines[i]); err != nil {
				return nil, fmt.Errorf("cin7coretest: %s", err.msg)
			}
		}
	}
	sumSaleLines(&s.Quote.TotalBeforeTax, &s.Quote.Tax, &s.Quote.Total, s.Quote.Lines, s.Quote.AdditionalCharges)
	sumSaleLines(&s.Order.TotalBeforeTax, &s.Order.Tax, &s.Order.Total, s.Order.Lines, s.Order.AdditionalCharges)
	if s.Order.SaleOrderNumber == "" {
		st.seq++
		s.Order.SaleOrderNumber = fmt.Sprintf("SO-%05d", st.seq)
	} else if n, err := strconv.Atoi(strings.TrimPrefix(s.Order.SaleOrderNumber, "SO-")); err == nil && n > st.seq {
		st.seq = n
	}
	s.Fulfilments = nil
	fs := &fakeSale{sale: s, style: style, created: t.now().UTC(), locationID: cin7core.NormalizeID(loc.ID)}
	st.sales[cin7core.NormalizeID(s.ID)] = fs
	t.touchSaleLocked(fs)
	return fs, nil
}

// touchSaleLocked recomputes the derived statuses and stamps the sale.
func (t *Tenant) touchSaleLocked(fs *fakeSale) {
	t.refreshSaleLocked(fs)
	fs.sale.LastModifiedOn = t.stamp(fs.sale.LastModifiedOn)
}

// fillSaleLine resolves a line's product by ID or SKU.
func (t *Tenant) fillSaleLine(l *cin7core.SaleLine) *apiErr {
	p, ok := t.saleProduct(l.ProductID, l.SKU)
	if !ok {
		return saleErr(http.StatusBadRequest, "Product %s not found.", saleFirst(l.ProductID, l.SKU))
	}
	if !l.Quantity.IsPositive() {
		return saleErr(http.StatusBadRequest, "Quantity of %s must be greater than zero.", p.SKU)
	}
	l.ProductID, l.SKU = p.ID, p.SKU
	if l.Name == "" {
		l.Name = p.Name
	}
	if l.AverageCost.IsZero() {
		l.AverageCost = p.AverageCost
	}
	if l.Total.IsZero() {
		hundred := decimal.NewFromInt(100)
		l.Total = l.Quantity.Mul(l.Price).Mul(hundred.Sub(l.Discount)).Div(hundred).Round(2)
	}
	return nil
}

func sumSaleLines(before, tax, total *decimal.Decimal, lines []cin7core.SaleLine, charges []cin7core.SaleAdditionalCharge) {
	var b, x decimal.Decimal
	for _, l := range lines {
		b, x = b.Add(l.Total), x.Add(l.Tax)
	}
	for _, c := range charges {
		b, x = b.Add(c.Total), x.Add(c.Tax)
	}
	*before, *tax, *total = b, x, b.Add(x)
}

func saleFirst(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func (t *Tenant) saleProduct(id, sku string) (cin7core.Product, bool) {
	if id != "" {
		if i, ok := t.products.find(id); ok {
			return t.products.rows[i].v, true
		}
		return cin7core.Product{}, false
	}
	for _, r := range t.products.rows {
		if sku != "" && strings.EqualFold(r.v.SKU, sku) {
			return r.v, true
		}
	}
	return cin7core.Product{}, false
}

func (t *Tenant) saleLocationByName(name string) (cin7core.Location, bool) {
	for _, r := range t.locations.rows {
		if r.v.ParentID == "" && strings.EqualFold(r.v.Name, strings.TrimSpace(name)) {
			return r.v, true
		}
	}
	return cin7core.Location{}, false
}

// saleStockPlace is where a stock line takes its units from.
type saleStockPlace struct {
	locationID string // the location (never the bin), normalised
	bin        string // bin name, "" for none
	display    string // "Location" or "Location: Bin"
	rowID      string // ID of the location or bin row named
}

// salePlace finds a line's location or bin by ID, or by name
// ("Location" or "Location: Bin").
func (t *Tenant) salePlace(id, name string) (saleStockPlace, bool) {
	if id != "" {
		i, ok := t.locations.find(id)
		if !ok {
			return saleStockPlace{}, false
		}
		row := t.locations.rows[i].v
		if row.ParentID == "" {
			return saleStockPlace{locationID: cin7core.NormalizeID(row.ID), display: row.Name, rowID: row.ID}, true
		}
		parent := row.ParentName
		if pi, ok := t.locations.find(row.ParentID); ok {
			parent = t.locations.rows[pi].v.Name
		}
		return saleStockPlace{locationID: cin7core.NormalizeID(row.ParentID), bin: row.Name, display: parent + ": " + row.Name, rowID: row.ID}, true
	}
	locName, binName, hasBin := strings.Cut(name, ":")
	loc, ok := t.saleLocationByName(locName)
	if !ok {
		return saleStockPlace{}, false
	}
	if !hasBin {
		return saleStockPlace{locationID: cin7core.NormalizeID(loc.ID), display: loc.Name, rowID: loc.ID}, true
	}
	for _, r := range t.locations.rows {
		if cin7core.SameID(r.v.ParentID, loc.ID) && strings.EqualFold(r.v.Name, strings.TrimSpace(binName)) {
			return saleStockPlace{locationID: cin7core.NormalizeID(loc.ID), bin: r.v.Name, display: loc.Name + ": " + r.v.Name, rowID: r.v.ID}, true
		}
	}
	return saleStockPlace{}, false
}

// saleStockKey is the ledger key of a resolved stock line.
func (t *Tenant) saleStockKey(l cin7core.SaleStockLine) (StockKey, bool) {
	pl, ok := t.salePlace(l.LocationID, l.Location)
	if !ok {
		return StockKey{}, false
	}
	return StockKey{ProductID: l.ProductID, LocationID: pl.locationID, Bin: pl.bin, Batch: l.BatchSN, Expiry: l.ExpiryDate.Time}.normalised(), true
}

// fillSaleStockLines validates and completes pick or pack lines.
func (t *Tenant) fillSaleStockLines(lines []cin7core.SaleStockLine) *apiErr {
	for i := range lines {
		l := &lines[i]
		p, ok := t.saleProduct(l.ProductID, l.SKU)
		if !ok {
			return saleErr(http.StatusBadRequest, "Product %s not found.", saleFirst(l.ProductID, l.SKU, "(none)"))
		}
		if !l.Quantity.IsPositive() {
			return saleErr(http.StatusBadRequest, "Quantity of %s must be greater than zero.", p.SKU)
		}
		pl, ok := t.salePlace(l.LocationID, l.Location)
		if !ok {
			return saleErr(http.StatusBadRequest, "Location %s not found.", saleFirst(l.LocationID, l.Location, "(none)"))
		}
		l.ProductID, l.SKU, l.Name = p.ID, p.SKU, p.Name
		l.Location, l.LocationID = pl.display, pl.rowID
		l.NonInventory = p.Type != cin7core.ProductTypeStock
	}
	return nil
}

// authoriseSaleOrderLocked authorises the order, allocates what is on
// hand at the sale's location, backorders the rest and opens the first
// fulfilment (taskID, or a new one).
func (t *Tenant) authoriseSaleOrderLocked(fs *fakeSale, taskID string) *apiErr {
	s := &fs.sale
	if q := s.Quote; !bool(s.SkipQuote) && (q == nil || q.Status != cin7core.SaleTaskAuthorised) {
		return saleErr(http.StatusBadRequest, "Quote must be authorised before the order.")
	}
	o := s.Order
	if o.Status.IsAuthorised() {
		return saleErr(http.StatusBadRequest, "Sale order %s is already authorised.", o.SaleOrderNumber)
	}
	if len(o.Lines) == 0 && s.Quote != nil {
		o.Lines = slices.Clone(s.Quote.Lines)
		o.AdditionalCharges = slices.Clone(s.Quote.AdditionalCharges)
		sumSaleLines(&o.TotalBeforeTax, &o.Tax, &o.Total, o.Lines, o.AdditionalCharges)
	}
	if len(o.Lines) == 0 {
		return saleErr(http.StatusBadRequest, "Sale order has no lines.")
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		l.Backorder, l.BackorderQuantity = false, decimal.Zero
		p, ok := t.saleProduct(l.ProductID, l.SKU)
		if !ok || p.Type != cin7core.ProductTypeStock || bool(l.DropShip) {
			continue
		}
		need := l.Quantity
		for _, e := range t.stockOfProductLocked(p.ID) {
			if need.IsZero() {
				break
			}
			if !cin7core.SameID(e.Key.ProductID, p.ID) || e.Key.LocationID != fs.locationID {
				continue
			}
			free := e.Level.OnHand.Sub(e.Level.Allocated)
			if !free.IsPositive() {
				continue
			}
			take := decimal.Min(free, need)
			t.adjustStockLocked(e.Key, func(sl *StockLevel) { sl.Allocated = sl.Allocated.Add(take) })
			fs.allocs = append(fs.allocs, saleAlloc{key: e.Key, qty: take})
			need = need.Sub(take)
		}
		if need.IsPositive() {
			l.Backorder, l.BackorderQuantity = true, need
		}
	}
	o.Status = cin7core.SaleTaskAuthorised
	t.newSaleFulfilmentLocked(fs, taskID)
	return nil
}

// newSaleFulfilmentLocked opens a fulfilment task: a draft pick without
// lines, pack and ship not available yet.
func (t *Tenant) newSaleFulfilmentLocked(fs *fakeSale, taskID string) *cin7core.SaleFulfilment {
	if taskID == "" {
		taskID = NewID()
	}
	s := &fs.sale
	f := cin7core.SaleFulfilment{
		TaskID:            taskID,
		FulfillmentNumber: cin7core.Int(len(s.Fulfilments) + 1),
		FulFilmentStatus:  cin7core.SaleFulfilmentNotFulfilled,
		Pick:              &cin7core.SalePick{Status: cin7core.SaleTaskDraft, Lines: []cin7core.SaleStockLine{}},
		Pack:              &cin7core.SalePack{Status: cin7core.SaleTaskNotAvailable, Lines: []cin7core.SaleStockLine{}},
		Ship: &cin7core.SaleShip{Status: cin7core.SaleTaskNotAvailable, RequireBy: s.ShipBy, ShippingAddress: s.ShippingAddress,
			ShippingNotes: s.ShippingNotes, Lines: []cin7core.SaleShipLine{}},
	}
	s.Fulfilments = append(s.Fulfilments, f)
	t.salesLocked().tasks[cin7core.NormalizeID(taskID)] = cin7core.NormalizeID(s.ID)
	return &s.Fulfilments[len(s.Fulfilments)-1]
}

// refreshSaleLocked recomputes the statuses derived from the stages.
func (t *Tenant) refreshSaleLocked(fs *fakeSale) {
	s := &fs.sale
	var ordered, picked, packed, shipped decimal.Decimal
	var picking, packing, shipping bool
	var tracking []string
	for _, l := range s.Order.Lines {
		if !bool(l.DropShip) {
			ordered = ordered.Add(l.Quantity)
		}
	}
	for i := range s.Fulfilments {
		f := &s.Fulfilments[i]
		pk, pc := sumSaleStock(f.Pick.Lines), sumSaleStock(f.Pack.Lines)
		switch {
		case f.Pick.Status == cin7core.SaleTaskAuthorised:
			picked = picked.Add(pk)
		case len(f.Pick.Lines) > 0:
			picking = true
		}
		switch {
		case f.Pack.Status == cin7core.SaleTaskAuthorised:
			packed = packed.Add(pc)
		case len(f.Pack.Lines) > 0:
			packing = true
		}
		f.FulFilmentStatus = cin7core.SaleFulfilmentNotFulfilled
		switch {
		case f.Ship.Status == cin7core.SaleTaskAuthorised:
			shipped = shipped.Add(pc)
			f.FulFilmentStatus = cin7core.SaleFulfilmentFulfilled
		case len(f.Ship.Lines) > 0:
			shipping = true
		}
		for _, l := range f.Ship.Lines {
			if l.TrackingNumber != "" {
				tracking = append(tracking, l.TrackingNumber)
			}
		}
	}
	s.CombinedTrackingNumbers = strings.Join(tracking, ", ")
	o := s.Order
	switch {
	case !o.Status.IsAuthorised():
		s.CombinedPickingStatus = cin7core.SalePickingNotAvailable
		s.CombinedPackingStatus = cin7core.SalePackingNotAvailable
		s.CombinedShippingStatus = cin7core.SaleShippingNotAvailable
		s.FulFilmentStatus = cin7core.SaleFulfilmentNotAvailable
		s.CombinedInvoiceStatus = cin7core.SaleInvoiceNotAvailable
	default:
		s.CombinedPickingStatus = cin7core.SalePickingStatus(saleStageStatus(picked, ordered, picking, "PICK"))
		s.CombinedPackingStatus = cin7core.SalePackingStatus(saleStageStatus(packed, ordered, packing, "PACK"))
		s.CombinedShippingStatus = cin7core.SaleShippingStatus(saleStageStatus(shipped, ordered, shipping, "SHIPP"))
		s.FulFilmentStatus = cin7core.SaleFulfilmentNotFulfilled
		if shipped.IsPositive() {
			s.FulFilmentStatus = cin7core.SaleFulfilmentPartiallyFulfilled
			if shipped.GreaterThanOrEqual(ordered) {
				s.FulFilmentStatus = cin7core.SaleFulfilmentFulfilled
			}
		}
		if s.CombinedInvoiceStatus == "" || s.CombinedInvoiceStatus == cin7core.SaleInvoiceNotAvailable {
			s.CombinedInvoiceStatus = cin7core.SaleInvoiceNotInvoiced
		}
	}
	s.Status = saleStatusOf(s)
}

// saleStageStatus names a combined stage status: done is what the authorised
// tasks hold, want the ordered quantity; verb is PICK, PACK or SHIPP.
func saleStageStatus(done, want decimal.Decimal, inProgress bool, verb string) string {
	switch {
	case inProgress:
		return verb + "ING"
	case done.IsPositive() && done.GreaterThanOrEqual(want):
		return verb + "ED"
	case done.IsPositive():
		return "PARTIALLY " + verb + "ED"
	}
	return "NOT " + verb + "ED"
}

func sumSaleStock(lines []cin7core.SaleStockLine) decimal.Decimal {
	var sum decimal.Decimal
	for _, l := range lines {
		sum = sum.Add(l.Quantity)
	}
	return sum
}

// saleStatusOf derives the sale status. Simple sales show the fulfilment
// stage (there is no SHIPPED sale status: a shipped simple sale stays
// SHIPPING until invoiced); advanced sales stay ORDERED or BACKORDERED.
func saleStatusOf(s *cin7core.Sale) cin7core.SaleStatus {
	if s.Status == cin7core.SaleStatusVoided {
		return s.Status
	}
	o, q := s.Order, s.Quote
	switch {
	case o.Status.IsAuthorised():
	case o.Status == cin7core.SaleTaskDraft:
		return cin7core.SaleStatusOrdering
	case q != nil && q.Status == cin7core.SaleTaskAuthorised:
		return cin7core.SaleStatusEstimated
	case q != nil && q.Status == cin7core.SaleTaskDraft && len(q.Lines) > 0:
		return cin7core.SaleStatusEstimating
	default:
		return cin7core.SaleStatusDraft
	}
	base := cin7core.SaleStatusOrdered
	if o.Backordered().IsPositive() {
		base = cin7core.SaleStatusBackordered
	}
	if s.Type != cin7core.SaleTypeSimple {
		return base
	}
	switch {
	case s.CombinedShippingStatus != cin7core.SaleShippingNotShipped:
		return cin7core.SaleStatusShipping
	case s.CombinedPackingStatus == cin7core.SalePackingPacked:
		return cin7core.SaleStatusPacked
	case s.CombinedPackingStatus != cin7core.SalePackingNotPacked:
		return cin7core.SaleStatusPacking
	case s.CombinedPickingStatus == cin7core.SalePickingPicked:
		return cin7core.SaleStatusPicked
	case s.CombinedPickingStatus != cin7core.SalePickingNotPicked:
		return cin7core.SaleStatusPicking
	}
	return base
}

// listItem is the sale's saleList row.
func (fs *fakeSale) listItem() cin7core.SaleListItem {
	s := &fs.sale
	r := cin7core.SaleListItem{
		SaleID: s.ID, OrderNumber: s.Order.SaleOrderNumber, Status: s.Status, OrderDate: s.SaleOrderDate,
		Customer: s.Customer, CustomerID: s.CustomerID, CustomerReference: s.CustomerReference, ShipBy: s.ShipBy,
		BaseCurrency: s.BaseCurrency, CustomerCurrency: s.CustomerCurrency, Updated: s.LastModifiedOn,
		QuoteStatus: s.Quote.Status, OrderStatus: s.Order.Status,
		CombinedPickingStatus: s.CombinedPickingStatus, CombinedPackingStatus: s.CombinedPackingStatus,
		CombinedShippingStatus: s.CombinedShippingStatus, CombinedInvoiceStatus: s.CombinedInvoiceStatus,
		CombinedPaymentStatus: s.CombinedPaymentStatus, CombinedTrackingNumbers: s.CombinedTrackingNumbers,
		CreditNoteStatus: cin7core.SaleTaskNotAvailable, FulFilmentStatus: s.FulFilmentStatus, Type: s.Type,
		SourceChannel: s.SourceChannel, ExternalID: s.ExternalID, OrderLocationID: fs.locationID,
	}
	if len(s.Invoices) > 0 {
		inv := s.Invoices[0]
		r.InvoiceNumber, r.InvoiceDate, r.InvoiceDueDate, r.InvoiceAmount, r.PaidAmount = inv.InvoiceNumber, inv.InvoiceDate, inv.InvoiceDueDate, inv.Total, inv.Paid
	}
	return r
}

// sorted returns the sales by order number, newest first, then ID. The
// caller holds the tenant's lock for writing and must not modify the
// slice.
func (st *saleStore) sorted() []*fakeSale {
	cmp := func(a, b *fakeSale) int {
		if c := strings.Compare(b.sale.Order.SaleOrderNumber, a.sale.Order.SaleOrderNumber); c != 0 {
			return c
		}
		return strings.Compare(cin7core.NormalizeID(a.sale.ID), cin7core.NormalizeID(b.sale.ID))
	}
	if len(st.byNumber) == len(st.sales) && slices.IsSortedFunc(st.byNumber, cmp) {
		return st.byNumber
	}
	out := make([]*fakeSale, 0, len(st.sales))
	for _, fs := range st.sales {
		out = append(out, fs)
	}
	slices.SortFunc(out, cmp)
	st.byNumber = out
	return out
}

// cloneSale copies the parts of a sale the fake changes in place.
func cloneSale(s cin7core.Sale) cin7core.Sale {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("cin7coretest: cannot copy sale: %v", err))
	}
	var out cin7core.Sale
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("cin7coretest: cannot copy sale: %v", err))
	}
	// Keep empty-but-present task lines as the API shows them ([]).
	for i := range out.Fulfilments {
		f := &out.Fulfilments[i]
		if f.Pick != nil && f.Pick.Lines == nil {
			f.Pick.Lines = []cin7core.SaleStockLine{}
		}
		if f.Pack != nil && f.Pack.Lines == nil {
			f.Pack.Lines = []cin7core.SaleStockLine{}
		}
		if f.Ship != nil && f.Ship.Lines == nil {
			f.Ship.Lines = []cin7core.SaleShipLine{}
		}
	}
	return out
}

// ---- handlers --------------------------------------------------------

// saleTimeParam reads a date filter (yyyy-MM-ddTHH:mm:ss[.fff], UTC).
func saleTimeParam(q params, name string) (time.Time, bool, *apiErr) {
	v := strings.TrimSpace(q.get(name))
	if v == "" {
		return time.Time{}, false, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, saleErr(http.StatusBadRequest, "%s must be a date in the format yyyy-MM-ddTHH:mm:ss.", name)
}

// listSales serves GET saleList: Search (order, invoice and credit note
// number, customer, customer reference, status, external ID; containing,
// ignoring case), CreatedSince, UpdatedSince (row Updated at or after
// it), ShipBy (ShipBy on or before it), the stage and combined status
// filters (CombinedPickStatus and CombinedPackStatus for the fields
// CombinedPickingStatus and CombinedPackingStatus), ExternalID, Status,
// ReadyForShipping (packed, not yet shipped) and OrderLocationID. Newest
// order number first.
func (s *Server) listSales(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	times := map[string]time.Time{}
	for _, name := range []string{"CreatedSince", "UpdatedSince", "ShipBy"} {
		v, set, e := saleTimeParam(q, name)
		if e != nil {
			return nil, e
		}
		if set {
			times[name] = v
		}
	}
	ready, readySet, e := q.boolean("ReadyForShipping")
	if e != nil {
		return nil, e
	}
	eq := map[string]func(*cin7core.SaleListItem) string{
		"QuoteStatus":            func(r *cin7core.SaleListItem) string { return string(r.QuoteStatus) },
		"OrderStatus":            func(r *cin7core.SaleListItem) string { return string(r.OrderStatus) },
		"CombinedPickStatus":     func(r *cin7core.SaleListItem) string { return string(r.CombinedPickingStatus) },
		"CombinedPackStatus":     func(r *cin7core.SaleListItem) string { return string(r.CombinedPackingStatus) },
		"CombinedShippingStatus": func(r *cin7core.SaleListItem) string { return string(r.CombinedShippingStatus) },
		"CombinedInvoiceStatus":  func(r *cin7core.SaleListItem) string { return string(r.CombinedInvoiceStatus) },
		"CreditNoteStatus":       func(r *cin7core.SaleListItem) string { return string(r.CreditNoteStatus) },
		"ExternalID":             func(r *cin7core.SaleListItem) string { return r.ExternalID },
		"Status":                 func(r *cin7core.SaleListItem) string { return string(r.Status) },
		"OrderLocationID":        func(r *cin7core.SaleListItem) string { return r.OrderLocationID },
	}
	search := strings.TrimSpace(q.get("Search"))
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	var rows []json.RawMessage
	for _, fs := range t.salesLocked().sorted() {
		r := fs.listItem()
		if v, ok := times["UpdatedSince"]; ok && (r.Updated.IsZero() || r.Updated.Time.Before(v)) {
			continue
		}
		if v, ok := times["CreatedSince"]; ok && fs.created.Before(v) {
			continue
		}
		if v, ok := times["ShipBy"]; ok && (r.ShipBy.IsZero() || r.ShipBy.Time.After(v)) {
			continue
		}
		keep := true
		for name, field := range eq {
			if want := strings.TrimSpace(q.get(name)); want != "" && !strings.EqualFold(field(&r), want) {
				keep = false
				break
			}
		}
		if !keep {
			continue
		}
		if readySet {
			isReady := (r.CombinedPackingStatus == cin7core.SalePackingPacked || r.CombinedPackingStatus == cin7core.SalePackingPartiallyPacked) &&
				r.CombinedShippingStatus != cin7core.SaleShippingShipped
			if isReady != ready {
				continue
			}
		}
		if search != "" && !saleContainsAny(search, r.OrderNumber, r.InvoiceNumber, r.CreditNoteNumber, r.Customer, r.CustomerReference, string(r.Status), r.ExternalID) {
			continue
		}
		raw, err := render(r, nil)
		if err != nil {
			return nil, saleErr(http.StatusInternalServerError, "%v", err)
		}
		rows = append(rows, raw)
	}
	return envelope("SaleList", rows, page, limit), nil
}

func saleContainsAny(sub string, fields ...string) bool {
	for _, f := range fields {
		if containsFold(f, sub) {
			return true
		}
	}
	return false
}

func (s *Server) getSale(q params) ([]byte, *apiErr) {
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, e := t.salesLocked().find(q.get("ID"))
	if e != nil {
		return nil, e
	}
	return renderSale(fs.sale, fs.style)
}

func renderSale(v any, st wireStyle) ([]byte, *apiErr) {
	b, err := render(v, st)
	if err != nil {
		return nil, saleErr(http.StatusInternalServerError, "%v", err)
	}
	return b, nil
}

func (s *Server) getSaleOrder(q params) ([]byte, *apiErr) {
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, e := t.salesLocked().find(q.get("SaleID"))
	if e != nil {
		return nil, e
	}
	return renderSale(saleOrderOf(fs), nil)
}

func saleOrderOf(fs *fakeSale) cin7core.SaleOrder {
	o := *cloneSale(fs.sale).Order
	o.SaleID = fs.sale.ID
	return o
}

// postSaleOrder serves POST sale/order: the quote must be authorised (or
// skipped), an authorised order cannot be changed, Status must be DRAFT or
// AUTHORISED and lines must name known products with positive
// quantities. AUTHORISED allocates and backorders (see
// AuthoriseSaleOrder).
func (s *Server) postSaleOrder(r *request) ([]byte, *apiErr) {
	var in cin7core.SaleOrder
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	if in.Status != cin7core.SaleTaskDraft && in.Status != cin7core.SaleTaskAuthorised {
		return nil, saleErr(http.StatusBadRequest, "Status must be DRAFT or AUTHORISED.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, e := t.salesLocked().find(in.SaleID)
	if e != nil {
		return nil, e
	}
	sale := &fs.sale
	if q := sale.Quote; !bool(sale.SkipQuote) && (q == nil || q.Status != cin7core.SaleTaskAuthorised) {
		return nil, saleErr(http.StatusBadRequest, "Quote must be authorised before the order.")
	}
	if sale.Order.Status.IsAuthorised() {
		return nil, saleErr(http.StatusBadRequest, "Sale order %s is already authorised.", sale.Order.SaleOrderNumber)
	}
	lines := slices.Clone(in.Lines)
	for i := range lines {
		if e := t.fillSaleLine(&lines[i]); e != nil {
			return nil, e
		}
	}
	o := sale.Order
	o.Memo, o.Lines, o.AdditionalCharges = in.Memo, lines, slices.Clone(in.AdditionalCharges)
	sumSaleLines(&o.TotalBeforeTax, &o.Tax, &o.Total, o.Lines, o.AdditionalCharges)
	o.Status = cin7core.SaleTaskDraft
	if in.Status == cin7core.SaleTaskAuthorised {
		if e := t.authoriseSaleOrderLocked(fs, ""); e != nil {
			return nil, e
		}
	}
	t.touchSaleLocked(fs)
	return renderSale(saleOrderOf(fs), nil)
}

func saleFulfilmentsOf(fs *fakeSale) cin7core.SaleFulfilments {
	c := cloneSale(fs.sale)
	out := cin7core.SaleFulfilments{SaleID: fs.sale.ID, Fulfilments: c.Fulfilments}
	if out.Fulfilments == nil {
		out.Fulfilments = []cin7core.SaleFulfilment{}
	}
	return out
}

func (s *Server) getSaleFulfilments(q params) ([]byte, *apiErr) {
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, e := t.salesLocked().find(q.get("SaleID"))
	if e != nil {
		return nil, e
	}
	return renderSale(saleFulfilmentsOf(fs), nil)
}

// postSaleFulfilment serves POST sale/fulfilment: a new fulfilment task
// for a sale whose order is authorised; the sale becomes advanced.
func (s *Server) postSaleFulfilment(r *request) ([]byte, *apiErr) {
	var in struct{ SaleID string }
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, e := t.salesLocked().find(in.SaleID)
	if e != nil {
		return nil, e
	}
	if !fs.sale.Order.Status.IsAuthorised() {
		return nil, saleErr(http.StatusBadRequest, "Sale order must be authorised before it can be fulfilled.")
	}
	t.newSaleFulfilmentLocked(fs, "")
	fs.sale.Type = cin7core.SaleTypeAdvanced
	t.touchSaleLocked(fs)
	return renderSale(saleFulfilmentsOf(fs), nil)
}

func (s *Server) getSalePick(q params) ([]byte, *apiErr) {
	return s.getSaleTask(q, func(f *cin7core.SaleFulfilment) any { p := *f.Pick; p.TaskID = f.TaskID; return p })
}

func (s *Server) getSalePack(q params) ([]byte, *apiErr) {
	return s.getSaleTask(q, func(f *cin7core.SaleFulfilment) any { p := *f.Pack; p.TaskID = f.TaskID; return p })
}

func (s *Server) getSaleShip(q params) ([]byte, *apiErr) {
	return s.getSaleTask(q, func(f *cin7core.SaleFulfilment) any { p := *f.Ship; p.TaskID = f.TaskID; return p })
}

func (s *Server) getSaleTask(q params, view func(*cin7core.SaleFulfilment) any) ([]byte, *apiErr) {
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	_, f, e := t.salesLocked().task(q.get("TaskID"))
	if e != nil {
		return nil, e
	}
	return renderSale(view(f), nil)
}

// saleTaskLines tells whether a request body sent Lines and, if so, what.
type saleTaskLines struct {
	Lines *[]cin7core.SaleStockLine `json:"Lines"`
}

// writeSalePick serves POST and PUT sale/fulfilment/pick.
func (s *Server) writeSalePick(r *request) ([]byte, *apiErr) {
	var in cin7core.SalePick
	var lines saleTaskLines
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	_ = json.Unmarshal(r.body, &lines)
	if in.Status != cin7core.SaleTaskDraft && in.Status != cin7core.SaleTaskAuthorised {
		return nil, saleErr(http.StatusBadRequest, "Status must be DRAFT or AUTHORISED.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, f, e := t.salesLocked().task(in.TaskID)
	if e != nil {
		return nil, e
	}
	if !fs.sale.Order.Status.IsAuthorised() {
		return nil, saleErr(http.StatusBadRequest, "Sale order must be authorised before picking.")
	}
	if f.Pick.Status == cin7core.SaleTaskAuthorised {
		return nil, saleErr(http.StatusBadRequest, "Pick is already authorised.")
	}
	next := slices.Clone(f.Pick.Lines)
	switch {
	case in.AutoPickMode == cin7core.AutoPick:
		next = t.saleAutoPickLines(fs, f)
	case in.AutoPickMode != "":
		return nil, saleErr(http.StatusBadRequest, "AutoPickMode must be AUTOPICK.")
	case lines.Lines != nil:
		next = slices.Clone(*lines.Lines)
		if e := t.fillSaleStockLines(next); e != nil {
			return nil, e
		}
	}
	if in.Status == cin7core.SaleTaskAuthorised {
		if len(next) == 0 {
			return nil, saleErr(http.StatusBadRequest, "Pick has no lines to authorise.")
		}
		if e := t.saleCheckOnHand(next); e != nil {
			return nil, e
		}
	}
	f.Pick.Lines, f.Pick.Status = saleNonNilLines(next), in.Status
	if in.Status == cin7core.SaleTaskAuthorised {
		f.Pack.Status = cin7core.SaleTaskDraft
	}
	t.touchSaleLocked(fs)
	out := *f.Pick
	out.TaskID = f.TaskID
	return renderSale(out, nil)
}

func saleNonNilLines(l []cin7core.SaleStockLine) []cin7core.SaleStockLine {
	if l == nil {
		return []cin7core.SaleStockLine{}
	}
	return l
}

// saleAutoPickLines picks what the sale's allocation holds, less what other
// fulfilments already pick, then what else is free at the location.
func (t *Tenant) saleAutoPickLines(fs *fakeSale, self *cin7core.SaleFulfilment) []cin7core.SaleStockLine {
	taken := map[string]decimal.Decimal{} // product -> already picked elsewhere
	for _, f := range fs.sale.Fulfilments {
		if f.TaskID == self.TaskID {
			continue
		}
		for _, l := range f.Pick.Lines {
			taken[cin7core.NormalizeID(l.ProductID)] = taken[cin7core.NormalizeID(l.ProductID)].Add(l.Quantity)
		}
	}
	var out []cin7core.SaleStockLine
	for _, ol := range fs.sale.Order.Lines {
		pid := cin7core.NormalizeID(ol.ProductID)
		need := ol.Quantity.Sub(ol.BackorderQuantity).Sub(taken[pid])
		for _, a := range fs.allocs {
			if !need.IsPositive() {
				break
			}
			if a.key.ProductID != pid {
				continue
			}
			q := decimal.Min(a.qty, need)
			need = need.Sub(q)
			line := cin7core.SaleStockLine{ProductID: ol.ProductID, LocationID: a.key.LocationID, Quantity: q,
				BatchSN: a.key.Batch, ExpiryDate: cin7core.Time{Time: a.key.Expiry}}
			if a.key.Bin != "" {
				for _, r := range t.locations.rows {
					if cin7core.SameID(r.v.ParentID, a.key.LocationID) && r.v.Name == a.key.Bin {
						line.LocationID = r.v.ID
					}
				}
			}
			out = append(out, line)
		}
	}
	_ = t.fillSaleStockLines(out) // built from known products and places
	return out
}

// saleCheckOnHand refuses lines that take more than the ledger holds.
func (t *Tenant) saleCheckOnHand(lines []cin7core.SaleStockLine) *apiErr {
	need := map[StockKey]decimal.Decimal{}
	for _, l := range lines {
		if l.NonInventory {
			continue
		}
		k, ok := t.saleStockKey(l)
		if !ok {
			return saleErr(http.StatusBadRequest, "Location %s not found.", l.Location)
		}
		need[k] = need[k].Add(l.Quantity)
	}
	for k, q := range need {
		lvl := t.stock[k]
		if lvl == nil || lvl.OnHand.LessThan(q) {
			have := decimal.Zero
			if lvl != nil {
				have = lvl.OnHand
			}
			return saleErr(http.StatusBadRequest, "Not enough stock of %s at %s (batch %q): %s on hand, %s needed.",
				k.ProductID, k.LocationID, k.Batch, have.String(), q.String())
		}
	}
	return nil
}

// writeSalePack serves POST and PUT sale/fulfilment/pack: the pick must
// be authorised and the pack may not hold more of a product than picked.
func (s *Server) writeSalePack(r *request) ([]byte, *apiErr) {
	var in cin7core.SalePack
	var lines saleTaskLines
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	_ = json.Unmarshal(r.body, &lines)
	if in.Status != cin7core.SaleTaskDraft && in.Status != cin7core.SaleTaskAuthorised {
		return nil, saleErr(http.StatusBadRequest, "Status must be DRAFT or AUTHORISED.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, f, e := t.salesLocked().task(in.TaskID)
	if e != nil {
		return nil, e
	}
	if f.Pick.Status != cin7core.SaleTaskAuthorised {
		return nil, saleErr(http.StatusBadRequest, "Pick must be authorised before packing.")
	}
	if f.Pack.Status == cin7core.SaleTaskAuthorised {
		return nil, saleErr(http.StatusBadRequest, "Pack is already authorised.")
	}
	next := slices.Clone(f.Pack.Lines)
	if lines.Lines != nil {
		next = slices.Clone(*lines.Lines)
		if e := t.fillSaleStockLines(next); e != nil {
			return nil, e
		}
	}
	picked := map[string]decimal.Decimal{}
	for _, l := range f.Pick.Lines {
		picked[cin7core.NormalizeID(l.ProductID)] = picked[cin7core.NormalizeID(l.ProductID)].Add(l.Quantity)
	}
	packed := map[string]decimal.Decimal{}
	for _, l := range next {
		id := cin7core.NormalizeID(l.ProductID)
		packed[id] = packed[id].Add(l.Quantity)
		if packed[id].GreaterThan(picked[id]) {
			return nil, saleErr(http.StatusBadRequest, "Packed quantity of %s exceeds the picked quantity.", l.SKU)
		}
	}
	if in.Status == cin7core.SaleTaskAuthorised && len(next) == 0 {
		return nil, saleErr(http.StatusBadRequest, "Pack has no lines to authorise.")
	}
	f.Pack.Lines, f.Pack.Status = saleNonNilLines(next), in.Status
	if in.Status == cin7core.SaleTaskAuthorised {
		f.Ship.Status = cin7core.SaleTaskDraft
	}
	t.touchSaleLocked(fs)
	out := *f.Pack
	out.TaskID = f.TaskID
	return renderSale(out, nil)
}

// writeSaleShip serves POST and PUT sale/fulfilment/ship: the pack must be
// authorised; authorising the ship takes the packed units out of the
// ledger. A PUT with AddTrackingNumbers updates the carrier and tracking
// numbers of an authorised ship.
func (s *Server) writeSaleShip(r *request) ([]byte, *apiErr) {
	var in cin7core.SaleShipRequest
	var raw struct {
		Lines *[]cin7core.SaleShipRequestLine `json:"Lines"`
	}
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	_ = json.Unmarshal(r.body, &raw)
	if in.Status != cin7core.SaleTaskDraft && in.Status != cin7core.SaleTaskAuthorised {
		return nil, saleErr(http.StatusBadRequest, "Status must be DRAFT or AUTHORISED.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	fs, f, e := t.salesLocked().task(in.TaskID)
	if e != nil {
		return nil, e
	}
	if f.Pack.Status != cin7core.SaleTaskAuthorised {
		return nil, saleErr(http.StatusBadRequest, "Pack must be authorised before shipping.")
	}
	sh := f.Ship
	if sh.Status == cin7core.SaleTaskAuthorised {
		if r.method != http.MethodPut || !bool(in.AddTrackingNumbers) {
			return nil, saleErr(http.StatusBadRequest, "Ship is already authorised; use PUT with AddTrackingNumbers to change tracking numbers.")
		}
		if raw.Lines != nil {
			for _, l := range *raw.Lines {
				i := slices.IndexFunc(sh.Lines, func(x cin7core.SaleShipLine) bool { return l.ID != "" && cin7core.SameID(x.ID, l.ID) })
				if i < 0 {
					sh.Lines = append(sh.Lines, saleShipLineOf(l))
					continue
				}
				upd := saleShipLineOf(l)
				sh.Lines[i].TrackingNumber, sh.Lines[i].TrackingURL = upd.TrackingNumber, upd.TrackingURL
				sh.Lines[i].Carrier = saleFirst(l.Carrier, sh.Lines[i].Carrier)
			}
		}
		t.touchSaleLocked(fs)
		return renderSaleShip(f)
	}
	next := slices.Clone(sh.Lines)
	if raw.Lines != nil {
		next = make([]cin7core.SaleShipLine, 0, len(*raw.Lines))
		for _, l := range *raw.Lines {
			next = append(next, saleShipLineOf(l))
		}
	}
	if in.Status == cin7core.SaleTaskAuthorised {
		if len(next) == 0 {
			return nil, saleErr(http.StatusBadRequest, "Ship has no lines to authorise.")
		}
		if e := t.saleCheckOnHand(f.Pack.Lines); e != nil {
			return nil, e
		}
		t.shipSaleStockLocked(fs, f.Pack.Lines)
	}
	sh.Lines, sh.Status = next, in.Status
	if !in.RequireBy.IsZero() {
		sh.RequireBy = in.RequireBy
	}
	if in.ShippingAddress != nil {
		sh.ShippingAddress = in.ShippingAddress
	}
	if in.ShippingNotes != "" {
		sh.ShippingNotes = in.ShippingNotes
	}
	t.touchSaleLocked(fs)
	return renderSaleShip(f)
}

func renderSaleShip(f *cin7core.SaleFulfilment) ([]byte, *apiErr) {
	out := *f.Ship
	out.TaskID = f.TaskID
	if out.Lines == nil {
		out.Lines = []cin7core.SaleShipLine{}
	}
	return renderSale(out, nil)
}

func saleShipLineOf(l cin7core.SaleShipRequestLine) cin7core.SaleShipLine {
	id := l.ID
	if id == "" {
		id = NewID()
	}
	out := cin7core.SaleShipLine{ID: id, ShipmentDate: l.ShipmentDate, Carrier: l.Carrier, Boxes: l.Box,
		TrackingNumber: l.TrackingNumber, IsShipped: l.IsShipped}
	if l.TrackingNumber != "" {
		out.TrackingURL = "https://tracking.example/" + l.TrackingNumber
	}
	return out
}

// shipSaleStockLocked takes shipped units out of the ledger: OnHand at each
// packed line's key, and as much of the sale's allocation of the product
// (where it was made).
func (t *Tenant) shipSaleStockLocked(fs *fakeSale, lines []cin7core.SaleStockLine) {
	for _, l := range lines {
		if l.NonInventory {
			continue
		}
		k, ok := t.saleStockKey(l)
		if !ok {
			continue
		}
		q := l.Quantity
		t.adjustStockLocked(k, func(sl *StockLevel) { sl.OnHand = sl.OnHand.Sub(q) })
		release := q
		pid := cin7core.NormalizeID(l.ProductID)
		// Release the allocation at the shipped key first, then elsewhere.
		order := make([]int, 0, len(fs.allocs))
		for i, a := range fs.allocs {
			if a.key == k {
				order = append([]int{i}, order...)
			} else if a.key.ProductID == pid {
				order = append(order, i)
			}
		}
		for _, i := range order {
			if !release.IsPositive() {
				break
			}
			a := &fs.allocs[i]
			r := decimal.Min(a.qty, release)
			a.qty, release = a.qty.Sub(r), release.Sub(r)
			t.adjustStockLocked(a.key, func(sl *StockLevel) { sl.Allocated = sl.Allocated.Sub(r) })
		}
		fs.allocs = slices.DeleteFunc(fs.allocs, func(a saleAlloc) bool { return !a.qty.IsPositive() })
	}
}

// ---- demo ------------------------------------------------------------

// saleDemo is one sale of demo/sales.json: the sale as entered, how far
// it has gone (Stage: "quote", "order" or "picked"), the first
// fulfilment's TaskID, the pick lines authorised for "picked", and stock
// seeded for it when that ledger key (product, location, bin, batch) has
// none on hand yet (another seeder may have stocked it already).
type saleDemo struct {
	Stage  string                   `json:"Stage"`
	TaskID string                   `json:"TaskID"`
	Pick   []cin7core.SaleStockLine `json:"Pick"`
	Stock  []struct {
		ProductID  string          `json:"ProductID"`
		LocationID string          `json:"LocationID"`
		Bin        string          `json:"Bin"`
		Batch      string          `json:"Batch"`
		OnHand     decimal.Decimal `json:"OnHand"`
		UnitCost   decimal.Decimal `json:"UnitCost"`
	} `json:"Stock"`
	Sale json.RawMessage `json:"Sale"`
}

var saleModelType = reflect.TypeOf(cin7core.Sale{})

// seedDemoSales adds the demo sales: a draft quote, an authorised order
// with stock allocated and one partly picked.
func seedDemoSales(t *Tenant) {
	var file struct {
		Sales []saleDemo `json:"Sales"`
	}
	if err := json.Unmarshal(salesDemoJSON, &file); err != nil {
		panic(fmt.Sprintf("cin7coretest: demo/sales.json: %v", err))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range file.Sales {
		var s cin7core.Sale
		if err := json.Unmarshal(d.Sale, &s); err != nil {
			panic(fmt.Sprintf("cin7coretest: demo/sales.json: %v", err))
		}
		style, err := styleOf(d.Sale, saleModelType)
		if err != nil {
			panic(fmt.Sprintf("cin7coretest: demo/sales.json: %v", err))
		}
		for _, st := range d.Stock {
			k := StockKey{ProductID: st.ProductID, LocationID: st.LocationID, Bin: st.Bin, Batch: st.Batch}.normalised()
			if l, ok := t.stock[k]; !ok || l.OnHand.IsZero() {
				t.adjustStockLocked(k, func(l *StockLevel) {
					l.OnHand = st.OnHand
					if !st.UnitCost.IsZero() {
						l.UnitCost = st.UnitCost
					}
				})
			}
		}
		stamp := s.LastModifiedOn
		fs, err := t.addSaleLocked(s, style)
		if err != nil {
			panic(fmt.Sprintf("cin7coretest: demo sale %s: %v", s.ID, err))
		}
		fs.created = fs.sale.SaleOrderDate.Time
		if d.Stage == "order" || d.Stage == "picked" {
			if fs.sale.Quote.Status == cin7core.SaleTaskDraft {
				fs.sale.Quote.Status = cin7core.SaleTaskAuthorised
			}
			if e := t.authoriseSaleOrderLocked(fs, d.TaskID); e != nil {
				panic(fmt.Sprintf("cin7coretest: demo sale %s: %s", s.ID, e.msg))
			}
		}
		if d.Stage == "picked" {
			f := &fs.sale.Fulfilments[0]
			lines := slices.Clone(d.Pick)
			if e := t.fillSaleStockLines(lines); e != nil {
				panic(fmt.Sprintf("cin7coretest: demo sale %s: %s", s.ID, e.msg))
			}
			f.Pick.Lines, f.Pick.Status = lines, cin7core.SaleTaskAuthorised
			f.Pack.Status = cin7core.SaleTaskDraft
		}
		t.refreshSaleLocked(fs)
		fs.sale.LastModifiedOn = stamp
		if stamp.IsZero() {
			fs.sale.LastModifiedOn = t.stamp(stamp)
		}
	}
}
