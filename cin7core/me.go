package cin7core

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// RoundingRule is one row of the account's price rounding table.
type RoundingRule struct {
	RangeTo        decimal.Decimal `json:"RangeTo"`
	RoundToNearest decimal.Decimal `json:"RoundToNearest"`
	// AdjustmentRule is a one-letter code (N, S, A in the examples).
	AdjustmentRule  string          `json:"AdjustmentRule"`
	AdjustmentValue decimal.Decimal `json:"AdjustmentValue"`
}

// Account is the company settings the me endpoint returns.
type Account struct {
	Company  string `json:"Company"`
	Currency string `json:"Currency"`
	// TimeZone is the company's zone, e.g. "Europe/Moscow"; see
	// [Account.Location].
	TimeZone               string `json:"TimeZone"`
	DefaultWeightUnits     string `json:"DefaultWeightUnits"`
	DefaultDimensionsUnits string `json:"DefaultDimensionsUnits"`
	// LockDate: no transaction may be dated on or before it (zero if
	// none).
	LockDate             Time   `json:"LockDate"`
	OpeningBalanceDate   Time   `json:"OpeningBalanceDate"`
	TaxCalculationMethod string `json:"TaxCalculationMethod"`
	// DefaultSaleTaxRuleId is spelled with "Id", as the API does.
	DefaultSaleTaxRuleId   string `json:"DefaultSaleTaxRuleId"`
	DefaultSaleTaxRuleName string `json:"DefaultSaleTaxRuleName"`
	// MaximumDecimalPlacesInQuantity is a .NET format string ("N2").
	MaximumDecimalPlacesInQuantity            string         `json:"MaximumDecimalPlacesInQuantity"`
	ApplyCustomerDiscountsAfterOtherDiscounts Bool           `json:"ApplyCustomerDiscountsAfterOtherDiscounts"`
	DiscountRule                              string         `json:"DiscountRule"`
	AutomaticallyApplyDiscounts               Bool           `json:"AutomaticallyApplyDiscounts"`
	RoundingTable                             []RoundingRule `json:"RoundingTable"`
}

// Location returns the company's time zone, for reading zone-less
// timestamps that are local to the tenant (pitfall 14) with [Time.In].
// It fails if the zone is empty or unknown to the system's zone database.
func (a *Account) Location() (*time.Location, error) {
	if a.TimeZone == "" {
		return nil, fmt.Errorf("cin7core: account has no time zone")
	}
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("cin7core: account time zone %q: %w", a.TimeZone, err)
	}
	return loc, nil
}

// Get returns the account's settings. It is the cheapest authenticated
// call, so it doubles as the connectivity and credentials check.
func (s *MeService) Get(ctx context.Context) (*Account, error) {
	var a Account
	if err := s.client.get(ctx, "me", nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Ping checks connectivity and credentials with one call to me. Bad
// credentials give an error matching [ErrUnauthorized] (Cin7 Core answers
// 403, never retried); a wrong base URL typically gives [ErrBadResponse]
// (an HTML page) or [ErrNotFound].
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Me.Get(ctx)
	return err
}
