package cin7core

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shopspring/decimal"
)

// AdjustmentStatus is a stock adjustment's status. Writes accept DRAFT or
// COMPLETED; VOIDED comes from DELETE. Open: unknown values decode as is.
type AdjustmentStatus string

// Known stock adjustment statuses.
const (
	AdjustmentDraft     AdjustmentStatus = "DRAFT"
	AdjustmentCompleted AdjustmentStatus = "COMPLETED"
	AdjustmentVoided    AdjustmentStatus = "VOIDED"
)

// StockAdjustment is a stock adjustment as GET, POST and PUT
// stockadjustment answer it: the lines split into ExistingStockLines
// (stock that was already there) and NewStockLines (stock added where
// there was none), plus the journal Transactions once completed.
type StockAdjustment struct {
	TaskID        string `json:"TaskID"`
	EffectiveDate Time   `json:"EffectiveDate"`
	// StocktakeNumber (ST-00001 …) is assigned by Cin7 Core; adjustments
	// and stocktakes share the sequence.
	StocktakeNumber    string              `json:"StocktakeNumber,omitempty"`
	Status             AdjustmentStatus    `json:"Status"`
	Account            string              `json:"Account,omitempty"`
	Reference          string              `json:"Reference,omitempty"`
	UpdateOnHand       *Bool               `json:"UpdateOnHand,omitempty"`
	ExistingStockLines []ExistingStockLine `json:"ExistingStockLines,omitempty"`
	NewStockLines      []NewStockLine      `json:"NewStockLines,omitempty"`
	Transactions       []StockTransaction  `json:"Transactions,omitempty"`
}

// StockAdjustmentRequest is the body of POST and PUT stockadjustment.
//
// Each line's Quantity is the NEW on-hand quantity of its product ×
// location × batch, not a change (pitfall 31): to remove 2 of 10 units
// send 8. Lines need a positive UnitCost, a product and a location; the
// batch/serial and expiry rules depend on the product's costing method,
// which the client checks when the line's CostingMethod is set (it is
// not sent).
type StockAdjustmentRequest struct {
	// TaskID is required on PUT.
	TaskID string `json:"TaskID,omitempty"`
	// EffectiveDate is required.
	EffectiveDate   Time   `json:"EffectiveDate"`
	StocktakeNumber string `json:"StocktakeNumber,omitempty"`
	// Status is DRAFT or COMPLETED; COMPLETED applies the quantities.
	Status AdjustmentStatus `json:"Status"`
	// Account is the expense account code.
	Account   string `json:"Account,omitempty"`
	Reference string `json:"Reference,omitempty"`
	// UpdateOnHand: true adjusts on-hand, false adjusts available; nil
	// leaves the API's default.
	UpdateOnHand *Bool `json:"UpdateOnHand,omitempty"`
	// Lines are required; omitted (never sent as []) when empty.
	Lines []NewStockLine `json:"Lines,omitempty"`
}

// StockAdjustmentSummary is a row of stockadjustmentList.
type StockAdjustmentSummary struct {
	TaskID          string           `json:"TaskID"`
	EffectiveDate   Time             `json:"EffectiveDate"`
	StocktakeNumber string           `json:"StocktakeNumber"`
	Status          AdjustmentStatus `json:"Status"`
	Account         string           `json:"Account,omitempty"`
	Reference       string           `json:"Reference,omitempty"`
}

// ExistingStockLine is a line for stock that already exists (stock
// adjustments' ExistingStockLines, stocktakes'
// NonZeroStockOnHandProducts). Adjustment is the new on-hand quantity
// (the count), not a difference.
type ExistingStockLine struct {
	ProductID   string `json:"ProductID,omitempty"`
	SKU         string `json:"SKU,omitempty"`
	ProductName string `json:"ProductName,omitempty"`
	// QuantityOnHand and Available are read-only: the stock before the
	// document is applied.
	QuantityOnHand decimal.Decimal `json:"QuantityOnHand"`
	Available      decimal.Decimal `json:"Available"`
	// Adjustment is the new on-hand quantity (absolute).
	Adjustment decimal.Decimal `json:"Adjustment"`
	// LocationID and Location name the location, or the bin when the
	// stock is in a bin.
	LocationID string `json:"LocationID,omitempty"`
	Location   string `json:"Location,omitempty"`
	BatchSN    string `json:"BatchSN,omitempty"`
	ExpiryDate Time   `json:"ExpiryDate"`
	Comments   string `json:"Comments,omitempty"`

	ProductLength        decimal.Decimal `json:"ProductLength"`
	ProductWidth         decimal.Decimal `json:"ProductWidth"`
	ProductHeight        decimal.Decimal `json:"ProductHeight"`
	ProductWeight        decimal.Decimal `json:"ProductWeight"`
	WeightUnits          string          `json:"WeightUnits,omitempty"`
	DimensionsUnits      string          `json:"DimensionsUnits,omitempty"`
	ProductCustomField1  string          `json:"ProductCustomField1,omitempty"`
	ProductCustomField2  string          `json:"ProductCustomField2,omitempty"`
	ProductCustomField3  string          `json:"ProductCustomField3,omitempty"`
	ProductCustomField4  string          `json:"ProductCustomField4,omitempty"`
	ProductCustomField5  string          `json:"ProductCustomField5,omitempty"`
	ProductCustomField6  string          `json:"ProductCustomField6,omitempty"`
	ProductCustomField7  string          `json:"ProductCustomField7,omitempty"`
	ProductCustomField8  string          `json:"ProductCustomField8,omitempty"`
	ProductCustomField9  string          `json:"ProductCustomField9,omitempty"`
	ProductCustomField10 string          `json:"ProductCustomField10,omitempty"`

	// Image, Barcode, StockLocator, Unit and CostingMethod are read-only
	// extras of stocktake lines.
	Image        *StockLineImage `json:"Image,omitempty"`
	Barcode      string          `json:"Barcode,omitempty"`
	StockLocator string          `json:"StockLocator,omitempty"`
	Unit         string          `json:"Unit,omitempty"`
	// CostingMethod comes back on stocktake lines; writes never send it.
	CostingMethod CostingMethod `json:"CostingMethod,omitempty"`
}

// NewStockLine is a line that creates stock (stock adjustment Lines and
// NewStockLines, stocktakes' ZeroStockOnHandProducts).
//
// Quantity is the NEW on-hand quantity, absolute (pitfall 31). UnitCost is
// required and positive: new stock opens a cost layer. BatchSN is required
// unless the costing method is FIFO, ExpiryDate for FEFO methods.
type NewStockLine struct {
	// ProductID or SKU is required.
	ProductID   string `json:"ProductID,omitempty"`
	SKU         string `json:"SKU,omitempty"`
	ProductName string `json:"ProductName,omitempty"`
	// Quantity is the new on-hand quantity (absolute, not a delta).
	Quantity decimal.Decimal `json:"Quantity"`
	// UnitCost is the cost of one unit; required.
	UnitCost decimal.Decimal `json:"UnitCost"`
	// LocationID or Location (name) is required; a bin may be named.
	LocationID   string `json:"LocationID,omitempty"`
	Location     string `json:"Location,omitempty"`
	BatchSN      string `json:"BatchSN,omitempty"`
	ExpiryDate   Time   `json:"ExpiryDate"`
	ReceivedDate Time   `json:"ReceivedDate"`
	Comments     string `json:"Comments,omitempty"`

	ProductLength        decimal.Decimal `json:"ProductLength"`
	ProductWidth         decimal.Decimal `json:"ProductWidth"`
	ProductHeight        decimal.Decimal `json:"ProductHeight"`
	ProductWeight        decimal.Decimal `json:"ProductWeight"`
	WeightUnits          string          `json:"WeightUnits,omitempty"`
	DimensionsUnits      string          `json:"DimensionsUnits,omitempty"`
	ProductCustomField1  string          `json:"ProductCustomField1,omitempty"`
	ProductCustomField2  string          `json:"ProductCustomField2,omitempty"`
	ProductCustomField3  string          `json:"ProductCustomField3,omitempty"`
	ProductCustomField4  string          `json:"ProductCustomField4,omitempty"`
	ProductCustomField5  string          `json:"ProductCustomField5,omitempty"`
	ProductCustomField6  string          `json:"ProductCustomField6,omitempty"`
	ProductCustomField7  string          `json:"ProductCustomField7,omitempty"`
	ProductCustomField8  string          `json:"ProductCustomField8,omitempty"`
	ProductCustomField9  string          `json:"ProductCustomField9,omitempty"`
	ProductCustomField10 string          `json:"ProductCustomField10,omitempty"`

	// Image, Barcode, StockLocator and Unit are read-only extras of
	// stocktake lines.
	Image        *StockLineImage `json:"Image,omitempty"`
	Barcode      string          `json:"Barcode,omitempty"`
	StockLocator string          `json:"StockLocator,omitempty"`
	Unit         string          `json:"Unit,omitempty"`
	// CostingMethod is the product's costing method. Set it on a line you
	// write to have the batch/serial and expiry rules checked before the
	// request (or call [StockAdjustmentRequest.ValidateFor]); it is never
	// sent. Stocktake answers fill it in.
	CostingMethod CostingMethod `json:"CostingMethod,omitempty"`
}

// StockLineImage is a product image attached to a stocktake line.
type StockLineImage struct {
	ID          string `json:"ID"`
	ContentType string `json:"ContentType,omitempty"`
	FileName    string `json:"FileName,omitempty"`
	DownloadURL string `json:"DownloadUrl,omitempty"`
}

// StockTransaction is a journal entry a stock document posted; accounts
// come as "code: name", e.g. "403: Cost Of Goods Sold".
type StockTransaction struct {
	ID            string          `json:"ID"`
	Debit         string          `json:"Debit"`
	Credit        string          `json:"Credit"`
	Amount        decimal.Decimal `json:"Amount"`
	EffectiveDate Time            `json:"EffectiveDate"`
}

// StockAdjustmentListOptions filter stockadjustmentList. There is no
// change filter: a sync re-reads the list.
type StockAdjustmentListOptions struct {
	// Status keeps adjustments in this status.
	Status AdjustmentStatus `url:"Status,omitempty"`
	// Page to start from (1-based); 0 means 1.
	Page int `url:"-"`
	// Limit is the page size; 0 means the maximum, 1000.
	Limit int `url:"-"`
}

// List returns a pager over stock adjustments.
func (s *StockAdjustmentsService) List(opts *StockAdjustmentListOptions) *Pager[StockAdjustmentSummary] {
	if opts == nil {
		opts = &StockAdjustmentListOptions{}
	}
	o := *opts
	return newListPager[StockAdjustmentSummary](s.client, "stockadjustmentList", "StockAdjustmentList", func() (url.Values, error) { return values(o) }, o.Limit, o.Page)
}

// Get returns one stock adjustment with its lines; ErrNotFound if the
// answer holds none.
func (s *StockAdjustmentsService) Get(ctx context.Context, taskID string) (*StockAdjustment, error) {
	return getDocument(ctx, s.client, "stockadjustment", "TaskID", taskID, func(a *StockAdjustment) string { return a.TaskID })
}

// Create posts a stock adjustment. With Status COMPLETED the quantities
// are applied at once, absolutely. Not retried after a 5xx or transport
// error unless opts has [RetrySafe]: a second COMPLETED post would be a
// second document (harmless to the quantities, which are absolute, but
// doubled in the journal).
func (s *StockAdjustmentsService) Create(ctx context.Context, req *StockAdjustmentRequest, opts ...CallOption) (*StockAdjustment, error) {
	if err := req.validate(false); err != nil {
		return nil, err
	}
	var out StockAdjustment
	if err := s.client.send(ctx, http.MethodPost, "stockadjustment", nil, req.wire(), &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes a draft adjustment or completes it (PUT, TaskID
// required).
func (s *StockAdjustmentsService) Update(ctx context.Context, req *StockAdjustmentRequest, opts ...CallOption) (*StockAdjustment, error) {
	if err := req.validate(true); err != nil {
		return nil, err
	}
	var out StockAdjustment
	if err := s.client.send(ctx, http.MethodPut, "stockadjustment", nil, req.wire(), &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// ValidateFor checks the request as Create would, after filling each
// line's CostingMethod from methods, keyed by product ID (any case) or
// SKU. Lines whose product is not in methods keep their own
// CostingMethod. It changes req's lines.
func (req *StockAdjustmentRequest) ValidateFor(methods map[string]CostingMethod) error {
	if req == nil {
		return &ValidationError{Reason: "request is nil"}
	}
	fillCostingMethods(req.Lines, methods)
	return req.validate(req.TaskID != "")
}

func (req *StockAdjustmentRequest) validate(update bool) error {
	if req == nil {
		return &ValidationError{Reason: "request is nil"}
	}
	if update && req.TaskID == "" {
		return &ValidationError{Field: "TaskID", Reason: "is required to update an adjustment"}
	}
	if req.EffectiveDate.IsZero() {
		return &ValidationError{Field: "EffectiveDate", Reason: "is required"}
	}
	switch req.Status {
	case AdjustmentDraft, AdjustmentCompleted:
	case "":
		return &ValidationError{Field: "Status", Reason: "is required"}
	default:
		return &ValidationError{Field: "Status", Reason: "must be DRAFT or COMPLETED, not " + string(req.Status)}
	}
	if len(req.Lines) == 0 {
		return &ValidationError{Field: "Lines", Reason: "at least one line is required"}
	}
	for i := range req.Lines {
		if err := validateNewStockLine(&req.Lines[i], "Lines", i); err != nil {
			return err
		}
	}
	return nil
}

// wire returns the body to send: the same request with the lines'
// CostingMethod cleared (it is a client-side hint, never sent).
func (req *StockAdjustmentRequest) wire() *StockAdjustmentRequest {
	out := *req
	out.Lines = stripNewLineMethods(req.Lines)
	return &out
}

func stripNewLineMethods(lines []NewStockLine) []NewStockLine {
	if lines == nil {
		return nil
	}
	out := make([]NewStockLine, len(lines))
	copy(out, lines)
	for i := range out {
		out[i].CostingMethod = ""
	}
	return out
}

func fillCostingMethods(lines []NewStockLine, methods map[string]CostingMethod) {
	for i := range lines {
		if m, ok := lookupMethod(methods, lines[i].ProductID, lines[i].SKU); ok {
			lines[i].CostingMethod = m
		}
	}
}

func lookupMethod(methods map[string]CostingMethod, productID, sku string) (CostingMethod, bool) {
	if productID != "" {
		if m, ok := methods[productID]; ok {
			return m, true
		}
		for k, m := range methods {
			if SameID(k, productID) {
				return m, true
			}
		}
	}
	if sku != "" {
		if m, ok := methods[sku]; ok {
			return m, true
		}
	}
	return "", false
}

func validateNewStockLine(l *NewStockLine, list string, i int) error {
	field := func(name string) string { return list + "[" + strconv.Itoa(i) + "]." + name }
	if l.ProductID == "" && l.SKU == "" {
		return &ValidationError{Field: field("ProductID"), Reason: "ProductID or SKU is required"}
	}
	if l.LocationID == "" && l.Location == "" {
		return &ValidationError{Field: field("LocationID"), Reason: "LocationID or Location is required"}
	}
	if l.Quantity.IsNegative() {
		return &ValidationError{Field: field("Quantity"), Reason: "is the new on-hand quantity and cannot be negative"}
	}
	if !l.UnitCost.IsPositive() {
		return &ValidationError{Field: field("UnitCost"), Reason: "is required for new stock and must be positive"}
	}
	return checkBatchRules(l.CostingMethod, l.BatchSN, l.ExpiryDate, field)
}

// checkBatchRules applies the costing method's rules when the method is
// known: a batch or serial number for every method but FIFO, an expiry
// date for FEFO. An empty or unknown method is not checked (the server
// decides).
func checkBatchRules(m CostingMethod, batch string, expiry Time, field func(string) string) error {
	if !m.Known() {
		return nil
	}
	if m != CostingFIFO && batch == "" {
		return &ValidationError{Field: field("BatchSN"), Reason: "a batch or serial number is required for costing method " + string(m)}
	}
	if (m == CostingFEFOBatch || m == CostingFEFOSerial) && expiry.IsZero() {
		return &ValidationError{Field: field("ExpiryDate"), Reason: "is required for costing method " + string(m)}
	}
	return nil
}

// taskNotFound is the error for a task document the answer did not hold.
func taskNotFound(path, taskID string) error {
	return notFoundBy(path, "TaskID", taskID)
}
