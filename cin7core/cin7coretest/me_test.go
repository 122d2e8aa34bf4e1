package cin7coretest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
)

func TestFakeMeWithTheClient(t *testing.T) {
	srv := cin7coretest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := c.Me.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := srv.Tenant().Account()
	if a.Company != want.Company || a.Currency != "AUD" || a.TimeZone != "Australia/Hobart" || len(a.RoundingTable) != 2 ||
		!a.RoundingTable[0].RoundToNearest.Equal(want.RoundingTable[0].RoundToNearest) || !a.OpeningBalanceDate.Equal(want.OpeningBalanceDate.Time) {
		t.Fatalf("account: %+v", a)
	}
	if _, err := a.Location(); err != nil {
		t.Fatal(err)
	}
	changed := want
	changed.Company = "Renamed Pty Ltd"
	srv.Tenant().SetAccount(changed)
	if a, _ := c.Me.Get(ctx); a.Company != "Renamed Pty Ltd" {
		t.Fatalf("SetAccount not served: %+v", a)
	}

	bad, err := cin7core.NewClient(append(srv.ClientOptions(), cin7core.WithCredentials(cin7coretest.DemoAccountID, "wrong-key"), cin7core.WithRetryPolicy(quickRetry))...)
	if err != nil {
		t.Fatal(err)
	}
	before := srv.CallsTo("me")
	if err := bad.Ping(ctx); !errors.Is(err, cin7core.ErrUnauthorized) {
		t.Fatalf("bad key: %v", err)
	}
	if srv.CallsTo("me")-before != 1 {
		t.Fatal("a 403 was retried")
	}
}
