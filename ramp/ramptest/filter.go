package ramptest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cin7ramp/cin7ramp/ramp"
)

// This file is the fake's OData $filter engine: the subset the SDK's
// builder emits (comparisons, contains, and/or/not, parentheses). It is a
// parser, not a pattern match, so a quoted value can never be read as
// syntax: that is what the injection tests rely on.

type valKind int

const (
	kNull valKind = iota
	kString
	kBool
	kNumber
	kTime
)

// String names the kind in filter error messages.
func (k valKind) String() string {
	return [...]string{"null", "string", "boolean", "number", "datetime"}[k]
}

type value struct {
	kind valKind
	s    string
	b    bool
	n    float64
	t    time.Time
}

// fieldDef is one filterable property: its type and how to read it.
type fieldDef struct {
	typ valKind
	get func(rec any) value
}

func str(s string) value { return value{kind: kString, s: s} }

// optStr reads an optional string property: empty means null, as an
// omitted JSON property would be.
func optStr(s string) value {
	if s == "" {
		return value{}
	}
	return str(s)
}

func num(n float64) value { return value{kind: kNumber, n: n} }

func boolean(b bool) value { return value{kind: kBool, b: b} }

func tm(t time.Time) value {
	if t.IsZero() {
		return value{}
	}
	return value{kind: kTime, t: t}
}

var placeFields = map[string]fieldDef{
	"Id":               {kString, func(r any) value { return str(r.(*ramp.Place).ID) }},
	"ExternalRef":      {kString, func(r any) value { return str(r.(*ramp.Place).ExternalRef) }},
	"Name":             {kString, func(r any) value { return str(r.(*ramp.Place).Name) }},
	"Description":      {kString, func(r any) value { return optStr(r.(*ramp.Place).Description) }},
	"ParentPlaceId":    {kString, func(r any) value { return optStr(r.(*ramp.Place).ParentPlaceID) }},
	"Archived":         {kBool, func(r any) value { return boolean(r.(*ramp.Place).Archived) }},
	"DateCreated":      {kTime, func(r any) value { return tm(r.(*ramp.Place).DateCreated) }},
	"DateLastModified": {kTime, func(r any) value { return tm(r.(*ramp.Place).DateLastModified) }},
}

var skuFields = map[string]fieldDef{
	"Id":               {kString, func(r any) value { return str(r.(*ramp.Sku).ID) }},
	"ExternalRef":      {kString, func(r any) value { return str(r.(*ramp.Sku).ExternalRef) }},
	"Name":             {kString, func(r any) value { return str(r.(*ramp.Sku).Name) }},
	"SkuNumber":        {kString, func(r any) value { return str(r.(*ramp.Sku).SkuNumber) }},
	"Description":      {kString, func(r any) value { return optStr(r.(*ramp.Sku).Description) }},
	"Barcode":          {kString, func(r any) value { return optStr(r.(*ramp.Sku).Barcode) }},
	"Category":         {kString, func(r any) value { return optStr(r.(*ramp.Sku).Category) }},
	"Brand":            {kString, func(r any) value { return optStr(r.(*ramp.Sku).Brand) }},
	"UnitOfMeasure":    {kString, func(r any) value { return optStr(r.(*ramp.Sku).UnitOfMeasure) }},
	"TrackingMode":     {kString, func(r any) value { return str(string(r.(*ramp.Sku).TrackingMode)) }},
	"TracksExpiry":     {kBool, func(r any) value { return boolean(r.(*ramp.Sku).TracksExpiry) }},
	"Archived":         {kBool, func(r any) value { return boolean(r.(*ramp.Sku).Archived) }},
	"DateCreated":      {kTime, func(r any) value { return tm(r.(*ramp.Sku).DateCreated) }},
	"DateLastModified": {kTime, func(r any) value { return tm(r.(*ramp.Sku).DateLastModified) }},
}

// node is a parsed filter; match reports whether a record satisfies it.
type node interface {
	match(rec any) bool
}

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ n node }
type trueNode struct{}

type cmpNode struct {
	name  string
	field fieldDef
	op    string
	lit   value
}

type containsNode struct {
	field fieldDef
	sub   string
}

func (n andNode) match(rec any) bool { return n.l.match(rec) && n.r.match(rec) }
func (n orNode) match(rec any) bool  { return n.l.match(rec) || n.r.match(rec) }
func (n notNode) match(rec any) bool { return !n.n.match(rec) }
func (trueNode) match(any) bool      { return true }

func (n containsNode) match(rec any) bool {
	v := n.field.get(rec)
	return v.kind == kString && strings.Contains(v.s, n.sub)
}

func (n cmpNode) match(rec any) bool {
	v := n.field.get(rec)
	if v.kind == kNull || n.lit.kind == kNull {
		same := v.kind == n.lit.kind
		switch n.op {
		case "eq":
			return same
		case "ne":
			return !same
		}
		return false // ordering against null is never true
	}
	var c int
	switch v.kind {
	case kString:
		c = strings.Compare(v.s, n.lit.s)
	case kBool:
		if v.b == n.lit.b {
			c = 0
		} else {
			c = 1
		}
	case kTime:
		c = v.t.Compare(n.lit.t)
	case kNumber:
		switch {
		case v.n < n.lit.n:
			c = -1
		case v.n > n.lit.n:
			c = 1
		}
	}
	switch n.op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tTime
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string // identifier text, or the decoded string literal
	num  float64
	t    time.Time
	pos  int
}

func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tLParen, pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tRParen, pos: i})
			i++
		case c == ',':
			toks = append(toks, token{kind: tComma, pos: i})
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(src) {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(src[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal at %d", start)
			}
			toks = append(toks, token{kind: tString, text: b.String(), pos: start})
		case isIdentStart(c):
			start := i
			for i < len(src) && (isIdentStart(src[i]) || isDigit(src[i]) || src[i] == '/') {
				i++
			}
			toks = append(toks, token{kind: tIdent, text: src[start:i], pos: start})
		case isDigit(c) || c == '-':
			start := i
			for i < len(src) && (isDigit(src[i]) || isIdentStart(src[i]) || strings.IndexByte(".:+-", src[i]) >= 0) {
				i++
			}
			lit := src[start:i]
			if t, err := time.Parse(time.RFC3339Nano, lit); err == nil {
				toks = append(toks, token{kind: tTime, t: t, text: lit, pos: start})
			} else if f, err := strconv.ParseFloat(lit, 64); err == nil {
				toks = append(toks, token{kind: tNumber, num: f, text: lit, pos: start})
			} else {
				return nil, fmt.Errorf("bad literal %q at %d", lit, start)
			}
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, fmt.Errorf("unexpected character %q at %d", r, i)
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

func isIdentStart(c byte) bool { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

type parser struct {
	toks   []token
	i      int
	fields map[string]fieldDef
	depth  int
}

// parseFilter parses src against the given fields; an empty filter
// matches everything.
func parseFilter(src string, fields map[string]fieldDef) (node, error) {
	if strings.TrimSpace(src) == "" {
		return trueNode{}, nil
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, fields: fields}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected %s at %d", describe(t), t.pos)
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

// next consumes a token; it never moves past the final EOF token.
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) keyword(k string) bool {
	if t := p.peek(); t.kind == tIdent && t.text == k {
		p.i++
		return true
	}
	return false
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) and() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) unary() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 100 {
		return nil, fmt.Errorf("filter nested too deeply")
	}
	if p.keyword("not") {
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch {
	case t.kind == tLParen:
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, fmt.Errorf("expected ')' at %d, found %s", c.pos, describe(c))
		}
		return n, nil
	case t.kind == tIdent && t.text == "contains" && p.peek().kind == tLParen:
		p.next()
		f, name, err := p.field()
		if err != nil {
			return nil, err
		}
		if f.typ != kString {
			return nil, fmt.Errorf("contains needs a string property; %s is %s", name, f.typ)
		}
		if c := p.next(); c.kind != tComma {
			return nil, fmt.Errorf("expected ',' at %d, found %s", c.pos, describe(c))
		}
		s := p.next()
		if s.kind != tString {
			return nil, fmt.Errorf("contains needs a string literal at %d, found %s", s.pos, describe(s))
		}
		if c := p.next(); c.kind != tRParen {
			return nil, fmt.Errorf("expected ')' at %d, found %s", c.pos, describe(c))
		}
		return containsNode{field: f, sub: s.text}, nil
	case t.kind == tIdent:
		p.i--
		f, name, err := p.field()
		if err != nil {
			return nil, err
		}
		op := p.next()
		switch op.text {
		case "eq", "ne", "gt", "ge", "lt", "le":
		default:
			return nil, fmt.Errorf("expected a comparison operator after %s at %d, found %s", name, op.pos, describe(op))
		}
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		if lit.kind != kNull && lit.kind != f.typ {
			return nil, fmt.Errorf("cannot compare %s (%s) with a %s", name, f.typ, lit.kind)
		}
		if f.typ == kBool && op.text != "eq" && op.text != "ne" {
			return nil, fmt.Errorf("operator %s is not defined for boolean %s", op.text, name)
		}
		return cmpNode{name: name, field: f, op: op.text, lit: lit}, nil
	}
	return nil, fmt.Errorf("unexpected %s at %d", describe(t), t.pos)
}

func (p *parser) field() (fieldDef, string, error) {
	t := p.next()
	if t.kind != tIdent {
		return fieldDef{}, "", fmt.Errorf("expected a property name at %d, found %s", t.pos, describe(t))
	}
	f, ok := p.fields[t.text]
	if !ok {
		return fieldDef{}, "", fmt.Errorf("unknown property %q", t.text)
	}
	return f, t.text, nil
}

func (p *parser) literal() (value, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return str(t.text), nil
	case tNumber:
		return value{kind: kNumber, n: t.num}, nil
	case tTime:
		return value{kind: kTime, t: t.t}, nil
	case tIdent:
		switch t.text {
		case "true":
			return boolean(true), nil
		case "false":
			return boolean(false), nil
		case "null":
			return value{}, nil
		}
	}
	return value{}, fmt.Errorf("expected a literal at %d, found %s", t.pos, describe(t))
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tIdent:
		return fmt.Sprintf("%q", t.text)
	case tString:
		return "a string literal"
	case tNumber, tTime:
		return fmt.Sprintf("literal %s", t.text)
	case tLParen:
		return "'('"
	case tRParen:
		return "')'"
	case tComma:
		return "','"
	}
	return "token"
}
