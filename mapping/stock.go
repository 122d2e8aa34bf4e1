package mapping

import (
	"slices"
	"strings"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

// StockQuantity picks which figure of a Cin7 Core availability row becomes
// Ramp's expected count.
//
// The default is [StockFromOnHand]. Ramp's expected counts are what a
// stocktake checks RFID reads against, and a reader finds every unit on the
// shelf, allocated or not: units allocated to a sale that has not been
// picked are still physically there. Expected counts from Available would
// make every stocktake report those units as surplus, and the validated
// stocktake then written back to Cin7 Core (quantity = counted, absolute)
// sets on-hand units, so the two sides must speak of the same figure.
// (Shopify's Ramp integration imports "available" because a web shop
// sells what is available; Ramp counts what is there.) Tenants that want
// Ramp to expect only unallocated stock can choose [StockFromAvailable];
// Available is then copied from Cin7 Core, never recomputed (for carton
// and secondary-UOM products Cin7 derives it differently, pitfall 5).
// StockOnHand is money (pitfall 4) and is never a choice.
type StockQuantity string

const (
	// StockFromOnHand uses OnHand, the units on hand (the default).
	StockFromOnHand StockQuantity = "OnHand"
	// StockFromAvailable uses Cin7 Core's Available, copied as is.
	StockFromAvailable StockQuantity = "Available"
)

// Skip reasons for stock-on-hand rows.
const (
	// SkipUnknownLocation: the row names a location the location list
	// does not have.
	SkipUnknownLocation SkipReason = "unknown location"
	// SkipAmbiguousLocation: two active locations share the row's
	// location name, so the row cannot be placed safely.
	SkipAmbiguousLocation SkipReason = "location name is not unique"
	// SkipUnknownBin: the row names a bin its location does not list.
	SkipUnknownBin SkipReason = "unknown bin"
	// SkipNoProductID: the row names no product.
	SkipNoProductID SkipReason = "row has no product ID"
	// SkipNegativeStock: the rows of a place, SKU and batch sum to less
	// than zero, which Ramp cannot expect.
	SkipNegativeStock SkipReason = "negative stock on hand"
)

// StockPlaces places stock rows, which name locations and bins by name,
// on the Ramp places the location list maps to (ExternalRef = normalised
// GUID). Build one per pass from the whole ref/location list with
// [Rules.StockPlaces].
type StockPlaces struct {
	noBins bool
	// byName: trimmed location name → ID; "" marks a name shared by two
	// active locations. byFold is the same, case-folded.
	byName, byFold map[string]string
	// bins: location ID + "\x00" + folded bin name → bin ID.
	bins map[string]string
	// parent: bin ID → location ID.
	parent map[string]string
	// names: place ref → the Ramp place's name.
	names map[string]string
}

// StockPlaces indexes a complete location list (bins as their parents'
// Bins entries and as rows of their own, IDs in any case).
func (r Rules) StockPlaces(locs []cin7core.Location) *StockPlaces {
	p := &StockPlaces{
		noBins: r.NoBinPlaces,
		byName: map[string]string{}, byFold: map[string]string{},
		bins: map[string]string{}, parent: map[string]string{}, names: map[string]string{},
	}
	active := map[string]bool{}
	addName := func(m map[string]string, name, id string, dep bool) {
		prev, seen := m[name]
		switch {
		case !seen:
			m[name] = id
		case prev == id || prev == "":
		case dep:
			// A deprecated location never displaces another one.
		case !active[prev]:
			m[name] = id // an active location wins over a deprecated namesake
		default:
			m[name] = "" // two active locations, one name: ambiguous
		}
	}
	locName := map[string]string{}
	for _, l := range locs {
		id := cin7core.NormalizeID(l.ID)
		if id == "" || l.IsBin() {
			continue
		}
		name := strings.TrimSpace(l.Name)
		locName[id] = name
		p.names[id] = name
		addName(p.byName, name, id, bool(l.IsDeprecated))
		addName(p.byFold, strings.ToLower(name), id, bool(l.IsDeprecated))
		if !l.IsDeprecated {
			active[id] = true
		}
	}
	addBin := func(parent, id, name string) {
		parent, id, name = cin7core.NormalizeID(parent), cin7core.NormalizeID(id), strings.TrimSpace(name)
		if parent == "" || id == "" || name == "" {
			return
		}
		if _, ok := locName[parent]; !ok {
			return // a bin of an unknown location cannot be placed
		}
		p.bins[parent+"\x00"+strings.ToLower(name)] = id
		p.parent[id] = parent
		p.names[id] = locName[parent] + r.binSep() + name
	}
	for _, l := range locs {
		if l.IsBin() {
			continue
		}
		for _, b := range l.Bins {
			addBin(l.ID, b.ID, b.Name)
		}
	}
	for _, l := range locs {
		if l.IsBin() {
			addBin(l.ParentID, l.ID, l.Name) // a bin's own row wins
		}
	}
	return p
}

// Place returns the ExternalRef of the place a row's stock belongs to:
// the bin's child place when the row names a bin and bins are mapped, the
// location's place otherwise (bins then roll up into their location).
func (p *StockPlaces) Place(location, bin string) (string, SkipReason) {
	location, bin = strings.TrimSpace(location), strings.TrimSpace(bin)
	loc, reason := p.location(location)
	if reason == SkipUnknownLocation && bin == "" {
		// Some exports name bins as "<location>: <bin>" in Location.
		for _, sep := range []string{": ", ":"} {
			if i := strings.LastIndex(location, sep); i > 0 {
				if l, r := p.location(location[:i]); r == "" {
					loc, reason, bin = l, "", strings.TrimSpace(location[i+len(sep):])
					break
				}
			}
		}
	}
	if reason != "" {
		return "", reason
	}
	if bin == "" || p.noBins {
		return loc, "" // without bin places, every bin's stock is its location's
	}
	id, ok := p.bins[loc+"\x00"+strings.ToLower(bin)]
	if !ok {
		return "", SkipUnknownBin
	}
	return id, ""
}

func (p *StockPlaces) location(name string) (string, SkipReason) {
	id, ok := p.byName[name]
	if !ok {
		id, ok = p.byFold[strings.ToLower(name)]
	}
	switch {
	case !ok:
		return "", SkipUnknownLocation
	case id == "":
		return "", SkipAmbiguousLocation
	}
	return id, ""
}

// Effective returns the place a Ramp place's counts belong to under these
// rules: a bin's location when bins are not mapped, else ref itself.
func (p *StockPlaces) Effective(ref string) string {
	ref = cin7core.NormalizeID(ref)
	if par, ok := p.parent[ref]; ok && p.noBins {
		return par
	}
	return ref
}

// Parent returns a bin's location, or "" for a location or unknown place.
func (p *StockPlaces) Parent(ref string) string { return p.parent[cin7core.NormalizeID(ref)] }

// Name returns the Ramp name of a place ("<location>: <bin>" for bins), or
// "" if the list does not have it.
func (p *StockPlaces) Name(ref string) string { return p.names[cin7core.NormalizeID(ref)] }

// BinsMapped reports whether bins are places of their own.
func (p *StockPlaces) BinsMapped() bool { return !p.noBins }

// StockKey identifies one expected count: a place and a SKU (both by
// ExternalRef) and a batch (or serial number; empty for none).
type StockKey struct {
	Place, Sku, Batch string
}

// StockFigures are the summed units of the rows behind one key.
type StockFigures struct {
	// OnHand is units on hand; Available is Cin7 Core's Available.
	OnHand, Available decimal.Decimal
}

type stockLineKey struct{ sku, batch string }

// StockCounts sums availability rows into expected counts per place × SKU
// × batch. It keeps only the sums, not the rows, so a tenant's whole stock
// list can be added page by page. Rows that differ only by expiry date
// add up (Ramp keys expected counts by SKU and batch).
type StockCounts struct {
	places *StockPlaces
	qty    StockQuantity
	sums   map[string]map[stockLineKey]*StockFigures
}

// StockCounts starts an empty sum of rows placed by places, taking the
// expected count from the figure q (empty means [StockFromOnHand]).
func (r Rules) StockCounts(places *StockPlaces, q StockQuantity) *StockCounts {
	if q == "" {
		q = StockFromOnHand
	}
	return &StockCounts{places: places, qty: q, sums: map[string]map[stockLineKey]*StockFigures{}}
}

// Add places one row and adds its units to its key. A row that cannot be
// placed is not added; the reason says why.
func (c *StockCounts) Add(row cin7core.AvailabilityRow) (StockKey, SkipReason) {
	sku := cin7core.NormalizeID(row.ID)
	if sku == "" {
		return StockKey{}, SkipNoProductID
	}
	place, reason := c.places.Place(row.Location, row.Bin)
	if reason != "" {
		return StockKey{}, reason
	}
	k := StockKey{Place: place, Sku: sku, Batch: strings.TrimSpace(row.Batch)}
	m := c.sums[place]
	if m == nil {
		m = map[stockLineKey]*StockFigures{}
		c.sums[place] = m
	}
	lk := stockLineKey{k.Sku, k.Batch}
	f := m[lk]
	if f == nil {
		f = &StockFigures{}
		m[lk] = f
	}
	// Units only: StockOnHand is a value in money (pitfall 4).
	f.OnHand = f.OnHand.Add(row.OnHand)
	f.Available = f.Available.Add(row.Available)
	return k, ""
}

// Places lists the places that rows landed on, sorted.
func (c *StockCounts) Places() []string {
	out := make([]string, 0, len(c.sums))
	for p := range c.sums {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Skus lists every SKU (product ExternalRef) with rows, sorted.
func (c *StockCounts) Skus() []string {
	seen := map[string]bool{}
	for _, m := range c.sums {
		for k := range m {
			seen[k.sku] = true
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// StockDropped is an expected count left out of a place's lines.
type StockDropped struct {
	Key      StockKey
	Quantity decimal.Decimal
	Reason   SkipReason
}

// Lines returns a place's expected counts, sorted by SKU and batch, ready
// for ramp.PlaceStockService.Put. Keys that sum to zero are left out
// (Ramp expects nothing where it has no line); keys that sum below zero,
// and keys whose SKU skip names a reason for (a product not in Ramp), are
// returned in dropped.
func (c *StockCounts) Lines(place string, skip func(sku string) SkipReason) (lines []ramp.PlaceStockLine, dropped []StockDropped) {
	m := c.sums[place]
	keys := make([]stockLineKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b stockLineKey) int {
		if c := strings.Compare(a.sku, b.sku); c != 0 {
			return c
		}
		return strings.Compare(a.batch, b.batch)
	})
	for _, k := range keys {
		f := m[k]
		q := f.OnHand
		if c.qty == StockFromAvailable {
			q = f.Available
		}
		key := StockKey{Place: place, Sku: k.sku, Batch: k.batch}
		if skip != nil {
			if r := skip(k.sku); r != "" {
				dropped = append(dropped, StockDropped{Key: key, Quantity: q, Reason: r})
				continue
			}
		}
		switch {
		case q.IsNegative():
			dropped = append(dropped, StockDropped{Key: key, Quantity: q, Reason: SkipNegativeStock})
		case q.IsZero():
		default:
			lines = append(lines, ramp.PlaceStockLine{SkuExternalRef: k.sku, Batch: k.batch, Quantity: q})
		}
	}
	return lines, dropped
}

// OnHandBySku returns a place's on-hand units per SKU, batches summed:
// Cin7 Core's side of a stocktake validation, whatever figure the expected
// counts use.
func (c *StockCounts) OnHandBySku(place string) map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	for k, f := range c.sums[place] {
		out[k.sku] = out[k.sku].Add(f.OnHand)
	}
	return out
}
