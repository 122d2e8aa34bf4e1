package cin7coretest

import (
	"sort"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// StockKey identifies one stock-on-hand row, as Cin7 Core keeps stock: per
// product × location × bin × batch or serial × expiry date.
type StockKey struct {
	// ProductID and LocationID are normalised GUIDs; LocationID is the
	// location, never the bin.
	ProductID  string
	LocationID string
	// Bin is the bin's name, empty for none.
	Bin string
	// Batch is the batch or serial number, empty for none.
	Batch string
	// Expiry is zero for none.
	Expiry time.Time
}

func (k StockKey) normalised() StockKey {
	k.ProductID = cin7core.NormalizeID(k.ProductID)
	k.LocationID = cin7core.NormalizeID(k.LocationID)
	k.Bin = strings.TrimSpace(k.Bin)
	k.Batch = strings.TrimSpace(k.Batch)
	if !k.Expiry.IsZero() {
		k.Expiry = k.Expiry.UTC()
	}
	return k
}

// StockLevel is what the ledger holds for one key. Quantities are units;
// UnitCost is the cost of one unit (StockOnHand in availability rows is
// OnHand × UnitCost, a value, as in the real API).
type StockLevel struct {
	OnHand    decimal.Decimal
	Allocated decimal.Decimal
	OnOrder   decimal.Decimal
	InTransit decimal.Decimal
	UnitCost  decimal.Decimal
}

// SetStock sets the on-hand units of a key (absolute, like a stock
// adjustment) and, when unitCost is not zero, its unit cost.
func (t *Tenant) SetStock(k StockKey, onHand, unitCost decimal.Decimal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.adjustStockLocked(k, func(l *StockLevel) {
		l.OnHand = onHand
		if !unitCost.IsZero() {
			l.UnitCost = unitCost
		}
	})
}

// AddStock adds delta units (negative to remove) to a key's on-hand.
func (t *Tenant) AddStock(k StockKey, delta, unitCost decimal.Decimal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.adjustStockLocked(k, func(l *StockLevel) {
		l.OnHand = l.OnHand.Add(delta)
		if !unitCost.IsZero() {
			l.UnitCost = unitCost
		}
	})
}

// StockOf returns the level of one key (zero if none).
func (t *Tenant) StockOf(k StockKey) StockLevel {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if l, ok := t.stock[k.normalised()]; ok {
		return *l
	}
	return StockLevel{}
}

// StockEntry is one ledger row.
type StockEntry struct {
	Key   StockKey
	Level StockLevel
}

// Stock returns every ledger row, sorted by product, location, bin, batch
// and expiry.
func (t *Tenant) Stock() []StockEntry {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.stockLocked()
}

func (t *Tenant) stockLocked() []StockEntry {
	keys := t.stockKeysLocked()
	out := make([]StockEntry, 0, len(keys))
	for _, k := range keys {
		out = append(out, StockEntry{Key: k, Level: *t.stock[k]})
	}
	return out
}

// stockOfProductLocked returns the ledger rows of one product (ID
// compared normalised), in stockLocked's order, without copying the rest
// of the ledger: keys sort by product first. The caller holds t.mu.
func (t *Tenant) stockOfProductLocked(productID string) []StockEntry {
	id := cin7core.NormalizeID(productID)
	keys := t.stockKeysLocked()
	i := sort.Search(len(keys), func(i int) bool { return keys[i].ProductID >= id })
	var out []StockEntry
	for ; i < len(keys) && keys[i].ProductID == id; i++ {
		out = append(out, StockEntry{Key: keys[i], Level: *t.stock[keys[i]]})
	}
	return out
}

// stockKeysLocked returns the ledger's keys sorted by product, location,
// bin, batch and expiry, sorted once per change of the key set. The
// caller holds t.mu (for reading at least) and must not modify the slice.
func (t *Tenant) stockKeysLocked() []StockKey {
	c := &t.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys != nil && c.keysVer == t.stockVer && len(c.keys) == len(t.stock) {
		return c.keys
	}
	keys := make([]StockKey, 0, len(t.stock))
	for k := range t.stock {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch {
		case a.ProductID != b.ProductID:
			return a.ProductID < b.ProductID
		case a.LocationID != b.LocationID:
			return a.LocationID < b.LocationID
		case a.Bin != b.Bin:
			return a.Bin < b.Bin
		case a.Batch != b.Batch:
			return a.Batch < b.Batch
		}
		return a.Expiry.Before(b.Expiry)
	})
	c.keys, c.keysVer = keys, t.stockVer
	return keys
}

// adjustStockLocked applies f to a key's level, creating it if needed and
// dropping it once every quantity is zero (Cin7 Core lists no zero rows).
// The caller holds t.mu for writing.
func (t *Tenant) adjustStockLocked(k StockKey, f func(*StockLevel)) {
	k = k.normalised()
	if t.stock == nil {
		t.stock = map[StockKey]*StockLevel{}
		t.stockKeysChanged()
	}
	l, ok := t.stock[k]
	if !ok {
		l = &StockLevel{}
		t.stock[k] = l
		t.stockKeysChanged()
	}
	f(l)
	if l.OnHand.IsZero() && l.Allocated.IsZero() && l.OnOrder.IsZero() && l.InTransit.IsZero() {
		delete(t.stock, k)
		t.stockKeysChanged()
	}
}
