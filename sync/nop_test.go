package sync

import (
	"context"
	"iter"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// nopSource and nopSink satisfy the interfaces for tests that never read
// or write through them.
type nopSource struct{}

func (nopSource) LocationPages(context.Context) iter.Seq2[*cin7core.Page[cin7core.Location], error] {
	return func(func(*cin7core.Page[cin7core.Location], error) bool) {}
}
func (nopSource) ProductPages(context.Context, time.Time) iter.Seq2[*cin7core.Page[cin7core.Product], error] {
	return func(func(*cin7core.Page[cin7core.Product], error) bool) {}
}
func (nopSource) FamilyPages(context.Context, time.Time) iter.Seq2[*cin7core.Page[cin7core.ProductFamily], error] {
	return func(func(*cin7core.Page[cin7core.ProductFamily], error) bool) {}
}
func (nopSource) Product(context.Context, string) (*cin7core.Product, error) {
	return nil, cin7core.ErrNotFound
}

type nopSink struct{}

func (nopSink) AllPlaces(context.Context) iter.Seq2[ramp.Place, error] {
	return func(func(ramp.Place, error) bool) {}
}
func (nopSink) AllSkus(context.Context) iter.Seq2[ramp.Sku, error] {
	return func(func(ramp.Sku, error) bool) {}
}
func (nopSink) FindPlace(context.Context, string) (*ramp.Place, error) { return nil, ramp.ErrNotFound }
func (nopSink) CreatePlace(_ context.Context, p *ramp.Place) (*ramp.Place, error) {
	return p, nil
}
func (nopSink) UpdatePlace(_ context.Context, p *ramp.Place) (*ramp.Place, error) {
	return p, nil
}
func (nopSink) FindSku(context.Context, string) (*ramp.Sku, error) { return nil, ramp.ErrNotFound }
func (nopSink) CreateSku(_ context.Context, s *ramp.Sku) (*ramp.Sku, error) {
	return s, nil
}
func (nopSink) UpdateSku(_ context.Context, s *ramp.Sku) (*ramp.Sku, error) {
	return s, nil
}
