package cin7coretest

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// smallSpec is the benchmark tenant at a twentieth of its size.
func smallSpec() TenantSpec { return BenchmarkSpec().Scaled(0.05) }

// served returns what a server would list for the tenant, page by page.
func served(t *testing.T, ten *Tenant) []byte {
	t.Helper()
	s := &Server{tenant: ten}
	var out bytes.Buffer
	for _, list := range []func(params) ([]byte, *apiErr){s.listProducts, s.listFamilies, s.listLocations, s.stkListAvailability, s.listPurchases, s.listSales, s.stkListTransfers} {
		b, e := list(params{"limit": "1000", "includedeprecated": "true"})
		if e != nil {
			t.Fatalf("list: %s", e.msg)
		}
		out.Write(b)
	}
	return out.Bytes()
}

func TestGenerateTenantDeterministic(t *testing.T) {
	a, b := GenerateTenant(smallSpec()), GenerateTenant(smallSpec())
	if !bytes.Equal(served(t, a), served(t, b)) {
		t.Fatal("the same spec served different bytes")
	}
	other := smallSpec()
	other.Seed++
	if bytes.Equal(served(t, a), served(t, GenerateTenant(other))) {
		t.Fatal("another seed served the same bytes")
	}
}

func TestGenerateTenantShape(t *testing.T) {
	spec := smallSpec()
	ten := GenerateTenant(spec)
	ps := ten.Products()
	if len(ps) != spec.Products {
		t.Fatalf("products = %d, want %d", len(ps), spec.Products)
	}
	methods := map[cin7core.CostingMethod]int{}
	services := 0
	for _, p := range ps {
		methods[p.CostingMethod]++
		if p.IsService() {
			services++
		}
		if p.ID != cin7core.NormalizeID(p.ID) {
			t.Fatalf("product ID %q is not lower case", p.ID)
		}
		if !p.LastModifiedOn.Time.Before(GenerationEpoch()) {
			t.Fatalf("product %s modified at %v, not before the epoch", p.SKU, p.LastModifiedOn)
		}
	}
	for _, m := range cin7core.CostingMethods {
		if methods[m] == 0 {
			t.Errorf("no product costed %s", m)
		}
	}
	if services == 0 {
		t.Error("no services")
	}
	fams := ten.Families()
	members := 0
	for _, f := range fams {
		members += len(f.Products)
	}
	if len(fams) != spec.Families || members != spec.Variants {
		t.Errorf("families = %d with %d variants, want %d with %d", len(fams), members, spec.Families, spec.Variants)
	}
	c := ten.Counts()
	if c.ActiveLocations != spec.Locations || c.Bins != spec.Bins {
		t.Errorf("locations = %d with %d bins, want %d with %d", c.ActiveLocations, c.Bins, spec.Locations, spec.Bins)
	}
	if n := ten.StockRows(); n != spec.StockRows {
		t.Errorf("stock rows = %d, want %d", n, spec.StockRows)
	}
	batches, expiries := 0, 0
	for _, e := range ten.Stock() {
		if e.Key.Batch != "" {
			batches++
		}
		if !e.Key.Expiry.IsZero() {
			expiries++
		}
	}
	if batches == 0 || expiries == 0 {
		t.Errorf("stock rows with batches %d, with expiry %d", batches, expiries)
	}
	open := 0
	for _, p := range ten.Purchases() {
		if p.OrderStatus.IsAuthorised() && p.CombinedReceivingStatus == cin7core.ReceivingNotReceived {
			open++
		}
	}
	if len(ten.Purchases()) != spec.Purchases || open != spec.AuthorisedPurchases {
		t.Errorf("purchases = %d, %d authorised and open; want %d, %d", len(ten.Purchases()), open, spec.Purchases, spec.AuthorisedPurchases)
	}
	open = 0
	sales := ten.Sales()
	for _, s := range sales {
		if s.Order.Status.IsAuthorised() && s.FulFilmentStatus == cin7core.SaleFulfilmentNotFulfilled {
			open++
		}
	}
	if len(sales) != spec.Sales || open != spec.AuthorisedSales {
		t.Errorf("sales = %d, %d authorised and open; want %d, %d", len(sales), open, spec.Sales, spec.AuthorisedSales)
	}
	if n := len(ten.StockTransfers()); n != spec.Transfers {
		t.Errorf("transfers = %d, want %d", n, spec.Transfers)
	}
}

func TestGeneratedTenantServes(t *testing.T) {
	ten := GenerateTenant(smallSpec())
	s := NewServer(WithTenant(ten))
	defer s.Close()
	c, err := s.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ps, err := c.Products.List(&cin7core.ProductListOptions{IncludeDeprecated: true}).Collect(ctx)
	if err != nil || len(ps) != len(ten.Products()) {
		t.Fatalf("products: %d, %v", len(ps), err)
	}
	rows, err := c.Availability.List(nil).Collect(ctx)
	if err != nil || len(rows) != ten.StockRows() {
		t.Fatalf("availability: %d rows, %v; want %d", len(rows), err, ten.StockRows())
	}
	// A received purchase of the generated tenant is served whole.
	for _, p := range ten.Purchases() {
		if _, err := c.Purchases.GetAdvanced(ctx, p.ID); err != nil {
			t.Fatalf("purchase %s: %v", p.OrderNumber, err)
		}
		break
	}
}

func TestChangeHelpers(t *testing.T) {
	ten := GenerateTenant(smallSpec())
	before := ten.Products()
	ids := ten.ChangeProducts(0.01, 7)
	if want := (len(before) + 50) / 100; len(ids) != want {
		t.Fatalf("changed %d products, want %d", len(ids), want)
	}
	again := GenerateTenant(smallSpec()).ChangeProducts(0.01, 7)
	for i := range ids {
		if ids[i] != again[i] {
			t.Fatal("ChangeProducts is not deterministic")
		}
	}
	changed := map[string]bool{}
	for _, id := range ids {
		changed[id] = true
	}
	for _, p := range ten.Products() {
		if changed[p.ID] != !p.LastModifiedOn.Time.Before(GenerationEpoch()) {
			t.Fatalf("product %s: changed %v, stamped %v", p.SKU, changed[p.ID], p.LastModifiedOn)
		}
	}
	spec := smallSpec()
	oids := ten.ChangeOrders(0.05, 7)
	want := int(0.05*float64(spec.Purchases)+0.5) + int(0.05*float64(spec.Sales)+0.5)
	if len(oids) != want {
		t.Fatalf("changed %d orders, want %d", len(oids), want)
	}
	n := 0
	for _, p := range ten.Purchases() {
		if !p.LastUpdatedDate.Time.Before(GenerationEpoch()) {
			n++
		}
	}
	for _, s := range ten.Sales() {
		if !s.LastModifiedOn.Time.Before(GenerationEpoch()) {
			n++
		}
	}
	if n != want {
		t.Fatalf("%d orders stamped now, want %d", n, want)
	}
}

func TestFastRenderMatchesRender(t *testing.T) {
	ten := GenerateTenant(BenchmarkSpec().Scaled(0.02))
	if _, ok := decimalNames(reflect.TypeFor[cin7core.Product]()); !ok {
		t.Fatal("products take the slow path")
	}
	if _, ok := decimalNames(reflect.TypeFor[cin7core.ProductFamily]()); !ok {
		t.Fatal("families take the slow path")
	}
	for _, p := range ten.Products() {
		fast, err1 := fastRender(p)
		slow, err2 := render(p, nil)
		if err1 != nil || err2 != nil || !bytes.Equal(fast, slow) {
			t.Fatalf("product %s:\nfast %s\nslow %s", p.SKU, fast, slow)
		}
	}
	for _, f := range ten.Families() {
		fast, _ := fastRender(f)
		slow, _ := render(f, nil)
		if !bytes.Equal(fast, slow) {
			t.Fatalf("family %s:\nfast %s\nslow %s", f.SKU, fast, slow)
		}
	}
	p := ten.Products()[0]
	p.PriceTiers = map[string]decimal.Decimal{"Tier 1": decimal.RequireFromString("1.5")}
	p.Name = `quote " and \ backslash <tag>`
	fast, _ := fastRender(p)
	slow, _ := render(p, nil)
	if !bytes.Equal(fast, slow) {
		t.Fatalf("product with tiers:\nfast %s\nslow %s", fast, slow)
	}
}
