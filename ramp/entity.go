package ramp

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/cin7ramp/cin7ramp/internal/httpx"
)

// entityPaths names one resource's endpoints, so Places and Skus share the
// same request code.
type entityPaths struct {
	kind                      string // "place" or "sku", for messages
	list, get, create, update string
	archive, unarchive        string
}

var (
	placePaths = entityPaths{kind: "place", list: PathListPlaces, get: PathGetPlace, create: PathCreatePlace, update: PathUpdatePlace, archive: PathArchivePlace, unarchive: PathUnarchivePlace}
	skuPaths   = entityPaths{kind: "sku", list: PathListSkus, get: PathGetSku, create: PathCreateSku, update: PathUpdateSku, archive: PathArchiveSku, unarchive: PathUnarchiveSku}
	orderPaths = entityPaths{kind: "order", list: PathListOrders, get: PathGetOrder, create: PathCreateOrder, update: PathUpdateOrder}
	stockPaths = entityPaths{kind: "stocktake", list: PathListStocktakes, get: PathGetStocktake}
)

// record is what the shared helpers need to know about an entity.
type record interface {
	recordID() string
}

func (p *Place) recordID() string { return p.ID }
func (s *Sku) recordID() string   { return s.ID }

func (p *Place) externalRef() string { return p.ExternalRef }
func (s *Sku) externalRef() string   { return s.ExternalRef }

func getRecord[T any, PT interface {
	*T
	record
}](ctx context.Context, c *Client, ep entityPaths, id string) (*T, error) {
	path, err := idPath(ep.get, id)
	if err != nil {
		return nil, err
	}
	out := PT(new(T))
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: path}, nil, out)
	if err != nil {
		return nil, err
	}
	if out.recordID() == "" {
		return nil, badResponse(c.pipe.Redactor(), resp, "answer is not a "+ep.kind+" (no Id)")
	}
	return out, nil
}

// writeRecord posts a create or update. Writes are not idempotent, so the
// pipeline never retries them after a 5xx or a transport error (a retry
// could create a duplicate); throttling answers are still retried because
// the server did nothing.
func writeRecord[T any, PT interface {
	*T
	record
}](ctx context.Context, c *Client, path, kind string, in PT) (*T, error) {
	out := PT(new(T))
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodPost, Path: path}, in, out)
	if err != nil {
		return nil, err
	}
	if out.recordID() == "" {
		return nil, badResponse(c.pipe.Redactor(), resp, "answer is not a "+kind+" (no Id)")
	}
	return out, nil
}

// postID posts to an action whose last path segment is the record ID,
// with an optional body, and decodes the record answered. Idempotent
// actions (archive, unarchive) may be retried after a 5xx or a transport
// error: repeating them changes nothing.
func postID[T any, PT interface {
	*T
	record
}](ctx context.Context, c *Client, prefix, kind, id string, body any, idempotent bool) (*T, error) {
	path, err := idPath(prefix, id)
	if err != nil {
		return nil, err
	}
	out := PT(new(T))
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodPost, Path: path, Idempotent: idempotent}, body, out)
	if err != nil {
		return nil, err
	}
	if out.recordID() == "" {
		return nil, badResponse(c.pipe.Redactor(), resp, "answer is not a "+kind+" (no Id)")
	}
	return out, nil
}

// findByExternalRef asks for at most two matches: enough to tell "none",
// "one" and "ambiguous" apart in a single call.
func findByExternalRef[T any](ctx context.Context, c *Client, ep entityPaths, ref string) (*T, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, &ValidationError{Field: "ExternalRef", Reason: "must not be empty"}
	}
	p := newPager[T](c, ep.list, &ListOptions{Filter: Eq("ExternalRef", ref), PageSize: 2})
	for pg, err := range p.Pages(ctx) {
		if err != nil {
			return nil, err
		}
		switch {
		case len(pg.Items) == 0:
			return nil, fmt.Errorf("ramp: no %s with ExternalRef %q: %w", ep.kind, ref, ErrNotFound)
		case len(pg.Items) > 1:
			n := fmt.Sprint(len(pg.Items))
			if pg.HasCount && pg.Count > len(pg.Items) {
				n = fmt.Sprint(pg.Count)
			}
			return nil, fmt.Errorf("ramp: %s %ss share ExternalRef %q: %w", n, ep.kind, ref, ErrConflict)
		}
		it := pg.Items[0]
		// An answer about another record (a stale or misrouted page)
		// must not pass for this one: the caller would update it.
		if r, ok := any(&it).(interface{ externalRef() string }); ok && !strings.EqualFold(r.externalRef(), ref) {
			return nil, fmt.Errorf("ramp: looking up %s ExternalRef %q, the answer is %s %q: %w", ep.kind, ref, ep.kind, r.externalRef(), ErrBadResponse)
		}
		return &it, nil
	}
	return nil, fmt.Errorf("ramp: no %s with ExternalRef %q: %w", ep.kind, ref, ErrNotFound)
}

// checkWrite holds the client-side checks shared by Create and Update.
func checkWrite(id, name, externalRef string, update bool) error {
	switch {
	case update && strings.TrimSpace(id) == "":
		return &ValidationError{Field: "ID", Reason: "is required to update; use Create for new records"}
	case !update && id != "":
		return &ValidationError{Field: "ID", Reason: "must be empty to create; use Update for existing records"}
	case strings.TrimSpace(name) == "":
		return &ValidationError{Field: "Name", Reason: "must not be empty"}
	case strings.TrimSpace(externalRef) == "":
		return &ValidationError{Field: "ExternalRef", Reason: "must not be empty"}
	}
	return nil
}
