package ramptest_test

import (
	"context"
	"fmt"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

// The fake is a real HTTP server with state: what a test writes through
// the client it can inspect directly.
func ExampleNewServer() {
	srv := ramptest.NewServer()
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	store, err := c.Places.Create(ctx, &ramp.Place{ExternalRef: "6b7f713d-aad1-4ae6-850c-2db7a0afa321", Name: "Main Warehouse"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.Places.Create(ctx, &ramp.Place{ExternalRef: "5f8ee220-dfea-4e8d-8095-a074e44fa955", Name: "Main Warehouse: Bin 1", ParentPlaceID: store.ID}); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range srv.Places() {
		fmt.Println(p.Name, p.ParentPlaceID == store.ID)
	}
	// Output:
	// Main Warehouse: Bin 1 true
	// Main Warehouse false
}
