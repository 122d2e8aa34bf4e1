package cin7coretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/shopspring/decimal"
)

// This file turns the typed models into the bytes the fake serves. Models
// are encoded with encoding/json, then decimals (which shopspring encodes
// as strings) become JSON numbers again, except for the fields a record
// sends as strings on purpose: those keep (or get) quotes, the way Cin7
// Core sends "AverageCost": "12.5000" or "Sellable": "true" now and then.

var (
	decimalType = reflect.TypeOf(decimal.Decimal{})
	boolType    = reflect.TypeOf(cin7core.Bool(false))
	intType     = reflect.TypeOf(cin7core.Int(0))
)

// wireStyle lists the top-level fields a record serves as JSON strings
// although they are numbers or booleans. For a decimal field the value is
// the number of fractional digits to print (-1: as few as needed).
type wireStyle map[string]int

// styleOf finds the numeric and boolean fields that raw (one JSON object)
// carries as strings.
func styleOf(raw json.RawMessage, t reflect.Type) (wireStyle, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	fields := jsonFields(t)
	var st wireStyle
	for k, v := range obj {
		ft, ok := fields[k]
		if !ok || (ft != decimalType && ft != boolType && ft != intType) {
			continue
		}
		v = bytes.TrimSpace(v)
		if len(v) == 0 || v[0] != '"' {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		places := -1
		if ft == decimalType {
			if i := strings.IndexByte(s, '.'); i >= 0 {
				places = len(s) - i - 1
			}
		}
		if st == nil {
			st = wireStyle{}
		}
		st[k] = places
	}
	return st, nil
}

// render encodes v as the fake serves it.
func render(v any, st wireStyle) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	fixNode(n, reflect.TypeOf(v), st)
	var out bytes.Buffer
	out.Grow(len(b))
	n.encode(&out)
	return out.Bytes(), nil
}

// jnode is a JSON value that keeps the order of object keys.
type jnode struct {
	kind byte // '{', '[', 's' (string) or 'v' (other scalar)
	keys []string
	vals []*jnode
	str  string // kind 's'
	raw  string // kind 'v'
}

func parseNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &jnode{kind: byte(v)}
		for dec.More() {
			if v == '{' {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("cin7coretest: object key %v is not a string", kt)
				}
				n.keys = append(n.keys, k)
			}
			child, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, child)
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &jnode{kind: 's', str: v}, nil
	case json.Number:
		return &jnode{kind: 'v', raw: v.String()}, nil
	case bool:
		return &jnode{kind: 'v', raw: fmt.Sprint(v)}, nil
	case nil:
		return &jnode{kind: 'v', raw: "null"}, nil
	}
	return nil, fmt.Errorf("cin7coretest: unexpected JSON token %v", tok)
}

func (n *jnode) encode(b *bytes.Buffer) {
	switch n.kind {
	case '{':
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			n.vals[i].encode(b)
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			v.encode(b)
		}
		b.WriteByte(']')
	case 's':
		writeString(b, n.str)
	default:
		b.WriteString(n.raw)
	}
}

func writeString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // marshalling a string cannot fail
	b.Write(q)
}

// fixNode walks n along the Go type t it was encoded from: decimals become
// numbers, and the top-level fields named in st become strings.
func fixNode(n *jnode, t reflect.Type, st wireStyle) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == decimalType:
		if n.kind == 's' {
			if _, err := decimal.NewFromString(n.str); err == nil {
				n.kind, n.raw = 'v', n.str
			}
		}
	case t.Kind() == reflect.Struct:
		if n.kind != '{' {
			return
		}
		fields := jsonFields(t)
		for i, k := range n.keys {
			ft, ok := fields[k]
			if !ok {
				continue
			}
			child := n.vals[i]
			if places, quoted := st[k]; quoted {
				quote(child, ft, places)
				continue
			}
			fixNode(child, ft, nil)
		}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		if n.kind == '[' {
			for _, v := range n.vals {
				fixNode(v, t.Elem(), nil)
			}
		}
	case t.Kind() == reflect.Map:
		if n.kind == '{' {
			for _, v := range n.vals {
				fixNode(v, t.Elem(), nil)
			}
		}
	}
}

// quote turns a scalar into a string, printing decimals with the given
// number of fractional digits.
func quote(n *jnode, t reflect.Type, places int) {
	switch n.kind {
	case 's':
		if t == decimalType && places >= 0 {
			if d, err := decimal.NewFromString(n.str); err == nil {
				n.str = d.StringFixed(int32(places))
			}
		}
	case 'v':
		if n.raw == "null" {
			return
		}
		s := n.raw
		if t == decimalType && places >= 0 {
			if d, err := decimal.NewFromString(s); err == nil {
				s = d.StringFixed(int32(places))
			}
		}
		n.kind, n.str = 's', s
	}
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps a struct's JSON names to field types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}
