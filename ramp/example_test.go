package ramp_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	"github.com/shopspring/decimal"
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

// An inbound order's life: the integration creates it from a Cin7 Core
// purchase, Ramp users receive it (here the fake acts for them), the
// integration reads what was received, and once completed the order is
// frozen.
func ExampleOrdersService() {
	srv := ramptest.NewServer()
	defer srv.Close()
	_, _ = srv.AddPlace(ramp.Place{Name: "Main Warehouse", ExternalRef: "loc-1"})
	_, _ = srv.AddSku(ramp.Sku{Name: "Milk 1L", SkuNumber: "MILK-1L", ExternalRef: "prod-1", TrackingMode: ramp.TrackingBatch})
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	order, created, err := client.Orders.UpsertByExternalRef(ctx, &ramp.Order{
		ExternalRef:         "po-guid-1",
		CustomerOrderNumber: "PO-0042",
		OrderType:           ramp.OrderInbound,
		ToPlaceExternalRef:  "loc-1",
		Lines:               []ramp.OrderLine{{SkuExternalRef: "prod-1", RequiredCount: decimal.RequireFromString("12")}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(order.CustomerOrderNumber, order.State, created)

	// A Ramp user receives 12 units of batch B1.
	_, _ = srv.ReceiveOrder(order.ID, ramp.OrderUnit{SkuExternalRef: "prod-1", Batch: "B1", Count: decimal.RequireFromString("12")})

	got, err := client.Orders.Get(ctx, order.ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range got.Lines[0].Received {
		fmt.Println(got.State, "batch", u.Batch, "count", u.Count)
	}
	done, err := client.Orders.Complete(ctx, order.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(done.State)

	_, err = client.Orders.Update(ctx, done)
	fmt.Println(errors.Is(err, ramp.ErrOrderFrozen))
	// Output:
	// PO-0042 Created true
	// Received batch B1 count 12
	// Completed
	// true
}

// Write-offs export as CSV, quoted per RFC 4180.
func ExampleWriteOffsService_ExportCSV() {
	srv := ramptest.NewServer()
	defer srv.Close()
	_, _ = srv.AddPlace(ramp.Place{Name: "Store, Level 1", ExternalRef: "loc-1"})
	_, _ = srv.AddSku(ramp.Sku{Name: "Mug", SkuNumber: "MUG", ExternalRef: "prod-1", TrackingMode: ramp.TrackingNone})
	_, _ = srv.RecordWriteOff(ramp.WriteOff{
		SkuExternalRef: "prod-1", PlaceExternalRef: "loc-1", Quantity: decimal.RequireFromString("2"),
		Reason: ramp.ReasonStolen, Note: `seen on "camera 3"`,
		WrittenOffAt: time.Date(2024, 5, 2, 10, 15, 0, 0, time.UTC),
	})
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	q := ramp.WriteOffQuery{Reason: ramp.ReasonStolen}
	if _, err := client.WriteOffs.ExportCSV(context.Background(), &buf, &ramp.ListOptions{Filter: q.Filter()}); err != nil {
		log.Fatal(err)
	}
	// Print the columns that do not hold generated IDs.
	r := csv.NewReader(&buf)
	rows, _ := r.ReadAll()
	for _, row := range rows {
		fmt.Println(strings.Join([]string{row[1], row[2], row[3], row[6], row[10], row[13]}, " | "))
	}
	// Output:
	// WrittenOffAt | Reason | Quantity | SkuNumber | PlaceName | Note
	// 2024-05-02T10:15:00Z | Stolen | 2 | MUG | Store, Level 1 | seen on "camera 3"
}
