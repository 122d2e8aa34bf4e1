package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// productsState is the products stream's checkpoint.
type productsState struct {
	Version int `json:"version"`
	// Cursor is the start of the last products pass that read everything
	// it was asked for: everything modified before it is in Ramp or
	// quarantined.
	Cursor time.Time `json:"cursor"`
	// FamilyCursor is the same for the families stream.
	FamilyCursor time.Time `json:"family_cursor"`
	// Reread lists products whose family changed since they were last
	// synced (their names derive from it); the products stream re-reads
	// them by ID unless their own change brings them anyway.
	Reread map[string]bool `json:"reread,omitempty"`
	// Skus maps ExternalRef to what Ramp holds.
	Skus map[string]synced `json:"skus"`
	// Families keeps every family seen, by normalised ID, so a changed
	// member product can be named without re-reading its family.
	Families map[string]cin7core.ProductFamily `json:"families"`
	// Retry lists products Ramp refused last time (by ID, with the
	// reason); they are re-read and retried on the next pass.
	Retry map[string]string `json:"retry,omitempty"`
	// Quarantine lists products that cannot be read or mapped as they
	// are; they come back when they change in Cin7 Core (or the rules do).
	Quarantine map[string]string `json:"quarantine,omitempty"`
}

func (s *productsState) reset() { *s = productsState{Version: 1} }

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

// completeness checks that a paged read saw every record the server
// counted. Page-number paging over a list that changes while it is read
// can shift a record onto a page already read; the cursor must then stay
// put so the next pass reads again.
type completeness struct {
	ids   map[string]bool
	total int
}

func (c *completeness) add(id string, total int, hasTotal bool) {
	if c.ids == nil {
		c.ids = map[string]bool{}
	}
	if id != "" {
		c.ids[id] = true
	}
	if hasTotal && total > c.total {
		c.total = total
	}
}

func (c *completeness) missing() int { return max(0, c.total-len(c.ids)) }

// syncProducts reads families and products changed since the cursor (less
// the lookback), maps each product once (through its family when it has
// one) and upserts the SKUs. The cursor advances to this pass's start only
// when every record was read and has reached Ramp or been quarantined.
func (e *Engine) syncProducts(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	st := productsState{Version: 1}
	if err := e.load(ctx, StreamProducts, &st, log); err != nil {
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
	if st.Quarantine == nil {
		st.Quarantine = map[string]string{}
	}
	if st.Reread == nil {
		st.Reread = map[string]bool{}
	}
	passStart := e.cfg.Now().UTC()
	var since time.Time
	if !st.Cursor.IsZero() {
		since = st.Cursor.Add(-e.cfg.Lookback)
	}
	complete := true

	idx := familyIndex(st.Families)

	ops := planned(e, sr, "sku", e.skuOps(), func(s *ramp.Sku) string { return s.Name }, func(s *ramp.Sku) string { return s.ExternalRef }, func(s *ramp.Sku) bool { return s.Archived })
	if len(st.Skus) == 0 {
		var err error
		if ops, err = indexed(ops, e.cfg.Sink.AllSkus(ctx), func(s *ramp.Sku) string { return s.ExternalRef }); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	handle := func(p cin7core.Product) error {
		if err := ctx.Err(); err != nil {
			return err // shutting down: stop between records, never inside one
		}
		id := cin7core.NormalizeID(p.ID)
		if seen[id] {
			return nil
		}
		seen[id] = true
		sr.Read++
		if id == "" {
			sr.fail(Failure{Name: p.Name, Stage: "read", Reason: "product has no ID"})
			return nil
		}
		var (
			sku    ramp.Sku
			reason mapping.SkipReason
			err    error
		)
		fid := idx.FamilyOf(id)
		if fid != "" {
			sku, reason, err = e.cfg.Rules.FamilyMember(st.Families[fid], p)
		} else {
			sku, reason, err = e.cfg.Rules.Product(p)
		}
		switch {
		case err != nil:
			delete(st.Retry, id)
			st.Quarantine[id] = err.Error()
			sr.fail(Failure{ID: id, Name: p.Name, Stage: "mapping", Reason: err.Error()})
			return nil
		case reason != "":
			delete(st.Retry, id)
			delete(st.Quarantine, id)
			if prev, ok := st.Skus[id]; ok && prev.ID != "" {
				// It was a SKU and no longer qualifies (became a
				// service, say): archive it rather than leave it active.
				return e.archiveSku(ctx, ops, st.Skus, id, p, fid, st.Families, sr, log)
			}
			sr.skip(id, string(reason))
			return nil
		}
		delete(st.Quarantine, id)
		wctx, cancel := e.recordCtx(ctx)
		o, err := upsert(wctx, ops, st.Skus, id, sku)
		cancel()
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
		count(sr, o, id)
		return nil
	}

	stop := func(err error) error {
		// Keep what reached Ramp; the cursor stays where it was.
		if serr := e.save(ctx, StreamProducts, st); serr != nil {
			return errors.Join(err, serr)
		}
		return err
	}
	var prodRead completeness
	for page, err := range e.cfg.Source.ProductPages(ctx, since) {
		if err != nil {
			return stop(err)
		}
		// The checkpoint after a page is only needed when the page changed
		// something: re-saving the whole state after every unchanged page
		// would make a quiet pass cost O(records × pages).
		dirty := len(page.Invalid) > 0
		for _, p := range page.Items {
			prodRead.add(cin7core.NormalizeID(p.ID), page.Total, page.HasTotal)
			unchangedBefore, held := sr.Unchanged, len(st.Retry)+len(st.Quarantine)
			if err := handle(p); err != nil {
				return stop(err)
			}
			if sr.Unchanged == unchangedBefore || len(st.Retry)+len(st.Quarantine) != held {
				dirty = true
			}
		}
		for _, bad := range page.Invalid {
			id := cin7core.NormalizeID(bad.ID)
			prodRead.add(id, page.Total, page.HasTotal)
			sr.Read++
			if id != "" {
				seen[id] = true
				st.Quarantine[id] = bad.Err.Error()
			}
			sr.fail(Failure{ID: id, Stage: "read", Reason: bad.Error()})
		}
		if dirty {
			if err := e.save(ctx, StreamProducts, st); err != nil {
				return err
			}
		}
		e.progress(sr, sr.Read, page.Total)
	}
	if n := prodRead.missing(); n > 0 {
		sr.warn(fmt.Sprintf("%d products changed position while being read; the next pass reads them again", n))
		complete = false
	}

	// Products that need a pass but were not in the change list: members
	// of families that changed (their names derive from the family; the
	// families stream marks them) and products Ramp refused last time.
	extra := append(sortedKeys(st.Reread), sortedKeys(st.Retry)...)
	for _, id := range extra {
		if seen[id] || id == "" {
			continue
		}
		p, err := e.cfg.Source.Product(ctx, id)
		var re *cin7core.RowError
		switch {
		case errors.Is(err, cin7core.ErrNotFound):
			seen[id] = true
			delete(st.Retry, id)
			sr.fail(Failure{ID: id, Stage: "read", Reason: "product no longer exists in Cin7 Core"})
			continue
		case errors.As(err, &re):
			seen[id] = true
			delete(st.Retry, id)
			st.Quarantine[id] = re.Err.Error()
			sr.fail(Failure{ID: id, Stage: "read", Reason: re.Error()})
			continue
		case err != nil:
			return stop(err)
		}
		if err := handle(*p); err != nil {
			return stop(err)
		}
	}
	for id := range st.Reread {
		if seen[id] {
			delete(st.Reread, id)
		}
	}
	sr.Quarantined = len(st.Retry) + len(st.Quarantine)
	if complete {
		st.Cursor = passStart
	}
	return e.save(ctx, StreamProducts, st)
}

// syncFamilies reads the product families changed since its cursor (less
// the lookback) and keeps them in the products stream's state, where the
// products stream finds them to name variants. Members of a family that
// changed after they were synced are marked for the products stream to
// re-read, since their SKU names derive from the family. Families write
// nothing to Ramp themselves. It is its own stream so that a pass where
// nothing changed costs one call per stream.
func (e *Engine) syncFamilies(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	st := productsState{Version: 1}
	if err := e.load(ctx, StreamProducts, &st, log); err != nil {
		return err
	}
	if st.Families == nil {
		st.Families = map[string]cin7core.ProductFamily{}
	}
	if st.Reread == nil {
		st.Reread = map[string]bool{}
	}
	passStart := e.cfg.Now().UTC()
	var since time.Time
	if !st.FamilyCursor.IsZero() {
		since = st.FamilyCursor.Add(-e.cfg.Lookback)
	}
	complete := true
	changed, listed := map[string]bool{}, map[string]bool{}
	var famRead completeness
	for page, err := range e.cfg.Source.FamilyPages(ctx, since) {
		if err != nil {
			return err
		}
		for _, f := range page.Items {
			id := cin7core.NormalizeID(f.ID)
			famRead.add(id, page.Total, page.HasTotal)
			sr.Read++
			if id == "" {
				sr.fail(Failure{Name: f.Name, Stage: "read", Reason: "family has no ID"})
				continue
			}
			f.Attachments = nil // not needed to map; keeps the state small
			listed[id] = true
			// Families are not written to Ramp, so nothing is counted as
			// created or updated here; a change shows in the products
			// stream as its variants' updates.
			if prev, ok := st.Families[id]; !ok || hashOf(prev) != hashOf(f) {
				changed[id] = true
			}
			st.Families[id] = f
		}
		for _, bad := range page.Invalid {
			famRead.add(cin7core.NormalizeID(bad.ID), page.Total, page.HasTotal)
			sr.Read++
			sr.fail(Failure{ID: cin7core.NormalizeID(bad.ID), Stage: "read", Reason: bad.Error()})
			complete = false // its members cannot be named right until it is fixed
		}
		e.progress(sr, sr.Read, page.Total)
	}
	if n := famRead.missing(); n > 0 {
		sr.warn(fmt.Sprintf("%d families changed position while being read; the next pass reads them again", n))
		complete = false
	}
	if since.IsZero() && complete {
		// A full read: families no longer listed are gone.
		for id := range st.Families {
			if !listed[id] {
				delete(st.Families, id)
			}
		}
	}
	// Members already in Ramp must be renamed through the products stream.
	for id := range changed {
		for _, m := range st.Families[id].Products {
			if mid := cin7core.NormalizeID(m.ID); mid != "" {
				if _, synced := st.Skus[mid]; synced {
					st.Reread[mid] = true
				}
			}
		}
	}
	if complete {
		st.FamilyCursor = passStart
	}
	return e.save(ctx, StreamProducts, st)
}

// archiveSku archives the SKU of a product that no longer maps to one.
func (e *Engine) archiveSku(ctx context.Context, ops entity[ramp.Sku], skus map[string]synced, id string, p cin7core.Product, fid string, fams map[string]cin7core.ProductFamily, sr *StreamReport, log *slog.Logger) error {
	rules := e.cfg.Rules
	rules.IncludeServices = true
	p.Type = cin7core.ProductTypeStock // map its fields as the SKU it was
	var (
		sku ramp.Sku
		err error
	)
	if fid != "" {
		sku, _, err = rules.FamilyMember(fams[fid], p)
	} else {
		sku, _, err = rules.Product(p)
	}
	if err != nil {
		sr.fail(Failure{ID: id, Name: p.Name, Stage: "mapping", Reason: "cannot archive: " + err.Error()})
		return nil
	}
	sku.Archived = true
	wctx, cancel := e.recordCtx(ctx)
	o, err := upsert(wctx, ops, skus, id, sku)
	cancel()
	var re *recordError
	switch {
	case errors.As(err, &re):
		log.Warn("sku archive refused", slog.String("id", id), slog.String("reason", err.Error()))
		sr.fail(Failure{ID: id, Name: sku.Name, Stage: "ramp", Reason: err.Error()})
		return nil
	case err != nil:
		return err
	}
	count(sr, o, id)
	return nil
}

// familyIndex builds the member index in family-ID order, so a product
// listed by two families always goes to the same one.
func familyIndex(fams map[string]cin7core.ProductFamily) mapping.FamilyIndex {
	idx := mapping.FamilyIndex{}
	for _, id := range sortedKeys(fams) {
		idx.Add(fams[id])
	}
	return idx
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// EnsureSkus makes sure Ramp has a SKU for each of the given Cin7 Core
// product IDs, syncing any it lacks right away (through its family when it
// has one), and returns Ramp's SKU ID per normalised product ID. Streams
// whose documents refer to products (orders, stock) call it so a line whose
// product is not in Ramp yet is synced first instead of failing. Products
// that cannot be synced (unknown to Cin7 Core, unmappable, refused by Ramp,
// or deliberately skipped, such as services) are returned in missing with
// the reason. It shares the products stream's state, so it takes the
// tenant's lock like a pass (streams inside a pass use ensureSkus).
func (e *Engine) EnsureSkus(ctx context.Context, productIDs []string) (skuIDs map[string]string, missing map[string]string, err error) {
	lease, err := e.cfg.Locker.Lock(ctx, e.lockKey())
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	ctx, stop := leaseContext(ctx, lease)
	defer stop()
	return e.ensureSkus(ctx, productIDs, e.cfg.Logger)
}

func (e *Engine) ensureSkus(ctx context.Context, productIDs []string, log *slog.Logger) (map[string]string, map[string]string, error) {
	st := productsState{Version: 1}
	if err := e.load(ctx, StreamProducts, &st, log); err != nil {
		return nil, nil, err
	}
	if st.Skus == nil {
		st.Skus = map[string]synced{}
	}
	if st.Quarantine == nil {
		st.Quarantine = map[string]string{}
	}
	if st.Retry == nil {
		st.Retry = map[string]string{}
	}
	idx := familyIndex(st.Families)
	ops := e.skuOps()
	found := map[string]string{}
	missing := map[string]string{}
	changed := false
	for _, raw := range productIDs {
		id := cin7core.NormalizeID(raw)
		if id == "" {
			continue
		}
		if _, done := found[id]; done {
			continue
		}
		if s, ok := st.Skus[id]; ok && s.ID != "" {
			found[id] = s.ID
			continue
		}
		// Ramp may already have it (state lost, or synced elsewhere).
		if existing, err := e.cfg.Sink.FindSku(ctx, id); err == nil && existing.ID != "" && !existing.Archived {
			found[id] = existing.ID
			continue
		} else if err != nil && !errors.Is(err, ramp.ErrNotFound) {
			return nil, nil, err
		}
		p, err := e.cfg.Source.Product(ctx, id)
		var re *cin7core.RowError
		switch {
		case errors.Is(err, cin7core.ErrNotFound):
			missing[id] = "product not found in Cin7 Core"
			continue
		case errors.As(err, &re):
			missing[id] = re.Error()
			continue
		case err != nil:
			return nil, nil, err
		}
		if e.cfg.DryRun {
			// A dry run writes nothing; the products stream's own plan
			// shows the SKU it would create.
			missing[id] = "not in Ramp yet (dry run: would be synced first)"
			continue
		}
		var (
			sku    ramp.Sku
			reason mapping.SkipReason
		)
		if fid := idx.FamilyOf(id); fid != "" {
			sku, reason, err = e.cfg.Rules.FamilyMember(st.Families[fid], *p)
		} else {
			sku, reason, err = e.cfg.Rules.Product(*p)
		}
		switch {
		case err != nil:
			st.Quarantine[id] = err.Error()
			missing[id] = err.Error()
			changed = true
			continue
		case reason != "":
			missing[id] = string(reason)
			continue
		}
		wctx, cancel := e.recordCtx(ctx)
		_, err = upsert(wctx, ops, st.Skus, id, sku)
		cancel()
		changed = true
		var rerr *recordError
		switch {
		case errors.As(err, &rerr):
			st.Retry[id] = err.Error()
			missing[id] = err.Error()
			continue
		case err != nil:
			if serr := e.save(ctx, StreamProducts, st); serr != nil {
				return nil, nil, errors.Join(err, serr)
			}
			return nil, nil, err
		}
		delete(st.Retry, id)
		delete(st.Quarantine, id)
		found[id] = st.Skus[id].ID
		log.Info("synced a product ahead of its stream", slog.String("id", id))
	}
	if changed {
		if err := e.save(ctx, StreamProducts, st); err != nil {
			return nil, nil, err
		}
	}
	return found, missing, nil
}
