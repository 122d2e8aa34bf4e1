// Package mapping holds the pure rules that turn Cin7 Core records into
// Ramp records. It does no I/O and never reads the clock, so every rule is
// table-testable.
//
// # Rules
//
// A [Rules] value configures the mapping; its zero value is the default
// behaviour (bins become child places, services are skipped, family
// variants are named "<family> - <opt1> / <opt2> / <opt3>").
//
// # Locations
//
// [Rules.Locations] maps the whole ref/location list at once, because bins
// arrive twice (inside their parent's Bins and as rows of their own, with
// different GUID case) and must become exactly one child place each.
// Deprecated locations and bins map to archived places.
//
// # Products and families
//
// [Rules.Product] maps a standalone product; [Rules.FamilyMember] maps a
// product that belongs to a family: Ramp has no variants, so each member
// becomes its own SKU, named from the family and its option values, with
// family fields filling what the member lacks. [FamilyIndex] tells which
// products are members, so each is mapped exactly once even though it also
// appears in the product list.
//
// Tracking comes from the costing method: batch methods track batches,
// serial-number methods track serials, FEFO methods also track expiry
// ([Tracking]).
//
// # Outcomes
//
// Every function returns the target, or a [SkipReason] for records that
// deliberately do not sync, or an *[Error] for records that cannot be
// mapped. GUIDs are normalised to lower case before they become
// ExternalRefs.
package mapping
