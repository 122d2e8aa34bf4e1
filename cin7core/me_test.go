package cin7core_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/jarcoal/httpmock"
	"github.com/shopspring/decimal"
)

const meURL = testBase + "me"

func TestMeGet(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, meURL, jsonResponder(200, fixture(t, "me.json")))
	a, err := c.Me.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.Company != "Southern Trails Outdoor Pty Ltd" || a.Currency != "AUD" || a.DefaultWeightUnits != "kg" || a.DefaultDimensionsUnits != "cm" ||
		a.TaxCalculationMethod != "Exclusive" || a.DefaultSaleTaxRuleName != "GST on Income" || a.MaximumDecimalPlacesInQuantity != "N2" ||
		!bool(a.ApplyCustomerDiscountsAfterOtherDiscounts) || bool(a.AutomaticallyApplyDiscounts) || a.DiscountRule != "Discount" ||
		!cin7core.SameID(a.DefaultSaleTaxRuleId, "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f") {
		t.Fatalf("account: %+v", a)
	}
	if a.LockDate.Format("2006-01-02") != "2025-06-30" || a.LockDate.HasZone || !a.OpeningBalanceDate.HasZone {
		t.Errorf("dates: %v %v", a.LockDate, a.OpeningBalanceDate)
	}
	if len(a.RoundingTable) != 2 || !a.RoundingTable[1].RangeTo.Equal(decimal.NewFromInt(1000)) ||
		!a.RoundingTable[0].RoundToNearest.Equal(decimal.RequireFromString("0.05")) || a.RoundingTable[1].AdjustmentRule != "S" ||
		!a.RoundingTable[1].AdjustmentValue.Equal(decimal.RequireFromString("0.01")) {
		t.Errorf("rounding table: %+v", a.RoundingTable)
	}
	loc, err := a.Location()
	if err != nil || loc.String() != "Australia/Hobart" {
		t.Errorf("Location: %v %v", loc, err)
	}
	if _, err := (&cin7core.Account{}).Location(); err == nil {
		t.Error("empty zone accepted")
	}
	if _, err := (&cin7core.Account{TimeZone: "Mars/Olympus"}).Location(); err == nil {
		t.Error("unknown zone accepted")
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("%d calls", mt.GetTotalCallCount())
	}
}

func TestPing(t *testing.T) {
	mt, c := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, meURL, jsonResponder(200, fixture(t, "me.json")))
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Bad credentials: 403 with a plain-text body, not retried.
	mt.RegisterResponder(http.MethodGet, meURL, func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(http.StatusForbidden, "Incorrect credentials!")
		r.Header.Set("Content-Type", "text/plain")
		return r, nil
	})
	err := c.Ping(context.Background())
	if !errors.Is(err, cin7core.ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}
	if n := mt.GetCallCountInfo()["GET "+meURL]; n != 1 {
		t.Fatalf("403 retried: %d calls", n)
	}
	// A wrong base URL answers an HTML page with 200.
	mt.RegisterResponder(http.MethodGet, meURL, func(*http.Request) (*http.Response, error) {
		r := httpmock.NewBytesResponse(200, fixture(t, "page_not_found.html"))
		r.Header.Set("Content-Type", "text/html")
		return r, nil
	})
	if err := c.Ping(context.Background()); !errors.Is(err, cin7core.ErrBadResponse) {
		t.Fatalf("HTML page: %v", err)
	}
	// Throttling is retried.
	mt.RegisterResponder(http.MethodGet, meURL, sequence(
		jsonResponder(503, []byte(`[{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}]`)),
		jsonResponder(200, fixture(t, "me.json"))))
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("after throttling: %v", err)
	}
}
