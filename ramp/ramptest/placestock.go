package ramptest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/cin7ramp/cin7ramp/ramp"
)

var placeStockFields = map[string]fieldDef{
	"PlaceId":          {kString, func(r any) value { return str(r.(*ramp.PlaceStockLine).PlaceID) }},
	"PlaceExternalRef": {kString, func(r any) value { return str(r.(*ramp.PlaceStockLine).PlaceExternalRef) }},
	"SkuId":            {kString, func(r any) value { return str(r.(*ramp.PlaceStockLine).SkuID) }},
	"SkuExternalRef":   {kString, func(r any) value { return str(r.(*ramp.PlaceStockLine).SkuExternalRef) }},
	"Batch":            {kString, func(r any) value { return optStr(r.(*ramp.PlaceStockLine).Batch) }},
	"Quantity":         {kNumber, func(r any) value { return num(r.(*ramp.PlaceStockLine).Quantity.InexactFloat64()) }},
	"DateLastModified": {kTime, func(r any) value { return tm(r.(*ramp.PlaceStockLine).DateLastModified) }},
}

// stockSet collects the parts of one SetPlaceStock set until all arrive.
type stockSet struct {
	placeID string
	parts   int
	got     map[int][]*ramp.PlaceStockLine
}

// setAnswer is the SetPlaceStock answer.
type setAnswer struct {
	PlaceExternalRef string `json:"PlaceExternalRef"`
	SetID            string `json:"SetId"`
	Part             int    `json:"Part"`
	Parts            int    `json:"Parts"`
	Applied          bool   `json:"Applied"`
	LineCount        int    `json:"LineCount"`
}

type setPart struct {
	PlaceExternalRef string                `json:"PlaceExternalRef"`
	SetID            string                `json:"SetId"`
	Part             int                   `json:"Part"`
	Parts            int                   `json:"Parts"`
	Lines            []ramp.PlaceStockLine `json:"Lines"`
}

// checkStockLines resolves and checks lines for place p.
func (s *Server) checkStockLines(p *ramp.Place, lines []ramp.PlaceStockLine) ([]*ramp.PlaceStockLine, *failure) {
	idx := s.skuIndex()
	out := make([]*ramp.PlaceStockLine, 0, len(lines))
	for i, l := range lines {
		field := fmt.Sprintf("Lines[%d].", i)
		if strings.TrimSpace(l.SkuExternalRef) == "" {
			return nil, fail(http.StatusBadRequest, ramp.CodeValidationError, field+"SkuExternalRef", "SkuExternalRef is required")
		}
		k, ok := idx[l.SkuExternalRef]
		if !ok {
			return nil, fail(http.StatusBadRequest, ramp.CodeInvalidForeignKey, field+"SkuExternalRef", "no SKU with ExternalRef %q", l.SkuExternalRef)
		}
		if l.Quantity.IsNegative() {
			return nil, fail(http.StatusBadRequest, ramp.CodeValidationError, field+"Quantity", "Quantity must not be negative")
		}
		if l.PlaceExternalRef != "" && l.PlaceExternalRef != p.ExternalRef {
			return nil, fail(http.StatusBadRequest, ramp.CodeValidationError, field+"PlaceExternalRef", "line is for place %q, not %q", l.PlaceExternalRef, p.ExternalRef)
		}
		out = append(out, &ramp.PlaceStockLine{PlaceExternalRef: p.ExternalRef, PlaceID: p.ID, SkuExternalRef: k.ExternalRef, SkuID: k.ID, Batch: l.Batch, Quantity: l.Quantity})
	}
	return out, nil
}

// replaceStock swaps place p's expected counts for lines, refusing a SKU
// and batch given twice.
func (s *Server) replaceStock(p *ramp.Place, lines []*ramp.PlaceStockLine) *failure {
	seen := make(map[[2]string]bool, len(lines))
	for _, l := range lines {
		k := [2]string{l.SkuID, l.Batch}
		if seen[k] {
			return fail(http.StatusBadRequest, ramp.CodeValidationError, "Lines", "SKU %q batch %q is given twice", l.SkuExternalRef, l.Batch)
		}
		seen[k] = true
	}
	now := s.now().UTC()
	for _, l := range lines {
		l.DateLastModified = now
	}
	slices.SortFunc(lines, func(a, b *ramp.PlaceStockLine) int {
		if c := strings.Compare(a.SkuExternalRef, b.SkuExternalRef); c != 0 {
			return c
		}
		return strings.Compare(a.Batch, b.Batch)
	})
	if len(lines) == 0 {
		delete(s.placeStock, p.ID)
	} else {
		s.placeStock[p.ID] = lines
	}
	return nil
}

func (s *Server) handleSetPlaceStock(w http.ResponseWriter, r *http.Request) *failure {
	var body setPart
	if f := decodeBody(r, &body); f != nil {
		return f
	}
	switch {
	case strings.TrimSpace(body.PlaceExternalRef) == "":
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "PlaceExternalRef", "PlaceExternalRef is required")
	case strings.TrimSpace(body.SetID) == "":
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "SetId", "SetId is required")
	case body.Parts < 1 || body.Part < 1 || body.Part > body.Parts:
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "Part", "Part must be between 1 and Parts (%d of %d)", body.Part, body.Parts)
	case len(body.Lines) > s.maxPage:
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "Lines", "a part may carry at most %d lines", s.maxPage)
	}
	// A part of a set already applied answers as it did: the client may be
	// retrying a request whose answer it lost.
	if ans, ok := s.appliedSets[body.SetID]; ok {
		if ans.PlaceExternalRef != body.PlaceExternalRef || ans.Parts != body.Parts {
			return fail(http.StatusBadRequest, ramp.CodeValidationError, "SetId", "set %s was for place %q in %d parts", body.SetID, ans.PlaceExternalRef, ans.Parts)
		}
		ans.Part = body.Part
		writeJSON(w, http.StatusOK, ans)
		return nil
	}
	p := s.placeByRef(body.PlaceExternalRef)
	if p == nil {
		return fail(http.StatusBadRequest, ramp.CodeInvalidForeignKey, "PlaceExternalRef", "no place with ExternalRef %q", body.PlaceExternalRef)
	}
	lines, f := s.checkStockLines(p, body.Lines)
	if f != nil {
		return f
	}
	set, ok := s.stockSets[body.SetID]
	if !ok {
		set = &stockSet{placeID: p.ID, parts: body.Parts, got: map[int][]*ramp.PlaceStockLine{}}
		s.stockSets[body.SetID] = set
	}
	if set.placeID != p.ID || set.parts != body.Parts {
		return fail(http.StatusBadRequest, ramp.CodeValidationError, "SetId", "set %s is for another place or part count", body.SetID)
	}
	set.got[body.Part] = lines // a repeated part replaces itself
	ans := setAnswer{PlaceExternalRef: p.ExternalRef, SetID: body.SetID, Part: body.Part, Parts: body.Parts}
	if len(set.got) == set.parts {
		var all []*ramp.PlaceStockLine
		for i := 1; i <= set.parts; i++ {
			all = append(all, set.got[i]...)
		}
		delete(s.stockSets, body.SetID)
		if f := s.replaceStock(p, all); f != nil {
			return f
		}
		ans.Applied, ans.LineCount = true, len(all)
		s.appliedSets[body.SetID] = ans
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// allStock lists every expected count by place ExternalRef, SKU
// ExternalRef and batch.
func (s *Server) allStock() []*ramp.PlaceStockLine {
	var all []*ramp.PlaceStockLine
	for _, rows := range s.placeStock {
		all = append(all, rows...)
	}
	slices.SortFunc(all, func(a, b *ramp.PlaceStockLine) int {
		for _, c := range [...]int{strings.Compare(a.PlaceExternalRef, b.PlaceExternalRef), strings.Compare(a.SkuExternalRef, b.SkuExternalRef), strings.Compare(a.Batch, b.Batch)} {
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return all
}

func (s *Server) listPlaceStock(w http.ResponseWriter, r *http.Request) *failure {
	p, f := s.readPage(r, placeStockFields)
	if f != nil {
		return f
	}
	writePage(w, r, p, s.allStock(), func(l *ramp.PlaceStockLine) ramp.PlaceStockLine { return *l })
	return nil
}

// SetPlaceStock replaces a place's expected counts directly (no HTTP call,
// not counted), with SetPlaceStock's rules; lines name SKUs by
// SkuExternalRef.
func (s *Server) SetPlaceStock(placeExternalRef string, lines ...ramp.PlaceStockLine) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.placeByRef(placeExternalRef)
	if p == nil {
		return fail(http.StatusBadRequest, ramp.CodeInvalidForeignKey, "PlaceExternalRef", "no place with ExternalRef %q", placeExternalRef)
	}
	rows, f := s.checkStockLines(p, lines)
	if f == nil {
		f = s.replaceStock(p, rows)
	}
	if f != nil {
		return f
	}
	return nil
}

// PlaceStock returns a snapshot of the expected counts of one place (by
// ExternalRef), or of every place when placeExternalRef is empty.
func (s *Server) PlaceStock(placeExternalRef string) []ramp.PlaceStockLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ramp.PlaceStockLine
	for _, l := range s.allStock() {
		if placeExternalRef == "" || l.PlaceExternalRef == placeExternalRef {
			out = append(out, *l)
		}
	}
	return out
}
