package ramp_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/shopspring/decimal"
)

func TestFilterBuilder(t *testing.T) {
	t.Parallel()
	ref := "o'brien"
	var nilRef *string
	when := time.Date(2024, 5, 1, 19, 30, 0, 0, time.FixedZone("AEST", 10*3600))
	cases := []struct {
		name string
		f    ramp.Filter
		want string
	}{
		{"zero", ramp.Filter{}, ""},
		{"string", ramp.Eq("Name", "Main"), "Name eq 'Main'"},
		{"quote doubled", ramp.Eq("Name", "it's"), "Name eq 'it''s'"},
		{"injection stays a literal", ramp.Eq("Name", "a' or 'x' eq 'x"), "Name eq 'a'' or ''x'' eq ''x'"},
		{"unicode and parens", ramp.Ne("Name", "日本 (x)"), "Name ne '日本 (x)'"},
		{"empty string", ramp.Eq("Barcode", ""), "Barcode eq ''"},
		{"bool", ramp.Eq("Archived", false), "Archived eq false"},
		{"int", ramp.Gt("Count", 42), "Count gt 42"},
		{"negative int64", ramp.Ge("Count", int64(-7)), "Count ge -7"},
		{"uint", ramp.Lt("Count", uint8(9)), "Count lt 9"},
		{"float", ramp.Le("Weight", 2.5), "Weight le 2.5"},
		{"decimal", ramp.Eq("Cost", decimal.RequireFromString("12.3400")), "Cost eq 12.34"},
		{"time in UTC", ramp.Gt("DateLastModified", when), "DateLastModified gt 2024-05-01T09:30:00Z"},
		{"nil", ramp.Eq("ParentPlaceId", nil), "ParentPlaceId eq null"},
		{"nil pointer", ramp.Eq("ParentPlaceId", nilRef), "ParentPlaceId eq null"},
		{"pointer", ramp.Eq("ExternalRef", &ref), "ExternalRef eq 'o''brien'"},
		{"string type", ramp.Eq("TrackingMode", ramp.TrackingSerial), "TrackingMode eq 'Serial'"},
		{"path field", ramp.Eq("Parent/Name", "x"), "Parent/Name eq 'x'"},
		{"contains", ramp.Contains("Name", "50% 'off'"), "contains(Name,'50% ''off''')"},
		{"and", ramp.And(ramp.Eq("A", 1), ramp.Eq("B", 2)), "A eq 1 and B eq 2"},
		{"or in and", ramp.And(ramp.Eq("A", 1), ramp.Or(ramp.Eq("B", 2), ramp.Eq("C", 3))), "A eq 1 and (B eq 2 or C eq 3)"},
		{"and in or", ramp.Or(ramp.And(ramp.Eq("A", 1), ramp.Eq("B", 2)), ramp.Eq("C", 3)), "(A eq 1 and B eq 2) or C eq 3"},
		{"not", ramp.Not(ramp.Eq("Archived", true)), "not (Archived eq true)"},
		{"not of compound", ramp.Not(ramp.Or(ramp.Eq("A", 1), ramp.Eq("B", 2))), "not (A eq 1 or B eq 2)"},
		{"not in and", ramp.And(ramp.Not(ramp.Eq("A", 1)), ramp.Eq("B", 2)), "not (A eq 1) and B eq 2"},
		{"zero operands dropped", ramp.And(ramp.Filter{}, ramp.Eq("A", 1), ramp.Filter{}), "A eq 1"},
		{"single compound operand unchanged", ramp.And(ramp.Or(ramp.Eq("A", 1), ramp.Eq("B", 2))), "A eq 1 or B eq 2"},
		{"empty and", ramp.And(), ""},
		{"not zero", ramp.Not(ramp.Filter{}), ""},
	}
	for _, tc := range cases {
		if err := tc.f.Err(); err != nil {
			t.Errorf("%s: unexpected error %v", tc.name, err)
		}
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if tc.f.IsZero() != (tc.want == "") {
			t.Errorf("%s: IsZero = %v", tc.name, tc.f.IsZero())
		}
	}
}

func TestFilterErrors(t *testing.T) {
	t.Parallel()
	bad := map[string]ramp.Filter{
		"empty field":         ramp.Eq("", "x"),
		"space in field":      ramp.Eq("Name eq 'x' or Name", "x"),
		"quote in field":      ramp.Contains("Name'", "x"),
		"leading digit":       ramp.Eq("1Name", "x"),
		"trailing slash":      ramp.Eq("Parent/", "x"),
		"paren in field":      ramp.Gt("f(x)", 1),
		"slice value":         ramp.Eq("Name", []string{"a"}),
		"struct value":        ramp.Eq("Name", struct{}{}),
		"NaN":                 ramp.Eq("Weight", math.NaN()),
		"infinity":            ramp.Lt("Weight", math.Inf(1)),
		"error inside and":    ramp.And(ramp.Eq("A", 1), ramp.Eq("B C", 2)),
		"error inside or":     ramp.Or(ramp.Eq("B C", 2), ramp.Eq("A", 1)),
		"error inside not":    ramp.Not(ramp.Eq("B C", 2)),
		"error beside a zero": ramp.And(ramp.Filter{}, ramp.Eq("-", 2)),
	}
	for name, f := range bad {
		var ve *ramp.ValidationError
		if !errors.As(f.Err(), &ve) || !errors.Is(f.Err(), ramp.ErrValidation) {
			t.Errorf("%s: Err = %v, want *ValidationError", name, f.Err())
		}
		if f.String() != "" || f.IsZero() {
			t.Errorf("%s: a broken filter must render empty and not be zero (got %q)", name, f.String())
		}
	}
}
