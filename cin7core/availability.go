package cin7core

import (
	"net/url"

	"github.com/shopspring/decimal"
)

// AvailabilityRow is one row of ref/productavailability (and of the
// Stock/AvailableStockLevelChanged webhook payload, which adds Category
// and MaxRows). There is one row per product × location × bin × batch
// (and expiry); rows whose quantities are all zero are not listed
// (pitfall 32), so a product missing from the list has no stock.
//
// Read the quantities with care:
//   - OnHand is the number of units on hand.
//   - StockOnHand is a VALUE in the base currency (OnHand × unit cost), not
//     units (pitfall 4).
//   - Available is Cin7 Core's own figure; copy it, never recompute it as
//     OnHand − Allocated: for carton and secondary-UOM products Cin7 derives
//     it from the parent's loose stock and the two disagree (pitfall 5).
type AvailabilityRow struct {
	// ID is the product's ID.
	ID      string `json:"ID"`
	SKU     string `json:"SKU"`
	Name    string `json:"Name"`
	Barcode string `json:"Barcode,omitempty"`
	// Location is the location's name; Bin the bin's name, empty if none.
	Location string `json:"Location"`
	Bin      string `json:"Bin,omitempty"`
	// Batch is the batch or serial number, empty if none.
	Batch      string `json:"Batch,omitempty"`
	ExpiryDate Time   `json:"ExpiryDate"`
	// Category comes with the webhook payload.
	Category string `json:"Category,omitempty"`
	// OnHand is units on hand.
	OnHand decimal.Decimal `json:"OnHand"`
	// Allocated is units allocated to sales and other documents.
	Allocated decimal.Decimal `json:"Allocated"`
	// Available is Cin7 Core's available quantity: copy, don't recompute.
	Available decimal.Decimal `json:"Available"`
	// OnOrder is units on purchase orders not yet received.
	OnOrder decimal.Decimal `json:"OnOrder"`
	// StockOnHand is the value of the stock on hand (money), not units.
	StockOnHand decimal.Decimal `json:"StockOnHand"`
	// InTransit is units in stock transfers on their way.
	InTransit decimal.Decimal `json:"InTransit"`
	// MaxRows comes with the webhook payload.
	MaxRows Int `json:"MaxRows,omitempty"`
}

// AvailabilityListOptions filter ref/productavailability. The endpoint has
// NO change filter (pitfall 3: ModifiedSince is ignored by the API, so none
// is offered here): a stock sync re-reads the whole list, at Limit 1000.
type AvailabilityListOptions struct {
	// ID keeps the rows of one product.
	ID string `url:"ID,omitempty"`
	// Name keeps products whose name starts with it.
	Name string `url:"Name,omitempty"`
	// SKU keeps products whose SKU starts with it; the query parameter is
	// spelled Sku, the row field SKU (pitfall 27).
	SKU string `url:"Sku,omitempty"`
	// Location is a location name.
	Location string `url:"Location,omitempty"`
	// Batch is a batch or serial number.
	Batch string `url:"Batch,omitempty"`
	// Category is a product category name.
	Category string `url:"Category,omitempty"`
	// Page to start from (1-based); 0 means 1.
	Page int `url:"-"`
	// Limit is the page size; 0 means the maximum, 1000.
	Limit int `url:"-"`
}

// List returns a pager over stock-on-hand rows.
func (s *AvailabilityService) List(opts *AvailabilityListOptions) *Pager[AvailabilityRow] {
	if opts == nil {
		opts = &AvailabilityListOptions{}
	}
	o := *opts
	return newListPager[AvailabilityRow](s.client, "ref/productavailability", "ProductAvailabilityList", func() (url.Values, error) { return values(o) }, o.Limit, o.Page)
}
