package cin7core_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

func TestTimeDecodesEveryForm(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	for _, c := range []struct {
		in      string
		want    time.Time
		hasZone bool
	}{
		{`"2024-06-30T00:00:00"`, utc(2024, 6, 30, 0, 0, 0, 0), false},
		{`"2024-06-30T14:05:09Z"`, utc(2024, 6, 30, 14, 5, 9, 0), true},
		{`"2024-06-30T14:05:09.1Z"`, utc(2024, 6, 30, 14, 5, 9, 100000000), true},
		{`"2024-06-30T14:05:09.25Z"`, utc(2024, 6, 30, 14, 5, 9, 250000000), true},
		{`"2024-06-30T14:05:09.375Z"`, utc(2024, 6, 30, 14, 5, 9, 375000000), true},
		{`"2024-06-30T14:05:09.123456Z"`, utc(2024, 6, 30, 14, 5, 9, 123456000), true},
		{`"2024-06-30T14:05:09.7654321Z"`, utc(2024, 6, 30, 14, 5, 9, 765432100), true},
		{`"2024-06-30T14:05:09.5"`, utc(2024, 6, 30, 14, 5, 9, 500000000), false},
		{`"2024-06-30T14:05:09.42"`, utc(2024, 6, 30, 14, 5, 9, 420000000), false},
		{`"2024-06-30T14:05:09.987"`, utc(2024, 6, 30, 14, 5, 9, 987000000), false},
		{`"2024-06-30T14:05:09.7654321"`, utc(2024, 6, 30, 14, 5, 9, 765432100), false},
		{`"2024-06-30T14:05"`, utc(2024, 6, 30, 14, 5, 0, 0), false},
		{`"2024-06-30 14:05:09"`, utc(2024, 6, 30, 14, 5, 9, 0), false},
		{`"2024-06-30"`, utc(2024, 6, 30, 0, 0, 0, 0), false},
		{`"30/06/2024"`, utc(2024, 6, 30, 0, 0, 0, 0), false},
		{`"04/07/2024"`, utc(2024, 7, 4, 0, 0, 0, 0), false}, // dd/MM, not MM/dd
		{`"2024-06-30T14:05:09+10:00"`, utc(2024, 6, 30, 4, 5, 9, 0), true},
		{`"2024-06-30T14:05:09.5-03:30"`, utc(2024, 6, 30, 17, 35, 9, 500000000), true},
		{`" 2024-06-30T14:05:09Z "`, utc(2024, 6, 30, 14, 5, 9, 0), true},
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false},
	} {
		var got cin7core.Time
		if err := json.Unmarshal([]byte(c.in), &got); err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !got.Time.Equal(c.want) || got.HasZone != c.hasZone || got.IsZero() != c.want.IsZero() {
			t.Errorf("%s: got %v (zone %v), want %v (zone %v)", c.in, got.Time, got.HasZone, c.want, c.hasZone)
		}
		if !got.IsZero() && !strings.ContainsAny(c.in[11:], "+-") && got.Location() != time.UTC {
			t.Errorf("%s: location %v, want UTC", c.in, got.Location())
		}
	}
	for _, bad := range []string{`"yesterday"`, `"31/02/2024"`, `20240630`, `true`, `{}`, `"2024-13-01T00:00:00"`} {
		var got cin7core.Time
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s: decoded as %v, want an error", bad, got)
		}
	}
}

func TestTimeEncoding(t *testing.T) {
	zoneless := cin7core.Time{Time: time.Date(2024, 6, 30, 14, 5, 9, 987000000, time.UTC)}
	zoned := cin7core.NewTime(time.Date(2024, 6, 30, 14, 5, 9, 765432100, time.FixedZone("AEST", 10*3600)))
	for _, c := range []struct {
		v    cin7core.Time
		want string
	}{
		{cin7core.Time{}, `null`},
		{zoneless, `"2024-06-30T14:05:09.987"`},
		{zoned, `"2024-06-30T04:05:09.7654321Z"`},
		{cin7core.Time{Time: time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)}, `"2024-06-30T00:00:00"`},
		{cin7core.NewTime(time.Date(2024, 6, 30, 1, 2, 3, 0, time.UTC)), `"2024-06-30T01:02:03Z"`},
	} {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", c.v.Time, b, err, c.want)
			continue
		}
		var back cin7core.Time
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(c.v.Time) || back.HasZone != c.v.HasZone {
			t.Errorf("round trip of %s: %v (zone %v), %v", b, back.Time, back.HasZone, err)
		}
	}
	if zoned.String() != "2024-06-30T04:05:09.7654321Z" || (cin7core.Time{}).String() != "" {
		t.Errorf("String: %q", zoned.String())
	}
}

func TestTimeIn(t *testing.T) {
	bne := time.FixedZone("AEST", 10*3600)
	zoneless := cin7core.Time{Time: time.Date(2024, 6, 30, 9, 0, 0, 0, time.UTC)}
	if got := zoneless.In(bne); !got.Equal(time.Date(2024, 6, 29, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("zone-less read as Brisbane time: %v", got)
	}
	if got := zoneless.In(nil); !got.Equal(zoneless.Time) {
		t.Errorf("nil location: %v", got)
	}
	zoned := cin7core.NewTime(time.Date(2024, 6, 30, 9, 0, 0, 0, time.UTC))
	if got := zoned.In(bne); !got.Equal(zoned.Time) {
		t.Errorf("zoned values must not move: %v", got)
	}
	if got := (cin7core.Time{}).In(bne); !got.IsZero() {
		t.Errorf("zero: %v", got)
	}
}

func TestTimeEncodeValues(t *testing.T) {
	v := url.Values{}
	tm := cin7core.NewTime(time.Date(2024, 6, 30, 19, 5, 9, 999, time.FixedZone("AEST", 10*3600)))
	if err := tm.EncodeValues("ModifiedSince", &v); err != nil {
		t.Fatal(err)
	}
	if got := v.Get("ModifiedSince"); got != "2024-06-30T09:05:09" {
		t.Fatalf("query value %q", got)
	}
	v = url.Values{}
	_ = (cin7core.Time{}).EncodeValues("ModifiedSince", &v)
	if v.Has("ModifiedSince") {
		t.Fatal("zero time should not be sent")
	}
}

func TestParseTime(t *testing.T) {
	if got, err := cin7core.ParseTime(""); err != nil || !got.IsZero() {
		t.Fatalf("empty: %v %v", got, err)
	}
	if _, err := cin7core.ParseTime("not a time"); err == nil {
		t.Fatal("want an error")
	}
}

func TestBoolDecoding(t *testing.T) {
	for in, want := range map[string]bool{
		`true`: true, `false`: false, `"true"`: true, `"TRUE"`: true, `"False"`: false,
		`"1"`: true, `"0"`: false, `1`: true, `0`: false, `null`: false, `""`: false,
		`"yes"`: true, `"no"`: false, ` true `: true,
	} {
		var b cin7core.Bool
		if err := json.Unmarshal([]byte(in), &b); err != nil || bool(b) != want {
			t.Errorf("%s: %v, %v; want %v", in, b, err, want)
		}
	}
	for _, bad := range []string{`"maybe"`, `2`, `"2"`, `{}`} {
		var b cin7core.Bool
		if err := json.Unmarshal([]byte(bad), &b); err == nil {
			t.Errorf("%s: decoded as %v, want an error", bad, b)
		}
	}
	out, _ := json.Marshal(struct{ B cin7core.Bool }{true})
	if string(out) != `{"B":true}` {
		t.Errorf("Bool marshals as %s", out)
	}
}

func TestIntDecoding(t *testing.T) {
	for in, want := range map[string]int{
		`5`: 5, `"5"`: 5, `-3`: -3, `"-3"`: -3, `""`: 0, `null`: 0, `"1.0000"`: 1, `2.0`: 2, `"0"`: 0,
	} {
		var n cin7core.Int
		if err := json.Unmarshal([]byte(in), &n); err != nil || int(n) != want {
			t.Errorf("%s: %v, %v; want %d", in, n, err, want)
		}
	}
	for _, bad := range []string{`"1.5"`, `"abc"`, `true`, `{}`} {
		var n cin7core.Int
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("%s: decoded as %d, want an error", bad, n)
		}
	}
	out, _ := json.Marshal(struct{ N cin7core.Int }{42})
	if string(out) != `{"N":42}` {
		t.Errorf("Int marshals as %s", out)
	}
}

func TestDecimalsAsStringsOrNumbers(t *testing.T) {
	var v struct {
		A, B, C, D, E decimal.Decimal
	}
	in := `{"A":"12.5000","B":12.5,"C":"0.0001","D":null,"E":"497.0000"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.Equal(v.B) || !v.A.Equal(dec("12.5")) || !v.C.Equal(dec("0.0001")) || !v.D.IsZero() || !v.E.Equal(dec("497")) {
		t.Fatalf("decoded %+v", v)
	}
	// Money stays exact where a float64 would not.
	var p struct{ Price decimal.Decimal }
	if err := json.Unmarshal([]byte(`{"Price":"0.1"}`), &p); err != nil {
		t.Fatal(err)
	}
	if !p.Price.Add(dec("0.2")).Equal(dec("0.3")) {
		t.Fatal("decimal arithmetic is not exact")
	}
}

func TestEnumsAreOpen(t *testing.T) {
	var p cin7core.Product
	in := `{"Type":"Bundle","CostingMethod":"BATCH","Status":"Setup required","DropShipMode":"Sometimes"}`
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatalf("unknown enum values must decode: %v", err)
	}
	if p.Type != "Bundle" || p.CostingMethod != "BATCH" || p.Status != cin7core.ProductStatusSetupRequired || p.DropShipMode != "Sometimes" {
		t.Fatalf("decoded %+v", p)
	}
	if p.CostingMethod.Known() || p.IsService() || p.IsDeprecated() {
		t.Fatal("unknown values must not look known")
	}
	if len(cin7core.CostingMethods) != 7 {
		t.Fatalf("%d costing methods, want 7", len(cin7core.CostingMethods))
	}
	for _, m := range cin7core.CostingMethods {
		if !m.Known() {
			t.Errorf("%q not known", m)
		}
	}
	wire := map[cin7core.CostingMethod]string{
		cin7core.CostingFIFO: "FIFO", cin7core.CostingFIFOBatch: "FIFO - Batch", cin7core.CostingFIFOSerial: "FIFO - Serial Number",
		cin7core.CostingFEFOBatch: "FEFO - Batch", cin7core.CostingFEFOSerial: "FEFO - Serial Number",
		cin7core.CostingSpecialBatch: "Special - Batch", cin7core.CostingSpecialSerial: "Special - Serial Number",
	}
	for m, s := range wire {
		if string(m) != s {
			t.Errorf("%q != %q", m, s)
		}
	}
	if cin7core.DropShipNo != "No Drop Ship" || cin7core.DropShipAlways != "Always Drop Ship" || cin7core.ProductTypeService != "Service" {
		t.Error("wire strings changed")
	}
}

func TestSameIDAndNormalizeID(t *testing.T) {
	if !cin7core.SameID("5F8EE220-DFEA-4E8D-8095-A074E44FA955", " 5f8ee220-dfea-4e8d-8095-a074e44fa955") {
		t.Error("case and spaces must not matter")
	}
	if cin7core.SameID("5f8ee220-dfea-4e8d-8095-a074e44fa955", "5f8ee220-dfea-4e8d-8095-a074e44fa956") {
		t.Error("different IDs compared equal")
	}
	if got := cin7core.NormalizeID(" ABC-Def "); got != "abc-def" {
		t.Errorf("NormalizeID = %q", got)
	}
}
