package cin7core

import (
	"context"
	"net/url"
	"time"

	"github.com/shopspring/decimal"
)

// Product is a Cin7 Core product (stock or service). Money and quantities
// are decimals; the Include… sub-collections are only filled when asked
// for.
type Product struct {
	ID                           string                     `json:"ID"`
	SKU                          string                     `json:"SKU"`
	Name                         string                     `json:"Name"`
	Category                     string                     `json:"Category,omitempty"`
	Brand                        string                     `json:"Brand,omitempty"`
	Type                         ProductType                `json:"Type"`
	CostingMethod                CostingMethod              `json:"CostingMethod"`
	DropShipMode                 DropShipMode               `json:"DropShipMode,omitempty"`
	DefaultLocation              string                     `json:"DefaultLocation,omitempty"`
	Length                       decimal.Decimal            `json:"Length"`
	Width                        decimal.Decimal            `json:"Width"`
	Height                       decimal.Decimal            `json:"Height"`
	Weight                       decimal.Decimal            `json:"Weight"`
	CartonLength                 decimal.Decimal            `json:"CartonLength"`
	CartonWidth                  decimal.Decimal            `json:"CartonWidth"`
	CartonHeight                 decimal.Decimal            `json:"CartonHeight"`
	CartonQuantity               decimal.Decimal            `json:"CartonQuantity"`
	CartonInnerQuantity          decimal.Decimal            `json:"CartonInnerQuantity"`
	UOM                          string                     `json:"UOM"`
	WeightUnits                  string                     `json:"WeightUnits,omitempty"`
	DimensionsUnits              string                     `json:"DimensionsUnits,omitempty"`
	Barcode                      string                     `json:"Barcode,omitempty"`
	MinimumBeforeReorder         decimal.Decimal            `json:"MinimumBeforeReorder"`
	ReorderQuantity              decimal.Decimal            `json:"ReorderQuantity"`
	PriceTier1                   decimal.Decimal            `json:"PriceTier1"`
	PriceTier2                   decimal.Decimal            `json:"PriceTier2"`
	PriceTier3                   decimal.Decimal            `json:"PriceTier3"`
	PriceTier4                   decimal.Decimal            `json:"PriceTier4"`
	PriceTier5                   decimal.Decimal            `json:"PriceTier5"`
	PriceTier6                   decimal.Decimal            `json:"PriceTier6"`
	PriceTier7                   decimal.Decimal            `json:"PriceTier7"`
	PriceTier8                   decimal.Decimal            `json:"PriceTier8"`
	PriceTier9                   decimal.Decimal            `json:"PriceTier9"`
	PriceTier10                  decimal.Decimal            `json:"PriceTier10"`
	PriceTiers                   map[string]decimal.Decimal `json:"PriceTiers,omitempty"`
	AverageCost                  decimal.Decimal            `json:"AverageCost"`
	ShortDescription             string                     `json:"ShortDescription,omitempty"`
	Description                  string                     `json:"Description,omitempty"`
	InternalNote                 string                     `json:"InternalNote,omitempty"`
	AdditionalAttribute1         string                     `json:"AdditionalAttribute1,omitempty"`
	AdditionalAttribute2         string                     `json:"AdditionalAttribute2,omitempty"`
	AdditionalAttribute3         string                     `json:"AdditionalAttribute3,omitempty"`
	AdditionalAttribute4         string                     `json:"AdditionalAttribute4,omitempty"`
	AdditionalAttribute5         string                     `json:"AdditionalAttribute5,omitempty"`
	AdditionalAttribute6         string                     `json:"AdditionalAttribute6,omitempty"`
	AdditionalAttribute7         string                     `json:"AdditionalAttribute7,omitempty"`
	AdditionalAttribute8         string                     `json:"AdditionalAttribute8,omitempty"`
	AdditionalAttribute9         string                     `json:"AdditionalAttribute9,omitempty"`
	AdditionalAttribute10        string                     `json:"AdditionalAttribute10,omitempty"`
	AttributeSet                 string                     `json:"AttributeSet,omitempty"`
	DiscountRule                 string                     `json:"DiscountRule,omitempty"`
	Tags                         string                     `json:"Tags,omitempty"`
	Status                       ProductStatus              `json:"Status,omitempty"`
	StockLocator                 string                     `json:"StockLocator,omitempty"`
	COGSAccount                  string                     `json:"COGSAccount,omitempty"`
	RevenueAccount               string                     `json:"RevenueAccount,omitempty"`
	ExpenseAccount               string                     `json:"ExpenseAccount,omitempty"`
	InventoryAccount             string                     `json:"InventoryAccount,omitempty"`
	PurchaseTaxRule              string                     `json:"PurchaseTaxRule,omitempty"`
	SaleTaxRule                  string                     `json:"SaleTaxRule,omitempty"`
	LastModifiedOn               Time                       `json:"LastModifiedOn"`
	Sellable                     Bool                       `json:"Sellable"`
	PickZones                    string                     `json:"PickZones,omitempty"`
	BillOfMaterial               Bool                       `json:"BillOfMaterial"`
	AutoAssembly                 Bool                       `json:"AutoAssembly"`
	AutoDisassembly              Bool                       `json:"AutoDisassembly"`
	QuantityToProduce            decimal.Decimal            `json:"QuantityToProduce"`
	AssemblyInstructionURL       string                     `json:"AssemblyInstructionURL,omitempty"`
	AssemblyCostEstimationMethod string                     `json:"AssemblyCostEstimationMethod,omitempty"`
	BOMType                      string                     `json:"BOMType,omitempty"`
	HSCode                       string                     `json:"HSCode,omitempty"`
	CountryOfOrigin              string                     `json:"CountryOfOrigin,omitempty"`
	CountryOfOriginCode          string                     `json:"CountryOfOriginCode,omitempty"`
	Suppliers                    []ProductSupplier          `json:"Suppliers,omitempty"`
	ReorderLevels                []ReorderLevel             `json:"ReorderLevels,omitempty"`
	BillOfMaterialsProducts      []BOMProduct               `json:"BillOfMaterialsProducts,omitempty"`
	BillOfMaterialsServices      []BOMService               `json:"BillOfMaterialsServices,omitempty"`
	Movements                    []ProductMovement          `json:"Movements,omitempty"`
	Attachments                  []Attachment               `json:"Attachments,omitempty"`
	CustomPrices                 []CustomPrice              `json:"CustomPrices,omitempty"`
}

// IsService reports whether the product is a service (no stock).
func (p *Product) IsService() bool { return p.Type == ProductTypeService }

// IsDeprecated reports whether the product has been deprecated.
func (p *Product) IsDeprecated() bool { return p.Status == ProductStatusDeprecated }

// ProductSupplier is a supplier of a product.
type ProductSupplier struct {
	SupplierID             string          `json:"SupplierID"`
	SupplierName           string          `json:"SupplierName,omitempty"`
	ProductSupplierID      string          `json:"ProductSupplierID,omitempty"`
	SupplierInventoryCode  string          `json:"SupplierInventoryCode,omitempty"`
	SupplierProductName    string          `json:"SupplierProductName,omitempty"`
	Cost                   decimal.Decimal `json:"Cost"`
	FixedCost              decimal.Decimal `json:"FixedCost"`
	Currency               string          `json:"Currency,omitempty"`
	DropShip               Bool            `json:"DropShip"`
	SupplierProductURL     string          `json:"SupplierProductURL,omitempty"`
	URL                    string          `json:"URL,omitempty"`
	LastSupplied           Time            `json:"LastSupplied"`
	ProductSupplierOptions []any           `json:"ProductSupplierOptions,omitempty"`
}

// ReorderLevel is a per-location reorder rule.
type ReorderLevel struct {
	LocationID           string          `json:"LocationID"`
	LocationName         string          `json:"LocationName,omitempty"`
	MinimumBeforeReorder decimal.Decimal `json:"MinimumBeforeReorder"`
	ReorderQuantity      decimal.Decimal `json:"ReorderQuantity"`
	StockLocator         string          `json:"StockLocator,omitempty"`
	PickZones            string          `json:"PickZones,omitempty"`
}

// BOMProduct is a component product of a bill of materials.
type BOMProduct struct {
	ComponentProductID string          `json:"ComponentProductID"`
	ProductCode        string          `json:"ProductCode,omitempty"`
	Name               string          `json:"Name,omitempty"`
	Quantity           decimal.Decimal `json:"Quantity"`
	WastagePercent     decimal.Decimal `json:"WastagePercent"`
	WastageQuantity    decimal.Decimal `json:"WastageQuantity"`
	CostPercentage     decimal.Decimal `json:"CostPercentage"`
}

// BOMService is a service line of a bill of materials.
type BOMService struct {
	ComponentProductID string          `json:"ComponentProductID"`
	Name               string          `json:"Name,omitempty"`
	Quantity           decimal.Decimal `json:"Quantity"`
	ExpenseAccount     string          `json:"ExpenseAccount,omitempty"`
	PriceTier          Int             `json:"PriceTier"`
}

// ProductMovement is one stock movement of a product.
type ProductMovement struct {
	TaskID     string          `json:"TaskID"`
	Type       string          `json:"Type"`
	Date       Time            `json:"Date"`
	Number     string          `json:"Number"`
	Status     string          `json:"Status,omitempty"`
	Quantity   decimal.Decimal `json:"Quantity"`
	Amount     decimal.Decimal `json:"Amount"`
	Location   string          `json:"Location"`
	BatchSN    string          `json:"BatchSN,omitempty"`
	ExpiryDate Time            `json:"ExpiryDate"`
	FromTo     string          `json:"FromTo,omitempty"`
}

// Attachment is a file attached to a record.
type Attachment struct {
	ID          string `json:"ID"`
	ContentType string `json:"ContentType"`
	IsDefault   Bool   `json:"IsDefault"`
	FileName    string `json:"FileName"`
	DownloadURL string `json:"DownloadUrl"`
}

// CustomPrice is a customer-specific price.
type CustomPrice struct {
	ProductID    string          `json:"ProductID"`
	CustomerID   string          `json:"CustomerID,omitempty"`
	CustomerName string          `json:"CustomerName,omitempty"`
	ProductSKU   string          `json:"ProductSKU,omitempty"`
	ProductName  string          `json:"ProductName,omitempty"`
	Price        decimal.Decimal `json:"Price"`
}

// ProductListOptions filter the product list.
type ProductListOptions struct {
	// ModifiedSince lists products modified at or after this instant.
	ModifiedSince time.Time `url:"-"`
	// IncludeDeprecated also lists deprecated products (hidden otherwise).
	IncludeDeprecated bool `url:"IncludeDeprecated,omitempty"`
	// Sku and Name filter by SKU and name (the API documents both
	// "containing" and "starting with").
	Sku  string `url:"Sku,omitempty"`
	Name string `url:"Name,omitempty"`
	// Page to start from (1-based); 0 means 1.
	Page int `url:"-"`
	// Limit is the page size; 0 means the maximum, 1000.
	Limit int `url:"-"`
}

// ProductsService reads the product catalogue.
type ProductsService service

// List returns a pager over products.
func (s *ProductsService) List(opts *ProductListOptions) *Pager[Product] {
	if opts == nil {
		opts = &ProductListOptions{}
	}
	o := *opts
	return newListPager[Product](s.client, "product", "Products", func() (url.Values, error) {
		q, err := values(o)
		if err == nil && !o.ModifiedSince.IsZero() {
			q.Set("ModifiedSince", queryTime(o.ModifiedSince))
		}
		return q, err
	}, o.Limit, o.Page)
}

// Get returns one product by ID, deprecated or not; ErrNotFound if none.
func (s *ProductsService) Get(ctx context.Context, id string) (*Product, error) {
	if id == "" {
		return nil, &ValidationError{Field: "ID", Reason: "must not be empty"}
	}
	q := url.Values{"ID": {id}, "IncludeDeprecated": {"true"}}
	return getOne(ctx, s.client, "product", "Products", q, id, func(p *Product) string { return p.ID })
}
