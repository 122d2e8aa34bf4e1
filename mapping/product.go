package mapping

import (
	"strings"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// Tracking derives Ramp's tracking mode and expiry flag from a costing
// method: "… - Batch" tracks batches, "… - Serial Number" serials, FEFO
// also expiry dates, plain FIFO nothing.
func Tracking(m cin7core.CostingMethod) (mode ramp.TrackingMode, expiry bool, err error) {
	switch m {
	case cin7core.CostingFIFO:
		return ramp.TrackingNone, false, nil
	case cin7core.CostingFIFOBatch, cin7core.CostingSpecialBatch:
		return ramp.TrackingBatch, false, nil
	case cin7core.CostingFIFOSerial, cin7core.CostingSpecialSerial:
		return ramp.TrackingSerial, false, nil
	case cin7core.CostingFEFOBatch:
		return ramp.TrackingBatch, true, nil
	case cin7core.CostingFEFOSerial:
		return ramp.TrackingSerial, true, nil
	}
	return "", false, ErrUnknownCostingMethod
}

// skipProduct applies the type gates shared by standalone and family
// products.
func (r Rules) skipProduct(p *cin7core.Product) SkipReason {
	switch p.Type {
	case cin7core.ProductTypeStock:
		return ""
	case cin7core.ProductTypeService:
		if r.IncludeServices {
			return ""
		}
		return SkipService
	}
	return SkipUnsupportedType
}

// Product maps a standalone product (one that is in no family) to a SKU.
// Deprecated products map to archived SKUs.
func (r Rules) Product(p cin7core.Product) (ramp.Sku, SkipReason, error) {
	if reason := r.skipProduct(&p); reason != "" {
		return ramp.Sku{}, reason, nil
	}
	return r.sku(&p, nil, nil)
}

// FamilyMember maps a product that belongs to family f. The SKU is named
// "<family name> - <opt1> / <opt2> / <opt3>" (empty options left out) and
// family fields fill what the member lacks.
func (r Rules) FamilyMember(f cin7core.ProductFamily, p cin7core.Product) (ramp.Sku, SkipReason, error) {
	var member *cin7core.ProductFamilyMember
	for i := range f.Products {
		if cin7core.SameID(f.Products[i].ID, p.ID) {
			member = &f.Products[i]
			break
		}
	}
	if member == nil {
		return ramp.Sku{}, "", &Error{Kind: "product", ID: cin7core.NormalizeID(p.ID), Err: ErrNotMember, Detail: "family " + cin7core.NormalizeID(f.ID)}
	}
	if p.Type == "" {
		p.Type = cin7core.ProductTypeStock // members of a family are stock unless they say otherwise
	}
	if reason := r.skipProduct(&p); reason != "" {
		return ramp.Sku{}, reason, nil
	}
	return r.sku(&p, &f, member)
}

func (r Rules) sku(p *cin7core.Product, f *cin7core.ProductFamily, m *cin7core.ProductFamilyMember) (ramp.Sku, SkipReason, error) {
	id := cin7core.NormalizeID(p.ID)
	if id == "" {
		return ramp.Sku{}, "", &Error{Kind: "product", Field: "ID", Err: ErrMissingField, Detail: p.SKU}
	}
	costing := p.CostingMethod
	skuNumber := strings.TrimSpace(p.SKU)
	name := strings.TrimSpace(p.Name)
	category, brand, uom := p.Category, p.Brand, p.UOM
	description := firstNonEmpty(p.ShortDescription, p.Description)
	if f != nil {
		if costing == "" {
			costing = f.CostingMethod
		}
		if skuNumber == "" {
			skuNumber = strings.TrimSpace(m.SKU)
		}
		category = firstNonEmpty(category, f.Category)
		brand = firstNonEmpty(brand, f.Brand)
		uom = firstNonEmpty(uom, f.UOM)
		description = firstNonEmpty(description, f.ShortDescription, f.Description)
		name = r.familyName(f, m, name)
	}
	if skuNumber == "" {
		return ramp.Sku{}, "", &Error{Kind: "product", ID: id, Field: "SKU", Err: ErrMissingField}
	}
	if name == "" {
		return ramp.Sku{}, "", &Error{Kind: "product", ID: id, Field: "Name", Err: ErrMissingField}
	}
	mode, expiry, err := Tracking(costing)
	if err != nil {
		return ramp.Sku{}, "", &Error{Kind: "product", ID: id, Field: "CostingMethod", Err: err, Detail: string(costing)}
	}
	return ramp.Sku{
		ExternalRef:   id,
		SkuNumber:     skuNumber,
		Name:          name,
		Description:   strings.TrimSpace(description),
		Barcode:       strings.TrimSpace(p.Barcode),
		Category:      strings.TrimSpace(category),
		Brand:         strings.TrimSpace(brand),
		UnitOfMeasure: strings.TrimSpace(uom),
		TrackingMode:  mode,
		TracksExpiry:  expiry,
		Archived:      p.IsDeprecated(),
	}, "", nil
}

// familyName builds "<family> - <opt1> / <opt2> / <opt3>", leaving empty
// options out; with no options at all it falls back to the family name
// and, failing that, the member's own name.
func (r Rules) familyName(f *cin7core.ProductFamily, m *cin7core.ProductFamilyMember, own string) string {
	var opts []string
	for _, o := range []string{m.Option1, m.Option2, m.Option3} {
		if o = strings.TrimSpace(o); o != "" {
			opts = append(opts, o)
		}
	}
	fam := strings.TrimSpace(f.Name)
	switch {
	case fam == "":
		return own
	case len(opts) == 0:
		return fam
	}
	return fam + r.familySep() + strings.Join(opts, r.optionSep())
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
