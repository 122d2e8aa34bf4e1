package ramptest

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cin7ramp/cin7ramp/ramp"
)

// maxNameLen is the longest Name the fake accepts, in characters.
const maxNameLen = 200

func checkName(name string) *failure {
	switch {
	case strings.TrimSpace(name) == "":
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "Name", "Name is required")
	case utf8.RuneCountInString(name) > maxNameLen:
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "Name", "Name may not exceed %d characters", maxNameLen)
	}
	return nil
}

func checkExternalRef(ref string) *failure {
	if strings.TrimSpace(ref) == "" {
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "ExternalRef", "ExternalRef is required")
	}
	return nil
}

func (s *Server) custom(kind string, v any) *failure {
	if s.validator == nil {
		return nil
	}
	d := s.validator(kind, v)
	if d == nil {
		return nil
	}
	det := *d
	if det.ErrorCode == "" {
		det.ErrorCode = ramp.CodeValidationError
	}
	return &failure{status: statusForCode(det.ErrorCode), details: []ramp.ErrorDetail{det}}
}

// placeView is a place as the API shows it: ParentPlaceName comes from the
// parent's current name.
func (s *Server) placeView(p *ramp.Place) ramp.Place {
	out := *p
	out.ParentPlaceName = ""
	if parent, ok := s.places[p.ParentPlaceID]; ok {
		out.ParentPlaceName = parent.Name
	}
	return out
}

// checkPlace applies every rule to p, which will be stored under id (""
// for a new place).
func (s *Server) checkPlace(p *ramp.Place, id string) *failure {
	if f := checkName(p.Name); f != nil {
		return f
	}
	if f := checkExternalRef(p.ExternalRef); f != nil {
		return f
	}
	if p.ParentPlaceID != "" {
		pid := strings.ToLower(p.ParentPlaceID)
		if _, ok := s.places[pid]; !ok {
			return fail(http.StatusBadRequest, ramp.CodeInvalidForeignKey, "ParentPlaceId", "no place with Id %s", p.ParentPlaceID)
		}
		p.ParentPlaceID = pid
		// Walk up from the new parent; meeting the place itself means the
		// hierarchy would loop.
		for cur, hops := pid, 0; cur != "" && hops <= len(s.places); hops++ {
			if cur == id {
				return fail(http.StatusBadRequest, ramp.CodeIllegalBusinessOperation, "ParentPlaceId", "a place cannot be its own ancestor")
			}
			next, ok := s.places[cur]
			if !ok {
				break
			}
			cur = next.ParentPlaceID
		}
	}
	for oid, other := range s.places {
		if oid != id && other.ExternalRef == p.ExternalRef {
			return fail(http.StatusConflict, ramp.CodeDuplicateResource, "ExternalRef", "a place with ExternalRef %q already exists", p.ExternalRef)
		}
	}
	return s.custom("place", *p)
}

func (s *Server) createPlace(p ramp.Place) (ramp.Place, *failure) {
	if p.ID != "" {
		return ramp.Place{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Id", "Id must be empty on create")
	}
	if f := s.checkPlace(&p, ""); f != nil {
		return ramp.Place{}, f
	}
	now := s.now().UTC()
	p.ID, p.DateCreated, p.DateLastModified, p.ParentPlaceName = newGUID(), now, now, ""
	s.places[p.ID] = &p
	return s.placeView(&p), nil
}

func (s *Server) updatePlace(p ramp.Place) (ramp.Place, *failure) {
	if p.ID == "" {
		return ramp.Place{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Id", "Id is required")
	}
	id := strings.ToLower(p.ID)
	old, ok := s.places[id]
	if !ok {
		return ramp.Place{}, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no place with Id %s", p.ID)
	}
	p.ID = id
	if f := s.checkPlace(&p, id); f != nil {
		return ramp.Place{}, f
	}
	p.DateCreated, p.DateLastModified, p.ParentPlaceName = old.DateCreated, laterThan(s.now().UTC(), old.DateLastModified), ""
	s.places[id] = &p
	return s.placeView(&p), nil
}

// laterThan keeps DateLastModified moving forward even on a frozen clock,
// so "modified since" filters see every update.
func laterThan(now, prev time.Time) time.Time {
	if now.After(prev) {
		return now
	}
	return prev.Add(time.Microsecond)
}

func (s *Server) checkSku(k *ramp.Sku, id string) *failure {
	if f := checkName(k.Name); f != nil {
		return f
	}
	if strings.TrimSpace(k.SkuNumber) == "" {
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "SkuNumber", "SkuNumber is required")
	}
	if f := checkExternalRef(k.ExternalRef); f != nil {
		return f
	}
	switch k.TrackingMode {
	case ramp.TrackingNone, ramp.TrackingBatch, ramp.TrackingSerial:
	default:
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "TrackingMode", "TrackingMode must be None, Batch or Serial, not %q", k.TrackingMode)
	}
	for oid, other := range s.skus {
		if oid != id && other.ExternalRef == k.ExternalRef {
			return fail(http.StatusConflict, ramp.CodeDuplicateResource, "ExternalRef", "a SKU with ExternalRef %q already exists", k.ExternalRef)
		}
	}
	return s.custom("sku", *k)
}

func (s *Server) createSku(k ramp.Sku) (ramp.Sku, *failure) {
	if k.ID != "" {
		return ramp.Sku{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Id", "Id must be empty on create")
	}
	if f := s.checkSku(&k, ""); f != nil {
		return ramp.Sku{}, f
	}
	now := s.now().UTC()
	k.ID, k.DateCreated, k.DateLastModified = newGUID(), now, now
	s.skus[k.ID] = &k
	return k, nil
}

func (s *Server) updateSku(k ramp.Sku) (ramp.Sku, *failure) {
	if k.ID == "" {
		return ramp.Sku{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Id", "Id is required")
	}
	id := strings.ToLower(k.ID)
	old, ok := s.skus[id]
	if !ok {
		return ramp.Sku{}, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no SKU with Id %s", k.ID)
	}
	k.ID = id
	if f := s.checkSku(&k, id); f != nil {
		return ramp.Sku{}, f
	}
	k.DateCreated, k.DateLastModified = old.DateCreated, laterThan(s.now().UTC(), old.DateLastModified)
	s.skus[id] = &k
	return k, nil
}

// HTTP handlers. They run with s.mu held.

func (s *Server) listPlaces(w http.ResponseWriter, r *http.Request) *failure {
	p, f := s.readPage(r, placeFields)
	if f != nil {
		return f
	}
	all := sortByCreation(s.places, func(p *ramp.Place) time.Time { return p.DateCreated }, func(p *ramp.Place) string { return p.ID })
	writePage(w, r, p, all, s.placeView)
	return nil
}

func (s *Server) listSkus(w http.ResponseWriter, r *http.Request) *failure {
	p, f := s.readPage(r, skuFields)
	if f != nil {
		return f
	}
	all := sortByCreation(s.skus, func(k *ramp.Sku) time.Time { return k.DateCreated }, func(k *ramp.Sku) string { return k.ID })
	writePage(w, r, p, all, func(k *ramp.Sku) ramp.Sku { return *k })
	return nil
}

// idFrom returns the {id} segment after prefix, refusing extra segments.
func idFrom(r *http.Request, prefix string) (string, *failure) {
	id := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"), prefix+"/")
	if id == "" || strings.Contains(id, "/") {
		return "", fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no such resource")
	}
	return strings.ToLower(id), nil
}

func (s *Server) getPlace(w http.ResponseWriter, r *http.Request) *failure {
	id, f := idFrom(r, ramp.PathGetPlace)
	if f != nil {
		return f
	}
	p, ok := s.places[id]
	if !ok {
		return fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no place with Id %s", id)
	}
	writeJSON(w, http.StatusOK, s.placeView(p))
	return nil
}

func (s *Server) getSku(w http.ResponseWriter, r *http.Request) *failure {
	id, f := idFrom(r, ramp.PathGetSku)
	if f != nil {
		return f
	}
	k, ok := s.skus[id]
	if !ok {
		return fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no SKU with Id %s", id)
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) handleCreatePlace(w http.ResponseWriter, r *http.Request) *failure {
	var p ramp.Place
	if f := decodeBody(r, &p); f != nil {
		return f
	}
	out, f := s.createPlace(p)
	if f != nil {
		return f
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleUpdatePlace(w http.ResponseWriter, r *http.Request) *failure {
	var p ramp.Place
	if f := decodeBody(r, &p); f != nil {
		return f
	}
	out, f := s.updatePlace(p)
	if f != nil {
		return f
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleCreateSku(w http.ResponseWriter, r *http.Request) *failure {
	var k ramp.Sku
	if f := decodeBody(r, &k); f != nil {
		return f
	}
	out, f := s.createSku(k)
	if f != nil {
		return f
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleUpdateSku(w http.ResponseWriter, r *http.Request) *failure {
	var k ramp.Sku
	if f := decodeBody(r, &k); f != nil {
		return f
	}
	out, f := s.updateSku(k)
	if f != nil {
		return f
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// archiver serves ArchiveX/{id} and UnarchiveX/{id}: set flips the flag
// and returns the record as the API shows it. Repeating the call changes
// nothing (not even DateLastModified), which is what lets the client retry
// it.
func (s *Server) archiver(prefix string, archived bool, set func(id string, archived bool) (any, *failure)) func(http.ResponseWriter, *http.Request) *failure {
	return func(w http.ResponseWriter, r *http.Request) *failure {
		id, f := idFrom(r, prefix)
		if f != nil {
			return f
		}
		out, f := set(id, archived)
		if f != nil {
			return f
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (s *Server) setPlaceArchived(id string, archived bool) (any, *failure) {
	p, ok := s.places[id]
	if !ok {
		return nil, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no place with Id %s", id)
	}
	if p.Archived != archived {
		p.Archived, p.DateLastModified = archived, laterThan(s.now().UTC(), p.DateLastModified)
	}
	return s.placeView(p), nil
}

func (s *Server) setSkuArchived(id string, archived bool) (any, *failure) {
	k, ok := s.skus[id]
	if !ok {
		return nil, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no SKU with Id %s", id)
	}
	if k.Archived != archived {
		k.Archived, k.DateLastModified = archived, laterThan(s.now().UTC(), k.DateLastModified)
	}
	return *k, nil
}

// placeByRef finds a place by ExternalRef (exact compare).
func (s *Server) placeByRef(ref string) *ramp.Place {
	for _, p := range s.places {
		if p.ExternalRef == ref {
			return p
		}
	}
	return nil
}

// resolvePlace turns an ID and/or ExternalRef into the stored place;
// field names the request field for errors. Both empty is (nil, nil).
func (s *Server) resolvePlace(id, ref, field string) (*ramp.Place, *failure) {
	switch {
	case id != "":
		p, ok := s.places[strings.ToLower(id)]
		if !ok {
			return nil, fail(http.StatusBadRequest, ramp.CodeInvalidForeignKey, field+"Id", "no place with Id %s", id)
		}
		if ref != "" && ref != p.ExternalRef {
			return nil, fail(http.StatusBadRequest, ramp.CodeValidationError, field+"ExternalRef", "place %s has ExternalRef %q, not %q", p.ID, p.ExternalRef, ref)
		}
		return p, nil
	case ref != "":
		if p := s.placeByRef(ref); p != nil {
			return p, nil
		}
		return nil, fail(http.StatusBadRequest, ramp.CodeInvalidForeignKey, field+"ExternalRef", "no place with ExternalRef %q", ref)
	}
	return nil, nil
}

// skuIndex maps ExternalRef to SKU, built once per request that needs
// many lookups.
func (s *Server) skuIndex() map[string]*ramp.Sku {
	m := make(map[string]*ramp.Sku, len(s.skus))
	for _, k := range s.skus {
		m[k.ExternalRef] = k
	}
	return m
}

// resolveSku is resolvePlace for SKUs; idx may be nil.
func (s *Server) resolveSku(idx map[string]*ramp.Sku, id, ref, field string) (*ramp.Sku, *failure) {
	switch {
	case id != "":
		k, ok := s.skus[strings.ToLower(id)]
		if !ok {
			return nil, fail(http.StatusBadRequest, ramp.CodeInvalidForeignKey, field+"SkuId", "no SKU with Id %s", id)
		}
		if ref != "" && ref != k.ExternalRef {
			return nil, fail(http.StatusBadRequest, ramp.CodeValidationError, field+"SkuExternalRef", "SKU %s has ExternalRef %q, not %q", k.ID, k.ExternalRef, ref)
		}
		return k, nil
	case ref != "":
		if idx == nil {
			idx = s.skuIndex()
		}
		if k, ok := idx[ref]; ok {
			return k, nil
		}
		return nil, fail(http.StatusBadRequest, ramp.CodeInvalidForeignKey, field+"SkuExternalRef", "no SKU with ExternalRef %q", ref)
	}
	return nil, fail(http.StatusBadRequest, ramp.CodeValidationError, field+"SkuId", "SkuId or SkuExternalRef is required")
}
