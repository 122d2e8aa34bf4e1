package ramptest

import (
	"net/http"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
)

var writeOffFields = map[string]fieldDef{
	"Id":               {kString, func(r any) value { return str(r.(*ramp.WriteOff).ID) }},
	"SkuId":            {kString, func(r any) value { return str(r.(*ramp.WriteOff).SkuID) }},
	"SkuExternalRef":   {kString, func(r any) value { return optStr(r.(*ramp.WriteOff).SkuExternalRef) }},
	"PlaceId":          {kString, func(r any) value { return str(r.(*ramp.WriteOff).PlaceID) }},
	"PlaceExternalRef": {kString, func(r any) value { return optStr(r.(*ramp.WriteOff).PlaceExternalRef) }},
	"Batch":            {kString, func(r any) value { return optStr(r.(*ramp.WriteOff).Batch) }},
	"Serial":           {kString, func(r any) value { return optStr(r.(*ramp.WriteOff).Serial) }},
	"Quantity":         {kNumber, func(r any) value { return num(r.(*ramp.WriteOff).Quantity.InexactFloat64()) }},
	"Reason":           {kString, func(r any) value { return str(string(r.(*ramp.WriteOff).Reason)) }},
	"WrittenOffAt":     {kTime, func(r any) value { return tm(r.(*ramp.WriteOff).WrittenOffAt) }},
}

// RecordWriteOff stores a write-off as a Ramp user recording stolen,
// damaged or missing stock would. The SKU is named by SkuId or
// SkuExternalRef, the place by PlaceId or PlaceExternalRef; Quantity must
// be positive (1 for a serial) and Reason set; a zero WrittenOffAt is
// now. Names and refs are filled from the SKU and place.
func (s *Server) RecordWriteOff(wo ramp.WriteOff) (ramp.WriteOff, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, f := s.resolveSku(nil, wo.SkuID, wo.SkuExternalRef, "")
	if f != nil {
		return ramp.WriteOff{}, f
	}
	p, f := s.resolvePlace(wo.PlaceID, wo.PlaceExternalRef, "Place")
	if f != nil {
		return ramp.WriteOff{}, f
	}
	switch {
	case p == nil:
		return ramp.WriteOff{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "PlaceId", "PlaceId or PlaceExternalRef is required")
	case !wo.Quantity.IsPositive():
		return ramp.WriteOff{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Quantity", "Quantity must be positive")
	case wo.Serial != "" && !wo.Quantity.Equal(one):
		return ramp.WriteOff{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Quantity", "a serial number counts exactly 1")
	case strings.TrimSpace(string(wo.Reason)) == "":
		return ramp.WriteOff{}, fail(http.StatusBadRequest, ramp.CodeValidationError, "Reason", "Reason is required")
	}
	wo.ID = newGUID()
	wo.SkuID, wo.SkuExternalRef, wo.SkuNumber, wo.SkuName = k.ID, k.ExternalRef, k.SkuNumber, k.Name
	wo.PlaceID, wo.PlaceExternalRef, wo.PlaceName = p.ID, p.ExternalRef, p.Name
	if wo.WrittenOffAt.IsZero() {
		wo.WrittenOffAt = s.now()
	}
	wo.WrittenOffAt = wo.WrittenOffAt.UTC()
	s.writeOffs[wo.ID] = &wo
	return wo, nil
}

// sortedWriteOffs orders write-offs as lists return them: by
// WrittenOffAt, then Id.
func (s *Server) sortedWriteOffs() []*ramp.WriteOff {
	return sortByCreation(s.writeOffs, func(w *ramp.WriteOff) time.Time { return w.WrittenOffAt }, func(w *ramp.WriteOff) string { return w.ID })
}

// WriteOffs returns a snapshot of every write-off, oldest first.
func (s *Server) WriteOffs() []ramp.WriteOff {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.sortedWriteOffs()
	out := make([]ramp.WriteOff, len(all))
	for i, w := range all {
		out[i] = *w
	}
	return out
}

func (s *Server) listWriteOffs(w http.ResponseWriter, r *http.Request) *failure {
	p, f := s.readPage(r, writeOffFields)
	if f != nil {
		return f
	}
	writePage(w, r, p, s.sortedWriteOffs(), func(w *ramp.WriteOff) ramp.WriteOff { return *w })
	return nil
}
