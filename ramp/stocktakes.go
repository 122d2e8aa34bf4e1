package ramp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"
)

// Stocktake is a count of a place that Ramp users ran with their RFID
// readers (Locafi's "Inventory"). Once a user validates it, the
// integration writes its counts to Cin7 Core as a stock adjustment.
type Stocktake struct {
	ID   string `json:"Id"`
	Name string `json:"Name,omitempty"`
	// PlaceID is the place counted; lines may name its child places.
	PlaceID          string `json:"PlaceId"`
	PlaceExternalRef string `json:"PlaceExternalRef,omitempty"`
	PlaceName        string `json:"PlaceName,omitempty"`
	// Complete is set when counting has finished.
	Complete bool `json:"Complete"`
	// Validated is set when a user has accepted the counts; ValidatedAt
	// says when (zero until then).
	Validated   bool      `json:"Validated"`
	ValidatedAt time.Time `json:"ValidatedAt"`
	// Version grows with every change, so (ID, Version) names one state.
	Version int64 `json:"Version"`
	// LineCount is the number of lines; lists carry it without the lines.
	LineCount int `json:"LineCount"`
	// Lines are filled by Get only.
	Lines            []StocktakeLine `json:"Lines,omitempty"`
	DateCreated      time.Time       `json:"DateCreated"`
	DateLastModified time.Time       `json:"DateLastModified"`
}

// StocktakeLine is what was counted of one SKU (and batch or serial) in
// one place, against what was expected there.
type StocktakeLine struct {
	SkuID            string    `json:"SkuId"`
	SkuExternalRef   string    `json:"SkuExternalRef,omitempty"`
	SkuNumber        string    `json:"SkuNumber,omitempty"`
	PlaceID          string    `json:"PlaceId"`
	PlaceExternalRef string    `json:"PlaceExternalRef,omitempty"`
	Batch            string    `json:"Batch,omitempty"`
	Serial           string    `json:"Serial,omitempty"`
	Expiry           time.Time `json:"Expiry"`
	// Counted is what the users found; Expected what the place's
	// expected counts said when the stocktake ran.
	Counted  decimal.Decimal `json:"Counted"`
	Expected decimal.Decimal `json:"Expected"`
	// UnitCost is the cost Ramp holds for the SKU, if any (not Valid when
	// Ramp has none: such lines cannot be written to Cin7 Core).
	UnitCost decimal.NullDecimal `json:"UnitCost"`
}

// Variance is Counted minus Expected.
func (l StocktakeLine) Variance() decimal.Decimal { return l.Counted.Sub(l.Expected) }

// MarshalJSON leaves unset times out.
func (s Stocktake) MarshalJSON() ([]byte, error) {
	type plain Stocktake
	return json.Marshal(struct {
		plain
		ValidatedAt      *time.Time `json:"ValidatedAt,omitempty"`
		DateCreated      *time.Time `json:"DateCreated,omitempty"`
		DateLastModified *time.Time `json:"DateLastModified,omitempty"`
	}{plain(s), nonZero(s.ValidatedAt), nonZero(s.DateCreated), nonZero(s.DateLastModified)})
}

// MarshalJSON leaves a zero Expiry out.
func (l StocktakeLine) MarshalJSON() ([]byte, error) {
	type plain StocktakeLine
	return json.Marshal(struct {
		plain
		Expiry *time.Time `json:"Expiry,omitempty"`
	}{plain(l), nonZero(l.Expiry)})
}

func (s *Stocktake) recordID() string { return s.ID }

// StocktakeQuery builds the usual stocktake filters; zero fields select
// all.
type StocktakeQuery struct {
	PlaceID string
	// Validated, when non-nil, selects validated (true) or open (false)
	// stocktakes.
	Validated *bool
	// ValidatedSince selects stocktakes validated at or after this time.
	ValidatedSince time.Time
	// ModifiedSince selects stocktakes changed at or after this time.
	ModifiedSince time.Time
}

// Filter renders the query as an OData filter.
func (q StocktakeQuery) Filter() Filter {
	var fs []Filter
	if q.PlaceID != "" {
		fs = append(fs, Eq("PlaceId", q.PlaceID))
	}
	if q.Validated != nil {
		fs = append(fs, Eq("Validated", *q.Validated))
	}
	if !q.ValidatedSince.IsZero() {
		fs = append(fs, Ge("ValidatedAt", q.ValidatedSince))
	}
	if !q.ModifiedSince.IsZero() {
		fs = append(fs, Ge("DateLastModified", q.ModifiedSince))
	}
	return And(fs...)
}

// StocktakesService reads stocktakes (Inventories/*). Ramp users run and
// validate them; the integration only reads.
type StocktakesService service

// List returns a pager over stocktakes matching opts (nil for all). List
// items carry LineCount but no Lines: Get each one to read its counts.
func (s *StocktakesService) List(opts *ListOptions) *Pager[Stocktake] {
	return newPager[Stocktake](s.client, stockPaths.list, opts)
}

// Get reads one stocktake with its lines.
func (s *StocktakesService) Get(ctx context.Context, id string) (*Stocktake, error) {
	return getRecord[Stocktake](ctx, s.client, stockPaths, id)
}
