package faults_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/faults"
)

// Put the fault layer under a client to see how code built on it copes:
// here every product page is first answered with a 503 (Cin7 Core's
// throttle), which the client retries.
func ExampleNewTransport() {
	srv := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	defer srv.Close()
	ft := faults.NewTransport(nil, 42, faults.Rule{
		Match:       faults.PathContains("/product"),
		Probability: 1,
		Kinds:       []faults.Kind{faults.Unavailable503},
		Limit:       1,
	})
	c, err := srv.NewClient(cin7core.WithTransport(ft),
		cin7core.WithRetryPolicy(cin7core.RetryPolicy{MaxAttempts: 3, MinWait: 1, MaxWait: 1, ThrottleMinWait: 1}))
	if err != nil {
		fmt.Println(err)
		return
	}
	products, err := c.Products.List(nil).Collect(context.Background())
	fmt.Println(len(products) > 0, errors.Is(err, cin7core.ErrRateLimited))
	for _, f := range ft.Log() {
		fmt.Println(f.Kind, f.Method, f.Path)
	}
	// Output:
	// true false
	// 503 GET /ExternalApi/v2/product
}
