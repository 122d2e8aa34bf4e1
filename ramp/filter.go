package ramp

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Filter is an OData $filter expression built from typed parts. Values are
// always rendered as literals (strings quoted, quotes doubled), so no value
// can change the filter's meaning; this is what makes it safe to filter on
// data that came from another system. The zero Filter matches everything.
//
// A Filter built from a bad field name or an unsupported value carries the
// error; List and FindByExternalRef return it as a *ValidationError before
// sending anything.
type Filter struct {
	expr string
	// compound is set for and/or expressions, which need parentheses when
	// nested inside another operator.
	compound bool
	err      error
}

var fieldRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$`)

// String returns the $filter text, or "" for the zero Filter or one that
// carries an error (so a broken filter can never be sent by accident).
func (f Filter) String() string {
	if f.err != nil {
		return ""
	}
	return f.expr
}

// IsZero reports whether f is the empty filter (matches everything).
func (f Filter) IsZero() bool { return f.expr == "" && f.err == nil }

// Err returns the error the filter carries, if any: a *ValidationError.
func (f Filter) Err() error { return f.err }

// Eq matches records whose field equals value.
func Eq(field string, value any) Filter { return compare(field, "eq", value) }

// Ne matches records whose field differs from value.
func Ne(field string, value any) Filter { return compare(field, "ne", value) }

// Gt matches records whose field is greater than value.
func Gt(field string, value any) Filter { return compare(field, "gt", value) }

// Ge matches records whose field is greater than or equal to value.
func Ge(field string, value any) Filter { return compare(field, "ge", value) }

// Lt matches records whose field is less than value.
func Lt(field string, value any) Filter { return compare(field, "lt", value) }

// Le matches records whose field is less than or equal to value.
func Le(field string, value any) Filter { return compare(field, "le", value) }

// Contains matches records whose string field contains value.
func Contains(field, value string) Filter {
	if err := checkField(field); err != nil {
		return Filter{err: err}
	}
	return Filter{expr: "contains(" + field + "," + quote(value) + ")"}
}

// And matches records that match every operand; zero operands are ignored.
func And(fs ...Filter) Filter { return join("and", fs) }

// Or matches records that match any operand; zero operands are ignored.
func Or(fs ...Filter) Filter { return join("or", fs) }

// Not negates f. Not of the zero filter is the zero filter. The operand is
// always parenthesised because OData's not binds tighter than eq.
func Not(f Filter) Filter {
	if f.err != nil {
		return Filter{err: f.err}
	}
	if f.expr == "" {
		return Filter{}
	}
	return Filter{expr: "not (" + f.expr + ")"}
}

func compare(field, op string, value any) Filter {
	if err := checkField(field); err != nil {
		return Filter{err: err}
	}
	lit, err := literal(value)
	if err != nil {
		return Filter{err: &ValidationError{Field: "filter", Reason: fmt.Sprintf("value for %s: %v", field, err)}}
	}
	return Filter{expr: field + " " + op + " " + lit}
}

func join(op string, fs []Filter) Filter {
	var kept []Filter
	for _, f := range fs {
		if f.err != nil {
			return Filter{err: f.err}
		}
		if f.expr != "" {
			kept = append(kept, f)
		}
	}
	switch len(kept) {
	case 0:
		return Filter{}
	case 1:
		return kept[0]
	}
	parts := make([]string, len(kept))
	for i, f := range kept {
		parts[i] = f.expr
		if f.compound {
			parts[i] = "(" + f.expr + ")"
		}
	}
	return Filter{expr: strings.Join(parts, " "+op+" "), compound: true}
}

func checkField(field string) error {
	if !fieldRE.MatchString(field) {
		return &ValidationError{Field: "filter", Reason: fmt.Sprintf("field name %q is not an identifier", field)}
	}
	return nil
}

// quote renders a string literal: single quotes, embedded quotes doubled.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

var timeType = reflect.TypeOf(time.Time{})

// literal renders value as an OData literal: strings (and string-kinded
// types such as TrackingMode) single-quoted with quotes doubled, bools as
// true/false, integers and decimals unquoted, time.Time as UTC RFC 3339,
// nil (or a nil pointer) as null. Pointers are followed. Other types, NaN
// and infinities are refused.
func literal(value any) (string, error) {
	switch v := value.(type) {
	case nil:
		return "null", nil
	case string:
		return quote(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), nil
	case decimal.Decimal:
		return v.String(), nil
	}
	rv := reflect.ValueOf(value)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "null", nil
		}
		rv = rv.Elem()
	}
	if rv.Type() == timeType {
		return rv.Interface().(time.Time).UTC().Format(time.RFC3339Nano), nil
	}
	if d, ok := rv.Interface().(decimal.Decimal); ok {
		return d.String(), nil
	}
	switch rv.Kind() {
	case reflect.String:
		return quote(rv.String()), nil
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "", errors.New("NaN and infinities have no literal")
		}
		bits := 64
		if rv.Kind() == reflect.Float32 {
			bits = 32
		}
		return strconv.FormatFloat(f, 'f', -1, bits), nil
	}
	return "", fmt.Errorf("unsupported type %T", value)
}
