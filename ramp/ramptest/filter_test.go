package ramptest

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cin7ramp/cin7ramp/ramp"
)

func places() []*ramp.Place {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	return []*ramp.Place{
		{ID: "id-1", ExternalRef: "a", Name: "Main Warehouse", DateCreated: t0},
		{ID: "id-2", ExternalRef: "b", Name: "Bin 1", ParentPlaceID: "id-1", DateCreated: t0.Add(time.Hour)},
		{ID: "id-3", ExternalRef: "c", Name: "O'Brien's Store", Archived: true, DateCreated: t0.Add(2 * time.Hour)},
		{ID: "id-4", ExternalRef: "d", Name: "Bin 2", ParentPlaceID: "id-1", Description: "cold", DateCreated: t0.Add(3 * time.Hour)},
	}
}

func matchRefs(t *testing.T, filter string) string {
	t.Helper()
	n, err := parseFilter(filter, placeFields)
	if err != nil {
		t.Fatalf("parse %q: %v", filter, err)
	}
	var refs []string
	for _, p := range places() {
		if n.match(p) {
			refs = append(refs, p.ExternalRef)
		}
	}
	return strings.Join(refs, ",")
}

func TestParseFilter(t *testing.T) {
	cases := map[string]string{
		"":                                       "a,b,c,d",
		"Name eq 'Bin 1'":                        "b",
		"Name eq 'O''Brien''s Store'":            "c",
		"Name ne 'Bin 1'":                        "a,c,d",
		"ParentPlaceId eq null":                  "a,c",
		"ParentPlaceId ne null":                  "b,d",
		"Description eq 'cold'":                  "d",
		"Description ne 'cold'":                  "a,b,c",
		"Archived eq true":                       "c",
		"not (Archived eq true)":                 "a,b,d",
		"not Archived eq true":                   "a,b,d",
		"contains(Name,'Bin')":                   "b,d",
		"contains(Name,'bin')":                   "",
		"Name gt 'Bin 1' and Name lt 'Main'":     "d",
		"Name ge 'Bin 1' and Name le 'Bin 2'":    "b,d",
		"Archived eq true or ExternalRef eq 'a'": "a,c",
		"ExternalRef eq 'a' or ExternalRef eq 'b' and Archived eq true":    "a",
		"(ExternalRef eq 'a' or ExternalRef eq 'b') and Archived eq false": "a,b",
		"DateCreated gt 2024-05-01T01:00:00Z":                              "c,d",
		"DateCreated ge 2024-05-01T11:00:00+10:00":                         "b,c,d",
		"ParentPlaceId eq 'id-1' and not (contains(Name,'2'))":             "b",
		"  Name  eq  'Bin 1'  ":                                            "b",
		"Name gt null":                                                     "",
	}
	for filter, want := range cases {
		if got := matchRefs(t, filter); got != want {
			t.Errorf("%q matched %q, want %q", filter, got, want)
		}
	}
}

func TestParseFilterRejects(t *testing.T) {
	bad := []string{
		"Name eq 'unterminated",
		"Name eq 'a' 'b'",
		"Name eq",
		"Name",
		"Name like 'x'",
		"Nope eq 'x'",
		"SkuNumber eq 'x'", // a SKU field on places
		"Archived eq 'true'",
		"Archived gt false",
		"Name eq 5",
		"Name eq true",
		"DateCreated eq '2024-01-01'",
		"contains(Archived,'x')",
		"contains(Name,5)",
		"contains(Name 'x')",
		"(Name eq 'x'",
		"Name eq 'x')",
		"Name eq 'x' and",
		"Name eq 'x' AND ExternalRef eq 'y'",
		"name eq 'x'",
		"Name eq \"x\"",
		"Name eq 'x'; drop",
		"Name eq 12abc",
		strings.Repeat("(", 500) + "Name eq 'x'" + strings.Repeat(")", 500),
	}
	for _, f := range bad {
		if _, err := parseFilter(f, placeFields); err == nil {
			t.Errorf("%q parsed", f)
		}
	}
}

// FuzzFilterValue checks that the SDK's builder and the fake's parser agree:
// whatever the value, Eq("Name", v) (and Contains, and the value inside
// compound filters) matches exactly the records the plain Go comparison
// says, so no value can change a filter's meaning.
func FuzzFilterValue(f *testing.F) {
	for _, s := range []string{
		"", "x", "'", "''", "a' or 'x' eq 'x", "') or ('a' eq 'a", "x' or Name ne '",
		"contains(Name,'", "not", "null", "true", " and ", "(", ")", "日本語", "\x00",
		"emoji 🙂 'q'", "back\\slash", "tab\tnewline\n", "%27", "$top=1&", "2024-01-01T00:00:00Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		recs := []*ramp.Place{
			{ID: "1", ExternalRef: "r1", Name: v},
			{ID: "2", ExternalRef: "r2", Name: v + "'"},
			{ID: "3", ExternalRef: "r3", Name: "x' or 'x' eq 'x"},
			{ID: "4", ExternalRef: "r4", Name: "plain"},
		}
		check := func(filter ramp.Filter, want func(*ramp.Place) bool) {
			t.Helper()
			if err := filter.Err(); err != nil {
				t.Fatalf("builder refused %q: %v", v, err)
			}
			n, err := parseFilter(filter.String(), placeFields)
			if err != nil {
				t.Fatalf("fake cannot parse %q (value %q): %v", filter.String(), v, err)
			}
			for _, r := range recs {
				if got, exp := n.match(r), want(r); got != exp {
					t.Fatalf("filter %q on Name %q: match = %v, want %v", filter.String(), r.Name, got, exp)
				}
			}
		}
		check(ramp.Eq("Name", v), func(p *ramp.Place) bool { return p.Name == v })
		check(ramp.Ne("Name", v), func(p *ramp.Place) bool { return p.Name != v })
		check(ramp.Contains("Name", v), func(p *ramp.Place) bool { return strings.Contains(p.Name, v) })
		check(ramp.And(ramp.Eq("ExternalRef", "r1"), ramp.Eq("Name", v)), func(p *ramp.Place) bool { return p.ExternalRef == "r1" && p.Name == v })
		check(ramp.Or(ramp.Eq("Name", v), ramp.Eq("ExternalRef", "r4")), func(p *ramp.Place) bool { return p.Name == v || p.ExternalRef == "r4" })
		check(ramp.Not(ramp.Eq("Name", v)), func(p *ramp.Place) bool { return p.Name != v })
		if utf8.ValidString(v) {
			check(ramp.Gt("Name", v), func(p *ramp.Place) bool { return p.Name > v })
		}
	})
}
