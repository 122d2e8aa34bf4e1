package mapping

import (
	"errors"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// FamilyIndex maps a member product's normalised ID to its family's
// normalised ID, so the engine can route each product through its family
// exactly once.
type FamilyIndex map[string]string

// IndexFamilies builds the index for the given families. A product listed
// in two families (which Cin7 Core should not allow) goes to the first.
func IndexFamilies(families []cin7core.ProductFamily) FamilyIndex {
	idx := FamilyIndex{}
	for _, f := range families {
		idx.Add(f)
	}
	return idx
}

// Add records f's members.
func (idx FamilyIndex) Add(f cin7core.ProductFamily) {
	fid := cin7core.NormalizeID(f.ID)
	for _, m := range f.Products {
		mid := cin7core.NormalizeID(m.ID)
		if _, taken := idx[mid]; !taken && mid != "" {
			idx[mid] = fid
		}
	}
}

// FamilyOf returns the family ID of a product, or "" if it is standalone.
func (idx FamilyIndex) FamilyOf(productID string) string {
	return idx[cin7core.NormalizeID(productID)]
}

// SkuTarget is a mapped SKU with the source product it came from.
type SkuTarget struct {
	Sku ramp.Sku
	// FamilyID is the family the SKU was built through; empty for a
	// standalone product.
	FamilyID string
}

// CatalogResult is the outcome of mapping a product list with its families.
type CatalogResult struct {
	Skus    []SkuTarget
	Skipped []Skipped
	Failed  []*Error
}

// Catalog maps a complete product list and family list: standalone
// products through [Rules.Product], family members through
// [Rules.FamilyMember], each product exactly once however often it is
// listed. Members whose product is not in the list are not mapped (the
// family alone lacks the product's own fields).
func (r Rules) Catalog(products []cin7core.Product, families []cin7core.ProductFamily) CatalogResult {
	var res CatalogResult
	idx := IndexFamilies(families)
	fams := make(map[string]*cin7core.ProductFamily, len(families))
	for i := range families {
		fams[cin7core.NormalizeID(families[i].ID)] = &families[i]
	}
	seen := map[string]bool{}
	for _, p := range products {
		id := cin7core.NormalizeID(p.ID)
		if seen[id] && id != "" {
			continue
		}
		seen[id] = true
		var (
			sku    ramp.Sku
			reason SkipReason
			err    error
			fid    = idx.FamilyOf(id)
		)
		if fid != "" {
			sku, reason, err = r.FamilyMember(*fams[fid], p)
		} else {
			sku, reason, err = r.Product(p)
		}
		switch {
		case err != nil:
			var me *Error
			if !errors.As(err, &me) {
				me = &Error{Kind: "product", ID: id, Err: err}
			}
			res.Failed = append(res.Failed, me)
		case reason != "":
			res.Skipped = append(res.Skipped, Skipped{ID: id, Name: p.Name, Reason: reason})
		default:
			res.Skus = append(res.Skus, SkuTarget{Sku: sku, FamilyID: fid})
		}
	}
	return res
}
