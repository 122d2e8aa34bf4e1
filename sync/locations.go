package sync

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// locationsState is the locations stream's checkpoint.
type locationsState struct {
	Version int `json:"version"`
	// Places maps ExternalRef to what Ramp holds.
	Places map[string]synced `json:"places"`
	// Locations is the last complete location list read, for streams
	// whose documents name locations (they then need no call of their own).
	Locations []cin7core.Location `json:"locations,omitempty"`
}

func (s *locationsState) reset() { *s = locationsState{Version: 1} }

func (e *Engine) placeOps() entity[ramp.Place] {
	return entity[ramp.Place]{
		find:     e.cfg.Sink.FindPlace,
		findLive: e.cfg.Sink.FindPlace,
		create:   e.cfg.Sink.CreatePlace,
		update:   e.cfg.Sink.UpdatePlace,
		key: func(p ramp.Place) ramp.Place {
			return ramp.Place{ExternalRef: p.ExternalRef, Name: p.Name, Description: p.Description, ParentPlaceID: p.ParentPlaceID, Archived: p.Archived}
		},
		id:       func(p *ramp.Place) string { return p.ID },
		setID:    func(p *ramp.Place, id string) { p.ID = id },
		archived: func(p *ramp.Place) bool { return p.Archived },
	}
}

// syncLocations re-reads every location (the API has no change filter;
// the list is small) and writes only places whose mapped content changed.
func (e *Engine) syncLocations(ctx context.Context, sr *StreamReport, log *slog.Logger) error {
	st := locationsState{Version: 1}
	if err := e.load(ctx, StreamLocations, &st, log); err != nil {
		return err
	}
	if st.Places == nil {
		st.Places = map[string]synced{}
	}
	var all []cin7core.Location
	for page, err := range e.cfg.Source.LocationPages(ctx) {
		if err != nil {
			return err
		}
		all = append(all, page.Items...)
		e.progress(sr, len(all)+len(page.Invalid), page.Total)
		for _, bad := range page.Invalid {
			sr.Read++
			sr.fail(Failure{ID: cin7core.NormalizeID(bad.ID), Stage: "read", Reason: bad.Error()})
		}
	}
	sr.Read += len(all)
	st.Locations = all
	res := e.cfg.Rules.Locations(all)
	for _, s := range res.Skipped {
		sr.skip(s.ID, string(s.Reason))
	}
	for _, f := range res.Failed {
		sr.fail(Failure{ID: f.ID, Stage: "mapping", Reason: f.Error()})
	}
	ops := planned(e, sr, "place", e.placeOps(), func(p *ramp.Place) string { return p.Name }, func(p *ramp.Place) string { return p.ExternalRef }, func(p *ramp.Place) bool { return p.Archived })
	if len(st.Places) == 0 {
		var err error
		if ops, err = indexed(ops, e.cfg.Sink.AllPlaces(ctx), func(p *ramp.Place) string { return p.ExternalRef }); err != nil {
			return err
		}
	}
	var stopErr error
	for _, t := range res.Places {
		if err := ctx.Err(); err != nil {
			stopErr = err
			break
		}
		p := t.Place
		if t.ParentRef != "" {
			parent, ok := st.Places[t.ParentRef]
			if ok && parent.ID == "" && p.Archived {
				// Its location was deprecated before ever reaching Ramp.
				sr.skip(p.ExternalRef, string(mapping.SkipArchivedNotInRamp))
				continue
			}
			if !ok || parent.ID == "" {
				sr.fail(Failure{ID: p.ExternalRef, Name: p.Name, Stage: "ramp", Reason: "parent place " + t.ParentRef + " is not in Ramp"})
				continue
			}
			p.ParentPlaceID = parent.ID
		}
		wctx, cancel := e.recordCtx(ctx)
		o, err := upsert(wctx, ops, st.Places, p.ExternalRef, p)
		cancel()
		var re *recordError
		switch {
		case errors.As(err, &re):
			log.Warn("place quarantined", slog.String("id", p.ExternalRef), slog.String("reason", err.Error()))
			sr.fail(Failure{ID: p.ExternalRef, Name: p.Name, Stage: "ramp", Reason: err.Error()})
		case err != nil:
			stopErr = err
		default:
			count(sr, o, p.ExternalRef)
		}
		if stopErr != nil {
			break
		}
	}
	// Save what Ramp now holds even when stopping early, so the next pass
	// does not redo it.
	if err := e.save(ctx, StreamLocations, st); err != nil && stopErr == nil {
		stopErr = err
	}
	return stopErr
}

// placeResolver finds Ramp place IDs for Cin7 Core location (or bin) IDs:
// from the locations stream's state, else by asking Ramp once per ID.
// Streams that refer to locations (orders, stock) use one per pass.
type placeResolver struct {
	e     *Engine
	known map[string]string
}

func (e *Engine) newPlaceResolver(ctx context.Context, log *slog.Logger) (*placeResolver, error) {
	st := locationsState{Version: 1}
	if err := e.load(ctx, StreamLocations, &st, log); err != nil {
		return nil, err
	}
	r := &placeResolver{e: e, known: map[string]string{}}
	for ref, s := range st.Places {
		if s.ID != "" {
			r.known[ref] = s.ID
		}
	}
	return r, nil
}

// placeID returns Ramp's ID for a location, or "" if Ramp has no place
// for it (then the caller reports the record rather than failing the
// stream).
func (r *placeResolver) placeID(ctx context.Context, locationID string) (string, error) {
	ref := cin7core.NormalizeID(locationID)
	if ref == "" {
		return "", nil
	}
	if id, ok := r.known[ref]; ok {
		return id, nil
	}
	p, err := r.e.cfg.Sink.FindPlace(ctx, ref)
	switch {
	case errors.Is(err, ramp.ErrNotFound):
		r.known[ref] = ""
		return "", nil
	case err != nil:
		return "", err
	}
	r.known[ref] = p.ID
	return p.ID, nil
}

// knownLocations returns the location list the locations stream read last
// (it runs earlier in the pass), or reads it when there is none yet (a
// pass of other streams only, or a first pass without the locations
// stream).
func (e *Engine) knownLocations(ctx context.Context, sr *StreamReport, log *slog.Logger) ([]cin7core.Location, error) {
	st := locationsState{Version: 1}
	if err := e.load(ctx, StreamLocations, &st, log); err != nil {
		return nil, err
	}
	if len(st.Locations) > 0 {
		return st.Locations, nil
	}
	var all []cin7core.Location
	for page, err := range e.cfg.Source.LocationPages(ctx) {
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		for _, bad := range page.Invalid {
			sr.warn("location " + bad.ID + " cannot be read; what it holds cannot be placed: " + bad.Err.Error())
		}
	}
	return all, nil
}
