package cin7coretest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// Tenant is the data of one fake Cin7 Core account: locations (bins both
// inside their parent's Bins and as rows of their own with ParentID),
// products and product families. It is safe for concurrent use. The zero
// value is not usable; call [NewTenant] or [DemoTenant].
type Tenant struct {
	mu        sync.RWMutex
	now       func() time.Time
	locations table[cin7core.Location]
	products  table[cin7core.Product]
	families  table[cin7core.ProductFamily]
	// stock is the on-hand ledger every stock-moving document updates.
	stock map[StockKey]*StockLevel
	// ext holds the stores of the other resources (purchases, sales, …),
	// each created on first use by its own file; guarded by mu.
	ext map[string]any
	// stockVer changes whenever a ledger key is added or removed (the
	// sorted orders below depend only on the keys, names and SKUs).
	stockVer uint64
	// cache holds sorted orders computed by readers (under mu.RLock), so
	// lists do not sort the whole ledger per page.
	cache stockCache
}

// stockCache holds the ledger's sorted key orders; guarded by its own mu,
// as readers holding only t.mu.RLock fill it.
type stockCache struct {
	mu sync.Mutex
	// keys are the ledger keys by product, location, bin, batch and
	// expiry, valid while keysVer == stockVer.
	keys    []StockKey
	keysVer uint64
	// avail is the ref/productavailability order (keys with their
	// location names), valid while availVer matches.
	avail    []availKey
	availVer [3]uint64
}

// verSeq numbers versions of tables and the ledger: every change takes
// the next number, so a version is never reused, even by a rebuilt table.
var verSeq atomic.Uint64

func nextVer() uint64 { return verSeq.Add(1) }

// stockKeysChanged notes that a ledger key was added or removed. The
// caller holds t.mu for writing.
func (t *Tenant) stockKeysChanged() { t.stockVer = nextVer() }

// extStore returns the tenant's store under key, creating it with mk on
// first use. The caller must hold t.mu for writing.
func extStore[T any](t *Tenant, key string, mk func() *T) *T {
	if t.ext == nil {
		t.ext = map[string]any{}
	}
	if v, ok := t.ext[key]; ok {
		return v.(*T)
	}
	v := mk()
	t.ext[key] = v
	return v
}

// record is one stored row with the bytes it is served as.
type record[T any] struct {
	v     T
	style wireStyle
	wire  json.RawMessage
}

// table holds rows in insertion order with an index by normalised ID.
type table[T any] struct {
	rows []record[T]
	idx  map[string]int
	// ver changes on every write (a fresh number from verSeq).
	ver uint64
	// sorted caches the rows' order by name then ID for readers; nil
	// until the first write.
	sorted *sortCache
}

// sortCache is a table's cached sorted order (row indexes), valid while
// ver equals the table's.
type sortCache struct {
	mu    sync.Mutex
	ver   uint64
	order []int
}

// touch marks the table written: a new version and an empty sort cache.
// The caller holds the tenant's lock for writing.
func (t *table[T]) touch() {
	t.ver = nextVer()
	if t.sorted == nil {
		t.sorted = &sortCache{}
	}
}

func (t *table[T]) find(id string) (int, bool) {
	i, ok := t.idx[cin7core.NormalizeID(id)]
	return i, ok
}

func (t *table[T]) clone() table[T] {
	c := table[T]{rows: slices.Clone(t.rows), idx: maps.Clone(t.idx)}
	c.touch()
	return c
}

// put inserts or replaces the row with the given ID.
func (t *table[T]) put(id string, v T, st wireStyle) error {
	wire, err := render(v, st)
	if err != nil {
		return err
	}
	if t.idx == nil {
		t.idx = map[string]int{}
	}
	rec := record[T]{v: v, style: st, wire: wire}
	t.touch()
	if i, ok := t.find(id); ok {
		t.rows[i] = rec
		return nil
	}
	t.idx[cin7core.NormalizeID(id)] = len(t.rows)
	t.rows = append(t.rows, rec)
	return nil
}

// NewTenant returns an empty tenant whose mutators stamp times with the
// system clock (a server's clock once it serves the tenant).
func NewTenant() *Tenant {
	return &Tenant{now: time.Now}
}

// setClock makes the mutators stamp with now.
func (t *Tenant) setClock(now func() time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now = now
}

// stamp returns the modification time for a record: zoned with seven
// fractional digits by default, zone-less with three if the record's
// previous stamp was zone-less, the two forms Cin7 Core sends.
func (t *Tenant) stamp(prev cin7core.Time) cin7core.Time {
	now := t.now().UTC()
	if !prev.IsZero() && !prev.HasZone {
		return cin7core.Time{Time: now.Truncate(time.Millisecond)}
	}
	return cin7core.NewTime(now.Truncate(100 * time.Nanosecond))
}

// NewID returns a random lower-case GUID in the form Cin7 Core uses.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// UpsertProduct stores p, replacing the product with the same ID (compared
// case-insensitively), and returns what was stored. An empty ID gets a new
// GUID, an empty Type becomes Stock and an empty Status Active.
// LastModifiedOn is stamped with the tenant's clock.
func (t *Tenant) UpsertProduct(p cin7core.Product) cin7core.Product {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.ID == "" {
		p.ID = NewID()
	}
	if p.Type == "" {
		p.Type = cin7core.ProductTypeStock
	}
	if p.Status == "" {
		p.Status = cin7core.ProductStatusActive
	}
	prev, st := p.LastModifiedOn, wireStyle(nil)
	if i, ok := t.products.find(p.ID); ok {
		prev, st = t.products.rows[i].v.LastModifiedOn, t.products.rows[i].style
	}
	p.LastModifiedOn = t.stamp(prev)
	t.mustPut(t.products.put(p.ID, p, st))
	return p
}

// DeprecateProduct sets the product's Status to Deprecated and stamps
// LastModifiedOn. It fails if there is no such product.
func (t *Tenant) DeprecateProduct(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.products.find(id)
	if !ok {
		return fmt.Errorf("cin7coretest: no product with ID %s", id)
	}
	rec := t.products.rows[i]
	p := rec.v
	p.Status = cin7core.ProductStatusDeprecated
	p.LastModifiedOn = t.stamp(p.LastModifiedOn)
	t.mustPut(t.products.put(p.ID, p, rec.style))
	return nil
}

// UpsertFamily stores f, replacing the family with the same ID, and
// returns what was stored. An empty ID gets a new GUID; LastModifiedOn is
// stamped with the tenant's clock. Member products are not checked: add
// them with [Tenant.UpsertProduct] too, as Cin7 Core lists them as
// products of their own.
func (t *Tenant) UpsertFamily(f cin7core.ProductFamily) cin7core.ProductFamily {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.ID == "" {
		f.ID = NewID()
	}
	f.Products = slices.Clone(f.Products)
	prev, st := f.LastModifiedOn, wireStyle(nil)
	if i, ok := t.families.find(f.ID); ok {
		prev, st = t.families.rows[i].v.LastModifiedOn, t.families.rows[i].style
	}
	f.LastModifiedOn = t.stamp(prev)
	t.mustPut(t.families.put(f.ID, f, st))
	return f
}

// UpsertLocation stores a location or bin row, replacing the row with the
// same ID, and returns what was stored (an empty ID gets a new GUID). Both
// views of a bin are kept in step, as Cin7 Core lists them: a bin row
// (ParentID set) is added to or updated in its parent's Bins with an
// upper-case ID, and every entry of a location's Bins gets a row of its
// own with a lower-case ID, ParentID and ParentName.
func (t *Tenant) UpsertLocation(l cin7core.Location) cin7core.Location {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l.ID == "" {
		l.ID = NewID()
	}
	l.Bins = slices.Clone(l.Bins)
	if l.ParentID != "" {
		if pi, ok := t.locations.find(l.ParentID); ok {
			parent := t.locations.rows[pi].v
			if l.ParentName == "" {
				l.ParentName = parent.Name
			}
			bins := slices.Clone(parent.Bins)
			entry := cin7core.Bin{ID: strings.ToUpper(l.ID), Name: l.Name, IsDeprecated: l.IsDeprecated, IsStaging: l.IsStaging}
			if j := slices.IndexFunc(bins, func(b cin7core.Bin) bool { return cin7core.SameID(b.ID, l.ID) }); j >= 0 {
				entry.ID = bins[j].ID
				bins[j] = entry
			} else {
				bins = append(bins, entry)
			}
			parent.Bins = bins
			t.mustPut(t.locations.put(parent.ID, parent, t.locations.rows[pi].style))
		}
	}
	st := wireStyle(nil)
	if i, ok := t.locations.find(l.ID); ok {
		st = t.locations.rows[i].style
	}
	t.mustPut(t.locations.put(l.ID, l, st))
	for _, b := range l.Bins {
		row := cin7core.Location{ID: cin7core.NormalizeID(b.ID), Name: b.Name}
		st := wireStyle(nil)
		if i, ok := t.locations.find(b.ID); ok {
			row, st = t.locations.rows[i].v, t.locations.rows[i].style
		}
		row.Name, row.IsDeprecated, row.IsStaging = b.Name, b.IsDeprecated, b.IsStaging
		row.ParentID, row.ParentName = cin7core.NormalizeID(l.ID), l.Name
		t.mustPut(t.locations.put(row.ID, row, st))
	}
	return l
}

// DeprecateLocation marks a location or bin deprecated. Deprecating a
// location deprecates its bins too; deprecating a bin updates its entry in
// the parent's Bins. It fails if there is no such location.
func (t *Tenant) DeprecateLocation(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.locations.find(id)
	if !ok {
		return fmt.Errorf("cin7coretest: no location with ID %s", id)
	}
	rec := t.locations.rows[i]
	l := rec.v
	l.IsDeprecated = true
	if len(l.Bins) > 0 {
		bins := slices.Clone(l.Bins)
		for j := range bins {
			bins[j].IsDeprecated = true
		}
		l.Bins = bins
	}
	t.mustPut(t.locations.put(l.ID, l, rec.style))
	for j := range t.locations.rows {
		r := t.locations.rows[j]
		if r.v.ParentID != "" && cin7core.SameID(r.v.ParentID, l.ID) && !bool(r.v.IsDeprecated) {
			b := r.v
			b.IsDeprecated = true
			t.mustPut(t.locations.put(b.ID, b, r.style))
		}
	}
	if l.ParentID != "" {
		if pi, ok := t.locations.find(l.ParentID); ok {
			parent := t.locations.rows[pi].v
			bins := slices.Clone(parent.Bins)
			for j := range bins {
				if cin7core.SameID(bins[j].ID, l.ID) {
					bins[j].IsDeprecated = true
				}
			}
			parent.Bins = bins
			t.mustPut(t.locations.put(parent.ID, parent, t.locations.rows[pi].style))
		}
	}
	return nil
}

// mustPut panics on a render error, which only a model that cannot be
// encoded as JSON causes.
func (t *Tenant) mustPut(err error) {
	if err != nil {
		panic(fmt.Sprintf("cin7coretest: cannot encode record: %v", err))
	}
}

// Products returns every product, deprecated ones included, in the order
// the server lists them (by name, then ID).
func (t *Tenant) Products() []cin7core.Product {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return values(sortedRows(&t.products, productKey))
}

// Families returns every product family in list order.
func (t *Tenant) Families() []cin7core.ProductFamily {
	t.mu.RLock()
	defer t.mu.RUnlock()
	fs := values(sortedRows(&t.families, familyKey))
	for i := range fs {
		fs[i].Products = slices.Clone(fs[i].Products)
	}
	return fs
}

// Locations returns every location and bin row in list order.
func (t *Tenant) Locations() []cin7core.Location {
	t.mu.RLock()
	defer t.mu.RUnlock()
	ls := values(sortedRows(&t.locations, locationKey))
	for i := range ls {
		ls[i].Bins = slices.Clone(ls[i].Bins)
	}
	return ls
}

func productKey(p *cin7core.Product) (string, string)      { return p.Name, p.ID }
func familyKey(f *cin7core.ProductFamily) (string, string) { return f.Name, f.ID }
func locationKey(l *cin7core.Location) (string, string)    { return l.Name, l.ID }
func values[T any](rs []*record[T]) []T                    { return mapRecords(rs, func(r *record[T]) T { return r.v }) }
func wires[T any](rs []*record[T]) []json.RawMessage {
	return mapRecords(rs, func(r *record[T]) json.RawMessage { return r.wire })
}
func mapRecords[T, U any](rs []*record[T], f func(*record[T]) U) []U {
	out := make([]U, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

// sortedRows returns the table's rows by name (ignoring case), then ID.
func sortedRows[T any](t *table[T], key func(*T) (string, string)) []*record[T] {
	return filterRows(t, key, nil)
}

func filterRows[T any](t *table[T], key func(*T) (string, string), keep func(*T) bool) []*record[T] {
	order := sortedOrder(t, key)
	out := make([]*record[T], 0, len(order))
	for _, i := range order {
		if keep == nil || keep(&t.rows[i].v) {
			out = append(out, &t.rows[i])
		}
	}
	return out
}

// sortedOrder returns the indexes of the table's rows by name (ignoring
// case), then normalised ID, in insertion order where both are equal;
// cached until the next write (each table is always sorted with the same
// key). The caller holds the tenant's lock, for reading at least.
func sortedOrder[T any](t *table[T], key func(*T) (string, string)) []int {
	c := t.sorted
	if c != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.order != nil && c.ver == t.ver {
			return c.order
		}
	}
	type k struct {
		name, id string
		i        int
	}
	ks := make([]k, len(t.rows))
	for i := range t.rows {
		n, id := key(&t.rows[i].v)
		ks[i] = k{strings.ToLower(n), cin7core.NormalizeID(id), i}
	}
	slices.SortStableFunc(ks, func(a, b k) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	order := make([]int, len(ks))
	for i, x := range ks {
		order[i] = x.i
	}
	if c != nil {
		c.order, c.ver = order, t.ver
	}
	return order
}

// compareFold compares a and b as strings.Compare(strings.ToLower(a),
// strings.ToLower(b)) does, without allocating for ASCII text.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a[i:]), strings.ToLower(b[i:]))
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) == len(b):
		return 0
	case len(a) < len(b):
		// b's rest may lower to nothing shorter only for non-ASCII; a
		// prefix sorts first.
		return -1
	}
	return 1
}

// Counts are the numbers a full sync of a tenant should produce.
type Counts struct {
	// ActiveLocations counts locations that are neither bins nor
	// deprecated.
	ActiveLocations int
	// Bins counts the bins (not deprecated) of active locations.
	Bins int
	// Places is ActiveLocations plus Bins: the Ramp Places a sync makes
	// with bins as child places.
	Places int
	// StockProductsOutsideFamilies counts active Stock products that are
	// no family's member.
	StockProductsOutsideFamilies int
	// FamilyVariants counts the distinct members of all families, leaving
	// out members whose product is deprecated or a service.
	FamilyVariants int
	// SKUs is StockProductsOutsideFamilies plus FamilyVariants: the Ramp
	// SKUs a sync makes.
	SKUs int
	// Services counts products of Type Service (skipped by a sync).
	Services int
	// Deprecated counts deprecated products.
	Deprecated int
}

// Counts computes the tenant's [Counts] from its current data.
func (t *Tenant) Counts() Counts {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var c Counts
	active := map[string]bool{}
	for _, r := range t.locations.rows {
		if r.v.ParentID == "" && !bool(r.v.IsDeprecated) {
			active[cin7core.NormalizeID(r.v.ID)] = true
		}
	}
	c.ActiveLocations = len(active)
	bins := map[string]bool{}
	for _, r := range t.locations.rows {
		l := r.v
		if l.ParentID == "" && active[cin7core.NormalizeID(l.ID)] {
			for _, b := range l.Bins {
				if !bool(b.IsDeprecated) {
					bins[cin7core.NormalizeID(b.ID)] = true
				}
			}
		}
		if l.ParentID != "" && active[cin7core.NormalizeID(l.ParentID)] && !bool(l.IsDeprecated) {
			bins[cin7core.NormalizeID(l.ID)] = true
		}
	}
	c.Bins = len(bins)
	c.Places = c.ActiveLocations + c.Bins

	members := map[string]bool{}
	for _, r := range t.families.rows {
		for _, m := range r.v.Products {
			members[cin7core.NormalizeID(m.ID)] = true
		}
	}
	for id := range members {
		if i, ok := t.products.find(id); ok {
			p := t.products.rows[i].v
			if p.IsDeprecated() || p.IsService() {
				continue
			}
		}
		c.FamilyVariants++
	}
	for _, r := range t.products.rows {
		p := r.v
		switch {
		case p.IsDeprecated():
			c.Deprecated++
		}
		if p.IsService() {
			c.Services++
		}
		if p.Type == cin7core.ProductTypeStock && !p.IsDeprecated() && !members[cin7core.NormalizeID(p.ID)] {
			c.StockProductsOutsideFamilies++
		}
	}
	c.SKUs = c.StockProductsOutsideFamilies + c.FamilyVariants
	return c
}

// load fills a table from an envelope, remembering each record's wire
// style (which numbers and booleans it sends as strings).
func load[T any](t *table[T], data []byte, key string, id func(*T) string) error {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil {
		return err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(env[key], &raws); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	typ := reflect.TypeOf((*T)(nil)).Elem()
	for _, raw := range raws {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		st, err := styleOf(raw, typ)
		if err != nil {
			return err
		}
		if err := t.put(id(&v), v, st); err != nil {
			return err
		}
	}
	return nil
}
