package cin7coretest_test

import (
	"context"
	"fmt"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
)

// A client lists the demo tenant's locations. Bins come twice, as in Cin7
// Core: inside their location's Bins and as rows of their own.
func Example() {
	srv := cin7coretest.NewServer()
	defer srv.Close()

	client, err := cin7core.NewClient(
		cin7core.WithBaseURL(srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for loc, err := range client.Locations.List(nil).All(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		switch {
		case loc.IsBin():
			fmt.Printf("%s (bin of %s)\n", loc.Name, loc.ParentName)
		case bool(loc.IsDeprecated):
			fmt.Printf("%s (deprecated)\n", loc.Name)
		default:
			fmt.Printf("%s, %s (%d bins)\n", loc.Name, loc.AddressStateProvince, len(loc.Bins))
		}
	}
	fmt.Println("API calls:", srv.Calls())
	// Output:
	// Aisle A (bin of Sydney Distribution Centre)
	// Aisle B (bin of Sydney Distribution Centre)
	// Back Room (bin of Melbourne Flagship Store)
	// Brisbane 3PL, QLD (3 bins)
	// Melbourne Flagship Store, VIC (2 bins)
	// Mezzanine (bin of Brisbane 3PL)
	// Perth Pop-up Store (deprecated)
	// Rack 1 (bin of Brisbane 3PL)
	// Rack 2 (bin of Brisbane 3PL)
	// Returns Cage (bin of Sydney Distribution Centre)
	// Shop Floor (bin of Melbourne Flagship Store)
	// Sydney Distribution Centre, NSW (3 bins)
	// API calls: 1
}

// DemoCounts gives what a full sync of the demo tenant should produce.
func ExampleDemoCounts() {
	c := cin7coretest.DemoCounts()
	fmt.Printf("places %d = %d locations + %d bins\n", c.Places, c.ActiveLocations, c.Bins)
	fmt.Printf("SKUs %d = %d products + %d family variants\n", c.SKUs, c.StockProductsOutsideFamilies, c.FamilyVariants)
	fmt.Printf("skipped: %d services, %d deprecated\n", c.Services, c.Deprecated)
	// Output:
	// places 11 = 3 locations + 8 bins
	// SKUs 56 = 41 products + 15 family variants
	// skipped: 3 services, 1 deprecated
}
