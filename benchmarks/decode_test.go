package benchmarks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// decoder decodes one page both ways: through the SDK (a pager of a
// client whose transport serves the page) and with plain encoding/json
// into an envelope of the same record type. Both return the record count.
type decoder struct {
	name  string
	sdk   func(ctx context.Context, c *cin7core.Client) (int, error)
	plain func(b []byte) (int, error)
}

func sdkCount[T any](ctx context.Context, p *cin7core.Pager[T]) (int, error) {
	items, err := firstPage(ctx, p)
	return len(items), err
}

var decoders = []decoder{
	{"products",
		func(ctx context.Context, c *cin7core.Client) (int, error) {
			return sdkCount(ctx, c.Products.List(&cin7core.ProductListOptions{IncludeDeprecated: true}))
		},
		func(b []byte) (int, error) {
			var env struct {
				Total, Page *cin7core.Int
				Products    []cin7core.Product
			}
			err := json.Unmarshal(b, &env)
			return len(env.Products), err
		}},
	{"families",
		func(ctx context.Context, c *cin7core.Client) (int, error) {
			return sdkCount(ctx, c.ProductFamilies.List(nil))
		},
		func(b []byte) (int, error) {
			var env struct {
				Total, Page     *cin7core.Int
				ProductFamilies []cin7core.ProductFamily
			}
			err := json.Unmarshal(b, &env)
			return len(env.ProductFamilies), err
		}},
	{"locations",
		func(ctx context.Context, c *cin7core.Client) (int, error) {
			return sdkCount(ctx, c.Locations.List(nil))
		},
		func(b []byte) (int, error) {
			var env struct {
				Total, Page  *cin7core.Int
				LocationList []cin7core.Location
			}
			err := json.Unmarshal(b, &env)
			return len(env.LocationList), err
		}},
	{"availability",
		func(ctx context.Context, c *cin7core.Client) (int, error) {
			return sdkCount(ctx, c.Availability.List(nil))
		},
		func(b []byte) (int, error) {
			var env struct {
				Total, Page             *cin7core.Int
				ProductAvailabilityList []cin7core.AvailabilityRow
			}
			err := json.Unmarshal(b, &env)
			return len(env.ProductAvailabilityList), err
		}},
	{"purchases",
		func(ctx context.Context, c *cin7core.Client) (int, error) {
			return sdkCount(ctx, c.Purchases.List(nil))
		},
		func(b []byte) (int, error) {
			var env struct {
				Total, Page  *cin7core.Int
				PurchaseList []cin7core.PurchaseListItem
			}
			err := json.Unmarshal(b, &env)
			return len(env.PurchaseList), err
		}},
	{"sales",
		func(ctx context.Context, c *cin7core.Client) (int, error) {
			return sdkCount(ctx, c.Sales.List(nil))
		},
		func(b []byte) (int, error) {
			var env struct {
				Total, Page *cin7core.Int
				SaleList    []cin7core.SaleListItem
			}
			err := json.Unmarshal(b, &env)
			return len(env.SaleList), err
		}},
	{"transfers",
		func(ctx context.Context, c *cin7core.Client) (int, error) {
			return sdkCount(ctx, c.StockTransfers.List(nil))
		},
		func(b []byte) (int, error) {
			var env struct {
				Total, Page       *cin7core.Int
				StockTransferList []cin7core.StockTransferSummary
			}
			err := json.Unmarshal(b, &env)
			return len(env.StockTransferList), err
		}},
}

// BenchmarkDecode decodes the first page (up to 1,000 records) of each
// list through the SDK and, as the baseline, with plain encoding/json
// into the same structs from the same bytes. ns/record is the figure to
// compare.
func BenchmarkDecode(b *testing.B) {
	fix := getFixture(b, benchSpec())
	ctx := context.Background()
	for _, d := range decoders {
		body := fix.pages[d.name]
		b.Run(d.name+"/sdk", func(b *testing.B) {
			c := pageClient(b, body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			n := 0
			for i := 0; i < b.N; i++ {
				got, err := d.sdk(ctx, c)
				if err != nil {
					b.Fatal(err)
				}
				n = got
			}
			reportPerRecord(b, n)
		})
		b.Run(d.name+"/encoding_json", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			n := 0
			for i := 0; i < b.N; i++ {
				got, err := d.plain(body)
				if err != nil {
					b.Fatal(err)
				}
				n = got
			}
			reportPerRecord(b, n)
		})
	}
}

// reportPerRecord adds records/op and ns/record.
func reportPerRecord(b *testing.B, records int) {
	b.ReportMetric(float64(records), "records/op")
	if records > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(records), "ns/record")
	}
}

// TestDecodeAgrees checks on a small tenant that both decoders read the
// same number of records from every page (the benchmarks compare like
// with like).
func TestDecodeAgrees(t *testing.T) {
	fix := getFixture(t, smallSpec())
	for _, d := range decoders {
		body := fix.pages[d.name]
		a, err := d.sdk(context.Background(), pageClient(t, body))
		if err != nil {
			t.Fatalf("%s: sdk: %v", d.name, err)
		}
		p, err := d.plain(body)
		if err != nil {
			t.Fatalf("%s: encoding/json: %v", d.name, err)
		}
		if a != p || a == 0 {
			t.Errorf("%s: sdk read %d records, encoding/json %d", d.name, a, p)
		}
	}
}
