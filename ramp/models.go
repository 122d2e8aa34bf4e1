package ramp

import (
	"encoding/json"
	"time"
)

// Place is a Ramp location: a store, warehouse or, through ParentPlaceID, a
// sub-location such as a bin.
type Place struct {
	// ID is Ramp's identifier; empty until created.
	ID string `json:"Id,omitempty"`
	// ExternalRef is the source system's ID (for Cin7 Core, the lower-case
	// location GUID). Unique among places; it makes upserts idempotent.
	ExternalRef     string `json:"ExternalRef"`
	Name            string `json:"Name"`
	Description     string `json:"Description,omitempty"`
	ParentPlaceID   string `json:"ParentPlaceId,omitempty"`
	ParentPlaceName string `json:"ParentPlaceName,omitempty"`
	// Archived places are kept (history refers to them) but hidden.
	Archived         bool      `json:"Archived"`
	DateCreated      time.Time `json:"DateCreated"`
	DateLastModified time.Time `json:"DateLastModified"`
}

// TrackingMode says how units of a SKU are told apart.
type TrackingMode string

// Tracking modes.
const (
	TrackingNone   TrackingMode = "None"
	TrackingBatch  TrackingMode = "Batch"
	TrackingSerial TrackingMode = "Serial"
)

// Sku is a Ramp product. Ramp has no variants: every Cin7 Core family
// member is its own Sku.
type Sku struct {
	// ID is Ramp's identifier; empty until created.
	ID string `json:"Id,omitempty"`
	// ExternalRef is the source product's ID (lower-case GUID). Unique
	// among SKUs.
	ExternalRef   string `json:"ExternalRef"`
	SkuNumber     string `json:"SkuNumber"`
	Name          string `json:"Name"`
	Description   string `json:"Description,omitempty"`
	Barcode       string `json:"Barcode,omitempty"`
	Category      string `json:"Category,omitempty"`
	Brand         string `json:"Brand,omitempty"`
	UnitOfMeasure string `json:"UnitOfMeasure,omitempty"`
	// TrackingMode is None, Batch or Serial.
	TrackingMode TrackingMode `json:"TrackingMode"`
	// TracksExpiry is set for expiry-managed (FEFO) products.
	TracksExpiry bool `json:"TracksExpiry"`
	// Archived SKUs are kept but hidden.
	Archived         bool      `json:"Archived"`
	DateCreated      time.Time `json:"DateCreated"`
	DateLastModified time.Time `json:"DateLastModified"`
}

// MarshalJSON leaves unset server dates out, so requests never send
// "0001-01-01" (a custom marshaller rather than the omitzero tag, which Go
// 1.23 does not know).
func (p Place) MarshalJSON() ([]byte, error) {
	type plain Place // no methods: avoids recursion
	return json.Marshal(struct {
		plain
		// Shallower than plain's fields of the same name, so these win.
		DateCreated      *time.Time `json:"DateCreated,omitempty"`
		DateLastModified *time.Time `json:"DateLastModified,omitempty"`
	}{plain(p), nonZero(p.DateCreated), nonZero(p.DateLastModified)})
}

// MarshalJSON leaves unset server dates out.
func (s Sku) MarshalJSON() ([]byte, error) {
	type plain Sku
	return json.Marshal(struct {
		plain
		DateCreated      *time.Time `json:"DateCreated,omitempty"`
		DateLastModified *time.Time `json:"DateLastModified,omitempty"`
	}{plain(s), nonZero(s.DateCreated), nonZero(s.DateLastModified)})
}

func nonZero(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
