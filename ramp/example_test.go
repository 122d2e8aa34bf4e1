package ramp_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

func ExampleNewClient() {
	srv := ramptest.NewServer() // a fake Ramp tenant
	defer srv.Close()

	client, err := ramp.NewClient(
		ramp.WithBaseURL(srv.URL()),
		ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	created, err := client.Places.Create(ctx, &ramp.Place{
		Name:        "Main Warehouse",
		ExternalRef: "5f4a1e2b-0c3d-4e5f-8a9b-1c2d3e4f5a6b",
	})
	if err != nil {
		log.Fatal(err)
	}
	found, err := client.Places.FindByExternalRef(ctx, "5f4a1e2b-0c3d-4e5f-8a9b-1c2d3e4f5a6b")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(found.Name, found.ID == created.ID)

	_, err = client.Places.Create(ctx, &ramp.Place{Name: "Again", ExternalRef: created.ExternalRef})
	fmt.Println(errors.Is(err, ramp.ErrConflict))

	_, err = client.Places.FindByExternalRef(ctx, "no-such-ref")
	fmt.Println(errors.Is(err, ramp.ErrNotFound))
	// Output:
	// Main Warehouse true
	// true
	// true
}

func ExampleEq() {
	fmt.Println(ramp.Eq("ExternalRef", "o'brien"))
	fmt.Println(ramp.Eq("Name", "x' or 'a' eq 'a"))
	fmt.Println(ramp.Eq("ParentPlaceId", nil))
	// Output:
	// ExternalRef eq 'o''brien'
	// Name eq 'x'' or ''a'' eq ''a'
	// ParentPlaceId eq null
}

func ExampleAnd() {
	f := ramp.And(
		ramp.Eq("Archived", false),
		ramp.Or(ramp.Contains("Name", "Store"), ramp.Eq("TrackingMode", ramp.TrackingSerial)),
	)
	fmt.Println(f)
	// Output:
	// Archived eq false and (contains(Name,'Store') or TrackingMode eq 'Serial')
}

func ExamplePager_Pages() {
	srv := ramptest.NewServer()
	defer srv.Close()
	for i := range 5 {
		_, _ = srv.AddSku(ramp.Sku{Name: fmt.Sprint("SKU ", i), SkuNumber: fmt.Sprint("S", i), ExternalRef: fmt.Sprint("p", i), TrackingMode: ramp.TrackingNone})
	}
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	pager := client.Skus.List(&ramp.ListOptions{PageSize: 2})
	for page, err := range pager.Pages(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		// Save pager.Skip() here to resume after a crash.
		fmt.Println(len(page.Items), "of", page.Count, "resume at", pager.Skip())
	}
	// Output:
	// 2 of 5 resume at 2
	// 2 of 5 resume at 4
	// 1 of 5 resume at 5
}
