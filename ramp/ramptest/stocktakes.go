package ramptest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

var stocktakeFields = map[string]fieldDef{
	"Id":               {kString, func(r any) value { return str(r.(*ramp.Stocktake).ID) }},
	"Name":             {kString, func(r any) value { return optStr(r.(*ramp.Stocktake).Name) }},
	"PlaceId":          {kString, func(r any) value { return str(r.(*ramp.Stocktake).PlaceID) }},
	"PlaceExternalRef": {kString, func(r any) value { return optStr(r.(*ramp.Stocktake).PlaceExternalRef) }},
	"Complete":         {kBool, func(r any) value { return boolean(r.(*ramp.Stocktake).Complete) }},
	"Validated":        {kBool, func(r any) value { return boolean(r.(*ramp.Stocktake).Validated) }},
	"ValidatedAt":      {kTime, func(r any) value { return tm(r.(*ramp.Stocktake).ValidatedAt) }},
	"Version":          {kNumber, func(r any) value { return num(float64(r.(*ramp.Stocktake).Version)) }},
	"DateCreated":      {kTime, func(r any) value { return tm(r.(*ramp.Stocktake).DateCreated) }},
	"DateLastModified": {kTime, func(r any) value { return tm(r.(*ramp.Stocktake).DateLastModified) }},
}

// stocktakeView copies a stocktake; a summary (for lists) has no lines.
func (s *Server) stocktakeView(st *ramp.Stocktake, summary bool) ramp.Stocktake {
	out := *st
	out.PlaceName = ""
	if p, ok := s.places[st.PlaceID]; ok {
		out.PlaceName = p.Name
	}
	out.LineCount = len(st.Lines)
	out.Lines = nil
	if !summary {
		out.Lines = slices.Clone(st.Lines)
	}
	return out
}

// within reports whether place id is root or one of its descendants.
func (s *Server) within(id, root string) bool {
	for cur, hops := id, 0; cur != "" && hops <= len(s.places); hops++ {
		if cur == root {
			return true
		}
		p, ok := s.places[cur]
		if !ok {
			return false
		}
		cur = p.ParentPlaceID
	}
	return false
}

// RunStocktake records a finished (Complete) stocktake of a place (its
// Ramp ID or ExternalRef), as Ramp users scanning it would. Each line
// names a SKU (SkuId or SkuExternalRef) and Counted, optionally a child
// place (PlaceId, default the place), batch, serial, expiry and UnitCost.
// A zero Expected is filled from the expected counts (PlaceStock) of the
// line's place, SKU and batch, once per such key; expected counts of the
// place (and its children) that nobody counted become lines with Counted
// 0. The stocktake is not validated yet: see ValidateStocktake.
func (s *Server) RunStocktake(place string, lines ...ramp.StocktakeLine) (ramp.Stocktake, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.places[strings.ToLower(place)]
	if !ok {
		p = s.placeByRef(place)
	}
	if p == nil {
		return ramp.Stocktake{}, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "PlaceId", "no place %q", place)
	}
	idx := s.skuIndex()
	type key struct{ place, sku, batch string }
	expected := map[key]decimal.Decimal{}
	for pid, rows := range s.placeStock {
		if !s.within(pid, p.ID) {
			continue
		}
		for _, row := range rows {
			expected[key{pid, row.SkuID, row.Batch}] = row.Quantity
		}
	}
	out := make([]ramp.StocktakeLine, 0, len(lines))
	filled := map[key]bool{}
	for i, l := range lines {
		field := fmt.Sprintf("Lines[%d].", i)
		k, f := s.resolveSku(idx, l.SkuID, l.SkuExternalRef, field)
		if f != nil {
			return ramp.Stocktake{}, f
		}
		l.SkuID, l.SkuExternalRef, l.SkuNumber = k.ID, k.ExternalRef, k.SkuNumber
		if l.PlaceID == "" && l.PlaceExternalRef == "" {
			l.PlaceID = p.ID
		}
		lp, f := s.resolvePlace(l.PlaceID, l.PlaceExternalRef, field+"Place")
		if f != nil {
			return ramp.Stocktake{}, f
		}
		if !s.within(lp.ID, p.ID) {
			return ramp.Stocktake{}, fail(http.StatusBadRequest, ramp.CodeValidationError, field+"PlaceId", "place %s is not inside %s", lp.ID, p.ID)
		}
		l.PlaceID, l.PlaceExternalRef = lp.ID, lp.ExternalRef
		if l.Counted.IsNegative() {
			return ramp.Stocktake{}, fail(http.StatusBadRequest, ramp.CodeValidationError, field+"Counted", "Counted must not be negative")
		}
		kk := key{lp.ID, k.ID, l.Batch}
		if l.Expected.IsZero() && !filled[kk] {
			l.Expected = expected[kk]
		}
		filled[kk] = true
		l.Expiry = l.Expiry.UTC()
		out = append(out, l)
	}
	// Expected stock nobody found is a line too (Counted 0), in a stable
	// order.
	var missing []ramp.StocktakeLine
	for kk, q := range expected {
		if filled[kk] {
			continue
		}
		lp, k := s.places[kk.place], s.skus[kk.sku]
		if lp == nil || k == nil {
			continue
		}
		missing = append(missing, ramp.StocktakeLine{SkuID: k.ID, SkuExternalRef: k.ExternalRef, SkuNumber: k.SkuNumber, PlaceID: lp.ID, PlaceExternalRef: lp.ExternalRef, Batch: kk.batch, Expected: q})
	}
	slices.SortFunc(missing, func(a, b ramp.StocktakeLine) int {
		return strings.Compare(a.PlaceExternalRef+"\x00"+a.SkuExternalRef+"\x00"+a.Batch, b.PlaceExternalRef+"\x00"+b.SkuExternalRef+"\x00"+b.Batch)
	})
	out = append(out, missing...)
	now := s.now().UTC()
	s.stocktakeSeq++
	st := &ramp.Stocktake{
		ID: newGUID(), Name: fmt.Sprintf("Stocktake %d", s.stocktakeSeq),
		PlaceID: p.ID, PlaceExternalRef: p.ExternalRef, Complete: true, Version: 1,
		Lines: out, DateCreated: now, DateLastModified: now,
	}
	s.stocktakes[st.ID] = st
	return s.stocktakeView(st, false), nil
}

// ValidateStocktake marks a stocktake validated now, as a Ramp user
// accepting its counts would; the integration then writes it to Cin7
// Core. Validating twice is an IllegalBusinessOperation error.
func (s *Server) ValidateStocktake(id string) (ramp.Stocktake, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stocktakes[strings.ToLower(id)]
	if !ok {
		return ramp.Stocktake{}, fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no stocktake with Id %s", id)
	}
	switch {
	case st.Validated:
		return ramp.Stocktake{}, fail(http.StatusConflict, ramp.CodeIllegalBusinessOperation, "Validated", "stocktake %s is already validated", st.ID)
	case !st.Complete:
		return ramp.Stocktake{}, fail(http.StatusBadRequest, ramp.CodeIllegalBusinessOperation, "Complete", "stocktake %s is still counting", st.ID)
	}
	now := s.now().UTC()
	st.Validated, st.ValidatedAt = true, now
	st.Version++
	st.DateLastModified = laterThan(now, st.DateLastModified)
	return s.stocktakeView(st, false), nil
}

// Stocktakes returns a snapshot of every stocktake with its lines, in
// creation order.
func (s *Server) Stocktakes() []ramp.Stocktake {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := sortByCreation(s.stocktakes, func(st *ramp.Stocktake) time.Time { return st.DateCreated }, func(st *ramp.Stocktake) string { return st.ID })
	out := make([]ramp.Stocktake, len(all))
	for i, st := range all {
		out[i] = s.stocktakeView(st, false)
	}
	return out
}

func (s *Server) listStocktakes(w http.ResponseWriter, r *http.Request) *failure {
	p, f := s.readPage(r, stocktakeFields)
	if f != nil {
		return f
	}
	all := sortByCreation(s.stocktakes, func(st *ramp.Stocktake) time.Time { return st.DateCreated }, func(st *ramp.Stocktake) string { return st.ID })
	writePage(w, r, p, all, func(st *ramp.Stocktake) ramp.Stocktake { return s.stocktakeView(st, true) })
	return nil
}

func (s *Server) getStocktake(w http.ResponseWriter, r *http.Request) *failure {
	id, f := idFrom(r, ramp.PathGetStocktake)
	if f != nil {
		return f
	}
	st, ok := s.stocktakes[id]
	if !ok {
		return fail(http.StatusNotFound, ramp.CodeResourceDoesNotExist, "Id", "no stocktake with Id %s", id)
	}
	writeJSON(w, http.StatusOK, s.stocktakeView(st, false))
	return nil
}
