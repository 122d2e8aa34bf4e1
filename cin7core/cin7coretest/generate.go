package cin7coretest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// This file generates large, deterministic tenants for benchmarks and load
// tests. Records go straight into the tenant's tables (the public
// mutators re-sort or re-scan the whole ledger per call, which is fine for
// a demo and far too slow for 60,000 stock rows); the workflow state of
// every document is still computed by the same code the API uses.

// TenantSpec sizes a generated tenant. Zero counts generate nothing of
// that kind.
type TenantSpec struct {
	// Seed makes the tenant: the same spec gives byte-identical data.
	Seed int64
	// Products counts every product, Variants included.
	Products int
	// Variants are the products that belong to one of Families families
	// (spread evenly).
	Variants, Families int
	// Locations are top-level locations; Bins are spread over them.
	Locations, Bins int
	// StockRows is the number of stock-on-hand rows (product × location ×
	// bin × batch × expiry) the ledger ends with.
	StockRows int
	// Purchases counts purchase orders, AuthorisedPurchases of them
	// authorised and not yet received.
	Purchases, AuthorisedPurchases int
	// Sales counts sales, AuthorisedSales of them with an authorised
	// order not yet fulfilled.
	Sales, AuthorisedSales int
	// Transfers counts stock transfers (completed, in transit and draft).
	Transfers int
}

// BenchmarkSpec is the benchmark tenant of issue 6: 20,000 products of
// which 2,000 are variants in 400 families, 30 locations with 120 bins,
// 60,000 stock-on-hand rows, 2,000 purchase orders (500 authorised and
// open), 5,000 sales (1,000 authorised and open) and 300 transfers.
func BenchmarkSpec() TenantSpec {
	return TenantSpec{
		Seed:     1,
		Products: 20000, Variants: 2000, Families: 400,
		Locations: 30, Bins: 120,
		StockRows: 60000,
		Purchases: 2000, AuthorisedPurchases: 500,
		Sales: 5000, AuthorisedSales: 1000,
		Transfers: 300,
	}
}

// Scaled returns the spec with every count multiplied by f (rounded, at
// least 1 where the original is not 0), for quick runs of a benchmark
// shaped like the full one.
func (s TenantSpec) Scaled(f float64) TenantSpec {
	sc := func(n int) int {
		if n == 0 {
			return 0
		}
		return max(1, int(float64(n)*f+0.5))
	}
	return TenantSpec{
		Seed: s.Seed, Products: sc(s.Products), Variants: sc(s.Variants), Families: sc(s.Families),
		Locations: sc(s.Locations), Bins: sc(s.Bins), StockRows: sc(s.StockRows),
		Purchases: sc(s.Purchases), AuthorisedPurchases: sc(s.AuthorisedPurchases),
		Sales: sc(s.Sales), AuthorisedSales: sc(s.AuthorisedSales), Transfers: sc(s.Transfers),
	}
}

// GenerationEpoch is the instant a generated tenant is "now" for: every
// time stamp it holds (LastModifiedOn, LastUpdatedDate, order dates) lies
// in the two years before it. Run virtual clocks from this instant or
// later so that ModifiedSince filters behave as on a live account.
func GenerationEpoch() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }

// gen carries the state of one generation.
type gen struct {
	t    *Tenant
	r    *rand.Rand
	spec TenantSpec
	// clock is what t.now returns while generating.
	clock time.Time

	locs     []cin7core.Location            // top-level locations, in creation order
	binsOf   map[string][]cin7core.Location // location ID → its bin rows
	products []cin7core.Product             // every product, in creation order
	stocked  []int                          // indexes of active stock products
	keysOf   map[string][]StockKey          // product ID → its ledger keys, in creation order
	keys     []StockKey                     // every ledger key, in creation order
}

// GenerateTenant builds a tenant from spec. The same spec always gives the
// same data, byte for byte as served: IDs (lower-case GUIDs) come from the
// seed and every time stamp lies in the two years before
// [GenerationEpoch]. Products cover all seven costing methods, with some
// services and deprecated products; family variants take their family's
// costing method; stock rows carry batches or serial numbers (one unit
// each) for batch and serial products and expiry dates for FEFO ones;
// purchases, sales and transfers are in every state a live account shows,
// with their effects on the ledger (received stock, allocations, stock in
// transit). After generation the tenant stamps with the system clock, or
// with a server's clock once served.
func GenerateTenant(spec TenantSpec) *Tenant {
	t := NewTenant()
	g := &gen{
		t: t, r: rand.New(rand.NewPCG(uint64(spec.Seed), 0x9e3779b97f4a7c15)), spec: spec,
		clock: GenerationEpoch(), binsOf: map[string][]cin7core.Location{}, keysOf: map[string][]StockKey{},
	}
	g.locations() // through UpsertLocation, which takes the lock
	t.mu.Lock()
	t.now = func() time.Time { return g.clock }
	g.catalogue()
	inTransitLines := g.transferPlan()
	g.stock(max(0, spec.StockRows-inTransitLines))
	g.purchases()
	g.sales()
	g.transfers()
	g.topUpStock(spec.StockRows)
	t.now = time.Now
	t.mu.Unlock()
	return t
}

// ---- helpers -----------------------------------------------------------

// id returns a lower-case version-4 GUID drawn from the generator's seed.
func (g *gen) id() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := g.r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// past returns an instant in the two years before the epoch, with 100 ns
// resolution like Cin7 Core's stamps.
func (g *gen) past() time.Time {
	const span = 2 * 365 * 24 * time.Hour
	return GenerationEpoch().Add(-time.Duration(g.r.Int64N(int64(span)))).Truncate(100 * time.Nanosecond)
}

// later moves the generation clock on by d, never past the epoch.
func (g *gen) later(d time.Duration) {
	g.clock = g.clock.Add(d)
	if limit := GenerationEpoch().Add(-time.Second); g.clock.After(limit) {
		g.clock = limit
	}
}

func day(t time.Time) cin7core.Time {
	y, m, d := t.UTC().Date()
	return cin7core.Time{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func money(r *rand.Rand, lo, hi int) decimal.Decimal {
	return decimal.New(int64(lo*100+r.IntN((hi-lo)*100+1)), -2)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var (
	genCities     = []string{"Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide", "Hobart", "Darwin", "Canberra", "Auckland", "Wellington", "Christchurch", "Gold Coast", "Newcastle", "Geelong", "Townsville", "Cairns", "Ballarat", "Bendigo", "Toowoomba", "Launceston"}
	genKinds      = []string{"Warehouse", "Store", "Depot", "Outlet", "Showroom", "Returns"}
	genAdjectives = []string{"Classic", "Premium", "Basic", "Heavy-Duty", "Compact", "Deluxe", "Eco", "Ultra", "Pro", "Mini", "Large", "Slim", "Rugged", "Organic", "Smart"}
	genNouns      = []string{"Widget", "Bracket", "Valve", "Cable", "Filter", "Bottle", "Jacket", "Helmet", "Lamp", "Drill", "Hose", "Sensor", "Glove", "Battery", "Cartridge", "Shampoo", "Vitamin", "Adhesive", "Fastener", "Bearing"}
	genCategories = []string{"Hardware", "Electrical", "Apparel", "Health", "Garden", "Automotive", "Kitchen", "Office", "Safety", "Outdoor"}
	genBrands     = []string{"Acme", "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne"}
	genSizes      = []string{"XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"}
	genColours    = []string{"Black", "White", "Red", "Blue", "Green", "Navy", "Grey", "Yellow"}
	genCustomers  = []string{"Harbour Traders", "Outback Supplies", "Coastal Retail", "Summit Sports", "Metro Hardware", "Bayside Pharmacy", "Red Gum Cafe", "Southern Cross Builders", "Kiwi Outdoor", "Golden Plains Farm"}
	genSuppliers  = []string{"Shenzhen Mfg Co", "Pacific Imports", "Global Components", "Euro Parts GmbH", "Nordic Textiles", "Sunrise Chemicals", "Tasman Packaging", "Allied Metals"}
)

// costing draws a costing method: FIFO for most products, every other
// method for some.
func (g *gen) costing() cin7core.CostingMethod {
	if g.r.IntN(100) < 55 {
		return cin7core.CostingFIFO
	}
	return cin7core.CostingMethods[1+g.r.IntN(len(cin7core.CostingMethods)-1)]
}

func isBatch(m cin7core.CostingMethod) bool  { return strings.HasSuffix(string(m), "Batch") }
func isSerial(m cin7core.CostingMethod) bool { return strings.HasSuffix(string(m), "Serial Number") }
func isFEFO(m cin7core.CostingMethod) bool   { return strings.HasPrefix(string(m), "FEFO") }

// ---- locations -----------------------------------------------------------

func (g *gen) locations() {
	n := g.spec.Locations
	for i := range n {
		name := fmt.Sprintf("%s %s", genCities[i%len(genCities)], genKinds[(i/len(genCities))%len(genKinds)])
		if i >= len(genCities)*len(genKinds) {
			name = fmt.Sprintf("%s %d", name, i)
		}
		l := cin7core.Location{
			ID: g.id(), Name: name, IsDefault: i == 0,
			AddressLine1: fmt.Sprintf("%d %s Street", 1+g.r.IntN(400), pick(g.r, genNouns)), AddressCitySuburb: genCities[i%len(genCities)],
			AddressStateProvince: "NSW", AddressZipPostCode: fmt.Sprintf("%04d", 2000+g.r.IntN(900)), AddressCountry: "Australia",
			AllowReorder: true,
		}
		for b := i; b < g.spec.Bins; b += max(n, 1) {
			l.Bins = append(l.Bins, cin7core.Bin{ID: strings.ToUpper(g.id()), Name: fmt.Sprintf("%c%02d-%02d", 'A'+rune(b%6), 1+b/6%40, 1+g.r.IntN(20))})
		}
		l = g.t.UpsertLocation(l)
		g.locs = append(g.locs, l)
		for _, b := range l.Bins {
			i, _ := g.t.locations.find(b.ID)
			g.binsOf[l.ID] = append(g.binsOf[l.ID], g.t.locations.rows[i].v)
		}
	}
}

// ---- products and families -------------------------------------------------

func (g *gen) catalogue() {
	spec := g.spec
	variants := min(spec.Variants, spec.Products)
	families := min(spec.Families, variants)
	if families == 0 {
		variants = 0
	}
	g.products = make([]cin7core.Product, 0, spec.Products)
	famRows := make([]cin7core.ProductFamily, 0, families)
	// Variants first, family by family.
	for f := range families {
		size := variants / families
		if f < variants%families {
			size++
		}
		fam := g.family(f, size)
		for j := range size {
			p := g.product(len(g.products), fam.CostingMethod)
			opt1 := genSizes[j%len(genSizes)]
			opt2 := ""
			if fam.Option2Name != "" {
				opt2 = genColours[(j/len(genSizes))%len(genColours)]
			}
			p.Name = fam.Name + " - " + strings.TrimSuffix(opt1+" / "+opt2, " / ")
			p.SKU = fmt.Sprintf("%s-%s%s", fam.SKU, opt1, strings.ToUpper(strings.TrimSpace(" "+opt2)))
			p.Category, p.Brand, p.UOM = fam.Category, fam.Brand, fam.UOM
			p.Type, p.Status = cin7core.ProductTypeStock, cin7core.ProductStatusActive
			fam.Products = append(fam.Products, cin7core.ProductFamilyMember{ID: p.ID, SKU: p.SKU, Name: p.Name, Option1: opt1, Option2: opt2})
			g.products = append(g.products, p)
		}
		famRows = append(famRows, fam)
	}
	for len(g.products) < spec.Products {
		g.products = append(g.products, g.product(len(g.products), g.costing()))
	}
	for i, p := range g.products {
		if p.Type == cin7core.ProductTypeStock && p.Status == cin7core.ProductStatusActive {
			g.stocked = append(g.stocked, i)
		}
	}
	g.t.products = buildTable(g.products, func(p *cin7core.Product) string { return p.ID })
	g.t.families = buildTable(famRows, func(f *cin7core.ProductFamily) string { return f.ID })
}

func (g *gen) family(i, size int) cin7core.ProductFamily {
	noun := pick(g.r, genNouns)
	f := cin7core.ProductFamily{
		ID: g.id(), SKU: fmt.Sprintf("FAM-%04d", i+1), Name: fmt.Sprintf("%s %s Range %d", pick(g.r, genAdjectives), noun, i+1),
		Category: pick(g.r, genCategories), Brand: pick(g.r, genBrands), CostingMethod: g.costing(), UOM: "Item",
		PriceTier1: money(g.r, 5, 300), Option1Name: "Size", Option1Values: strings.Join(genSizes[:min(size, len(genSizes))], ","),
		ShortDescription: fmt.Sprintf("The %s range in every size.", strings.ToLower(noun)),
		LastModifiedOn:   cin7core.NewTime(g.past()),
	}
	if size > len(genSizes) {
		f.Option2Name = "Colour"
		f.Option2Values = strings.Join(genColours[:min((size+len(genSizes)-1)/len(genSizes), len(genColours))], ",")
	}
	return f
}

func (g *gen) product(i int, m cin7core.CostingMethod) cin7core.Product {
	r := g.r
	cost := money(r, 1, 400)
	p := cin7core.Product{
		ID: g.id(), SKU: fmt.Sprintf("SKU-%06d", i+1),
		Name:     fmt.Sprintf("%s %s %s-%d", pick(r, genAdjectives), pick(r, genNouns), string(rune('A'+r.IntN(26))), 100+r.IntN(9900)),
		Category: pick(r, genCategories), Brand: pick(r, genBrands), Type: cin7core.ProductTypeStock, CostingMethod: m,
		Length: decimal.NewFromInt(int64(1 + r.IntN(100))), Width: decimal.NewFromInt(int64(1 + r.IntN(100))), Height: decimal.NewFromInt(int64(1 + r.IntN(100))),
		Weight: decimal.New(int64(1+r.IntN(50000)), -3), CartonQuantity: decimal.NewFromInt(int64(1 + r.IntN(48))),
		UOM: pick(r, []string{"Item", "Item", "Item", "Box", "Each", "Kg", "Litre"}), WeightUnits: "kg", DimensionsUnits: "cm",
		Barcode:              fmt.Sprintf("93%011d", r.Int64N(1e11)),
		MinimumBeforeReorder: decimal.NewFromInt(int64(r.IntN(50))), ReorderQuantity: decimal.NewFromInt(int64(r.IntN(200))),
		PriceTier1: cost.Mul(decimal.New(18, -1)).Round(2), PriceTier2: cost.Mul(decimal.New(16, -1)).Round(2), PriceTier3: cost.Mul(decimal.New(14, -1)).Round(2),
		AverageCost: cost, ShortDescription: fmt.Sprintf("%s for everyday use.", pick(r, genNouns)),
		Status: cin7core.ProductStatusActive, InventoryAccount: "1400", COGSAccount: "5000", RevenueAccount: "4000",
		PurchaseTaxRule: "GST on Expenses", SaleTaxRule: "GST on Income", Sellable: true, DropShipMode: "No Drop Ship",
		LastModifiedOn: cin7core.NewTime(g.past()),
	}
	if r.IntN(10) == 0 {
		// Cin7 Core sends some stamps without a zone and with three digits.
		p.LastModifiedOn = cin7core.Time{Time: p.LastModifiedOn.Time.Truncate(time.Millisecond)}
	}
	if r.IntN(3) == 0 {
		p.Suppliers = []cin7core.ProductSupplier{{SupplierID: g.id(), SupplierName: pick(r, genSuppliers), SupplierInventoryCode: fmt.Sprintf("SP-%05d", r.IntN(99999)), Cost: cost, Currency: "AUD"}}
	}
	switch x := r.IntN(100); {
	case x < 3:
		p.Type, p.CostingMethod = cin7core.ProductTypeService, cin7core.CostingFIFO
		p.Name = "Service: " + p.Name
	case x < 4:
		p.Status = cin7core.ProductStatusDeprecated
	}
	return p
}

// buildTable fills a table with rendered rows, rendering in parallel.
func buildTable[T any](vs []T, id func(*T) string) table[T] {
	tb := table[T]{rows: make([]record[T], len(vs)), idx: make(map[string]int, len(vs))}
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(vs); i += workers {
				wire, err := fastRender(vs[i])
				if err != nil {
					errs[w] = err
					return
				}
				tb.rows[i] = record[T]{v: vs[i], wire: wire}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			panic(fmt.Sprintf("cin7coretest: cannot encode record: %v", err))
		}
	}
	for i := range vs {
		tb.idx[cin7core.NormalizeID(id(&vs[i]))] = i
	}
	tb.touch()
	return tb
}

// fastRender is render(v, nil) for the catalogue's types without the
// token-by-token rewrite: the encoding/json output is copied once and the
// strings of decimal fields lose their quotes. It falls back to render for
// types whose decimal fields cannot be told apart by name (a name that is
// a decimal in one struct and something else in another, or a map of
// decimals other than an empty Product.PriceTiers).
func fastRender(v any) (json.RawMessage, error) {
	t := reflect.TypeOf(v)
	names, ok := decimalNames(t)
	if !ok {
		return render(v, nil)
	}
	if p, isProduct := v.(cin7core.Product); isProduct && len(p.PriceTiers) > 0 {
		return render(v, nil)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b))
	var key string
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '"' {
			out = append(out, c)
			continue
		}
		j := i + 1
		for ; j < len(b) && b[j] != '"'; j++ {
			if b[j] == '\\' {
				j++
			}
		}
		str := b[i : j+1]
		isKey := j+1 < len(b) && b[j+1] == ':'
		switch {
		case isKey:
			key = string(str[1 : len(str)-1])
			out = append(out, str...)
		case names[key] && isDecimalText(str[1:len(str)-1]):
			out = append(out, str[1:len(str)-1]...)
		default:
			out = append(out, str...)
		}
		i = j
	}
	return out, nil
}

func isDecimalText(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	_, err := decimal.NewFromString(string(s))
	return err == nil
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

var decimalNameCache sync.Map // reflect.Type -> map[string]bool (nil: not usable)

// decimalNames returns the JSON names of the decimal fields anywhere in
// t, and false if a name is also used by a field of another type, or t
// holds an embedded struct or a map of decimals (but for Product's).
func decimalNames(t reflect.Type) (map[string]bool, bool) {
	if m, ok := decimalNameCache.Load(t); ok {
		mm := m.(map[string]bool)
		return mm, mm != nil
	}
	dec, other := map[string]bool{}, map[string]bool{}
	usable := true
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() == reflect.Map || t.Kind() == reflect.Interface {
			// Only Product.PriceTiers is a map here; fastRender renders a
			// product that fills it the slow way.
			if t.Kind() == reflect.Map && t.Elem() == decimalType && t != reflect.TypeFor[map[string]decimal.Decimal]() {
				usable = false
			}
			return
		}
		if t.Kind() != reflect.Struct || t == decimalType || seen[t] || t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
			return // encodes itself (cin7core.Time, Bool, ...)
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).Anonymous {
				usable = false
			}
		}
		for name, ft := range jsonFields(t) {
			base := ft
			for base.Kind() == reflect.Pointer || base.Kind() == reflect.Slice || base.Kind() == reflect.Array {
				base = base.Elem()
			}
			if base == decimalType {
				dec[name] = true
			} else {
				other[name] = true
				walk(ft)
			}
		}
	}
	walk(t)
	for name := range dec {
		if other[name] {
			usable = false
		}
	}
	if !usable {
		dec = nil
	}
	decimalNameCache.Store(t, dec)
	return dec, usable
}

// ---- stock -------------------------------------------------------------

// stock adds n ledger rows.
func (g *gen) stock(n int) {
	if g.t.stock == nil {
		g.t.stock = make(map[StockKey]*StockLevel, g.spec.StockRows)
		g.t.stockKeysChanged()
	}
	for range n {
		if !g.addStockRow() {
			return
		}
	}
}

// topUpStock adds rows until the ledger has n.
func (g *gen) topUpStock(n int) {
	for len(g.t.stock) < n {
		if !g.addStockRow() {
			return
		}
	}
}

// addStockRow adds one new ledger row; false if there is nowhere to put
// stock.
func (g *gen) addStockRow() bool {
	if len(g.stocked) == 0 || len(g.locs) == 0 {
		return false
	}
	r := g.r
	for attempt := 0; attempt < 50; attempt++ {
		p := &g.products[g.stocked[r.IntN(len(g.stocked))]]
		loc := g.locs[r.IntN(len(g.locs))]
		k := StockKey{ProductID: cin7core.NormalizeID(p.ID), LocationID: cin7core.NormalizeID(loc.ID)}
		if bins := g.binsOf[loc.ID]; len(bins) > 0 && r.IntN(3) > 0 {
			k.Bin = bins[r.IntN(len(bins))].Name
		}
		m := p.CostingMethod
		onHand := decimal.NewFromInt(int64(1 + r.IntN(500)))
		switch {
		case isSerial(m):
			k.Batch = fmt.Sprintf("SN%09d", r.IntN(1e9))
			onHand = decimal.NewFromInt(1)
		case isBatch(m):
			k.Batch = fmt.Sprintf("B%02d%05d", r.IntN(100), r.IntN(100000))
		}
		if isFEFO(m) {
			k.Expiry = GenerationEpoch().AddDate(0, 1+r.IntN(24), r.IntN(28)).Truncate(24 * time.Hour)
		}
		if _, dup := g.t.stock[k]; dup {
			continue
		}
		g.t.stock[k] = &StockLevel{OnHand: onHand, UnitCost: p.AverageCost}
		g.t.stockKeysChanged()
		g.keysOf[k.ProductID] = append(g.keysOf[k.ProductID], k)
		g.keys = append(g.keys, k)
		return true
	}
	return false
}

// rowOfKey returns the ID of the location or bin row a key is at.
func (g *gen) rowOfKey(k StockKey) string {
	if k.Bin != "" {
		for _, b := range g.binsOf[g.locByID(k.LocationID).ID] {
			if b.Name == k.Bin {
				return cin7core.NormalizeID(b.ID)
			}
		}
	}
	return k.LocationID
}

func (g *gen) locByID(id string) cin7core.Location {
	for _, l := range g.locs {
		if cin7core.SameID(l.ID, id) {
			return l
		}
	}
	return cin7core.Location{}
}

func (g *gen) productByID(id string) *cin7core.Product {
	i, ok := g.t.products.find(id)
	if !ok {
		return nil
	}
	return &g.products[i]
}

// ---- purchases ---------------------------------------------------------

func (g *gen) purchases() {
	r, t := g.r, g.t
	if len(g.keys) == 0 || len(g.locs) == 0 {
		return
	}
	for i := range g.spec.Purchases {
		g.clock = g.past()
		// Authorised and open first, then drafts, then received ones.
		authorised := i < g.spec.AuthorisedPurchases
		draft := !authorised && i < g.spec.AuthorisedPurchases+(g.spec.Purchases-g.spec.AuthorisedPurchases)/5
		received := !authorised && !draft
		simple := r.IntN(100) < 85
		loc := g.locs[r.IntN(len(g.locs))]
		p := cin7core.AdvancedPurchase{PurchaseHeader: cin7core.PurchaseHeader{
			ID: g.id(), SupplierID: g.id(), Supplier: pick(r, genSuppliers), Location: loc.Name,
			BaseCurrency: "AUD", SupplierCurrency: pick(r, []string{"AUD", "AUD", "USD", "NZD"}), TaxRule: "GST on Expenses",
			TaxCalculation: "Exclusive", Terms: "30 days", OrderDate: day(g.clock), RequiredBy: day(g.clock.AddDate(0, 0, 7+r.IntN(30))),
			LastUpdatedDate: cin7core.NewTime(g.clock),
		}}
		order := &cin7core.PurchaseOrder{Status: cin7core.PurchaseTaskDraft}
		if !draft {
			order.Status = cin7core.PurchaseTaskAuthorised
		}
		var task cin7core.PurchaseStock
		seen := map[string]bool{}
		for want, tries := 1+r.IntN(6), 0; len(order.Lines) < want && tries < 100; tries++ {
			k := g.keys[r.IntN(len(g.keys))]
			prod := g.productByID(k.ProductID)
			if prod == nil || seen[k.ProductID] || (received && isSerial(prod.CostingMethod)) {
				continue
			}
			seen[k.ProductID] = true
			qty := decimal.NewFromInt(int64(1 + r.IntN(100)))
			if isSerial(prod.CostingMethod) {
				qty = decimal.NewFromInt(1)
			}
			price := prod.AverageCost
			order.Lines = append(order.Lines, cin7core.PurchaseLine{ProductID: prod.ID, Quantity: qty, Price: price,
				Tax: qty.Mul(price).Mul(decimal.New(1, -1)).Round(2), TaxRule: "GST on Expenses"})
			if received {
				// Received into a row the ledger has, so the receipt adds
				// units rather than rows.
				task.Lines = append(task.Lines, cin7core.PurchaseStockLine{Date: day(g.clock.AddDate(0, 0, 7)), Quantity: qty, ProductID: prod.ID,
					LocationID: g.rowOfKey(k), BatchSN: k.Batch, ExpiryDate: stkTime(k.Expiry)})
			}
		}
		p.Order = order
		if received {
			task.Status = cin7core.PurchaseTaskAuthorised
			task.TaskID = p.ID
			if !simple {
				task.TaskID = g.id()
			}
			p.StockReceived = []cin7core.PurchaseStock{task}
			inv := cin7core.PurchaseInvoice{TaskID: task.TaskID, InvoiceDate: day(g.clock.AddDate(0, 0, 7)), InvoiceDueDate: day(g.clock.AddDate(0, 0, 37)),
				InvoiceNumber: fmt.Sprintf("SUP-%06d", r.IntN(1e6)), Status: cin7core.PurchaseTaskAuthorised, Lines: slices.Clone(order.Lines)}
			p.Invoice = []cin7core.PurchaseInvoice{inv}
		}
		if _, err := t.addPurchaseLocked(p, simple); err != nil {
			panic(fmt.Sprintf("cin7coretest: generated purchase: %v", err))
		}
	}
}

// ---- sales ---------------------------------------------------------------

func (g *gen) sales() {
	r, t := g.r, g.t
	if len(g.keys) == 0 {
		return
	}
	for i := range g.spec.Sales {
		g.clock = g.past()
		authorised := i < g.spec.AuthorisedSales
		rest := i - g.spec.AuthorisedSales
		// The rest: a quarter quotes, a tenth draft orders, a few voided,
		// the others fulfilled.
		others := g.spec.Sales - g.spec.AuthorisedSales
		quote := !authorised && rest < others/4
		draftOrder := !authorised && !quote && rest < others/4+others/10
		voided := !authorised && !quote && !draftOrder && rest < others/4+others/10+others/50
		fulfilled := !authorised && !quote && !draftOrder && !voided

		k0 := g.keys[r.IntN(len(g.keys))]
		loc := g.locByID(k0.LocationID)
		s := cin7core.Sale{
			ID: g.id(), Customer: pick(r, genCustomers), CustomerID: g.id(), Location: loc.Name,
			SkipQuote: cin7core.Bool(!quote), BaseCurrency: "AUD", TaxRule: "GST on Income", Terms: "30 days",
			CustomerReference: fmt.Sprintf("PO%06d", r.IntN(1e6)), SaleOrderDate: day(g.clock), ShipBy: day(g.clock.AddDate(0, 0, 3+r.IntN(14))),
			SourceChannel: pick(r, []string{"", "Shopify", "B2B", "POS"}),
		}
		var lines []cin7core.SaleLine
		var stockLines []cin7core.SaleStockLine
		seen := map[string]bool{}
		// Lines come from stock held at the sale's location, so that
		// authorising allocates.
		cands := []StockKey{k0}
		for range 1 + r.IntN(5) {
			k := g.keys[r.IntN(len(g.keys))]
			if k.LocationID == k0.LocationID {
				cands = append(cands, k)
			}
		}
		for len(cands) < 3 {
			prodIdx := g.stocked[r.IntN(len(g.stocked))]
			cands = append(cands, StockKey{ProductID: cin7core.NormalizeID(g.products[prodIdx].ID)})
		}
		for _, k := range cands {
			prod := g.productByID(k.ProductID)
			if prod == nil || seen[k.ProductID] {
				continue
			}
			seen[k.ProductID] = true
			qty := decimal.NewFromInt(int64(1 + r.IntN(10)))
			lines = append(lines, cin7core.SaleLine{ProductID: prod.ID, Quantity: qty, Price: prod.PriceTier1,
				Tax: qty.Mul(prod.PriceTier1).Mul(decimal.New(1, -1)).Round(2), TaxRule: "GST on Income"})
			if k.LocationID != "" {
				stockLines = append(stockLines, cin7core.SaleStockLine{ProductID: prod.ID, LocationID: g.rowOfKey(k), Quantity: qty,
					BatchSN: k.Batch, ExpiryDate: stkTime(k.Expiry)})
			}
		}
		if quote {
			s.Quote = &cin7core.SaleQuote{Status: cin7core.SaleTaskDraft, Lines: lines}
		} else {
			s.Order = &cin7core.SaleOrder{Status: cin7core.SaleTaskDraft, Lines: lines}
		}
		fs, err := t.addSaleLocked(s, nil)
		if err != nil {
			panic(fmt.Sprintf("cin7coretest: generated sale: %v", err))
		}
		fs.created = g.clock
		switch {
		case authorised:
			g.later(time.Duration(1+r.IntN(48)) * time.Hour)
			g.allocate(fs)
		case voided:
			fs.sale.Status = cin7core.SaleStatusVoided
		case fulfilled:
			g.later(time.Duration(1+r.IntN(96)) * time.Hour)
			g.fulfil(fs, stockLines)
		}
		t.touchSaleLocked(fs)
	}
}

// allocate authorises a sale's order as authoriseSaleOrderLocked does,
// using the generator's index instead of a scan of the ledger.
func (g *gen) allocate(fs *fakeSale) {
	t, s := g.t, &fs.sale
	o := s.Order
	for i := range o.Lines {
		l := &o.Lines[i]
		need := l.Quantity
		for _, k := range g.keysOf[cin7core.NormalizeID(l.ProductID)] {
			if need.IsZero() {
				break
			}
			lvl, ok := t.stock[k]
			if !ok || k.LocationID != fs.locationID {
				continue
			}
			free := lvl.OnHand.Sub(lvl.Allocated)
			if !free.IsPositive() {
				continue
			}
			take := decimal.Min(free, need)
			lvl.Allocated = lvl.Allocated.Add(take)
			fs.allocs = append(fs.allocs, saleAlloc{key: k, qty: take})
			need = need.Sub(take)
		}
		if need.IsPositive() {
			l.Backorder, l.BackorderQuantity = true, need
		}
	}
	o.Status = cin7core.SaleTaskAuthorised
	t.newSaleFulfilmentLocked(fs, g.id())
}

// fulfil records a sale as picked, packed and shipped in the past: its
// stock left before the ledger's current state, so the ledger is not
// touched.
func (g *gen) fulfil(fs *fakeSale, stock []cin7core.SaleStockLine) {
	t, s := g.t, &fs.sale
	s.Order.Status = cin7core.SaleTaskAuthorised
	f := t.newSaleFulfilmentLocked(fs, g.id())
	if e := t.fillSaleStockLines(stock); e != nil {
		panic(fmt.Sprintf("cin7coretest: generated sale: %s", e.msg))
	}
	// Lines for products without stock at the location are shipped from
	// the location itself.
	for _, l := range s.Order.Lines {
		if !slices.ContainsFunc(stock, func(x cin7core.SaleStockLine) bool { return cin7core.SameID(x.ProductID, l.ProductID) }) {
			sl := []cin7core.SaleStockLine{{ProductID: l.ProductID, LocationID: fs.locationID, Quantity: l.Quantity}}
			if e := t.fillSaleStockLines(sl); e == nil {
				stock = append(stock, sl...)
			}
		}
	}
	f.Pick.Status, f.Pick.Lines = cin7core.SaleTaskAuthorised, stock
	f.Pack.Status, f.Pack.Lines = cin7core.SaleTaskAuthorised, slices.Clone(stock)
	f.Ship.Status = cin7core.SaleTaskAuthorised
	f.Ship.Lines = []cin7core.SaleShipLine{{ID: g.id(), ShipmentDate: day(g.clock), Carrier: pick(g.r, []string{"Australia Post", "StarTrack", "DHL", "Toll"}),
		TrackingNumber: fmt.Sprintf("TRK%010d", g.r.Int64N(1e10)), IsShipped: true}}
}

// ---- transfers -----------------------------------------------------------

// transferPlan draws the status of every transfer and returns how many
// in-transit lines there will be (each may add a ledger row at its
// destination).
func (g *gen) transferPlan() int {
	return g.inTransit() * 5
}

func (g *gen) inTransit() int { return g.spec.Transfers / 5 }

func (g *gen) transfers() {
	r, t := g.r, g.t
	if len(g.locs) < 2 || len(g.keys) == 0 {
		return
	}
	d := stkDocsOf(t)
	inTransit := g.inTransit()
	drafts := g.spec.Transfers / 10
	for i := range g.spec.Transfers {
		g.clock = g.past()
		status := cin7core.TransferCompleted
		switch {
		case i < inTransit:
			status = cin7core.TransferInTransit
		case i < inTransit+drafts:
			status = cin7core.TransferDraft
		}
		k0 := g.keys[r.IntN(len(g.keys))]
		fromLoc := g.locByID(k0.LocationID)
		toLoc := g.locs[r.IntN(len(g.locs))]
		for cin7core.SameID(toLoc.ID, fromLoc.ID) {
			toLoc = g.locs[r.IntN(len(g.locs))]
		}
		from, to := t.stkPlaceOfRow(fromLoc), t.stkPlaceOfRow(toLoc)
		var srcKeys []StockKey
		for _, k := range g.keys[r.IntN(len(g.keys)):] {
			if len(srcKeys) == 4 {
				break
			}
			if k.LocationID == k0.LocationID && k.Bin == "" {
				srcKeys = append(srcKeys, k)
			}
		}
		if k0.Bin == "" {
			srcKeys = append([]StockKey{k0}, srcKeys...)
		}
		tr := &stkTransfer{from: from, to: to}
		skip := cin7core.Bool(true)
		tr.doc = cin7core.StockTransfer{
			TaskID: g.id(), Status: status, From: from.lineID(), FromLocation: from.label(), To: to.lineID(), ToLocation: to.label(),
			Number: fmt.Sprintf("TR-%05d", d.transferSeq+1), CostDistributionType: cin7core.CostDistributionCost,
			RequiredByDate: day(g.clock.AddDate(0, 0, 7)), Reference: fmt.Sprintf("Rebalance %d", i+1), SkipOrder: &skip,
			Order: &cin7core.StockTransferOrder{Status: cin7core.TransferOrderNotAvailable},
		}
		if status != cin7core.TransferDraft {
			tr.doc.InTransitAccount, tr.doc.DepartureDate = stkDefaultTransit, day(g.clock)
		}
		if status == cin7core.TransferCompleted {
			tr.doc.CompletionDate = day(g.clock.AddDate(0, 0, 2))
		}
		seen := map[string]bool{}
		for _, k := range srcKeys {
			lvl, ok := t.stock[k]
			prod := g.productByID(k.ProductID)
			if !ok || prod == nil || seen[k.ProductID] {
				continue
			}
			free := lvl.OnHand.Sub(lvl.Allocated)
			if status == cin7core.TransferInTransit && !free.GreaterThan(decimal.NewFromInt(1)) {
				continue
			}
			seen[k.ProductID] = true
			qty := decimal.NewFromInt(1)
			if free.GreaterThan(decimal.NewFromInt(2)) {
				qty = decimal.NewFromInt(int64(1 + r.IntN(int(free.IntPart()-1))))
			}
			tr.doc.Lines = append(tr.doc.Lines, cin7core.StockTransferLine{ProductID: cin7core.NormalizeID(prod.ID), SKU: prod.SKU, ProductName: prod.Name,
				QuantityOnHand: lvl.OnHand, QuantityAvailable: free, TransferQuantity: qty, BatchSN: k.Batch, ExpiryDate: stkTime(k.Expiry)})
			if status == cin7core.TransferInTransit {
				// The units left the source and are on their way.
				lvl.OnHand = lvl.OnHand.Sub(qty)
				m := stkMove{productID: k.ProductID, batch: k.Batch, expiry: k.Expiry, qty: qty, unitCost: lvl.UnitCost}
				tr.moves = append(tr.moves, m)
				t.adjustStockLocked(to.key(m.productID, m.batch, m.expiry), func(l *StockLevel) {
					l.InTransit = l.InTransit.Add(m.qty)
					if l.UnitCost.IsZero() {
						l.UnitCost = m.unitCost
					}
				})
			}
		}
		if len(tr.doc.Lines) == 0 {
			// Nothing to move from there: an empty draft, as users leave them.
			tr.doc.Status, tr.doc.InTransitAccount, tr.doc.DepartureDate, tr.doc.CompletionDate = cin7core.TransferDraft, "", cin7core.Time{}, cin7core.Time{}
		}
		d.transferSeq++
		d.transfers = append(d.transfers, tr)
	}
}

// ---- changes between passes -------------------------------------------------

// changeSet draws round(frac × n) distinct indexes of 0..n-1 from seed.
func changeSet(n int, frac float64, seed int64) []int {
	k := min(n, int(frac*float64(n)+0.5))
	if k <= 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x2545f4914f6cdd1d))
	perm := r.Perm(n)[:k]
	slices.Sort(perm)
	return perm
}

// ChangeProducts edits frac of the tenant's products (drawn from seed, in
// list order so the choice is deterministic): each gets a new
// ShortDescription, which changes its Ramp SKU, and LastModifiedOn
// stamped with the tenant's clock. It returns the changed products' IDs.
func (t *Tenant) ChangeProducts(frac float64, seed int64) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	rows := sortedRows(&t.products, productKey)
	var ids []string
	for _, i := range changeSet(len(rows), frac, seed) {
		rec := rows[i]
		p := rec.v
		p.ShortDescription = fmt.Sprintf("%s (rev %d)", strings.SplitN(p.ShortDescription, " (rev ", 2)[0], seed)
		p.LastModifiedOn = t.stamp(p.LastModifiedOn)
		t.mustPut(t.products.put(p.ID, p, rec.style))
		ids = append(ids, p.ID)
	}
	return ids
}

// ChangeOrders edits frac of the purchases and frac of the sales (drawn
// from seed, in list order): a purchase gets a new Note and its
// LastUpdatedDate, a sale a new Note and its LastModifiedOn (the list's
// Updated), both stamped with the tenant's clock. It returns the changed
// purchases' and sales' IDs.
func (t *Tenant) ChangeOrders(frac float64, seed int64) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ids []string
	purch := t.purchasesLocked().sorted()
	for _, i := range changeSet(len(purch), frac, seed) {
		r := purch[i]
		r.p.Note = fmt.Sprintf("Changed (rev %d)", seed)
		t.purchTouchLocked(r)
		ids = append(ids, r.p.ID)
	}
	sales := t.salesLocked().sorted()
	for _, i := range changeSet(len(sales), frac, seed+1) {
		fs := sales[i]
		fs.sale.Note = fmt.Sprintf("Changed (rev %d)", seed)
		t.touchSaleLocked(fs)
		ids = append(ids, fs.sale.ID)
	}
	return ids
}

// StockRows returns the number of stock-on-hand rows the tenant lists
// (ledger rows with any quantity not zero).
func (t *Tenant) StockRows() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.stock)
}
