package cin7core

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// TransferStatus is a stock transfer's status. Transfers move DRAFT → IN
// TRANSIT → COMPLETED (or straight from DRAFT to COMPLETED); VOIDED comes
// from DELETE. Open: an unknown value decodes as is.
type TransferStatus string

// Known stock transfer statuses.
const (
	TransferDraft     TransferStatus = "DRAFT"
	TransferInTransit TransferStatus = "IN TRANSIT"
	TransferCompleted TransferStatus = "COMPLETED"
	TransferVoided    TransferStatus = "VOIDED"
)

// TransferOrderStatus is the status of a transfer's optional order
// sub-document, which is separate from the transfer's own status.
type TransferOrderStatus string

// Known transfer order statuses; NOT AVAILABLE means the transfer has no
// order (SkipOrder).
const (
	TransferOrderNotAvailable TransferOrderStatus = "NOT AVAILABLE"
	TransferOrderDraft        TransferOrderStatus = "DRAFT"
	TransferOrderAuthorised   TransferOrderStatus = "AUTHORISED"
)

// CostDistributionType says how a transfer's costs are spread over its
// lines (Cost is the API's default).
type CostDistributionType string

// Known cost distribution types.
const (
	CostDistributionCost     CostDistributionType = "Cost"
	CostDistributionQuantity CostDistributionType = "Quantity"
	CostDistributionWeight   CostDistributionType = "Weight"
	CostDistributionVolume   CostDistributionType = "Volume"
)

// StockTransfer is a stock transfer between two locations (or bins), as
// GET, POST and PUT stockTransfer exchange it. A location is given by ID
// (From, To) or by name (FromLocation, ToLocation); one of each pair is
// required. Bins are named "Location: Bin" in the name fields.
type StockTransfer struct {
	// TaskID identifies the transfer; empty on create, required on update.
	TaskID       string         `json:"TaskID,omitempty"`
	Status       TransferStatus `json:"Status"`
	From         string         `json:"From,omitempty"`
	FromLocation string         `json:"FromLocation,omitempty"`
	To           string         `json:"To,omitempty"`
	ToLocation   string         `json:"ToLocation,omitempty"`
	// Number (TR-00001 …) is assigned by Cin7 Core.
	Number               string               `json:"Number,omitempty"`
	CostDistributionType CostDistributionType `json:"CostDistributionType,omitempty"`
	// InTransitAccount and DepartureDate are required to go IN TRANSIT.
	InTransitAccount string `json:"InTransitAccount,omitempty"`
	DepartureDate    Time   `json:"DepartureDate"`
	// CompletionDate is required to complete the transfer.
	CompletionDate Time   `json:"CompletionDate"`
	RequiredByDate Time   `json:"RequiredByDate"`
	Reference      string `json:"Reference,omitempty"`
	// SkipOrder: nil leaves the API's default (true: no transfer order).
	SkipOrder *Bool `json:"SkipOrder,omitempty"`
	// Lines are omitted when empty: an empty array on PUT could remove
	// lines (pitfall 29), so do not send [] to mean "unchanged".
	Lines []StockTransferLine `json:"Lines,omitempty"`
	// ManualJournals are kept raw: their shape on transfers is not
	// documented and every known example is empty.
	ManualJournals []json.RawMessage `json:"ManualJournals,omitempty"`
	// Order is the transfer order sub-document (read-only here; write it
	// with [StockTransfersService.PostOrder]).
	Order *StockTransferOrder `json:"Order,omitempty"`
}

// StockTransferLine is one product line of a transfer or transfer order.
type StockTransferLine struct {
	// ProductID or SKU identifies the product; one is required.
	ProductID   string `json:"ProductID,omitempty"`
	SKU         string `json:"SKU,omitempty"`
	ProductName string `json:"ProductName,omitempty"`
	// QuantityOnHand and QuantityAvailable are read-only: the stock at the
	// source when the transfer was saved.
	QuantityOnHand    decimal.Decimal `json:"QuantityOnHand"`
	QuantityAvailable decimal.Decimal `json:"QuantityAvailable"`
	// TransferQuantity is the number of units moved; must be positive.
	TransferQuantity decimal.Decimal `json:"TransferQuantity"`
	// BatchSN is the batch or serial number, required unless the
	// product's costing method is FIFO.
	BatchSN string `json:"BatchSN,omitempty"`
	// ExpiryDate is required for FEFO products.
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

	// CostingMethod is the product's costing method, never sent: set it
	// to have the batch/serial and expiry rules checked before the
	// request (the API does not return it on transfer lines).
	CostingMethod CostingMethod `json:"-"`
}

// StockTransferOrder is the optional order of a transfer
// (stockTransfer/order): what was requested, before it is shipped.
type StockTransferOrder struct {
	// TaskID is the transfer's TaskID.
	TaskID string              `json:"TaskID,omitempty"`
	Status TransferOrderStatus `json:"Status"`
	Lines  []StockTransferLine `json:"Lines,omitempty"`
}

// StockTransferSummary is a row of stockTransferList: the header without
// lines (fetch those with Get).
type StockTransferSummary struct {
	TaskID               string               `json:"TaskID"`
	From                 string               `json:"From"`
	FromLocation         string               `json:"FromLocation"`
	To                   string               `json:"To"`
	ToLocation           string               `json:"ToLocation"`
	Status               TransferStatus       `json:"Status"`
	Number               string               `json:"Number"`
	CompletionDate       Time                 `json:"CompletionDate"`
	DepartureDate        Time                 `json:"DepartureDate"`
	RequiredByDate       Time                 `json:"RequiredByDate"`
	InTransitAccount     string               `json:"InTransitAccount,omitempty"`
	CostDistributionType CostDistributionType `json:"CostDistributionType,omitempty"`
	Reference            string               `json:"Reference,omitempty"`
}

// StockTransferListOptions filter stockTransferList. The list has no
// change filter (no ModifiedSince/UpdatedSince): a sync re-reads it.
type StockTransferListOptions struct {
	// Status keeps transfers in this status.
	Status TransferStatus `url:"Status,omitempty"`
	// Search matches FromLocation, ToLocation, Status, reference and
	// Number.
	Search string `url:"Search,omitempty"`
	// Page to start from (1-based); 0 means 1.
	Page int `url:"-"`
	// Limit is the page size; 0 means the maximum, 1000.
	Limit int `url:"-"`
}

// List returns a pager over stock transfers.
func (s *StockTransfersService) List(opts *StockTransferListOptions) *Pager[StockTransferSummary] {
	if opts == nil {
		opts = &StockTransferListOptions{}
	}
	o := *opts
	return newListPager[StockTransferSummary](s.client, "stockTransferList", "StockTransferList", func() (url.Values, error) { return values(o) }, o.Limit, o.Page)
}

// Get returns one transfer with its lines and order; ErrNotFound if the
// answer holds no transfer.
func (s *StockTransfersService) Get(ctx context.Context, taskID string) (*StockTransfer, error) {
	return getDocument(ctx, s.client, "stockTransfer", "TaskID", taskID, func(t *StockTransfer) string { return t.TaskID })
}

// Create posts a new transfer (POST stockTransfer) and returns it as
// saved. It is checked first (see the type's rules); a write is not
// retried after a 5xx or transport error unless opts has [RetrySafe].
func (s *StockTransfersService) Create(ctx context.Context, tr *StockTransfer, opts ...CallOption) (*StockTransfer, error) {
	if err := validateTransfer(tr, false); err != nil {
		return nil, err
	}
	var out StockTransfer
	if err := s.client.send(ctx, http.MethodPost, "stockTransfer", nil, tr, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes a transfer (PUT stockTransfer, TaskID required): edit a
// draft, send it IN TRANSIT (DepartureDate and InTransitAccount needed)
// or complete it (CompletionDate needed). Setting a status is idempotent,
// so passing [RetrySafe] is reasonable for a pure status change.
func (s *StockTransfersService) Update(ctx context.Context, tr *StockTransfer, opts ...CallOption) (*StockTransfer, error) {
	if err := validateTransfer(tr, true); err != nil {
		return nil, err
	}
	var out StockTransfer
	if err := s.client.send(ctx, http.MethodPut, "stockTransfer", nil, tr, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetOrder returns a transfer's order (GET stockTransfer/order).
func (s *StockTransfersService) GetOrder(ctx context.Context, taskID string) (*StockTransferOrder, error) {
	if taskID == "" {
		return nil, &ValidationError{Field: "TaskID", Reason: "must not be empty"}
	}
	var out StockTransferOrder
	if err := s.client.get(ctx, "stockTransfer/order", url.Values{"TaskID": {taskID}}, &out); err != nil {
		return nil, err
	}
	if out.TaskID == "" && out.Status == "" {
		return nil, taskNotFound("stockTransfer/order", taskID)
	}
	return &out, nil
}

// PostOrder creates or replaces a transfer's order (POST
// stockTransfer/order); TaskID is the transfer's.
func (s *StockTransfersService) PostOrder(ctx context.Context, o *StockTransferOrder, opts ...CallOption) (*StockTransferOrder, error) {
	if o == nil {
		return nil, &ValidationError{Reason: "order is nil"}
	}
	if o.TaskID == "" {
		return nil, &ValidationError{Field: "TaskID", Reason: "is required"}
	}
	switch o.Status {
	case TransferOrderDraft, TransferOrderAuthorised:
	case "":
		return nil, &ValidationError{Field: "Status", Reason: "is required"}
	default:
		return nil, &ValidationError{Field: "Status", Reason: "must be DRAFT or AUTHORISED, not " + string(o.Status)}
	}
	if len(o.Lines) == 0 {
		return nil, &ValidationError{Field: "Lines", Reason: "at least one line is required"}
	}
	for i := range o.Lines {
		if err := validateTransferLine(&o.Lines[i], i); err != nil {
			return nil, err
		}
	}
	var out StockTransferOrder
	if err := s.client.send(ctx, http.MethodPost, "stockTransfer/order", nil, o, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// validateTransfer applies the documented rules before a write.
func validateTransfer(tr *StockTransfer, update bool) error {
	if tr == nil {
		return &ValidationError{Reason: "transfer is nil"}
	}
	if update && tr.TaskID == "" {
		return &ValidationError{Field: "TaskID", Reason: "is required to update a transfer"}
	}
	if tr.From == "" && tr.FromLocation == "" {
		return &ValidationError{Field: "From", Reason: "a source location is required (From or FromLocation)"}
	}
	if tr.To == "" && tr.ToLocation == "" {
		return &ValidationError{Field: "To", Reason: "a destination location is required (To or ToLocation)"}
	}
	if (tr.From != "" && SameID(tr.From, tr.To)) || (tr.From == "" && tr.To == "" && strings.EqualFold(strings.TrimSpace(tr.FromLocation), strings.TrimSpace(tr.ToLocation))) {
		return &ValidationError{Field: "To", Reason: "must differ from the source location"}
	}
	switch tr.Status {
	case TransferDraft, TransferInTransit, TransferCompleted:
	case "":
		return &ValidationError{Field: "Status", Reason: "is required"}
	case TransferVoided:
		return &ValidationError{Field: "Status", Reason: "a transfer is voided with DELETE, not by status"}
	default:
		return &ValidationError{Field: "Status", Reason: "must be DRAFT, IN TRANSIT or COMPLETED, not " + string(tr.Status)}
	}
	if tr.Status == TransferInTransit {
		if tr.DepartureDate.IsZero() {
			return &ValidationError{Field: "DepartureDate", Reason: "is required for IN TRANSIT"}
		}
		if tr.InTransitAccount == "" {
			return &ValidationError{Field: "InTransitAccount", Reason: "is required for IN TRANSIT"}
		}
	}
	if tr.Status == TransferCompleted && tr.CompletionDate.IsZero() {
		return &ValidationError{Field: "CompletionDate", Reason: "is required to complete a transfer"}
	}
	if !update && len(tr.Lines) == 0 && tr.Status != TransferDraft {
		return &ValidationError{Field: "Lines", Reason: "at least one line is required"}
	}
	for i := range tr.Lines {
		if err := validateTransferLine(&tr.Lines[i], i); err != nil {
			return err
		}
	}
	return nil
}

func validateTransferLine(l *StockTransferLine, i int) error {
	field := func(name string) string { return "Lines[" + strconv.Itoa(i) + "]." + name }
	if l.ProductID == "" && l.SKU == "" {
		return &ValidationError{Field: field("ProductID"), Reason: "ProductID or SKU is required"}
	}
	if !l.TransferQuantity.IsPositive() {
		return &ValidationError{Field: field("TransferQuantity"), Reason: "must be positive"}
	}
	return checkBatchRules(l.CostingMethod, l.BatchSN, l.ExpiryDate, field)
}
