package cin7coretest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// The fake's purchases. Endpoints: GET purchaseList (Search, RequiredBy,
// UpdatedSince, UpdatedUntil, OrderStatus, RestockReceivedStatus,
// InvoiceStatus, CreditNoteStatus, UnstockStatus, Status, DropShipTaskID);
// GET purchase and advanced-purchase (?ID=); GET and POST purchase/order;
// GET and POST purchase/stock (simple purchases); GET, POST and PUT
// advanced-purchase/stock (advanced purchases).
//
// Rules, as Cin7 Core applies them where it matters to a sync:
//   - an order goes DRAFT → AUTHORISED (POST purchase/order, or
//     [Tenant.AuthorisePurchaseOrder]); an authorised order cannot be
//     posted again;
//   - stock can only be received once the order is AUTHORISED and, with
//     Approach INVOICE, the invoice is authorised
//     ([Tenant.AuthorisePurchaseInvoice]);
//   - a stock line needs a known stock product (ProductID or SKU), a known
//     active location (LocationID of a location or a bin, or Location by
//     name, "Location: Bin" for a bin), a positive Quantity, a BatchSN for
//     batch and serial costing and an ExpiryDate for FEFO costing;
//   - lines repeating product + location + batch + expiry inside one
//     payload are summed; a line repeating one the task already holds is
//     rejected with 400, and nothing of that request is applied;
//   - a POST adds lines; Status AUTHORISED (with or without lines)
//     authorises the task, which receives its lines into the stock ledger
//     (AddStock at the location, bin, batch and expiry, at the order line's
//     price as unit cost) and sets Received and CardID;
//   - a PUT on advanced-purchase/stock replaces the lines of a draft task
//     when Lines is present (an empty array deletes them, pitfall 29) and
//     leaves them alone when it is absent;
//   - every change stamps LastUpdatedDate, which UpdatedSince filters on
//     (LastUpdatedDate at or after it), and recomputes Status,
//     StockReceivedStatus and CombinedReceivingStatus.
//
// A simple purchase read through advanced-purchase comes in the advanced
// shape; an advanced purchase read through purchase or purchase/stock, and
// a simple one written through advanced-purchase/stock, get a 400.

func init() {
	route(http.MethodGet, "purchaseList", getOnly((*Server).listPurchases))
	route(http.MethodGet, "purchase", getOnly((*Server).getSimplePurchase))
	route(http.MethodGet, "advanced-purchase", getOnly((*Server).getAdvancedPurchase))
	route(http.MethodGet, "purchase/order", getOnly((*Server).getPurchaseOrder))
	route(http.MethodPost, "purchase/order", (*Server).postPurchaseOrder)
	route(http.MethodGet, "purchase/stock", getOnly((*Server).getPurchaseStock))
	route(http.MethodPost, "purchase/stock", (*Server).postPurchaseStock)
	route(http.MethodGet, "advanced-purchase/stock", getOnly((*Server).getAdvancedPurchaseStock))
	route(http.MethodPost, "advanced-purchase/stock", (*Server).postAdvancedPurchaseStock)
	route(http.MethodPut, "advanced-purchase/stock", (*Server).putAdvancedPurchaseStock)
	demoSeeders = append(demoSeeders, seedDemoPurchases)
}

// purchStore holds the tenant's purchases, under the tenant's lock.
type purchStore struct {
	byID  map[string]*purchRecord // by normalised ID
	order []string                // normalised IDs in insertion order
	seq   int                     // last generated order number
	// byNumber caches sorted's answer; checked (not re-sorted) while
	// no purchase was added and the order still holds.
	byNumber []*purchRecord
}

// purchRecord is one purchase, kept in the advanced shape (a simple
// purchase has at most one receiving task, whose TaskID is the purchase's
// ID).
type purchRecord struct {
	p             cin7core.AdvancedPurchase
	simple        bool
	invoiceStatus cin7core.PurchaseTaskStatus
}

func (t *Tenant) purchasesLocked() *purchStore {
	return extStore(t, "purchases", func() *purchStore { return &purchStore{byID: map[string]*purchRecord{}} })
}

func (st *purchStore) find(id string) (*purchRecord, bool) {
	r, ok := st.byID[cin7core.NormalizeID(id)]
	return r, ok
}

// AddPurchase stores a simple purchase as if a user had entered it in Cin7
// Core and returns what was stored. An empty ID gets a new GUID, an empty
// OrderNumber the next PO number, an empty Approach STOCK, a missing order
// a DRAFT one. Lines are checked against the tenant's products and
// locations; an authorised StockReceived is received into the stock
// ledger. Statuses are computed; LastUpdatedDate is stamped unless set.
func (t *Tenant) AddPurchase(p cin7core.Purchase) (cin7core.Purchase, error) {
	a := cin7core.AdvancedPurchase{PurchaseHeader: p.PurchaseHeader}
	if p.StockReceived != nil {
		a.StockReceived = []cin7core.PurchaseStock{*p.StockReceived}
	}
	if p.Invoice != nil {
		a.Invoice = []cin7core.PurchaseInvoice{*p.Invoice}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r, err := t.addPurchaseLocked(a, true)
	if err != nil {
		return cin7core.Purchase{}, err
	}
	return r.simpleView(), nil
}

// AddAdvancedPurchase stores an advanced purchase, with the defaults and
// checks of [Tenant.AddPurchase]; every authorised StockReceived task is
// received into the stock ledger.
func (t *Tenant) AddAdvancedPurchase(p cin7core.AdvancedPurchase) (cin7core.AdvancedPurchase, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, err := t.addPurchaseLocked(p, false)
	if err != nil {
		return cin7core.AdvancedPurchase{}, err
	}
	return r.advancedView(), nil
}

// AuthorisePurchaseOrder authorises a purchase's draft order, as a Cin7
// Core user would, and stamps LastUpdatedDate. Authorising an authorised
// order changes nothing.
func (t *Tenant) AuthorisePurchaseOrder(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.purchasesLocked().find(id)
	if !ok {
		return fmt.Errorf("cin7coretest: no purchase with ID %s", id)
	}
	if r.p.Order.Status.IsAuthorised() {
		return nil
	}
	if len(r.p.Order.Lines) == 0 && len(r.p.Order.AdditionalCharges) == 0 {
		return fmt.Errorf("cin7coretest: purchase %s has no order lines to authorise", id)
	}
	r.p.Order.Status = cin7core.PurchaseTaskAuthorised
	t.purchTouchLocked(r)
	return nil
}

// AuthorisePurchaseInvoice authorises a purchase's invoice, which a
// purchase with Approach INVOICE needs before stock can be received. The
// order must be authorised.
func (t *Tenant) AuthorisePurchaseInvoice(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.purchasesLocked().find(id)
	if !ok {
		return fmt.Errorf("cin7coretest: no purchase with ID %s", id)
	}
	if !r.p.Order.Status.IsAuthorised() {
		return fmt.Errorf("cin7coretest: purchase %s: authorise the order before the invoice", id)
	}
	if r.invoiceStatus.IsAuthorised() {
		return nil
	}
	r.invoiceStatus = cin7core.PurchaseTaskAuthorised
	if len(r.p.Invoice) == 0 {
		o := r.p.Order
		r.p.Invoice = []cin7core.PurchaseInvoice{{TaskID: r.p.ID, InvoicingAndReceivingNumber: 1,
			InvoiceDate: cin7core.Time{Time: t.now().UTC().Truncate(24 * time.Hour)}, InvoiceNumber: "INV-" + strings.TrimPrefix(r.p.OrderNumber, "PO-"),
			Lines: slices.Clone(o.Lines), TotalBeforeTax: o.TotalBeforeTax, Tax: o.Tax, Total: o.Total}}
	}
	for i := range r.p.Invoice {
		r.p.Invoice[i].Status = cin7core.PurchaseTaskAuthorised
	}
	t.purchTouchLocked(r)
	return nil
}

// Purchases returns every purchase as purchaseList rows, in list order.
func (t *Tenant) Purchases() []cin7core.PurchaseListItem {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []cin7core.PurchaseListItem
	for _, r := range t.purchasesLocked().sorted() {
		out = append(out, r.listItem())
	}
	return out
}

// Purchase returns a purchase, simple or advanced, in the advanced shape
// (what GET advanced-purchase serves).
func (t *Tenant) Purchase(id string) (cin7core.AdvancedPurchase, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.purchasesLocked().find(id)
	if !ok {
		return cin7core.AdvancedPurchase{}, false
	}
	return r.advancedView(), true
}

// sorted returns the purchases by order number (ignoring case), then ID.
// The caller holds the tenant's lock for writing and must not modify the
// slice.
func (st *purchStore) sorted() []*purchRecord {
	cmp := func(a, b *purchRecord) int {
		if c := compareFold(a.p.OrderNumber, b.p.OrderNumber); c != 0 {
			return c
		}
		return strings.Compare(cin7core.NormalizeID(a.p.ID), cin7core.NormalizeID(b.p.ID))
	}
	if len(st.byNumber) == len(st.order) && slices.IsSortedFunc(st.byNumber, cmp) {
		return st.byNumber
	}
	out := make([]*purchRecord, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, st.byID[id])
	}
	slices.SortStableFunc(out, cmp)
	st.byNumber = out
	return out
}

// addPurchaseLocked checks, normalises and stores a purchase.
func (t *Tenant) addPurchaseLocked(p cin7core.AdvancedPurchase, simple bool) (*purchRecord, error) {
	st := t.purchasesLocked()
	if p.ID == "" {
		p.ID = NewID()
	}
	if _, dup := st.find(p.ID); dup {
		return nil, fmt.Errorf("cin7coretest: purchase %s exists already", p.ID)
	}
	if simple && len(p.StockReceived) > 1 {
		return nil, fmt.Errorf("cin7coretest: a simple purchase has one stock receipt, got %d", len(p.StockReceived))
	}
	if p.OrderNumber == "" {
		st.seq++
		p.OrderNumber = fmt.Sprintf("PO-%05d", st.seq)
	}
	if p.Approach == "" {
		p.Approach = cin7core.ApproachStock
	}
	if p.CurrencyRate.IsZero() {
		p.CurrencyRate = decimal.NewFromInt(1)
	}
	if p.Type == "" || simple == p.Type.IsAdvanced() {
		p.Type = cin7core.PurchaseTypeAdvanced
		if simple {
			p.Type = cin7core.PurchaseTypeSimple
		}
	}
	p.PurchaseType = ""
	order := cin7core.PurchaseOrder{Status: cin7core.PurchaseTaskDraft}
	if p.Order != nil {
		order = *p.Order
		order.Lines = slices.Clone(order.Lines)
	}
	order.TaskID = p.ID
	if order.Status == "" {
		order.Status = cin7core.PurchaseTaskDraft
	}
	if e := t.purchPrepareOrderLocked(&order); e != nil {
		return nil, fmt.Errorf("cin7coretest: purchase %s: %s", p.OrderNumber, e.msg)
	}
	p.Order = &order
	r := &purchRecord{p: p, simple: simple, invoiceStatus: cin7core.PurchaseTaskNotAvailable}
	r.p.StockReceived = nil
	r.p.Invoice = slices.Clone(p.Invoice)
	for _, inv := range r.p.Invoice {
		if inv.Status.IsAuthorised() {
			r.invoiceStatus = inv.Status
		}
	}
	for i, task := range p.StockReceived {
		if simple {
			task.TaskID = p.ID
		} else if task.TaskID == "" {
			task.TaskID = NewID()
		}
		task.InvoicingAndReceivingNumber = cin7core.Int(i + 1)
		lines, e := t.purchResolveLinesLocked(r, task.Lines)
		if e != nil {
			return nil, fmt.Errorf("cin7coretest: purchase %s: %s", p.OrderNumber, e.msg)
		}
		task.Lines = lines
		if task.Status == "" {
			task.Status = cin7core.PurchaseTaskDraft
		}
		r.p.StockReceived = append(r.p.StockReceived, task)
	}
	if len(r.p.StockReceived) > 0 && !order.Status.IsAuthorised() {
		return nil, fmt.Errorf("cin7coretest: purchase %s: stock received on an order that is not authorised", p.OrderNumber)
	}
	for i := range r.p.StockReceived {
		if r.p.StockReceived[i].Status.IsAuthorised() {
			t.purchReceiveLocked(r, &r.p.StockReceived[i])
		}
	}
	key := cin7core.NormalizeID(p.ID)
	st.byID[key] = r
	st.order = append(st.order, key)
	if r.p.LastUpdatedDate.IsZero() {
		r.p.LastUpdatedDate = t.stamp(cin7core.Time{})
	}
	r.refresh()
	return r, nil
}

// purchTouchLocked recomputes the statuses and stamps LastUpdatedDate.
func (t *Tenant) purchTouchLocked(r *purchRecord) {
	r.p.LastUpdatedDate = t.stamp(r.p.LastUpdatedDate)
	r.refresh()
}

// purchPrepareOrderLocked checks order lines against the catalogue, fills
// product names and SKUs, computes missing line totals and the order
// totals.
func (t *Tenant) purchPrepareOrderLocked(o *cin7core.PurchaseOrder) *apiErr {
	switch strings.ToUpper(string(o.Status)) {
	case string(cin7core.PurchaseTaskDraft), string(cin7core.PurchaseTaskAuthorised):
		o.Status = cin7core.PurchaseTaskStatus(strings.ToUpper(string(o.Status)))
	default:
		return purchBad("Order Status must be DRAFT or AUTHORISED, not '%s'.", o.Status)
	}
	if o.Status.IsAuthorised() && len(o.Lines) == 0 && len(o.AdditionalCharges) == 0 {
		return purchBad("Order cannot be authorised without lines.")
	}
	hundred := decimal.NewFromInt(100)
	var before, tax decimal.Decimal
	for i := range o.Lines {
		l := &o.Lines[i]
		if !bool(o.CombineAdditionalCharges) || l.ProductID != "" || l.SKU != "" {
			p, e := t.purchProductLocked(l.ProductID, l.SKU)
			if e != nil {
				return purchBad("Order line %d: %s", i+1, e.msg)
			}
			l.ProductID, l.SKU, l.Name = cin7core.NormalizeID(p.ID), p.SKU, p.Name
		}
		if !l.Quantity.IsPositive() {
			return purchBad("Order line %d: Quantity must be greater than zero.", i+1)
		}
		if l.Total.IsZero() {
			l.Total = l.Quantity.Mul(l.Price).Mul(hundred.Sub(l.Discount)).Div(hundred).Round(4)
		}
		before, tax = before.Add(l.Total), tax.Add(l.Tax)
	}
	for i := range o.AdditionalCharges {
		c := &o.AdditionalCharges[i]
		if c.Total.IsZero() {
			c.Total = c.Quantity.Mul(c.Price).Mul(hundred.Sub(c.Discount)).Div(hundred).Round(4)
		}
		before, tax = before.Add(c.Total), tax.Add(c.Tax)
	}
	o.TotalBeforeTax, o.Tax, o.Total = before, tax, before.Add(tax)
	return nil
}

func purchBad(format string, args ...any) *apiErr {
	return &apiErr{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func purchNotFound(what, id string) *apiErr {
	return &apiErr{status: http.StatusNotFound, msg: fmt.Sprintf("%s with ID %s not found.", what, id)}
}

// purchProductLocked finds a product by ID or, failing that, by SKU
// (ignoring case).
func (t *Tenant) purchProductLocked(id, sku string) (cin7core.Product, *apiErr) {
	if id != "" {
		if i, ok := t.products.find(id); ok {
			return t.products.rows[i].v, nil
		}
		return cin7core.Product{}, purchBad("Product with ID %s not found.", id)
	}
	if sku != "" {
		for _, r := range t.products.rows {
			if strings.EqualFold(r.v.SKU, strings.TrimSpace(sku)) {
				return r.v, nil
			}
		}
		return cin7core.Product{}, purchBad("Product with SKU '%s' not found.", sku)
	}
	return cin7core.Product{}, purchBad("ProductID or SKU is required.")
}

// purchLocation is a resolved receiving location.
type purchLocation struct {
	id   string // the ID to show on the line: the bin's if any
	name string // "Location" or "Location: Bin"
}

// purchLocationLocked resolves a LocationID (a location or a bin row) or
// a Location name ("Name" or "Name: Bin").
func (t *Tenant) purchLocationLocked(id, name string) (purchLocation, *apiErr) {
	row := func(i int) (purchLocation, *apiErr) {
		l := t.locations.rows[i].v
		if bool(l.IsDeprecated) {
			return purchLocation{}, purchBad("Location '%s' is deprecated.", l.Name)
		}
		if l.ParentID == "" {
			return purchLocation{id: l.ID, name: l.Name}, nil
		}
		pi, ok := t.locations.find(l.ParentID)
		if !ok {
			return purchLocation{}, purchBad("Location of bin '%s' not found.", l.Name)
		}
		parent := t.locations.rows[pi].v
		if bool(parent.IsDeprecated) {
			return purchLocation{}, purchBad("Location '%s' is deprecated.", parent.Name)
		}
		return purchLocation{id: l.ID, name: parent.Name + ": " + l.Name}, nil
	}
	if strings.TrimSpace(id) != "" {
		i, ok := t.locations.find(id)
		if !ok {
			return purchLocation{}, purchBad("Location with ID %s not found.", id)
		}
		return row(i)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return purchLocation{}, purchBad("Location or LocationID is required.")
	}
	locName, binName, hasBin := strings.Cut(name, ":")
	locName, binName = strings.TrimSpace(locName), strings.TrimSpace(binName)
	for i, r := range t.locations.rows {
		l := r.v
		if !hasBin && l.ParentID == "" && strings.EqualFold(l.Name, name) {
			return row(i)
		}
		if hasBin && l.ParentID != "" && strings.EqualFold(l.ParentName, locName) && strings.EqualFold(l.Name, binName) {
			return row(i)
		}
	}
	return purchLocation{}, purchBad("Location '%s' not found.", name)
}

// purchLineKey is what makes two stock lines the same line.
func purchLineKey(l cin7core.PurchaseStockLine) string {
	exp := ""
	if !l.ExpiryDate.IsZero() {
		exp = l.ExpiryDate.UTC().Format("2006-01-02")
	}
	return strings.Join([]string{cin7core.NormalizeID(l.ProductID), cin7core.NormalizeID(l.LocationID), l.BatchSN, exp}, "|")
}

// purchResolveLinesLocked checks stock lines, fills product and location
// fields and sums the lines of one payload that share product, location,
// batch and expiry.
func (t *Tenant) purchResolveLinesLocked(r *purchRecord, in []cin7core.PurchaseStockLine) ([]cin7core.PurchaseStockLine, *apiErr) {
	var out []cin7core.PurchaseStockLine
	at := map[string]int{}
	for i, l := range in {
		p, e := t.purchProductLocked(l.ProductID, l.SKU)
		if e != nil {
			return nil, purchBad("Line %d: %s", i+1, e.msg)
		}
		if p.IsService() {
			return nil, purchBad("Line %d: '%s' is a service and cannot be received.", i+1, p.SKU)
		}
		loc, e := t.purchLocationLocked(l.LocationID, l.Location)
		if e != nil {
			return nil, purchBad("Line %d: %s", i+1, e.msg)
		}
		if !l.Quantity.IsPositive() {
			return nil, purchBad("Line %d: Quantity must be greater than zero.", i+1)
		}
		l.BatchSN = strings.TrimSpace(l.BatchSN)
		if p.CostingMethod != cin7core.CostingFIFO && l.BatchSN == "" {
			return nil, purchBad("Line %d: BatchSN is required for '%s' (costing method %s).", i+1, p.SKU, p.CostingMethod)
		}
		if strings.HasPrefix(string(p.CostingMethod), "FEFO") && l.ExpiryDate.IsZero() {
			return nil, purchBad("Line %d: ExpiryDate is required for '%s' (costing method %s).", i+1, p.SKU, p.CostingMethod)
		}
		if l.Date.IsZero() {
			l.Date = cin7core.Time{Time: t.now().UTC().Truncate(24 * time.Hour)}
		}
		l.ProductID, l.SKU, l.Name = cin7core.NormalizeID(p.ID), p.SKU, p.Name
		l.LocationID, l.Location = loc.id, loc.name
		l.Received, l.CardID = false, ""
		for _, ol := range r.p.Order.Lines {
			if cin7core.SameID(ol.ProductID, p.ID) && l.SupplierSKU == "" {
				l.SupplierSKU = ol.SupplierSKU
			}
		}
		k := purchLineKey(l)
		if j, ok := at[k]; ok {
			out[j].Quantity = out[j].Quantity.Add(l.Quantity)
			continue
		}
		at[k] = len(out)
		out = append(out, l)
	}
	return out, nil
}

// purchStockKeyLocked is the ledger key of a checked line, whose
// LocationID is a location's or a bin's row (even if deprecated since).
func (t *Tenant) purchStockKeyLocked(l cin7core.PurchaseStockLine) StockKey {
	k := StockKey{ProductID: l.ProductID, LocationID: l.LocationID, Batch: l.BatchSN, Expiry: l.ExpiryDate.Time}
	if i, ok := t.locations.find(l.LocationID); ok {
		if row := t.locations.rows[i].v; row.ParentID != "" {
			k.LocationID, k.Bin = row.ParentID, row.Name
		}
	}
	return k
}

// purchReceiveLocked authorises a task: every line not yet received goes
// into the stock ledger at the order line's price.
func (t *Tenant) purchReceiveLocked(r *purchRecord, task *cin7core.PurchaseStock) {
	task.Status = cin7core.PurchaseTaskAuthorised
	for i := range task.Lines {
		l := &task.Lines[i]
		if bool(l.Received) {
			continue
		}
		var cost decimal.Decimal
		for _, ol := range r.p.Order.Lines {
			if cin7core.SameID(ol.ProductID, l.ProductID) {
				cost = ol.Price
				break
			}
		}
		qty := l.Quantity
		t.adjustStockLocked(t.purchStockKeyLocked(*l), func(s *StockLevel) {
			s.OnHand = s.OnHand.Add(qty)
			if !cost.IsZero() {
				s.UnitCost = cost
			}
		})
		l.Received = true
		if l.CardID == "" {
			l.CardID = NewID()
		}
	}
}

// purchAddLinesLocked applies a stock POST to the task at taskIdx (-1: a
// new task): checks everything first, then adds the lines and, with
// AUTHORISED (or to an authorised task), receives them.
func (t *Tenant) purchAddLinesLocked(r *purchRecord, taskIdx int, status cin7core.PurchaseTaskStatus, in []cin7core.PurchaseStockLine) *apiErr {
	if !r.p.Order.Status.IsAuthorised() {
		return purchBad("Purchase order %s must be authorised before stock is received.", r.p.OrderNumber)
	}
	if r.p.Approach.IsInvoiceFirst() && !r.invoiceStatus.IsAuthorised() {
		return purchBad("Purchase %s uses Approach INVOICE: authorise the invoice before receiving stock.", r.p.OrderNumber)
	}
	status = cin7core.PurchaseTaskStatus(strings.ToUpper(strings.TrimSpace(string(status))))
	switch status {
	case "", cin7core.PurchaseTaskDraft, cin7core.PurchaseTaskAuthorised:
	default:
		return purchBad("Status must be DRAFT or AUTHORISED, not '%s'.", status)
	}
	var task cin7core.PurchaseStock
	if taskIdx >= 0 {
		task = r.p.StockReceived[taskIdx]
	}
	if len(in) == 0 && !status.IsAuthorised() {
		return purchBad("Lines are required.")
	}
	lines, e := t.purchResolveLinesLocked(r, in)
	if e != nil {
		return e
	}
	existing := map[string]bool{}
	for _, l := range task.Lines {
		existing[purchLineKey(l)] = true
	}
	for i, l := range lines {
		if existing[purchLineKey(l)] {
			exp := "none"
			if !l.ExpiryDate.IsZero() {
				exp = l.ExpiryDate.Format("2006-01-02")
			}
			return purchBad("Line %d duplicates an existing stock received line: product '%s', location '%s', batch '%s', expiry %s.", i+1, l.SKU, l.Location, l.BatchSN, exp)
		}
	}
	if len(task.Lines)+len(lines) == 0 {
		return purchBad("There are no stock received lines to authorise.")
	}
	task.Lines = append(slices.Clone(task.Lines), lines...)
	if task.Status == "" || task.Status == cin7core.PurchaseTaskNotAvailable {
		task.Status = cin7core.PurchaseTaskDraft
	}
	if taskIdx < 0 {
		task.TaskID = NewID()
		if r.simple {
			task.TaskID = r.p.ID
		}
		task.InvoicingAndReceivingNumber = cin7core.Int(len(r.p.StockReceived) + 1)
		r.p.StockReceived = append(r.p.StockReceived, task)
		taskIdx = len(r.p.StockReceived) - 1
	} else {
		r.p.StockReceived[taskIdx] = task
	}
	if status.IsAuthorised() || task.Status.IsAuthorised() {
		t.purchReceiveLocked(r, &r.p.StockReceived[taskIdx])
	}
	t.purchTouchLocked(r)
	return nil
}

// refresh recomputes the derived statuses (the Combined… ones for both
// kinds: list rows show them for simple purchases too).
func (r *purchRecord) refresh() {
	orderAuth := r.p.Order.Status.IsAuthorised()
	ordered, received := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for _, l := range r.p.Order.Lines {
		if l.ProductID != "" {
			k := cin7core.NormalizeID(l.ProductID)
			ordered[k] = ordered[k].Add(l.Quantity)
		}
	}
	anyReceived := false
	for _, task := range r.p.StockReceived {
		for _, l := range task.Lines {
			if bool(l.Received) {
				k := cin7core.NormalizeID(l.ProductID)
				received[k] = received[k].Add(l.Quantity)
				anyReceived = true
			}
		}
	}
	full := anyReceived
	for k, q := range ordered {
		if received[k].LessThan(q) {
			full = false
		}
	}
	invoiced := r.invoiceStatus.IsAuthorised()
	switch {
	case !orderAuth:
		r.p.CombinedReceivingStatus = cin7core.ReceivingNotAvailable
		r.p.Status = cin7core.PurchaseStatusDraft
	case full:
		r.p.CombinedReceivingStatus = cin7core.ReceivingFullyReceived
		r.p.Status = cin7core.PurchaseStatusReceived
		if invoiced {
			r.p.Status = cin7core.PurchaseStatusCompleted
		}
	case anyReceived:
		r.p.CombinedReceivingStatus = cin7core.ReceivingPartiallyReceived
		r.p.Status = cin7core.PurchaseStatusReceiving
	default:
		r.p.CombinedReceivingStatus = cin7core.ReceivingNotReceived
		r.p.Status = cin7core.PurchaseStatusOrdered
		if invoiced {
			r.p.Status = cin7core.PurchaseStatusInvoiced
		}
	}
	switch {
	case invoiced:
		r.p.CombinedInvoiceStatus = cin7core.PurchaseInvoiced
	case orderAuth:
		r.p.CombinedInvoiceStatus = cin7core.PurchaseNotInvoiced
	default:
		r.p.CombinedInvoiceStatus = cin7core.PurchaseInvoiceNotAvailable
	}
	r.p.CombinedPaymentStatus = cin7core.PurchaseUnpaid
	if strings.EqualFold(string(r.invoiceStatus), string(cin7core.PurchaseTaskPaid)) {
		r.p.CombinedPaymentStatus = cin7core.PurchasePaid
	}
}

// stockStatus is the StockReceivedStatus of the list row: NOT AVAILABLE
// until the order is authorised, then DRAFT until every task is
// authorised.
func (r *purchRecord) stockStatus() cin7core.PurchaseTaskStatus {
	if !r.p.Order.Status.IsAuthorised() {
		return cin7core.PurchaseTaskNotAvailable
	}
	if len(r.p.StockReceived) == 0 {
		return cin7core.PurchaseTaskDraft
	}
	for _, task := range r.p.StockReceived {
		if !task.Status.IsAuthorised() {
			return cin7core.PurchaseTaskDraft
		}
	}
	return cin7core.PurchaseTaskAuthorised
}

func (r *purchRecord) invoiceStatusRow() cin7core.PurchaseTaskStatus {
	if r.invoiceStatus == cin7core.PurchaseTaskNotAvailable && r.p.Order.Status.IsAuthorised() {
		return cin7core.PurchaseTaskDraft
	}
	return r.invoiceStatus
}

func (r *purchRecord) listItem() cin7core.PurchaseListItem {
	p := r.p
	it := cin7core.PurchaseListItem{
		ID: p.ID, BlindReceipt: p.BlindReceipt, OrderNumber: p.OrderNumber, Status: p.Status, OrderDate: p.OrderDate,
		Supplier: p.Supplier, SupplierID: p.SupplierID, RequiredBy: p.RequiredBy, BaseCurrency: p.BaseCurrency,
		SupplierCurrency: p.SupplierCurrency, OrderStatus: p.Order.Status, StockReceivedStatus: r.stockStatus(),
		UnstockStatus: cin7core.PurchaseTaskNotAvailable, InvoiceStatus: r.invoiceStatusRow(),
		CreditNoteStatus: cin7core.PurchaseTaskNotAvailable, LastUpdatedDate: p.LastUpdatedDate, Type: p.Type,
		CombinedInvoiceStatus: p.CombinedInvoiceStatus, CombinedPaymentStatus: p.CombinedPaymentStatus,
		CombinedReceivingStatus: p.CombinedReceivingStatus, IsServiceOnly: p.IsServiceOnly, DropShipTaskID: p.RelatedDropShipSaleTask,
	}
	if len(p.Invoice) > 0 {
		inv := p.Invoice[0]
		it.InvoiceDate, it.InvoiceDueDate, it.InvoiceNumber, it.InvoiceAmount, it.PaidAmount = inv.InvoiceDate, inv.InvoiceDueDate, inv.InvoiceNumber, inv.Total, inv.Paid
	}
	return it
}

// clonePurchase copies the slices a view hands out, so callers cannot
// change the stored record.
func clonePurchase(p cin7core.AdvancedPurchase) cin7core.AdvancedPurchase {
	if p.Order != nil {
		o := *p.Order
		o.Lines = slices.Clone(o.Lines)
		o.AdditionalCharges = slices.Clone(o.AdditionalCharges)
		p.Order = &o
	}
	p.StockReceived = slices.Clone(p.StockReceived)
	for i := range p.StockReceived {
		p.StockReceived[i].Lines = slices.Clone(p.StockReceived[i].Lines)
	}
	p.Invoice = slices.Clone(p.Invoice)
	return p
}

func (r *purchRecord) advancedView() cin7core.AdvancedPurchase { return clonePurchase(r.p) }

// simpleView renders the record as GET purchase does: single objects, the
// invoice number under the misspelt key the API uses.
func (r *purchRecord) simpleView() cin7core.Purchase {
	a := clonePurchase(r.p)
	p := cin7core.Purchase{PurchaseHeader: a.PurchaseHeader}
	// The summary fields are documented for advanced purchases only; the
	// list row of a simple purchase has them.
	p.Type, p.IsServiceOnly = "", false
	p.CombinedReceivingStatus, p.CombinedInvoiceStatus, p.CombinedPaymentStatus = "", "", ""
	stock := r.simpleStock()
	stock.TaskID = ""
	p.StockReceived = &stock
	if len(a.Invoice) > 0 {
		inv := a.Invoice[0]
		inv.TaskID, inv.InvoicingAndReceivingNumber = "", 0
		inv.InvocieNumber, inv.InvoiceNumber = inv.InvoiceNumber, ""
		p.Invoice = &inv
	}
	return p
}

// simpleStock is the one receiving task of a simple purchase, or an empty
// one with the status the purchase is in.
func (r *purchRecord) simpleStock() cin7core.PurchaseStock {
	if len(r.p.StockReceived) > 0 {
		st := r.p.StockReceived[0]
		st.Lines = slices.Clone(st.Lines)
		st.InvoicingAndReceivingNumber = 0
		st.TaskID = r.p.ID
		return st
	}
	return cin7core.PurchaseStock{TaskID: r.p.ID, Status: r.stockStatus()}
}

func (r *purchRecord) stockList() cin7core.AdvancedPurchaseStockList {
	out := cin7core.AdvancedPurchaseStockList{PurchaseID: r.p.ID, StockReceiving: []cin7core.PurchaseStock{}}
	for _, task := range clonePurchase(r.p).StockReceived {
		task.InvoicingAndReceivingNumber = 0
		out.StockReceiving = append(out.StockReceiving, task)
	}
	return out
}

// purchDecimalKeys are the purchase fields Cin7 Core sends as JSON
// numbers; shopspring encodes decimals as strings.
var purchDecimalKeys = map[string]bool{
	"Quantity": true, "Price": true, "Discount": true, "Tax": true, "Total": true, "TotalBeforeTax": true,
	"Amount": true, "CurrencyRate": true, "InvoiceAmount": true, "PaidAmount": true, "COGS": true, "Paid": true,
	"ProductLength": true, "ProductWidth": true, "ProductHeight": true, "ProductWeight": true,
}

// purchBody encodes v with decimals as JSON numbers.
func purchBody(v any) ([]byte, *apiErr) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &apiErr{status: http.StatusInternalServerError, msg: err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, &apiErr{status: http.StatusInternalServerError, msg: err.Error()}
	}
	purchNumbers(n)
	var out bytes.Buffer
	n.encode(&out)
	return out.Bytes(), nil
}

func purchNumbers(n *jnode) {
	for i, v := range n.vals {
		if n.kind == '{' && v.kind == 's' && purchDecimalKeys[n.keys[i]] {
			if _, err := decimal.NewFromString(v.str); err == nil {
				v.kind, v.raw = 'v', v.str
			}
			continue
		}
		purchNumbers(v)
	}
}

// purchTimeParam reads a date parameter (yyyy-MM-ddTHH:mm:ss[.fff], UTC).
func purchTimeParam(q params, name string) (time.Time, bool, *apiErr) {
	v := strings.TrimSpace(q.get(name))
	if v == "" {
		return time.Time{}, false, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, purchBad("%s must be a date in the format yyyy-MM-ddTHH:mm:ss.", name)
}

// listPurchases serves GET purchaseList.
func (s *Server) listPurchases(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	times := map[string]time.Time{}
	for _, name := range []string{"UpdatedSince", "UpdatedUntil", "RequiredBy"} {
		v, set, e := purchTimeParam(q, name)
		if e != nil {
			return nil, e
		}
		if set {
			times[name] = v
		}
	}
	search := strings.TrimSpace(q.get("Search"))
	eq := func(param string, v string) bool {
		want := strings.TrimSpace(q.get(param))
		return want == "" || strings.EqualFold(want, v)
	}
	t := s.tenant
	t.mu.Lock()
	var rows []json.RawMessage
	for _, r := range t.purchasesLocked().sorted() {
		it := r.listItem()
		upd := it.LastUpdatedDate.Time
		if since, ok := times["UpdatedSince"]; ok && upd.Before(since) {
			continue
		}
		if until, ok := times["UpdatedUntil"]; ok && upd.After(until) {
			continue
		}
		if by, ok := times["RequiredBy"]; ok && (it.RequiredBy.IsZero() || it.RequiredBy.After(by)) {
			continue
		}
		if search != "" && !containsFold(it.OrderNumber, search) && !containsFold(string(it.Status), search) &&
			!containsFold(it.Supplier, search) && !containsFold(it.InvoiceNumber, search) && !containsFold(it.CreditNoteNumber, search) {
			continue
		}
		if !eq("OrderStatus", string(it.OrderStatus)) || !eq("RestockReceivedStatus", string(it.StockReceivedStatus)) ||
			!eq("InvoiceStatus", string(it.InvoiceStatus)) || !eq("CreditNoteStatus", string(it.CreditNoteStatus)) ||
			!eq("UnstockStatus", string(it.UnstockStatus)) || !eq("Status", string(it.Status)) ||
			(q.get("DropShipTaskID") != "" && !cin7core.SameID(q.get("DropShipTaskID"), it.DropShipTaskID)) {
			continue
		}
		b, e := purchBody(it)
		if e != nil {
			t.mu.Unlock()
			return nil, e
		}
		rows = append(rows, b)
	}
	t.mu.Unlock()
	return envelope("PurchaseList", rows, page, limit), nil
}

// purchFind looks a purchase up under the lock.
func (s *Server) purchFind(param, id string) (*purchRecord, *apiErr) {
	if strings.TrimSpace(id) == "" {
		return nil, purchBad("%s is required.", param)
	}
	r, ok := s.tenant.purchasesLocked().find(id)
	if !ok {
		return nil, purchNotFound("Purchase", id)
	}
	return r, nil
}

func (s *Server) getSimplePurchase(q params) ([]byte, *apiErr) {
	s.tenant.mu.Lock()
	defer s.tenant.mu.Unlock()
	r, e := s.purchFind("ID", q.get("ID"))
	if e != nil {
		return nil, e
	}
	if !r.simple {
		return nil, purchBad("Purchase %s is an Advanced Purchase: read it with advanced-purchase.", r.p.OrderNumber)
	}
	return purchBody(r.simpleView())
}

func (s *Server) getAdvancedPurchase(q params) ([]byte, *apiErr) {
	s.tenant.mu.Lock()
	defer s.tenant.mu.Unlock()
	r, e := s.purchFind("ID", q.get("ID"))
	if e != nil {
		return nil, e
	}
	return purchBody(r.advancedView())
}

func (s *Server) getPurchaseOrder(q params) ([]byte, *apiErr) {
	s.tenant.mu.Lock()
	defer s.tenant.mu.Unlock()
	r, e := s.purchFind("TaskID", q.get("TaskID"))
	if e != nil {
		return nil, e
	}
	return purchBody(clonePurchase(r.p).Order)
}

func (s *Server) postPurchaseOrder(r *request) ([]byte, *apiErr) {
	var o cin7core.PurchaseOrder
	if e := decodeBody(r, &o); e != nil {
		return nil, e
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, e := s.purchFind("TaskID", o.TaskID)
	if e != nil {
		return nil, e
	}
	if rec.p.Order.Status.IsAuthorised() {
		return nil, purchBad("Purchase order %s is authorised and cannot be changed.", rec.p.OrderNumber)
	}
	o.TaskID = rec.p.ID
	if o.Status == "" {
		o.Status = cin7core.PurchaseTaskDraft
	}
	o.Prepayments = rec.p.Order.Prepayments
	if e := t.purchPrepareOrderLocked(&o); e != nil {
		return nil, e
	}
	rec.p.Order = &o
	t.purchTouchLocked(rec)
	return purchBody(clonePurchase(rec.p).Order)
}

func (s *Server) getPurchaseStock(q params) ([]byte, *apiErr) {
	s.tenant.mu.Lock()
	defer s.tenant.mu.Unlock()
	r, e := s.purchFind("TaskID", q.get("TaskID"))
	if e != nil {
		return nil, e
	}
	if !r.simple {
		return nil, purchBad("Purchase %s is an Advanced Purchase: use advanced-purchase/stock.", r.p.OrderNumber)
	}
	return purchBody(r.simpleStock())
}

func (s *Server) postPurchaseStock(req *request) ([]byte, *apiErr) {
	var body cin7core.PurchaseStock
	if e := decodeBody(req, &body); e != nil {
		return nil, e
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	r, e := s.purchFind("TaskID", body.TaskID)
	if e != nil {
		return nil, e
	}
	if !r.simple {
		return nil, purchBad("Purchase %s is an Advanced Purchase: use advanced-purchase/stock.", r.p.OrderNumber)
	}
	idx := -1
	if len(r.p.StockReceived) > 0 {
		idx = 0
	}
	if e := t.purchAddLinesLocked(r, idx, body.Status, body.Lines); e != nil {
		return nil, e
	}
	return purchBody(r.simpleStock())
}

func (s *Server) getAdvancedPurchaseStock(q params) ([]byte, *apiErr) {
	s.tenant.mu.Lock()
	defer s.tenant.mu.Unlock()
	r, e := s.purchFind("PurchaseID", q.get("PurchaseID"))
	if e != nil {
		return nil, e
	}
	if r.simple {
		return nil, purchBad("Purchase %s is a Simple Purchase: use purchase/stock.", r.p.OrderNumber)
	}
	return purchBody(r.stockList())
}

// purchTaskIndex finds a receiving task; -1 for "new task" (no TaskID or
// the all-zero GUID).
func purchTaskIndex(r *purchRecord, taskID string) (int, *apiErr) {
	taskID = strings.TrimSpace(taskID)
	if taskID == "" || taskID == "00000000-0000-0000-0000-000000000000" {
		return -1, nil
	}
	for i, task := range r.p.StockReceived {
		if cin7core.SameID(task.TaskID, taskID) {
			return i, nil
		}
	}
	return 0, purchNotFound("Stock receiving task", taskID)
}

func (s *Server) postAdvancedPurchaseStock(req *request) ([]byte, *apiErr) {
	var body cin7core.AdvancedPurchaseStock
	if e := decodeBody(req, &body); e != nil {
		return nil, e
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	r, e := s.purchFind("PurchaseID", body.PurchaseID)
	if e != nil {
		return nil, e
	}
	if r.simple {
		return nil, purchBad("Purchase %s is a Simple Purchase: use purchase/stock.", r.p.OrderNumber)
	}
	idx, e := purchTaskIndex(r, body.TaskID)
	if e != nil {
		return nil, e
	}
	if e := t.purchAddLinesLocked(r, idx, body.Status, body.Lines); e != nil {
		return nil, e
	}
	return purchBody(r.stockList())
}

func (s *Server) putAdvancedPurchaseStock(req *request) ([]byte, *apiErr) {
	var body cin7core.AdvancedPurchaseStock
	if e := decodeBody(req, &body); e != nil {
		return nil, e
	}
	var present map[string]json.RawMessage
	_ = json.Unmarshal(req.body, &present) // decodeBody succeeded: an object
	_, hasLines := present["Lines"]
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	r, e := s.purchFind("PurchaseID", body.PurchaseID)
	if e != nil {
		return nil, e
	}
	if r.simple {
		return nil, purchBad("Purchase %s is a Simple Purchase: use purchase/stock.", r.p.OrderNumber)
	}
	idx, e := purchTaskIndex(r, body.TaskID)
	if e != nil {
		return nil, e
	}
	if idx < 0 {
		return nil, purchBad("TaskID is required.")
	}
	task := r.p.StockReceived[idx]
	status := cin7core.PurchaseTaskStatus(strings.ToUpper(strings.TrimSpace(string(body.Status))))
	switch status {
	case "", cin7core.PurchaseTaskDraft, cin7core.PurchaseTaskAuthorised:
	default:
		return nil, purchBad("Status must be DRAFT or AUTHORISED, not '%s'.", body.Status)
	}
	if task.Status.IsAuthorised() && (hasLines || status == cin7core.PurchaseTaskDraft) {
		return nil, purchBad("Stock receiving task %s is authorised and cannot be changed; undo it first.", task.TaskID)
	}
	if hasLines {
		lines, e := t.purchResolveLinesLocked(r, body.Lines)
		if e != nil {
			return nil, e
		}
		task.Lines = lines // an empty array deletes the lines
	}
	if status.IsAuthorised() && len(task.Lines) == 0 {
		return nil, purchBad("There are no stock received lines to authorise.")
	}
	if status.IsAuthorised() && !r.p.Order.Status.IsAuthorised() {
		return nil, purchBad("Purchase order %s must be authorised before stock is received.", r.p.OrderNumber)
	}
	r.p.StockReceived[idx] = task
	if status.IsAuthorised() {
		t.purchReceiveLocked(r, &r.p.StockReceived[idx])
	}
	t.purchTouchLocked(r)
	return purchBody(r.stockList())
}

//go:embed demo/purchases.json
var demoPurchasesJSON []byte

// seedDemoPurchases adds the demo purchases: simple and advanced, draft
// and authorised, one partially received and one invoice-first, on the
// demo products and locations.
func seedDemoPurchases(t *Tenant) {
	var doc struct {
		Purchases []cin7core.AdvancedPurchase `json:"Purchases"`
	}
	if err := json.Unmarshal(demoPurchasesJSON, &doc); err != nil {
		panic("cin7coretest: demo/purchases.json: " + err.Error())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range doc.Purchases {
		if _, err := t.addPurchaseLocked(p, !p.Type.IsAdvanced()); err != nil {
			panic("cin7coretest: demo/purchases.json: " + err.Error())
		}
	}
}
