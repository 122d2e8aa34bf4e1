package mapping_test

import (
	"fmt"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
)

// A family variant becomes a flat SKU named from the family and its
// options; tracking follows the costing method.
func ExampleRules_FamilyMember() {
	family := cin7core.ProductFamily{
		ID: "2AA3892D-5006-438B-A94C-BCFCCA020EA4", Name: "Trail Runner", CostingMethod: cin7core.CostingFIFOBatch,
		Category: "Footwear", UOM: "Pair",
		Products: []cin7core.ProductFamilyMember{{ID: "CE9A6504-4207-4001-B430-749BF11FDC4F", Option1: "US 9", Option2: "Black"}},
	}
	member := cin7core.Product{ID: "ce9a6504-4207-4001-b430-749bf11fdc4f", SKU: "TR-9-BLK", Name: "Trail Runner 9 Black", Type: cin7core.ProductTypeStock}

	sku, _, err := mapping.Rules{}.FamilyMember(family, member)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sku.Name)
	fmt.Println(sku.ExternalRef, sku.SkuNumber, sku.Category, sku.UnitOfMeasure, sku.TrackingMode)
	// Output:
	// Trail Runner - US 9 / Black
	// ce9a6504-4207-4001-b430-749bf11fdc4f TR-9-BLK Footwear Pair Batch
}

// A service product is skipped with a reason, not an error.
func ExampleRules_Product() {
	_, reason, err := mapping.Rules{}.Product(cin7core.Product{ID: "1", SKU: "FIT", Name: "Boot fitting", Type: cin7core.ProductTypeService})
	fmt.Println(reason, err)
	// Output: service product <nil>
}
