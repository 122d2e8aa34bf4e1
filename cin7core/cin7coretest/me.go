package cin7coretest

import (
	"net/http"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// The fake's me endpoint: the account's settings, which clients call to
// check connectivity and credentials.

func init() {
	route(http.MethodGet, "me", getOnly((*Server).getMe))
}

type meStore struct{ account cin7core.Account }

// demoAccount is the demo retailer's settings, in the documented shape.
func demoAccount() cin7core.Account {
	d := decimal.RequireFromString
	return cin7core.Account{
		Company:                        "Southern Trails Outdoor Pty Ltd",
		Currency:                       "AUD",
		TimeZone:                       "Australia/Hobart",
		DefaultWeightUnits:             "kg",
		DefaultDimensionsUnits:         "cm",
		OpeningBalanceDate:             cin7core.Time{Time: time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC)},
		TaxCalculationMethod:           "Exclusive",
		DefaultSaleTaxRuleId:           "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
		DefaultSaleTaxRuleName:         "GST on Income",
		MaximumDecimalPlacesInQuantity: "N2",
		ApplyCustomerDiscountsAfterOtherDiscounts: true,
		DiscountRule:                "Discount",
		AutomaticallyApplyDiscounts: false,
		RoundingTable: []cin7core.RoundingRule{
			{RangeTo: d("100"), RoundToNearest: d("0.05"), AdjustmentRule: "N", AdjustmentValue: d("0")},
			{RangeTo: d("1000"), RoundToNearest: d("0.5"), AdjustmentRule: "S", AdjustmentValue: d("0")},
		},
	}
}

func (t *Tenant) meLocked() *meStore {
	return extStore(t, "me", func() *meStore { return &meStore{account: demoAccount()} })
}

// Account returns the settings GET me serves (a demo retailer's unless
// [Tenant.SetAccount] changed them).
func (t *Tenant) Account() cin7core.Account {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.meLocked().account
	a.RoundingTable = append([]cin7core.RoundingRule(nil), a.RoundingTable...)
	return a
}

// SetAccount replaces the settings GET me serves.
func (t *Tenant) SetAccount(a cin7core.Account) {
	a.RoundingTable = append([]cin7core.RoundingRule(nil), a.RoundingTable...)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.meLocked().account = a
}

// getMe serves GET me.
func (s *Server) getMe(_ params) ([]byte, *apiErr) {
	a := s.tenant.Account()
	b, err := render(a, nil)
	if err != nil {
		return nil, &apiErr{status: http.StatusInternalServerError, msg: err.Error()}
	}
	return b, nil
}
