package cin7coretest

import (
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

// This file serves the stock documents and stock on hand:
//
//   - GET ref/productavailability: rows derived from the tenant's stock
//     ledger, one per product × location × bin × batch × expiry, rows with
//     every quantity zero left out; StockOnHand = OnHand × unit cost (a
//     value), Available = OnHand − Allocated; filters ID, Name and Sku
//     (starting with), Location, Batch and Category (equal, ignoring case);
//     ModifiedSince is ignored, as by Cin7 Core.
//   - stockTransferList, stockTransfer (GET, POST, PUT) and
//     stockTransfer/order (GET, POST): DRAFT moves nothing; IN TRANSIT takes
//     the units out of the source's on-hand and shows them as InTransit at
//     the destination; COMPLETED lands them on hand at the destination
//     (carrying batch, expiry and unit cost).
//   - stockadjustmentList, stockadjustment (GET, POST, PUT): COMPLETED sets
//     each line's on-hand quantity absolutely; a line that creates stock
//     needs a UnitCost.
//   - stockTakeList (rows under StockAdjustmentList), stocktake (GET, POST,
//     PUT): POST creates the stocktake IN PROGRESS with
//     NonZeroStockOnHandProducts filled from the ledger for its location
//     (each count, Adjustment, starting at 0 as in Cin7 Core's own
//     example); a PUT line replaces the count of the matching line;
//     COMPLETED applies every count absolutely.
//
// Every stock movement goes through the shared ledger (stock.go).

//go:embed demo/stock.json
var demoStockJSON []byte

func init() {
	route(http.MethodGet, "ref/productavailability", getOnly((*Server).stkListAvailability))

	route(http.MethodGet, "stockTransferList", getOnly((*Server).stkListTransfers))
	route(http.MethodGet, "stockTransfer", getOnly((*Server).stkGetTransfer))
	route(http.MethodPost, "stockTransfer", (*Server).stkPostTransfer)
	route(http.MethodPut, "stockTransfer", (*Server).stkPutTransfer)
	route(http.MethodGet, "stockTransfer/order", getOnly((*Server).stkGetTransferOrder))
	route(http.MethodPost, "stockTransfer/order", (*Server).stkPostTransferOrder)

	route(http.MethodGet, "stockadjustmentList", getOnly((*Server).stkListAdjustments))
	route(http.MethodGet, "stockadjustment", getOnly((*Server).stkGetAdjustment))
	route(http.MethodPost, "stockadjustment", (*Server).stkPostAdjustment)
	route(http.MethodPut, "stockadjustment", (*Server).stkPutAdjustment)

	route(http.MethodGet, "stockTakeList", getOnly((*Server).stkListStocktakes))
	route(http.MethodGet, "stocktake", getOnly((*Server).stkGetStocktake))
	route(http.MethodPost, "stocktake", (*Server).stkPostStocktake)
	route(http.MethodPut, "stocktake", (*Server).stkPutStocktake)

	demoSeeders = append(demoSeeders, seedDemoStock)
}

// Journal accounts the fake posts stock documents against.
const (
	stkInventoryAccount = "1400: Inventory"
	stkDefaultTransit   = "1450"
	stkUpdatedBy        = "api@cin7coretest.invalid"
)

// stkDocs is the tenant's store of stock documents.
type stkDocs struct {
	transfers   []*stkTransfer
	adjustments []*stkAdjustment
	stocktakes  []*stkStocktake
	transferSeq int
	// stocktakeSeq numbers adjustments and stocktakes (ST-00001 …), one
	// sequence as in Cin7 Core.
	stocktakeSeq int
}

type stkTransfer struct {
	doc      cin7core.StockTransfer
	from, to stkPlace
	// moves are the units that left the source when the transfer went IN
	// TRANSIT, landed at the destination on completion.
	moves []stkMove
}

type stkMove struct {
	productID     string
	batch         string
	expiry        time.Time
	qty, unitCost decimal.Decimal
}

type stkAdjustment struct {
	doc   cin7core.StockAdjustment
	lines []stkLine
}

// stkLine is a resolved line that sets a ledger key's on-hand quantity.
type stkLine struct {
	product  cin7core.Product
	place    stkPlace
	key      StockKey
	qty      decimal.Decimal
	unitCost decimal.Decimal
	received cin7core.Time
	comments string
}

type stkStocktake struct {
	doc              cin7core.Stocktake
	place            stkPlace
	created, updated time.Time
}

// stkDocsOf returns the tenant's store; the caller holds t.mu for writing.
func stkDocsOf(t *Tenant) *stkDocs {
	return extStore(t, "stockdocs", func() *stkDocs { return &stkDocs{} })
}

// stkPlace is a location, or a bin of one.
type stkPlace struct {
	locID, locName string // the location, never a bin
	binID, bin     string // empty for none
}

// label names the place as transfers do: "Location: Bin".
func (p stkPlace) label() string {
	if p.bin == "" {
		return p.locName
	}
	return p.locName + ": " + p.bin
}

// lineID and lineName name the place as stock lines do: the bin itself.
func (p stkPlace) lineID() string {
	if p.binID != "" {
		return p.binID
	}
	return p.locID
}

func (p stkPlace) lineName() string {
	if p.bin != "" {
		return p.bin
	}
	return p.locName
}

func (p stkPlace) same(q stkPlace) bool {
	return p.locID == q.locID && strings.EqualFold(p.bin, q.bin)
}

func (p stkPlace) key(productID, batch string, expiry time.Time) StockKey {
	return StockKey{ProductID: productID, LocationID: p.locID, Bin: p.bin, Batch: batch, Expiry: expiry}.normalised()
}

func stkBad(format string, a ...any) *apiErr {
	return &apiErr{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...)}
}

func stkNotFound(what, id string) *apiErr {
	return &apiErr{status: http.StatusNotFound, msg: fmt.Sprintf("%s with TaskID '%s' not found.", what, id)}
}

// stkPlaceOfRow turns a location or bin row into a place.
func (t *Tenant) stkPlaceOfRow(l cin7core.Location) stkPlace {
	if l.ParentID == "" {
		return stkPlace{locID: cin7core.NormalizeID(l.ID), locName: l.Name}
	}
	p := stkPlace{locID: cin7core.NormalizeID(l.ParentID), locName: l.ParentName, binID: cin7core.NormalizeID(l.ID), bin: l.Name}
	if i, ok := t.locations.find(l.ParentID); ok {
		p.locName = t.locations.rows[i].v.Name
	}
	return p
}

// stkResolvePlace finds a location or bin by ID, or by name: a location's
// name, "Location: Bin", or a bin's own name when only one bin has it.
func (t *Tenant) stkResolvePlace(id, name, what string) (stkPlace, *apiErr) {
	if id = strings.TrimSpace(id); id != "" {
		i, ok := t.locations.find(id)
		if !ok {
			return stkPlace{}, stkBad("%s '%s' was not found.", what, id)
		}
		return t.stkPlaceOfRow(t.locations.rows[i].v), nil
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return stkPlace{}, stkBad("%s is required.", what)
	}
	for _, r := range t.locations.rows {
		if r.v.ParentID == "" && strings.EqualFold(r.v.Name, name) {
			return t.stkPlaceOfRow(r.v), nil
		}
	}
	if parent, bin, ok := strings.Cut(name, ":"); ok {
		parent, bin = strings.TrimSpace(parent), strings.TrimSpace(bin)
		for _, r := range t.locations.rows {
			if r.v.ParentID != "" && strings.EqualFold(r.v.Name, bin) && strings.EqualFold(t.stkPlaceOfRow(r.v).locName, parent) {
				return t.stkPlaceOfRow(r.v), nil
			}
		}
	}
	var found []cin7core.Location
	for _, r := range t.locations.rows {
		if r.v.ParentID != "" && strings.EqualFold(r.v.Name, name) {
			found = append(found, r.v)
		}
	}
	if len(found) == 1 {
		return t.stkPlaceOfRow(found[0]), nil
	}
	return stkPlace{}, stkBad("%s '%s' was not found.", what, name)
}

// stkPlaceOfKey returns the place of a ledger key.
func (t *Tenant) stkPlaceOfKey(k StockKey) stkPlace {
	p := stkPlace{locID: k.LocationID, bin: k.Bin}
	if i, ok := t.locations.find(k.LocationID); ok {
		p.locName = t.locations.rows[i].v.Name
	}
	if k.Bin != "" {
		for _, r := range t.locations.rows {
			if r.v.ParentID != "" && cin7core.SameID(r.v.ParentID, k.LocationID) && strings.EqualFold(r.v.Name, k.Bin) {
				p.binID = cin7core.NormalizeID(r.v.ID)
				break
			}
		}
	}
	return p
}

// stkProduct finds a product by ID or, failing that, by SKU.
func (t *Tenant) stkProduct(id, sku string) (cin7core.Product, *apiErr) {
	if id = strings.TrimSpace(id); id != "" {
		if i, ok := t.products.find(id); ok {
			return t.products.rows[i].v, nil
		}
		return cin7core.Product{}, stkBad("Product '%s' was not found.", id)
	}
	if sku = strings.TrimSpace(sku); sku != "" {
		for _, r := range t.products.rows {
			if strings.EqualFold(r.v.SKU, sku) {
				return r.v, nil
			}
		}
		return cin7core.Product{}, stkBad("Product with SKU '%s' was not found.", sku)
	}
	return cin7core.Product{}, stkBad("ProductID or SKU is required.")
}

// stkBatchRules applies the product's costing method: a batch or serial
// for every method but FIFO, an expiry date for FEFO.
func stkBatchRules(p cin7core.Product, batch string, expiry cin7core.Time) *apiErr {
	m := p.CostingMethod
	if m.Known() && m != cin7core.CostingFIFO && strings.TrimSpace(batch) == "" {
		return stkBad("BatchSN is required for product '%s' (costing method %s).", p.SKU, m)
	}
	if (m == cin7core.CostingFEFOBatch || m == cin7core.CostingFEFOSerial) && expiry.IsZero() {
		return stkBad("ExpiryDate is required for product '%s' (costing method %s).", p.SKU, m)
	}
	return nil
}

func stkLevel(t *Tenant, k StockKey) StockLevel {
	if l, ok := t.stock[k.normalised()]; ok {
		return *l
	}
	return StockLevel{}
}

func stkTime(tm time.Time) cin7core.Time {
	if tm.IsZero() {
		return cin7core.Time{}
	}
	return cin7core.Time{Time: tm}
}

func stkRender(v any) ([]byte, *apiErr) {
	b, err := render(v, nil)
	if err != nil {
		return nil, &apiErr{status: http.StatusInternalServerError, msg: err.Error()}
	}
	return b, nil
}

// stkWrite decodes a document body and applies it under the tenant lock,
// answering with the saved document.
func stkWrite[In, D any](s *Server, r *request, apply func(*Tenant, In) (D, *apiErr), doc func(D) any) ([]byte, *apiErr) {
	var in In
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	out, e := apply(t, in)
	if e != nil {
		return nil, e
	}
	return stkRender(doc(out))
}

func stkRows[T any](vs []T) ([]json.RawMessage, *apiErr) {
	out := make([]json.RawMessage, 0, len(vs))
	for _, v := range vs {
		b, e := stkRender(v)
		if e != nil {
			return nil, e
		}
		out = append(out, b)
	}
	return out, nil
}

// stkAddOnHand adds qty units at k, averaging the unit cost.
func (t *Tenant) stkAddOnHand(k StockKey, qty, unitCost decimal.Decimal) {
	t.adjustStockLocked(k, func(l *StockLevel) {
		total := l.OnHand.Add(qty)
		switch {
		case unitCost.IsZero():
		case l.OnHand.IsPositive() && total.IsPositive() && !l.UnitCost.IsZero():
			l.UnitCost = l.OnHand.Mul(l.UnitCost).Add(qty.Mul(unitCost)).DivRound(total, 4)
		default:
			l.UnitCost = unitCost
		}
		l.OnHand = total
	})
}

// ---- availability ----

// stkListAvailability serves GET ref/productavailability.
func (s *Server) stkListAvailability(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	id, name, sku := q.get("ID"), q.get("Name"), q.get("Sku")
	loc, batch, cat := q.get("Location"), q.get("Batch"), q.get("Category")
	t := s.tenant
	t.mu.RLock()
	defer t.mu.RUnlock()
	// Rows in the list's order (SKU ignoring case, location, bin, batch,
	// expiry), sorted once per change of keys, names or SKUs; only the
	// requested page is built and rendered.
	var match []availKey
	filtered := id != "" || name != "" || sku != "" || loc != "" || batch != "" || cat != ""
	for _, ak := range t.availabilityOrderLocked() {
		l := t.stock[ak.key]
		if l == nil || (l.OnHand.IsZero() && l.Allocated.IsZero() && l.OnOrder.IsZero() && l.InTransit.IsZero()) {
			continue
		}
		if filtered {
			p := t.availProduct(ak.key.ProductID)
			if (id != "" && !cin7core.SameID(p.ID, id)) || (name != "" && !hasPrefixFold(p.Name, name)) ||
				(sku != "" && !hasPrefixFold(p.SKU, sku)) || (loc != "" && !strings.EqualFold(ak.locName, loc)) ||
				(batch != "" && !strings.EqualFold(ak.key.Batch, batch)) || (cat != "" && !strings.EqualFold(p.Category, cat)) {
				continue
			}
		}
		match = append(match, ak)
	}
	raws := make([]json.RawMessage, len(match))
	start := (page - 1) * limit
	if start > len(match) || start < 0 {
		start = len(match)
	}
	end := min(start+limit, len(match))
	for i := start; i < end; i++ {
		ak := match[i]
		l := t.stock[ak.key]
		p := t.availProduct(ak.key.ProductID)
		b, e := stkRender(cin7core.AvailabilityRow{
			ID: p.ID, SKU: p.SKU, Name: p.Name, Barcode: p.Barcode,
			Location: ak.locName, Bin: ak.key.Bin, Batch: ak.key.Batch, ExpiryDate: stkTime(ak.key.Expiry),
			OnHand: l.OnHand, Allocated: l.Allocated, Available: l.OnHand.Sub(l.Allocated), OnOrder: l.OnOrder,
			StockOnHand: l.OnHand.Mul(l.UnitCost).Round(4), InTransit: l.InTransit,
		})
		if e != nil {
			return nil, e
		}
		raws[i] = b
	}
	return envelope("ProductAvailabilityList", raws, page, limit), nil
}

// availKey is one ledger key in the availability list's order, with
// what the order is computed from.
type availKey struct {
	key     StockKey
	locName string
}

// availProduct returns the product a ledger key names (only its ID when
// the catalogue has no such product).
func (t *Tenant) availProduct(id string) cin7core.Product {
	if i, ok := t.products.find(id); ok {
		return t.products.rows[i].v
	}
	return cin7core.Product{ID: id}
}

// availabilityOrderLocked returns every ledger key in the order
// ref/productavailability lists rows: SKU ignoring case, location name,
// bin, batch, expiry, then the ledger's own order. It is sorted again only
// when ledger keys, products or locations changed. The caller holds t.mu
// (for reading at least) and must not modify the slice.
func (t *Tenant) availabilityOrderLocked() []availKey {
	keys := t.stockKeysLocked()
	c := &t.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	ver := [3]uint64{t.stockVer, t.products.ver, t.locations.ver}
	if c.avail != nil && c.availVer == ver && len(c.avail) == len(keys) {
		return c.avail
	}
	type sortKey struct {
		ak  availKey
		sku string
	}
	ks := make([]sortKey, len(keys))
	for i, k := range keys {
		ks[i] = sortKey{availKey{k, t.stkPlaceOfKey(k).locName}, strings.ToLower(t.availProduct(k.ProductID).SKU)}
	}
	slices.SortStableFunc(ks, func(a, b sortKey) int {
		for _, c := range []int{
			strings.Compare(a.sku, b.sku),
			strings.Compare(a.ak.locName, b.ak.locName), strings.Compare(a.ak.key.Bin, b.ak.key.Bin), strings.Compare(a.ak.key.Batch, b.ak.key.Batch),
		} {
			if c != 0 {
				return c
			}
		}
		return a.ak.key.Expiry.Compare(b.ak.key.Expiry)
	})
	out := make([]availKey, len(ks))
	for i := range ks {
		out[i] = ks[i].ak
	}
	c.avail, c.availVer = out, ver
	return out
}

// ---- stock transfers ----

func (d *stkDocs) transfer(id string) (*stkTransfer, bool) {
	for _, tr := range d.transfers {
		if cin7core.SameID(tr.doc.TaskID, id) {
			return tr, true
		}
	}
	return nil, false
}

// stkTransferLines resolves and checks transfer lines, filling names and
// the stock at the source.
func (t *Tenant) stkTransferLines(in []cin7core.StockTransferLine, from stkPlace) ([]cin7core.StockTransferLine, *apiErr) {
	out := make([]cin7core.StockTransferLine, len(in))
	for i, l := range in {
		p, e := t.stkProduct(l.ProductID, l.SKU)
		if e != nil {
			return nil, e
		}
		if !l.TransferQuantity.IsPositive() {
			return nil, stkBad("TransferQuantity must be greater than zero (line %d).", i+1)
		}
		if e := stkBatchRules(p, l.BatchSN, l.ExpiryDate); e != nil {
			return nil, e
		}
		l.ProductID, l.SKU, l.ProductName = cin7core.NormalizeID(p.ID), p.SKU, p.Name
		l.QuantityOnHand, l.QuantityAvailable = decimal.Zero, decimal.Zero
		for _, en := range t.stockOfProductLocked(l.ProductID) {
			k := en.Key
			if k.ProductID == l.ProductID && from.same(t.stkPlaceOfKey(k)) && (l.BatchSN == "" || strings.EqualFold(k.Batch, l.BatchSN)) &&
				(l.ExpiryDate.IsZero() || k.Expiry.Equal(l.ExpiryDate.Time)) {
				l.QuantityOnHand = l.QuantityOnHand.Add(en.Level.OnHand)
				l.QuantityAvailable = l.QuantityAvailable.Add(en.Level.OnHand.Sub(en.Level.Allocated))
			}
		}
		out[i] = l
	}
	return out, nil
}

// stkPick chooses the source stock for a transfer's lines (earliest
// expiry first), failing if any line is short.
func (t *Tenant) stkPick(tr *stkTransfer) ([]stkMove, *apiErr) {
	var moves []stkMove
	taken := map[StockKey]decimal.Decimal{}
	for _, l := range tr.doc.Lines {
		need := l.TransferQuantity
		var cands []StockEntry
		for _, en := range t.stockOfProductLocked(l.ProductID) {
			k := en.Key
			if k.ProductID == cin7core.NormalizeID(l.ProductID) && tr.from.same(t.stkPlaceOfKey(k)) &&
				(l.BatchSN == "" || strings.EqualFold(k.Batch, l.BatchSN)) && (l.ExpiryDate.IsZero() || k.Expiry.Equal(l.ExpiryDate.Time)) {
				cands = append(cands, en)
			}
		}
		slices.SortStableFunc(cands, func(a, b StockEntry) int {
			switch {
			case a.Key.Expiry.IsZero() != b.Key.Expiry.IsZero():
				if a.Key.Expiry.IsZero() {
					return 1
				}
				return -1
			case !a.Key.Expiry.Equal(b.Key.Expiry):
				return a.Key.Expiry.Compare(b.Key.Expiry)
			}
			return strings.Compare(a.Key.Batch, b.Key.Batch)
		})
		for _, c := range cands {
			if !need.IsPositive() {
				break
			}
			free := c.Level.OnHand.Sub(c.Level.Allocated).Sub(taken[c.Key])
			if !free.IsPositive() {
				continue
			}
			q := decimal.Min(free, need)
			taken[c.Key] = taken[c.Key].Add(q)
			need = need.Sub(q)
			moves = append(moves, stkMove{productID: c.Key.ProductID, batch: c.Key.Batch, expiry: c.Key.Expiry, qty: q, unitCost: c.Level.UnitCost})
		}
		if need.IsPositive() {
			return nil, stkBad("Not enough stock of '%s' at '%s' to transfer %s.", l.SKU, tr.from.label(), l.TransferQuantity)
		}
	}
	return moves, nil
}

// stkTransition moves a transfer to a new status, moving its stock.
func (t *Tenant) stkTransition(tr *stkTransfer, to cin7core.TransferStatus) *apiErr {
	cur := tr.doc.Status
	if cur == to {
		return nil
	}
	switch {
	case cur == cin7core.TransferCompleted || cur == cin7core.TransferVoided:
		return stkBad("Stock transfer %s is %s and cannot be changed.", tr.doc.Number, cur)
	case to == cin7core.TransferDraft:
		return stkBad("Stock transfer %s is %s and cannot go back to DRAFT.", tr.doc.Number, cur)
	case to != cin7core.TransferInTransit && to != cin7core.TransferCompleted:
		return stkBad("Status '%s' is not valid for a stock transfer.", to)
	}
	if to == cin7core.TransferInTransit || cur == cin7core.TransferDraft {
		if len(tr.doc.Lines) == 0 {
			return stkBad("Stock transfer %s has no lines.", tr.doc.Number)
		}
	}
	if to == cin7core.TransferInTransit {
		if tr.doc.DepartureDate.IsZero() || tr.doc.InTransitAccount == "" {
			return stkBad("DepartureDate and InTransitAccount are required for IN TRANSIT.")
		}
	}
	if to == cin7core.TransferCompleted && tr.doc.CompletionDate.IsZero() {
		return stkBad("CompletionDate is required to complete a stock transfer.")
	}
	if cur == cin7core.TransferDraft {
		moves, e := t.stkPick(tr)
		if e != nil {
			return e
		}
		for _, m := range moves {
			t.adjustStockLocked(tr.from.key(m.productID, m.batch, m.expiry), func(l *StockLevel) { l.OnHand = l.OnHand.Sub(m.qty) })
			if to == cin7core.TransferInTransit {
				t.adjustStockLocked(tr.to.key(m.productID, m.batch, m.expiry), func(l *StockLevel) {
					l.InTransit = l.InTransit.Add(m.qty)
					if l.UnitCost.IsZero() {
						l.UnitCost = m.unitCost
					}
				})
			} else {
				t.stkAddOnHand(tr.to.key(m.productID, m.batch, m.expiry), m.qty, m.unitCost)
			}
		}
		tr.moves = moves
	} else { // IN TRANSIT → COMPLETED
		for _, m := range tr.moves {
			k := tr.to.key(m.productID, m.batch, m.expiry)
			t.adjustStockLocked(k, func(l *StockLevel) { l.InTransit = l.InTransit.Sub(m.qty) })
			t.stkAddOnHand(k, m.qty, m.unitCost)
		}
	}
	tr.doc.Status = to
	return nil
}

// stkCreateTransfer saves a new transfer as DRAFT, then moves it to the
// status asked for.
func (t *Tenant) stkCreateTransfer(in cin7core.StockTransfer) (*stkTransfer, *apiErr) {
	switch in.Status {
	case cin7core.TransferDraft, cin7core.TransferInTransit, cin7core.TransferCompleted:
	case "":
		return nil, stkBad("Status is required.")
	default:
		return nil, stkBad("Status '%s' is not valid for a new stock transfer.", in.Status)
	}
	from, e := t.stkResolvePlace(in.From, in.FromLocation, "From location")
	if e != nil {
		return nil, e
	}
	to, e := t.stkResolvePlace(in.To, in.ToLocation, "To location")
	if e != nil {
		return nil, e
	}
	if from.same(to) {
		return nil, stkBad("From and To locations must be different.")
	}
	lines, e := t.stkTransferLines(in.Lines, from)
	if e != nil {
		return nil, e
	}
	d := stkDocsOf(t)
	tr := &stkTransfer{from: from, to: to, doc: in}
	tr.doc.TaskID = NewID()
	tr.doc.Number = fmt.Sprintf("TR-%05d", d.transferSeq+1)
	tr.doc.From, tr.doc.FromLocation = from.lineID(), from.label()
	tr.doc.To, tr.doc.ToLocation = to.lineID(), to.label()
	tr.doc.Lines = lines
	tr.doc.Status = cin7core.TransferDraft
	if tr.doc.CostDistributionType == "" {
		tr.doc.CostDistributionType = cin7core.CostDistributionCost
	}
	skip := cin7core.Bool(true)
	if in.SkipOrder != nil {
		skip = *in.SkipOrder
	}
	tr.doc.SkipOrder = &skip
	tr.doc.ManualJournals = nil
	tr.doc.Order = &cin7core.StockTransferOrder{Status: cin7core.TransferOrderNotAvailable}
	if !bool(skip) {
		tr.doc.Order.Status = cin7core.TransferOrderDraft
	}
	if e := t.stkTransition(tr, in.Status); e != nil {
		return nil, e
	}
	d.transferSeq++
	d.transfers = append(d.transfers, tr)
	return tr, nil
}

// stkUpdateTransfer applies a PUT: edits while DRAFT, then the status.
func (t *Tenant) stkUpdateTransfer(in cin7core.StockTransfer) (*stkTransfer, *apiErr) {
	if in.TaskID == "" {
		return nil, stkBad("TaskID is required.")
	}
	if in.Status == "" {
		return nil, stkBad("Status is required.")
	}
	tr, ok := stkDocsOf(t).transfer(in.TaskID)
	if !ok {
		return nil, stkNotFound("Stock transfer", in.TaskID)
	}
	next := *tr
	next.doc.Lines = slices.Clone(tr.doc.Lines)
	if tr.doc.Status == cin7core.TransferDraft {
		if in.From != "" || in.FromLocation != "" {
			p, e := t.stkResolvePlace(in.From, in.FromLocation, "From location")
			if e != nil {
				return nil, e
			}
			next.from, next.doc.From, next.doc.FromLocation = p, p.lineID(), p.label()
		}
		if in.To != "" || in.ToLocation != "" {
			p, e := t.stkResolvePlace(in.To, in.ToLocation, "To location")
			if e != nil {
				return nil, e
			}
			next.to, next.doc.To, next.doc.ToLocation = p, p.lineID(), p.label()
		}
		if next.from.same(next.to) {
			return nil, stkBad("From and To locations must be different.")
		}
		if len(in.Lines) > 0 {
			lines, e := t.stkTransferLines(in.Lines, next.from)
			if e != nil {
				return nil, e
			}
			next.doc.Lines = lines
		}
		if in.CostDistributionType != "" {
			next.doc.CostDistributionType = in.CostDistributionType
		}
		if in.Reference != "" {
			next.doc.Reference = in.Reference
		}
		if !in.RequiredByDate.IsZero() {
			next.doc.RequiredByDate = in.RequiredByDate
		}
	}
	if in.InTransitAccount != "" && tr.doc.Status == cin7core.TransferDraft {
		next.doc.InTransitAccount = in.InTransitAccount
	}
	if !in.DepartureDate.IsZero() && tr.doc.Status == cin7core.TransferDraft {
		next.doc.DepartureDate = in.DepartureDate
	}
	if !in.CompletionDate.IsZero() && tr.doc.Status != cin7core.TransferCompleted {
		next.doc.CompletionDate = in.CompletionDate
	}
	if e := t.stkTransition(&next, in.Status); e != nil {
		return nil, e
	}
	*tr = next
	return tr, nil
}

func (s *Server) stkListTransfers(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	status, search := q.get("Status"), q.get("Search")
	t := s.tenant
	t.mu.Lock()
	var rows []cin7core.StockTransferSummary
	for _, tr := range stkDocsOf(t).transfers {
		d := tr.doc
		if status != "" && !strings.EqualFold(string(d.Status), status) {
			continue
		}
		if search != "" && !containsFold(d.FromLocation, search) && !containsFold(d.ToLocation, search) && !containsFold(string(d.Status), search) &&
			!containsFold(d.Reference, search) && !containsFold(d.Number, search) {
			continue
		}
		rows = append(rows, cin7core.StockTransferSummary{TaskID: d.TaskID, From: d.From, FromLocation: d.FromLocation, To: d.To, ToLocation: d.ToLocation,
			Status: d.Status, Number: d.Number, CompletionDate: d.CompletionDate, DepartureDate: d.DepartureDate, RequiredByDate: d.RequiredByDate,
			InTransitAccount: d.InTransitAccount, CostDistributionType: d.CostDistributionType, Reference: d.Reference})
	}
	t.mu.Unlock()
	slices.Reverse(rows) // newest first, as Cin7 Core lists them
	raws, e := stkRows(rows)
	if e != nil {
		return nil, e
	}
	return envelope("StockTransferList", raws, page, limit), nil
}

func (s *Server) stkGetTransfer(q params) ([]byte, *apiErr) {
	id := q.get("TaskID")
	if id == "" {
		return nil, stkBad("TaskID is required.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	tr, ok := stkDocsOf(t).transfer(id)
	if !ok {
		return nil, stkNotFound("Stock transfer", id)
	}
	return stkRender(tr.doc)
}

func (s *Server) stkPostTransfer(r *request) ([]byte, *apiErr) {
	return stkWrite(s, r, (*Tenant).stkCreateTransfer, func(d *stkTransfer) any { return d.doc })
}

func (s *Server) stkPutTransfer(r *request) ([]byte, *apiErr) {
	return stkWrite(s, r, (*Tenant).stkUpdateTransfer, func(d *stkTransfer) any { return d.doc })
}

func (s *Server) stkGetTransferOrder(q params) ([]byte, *apiErr) {
	id := q.get("TaskID")
	if id == "" {
		return nil, stkBad("TaskID is required.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	tr, ok := stkDocsOf(t).transfer(id)
	if !ok {
		return nil, stkNotFound("Stock transfer", id)
	}
	o := cin7core.StockTransferOrder{Status: cin7core.TransferOrderNotAvailable}
	if tr.doc.Order != nil {
		o = *tr.doc.Order
	}
	o.TaskID = tr.doc.TaskID
	return stkRender(o)
}

func (s *Server) stkPostTransferOrder(r *request) ([]byte, *apiErr) {
	var in cin7core.StockTransferOrder
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	if in.TaskID == "" {
		return nil, stkBad("TaskID is required.")
	}
	if in.Status != cin7core.TransferOrderDraft && in.Status != cin7core.TransferOrderAuthorised {
		return nil, stkBad("Status must be DRAFT or AUTHORISED.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	tr, ok := stkDocsOf(t).transfer(in.TaskID)
	if !ok {
		return nil, stkNotFound("Stock transfer", in.TaskID)
	}
	if tr.doc.Status != cin7core.TransferDraft {
		return nil, stkBad("The order of stock transfer %s cannot be changed: it is %s.", tr.doc.Number, tr.doc.Status)
	}
	if tr.doc.Order != nil && tr.doc.Order.Status == cin7core.TransferOrderAuthorised {
		return nil, stkBad("The order of stock transfer %s is already authorised.", tr.doc.Number)
	}
	if len(in.Lines) == 0 {
		return nil, stkBad("Lines are required.")
	}
	lines, e := t.stkTransferLines(in.Lines, tr.from)
	if e != nil {
		return nil, e
	}
	o := &cin7core.StockTransferOrder{TaskID: tr.doc.TaskID, Status: in.Status, Lines: lines}
	skip := cin7core.Bool(false)
	tr.doc.Order, tr.doc.SkipOrder = o, &skip
	if len(tr.doc.Lines) == 0 {
		tr.doc.Lines = slices.Clone(lines)
	}
	return stkRender(o)
}

// ---- stock adjustments ----

func (d *stkDocs) adjustment(id string) (*stkAdjustment, bool) {
	for _, a := range d.adjustments {
		if cin7core.SameID(a.doc.TaskID, id) {
			return a, true
		}
	}
	return nil, false
}

// stkResolveNewLines checks lines that set on-hand quantities. A line for
// a key with no stock creates stock and needs a unit cost.
func (t *Tenant) stkResolveNewLines(in []cin7core.NewStockLine, received cin7core.Time, what string) ([]stkLine, *apiErr) {
	out := make([]stkLine, 0, len(in))
	seen := map[StockKey]bool{}
	for i, l := range in {
		p, e := t.stkProduct(l.ProductID, l.SKU)
		if e != nil {
			return nil, e
		}
		place, e := t.stkResolvePlace(l.LocationID, l.Location, "Location")
		if e != nil {
			return nil, e
		}
		if l.Quantity.IsNegative() {
			return nil, stkBad("%s line %d: Quantity cannot be negative.", what, i+1)
		}
		if e := stkBatchRules(p, l.BatchSN, l.ExpiryDate); e != nil {
			return nil, e
		}
		k := place.key(p.ID, l.BatchSN, l.ExpiryDate.Time)
		if seen[k] {
			return nil, stkBad("%s line %d repeats product '%s' at '%s' with the same batch and expiry.", what, i+1, p.SKU, place.label())
		}
		seen[k] = true
		if l.UnitCost.IsNegative() || (l.UnitCost.IsZero() && !stkLevel(t, k).OnHand.IsPositive() && l.Quantity.IsPositive()) {
			return nil, stkBad("%s line %d: UnitCost is required for new stock of '%s'.", what, i+1, p.SKU)
		}
		rd := l.ReceivedDate
		if rd.IsZero() {
			rd = received
		}
		out = append(out, stkLine{product: p, place: place, key: k, qty: l.Quantity, unitCost: l.UnitCost, received: rd, comments: l.Comments})
	}
	return out, nil
}

// stkDescribe splits lines into existing and new stock against the
// ledger as it is now.
func (t *Tenant) stkDescribe(lines []stkLine) ([]cin7core.ExistingStockLine, []cin7core.NewStockLine) {
	var ex []cin7core.ExistingStockLine
	var nw []cin7core.NewStockLine
	for _, l := range lines {
		lvl := stkLevel(t, l.key)
		if lvl.OnHand.IsPositive() {
			ex = append(ex, cin7core.ExistingStockLine{ProductID: cin7core.NormalizeID(l.product.ID), SKU: l.product.SKU, ProductName: l.product.Name,
				QuantityOnHand: lvl.OnHand, Available: lvl.OnHand.Sub(lvl.Allocated), Adjustment: l.qty,
				LocationID: l.place.lineID(), Location: l.place.lineName(), BatchSN: l.key.Batch, ExpiryDate: stkTime(l.key.Expiry), Comments: l.comments})
			continue
		}
		nw = append(nw, cin7core.NewStockLine{ProductID: cin7core.NormalizeID(l.product.ID), SKU: l.product.SKU, ProductName: l.product.Name,
			Quantity: l.qty, UnitCost: l.unitCost, LocationID: l.place.lineID(), Location: l.place.lineName(),
			BatchSN: l.key.Batch, ExpiryDate: stkTime(l.key.Expiry), ReceivedDate: l.received, Comments: l.comments})
	}
	return ex, nw
}

// stkApply sets every line's on-hand quantity absolutely and returns the
// journal.
func (t *Tenant) stkApply(lines []stkLine, account string, date cin7core.Time) []cin7core.StockTransaction {
	var txs []cin7core.StockTransaction
	for _, l := range lines {
		before := stkLevel(t, l.key)
		cost := l.unitCost
		if cost.IsZero() {
			cost = before.UnitCost
		}
		t.adjustStockLocked(l.key, func(lv *StockLevel) {
			lv.OnHand = l.qty
			if !l.unitCost.IsZero() {
				lv.UnitCost = l.unitCost
			}
		})
		amount := l.qty.Sub(before.OnHand).Mul(cost).Round(2)
		if amount.IsZero() {
			continue
		}
		txs = append(txs, cin7core.StockTransaction{ID: NewID(), Debit: stkInventoryAccount, Credit: account + ": Stock Adjustments", Amount: amount, EffectiveDate: date})
	}
	return txs
}

func (t *Tenant) stkCheckAdjustment(in *cin7core.StockAdjustmentRequest) *apiErr {
	if in.EffectiveDate.IsZero() {
		return stkBad("EffectiveDate is required.")
	}
	if in.Status != cin7core.AdjustmentDraft && in.Status != cin7core.AdjustmentCompleted {
		return stkBad("Status must be DRAFT or COMPLETED.")
	}
	return nil
}

// stkSetAdjustment refreshes a draft's description or completes it.
func (t *Tenant) stkSetAdjustment(a *stkAdjustment, status cin7core.AdjustmentStatus) {
	a.doc.ExistingStockLines, a.doc.NewStockLines = t.stkDescribe(a.lines)
	a.doc.Status = status
	if status == cin7core.AdjustmentCompleted {
		a.doc.Transactions = t.stkApply(a.lines, a.doc.Account, a.doc.EffectiveDate)
	}
}

func (s *Server) stkPostAdjustment(r *request) ([]byte, *apiErr) {
	var in cin7core.StockAdjustmentRequest
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.stkCheckAdjustment(&in); e != nil {
		return nil, e
	}
	if len(in.Lines) == 0 {
		return nil, stkBad("Lines are required.")
	}
	lines, e := t.stkResolveNewLines(in.Lines, in.EffectiveDate, "Stock adjustment")
	if e != nil {
		return nil, e
	}
	d := stkDocsOf(t)
	d.stocktakeSeq++
	a := &stkAdjustment{lines: lines, doc: cin7core.StockAdjustment{TaskID: NewID(), EffectiveDate: in.EffectiveDate,
		StocktakeNumber: fmt.Sprintf("ST-%05d", d.stocktakeSeq), Account: in.Account, Reference: in.Reference, UpdateOnHand: in.UpdateOnHand}}
	t.stkSetAdjustment(a, in.Status)
	d.adjustments = append(d.adjustments, a)
	return stkRender(a.doc)
}

func (s *Server) stkPutAdjustment(r *request) ([]byte, *apiErr) {
	var in cin7core.StockAdjustmentRequest
	if e := decodeBody(r, &in); e != nil {
		return nil, e
	}
	if in.TaskID == "" {
		return nil, stkBad("TaskID is required.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := stkDocsOf(t).adjustment(in.TaskID)
	if !ok {
		return nil, stkNotFound("Stock adjustment", in.TaskID)
	}
	if a.doc.Status != cin7core.AdjustmentDraft {
		return nil, stkBad("Stock adjustment %s is %s and cannot be changed.", a.doc.StocktakeNumber, a.doc.Status)
	}
	if in.EffectiveDate.IsZero() {
		in.EffectiveDate = a.doc.EffectiveDate
	}
	if e := t.stkCheckAdjustment(&in); e != nil {
		return nil, e
	}
	lines := a.lines
	if len(in.Lines) > 0 {
		var e *apiErr
		if lines, e = t.stkResolveNewLines(in.Lines, in.EffectiveDate, "Stock adjustment"); e != nil {
			return nil, e
		}
	}
	a.lines, a.doc.EffectiveDate = lines, in.EffectiveDate
	if in.Account != "" {
		a.doc.Account = in.Account
	}
	if in.Reference != "" {
		a.doc.Reference = in.Reference
	}
	t.stkSetAdjustment(a, in.Status)
	return stkRender(a.doc)
}

func (s *Server) stkGetAdjustment(q params) ([]byte, *apiErr) {
	id := q.get("TaskID")
	if id == "" {
		return nil, stkBad("TaskID is required.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := stkDocsOf(t).adjustment(id)
	if !ok {
		return nil, stkNotFound("Stock adjustment", id)
	}
	if a.doc.Status == cin7core.AdjustmentDraft {
		a.doc.ExistingStockLines, a.doc.NewStockLines = t.stkDescribe(a.lines)
	}
	return stkRender(a.doc)
}

func (s *Server) stkListAdjustments(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	status := q.get("Status")
	t := s.tenant
	t.mu.Lock()
	var rows []cin7core.StockAdjustmentSummary
	for _, a := range stkDocsOf(t).adjustments {
		if status != "" && !strings.EqualFold(string(a.doc.Status), status) {
			continue
		}
		d := a.doc
		rows = append(rows, cin7core.StockAdjustmentSummary{TaskID: d.TaskID, EffectiveDate: d.EffectiveDate, StocktakeNumber: d.StocktakeNumber,
			Status: d.Status, Account: d.Account, Reference: d.Reference})
	}
	t.mu.Unlock()
	raws, e := stkRows(rows)
	if e != nil {
		return nil, e
	}
	return envelope("StockAdjustmentList", raws, page, limit), nil
}

// ---- stocktakes ----

func (d *stkDocs) stocktake(id string) (*stkStocktake, bool) {
	for _, st := range d.stocktakes {
		if cin7core.SameID(st.doc.TaskID, id) {
			return st, true
		}
	}
	return nil, false
}

func stkRefNamed(refs []cin7core.StocktakeRef, name string) bool {
	for _, r := range refs {
		if strings.EqualFold(r.Name, name) {
			return true
		}
	}
	return false
}

// stkFill lists the stock the stocktake counts, with every count at 0.
func (t *Tenant) stkFill(st *stkStocktake) {
	var lines []cin7core.ExistingStockLine
	for _, en := range t.stockLocked() {
		k, l := en.Key, en.Level
		if !l.OnHand.IsPositive() || k.LocationID != st.place.locID {
			continue
		}
		if st.place.bin != "" && !strings.EqualFold(k.Bin, st.place.bin) {
			continue
		}
		if len(st.doc.Bins) > 0 && !stkRefNamed(st.doc.Bins, k.Bin) {
			continue
		}
		var p cin7core.Product
		if i, ok := t.products.find(k.ProductID); ok {
			p = t.products.rows[i].v
		}
		if len(st.doc.Categories) > 0 && !stkRefNamed(st.doc.Categories, p.Category) {
			continue
		}
		if len(st.doc.Brands) > 0 && !stkRefNamed(st.doc.Brands, p.Brand) {
			continue
		}
		place := t.stkPlaceOfKey(k)
		lines = append(lines, cin7core.ExistingStockLine{ProductID: k.ProductID, SKU: p.SKU, ProductName: p.Name,
			QuantityOnHand: l.OnHand, Available: l.OnHand.Sub(l.Allocated), LocationID: place.lineID(), Location: place.lineName(),
			BatchSN: k.Batch, ExpiryDate: stkTime(k.Expiry), Barcode: p.Barcode, StockLocator: p.StockLocator, Unit: p.UOM, CostingMethod: p.CostingMethod})
	}
	st.doc.NonZeroStockOnHandProducts = lines
}

// stkLineKey is the ledger key of a counted line.
func (t *Tenant) stkLineKey(l cin7core.ExistingStockLine) (StockKey, *apiErr) {
	p, e := t.stkProduct(l.ProductID, l.SKU)
	if e != nil {
		return StockKey{}, e
	}
	place, e := t.stkResolvePlace(l.LocationID, l.Location, "Location")
	if e != nil {
		return StockKey{}, e
	}
	return place.key(p.ID, l.BatchSN, l.ExpiryDate.Time), nil
}

// stkCount sets the count of the line matching in (product, location,
// batch and expiry).
func (t *Tenant) stkCount(st *stkStocktake, in cin7core.ExistingStockLine) *apiErr {
	if in.Adjustment.IsNegative() {
		return stkBad("Adjustment cannot be negative.")
	}
	want, e := t.stkLineKey(in)
	if e != nil {
		return e
	}
	for i, l := range st.doc.NonZeroStockOnHandProducts {
		k, e := t.stkLineKey(l)
		if e == nil && k == want {
			st.doc.NonZeroStockOnHandProducts[i].Adjustment = in.Adjustment
			if in.Comments != "" {
				st.doc.NonZeroStockOnHandProducts[i].Comments = in.Comments
			}
			return nil
		}
	}
	return stkBad("Stocktake %s has no line for product '%s' at '%s' batch '%s'.", st.doc.StocktakeNumber, in.SKU+in.ProductID, in.Location+in.LocationID, in.BatchSN)
}

// stkStocktakeLines turns a stocktake's lines into absolute settings.
func (t *Tenant) stkStocktakeLines(st *stkStocktake) ([]stkLine, *apiErr) {
	var out []stkLine
	for _, l := range st.doc.NonZeroStockOnHandProducts {
		k, e := t.stkLineKey(l)
		if e != nil {
			return nil, e
		}
		p, _ := t.stkProduct(l.ProductID, l.SKU)
		out = append(out, stkLine{product: p, key: k, qty: l.Adjustment})
	}
	zero, e := t.stkResolveNewLines(st.doc.ZeroStockOnHandProducts, st.doc.EffectiveDate, "Stocktake")
	if e != nil {
		return nil, e
	}
	return append(out, zero...), nil
}

func (t *Tenant) stkSetStocktakeStatus(st *stkStocktake, to cin7core.StocktakeStatus) *apiErr {
	cur := st.doc.Status
	if cur == to {
		return nil
	}
	switch to {
	case cin7core.StocktakeDraft:
		st.doc.NonZeroStockOnHandProducts, st.doc.ZeroStockOnHandProducts = nil, nil
	case cin7core.StocktakeInProgress:
		t.stkFill(st)
	case cin7core.StocktakeCompleted:
		if cur != cin7core.StocktakeInProgress {
			return stkBad("Stocktake %s must be IN PROGRESS to be completed.", st.doc.StocktakeNumber)
		}
		lines, e := t.stkStocktakeLines(st)
		if e != nil {
			return e
		}
		st.doc.Transactions = t.stkApply(lines, st.doc.Account, st.doc.EffectiveDate)
	default:
		return stkBad("Status '%s' is not valid for a stocktake.", to)
	}
	st.doc.Status = to
	return nil
}

func (t *Tenant) stkCreateStocktake(in cin7core.Stocktake) (*stkStocktake, *apiErr) {
	if in.EffectiveDate.IsZero() {
		return nil, stkBad("EffectiveDate is required.")
	}
	if in.Account == "" {
		return nil, stkBad("Account is required.")
	}
	switch in.Status {
	case "":
		in.Status = cin7core.StocktakeInProgress
	case cin7core.StocktakeDraft, cin7core.StocktakeInProgress:
	default:
		return nil, stkBad("A new stocktake cannot be %s.", in.Status)
	}
	place, e := t.stkResolvePlace(in.LocationID, in.Location, "Location")
	if e != nil {
		return nil, e
	}
	d := stkDocsOf(t)
	now := t.now().UTC()
	st := &stkStocktake{place: place, created: now, updated: now, doc: in}
	st.doc.TaskID = NewID()
	st.doc.StocktakeNumber = fmt.Sprintf("ST-%05d", d.stocktakeSeq+1)
	st.doc.LocationID, st.doc.Location = place.lineID(), place.lineName()
	st.doc.Status = cin7core.StocktakeDraft
	st.doc.NonZeroStockOnHandProducts, st.doc.ZeroStockOnHandProducts, st.doc.Transactions = nil, nil, nil
	if e := t.stkSetStocktakeStatus(st, in.Status); e != nil {
		return nil, e
	}
	d.stocktakeSeq++
	d.stocktakes = append(d.stocktakes, st)
	return st, nil
}

func (t *Tenant) stkUpdateStocktake(in cin7core.Stocktake) (*stkStocktake, *apiErr) {
	if in.TaskID == "" {
		return nil, stkBad("TaskID is required.")
	}
	if in.Status == "" {
		return nil, stkBad("Status is required.")
	}
	st, ok := stkDocsOf(t).stocktake(in.TaskID)
	if !ok {
		return nil, stkNotFound("Stocktake", in.TaskID)
	}
	if st.doc.Status == cin7core.StocktakeCompleted || st.doc.Status == cin7core.StocktakeVoided {
		return nil, stkBad("Stocktake %s is %s and cannot be changed.", st.doc.StocktakeNumber, st.doc.Status)
	}
	next := *st
	next.doc.NonZeroStockOnHandProducts = slices.Clone(st.doc.NonZeroStockOnHandProducts)
	if st.doc.Status == cin7core.StocktakeDraft && in.Status == cin7core.StocktakeInProgress {
		if e := t.stkSetStocktakeStatus(&next, cin7core.StocktakeInProgress); e != nil {
			return nil, e
		}
	}
	if len(in.NonZeroStockOnHandProducts) > 0 {
		if next.doc.Status != cin7core.StocktakeInProgress {
			return nil, stkBad("Counts can only be entered while the stocktake is IN PROGRESS.")
		}
		for _, l := range in.NonZeroStockOnHandProducts {
			if e := t.stkCount(&next, l); e != nil {
				return nil, e
			}
		}
	}
	if len(in.ZeroStockOnHandProducts) > 0 {
		if _, e := t.stkResolveNewLines(in.ZeroStockOnHandProducts, next.doc.EffectiveDate, "Stocktake"); e != nil {
			return nil, e
		}
		zero := slices.Clone(in.ZeroStockOnHandProducts)
		for i := range zero {
			zero[i].CostingMethod = ""
		}
		next.doc.ZeroStockOnHandProducts = zero
	}
	if in.Reference != "" {
		next.doc.Reference = in.Reference
	}
	if e := t.stkSetStocktakeStatus(&next, in.Status); e != nil {
		return nil, e
	}
	next.updated = t.now().UTC()
	*st = next
	return st, nil
}

func (s *Server) stkPostStocktake(r *request) ([]byte, *apiErr) {
	return stkWrite(s, r, (*Tenant).stkCreateStocktake, func(d *stkStocktake) any { return d.doc })
}

func (s *Server) stkPutStocktake(r *request) ([]byte, *apiErr) {
	return stkWrite(s, r, (*Tenant).stkUpdateStocktake, func(d *stkStocktake) any { return d.doc })
}

func (s *Server) stkGetStocktake(q params) ([]byte, *apiErr) {
	id := q.get("TaskID")
	if id == "" {
		return nil, stkBad("TaskID is required.")
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := stkDocsOf(t).stocktake(id)
	if !ok {
		return nil, stkNotFound("Stocktake", id)
	}
	return stkRender(st.doc)
}

func stkJoin[T any](vs []T, name func(T) string) string {
	parts := make([]string, 0, len(vs))
	for _, v := range vs {
		parts = append(parts, name(v))
	}
	return strings.Join(parts, ", ")
}

func (s *Server) stkListStocktakes(q params) ([]byte, *apiErr) {
	page, limit, e := q.paging()
	if e != nil {
		return nil, e
	}
	status := q.get("Status")
	t := s.tenant
	t.mu.Lock()
	var rows []cin7core.StocktakeSummary
	self := func(s string) string { return s }
	ref := func(r cin7core.StocktakeRef) string { return r.Name }
	for _, st := range stkDocsOf(t).stocktakes {
		d := st.doc
		if status != "" && !strings.EqualFold(string(d.Status), status) {
			continue
		}
		rows = append(rows, cin7core.StocktakeSummary{TaskID: d.TaskID, EffectiveDate: d.EffectiveDate, StocktakeNumber: d.StocktakeNumber,
			Status: d.Status, Account: d.Account, LocationID: d.LocationID, Location: d.Location,
			Tags: stkJoin(d.Tags, self), PickZones: stkJoin(d.PickZones, self), StockLocators: stkJoin(d.StockLocators, self),
			Categories: stkJoin(d.Categories, ref), Brands: stkJoin(d.Brands, ref), Bins: stkJoin(d.Bins, ref), Reference: d.Reference,
			CreatedDate:     cin7core.NewTime(st.created.Truncate(100 * time.Nanosecond)),
			LastUpdatedDate: cin7core.Time{Time: st.updated.Truncate(10 * time.Millisecond)}, LastUpdatedBy: stkUpdatedBy})
	}
	t.mu.Unlock()
	raws, e := stkRows(rows)
	if e != nil {
		return nil, e
	}
	// Stocktake rows come under StockAdjustmentList, as in Cin7 Core.
	return envelope("StockAdjustmentList", raws, page, limit), nil
}

// ---- helpers acting as a Cin7 Core user ----

func stkErr(e *apiErr) error {
	if e == nil {
		return nil
	}
	return fmt.Errorf("cin7coretest: %s (HTTP %d)", e.msg, e.status)
}

// CreateTransfer saves a stock transfer as a user would in Cin7 Core and
// moves stock as its Status says (see the package's stock rules). It
// returns the transfer as the API would serve it.
func (t *Tenant) CreateTransfer(tr cin7core.StockTransfer) (cin7core.StockTransfer, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, e := t.stkCreateTransfer(tr)
	if e != nil {
		return cin7core.StockTransfer{}, stkErr(e)
	}
	return st.doc, nil
}

// DispatchTransfer sends a DRAFT transfer IN TRANSIT, as a user would:
// the units leave the source and show as InTransit at the destination.
// The departure date is today on the tenant's clock unless already set.
func (t *Tenant) DispatchTransfer(taskID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	in := cin7core.StockTransfer{TaskID: taskID, Status: cin7core.TransferInTransit}
	if tr, ok := stkDocsOf(t).transfer(taskID); ok {
		if tr.doc.DepartureDate.IsZero() {
			in.DepartureDate = stkToday(t)
		}
		if tr.doc.InTransitAccount == "" {
			in.InTransitAccount = stkDefaultTransit
		}
	}
	_, e := t.stkUpdateTransfer(in)
	return stkErr(e)
}

// CompleteTransfer completes a DRAFT or IN TRANSIT transfer, as a user
// would: the units land on hand at the destination. The completion date
// is today on the tenant's clock unless already set.
func (t *Tenant) CompleteTransfer(taskID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	in := cin7core.StockTransfer{TaskID: taskID, Status: cin7core.TransferCompleted}
	if tr, ok := stkDocsOf(t).transfer(taskID); ok && tr.doc.CompletionDate.IsZero() {
		in.CompletionDate = stkToday(t)
	}
	_, e := t.stkUpdateTransfer(in)
	return stkErr(e)
}

// StockTransfers returns every stock transfer, oldest first.
func (t *Tenant) StockTransfers() []cin7core.StockTransfer {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []cin7core.StockTransfer
	for _, tr := range stkDocsOf(t).transfers {
		out = append(out, tr.doc)
	}
	return out
}

// CompleteStockAdjustment completes a DRAFT stock adjustment, as a user
// would: every line's on-hand quantity is set to its (absolute) quantity.
func (t *Tenant) CompleteStockAdjustment(taskID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := stkDocsOf(t).adjustment(taskID)
	if !ok {
		return stkErr(stkNotFound("Stock adjustment", taskID))
	}
	if a.doc.Status != cin7core.AdjustmentDraft {
		return fmt.Errorf("cin7coretest: stock adjustment %s is %s", a.doc.StocktakeNumber, a.doc.Status)
	}
	t.stkSetAdjustment(a, cin7core.AdjustmentCompleted)
	return nil
}

// CountStocktake records a count for the line of an IN PROGRESS stocktake
// that holds key k, as a user counting the shelf would.
func (t *Tenant) CountStocktake(taskID string, k StockKey, counted decimal.Decimal) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := stkDocsOf(t).stocktake(taskID)
	if !ok {
		return stkErr(stkNotFound("Stocktake", taskID))
	}
	if st.doc.Status != cin7core.StocktakeInProgress {
		return fmt.Errorf("cin7coretest: stocktake %s is %s", st.doc.StocktakeNumber, st.doc.Status)
	}
	k = k.normalised()
	place := t.stkPlaceOfKey(k)
	return stkErr(t.stkCount(st, cin7core.ExistingStockLine{ProductID: k.ProductID, LocationID: place.lineID(), BatchSN: k.Batch,
		ExpiryDate: stkTime(k.Expiry), Adjustment: counted}))
}

// CompleteStocktake completes an IN PROGRESS stocktake, as a user would:
// every count becomes the on-hand quantity (uncounted lines count 0).
func (t *Tenant) CompleteStocktake(taskID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, e := t.stkUpdateStocktake(cin7core.Stocktake{TaskID: taskID, Status: cin7core.StocktakeCompleted})
	return stkErr(e)
}

func stkToday(t *Tenant) cin7core.Time {
	y, m, d := t.now().UTC().Date()
	return cin7core.Time{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// ---- demo data ----

// stkDemo is the shape of demo/stock.json: stock on hand by SKU and
// location name ("Location" or "Location: Bin"), then transfers in the
// API's own shape, replayed through the same rules as the API.
type stkDemo struct {
	Stock []struct {
		SKU      string          `json:"SKU"`
		Location string          `json:"Location"`
		Batch    string          `json:"Batch"`
		Expiry   cin7core.Time   `json:"ExpiryDate"`
		OnHand   decimal.Decimal `json:"OnHand"`
		UnitCost decimal.Decimal `json:"UnitCost"`
	} `json:"Stock"`
	Transfers []cin7core.StockTransfer `json:"Transfers"`
}

var stkDemoData = func() stkDemo {
	var d stkDemo
	if err := json.Unmarshal(demoStockJSON, &d); err != nil {
		panic(fmt.Sprintf("cin7coretest: demo/stock.json: %v", err))
	}
	return d
}()

// seedDemoStock fills the ledger with the demo's stock on hand (adding to
// whatever other seeders put there) and replays the demo transfers: the
// completed ones moved their stock, the one IN TRANSIT shows as InTransit
// at its destination.
func seedDemoStock(t *Tenant) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fail := func(what string, e *apiErr) {
		// The data is part of the package; a failure is a bug in it.
		panic(fmt.Sprintf("cin7coretest: demo/stock.json: %s: %s", what, e.msg))
	}
	for _, s := range stkDemoData.Stock {
		p, e := t.stkProduct("", s.SKU)
		if e != nil {
			fail(s.SKU, e)
		}
		place, e := t.stkResolvePlace("", s.Location, "Location")
		if e != nil {
			fail(s.SKU, e)
		}
		if e := stkBatchRules(p, s.Batch, s.Expiry); e != nil {
			fail(s.SKU, e)
		}
		t.stkAddOnHand(place.key(p.ID, s.Batch, s.Expiry.Time), s.OnHand, s.UnitCost)
	}
	for _, in := range stkDemoData.Transfers {
		final := in.Status
		in.Status = cin7core.TransferDraft
		tr, e := t.stkCreateTransfer(in)
		if e != nil {
			fail("transfer "+in.Reference, e)
		}
		if final == cin7core.TransferDraft {
			continue
		}
		if e := t.stkTransition(tr, cin7core.TransferInTransit); e != nil {
			fail(tr.doc.Number, e)
		}
		if e := t.stkTransition(tr, final); e != nil {
			fail(tr.doc.Number, e)
		}
	}
}
