package cin7core

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/shopspring/decimal"
)

// Stock received is how goods arrive against a purchase order. A simple
// purchase has one receipt (purchase/stock, TaskID = the purchase's ID); an
// advanced purchase has any number of receiving tasks
// (advanced-purchase/stock, each with its own TaskID).
//
// Server rules worth knowing before posting:
//   - the order must be AUTHORISED, and with Approach INVOICE the invoice
//     must be authorised first;
//   - a POST adds lines; it never changes or removes existing ones;
//   - lines repeating product + location + batch + expiry within one
//     payload are summed into one line (allowed, and not checked here);
//   - a line repeating the product + location + batch + expiry of a line
//     the task already has is rejected (400), so posting the same receipt
//     twice fails rather than doubling stock;
//   - a POST with Status AUTHORISED and no lines authorises what the task
//     holds.

// PurchaseStockLine is one line of stock received (or, in a credit note's
// Unstock, returned). One of Location and LocationID is required; Name and
// Received are read-only.
type PurchaseStockLine struct {
	Date      Time            `json:"Date"`
	Quantity  decimal.Decimal `json:"Quantity"`
	ProductID string          `json:"ProductID,omitempty"`
	SKU       string          `json:"SKU,omitempty"`
	Name      string          `json:"Name,omitempty"`
	// Location is the location's name; LocationID its ID (a bin's ID
	// receives into the bin).
	Location   string `json:"Location,omitempty"`
	LocationID string `json:"LocationID,omitempty"`
	// Received is true once the line's task is authorised.
	Received Bool `json:"Received,omitempty"`
	// BatchSN is the batch or serial number (batch and serial costing).
	BatchSN     string `json:"BatchSN,omitempty"`
	SupplierSKU string `json:"SupplierSKU,omitempty"`
	// ExpiryDate is the expiry of the batch (FEFO costing).
	ExpiryDate Time `json:"ExpiryDate"`
	// CardID identifies the stock batch the line created.
	CardID string `json:"CardID,omitempty"`
	PurchaseLineProduct
}

// PurchaseStock is one receiving task: the stock received of a simple
// purchase, or one element of an advanced purchase's StockReceived,
// PutAway or StockReceiving. Status is DRAFT or AUTHORISED when posting.
type PurchaseStock struct {
	TaskID string `json:"TaskID,omitempty"`
	// InvoicingAndReceivingNumber numbers the tasks of an advanced
	// purchase.
	InvoicingAndReceivingNumber Int                 `json:"InvoicingAndReceivingNumber,omitempty"`
	Status                      PurchaseTaskStatus  `json:"Status,omitempty"`
	Lines                       []PurchaseStockLine `json:"Lines,omitempty"`
}

// AdvancedPurchaseStock is the body of a POST or PUT to
// advanced-purchase/stock. On POST, an empty TaskID (or the all-zero GUID)
// creates a new receiving task; on PUT, TaskID names the task to change.
type AdvancedPurchaseStock struct {
	PurchaseID string              `json:"PurchaseID"`
	TaskID     string              `json:"TaskID,omitempty"`
	Status     PurchaseTaskStatus  `json:"Status,omitempty"`
	Lines      []PurchaseStockLine `json:"Lines,omitempty"`
}

// AdvancedPurchaseStockList is what advanced-purchase/stock answers: every
// receiving task of the purchase.
type AdvancedPurchaseStockList struct {
	PurchaseID     string          `json:"PurchaseID"`
	StockReceiving []PurchaseStock `json:"StockReceiving"`
}

// Task returns the receiving task with the given ID (compared ignoring
// case), or nil.
func (l *AdvancedPurchaseStockList) Task(taskID string) *PurchaseStock {
	for i := range l.StockReceiving {
		if SameID(l.StockReceiving[i].TaskID, taskID) {
			return &l.StockReceiving[i]
		}
	}
	return nil
}

// purchaseZeroGUID is what the API takes as "no task" in advanced-purchase/stock.
const purchaseZeroGUID = "00000000-0000-0000-0000-000000000000"

// purchaseStockLineBody is what a write sends of a line: the writable fields only
// (Name, Received and the product facts are read-only).
type purchaseStockLineBody struct {
	Date        *Time           `json:"Date,omitempty"`
	Quantity    decimal.Decimal `json:"Quantity"`
	ProductID   string          `json:"ProductID,omitempty"`
	SKU         string          `json:"SKU,omitempty"`
	Location    string          `json:"Location,omitempty"`
	LocationID  string          `json:"LocationID,omitempty"`
	BatchSN     string          `json:"BatchSN,omitempty"`
	SupplierSKU string          `json:"SupplierSKU,omitempty"`
	ExpiryDate  *Time           `json:"ExpiryDate,omitempty"`
	CardID      string          `json:"CardID,omitempty"`
}

func purchaseStockLineBodies(lines []PurchaseStockLine) []purchaseStockLineBody {
	out := make([]purchaseStockLineBody, len(lines))
	for i, l := range lines {
		b := purchaseStockLineBody{Quantity: l.Quantity, ProductID: l.ProductID, SKU: l.SKU, Location: l.Location,
			LocationID: l.LocationID, BatchSN: l.BatchSN, SupplierSKU: l.SupplierSKU, CardID: l.CardID}
		if !l.Date.IsZero() {
			d := l.Date
			b.Date = &d
		}
		if !l.ExpiryDate.IsZero() {
			e := l.ExpiryDate
			b.ExpiryDate = &e
		}
		out[i] = b
	}
	return out
}

// validatePurchaseStockLines checks what the API would reject, before any request.
func validatePurchaseStockLines(status PurchaseTaskStatus, lines []PurchaseStockLine) error {
	switch strings.ToUpper(string(status)) {
	case "", string(PurchaseTaskDraft), string(PurchaseTaskAuthorised):
	default:
		return &ValidationError{Field: "Status", Reason: "must be DRAFT or AUTHORISED, not " + string(status)}
	}
	if len(lines) == 0 && !status.IsAuthorised() {
		return &ValidationError{Field: "Lines", Reason: "must not be empty unless Status is AUTHORISED (which authorises the task)"}
	}
	for i, l := range lines {
		if strings.TrimSpace(l.ProductID) == "" && strings.TrimSpace(l.SKU) == "" {
			return &ValidationError{Field: purchaseLineField(i, "ProductID"), Reason: "a line needs a ProductID or a SKU"}
		}
		if strings.TrimSpace(l.Location) == "" && strings.TrimSpace(l.LocationID) == "" {
			return &ValidationError{Field: purchaseLineField(i, "LocationID"), Reason: "a line needs a Location or a LocationID"}
		}
		if !l.Quantity.IsPositive() {
			return &ValidationError{Field: purchaseLineField(i, "Quantity"), Reason: "must be positive"}
		}
	}
	return nil
}

func purchaseNoTask(id string) bool {
	id = strings.TrimSpace(id)
	return id == "" || id == purchaseZeroGUID
}

// GetStock returns the stock received of a simple purchase (task ID = the
// purchase's ID).
func (s *PurchasesService) GetStock(ctx context.Context, taskID string) (*PurchaseStock, error) {
	if purchaseNoTask(taskID) {
		return nil, &ValidationError{Field: "TaskID", Reason: "must not be empty"}
	}
	var st PurchaseStock
	if err := s.client.get(ctx, "purchase/stock", url.Values{"TaskID": {taskID}}, &st); err != nil {
		return nil, err
	}
	if st.TaskID == "" {
		return nil, notFound("purchase/stock", taskID)
	}
	return &st, nil
}

// PostStock adds lines to the stock received of a simple purchase and,
// with Status AUTHORISED, authorises it (no lines: authorise what is
// there). Lines are checked before sending: each needs a ProductID or SKU,
// a Location or LocationID and a positive Quantity. Lines repeating
// product + location + batch + expiry inside st are allowed: the API sums
// them. See the rules above this file's types. Not retried on 5xx or
// transport errors unless opts include [RetrySafe]; after such an error,
// check with GetStock before posting again ([MayHaveReachedServer]).
func (s *PurchasesService) PostStock(ctx context.Context, st *PurchaseStock, opts ...CallOption) (*PurchaseStock, error) {
	if st == nil {
		return nil, &ValidationError{Reason: "stock received must not be nil"}
	}
	if purchaseNoTask(st.TaskID) {
		return nil, &ValidationError{Field: "TaskID", Reason: "must be the purchase's ID"}
	}
	if err := validatePurchaseStockLines(st.Status, st.Lines); err != nil {
		return nil, err
	}
	body := struct {
		TaskID string                  `json:"TaskID"`
		Status PurchaseTaskStatus      `json:"Status,omitempty"`
		Lines  []purchaseStockLineBody `json:"Lines"`
	}{st.TaskID, st.Status, purchaseStockLineBodies(st.Lines)}
	var out PurchaseStock
	if err := s.client.send(ctx, http.MethodPost, "purchase/stock", nil, body, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetAdvancedStock returns every receiving task of an advanced purchase.
func (s *PurchasesService) GetAdvancedStock(ctx context.Context, purchaseID string) (*AdvancedPurchaseStockList, error) {
	if purchaseNoTask(purchaseID) {
		return nil, &ValidationError{Field: "PurchaseID", Reason: "must not be empty"}
	}
	var out AdvancedPurchaseStockList
	if err := s.client.get(ctx, "advanced-purchase/stock", url.Values{"PurchaseID": {purchaseID}}, &out); err != nil {
		return nil, err
	}
	if out.PurchaseID == "" {
		return nil, notFound("advanced-purchase/stock", purchaseID)
	}
	return &out, nil
}

// PostAdvancedStock adds a receiving task to an advanced purchase (empty
// TaskID) or lines to an existing one, and authorises it with Status
// AUTHORISED. It answers every task of the purchase; a new task is the one
// whose ID was not there before. Checks and retries as for PostStock.
func (s *PurchasesService) PostAdvancedStock(ctx context.Context, st *AdvancedPurchaseStock, opts ...CallOption) (*AdvancedPurchaseStockList, error) {
	if err := validateAdvancedPurchaseStock(st, false); err != nil {
		return nil, err
	}
	body := struct {
		PurchaseID string                  `json:"PurchaseID"`
		TaskID     string                  `json:"TaskID,omitempty"`
		Status     PurchaseTaskStatus      `json:"Status,omitempty"`
		Lines      []purchaseStockLineBody `json:"Lines"`
	}{st.PurchaseID, st.TaskID, st.Status, purchaseStockLineBodies(st.Lines)}
	var out AdvancedPurchaseStockList
	if err := s.client.send(ctx, http.MethodPost, "advanced-purchase/stock", nil, body, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// PutAdvancedStock changes an existing receiving task (TaskID required):
// its lines when st has any, its status (AUTHORISED authorises). An empty
// Lines is never sent, because an empty array on PUT deletes the task's
// lines (pitfall 29); with no lines the task keeps its own. Checks and
// retries as for PostStock; a PUT that only authorises is safe to retry
// ([RetrySafe]).
func (s *PurchasesService) PutAdvancedStock(ctx context.Context, st *AdvancedPurchaseStock, opts ...CallOption) (*AdvancedPurchaseStockList, error) {
	if err := validateAdvancedPurchaseStock(st, true); err != nil {
		return nil, err
	}
	body := struct {
		PurchaseID string                  `json:"PurchaseID"`
		TaskID     string                  `json:"TaskID"`
		Status     PurchaseTaskStatus      `json:"Status,omitempty"`
		Lines      []purchaseStockLineBody `json:"Lines,omitempty"`
	}{st.PurchaseID, st.TaskID, st.Status, purchaseStockLineBodies(st.Lines)}
	var out AdvancedPurchaseStockList
	if err := s.client.send(ctx, http.MethodPut, "advanced-purchase/stock", nil, body, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

func validateAdvancedPurchaseStock(st *AdvancedPurchaseStock, put bool) error {
	if st == nil {
		return &ValidationError{Reason: "stock received must not be nil"}
	}
	if purchaseNoTask(st.PurchaseID) {
		return &ValidationError{Field: "PurchaseID", Reason: "must not be empty"}
	}
	if put {
		if purchaseNoTask(st.TaskID) {
			return &ValidationError{Field: "TaskID", Reason: "must name the receiving task to change"}
		}
		if len(st.Lines) == 0 && st.Status == "" {
			return &ValidationError{Field: "Lines", Reason: "nothing to change: no lines and no status"}
		}
		if len(st.Lines) == 0 {
			// Authorising (or re-drafting) without touching the lines.
			return validatePurchaseStockLines(st.Status, []PurchaseStockLine{})
		}
	}
	return validatePurchaseStockLines(st.Status, st.Lines)
}
