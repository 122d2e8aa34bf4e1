package sync

import (
	"context"
	"iter"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// Source is what the engine reads from Cin7 Core. [Cin7Source] adapts a
// *cin7core.Client; tests and hosts can supply their own.
type Source interface {
	// LocationPages yields the whole location list page by page.
	LocationPages(ctx context.Context) iter.Seq2[*cin7core.Page[cin7core.Location], error]
	// ProductPages yields products (deprecated included) modified at or
	// after since; a zero since means all. Pages carry the API's Total so
	// the engine can tell a complete read from one that lost records to a
	// list changing under it.
	ProductPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.Product], error]
	// FamilyPages yields product families modified at or after since.
	FamilyPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.ProductFamily], error]
	// Product returns one product; an error matching cin7core.ErrNotFound
	// if it no longer exists.
	Product(ctx context.Context, id string) (*cin7core.Product, error)
}

// Sink is what the engine writes to Ramp. [RampSink] adapts a *ramp.Client;
// a Ramp service can implement it over its own datastore. Errors should
// match ramp.ErrNotFound, ramp.ErrValidation and ramp.ErrConflict where
// they apply, since the engine treats those as record-level failures
// rather than stream failures.
type Sink interface {
	// AllPlaces and AllSkus yield every entity; a pass with no state uses
	// them to index Ramp in a few paged calls instead of one lookup per
	// record.
	AllPlaces(ctx context.Context) iter.Seq2[ramp.Place, error]
	AllSkus(ctx context.Context) iter.Seq2[ramp.Sku, error]
	// FindPlace returns the place with this ExternalRef, or an error
	// matching ramp.ErrNotFound when there is none.
	FindPlace(ctx context.Context, externalRef string) (*ramp.Place, error)
	// CreatePlace creates p (ID empty) and returns it with its new ID; an
	// error matching ramp.ErrConflict if its ExternalRef is taken.
	CreatePlace(ctx context.Context, p *ramp.Place) (*ramp.Place, error)
	// UpdatePlace replaces the place with p.ID by p; ramp.ErrNotFound if
	// it no longer exists.
	UpdatePlace(ctx context.Context, p *ramp.Place) (*ramp.Place, error)
	// FindSku, CreateSku and UpdateSku do the same for SKUs.
	FindSku(ctx context.Context, externalRef string) (*ramp.Sku, error)
	CreateSku(ctx context.Context, s *ramp.Sku) (*ramp.Sku, error)
	UpdateSku(ctx context.Context, s *ramp.Sku) (*ramp.Sku, error)
}

// CallCounter is implemented by sources and sinks that can tell how many
// API calls they have made; the report uses it.
type CallCounter interface {
	APICalls() int64
}

// Cin7Source adapts a Cin7 Core client to [Source], reading at the API's
// maximum page size.
func Cin7Source(c *cin7core.Client) Source { return cin7Source{c} }

type cin7Source struct{ c *cin7core.Client }

func (s cin7Source) LocationPages(ctx context.Context) iter.Seq2[*cin7core.Page[cin7core.Location], error] {
	return s.c.Locations.List(nil).Pages(ctx)
}

func (s cin7Source) ProductPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.Product], error] {
	return s.c.Products.List(&cin7core.ProductListOptions{ModifiedSince: since, IncludeDeprecated: true}).Pages(ctx)
}

func (s cin7Source) FamilyPages(ctx context.Context, since time.Time) iter.Seq2[*cin7core.Page[cin7core.ProductFamily], error] {
	return s.c.ProductFamilies.List(&cin7core.ProductFamilyListOptions{ModifiedSince: since}).Pages(ctx)
}

func (s cin7Source) Product(ctx context.Context, id string) (*cin7core.Product, error) {
	return s.c.Products.Get(ctx, id)
}

func (s cin7Source) APICalls() int64 { return s.c.APICalls() }

// RampSink adapts a Ramp client to [Sink].
func RampSink(c *ramp.Client) Sink { return rampSink{c} }

type rampSink struct{ c *ramp.Client }

func (s rampSink) AllPlaces(ctx context.Context) iter.Seq2[ramp.Place, error] {
	return s.c.Places.List(nil).All(ctx)
}
func (s rampSink) AllSkus(ctx context.Context) iter.Seq2[ramp.Sku, error] {
	return s.c.Skus.List(nil).All(ctx)
}
func (s rampSink) FindPlace(ctx context.Context, ref string) (*ramp.Place, error) {
	return s.c.Places.FindByExternalRef(ctx, ref)
}
func (s rampSink) CreatePlace(ctx context.Context, p *ramp.Place) (*ramp.Place, error) {
	return s.c.Places.Create(ctx, p)
}
func (s rampSink) UpdatePlace(ctx context.Context, p *ramp.Place) (*ramp.Place, error) {
	return s.c.Places.Update(ctx, p)
}
func (s rampSink) FindSku(ctx context.Context, ref string) (*ramp.Sku, error) {
	return s.c.Skus.FindByExternalRef(ctx, ref)
}
func (s rampSink) CreateSku(ctx context.Context, v *ramp.Sku) (*ramp.Sku, error) {
	return s.c.Skus.Create(ctx, v)
}
func (s rampSink) UpdateSku(ctx context.Context, v *ramp.Sku) (*ramp.Sku, error) {
	return s.c.Skus.Update(ctx, v)
}
func (s rampSink) APICalls() int64 { return s.c.APICalls() }
