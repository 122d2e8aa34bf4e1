package benchmarks

import (
	"encoding/json"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
)

// decodePage decodes a fixture page with encoding/json (setup only).
func decodePage[T any](b *testing.B, body []byte, key string) []T {
	b.Helper()
	var env map[string]json.RawMessage
	var out []T
	if err := json.Unmarshal(body, &env); err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(env[key], &out); err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkMapping maps records with the default rules: a page of
// products, every variant of a page of families, and the whole location
// list (its bins deduplicated). Compare ns/record with BenchmarkDecode.
func BenchmarkMapping(b *testing.B) {
	fix := getFixture(b, benchSpec())
	rules := mapping.DefaultRules()
	b.Run("products", func(b *testing.B) {
		ps := decodePage[cin7core.Product](b, fix.pages["products"], "Products")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, p := range ps {
				_, _, _ = rules.Product(p)
			}
		}
		reportPerRecord(b, len(ps))
	})
	b.Run("families", func(b *testing.B) {
		fs := decodePage[cin7core.ProductFamily](b, fix.pages["families"], "ProductFamilies")
		byID := map[string]cin7core.Product{}
		for _, p := range fix.tenant.Products() {
			byID[cin7core.NormalizeID(p.ID)] = p
		}
		members := 0
		for _, f := range fs {
			members += len(f.Products)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for _, f := range fs {
				for _, m := range f.Products {
					_, _, _ = rules.FamilyMember(f, byID[cin7core.NormalizeID(m.ID)])
				}
			}
		}
		reportPerRecord(b, members)
	})
	b.Run("locations", func(b *testing.B) {
		ls := decodePage[cin7core.Location](b, fix.pages["locations"], "LocationList")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = rules.Locations(ls)
		}
		reportPerRecord(b, len(ls))
	})
}
