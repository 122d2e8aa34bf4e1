package cin7core

import (
	"context"
	"iter"
)

// Page is one page of a list.
type Page[T any] struct {
	// Number is the 1-based page number.
	Number int
	// Items are the page's records.
	Items []T
	// Total is the API's count of all matching records; valid only when
	// HasTotal (some endpoints leave it out).
	Total    int
	HasTotal bool
	// Last is true when no page follows this one.
	Last bool
}

type fetchFunc[T any] func(ctx context.Context, page, limit int) (items []T, total *Int, err error)

// Pager walks a paged list. Range over [Pager.All] for records or
// [Pager.Pages] for whole pages (to checkpoint between them); [Pager.Next]
// tells the page to resume from. A Pager is not safe for concurrent use
// and fetches nothing until ranged over.
type Pager[T any] struct {
	fetch fetchFunc[T]
	limit int
	next  int
	done  bool
}

func newPager[T any](fetch fetchFunc[T], limit, start int) *Pager[T] {
	if limit <= 0 || limit > DefaultPageSize {
		limit = DefaultPageSize
	}
	if start < 1 {
		start = 1
	}
	return &Pager[T]{fetch: fetch, limit: limit, next: start}
}

// Next returns the page number the pager will fetch next; pass it back as
// the list options' Page to resume after a crash.
func (p *Pager[T]) Next() int { return p.next }

// Done reports whether the last page has been read.
func (p *Pager[T]) Done() bool { return p.done }

// PageSize is the Limit sent with every request.
func (p *Pager[T]) PageSize() int { return p.limit }

// Pages yields pages until the list ends, an error occurs (yielded once,
// then iteration stops) or the loop breaks. The list ends on Total, or on
// a short page when the API sends no Total.
func (p *Pager[T]) Pages(ctx context.Context) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		for !p.done {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			items, total, err := p.fetch(ctx, p.next, p.limit)
			if err != nil {
				yield(nil, err)
				return
			}
			pg := &Page[T]{Number: p.next, Items: items}
			if total != nil {
				pg.Total, pg.HasTotal = int(*total), true
			}
			switch {
			case len(items) == 0:
				pg.Last = true
			case pg.HasTotal:
				pg.Last = p.next*p.limit >= pg.Total
			default:
				pg.Last = len(items) < p.limit
			}
			p.next++
			p.done = pg.Last
			if !yield(pg, nil) {
				return
			}
		}
	}
}

// All yields every record of every remaining page. Next moves on a whole
// page at a time, so to checkpoint, range over Pages instead.
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for pg, err := range p.Pages(ctx) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range pg.Items {
				if !yield(it, nil) {
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
