package cin7core

import (
	"context"
	"net/url"
	"time"

	"github.com/shopspring/decimal"
)

// ProductFamily groups variant products that differ by up to three
// options (size, colour, …). Its members are full products that also
// appear in the product list; the link exists only here.
type ProductFamily struct {
	ID                   string                `json:"ID"`
	SKU                  string                `json:"SKU"`
	Name                 string                `json:"Name"`
	Category             string                `json:"Category,omitempty"`
	Brand                string                `json:"Brand,omitempty"`
	CostingMethod        CostingMethod         `json:"CostingMethod"`
	DefaultLocation      string                `json:"DefaultLocation,omitempty"`
	UOM                  string                `json:"UOM"`
	MinimumBeforeReorder decimal.Decimal       `json:"MinimumBeforeReorder"`
	ReorderQuantity      decimal.Decimal       `json:"ReorderQuantity"`
	PriceTier1           decimal.Decimal       `json:"PriceTier1"`
	PriceTier2           decimal.Decimal       `json:"PriceTier2"`
	PriceTier3           decimal.Decimal       `json:"PriceTier3"`
	PriceTier4           decimal.Decimal       `json:"PriceTier4"`
	PriceTier5           decimal.Decimal       `json:"PriceTier5"`
	PriceTier6           decimal.Decimal       `json:"PriceTier6"`
	PriceTier7           decimal.Decimal       `json:"PriceTier7"`
	PriceTier8           decimal.Decimal       `json:"PriceTier8"`
	PriceTier9           decimal.Decimal       `json:"PriceTier9"`
	PriceTier10          decimal.Decimal       `json:"PriceTier10"`
	ShortDescription     string                `json:"ShortDescription,omitempty"`
	Description          string                `json:"Description,omitempty"`
	AttributeSet         string                `json:"AttributeSet,omitempty"`
	DiscountRule         string                `json:"DiscountRule,omitempty"`
	Tags                 string                `json:"Tags,omitempty"`
	COGSAccount          string                `json:"COGSAccount,omitempty"`
	RevenueAccount       string                `json:"RevenueAccount,omitempty"`
	InventoryAccount     string                `json:"InventoryAccount,omitempty"`
	PurchaseTaxRule      string                `json:"PurchaseTaxRule,omitempty"`
	SaleTaxRule          string                `json:"SaleTaxRule,omitempty"`
	DropShipMode         DropShipMode          `json:"DropShipMode,omitempty"`
	Option1Name          string                `json:"Option1Name"`
	Option2Name          string                `json:"Option2Name,omitempty"`
	Option3Name          string                `json:"Option3Name,omitempty"`
	Option1Values        string                `json:"Option1Values,omitempty"`
	Option2Values        string                `json:"Option2Values,omitempty"`
	Option3Values        string                `json:"Option3Values,omitempty"`
	LastModifiedOn       Time                  `json:"LastModifiedOn"`
	Attachments          []Attachment          `json:"Attachments,omitempty"`
	HSCode               string                `json:"HSCode,omitempty"`
	CountryOfOrigin      string                `json:"CountryOfOrigin,omitempty"`
	CountryOfOriginCode  string                `json:"CountryOfOriginCode,omitempty"`
	Products             []ProductFamilyMember `json:"Products"`
}

// ProductFamilyMember links a product to its family with its option
// values; an unused option is empty.
type ProductFamilyMember struct {
	ID      string `json:"ID"`
	SKU     string `json:"SKU,omitempty"`
	Name    string `json:"Name,omitempty"`
	Option1 string `json:"Option1"`
	Option2 string `json:"Option2,omitempty"`
	Option3 string `json:"Option3,omitempty"`
}

// ProductFamilyListOptions filter the family list.
type ProductFamilyListOptions struct {
	// ModifiedSince lists families modified at or after this instant.
	ModifiedSince time.Time `url:"-"`
	Sku           string    `url:"Sku,omitempty"`
	Name          string    `url:"Name,omitempty"`
	// Page to start from (1-based); 0 means 1.
	Page int `url:"-"`
	// Limit is the page size; 0 means the maximum, 1000.
	Limit int `url:"-"`
}

// ProductFamiliesService reads productFamily.
type ProductFamiliesService service

// List returns a pager over product families.
func (s *ProductFamiliesService) List(opts *ProductFamilyListOptions) *Pager[ProductFamily] {
	if opts == nil {
		opts = &ProductFamilyListOptions{}
	}
	o := *opts
	return newListPager[ProductFamily](s.client, "productFamily", "ProductFamilies", func() (url.Values, error) {
		q, err := values(o)
		if err == nil && !o.ModifiedSince.IsZero() {
			q.Set("ModifiedSince", queryTime(o.ModifiedSince))
		}
		return q, err
	}, o.Limit, o.Page)
}

// Get returns one family by ID; ErrNotFound if none.
func (s *ProductFamiliesService) Get(ctx context.Context, id string) (*ProductFamily, error) {
	if id == "" {
		return nil, &ValidationError{Field: "ID", Reason: "must not be empty"}
	}
	return getOne(ctx, s.client, "productFamily", "ProductFamilies", url.Values{"ID": {id}}, id, func(f *ProductFamily) string { return f.ID })
}
