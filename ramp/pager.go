package ramp

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cin7ramp/cin7ramp/internal/httpx"
)

// ListOptions narrow and position a list.
type ListOptions struct {
	// Filter selects records; the zero Filter selects all.
	Filter Filter
	// PageSize is the $top sent; 0 means DefaultPageSize, and larger
	// values are capped at DefaultPageSize (the contract's maximum).
	PageSize int
	// Skip is how many records to pass over first: a Pager's Skip(), to
	// resume a walk.
	Skip int
}

// Page is one page of a list.
type Page[T any] struct {
	// Items are the page's records.
	Items []T
	// Skip is the position of the first item in the whole list.
	Skip int
	// Count is the server's total of matching records; valid only when
	// HasCount.
	Count    int
	HasCount bool
	// Last is true when no page follows this one.
	Last bool
}

// pageEnvelope is the contract's list answer.
type pageEnvelope[T any] struct {
	Items        *[]T    `json:"Items"`
	NextPageLink *string `json:"NextPageLink"`
	Count        *int    `json:"Count"`
}

// Pager walks a paged list. Range over [Pager.All] for records or
// [Pager.Pages] for whole pages (to checkpoint between them); [Pager.Skip]
// tells the position to resume from. A Pager is not safe for concurrent
// use and fetches nothing until ranged over.
type Pager[T any] struct {
	client *Client
	path   string
	filter Filter
	size   int
	skip   int
	// next is the server's NextPageLink, already checked and split into
	// a pipeline path and query.
	next     *httpx.Request
	nextLink string
	// links and prints remember what was already read, so a server that
	// loops its links or ignores $skip ends in an error, not forever.
	links  map[string]bool
	prints map[[32]byte]bool
	done   bool
	err    error
}

func newPager[T any](c *Client, path string, opts *ListOptions) *Pager[T] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	p := &Pager[T]{client: c, path: path, filter: o.Filter, size: o.PageSize, skip: o.Skip}
	if p.size <= 0 || p.size > DefaultPageSize {
		p.size = DefaultPageSize
	}
	switch {
	case o.Filter.Err() != nil:
		p.err = o.Filter.Err()
	case o.Skip < 0:
		p.err = &ValidationError{Field: "Skip", Reason: "must not be negative"}
	}
	return p
}

// Skip returns the position of the next record the pager will read; pass
// it back as ListOptions.Skip (with the same filter) to resume.
func (p *Pager[T]) Skip() int { return p.skip }

// Done reports whether the last page has been read.
func (p *Pager[T]) Done() bool { return p.done }

// PageSize is the $top sent with every request the pager builds.
func (p *Pager[T]) PageSize() int { return p.size }

// Pages yields pages until the list ends, an error occurs (yielded once,
// then iteration stops) or the loop breaks. The pager follows the server's
// NextPageLink when there is one; otherwise the list ends when Count is
// reached or on a short or empty page.
func (p *Pager[T]) Pages(ctx context.Context) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		if p.err != nil {
			yield(nil, p.err)
			return
		}
		for !p.done {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			pg, err := p.fetch(ctx)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(pg, nil) {
				return
			}
		}
	}
}

func (p *Pager[T]) fetch(ctx context.Context) (*Page[T], error) {
	req := httpx.Request{Method: http.MethodGet, Path: p.path, Query: p.query(p.skip, p.size)}
	if p.next != nil {
		req = *p.next
	}
	c := p.client
	if err := c.auth.ensure(ctx); err != nil {
		return nil, err
	}
	resp, err := c.pipe.Do(withCall(ctx), req)
	if err != nil {
		return nil, err
	}
	var env pageEnvelope[T]
	if err := decodeObject(c.pipe.Redactor(), resp, &env); err != nil {
		return nil, err
	}
	if env.Items == nil {
		return nil, badResponse(c.pipe.Redactor(), resp, "list response has no Items")
	}
	items := *env.Items
	pg := &Page[T]{Items: items, Skip: p.skip}
	if env.Count != nil {
		pg.Count, pg.HasCount = *env.Count, true
	}
	var next *httpx.Request
	link := ""
	if env.NextPageLink != nil {
		link = strings.TrimSpace(*env.NextPageLink)
	}
	switch {
	case len(items) == 0:
		pg.Last = true
	case link != "":
		if p.links[link] {
			return nil, badResponse(c.pipe.Redactor(), resp, "NextPageLink points to a page already read")
		}
		next, err = c.followLink(path2URL(c, req), link)
		if err != nil {
			return nil, err
		}
	case pg.HasCount:
		pg.Last = p.skip+len(items) >= pg.Count
	default:
		pg.Last = len(items) < p.size
	}
	// Only a list without Count needs this: Count (or a link set) stops
	// the others, and a page equal to an earlier one can be a list that
	// grew by a page between reads.
	if !pg.Last && !pg.HasCount && link == "" && p.repeats(items) {
		return nil, badResponse(c.pipe.Redactor(), resp, "page repeats an earlier page: the server ignores paging")
	}
	p.skip += len(items)
	p.next, p.nextLink = next, link
	if link != "" {
		if p.links == nil {
			p.links = map[string]bool{}
		}
		p.links[link] = true
	}
	p.done = pg.Last
	return pg, nil
}

func (p *Pager[T]) query(skip, top int) url.Values {
	q := url.Values{}
	if f := p.filter.String(); f != "" {
		q.Set(ParamFilter, f)
	}
	q.Set(ParamTop, strconv.Itoa(top))
	q.Set(ParamSkip, strconv.Itoa(skip))
	q.Set(ParamCount, "true")
	return q
}

// path2URL rebuilds the absolute URL of a request, so a relative
// NextPageLink resolves the way a browser would.
func path2URL(c *Client, req httpx.Request) *url.URL {
	u := *c.base
	u.Path += strings.TrimLeft(req.Path, "/")
	u.RawQuery = req.Query.Encode()
	return &u
}

// followLink checks a NextPageLink and turns it into a request. A link to
// another host (or scheme, or outside the tenant's base path) is refused:
// the token would go with it.
func (c *Client) followLink(from *url.URL, link string) (*httpx.Request, error) {
	red := c.pipe.Redactor()
	ref, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("ramp: NextPageLink is not a URL: %w", ErrBadResponse)
	}
	u := from.ResolveReference(ref)
	if u.Scheme != c.base.Scheme || !strings.EqualFold(u.Host, c.base.Host) || u.User != nil {
		return nil, fmt.Errorf("ramp: NextPageLink %s points away from the tenant %s: %w", red.URL(u), c.base.Host, ErrBadResponse)
	}
	if !strings.HasPrefix(u.Path, c.base.Path) {
		return nil, fmt.Errorf("ramp: NextPageLink %s is outside the tenant base path %s: %w", red.URL(u), c.base.Path, ErrBadResponse)
	}
	rel := strings.TrimPrefix(u.Path, c.base.Path)
	for _, seg := range strings.Split(rel, "/") {
		if seg == ".." {
			return nil, fmt.Errorf("ramp: NextPageLink %s has '..' segments: %w", red.URL(u), ErrBadResponse)
		}
	}
	return &httpx.Request{Method: http.MethodGet, Path: rel, Query: u.Query()}, nil
}

// rewind makes Skip point just after the last record handed out when a
// loop over All stops mid-page; the rest of the page is fetched again.
func (p *Pager[T]) rewind(skip int) {
	if skip == p.skip {
		return
	}
	p.skip, p.next, p.nextLink, p.done = skip, nil, "", false
	p.links, p.prints = nil, nil
}

// All yields every record of every remaining page.
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for pg, err := range p.Pages(ctx) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for i, it := range pg.Items {
				if !yield(it, nil) {
					p.rewind(pg.Skip + i + 1)
					return
				}
			}
		}
	}
}

// Collect reads every remaining record into a slice.
func (p *Pager[T]) Collect(ctx context.Context) ([]T, error) {
	var out []T
	for it, err := range p.All(ctx) {
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}

// repeats records a page's first and last items and reports whether an
// earlier page began and ended the same way, which only a server ignoring
// $skip (or looping its links) produces.
func (p *Pager[T]) repeats(items []T) bool {
	first, _ := json.Marshal(items[0])
	last, _ := json.Marshal(items[len(items)-1])
	sum := sha256.Sum256(append(append(first, 0), last...))
	if p.prints == nil {
		p.prints = map[[32]byte]bool{}
	}
	if p.prints[sum] {
		return true
	}
	p.prints[sum] = true
	return false
}
