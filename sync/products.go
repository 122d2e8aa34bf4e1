package sync

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// productsState is the products stream's checkpoint.
type productsState struct {
	Version int `json:"version"`
	// Cursor is the start of the last pass that completed: everything
	// modified before it is in Ramp.
	Cursor time.Time `json:"cursor,omitzero"`
	// Skus maps ExternalRef to what Ramp holds.
	Skus map[string]synced `json:"skus"`
	// Families keeps every family seen, by normalised ID, so a changed
	// member product can be named without re-reading its family.
	Families map[string]cin7core.ProductFamily `json:"families"`
	// Retry lists products to re-read next pass (quarantined failures),
	// with the reason.
	Retry map[string]string `json:"retry,omitempty"`
}

func (e *Engine) skuOps() entity[ramp.Sku] {
	return entity[ramp.Sku]{
		find:     e.cfg.Sink.FindSku,
		findLive: e.cfg.Sink.FindSku,
		create:   e.cfg.Sink.CreateSku,
		update:   e.cfg.Sink.UpdateSku,
		key: func(s ramp.Sku) ramp.Sku {
			s.ID, s.DateCreated, s.DateLastModified = "", time.Time{}, time.Time{}
			return s
		},
		id:       func(s *ramp.Sku) string { return s.ID },
		setID:    func(s *ramp.Sku, id string) { s.ID = id },
		archived: func(s *ramp.Sku) bool { return s.Archived },
	}
}

// syncProducts reads families and products changed since the cursor (less
// the lookback), maps each product once (through its family when it has
// one) and upserts the SKUs. The cursor advances to this pass's start only
// when every record has reached Ramp or been quarantined for retry.
func (e *Engine) syncProducts(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	st := productsState{Version: 1}
	if err := e.load(ctx, StreamProducts, &st); err != nil {
		return err
	}
	if st.Skus == nil {
		st.Skus = map[string]synced{}
	}
	if st.Families == nil {
		st.Families = map[string]cin7core.ProductFamily{}
	}
	if st.Retry == nil {
		st.Retry = map[string]string{}
	}
	passStart := e.cfg.Now().UTC()
	var since time.Time
	if !st.Cursor.IsZero() {
		since = st.Cursor.Add(-e.cfg.Lookback)
	}

	// Families first, so every product in this pass is routed correctly.
	changedFamilies := map[string]bool{}
	for page, err := range e.cfg.Source.FamilyPages(ctx, since) {
		if err != nil {
			return err
		}
		for _, f := range page {
			id := cin7core.NormalizeID(f.ID)
			if id == "" {
				continue
			}
			f.Attachments = nil // not needed to map; keeps the state small
			st.Families[id] = f
			changedFamilies[id] = true
		}
	}
	idx := mapping.FamilyIndex{}
	for _, f := range st.Families {
		idx.Add(f)
	}

	ops := e.skuOps()
	if len(st.Skus) == 0 {
		var err error
		if ops, err = indexed(ops, e.cfg.Sink.AllSkus(ctx), func(s *ramp.Sku) string { return s.ExternalRef }); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	handle := func(p cin7core.Product) error {
		id := cin7core.NormalizeID(p.ID)
		if id == "" || seen[id] {
			return nil
		}
		seen[id] = true
		sr.Read++
		var (
			sku    ramp.Sku
			reason mapping.SkipReason
			err    error
		)
		if fid := idx.FamilyOf(id); fid != "" {
			sku, reason, err = e.cfg.Rules.FamilyMember(st.Families[fid], p)
		} else {
			sku, reason, err = e.cfg.Rules.Product(p)
		}
		switch {
		case err != nil:
			st.Retry[id] = err.Error()
			sr.fail(Failure{ID: id, Name: p.Name, Stage: "mapping", Reason: err.Error()})
			return nil
		case reason != "":
			delete(st.Retry, id)
			sr.skip(string(reason))
			return nil
		}
		o, err := upsert(ctx, ops, st.Skus, id, sku)
		var re *recordError
		switch {
		case errors.As(err, &re):
			st.Retry[id] = err.Error()
			log.Warn("sku quarantined", slog.String("id", id), slog.String("reason", err.Error()))
			sr.fail(Failure{ID: id, Name: sku.Name, Stage: "ramp", Reason: err.Error()})
			return nil
		case err != nil:
			return err
		}
		delete(st.Retry, id)
		count(sr, o)
		return nil
	}

	stop := func(err error) error {
		// Keep what reached Ramp; the cursor stays where it was.
		if serr := e.save(ctx, StreamProducts, st); serr != nil {
			return errors.Join(err, serr)
		}
		return err
	}
	for page, err := range e.cfg.Source.ProductPages(ctx, since) {
		if err != nil {
			return stop(err)
		}
		for _, p := range page {
			if err := handle(p); err != nil {
				return stop(err)
			}
		}
		if err := e.save(ctx, StreamProducts, st); err != nil {
			return err
		}
	}

	// Products that need a pass but were not in the change list: members
	// of families that changed (their names derive from the family) and
	// records quarantined last time.
	var extra []string
	for fid := range changedFamilies {
		for _, m := range st.Families[fid].Products {
			if id := cin7core.NormalizeID(m.ID); !seen[id] {
				extra = append(extra, id)
			}
		}
	}
	for id := range st.Retry {
		if !seen[id] {
			extra = append(extra, id)
		}
	}
	for _, id := range extra {
		if seen[id] {
			continue
		}
		p, err := e.cfg.Source.Product(ctx, id)
		if errors.Is(err, cin7core.ErrNotFound) {
			seen[id] = true
			delete(st.Retry, id)
			sr.fail(Failure{ID: id, Stage: "read", Reason: "product no longer exists in Cin7 Core"})
			continue
		}
		if err != nil {
			return stop(err)
		}
		if err := handle(*p); err != nil {
			return stop(err)
		}
	}
	st.Cursor = passStart
	return e.save(ctx, StreamProducts, st)
}
