package mapping

import (
	"errors"
	"fmt"
)

// Rules configure the mapping. The zero value is the default behaviour.
type Rules struct {
	// NoBinPlaces stops bins from becoming child places; they are then
	// skipped with [SkipBinsDisabled].
	NoBinPlaces bool
	// IncludeServices maps service products too (they are skipped by
	// default: Ramp tracks physical stock).
	IncludeServices bool
	// FamilySeparator goes between the family name and the options;
	// default " - ".
	FamilySeparator string
	// OptionSeparator goes between option values; default " / ".
	OptionSeparator string
	// BinSeparator goes between a location's name and its bin's name in
	// the child place's name, as Cin7 Core displays bins; default ": ".
	BinSeparator string
	// StockQuantity chooses the figure Ramp's expected counts are made of:
	// StockFromOnHand (the default, what is on the shelf) or
	// StockFromAvailable.
	StockQuantity StockQuantity
	// FulfilmentStages says which Cin7 Core fulfilment stages a Ramp outbound
	// order's progress authorises; the zero value authorises the pick once
	// Ramp has allocated (picked) the whole order, and pack and ship on
	// dispatch.
	FulfilmentStages FulfilmentRules
}

// DefaultRules returns the default rules with every default spelled out.
func DefaultRules() Rules {
	return Rules{FamilySeparator: " - ", OptionSeparator: " / ", BinSeparator: ": "}
}

func (r Rules) familySep() string { return or(r.FamilySeparator, " - ") }
func (r Rules) optionSep() string { return or(r.OptionSeparator, " / ") }
func (r Rules) binSep() string    { return or(r.BinSeparator, ": ") }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// SkipReason says why a record deliberately does not sync. It is not an
// error: skipped records are counted, not retried.
type SkipReason string

// Skip reasons.
const (
	// SkipService: a service product has no stock to track.
	SkipService SkipReason = "service product"
	// SkipUnsupportedType: a product type other than Stock or Service.
	SkipUnsupportedType SkipReason = "unsupported product type"
	// SkipBinsDisabled: the rules turn bins off.
	SkipBinsDisabled SkipReason = "bins are not mapped"
	// SkipFamilyMember: the product belongs to a family and is mapped
	// through it, once.
	SkipFamilyMember SkipReason = "mapped through its family"
	// SkipArchivedNotInRamp: the record is deprecated at the source and
	// was never in Ramp, so there is nothing to archive.
	SkipArchivedNotInRamp SkipReason = "deprecated and not in Ramp"
)

// Sentinel errors wrapped by *Error, for errors.Is.
var (
	// ErrMissingField: a field the target needs is empty.
	ErrMissingField = errors.New("mapping: required field missing")
	// ErrUnknownCostingMethod: a costing method the rules do not know.
	ErrUnknownCostingMethod = errors.New("mapping: unknown costing method")
	// ErrMissingParent: a bin whose location is not in the list.
	ErrMissingParent = errors.New("mapping: parent location missing")
	// ErrNotMember: the product is not a member of the given family.
	ErrNotMember = errors.New("mapping: product is not a member of the family")
)

// Error is a record that cannot be mapped.
type Error struct {
	// Kind is "location", "product" or "family".
	Kind string
	// ID is the source record's ID (normalised).
	ID string
	// Field is the offending field, if one.
	Field string
	// Err is one of the sentinel errors.
	Err error
	// Detail adds context (the offending value).
	Detail string
}

// Error names the record, the field and the problem.
func (e *Error) Error() string {
	s := fmt.Sprintf("mapping %s %s", e.Kind, e.ID)
	if e.Field != "" {
		s += " field " + e.Field
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }
