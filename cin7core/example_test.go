package cin7core_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
)

// A client reads the product catalogue page by page; here against the
// built-in fake with its demo tenant.
func ExampleNewClient() {
	srv := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	defer srv.Close()

	c, err := cin7core.NewClient(srv.ClientOptions()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	stock, services := 0, 0
	for p, err := range c.Products.List(&cin7core.ProductListOptions{IncludeDeprecated: true}).All(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if p.IsService() {
			services++
		} else {
			stock++
		}
	}
	fmt.Println("stock products:", stock, "services:", services, "calls:", c.APICalls())
	// Output: stock products: 57 services: 3 calls: 1
}

// Errors match sentinels with errors.Is; the key never shows in them.
func ExampleAPIError() {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c, _ := cin7core.NewClient(cin7core.WithBaseURL(srv.URL()), cin7core.WithCredentials(cin7coretest.DemoAccountID, "not-the-right-key"), cin7core.WithLimiter(nil))

	_, err := c.Locations.List(nil).Collect(context.Background())
	var apiErr *cin7core.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message, errors.Is(err, cin7core.ErrUnauthorized))
	}
	// Output: 403 Incorrect credentials! true
}
