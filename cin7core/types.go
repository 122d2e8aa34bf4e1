package cin7core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Time is a lenient timestamp. Cin7 Core sends zone-less values
// ("2017-12-08T00:00:00"), UTC values with a Z, 0 to 7 fractional digits,
// null or "" for "no date", and dd/MM/yyyy in webhook payloads. All decode.
//
// A zone-less value is held as UTC wall-clock time with HasZone false; use
// [Time.In] to read it in the tenant's zone instead, since some tenants'
// zone-less stamps are local time.
type Time struct {
	time.Time
	// HasZone is true when the wire value carried Z or an offset.
	HasZone bool
}

// NewTime wraps t as a zoned Time.
func NewTime(t time.Time) Time { return Time{Time: t, HasZone: true} }

var zonelessLayouts = []string{
	"2006-01-02T15:04:05.9999999",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.9999999",
	"2006-01-02T15:04",
	"2006-01-02",
	"02/01/2006",
	"02/01/2006 15:04:05",
}

var zonedLayouts = []string{
	"2006-01-02T15:04:05.9999999Z07:00",
	"2006-01-02T15:04:05Z07:00",
}

// ParseTime parses any of the forms Cin7 Core sends. An empty string gives
// the zero Time.
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}, nil
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return Time{Time: t.UTC(), HasZone: true}, nil
		}
	}
	for _, l := range zonelessLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return Time{Time: t}, nil
		}
	}
	return Time{}, fmt.Errorf("cin7core: unrecognised time %q", s)
}

// UnmarshalJSON accepts a string in any known form, null or "".
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("cin7core: time must be a string, got %s", truncate(b))
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalJSON writes null for the zero time, otherwise the API's own form:
// zone-less values without a zone, zoned values in UTC with Z.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.String())
}

// String formats t as Cin7 Core does.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	if t.HasZone {
		return t.UTC().Format("2006-01-02T15:04:05.999999999Z")
	}
	return t.Time.Format("2006-01-02T15:04:05.999999999")
}

// In returns the instant t denotes when zone-less values are local to loc;
// zoned values are returned unchanged. A nil loc means UTC.
func (t Time) In(loc *time.Location) time.Time {
	if t.IsZero() || t.HasZone || loc == nil {
		return t.Time
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), loc)
}

// EncodeValues lets go-querystring send Time as the API's query format.
func (t Time) EncodeValues(key string, v *url.Values) error {
	if !t.IsZero() {
		v.Set(key, t.UTC().Format("2006-01-02T15:04:05"))
	}
	return nil
}

// Bool accepts true/false, "true"/"false" (any case), "1"/"0", 1/0, null
// and "". It converts to bool with bool(b) and works directly in if.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bool) UnmarshalJSON(data []byte) error {
	s := strings.ToLower(strings.Trim(string(bytes.TrimSpace(data)), `"`))
	switch s {
	case "true", "1", "yes", "y":
		*b = true
	case "false", "0", "no", "n", "", "null":
		*b = false
	default:
		return fmt.Errorf("cin7core: cannot read %s as a bool", truncate(data))
	}
	return nil
}

// Int accepts a JSON number or a numeric string ("1"), null and "".
type Int int

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(data)), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = Int(i)
		return nil
	}
	// "1.0000" style integers.
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		*n = Int(int64(f))
		return nil
	}
	return fmt.Errorf("cin7core: cannot read %s as an integer", truncate(data))
}

func truncate(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "…"
	}
	return string(b)
}

// SameID reports whether two Cin7 Core GUIDs are equal. The API mixes upper
// and lower case for the same ID.
func SameID(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }

// NormalizeID returns the canonical (lower-case, trimmed) form of a GUID.
func NormalizeID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }
