package cin7core

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// StocktakeStatus is a stocktake's status: POST creates it IN PROGRESS
// (counting), PUT moves it on to COMPLETED, which applies the counts;
// VOIDED comes from DELETE. Open: unknown values decode as is.
type StocktakeStatus string

// Known stocktake statuses.
const (
	StocktakeDraft      StocktakeStatus = "DRAFT"
	StocktakeInProgress StocktakeStatus = "IN PROGRESS"
	StocktakeCompleted  StocktakeStatus = "COMPLETED"
	StocktakeVoided     StocktakeStatus = "VOIDED"
)

// Stocktake is a count of one location, as GET, POST and PUT stocktake
// exchange it.
//
// NonZeroStockOnHandProducts lists the stock the location holds, filled in
// by Cin7 Core on POST (or on DRAFT → IN PROGRESS); each line's Adjustment
// is the counted quantity, which COMPLETED applies absolutely. While IN
// PROGRESS a PUT line is matched by product, location, batch and expiry
// and its Adjustment replaces the count. ZeroStockOnHandProducts are
// products found where none were on hand (new stock: UnitCost needed).
type Stocktake struct {
	// TaskID is empty on create and required on update.
	TaskID          string          `json:"TaskID,omitempty"`
	EffectiveDate   Time            `json:"EffectiveDate"`
	StocktakeNumber string          `json:"StocktakeNumber,omitempty"`
	Status          StocktakeStatus `json:"Status,omitempty"`
	// Account (required) is the account that absorbs the differences.
	Account string `json:"Account,omitempty"`
	// LocationID or Location (name) is required.
	LocationID string `json:"LocationID,omitempty"`
	Location   string `json:"Location,omitempty"`
	// Tags, PickZones, StockLocators, Categories, Brands and Bins narrow
	// the products counted.
	Tags          []string       `json:"Tags,omitempty"`
	PickZones     []string       `json:"PickZones,omitempty"`
	StockLocators []string       `json:"StockLocators,omitempty"`
	Categories    []StocktakeRef `json:"Categories,omitempty"`
	Brands        []StocktakeRef `json:"Brands,omitempty"`
	Bins          []StocktakeRef `json:"Bins,omitempty"`
	Reference     string         `json:"Reference,omitempty"`
	// The slices are omitted when empty: an empty array on PUT could
	// clear them (pitfall 29).
	NonZeroStockOnHandProducts []ExistingStockLine `json:"NonZeroStockOnHandProducts,omitempty"`
	ZeroStockOnHandProducts    []NewStockLine      `json:"ZeroStockOnHandProducts,omitempty"`
	Transactions               []StockTransaction  `json:"Transactions,omitempty"`
}

// StocktakeRef names a category, brand or bin a stocktake is limited to.
type StocktakeRef struct {
	ID   string `json:"ID,omitempty"`
	Name string `json:"Name,omitempty"`
}

// StocktakeSummary is a row of stockTakeList. Unlike the document, the
// filters come as comma-delimited strings ("bread, AutoCost, beaded").
type StocktakeSummary struct {
	TaskID          string          `json:"TaskID"`
	EffectiveDate   Time            `json:"EffectiveDate"`
	StocktakeNumber string          `json:"StocktakeNumber"`
	Status          StocktakeStatus `json:"Status"`
	Account         string          `json:"Account,omitempty"`
	LocationID      string          `json:"LocationID,omitempty"`
	Location        string          `json:"Location,omitempty"`
	Tags            string          `json:"Tags,omitempty"`
	PickZones       string          `json:"PickZones,omitempty"`
	StockLocators   string          `json:"StockLocators,omitempty"`
	Categories      string          `json:"Categories,omitempty"`
	Brands          string          `json:"Brands,omitempty"`
	Bins            string          `json:"Bins,omitempty"`
	Reference       string          `json:"Reference,omitempty"`
	CreatedDate     Time            `json:"CreatedDate"`
	LastUpdatedDate Time            `json:"LastUpdatedDate"`
	LastUpdatedBy   string          `json:"LastUpdatedBy,omitempty"`
}

// StocktakeListOptions filter stockTakeList (no change filter).
type StocktakeListOptions struct {
	// Status keeps stocktakes in this status.
	Status StocktakeStatus `url:"Status,omitempty"`
	// Page to start from (1-based); 0 means 1.
	Page int `url:"-"`
	// Limit is the page size; 0 means the maximum, 1000.
	Limit int `url:"-"`
}

// List returns a pager over stocktakes.
func (s *StocktakesService) List(opts *StocktakeListOptions) *Pager[StocktakeSummary] {
	if opts == nil {
		opts = &StocktakeListOptions{}
	}
	o := *opts
	// stockTakeList rows come under StockAdjustmentList (pitfall 21), not
	// StockTakeList.
	return newListPager[StocktakeSummary](s.client, "stockTakeList", "StockAdjustmentList", func() (url.Values, error) { return values(o) }, o.Limit, o.Page)
}

// Get returns one stocktake with its lines; ErrNotFound if the answer
// holds none.
func (s *StocktakesService) Get(ctx context.Context, taskID string) (*Stocktake, error) {
	return getDocument(ctx, s.client, "stocktake", "TaskID", taskID, func(t *Stocktake) string { return t.TaskID })
}

// Create starts a stocktake (POST stocktake). Cin7 Core creates it IN
// PROGRESS with NonZeroStockOnHandProducts filled from the location's
// stock. EffectiveDate, Account and a location are required.
func (s *StocktakesService) Create(ctx context.Context, st *Stocktake, opts ...CallOption) (*Stocktake, error) {
	if err := validateStocktake(st, false); err != nil {
		return nil, err
	}
	var out Stocktake
	if err := s.client.send(ctx, http.MethodPost, "stocktake", nil, st.wire(), &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update records counts or changes the status (PUT stocktake; TaskID and
// Status required). Lines sent replace the counts of the matching lines;
// COMPLETED applies every count as the new on-hand quantity.
func (s *StocktakesService) Update(ctx context.Context, st *Stocktake, opts ...CallOption) (*Stocktake, error) {
	if err := validateStocktake(st, true); err != nil {
		return nil, err
	}
	var out Stocktake
	if err := s.client.send(ctx, http.MethodPut, "stocktake", nil, st.wire(), &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

func validateStocktake(st *Stocktake, update bool) error {
	if st == nil {
		return &ValidationError{Reason: "stocktake is nil"}
	}
	if update {
		if st.TaskID == "" {
			return &ValidationError{Field: "TaskID", Reason: "is required to update a stocktake"}
		}
		switch st.Status {
		case StocktakeDraft, StocktakeInProgress, StocktakeCompleted:
		case "":
			return &ValidationError{Field: "Status", Reason: "is required"}
		default:
			return &ValidationError{Field: "Status", Reason: "must be DRAFT, IN PROGRESS or COMPLETED, not " + string(st.Status)}
		}
	} else {
		if st.EffectiveDate.IsZero() {
			return &ValidationError{Field: "EffectiveDate", Reason: "is required"}
		}
		if st.Account == "" {
			return &ValidationError{Field: "Account", Reason: "is required"}
		}
		if st.LocationID == "" && st.Location == "" {
			return &ValidationError{Field: "LocationID", Reason: "LocationID or Location is required"}
		}
		switch st.Status {
		case "", StocktakeDraft, StocktakeInProgress:
		default:
			return &ValidationError{Field: "Status", Reason: "a new stocktake is DRAFT or IN PROGRESS, not " + string(st.Status)}
		}
	}
	for i := range st.NonZeroStockOnHandProducts {
		l := &st.NonZeroStockOnHandProducts[i]
		field := "NonZeroStockOnHandProducts[" + strconv.Itoa(i) + "]."
		if l.ProductID == "" && l.SKU == "" {
			return &ValidationError{Field: field + "ProductID", Reason: "ProductID or SKU is required"}
		}
		if l.Adjustment.IsNegative() {
			return &ValidationError{Field: field + "Adjustment", Reason: "is the counted quantity and cannot be negative"}
		}
	}
	for i := range st.ZeroStockOnHandProducts {
		if err := validateNewStockLine(&st.ZeroStockOnHandProducts[i], "ZeroStockOnHandProducts", i); err != nil {
			return err
		}
	}
	return nil
}

// wire returns the body to send, without the lines' CostingMethod (the
// product's setting, read-only).
func (st *Stocktake) wire() *Stocktake {
	out := *st
	out.ZeroStockOnHandProducts = stripNewLineMethods(st.ZeroStockOnHandProducts)
	if st.NonZeroStockOnHandProducts != nil {
		out.NonZeroStockOnHandProducts = make([]ExistingStockLine, len(st.NonZeroStockOnHandProducts))
		copy(out.NonZeroStockOnHandProducts, st.NonZeroStockOnHandProducts)
		for i := range out.NonZeroStockOnHandProducts {
			out.NonZeroStockOnHandProducts[i].CostingMethod = ""
		}
	}
	return &out
}
