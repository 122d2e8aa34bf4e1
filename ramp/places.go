package ramp

import "context"

// PlacesService reads and writes places (Places/*). Deleting is not
// offered: the integration archives places, it never deletes them.
type PlacesService service

// List returns a pager over places matching opts (nil for all).
func (s *PlacesService) List(opts *ListOptions) *Pager[Place] {
	return newPager[Place](s.client, placePaths.list, opts)
}

// Get reads one place by Ramp ID.
func (s *PlacesService) Get(ctx context.Context, id string) (*Place, error) {
	return getRecord[Place](ctx, s.client, placePaths, id)
}

// Create adds a place. p must have no ID and a Name and ExternalRef; the
// created place (with its new ID) is returned.
func (s *PlacesService) Create(ctx context.Context, p *Place) (*Place, error) {
	if p == nil {
		return nil, &ValidationError{Reason: "nil place"}
	}
	if err := checkWrite(p.ID, p.Name, p.ExternalRef, false); err != nil {
		return nil, err
	}
	return writeRecord[Place](ctx, s.client, placePaths.create, placePaths.kind, p)
}

// Update replaces a place, identified by p.ID, and returns it as stored.
func (s *PlacesService) Update(ctx context.Context, p *Place) (*Place, error) {
	if p == nil {
		return nil, &ValidationError{Reason: "nil place"}
	}
	if err := checkWrite(p.ID, p.Name, p.ExternalRef, true); err != nil {
		return nil, err
	}
	return writeRecord[Place](ctx, s.client, placePaths.update, placePaths.kind, p)
}

// FindByExternalRef returns the one place whose ExternalRef is ref. No
// match is an error matching ErrNotFound; more than one matches
// ErrConflict. The comparison is the server's (exact in ramptest), so pass
// ref in the same form it was stored in (lower-case GUIDs for Cin7 Core).
func (s *PlacesService) FindByExternalRef(ctx context.Context, ref string) (*Place, error) {
	return findByExternalRef[Place](ctx, s.client, placePaths, ref)
}

// Archive hides a place without deleting it (history still refers to it)
// and returns it as stored. Archiving an archived record changes nothing,
// so the call is retried like a read.
func (s *PlacesService) Archive(ctx context.Context, id string) (*Place, error) {
	return postID[Place](ctx, s.client, placePaths.archive, placePaths.kind, id, nil, true)
}

// Unarchive brings an archived record back (a Cin7 Core record that was
// deprecated and then reinstated). Like Archive it is idempotent.
func (s *PlacesService) Unarchive(ctx context.Context, id string) (*Place, error) {
	return postID[Place](ctx, s.client, placePaths.unarchive, placePaths.kind, id, nil, true)
}
