package sync_test

import (
	"context"
	"fmt"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// An engine syncs one tenant. Here both sides are the built-in fakes; in a
// service they are the real APIs and the state lives in a FileStore or a
// database.
func ExampleEngine_Sync() {
	cin7Srv := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
	defer cin7Srv.Close()
	rampSrv := ramptest.NewServer()
	defer rampSrv.Close()

	cin7, err := cin7core.NewClient(
		cin7core.WithBaseURL(cin7Srv.URL()),
		cin7core.WithCredentials(cin7coretest.DemoAccountID, cin7coretest.DemoApplicationKey))
	if err != nil {
		fmt.Println(err)
		return
	}
	rc, err := ramp.NewClient(ramp.WithBaseURL(rampSrv.URL()), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword))
	if err != nil {
		fmt.Println(err)
		return
	}
	engine, err := cinsync.NewEngine(cinsync.Config{
		Source: cinsync.Cin7Source(cin7),
		Sink:   cinsync.RampSink(rc),
		State:  cinsync.NewMemoryStore(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for pass := 1; pass <= 2; pass++ {
		// The catalogue streams; Sync with no streams runs them all.
		rep, err := engine.Sync(context.Background(), cinsync.StreamLocations, cinsync.StreamFamilies, cinsync.StreamProducts)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, s := range rep.Streams {
			fmt.Printf("pass %d %s: created %d, updated %d, unchanged %d\n", pass, s.Stream, s.Created, s.Updated, s.Unchanged)
		}
	}
	// Output:
	// pass 1 locations: created 11, updated 0, unchanged 0
	// pass 1 families: created 0, updated 0, unchanged 0
	// pass 1 products: created 56, updated 0, unchanged 0
	// pass 2 locations: created 0, updated 0, unchanged 11
	// pass 2 families: created 0, updated 0, unchanged 0
	// pass 2 products: created 0, updated 0, unchanged 0
}
