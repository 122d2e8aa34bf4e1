package ramp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Unset server dates never go on the wire, whatever the Go version (the
// omitzero tag is Go 1.24+; the module supports 1.23).
func TestModelsLeaveUnsetDatesOut(t *testing.T) {
	for _, v := range []any{Place{Name: "Store"}, Sku{Name: "Tent"}, &Place{Name: "Store"}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "Date") {
			t.Errorf("%T sent dates: %s", v, b)
		}
	}
	when := time.Date(2026, 5, 1, 2, 3, 4, 0, time.UTC)
	b, _ := json.Marshal(Sku{Name: "Tent", DateCreated: when, DateLastModified: when})
	var back Sku
	if err := json.Unmarshal(b, &back); err != nil || !back.DateCreated.Equal(when) || !back.DateLastModified.Equal(when) || back.Name != "Tent" {
		t.Fatalf("round trip: %s → %+v (%v)", b, back, err)
	}
}
