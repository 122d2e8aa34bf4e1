package ramp

import "context"

// SkusService reads and writes SKUs (Skus/*). Deleting is not
// offered: the integration archives SKUs, it never deletes them.
type SkusService service

// List returns a pager over SKUs matching opts (nil for all).
func (s *SkusService) List(opts *ListOptions) *Pager[Sku] {
	return newPager[Sku](s.client, skuPaths.list, opts)
}

// Get reads one SKU by Ramp ID.
func (s *SkusService) Get(ctx context.Context, id string) (*Sku, error) {
	return getRecord[Sku](ctx, s.client, skuPaths, id)
}

// Create adds a SKU. k must have no ID and a Name and ExternalRef; the
// created SKU (with its new ID) is returned.
func (s *SkusService) Create(ctx context.Context, k *Sku) (*Sku, error) {
	if k == nil {
		return nil, &ValidationError{Reason: "nil sku"}
	}
	if err := checkWrite(k.ID, k.Name, k.ExternalRef, false); err != nil {
		return nil, err
	}
	return writeRecord[Sku](ctx, s.client, skuPaths.create, skuPaths.kind, k)
}

// Update replaces a SKU, identified by k.ID, and returns it as stored.
func (s *SkusService) Update(ctx context.Context, k *Sku) (*Sku, error) {
	if k == nil {
		return nil, &ValidationError{Reason: "nil sku"}
	}
	if err := checkWrite(k.ID, k.Name, k.ExternalRef, true); err != nil {
		return nil, err
	}
	return writeRecord[Sku](ctx, s.client, skuPaths.update, skuPaths.kind, k)
}

// FindByExternalRef returns the one SKU whose ExternalRef is ref. No
// match is an error matching ErrNotFound; more than one matches
// ErrConflict. The comparison is the server's (exact in ramptest), so pass
// ref in the same form it was stored in (lower-case GUIDs for Cin7 Core).
func (s *SkusService) FindByExternalRef(ctx context.Context, ref string) (*Sku, error) {
	return findByExternalRef[Sku](ctx, s.client, skuPaths, ref)
}

// Archive hides a SKU without deleting it (history still refers to it)
// and returns it as stored. Archiving an archived record changes nothing,
// so the call is retried like a read.
func (s *SkusService) Archive(ctx context.Context, id string) (*Sku, error) {
	return postID[Sku](ctx, s.client, skuPaths.archive, skuPaths.kind, id, nil, true)
}

// Unarchive brings an archived record back (a Cin7 Core record that was
// deprecated and then reinstated). Like Archive it is idempotent.
func (s *SkusService) Unarchive(ctx context.Context, id string) (*Sku, error) {
	return postID[Sku](ctx, s.client, skuPaths.unarchive, skuPaths.kind, id, nil, true)
}
