package cin7coretest

import (
	"embed"
	"fmt"
	"sync"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// The demo tenant's data, written for this project in the documented
// Cin7 Core list envelopes.
//
//go:embed demo/locations.json demo/products.json demo/families.json
var demoFS embed.FS

// DemoTenant returns a fresh copy of the demo tenant: an Australian outdoor
// and apparel retailer with four locations (one deprecated, the others with
// two or three bins each), about sixty products covering all seven costing
// methods, three services, one deprecated product and three product
// families (one, two and three options). Each call returns an independent
// tenant, so tests may change it freely.
func DemoTenant() *Tenant {
	demoOnce.Do(func() { demoTemplate = loadDemo() })
	t := NewTenant()
	t.locations = demoTemplate.locations.clone()
	t.products = demoTemplate.products.clone()
	t.families = demoTemplate.families.clone()
	for _, seed := range demoSeeders {
		seed(t)
	}
	return t
}

// demoSeeders add the rest of the demo tenant (stock, purchases, sales,
// transfers, …); each resource file registers its own in init. They run on
// every new demo tenant, after the catalogue is in place, in registration
// order.
var demoSeeders []func(t *Tenant)

var (
	demoOnce     sync.Once
	demoTemplate *Tenant
)

// loadDemo parses the embedded files once; DemoTenant copies the result.
// Copies may share nested slices because the tenant never changes a nested
// slice in place (its mutators copy on write).
func loadDemo() *Tenant {
	t := NewTenant()
	steps := []struct {
		file string
		load func([]byte) error
	}{
		{"demo/locations.json", func(b []byte) error {
			return load(&t.locations, b, "LocationList", func(l *cin7core.Location) string { return l.ID })
		}},
		{"demo/products.json", func(b []byte) error {
			return load(&t.products, b, "Products", func(p *cin7core.Product) string { return p.ID })
		}},
		{"demo/families.json", func(b []byte) error {
			return load(&t.families, b, "ProductFamilies", func(f *cin7core.ProductFamily) string { return f.ID })
		}},
	}
	for _, s := range steps {
		b, err := demoFS.ReadFile(s.file)
		if err == nil {
			err = s.load(b)
		}
		if err != nil {
			// The files are part of the package; a failure is a bug in them.
			panic(fmt.Sprintf("cin7coretest: demo data %s: %v", s.file, err))
		}
	}
	return t
}

// DemoCounts returns the demo tenant's [Counts], computed from its data.
func DemoCounts() Counts { return DemoTenant().Counts() }
