package mapping

import (
	"strings"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// PlaceTarget is the Ramp place a location or bin maps to. The parent is
// named by ExternalRef because Ramp IDs are only known at write time.
type PlaceTarget struct {
	Place ramp.Place
	// ParentRef is the parent place's ExternalRef; empty for top level.
	ParentRef string
}

// Skipped is a record that deliberately does not sync.
type Skipped struct {
	ID     string
	Name   string
	Reason SkipReason
}

// LocationResult is the outcome of mapping a location list.
type LocationResult struct {
	// Places lists parents before their children.
	Places  []PlaceTarget
	Skipped []Skipped
	Failed  []*Error
}

// Locations maps a complete ref/location list. Each location becomes a
// place; each bin becomes one child place however many times it appears
// (inside its parent's Bins and as its own row). A bin's own row wins over
// the parent's Bins entry, being the fuller record.
func (r Rules) Locations(locs []cin7core.Location) LocationResult {
	var res LocationResult
	type binInfo struct {
		id, name, parent string
		deprecated       bool
	}
	parents := map[string]*cin7core.Location{}
	var parentOrder []string
	bins := map[string]*binInfo{}
	var binOrder []string
	addBin := func(b binInfo, ownRow bool) {
		if have, ok := bins[b.id]; ok {
			if ownRow {
				*have = b
			}
			return
		}
		bins[b.id] = &b
		binOrder = append(binOrder, b.id)
	}
	for i := range locs {
		l := &locs[i]
		id := cin7core.NormalizeID(l.ID)
		if id == "" {
			res.Failed = append(res.Failed, &Error{Kind: "location", ID: "", Field: "ID", Err: ErrMissingField, Detail: l.Name})
			continue
		}
		if l.IsBin() {
			addBin(binInfo{id: id, name: l.Name, parent: cin7core.NormalizeID(l.ParentID), deprecated: bool(l.IsDeprecated)}, true)
			continue
		}
		if _, dup := parents[id]; !dup {
			parentOrder = append(parentOrder, id)
		}
		parents[id] = l
		for _, b := range l.Bins {
			bid := cin7core.NormalizeID(b.ID)
			if bid == "" {
				continue
			}
			addBin(binInfo{id: bid, name: b.Name, parent: id, deprecated: bool(b.IsDeprecated)}, false)
		}
	}
	for _, id := range parentOrder {
		l := parents[id]
		name := strings.TrimSpace(l.Name)
		if name == "" {
			res.Failed = append(res.Failed, &Error{Kind: "location", ID: id, Field: "Name", Err: ErrMissingField})
			continue
		}
		res.Places = append(res.Places, PlaceTarget{Place: ramp.Place{
			ExternalRef: id,
			Name:        name,
			Description: address(l),
			Archived:    bool(l.IsDeprecated),
		}})
	}
	for _, id := range binOrder {
		b := bins[id]
		if r.NoBinPlaces {
			res.Skipped = append(res.Skipped, Skipped{ID: id, Name: b.name, Reason: SkipBinsDisabled})
			continue
		}
		parent, ok := parents[b.parent]
		if !ok {
			res.Failed = append(res.Failed, &Error{Kind: "location", ID: id, Field: "ParentID", Err: ErrMissingParent, Detail: b.parent})
			continue
		}
		name := strings.TrimSpace(b.name)
		if name == "" {
			res.Failed = append(res.Failed, &Error{Kind: "location", ID: id, Field: "Name", Err: ErrMissingField})
			continue
		}
		res.Places = append(res.Places, PlaceTarget{
			Place: ramp.Place{
				ExternalRef: id,
				Name:        strings.TrimSpace(parent.Name) + r.binSep() + name,
				Archived:    b.deprecated || bool(parent.IsDeprecated),
			},
			ParentRef: b.parent,
		})
	}
	return res
}

// address folds a location's address into one line for the description.
func address(l *cin7core.Location) string {
	var parts []string
	for _, p := range []string{l.AddressLine1, l.AddressLine2, l.AddressCitySuburb, l.AddressStateProvince, l.AddressZipPostCode, l.AddressCountry} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}
