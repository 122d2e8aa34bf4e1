package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"time"

	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
)

// DefaultLookback is how far before the last cursor an incremental read
// starts again, so records committed late or stamped by a skewed clock are
// not missed. Re-read records that did not change cost no write.
const DefaultLookback = time.Hour

// Config assembles an Engine. Source and Sink are required; everything
// else has a default.
type Config struct {
	// Source reads Cin7 Core (see Cin7Source).
	Source Source
	// Sink writes Ramp (see RampSink).
	Sink Sink
	// Rules drive the mapping; the zero value is the default.
	Rules mapping.Rules
	// State keeps cursors and what Ramp holds between passes; default an
	// in-memory store (every process start is then a first run).
	State StateStore
	// Tenant prefixes state keys and labels logs and reports; use the Cin7
	// Core account ID or any stable tenant name.
	Tenant string
	// Lookback re-reads this much before the cursor; default
	// DefaultLookback. Negative means none.
	Lookback time.Duration
	// Logger receives structured progress; default discards.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Engine syncs one tenant. Passes must not overlap for one tenant; an
// Engine serialises its own Sync calls.
type Engine struct {
	cfg  Config
	busy chan struct{}
}

// NewEngine checks cfg and returns an engine. It makes no network call.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.Source == nil {
		return nil, errors.New("sync: Config.Source is required")
	}
	if cfg.Sink == nil {
		return nil, errors.New("sync: Config.Sink is required")
	}
	if cfg.State == nil {
		cfg.State = NewMemoryStore()
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = DefaultLookback
	} else if cfg.Lookback < 0 {
		cfg.Lookback = 0
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(discardHandler{})
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tenant != "" {
		cfg.Logger = cfg.Logger.With(slog.String("tenant", cfg.Tenant))
	}
	return &Engine{cfg: cfg, busy: make(chan struct{}, 1)}, nil
}

// Sync runs one pass of the given streams (all of them if none are given)
// and reports what it did. Record-level failures are in the report and do
// not stop a stream; the returned error is non-nil only when the pass
// could not start or a stream stopped early (see Report.Err). The report is
// never nil, so it can be logged whatever the error.
func (e *Engine) Sync(ctx context.Context, streams ...Stream) (*Report, error) {
	rep := &Report{Tenant: e.cfg.Tenant, Started: e.cfg.Now()}
	if len(streams) == 0 {
		streams = AllStreams
	}
	for _, s := range streams {
		if !slices.Contains(AllStreams, s) {
			rep.Finished = rep.Started
			return rep, fmt.Errorf("sync: unknown stream %q (known: %v)", s, AllStreams)
		}
	}
	select {
	case e.busy <- struct{}{}:
		defer func() { <-e.busy }()
	case <-ctx.Done():
		rep.Finished = e.cfg.Now()
		return rep, ctx.Err()
	}
	// Locations first: later streams refer to places.
	for _, s := range AllStreams {
		if !slices.Contains(streams, s) {
			continue
		}
		sr := e.runStream(ctx, s)
		rep.Streams = append(rep.Streams, sr)
	}
	rep.Finished = e.cfg.Now()
	return rep, rep.Err()
}

func (e *Engine) runStream(ctx context.Context, s Stream) StreamReport {
	sr := StreamReport{Stream: s}
	start := e.cfg.Now()
	cin7Before, rampBefore := calls(e.cfg.Source), calls(e.cfg.Sink)
	log := e.cfg.Logger.With(slog.String("stream", string(s)))
	log.Info("stream started")
	var err error
	switch s {
	case StreamLocations:
		err = e.syncLocations(ctx, &sr, log)
	case StreamProducts:
		err = e.syncProducts(ctx, &sr, log)
	}
	if err != nil {
		sr.err, sr.Error = err, err.Error()
	}
	sr.Cin7Calls = calls(e.cfg.Source) - cin7Before
	sr.RampCalls = calls(e.cfg.Sink) - rampBefore
	sr.Duration = e.cfg.Now().Sub(start)
	log.Info("stream finished", slog.Int("read", sr.Read), slog.Int("created", sr.Created), slog.Int("updated", sr.Updated),
		slog.Int("unchanged", sr.Unchanged), slog.Int("skipped", sr.Skipped), slog.Int("failed", sr.Failed),
		slog.Int64("cin7_calls", sr.Cin7Calls), slog.Int64("ramp_calls", sr.RampCalls), slog.Any("error", err))
	return sr
}

func calls(v any) int64 {
	if c, ok := v.(CallCounter); ok {
		return c.APICalls()
	}
	return 0
}

// stateKey is "<tenant>/<stream>", or "<stream>" when Config.Tenant is
// empty (so engines of different tenants sharing one store must set it).
func (e *Engine) stateKey(s Stream) string {
	if e.cfg.Tenant == "" {
		return string(s)
	}
	return e.cfg.Tenant + "/" + string(s)
}

// load reads a stream's state into into (left as is when none is stored).
// Unreadable state is dropped with a warning rather than failing every
// pass: losing state is safe, the next pass re-reads and finds what Ramp
// holds by ExternalRef.
func (e *Engine) load(ctx context.Context, s Stream, into any, log *slog.Logger) error {
	b, err := e.cfg.State.Load(ctx, e.stateKey(s))
	if errors.Is(err, ErrNoState) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, into); err != nil {
		log.Warn("stored state is unreadable; starting this stream from scratch", slog.String("error", err.Error()))
		// Reset to the zero state of the stream.
		switch v := into.(type) {
		case *locationsState:
			*v = locationsState{Version: 1}
		case *productsState:
			*v = productsState{Version: 1}
		}
	}
	return nil
}

func (e *Engine) save(ctx context.Context, s Stream, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	// A checkpoint must land even if the pass is being cancelled, or the
	// records just written would be redone needlessly.
	return e.cfg.State.Save(context.WithoutCancel(ctx), e.stateKey(s), b)
}

// synced is what the engine remembers of one Ramp entity.
type synced struct {
	// ID is Ramp's ID for the entity.
	ID string `json:"id"`
	// Hash is the hash of the mapped entity last written or confirmed.
	Hash string `json:"h"`
}

func hashOf(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// outcome of one upsert.
type outcome int

const (
	created outcome = iota + 1
	updated
	unchanged
	skippedArchived
)

// entity abstracts Place and Sku for the shared upsert logic.
type entity[T any] struct {
	find func(ctx context.Context, ref string) (*T, error)
	// findLive always asks the sink (find may answer from a snapshot).
	findLive func(ctx context.Context, ref string) (*T, error)
	create   func(ctx context.Context, v *T) (*T, error)
	update   func(ctx context.Context, v *T) (*T, error)
	// key strips what Ramp sets itself, for comparisons and hashing.
	key      func(v T) T
	id       func(v *T) string
	setID    func(v *T, id string)
	archived func(v *T) bool
}

// recordError marks a failure confined to one record (the stream goes on).
type recordError struct{ err error }

func (r *recordError) Error() string { return r.err.Error() }
func (r *recordError) Unwrap() error { return r.err }

// isRecordLevel reports whether a sink error concerns only the record.
func isRecordLevel(err error) bool {
	return errors.Is(err, ramp.ErrValidation) || errors.Is(err, ramp.ErrConflict)
}

// upsert makes Ramp hold desired, writing only when it differs from what
// Ramp is known (or found) to hold. It updates st in place.
func upsert[T any](ctx context.Context, ops entity[T], st map[string]synced, ref string, desired T) (outcome, error) {
	desired = ops.key(desired)
	h := hashOf(desired)
	prev, known := st[ref]
	if known && prev.Hash == h {
		if prev.ID == "" {
			// Archived at the source and absent from Ramp last time too.
			return skippedArchived, nil
		}
		return unchanged, nil
	}
	var existing *T
	if known && prev.ID != "" {
		// Known entity, changed content: update directly by ID.
		v := desired
		ops.setID(&v, prev.ID)
		got, err := ops.update(ctx, &v)
		switch {
		case err == nil:
			st[ref] = synced{ID: idOr(ops.id(got), prev.ID), Hash: h}
			return updated, nil
		case errors.Is(err, ramp.ErrNotFound):
			delete(st, ref) // removed in Ramp: find or create below
		case isRecordLevel(err):
			return 0, &recordError{err}
		default:
			return 0, err
		}
	}
	existing, err := ops.find(ctx, ref)
	if err != nil && !errors.Is(err, ramp.ErrNotFound) {
		if isRecordLevel(err) {
			return 0, &recordError{err}
		}
		return 0, err
	}
	if existing == nil {
		if ops.archived(&desired) {
			st[ref] = synced{Hash: h} // remembered, so later passes skip it without a lookup
			return skippedArchived, nil
		}
		v := desired
		got, err := ops.create(ctx, &v)
		if errors.Is(err, ramp.ErrConflict) {
			// Someone created it between our find and create: converge.
			if existing, err = ops.findLive(ctx, ref); err != nil {
				return 0, &recordError{err}
			}
		} else if err != nil {
			if isRecordLevel(err) {
				return 0, &recordError{err}
			}
			return 0, err
		} else {
			st[ref] = synced{ID: ops.id(got), Hash: h}
			return created, nil
		}
	}
	id := ops.id(existing)
	if hashOf(ops.key(*existing)) == h {
		st[ref] = synced{ID: id, Hash: h}
		return unchanged, nil
	}
	v := desired
	ops.setID(&v, id)
	got, err := ops.update(ctx, &v)
	if err != nil {
		if isRecordLevel(err) {
			return 0, &recordError{err}
		}
		return 0, err
	}
	st[ref] = synced{ID: idOr(ops.id(got), id), Hash: h}
	return updated, nil
}

// indexed replaces ops.find with a lookup in a snapshot of everything the
// sink holds, read once. Used when the state knows nothing (first pass, or
// state lost), where one find per record would cost a call each. A record
// created by someone else after the snapshot surfaces as a conflict on
// create, which falls back to a live find.
func indexed[T any](ops entity[T], all iter.Seq2[T, error], ref func(*T) string) (entity[T], error) {
	idx := map[string]T{}
	for v, err := range all {
		if err != nil {
			return ops, err
		}
		idx[ref(&v)] = v
	}
	ops.find = func(_ context.Context, r string) (*T, error) {
		if v, ok := idx[r]; ok {
			return &v, nil
		}
		return nil, ramp.ErrNotFound
	}
	return ops, nil
}

func idOr(id, def string) string {
	if id == "" {
		return def
	}
	return id
}

// count records an upsert outcome in the report.
func count(sr *StreamReport, o outcome) {
	switch o {
	case created:
		sr.Created++
	case updated:
		sr.Updated++
	case unchanged:
		sr.Unchanged++
	case skippedArchived:
		sr.skip(string(mapping.SkipArchivedNotInRamp))
	}
}

type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }
