package cin7core

// Enumerations are open string types: a value the SDK does not know decodes
// as is and never fails. Compare against the constants.

// CostingMethod decides how a product's stock is costed and tracked.
type CostingMethod string

// The seven documented costing methods, exactly as the API spells them.
const (
	CostingFIFO          CostingMethod = "FIFO"
	CostingFIFOBatch     CostingMethod = "FIFO - Batch"
	CostingFIFOSerial    CostingMethod = "FIFO - Serial Number"
	CostingFEFOBatch     CostingMethod = "FEFO - Batch"
	CostingFEFOSerial    CostingMethod = "FEFO - Serial Number"
	CostingSpecialBatch  CostingMethod = "Special - Batch"
	CostingSpecialSerial CostingMethod = "Special - Serial Number"
)

// CostingMethods lists the documented costing methods.
var CostingMethods = []CostingMethod{CostingFIFO, CostingFIFOBatch, CostingFIFOSerial, CostingFEFOBatch, CostingFEFOSerial, CostingSpecialBatch, CostingSpecialSerial}

// Known reports whether m is one of the documented methods.
func (m CostingMethod) Known() bool {
	for _, k := range CostingMethods {
		if k == m {
			return true
		}
	}
	return false
}

// ProductType is Stock or Service.
type ProductType string

// Known product types.
const (
	ProductTypeStock   ProductType = "Stock"
	ProductTypeService ProductType = "Service"
)

// ProductStatus is a product's life-cycle state.
type ProductStatus string

// Known product statuses.
const (
	ProductStatusActive        ProductStatus = "Active"
	ProductStatusDeprecated    ProductStatus = "Deprecated"
	ProductStatusSetupRequired ProductStatus = "Setup required"
)

// DropShipMode says whether a product is drop-shipped.
type DropShipMode string

// Known drop-ship modes.
const (
	DropShipNo       DropShipMode = "No Drop Ship"
	DropShipOptional DropShipMode = "Optional Drop Ship"
	DropShipAlways   DropShipMode = "Always Drop Ship"
)
