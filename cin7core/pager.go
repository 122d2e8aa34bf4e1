package cin7core

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"sync"

	"github.com/cin7ramp/cin7ramp/internal/httpx"
)

// Page is one page of a list.
type Page[T any] struct {
	// Number is the 1-based page number.
	Number int
	// Items are the page's records that decoded.
	Items []T
	// Invalid lists the page's records that did not decode; they are left
	// out of Items rather than failing the whole page.
	Invalid []*RowError
	// Total is the API's count of all matching records; valid only when
	// HasTotal (some endpoints leave it out).
	Total    int
	HasTotal bool
	// Last is true when no page follows this one.
	Last bool
}

// RowError is a record of a list page that could not be decoded (a value
// of the wrong shape in one field). The rest of the page is still usable.
type RowError struct {
	// Page and Index locate the record (Index is 0-based within the page).
	Page, Index int
	// ID is the record's ID when it could be read, else "".
	ID string
	// Raw is the record as received (truncated).
	Raw string
	Err error
}

// Error locates the record and says why it did not decode.
func (e *RowError) Error() string {
	return fmt.Sprintf("cin7core: record %d of page %d (ID %q) cannot be decoded: %v", e.Index, e.Page, e.ID, e.Err)
}

// Is makes a *RowError match ErrBadResponse.
func (e *RowError) Is(target error) bool { return target == ErrBadResponse }

// Unwrap returns the decoding error.
func (e *RowError) Unwrap() error { return e.Err }

// pageResult is what a fetch returns for one page.
type pageResult[T any] struct {
	items []T
	bad   []*RowError
	total *Int
}

// Pager walks a paged list. Range over [Pager.All] for records or
// [Pager.Pages] for whole pages (to checkpoint between them); [Pager.Next]
// tells the page to resume from. A Pager is not safe for concurrent use
// and fetches nothing until ranged over.
type Pager[T any] struct {
	fetch func(ctx context.Context, page, limit int) (*pageResult[T], error)
	limit int
	next  int
	done  bool
	// seen counts records received so far, for stopping on Total.
	seen int
	// prints remembers each page's fingerprint, to stop a server that
	// serves the same page forever.
	prints map[[32]byte]int
}

func newResultPager[T any](fetch func(ctx context.Context, page, limit int) (*pageResult[T], error), limit, start int) *Pager[T] {
	if limit <= 0 || limit > DefaultPageSize {
		limit = DefaultPageSize
	}
	if start < 1 {
		start = 1
	}
	// Pages before start count as received, so stopping on Total works
	// when resuming.
	return &Pager[T]{fetch: fetch, limit: limit, next: start, seen: (start - 1) * limit}
}

// newListPager reads a standard list endpoint: {"Total","Page","<key>":[...]}.
// query builds the filters; paging parameters are added to it.
func newListPager[T any](c *Client, path, key string, query func() (url.Values, error), limit, start int) *Pager[T] {
	return newResultPager(func(ctx context.Context, page, limit int) (*pageResult[T], error) {
		q, err := query()
		if err != nil {
			return nil, err
		}
		setPage(q, page, limit)
		return getList[T](ctx, c, path, key, q, page)
	}, limit, start)
}

// getList fetches one page of a list endpoint. The list key must be in the
// answer: a body without it (an error or a page of another shape with
// status 200) is ErrBadResponse, never an empty page. Records that do not
// decode are set aside as RowErrors.
func getList[T any](ctx context.Context, c *Client, path, key string, q url.Values, page int) (*pageResult[T], error) {
	resp, err := c.pipe.Do(ctx, httpx.Request{Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return nil, c.typed(err, http.MethodGet, path)
	}
	// The page is decoded straight from the response body: one scan in
	// the common case, a second only when a record is malformed.
	raw := resp.Body
	typ := envelopeType(reflect.TypeFor[T](), key)
	env := reflect.New(typ)
	fast := len(raw) > 0 && json.Unmarshal(raw, env.Interface()) == nil
	var res pageResult[T]
	if fast {
		res.total, _ = env.Elem().Field(0).Interface().(*Int)
		items := env.Elem().Field(2)
		if items.IsNil() {
			if isEnvelope(env.Elem(), res.total) {
				return &res, nil // an empty list sent as null
			}
			return nil, missingList(path, key, res.total)
		}
		res.items = items.Interface().([]T)
		return &res, nil
	}
	// Slow path: one record is malformed. Decode row by row so the others
	// still sync and the bad one is named.
	rawEnv := reflect.New(envelopeType(reflect.TypeFor[json.RawMessage](), key))
	if err := json.Unmarshal(raw, rawEnv.Interface()); err != nil {
		red := c.pipe.Redactor()
		return nil, &APIError{StatusCode: 200, Method: "GET", URL: path, Message: "cannot decode list page: " + red.String(err.Error()), Body: snippet([]byte(red.String(string(raw)))), kind: ErrBadResponse}
	}
	res.total, _ = rawEnv.Elem().Field(0).Interface().(*Int)
	rows := rawEnv.Elem().Field(2)
	if rows.IsNil() {
		if isEnvelope(rawEnv.Elem(), res.total) {
			return &res, nil
		}
		return nil, missingList(path, key, res.total)
	}
	for i, r := range rows.Interface().([]json.RawMessage) {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			red := c.pipe.Redactor()
			res.bad = append(res.bad, &RowError{Page: page, Index: i, ID: rowID(r), Raw: snippet([]byte(red.String(string(r)))), Err: redactErr(red, err)})
			continue
		}
		res.items = append(res.items, v)
	}
	return &res, nil
}

// isEnvelope tells an empty page whose list is null or absent (it still
// has the envelope's Page, or a Total of 0) from a body that is no page at
// all ({}, null, an error of an unknown shape).
func isEnvelope(env reflect.Value, total *Int) bool {
	page, _ := env.Field(1).Interface().(*Int)
	if total != nil {
		return *total == 0
	}
	return page != nil
}

func missingList(path, key string, total *Int) error {
	msg := fmt.Sprintf("response has no %q list", key)
	if total != nil {
		msg += fmt.Sprintf(" (Total %d)", int(*total))
	}
	return &APIError{StatusCode: 200, Method: "GET", URL: path, Message: msg, kind: ErrBadResponse}
}

// rowID digs the ID out of a record that failed to decode.
func rowID(raw json.RawMessage) string {
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) != nil {
		return ""
	}
	for _, k := range []string{"ID", "TaskID", "SaleID", "ProductID"} {
		var s string
		if json.Unmarshal(probe[k], &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

var envelopeTypes sync.Map // envelopeKey -> reflect.Type

type envelopeKey struct {
	elem reflect.Type
	key  string
}

// envelopeType builds (once) struct{ Total, Page *Int; Items []T
// `json:"<key>"` }, so a page decodes in one pass whatever its list key.
func envelopeType(elem reflect.Type, key string) reflect.Type {
	k := envelopeKey{elem, key}
	if t, ok := envelopeTypes.Load(k); ok {
		return t.(reflect.Type)
	}
	t := reflect.StructOf([]reflect.StructField{
		{Name: "Total", Type: reflect.TypeFor[*Int](), Tag: `json:"Total"`},
		{Name: "Page", Type: reflect.TypeFor[*Int](), Tag: `json:"Page"`},
		{Name: "Items", Type: reflect.SliceOf(elem), Tag: reflect.StructTag(fmt.Sprintf("json:%q", key))},
	})
	envelopeTypes.Store(k, t)
	return t
}

// Next returns the page number the pager will fetch next; pass it back as
// the list options' Page to resume after a crash.
func (p *Pager[T]) Next() int { return p.next }

// Done reports whether the last page has been read.
func (p *Pager[T]) Done() bool { return p.done }

// PageSize is the Limit sent with every request.
func (p *Pager[T]) PageSize() int { return p.limit }

// Pages yields pages until the list ends, an error occurs (yielded once,
// then iteration stops) or the loop breaks. The list ends on an empty
// page, once the records received reach Total, or on a short page when the
// API sends no Total. A server that serves the same page again without a
// Total is an ErrBadResponse, not an endless loop.
func (p *Pager[T]) Pages(ctx context.Context) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		for !p.done {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			res, err := p.fetch(ctx, p.next, p.limit)
			if err != nil {
				yield(nil, err)
				return
			}
			pg := &Page[T]{Number: p.next, Items: res.items, Invalid: res.bad}
			if res.total != nil {
				pg.Total, pg.HasTotal = int(*res.total), true
			}
			received := len(res.items) + len(res.bad)
			p.seen += received
			switch {
			case received == 0:
				pg.Last = true
			case pg.HasTotal:
				pg.Last = p.seen >= pg.Total
			default:
				pg.Last = received < p.limit
			}
			// Without Total nothing else would stop a server that ignores
			// Page. (With Total, the count stops it, and a page equal to an
			// earlier one is what a list growing by exactly a page between
			// reads looks like: not an error.)
			if !pg.Last && !pg.HasTotal && received > 0 {
				if prev, dup := p.fingerprint(pg); dup {
					yield(nil, &APIError{StatusCode: 200, Method: "GET", Message: fmt.Sprintf("page %d repeats page %d: the server ignores paging", pg.Number, prev), kind: ErrBadResponse})
					return
				}
			}
			p.next++
			p.done = pg.Last
			if !yield(pg, nil) {
				return
			}
		}
	}
}

// fingerprint records a page's first and last records and reports whether
// an earlier page had the same ones.
func (p *Pager[T]) fingerprint(pg *Page[T]) (int, bool) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if n := len(pg.Items); n > 0 {
		_ = enc.Encode(pg.Items[0])
		_ = enc.Encode(pg.Items[n-1])
		fmt.Fprint(&b, n)
	}
	for _, r := range pg.Invalid {
		b.WriteString(r.Raw)
	}
	sum := sha256.Sum256(b.Bytes())
	if p.prints == nil {
		p.prints = map[[32]byte]int{}
	}
	if prev, ok := p.prints[sum]; ok {
		return prev, true
	}
	p.prints[sum] = pg.Number
	return 0, false
}

// All yields every record of every remaining page. A record that cannot be
// decoded is yielded as (zero value, *RowError) and iteration goes on; any
// other error is yielded once and ends it. Next moves on a whole page at a
// time, so to checkpoint, range over Pages instead.
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for pg, err := range p.Pages(ctx) {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range pg.Items {
				if !yield(it, nil) {
					return
				}
			}
			for _, bad := range pg.Invalid {
				if !yield(zero, bad) {
					return
				}
			}
		}
	}
}

// Collect reads every remaining record into a slice. Records that cannot
// be decoded are left out and reported together in the error (matching
// ErrBadResponse), after the rest have been read.
func (p *Pager[T]) Collect(ctx context.Context) ([]T, error) {
	var out []T
	var bad []error
	for it, err := range p.All(ctx) {
		var re *RowError
		switch {
		case errors.As(err, &re):
			bad = append(bad, err)
		case err != nil:
			return out, err
		default:
			out = append(out, it)
		}
	}
	return out, errors.Join(bad...)
}

// redactErr rewrites an error's text without secrets (decoding errors
// quote the offending value).
func redactErr(red *httpx.Redactor, err error) error {
	if msg := red.String(err.Error()); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}
