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
	// Locker keeps passes of one tenant from overlapping, across engines;
	// default DefaultLocker (this process only).
	Locker Locker
	// Observer receives progress events; default none.
	Observer Observer
	// DryRun makes passes read, map and compare as usual but write
	// nothing to Ramp and save no state; each stream's report lists the
	// writes it would have made in Plan.
	DryRun bool
	// RecordTimeout bounds the writes for one record. Those writes run on
	// after the pass's context is cancelled, so a shutdown finishes the
	// record in hand instead of leaving it half-written; default 2 minutes.
	RecordTimeout time.Duration
	// Schedule says how often Run runs each stream; default
	// DefaultSchedule.
	Schedule map[Stream]Schedule
	// OnPass, if set, receives the report of every pass Run makes.
	OnPass func(*Report, error)
}

// DefaultRecordTimeout bounds one record's writes during a shutdown.
const DefaultRecordTimeout = 2 * time.Minute

// Engine syncs one tenant. Passes of one tenant never overlap: Sync takes
// the tenant's lock from the Config's Locker first.
type Engine struct {
	cfg Config
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
	if cfg.Locker == nil {
		cfg.Locker = DefaultLocker
	}
	if cfg.Observer == nil {
		cfg.Observer = NopObserver{}
	}
	if cfg.RecordTimeout <= 0 {
		cfg.RecordTimeout = DefaultRecordTimeout
	}
	sched := DefaultSchedule()
	for s, v := range cfg.Schedule {
		if !slices.Contains(KnownStreams(), s) {
			return nil, fmt.Errorf("sync: Config.Schedule names unknown stream %q", s)
		}
		if v.Every <= 0 || v.Jitter < 0 {
			return nil, fmt.Errorf("sync: Config.Schedule for %s needs Every > 0 and Jitter >= 0", s)
		}
		sched[s] = v
	}
	cfg.Schedule = sched
	return &Engine{cfg: cfg}, nil
}

// Sync runs one pass of the given streams (all of them if none are given)
// and reports what it did. Record-level failures are in the report and do
// not stop a stream; the returned error is non-nil only when the pass
// could not start or a stream stopped early (see Report.Err). The report is
// never nil, so it can be logged whatever the error.
func (e *Engine) Sync(ctx context.Context, streams ...Stream) (*Report, error) {
	rep := &Report{Tenant: e.cfg.Tenant, Started: e.cfg.Now()}
	if len(streams) == 0 {
		streams = e.Streams()
	}
	for _, s := range streams {
		if !slices.Contains(KnownStreams(), s) {
			rep.Finished = rep.Started
			return rep, fmt.Errorf("sync: unknown stream %q (known: %v)", s, KnownStreams())
		}
	}
	lease, err := e.cfg.Locker.Lock(ctx, e.lockKey())
	if err != nil {
		rep.Finished = e.cfg.Now()
		return rep, fmt.Errorf("sync: waiting for the tenant's lock: %w", err)
	}
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	ctx, stop := leaseContext(ctx, lease)
	defer stop()
	// Locations first: later streams refer to places.
	movementsStopped := ""
	for _, s := range KnownStreams() {
		if !slices.Contains(streams, s) {
			continue
		}
		if s == StreamStocktakes && movementsStopped != "" {
			// Adjustments set on-hand absolutely: posted while a receipt,
			// transfer or fulfilment of this pass is still unposted, they
			// would be undone (or doubled) when that movement lands next
			// pass. Hold them until the movements are through.
			sr := StreamReport{Stream: s}
			sr.warn("held: the " + movementsStopped + " flow stopped early this pass; stock adjustments are absolute and wait until the movements before them are posted")
			rep.Streams = append(rep.Streams, sr)
			continue
		}
		sr := e.runStream(ctx, s)
		if sr.err != nil && movementsStopped == "" &&
			(s == StreamPurchaseReceipts || s == StreamTransferReceipts || s == StreamFulfilments) {
			movementsStopped = string(s)
		}
		rep.Streams = append(rep.Streams, sr)
	}
	rep.Finished = e.cfg.Now()
	return rep, rep.Err()
}

// leaseContext carries the lease's fence to state writes and ends the pass
// (between records) if the lease is lost.
func leaseContext(ctx context.Context, lease Lease) (context.Context, func()) {
	ctx = WithFence(ctx, lease.Fence())
	lost := lease.Lost()
	if lost == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		select {
		case <-lost:
			cancel(ErrLeaseLost)
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}

// ErrLeaseLost ends a pass whose tenant lock was taken over (its lease
// expired); what it wrote is kept, and the new holder carries on.
var ErrLeaseLost = errors.New("sync: the tenant's lease was lost")

// lockKey names the tenant for the Locker; engines without a Tenant share
// the empty name, as they share state keys.
func (e *Engine) lockKey() string { return e.cfg.Tenant }

func (e *Engine) runStream(ctx context.Context, s Stream) StreamReport {
	sr := StreamReport{Stream: s, obs: e.cfg.Observer, tenant: e.cfg.Tenant}
	e.cfg.Observer.StreamStarted(e.cfg.Tenant, s)
	start := e.cfg.Now()
	cin7Before, rampBefore := calls(e.cfg.Source), calls(e.cfg.Sink)
	sr.cin7Start, sr.rampStart = cin7Before, rampBefore
	log := e.cfg.Logger.With(slog.String("stream", string(s)))
	log.Info("stream started")
	var err error
	if d := streamDefs[s]; d.supported != nil && !d.supported(e) {
		err = fmt.Errorf("sync: stream %s needs a Source and Sink that support it", s)
	} else {
		err = d.run(e, ctx, &sr, log)
	}
	if err != nil && errors.Is(err, context.Canceled) {
		// Say why: a lost lease, rather than a bare "context canceled".
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			err = fmt.Errorf("%w (%w)", cause, err)
		}
	}
	if err != nil {
		sr.err, sr.Error = err, err.Error()
	}
	sr.Cin7Calls = calls(e.cfg.Source) - cin7Before
	sr.RampCalls = calls(e.cfg.Sink) - rampBefore
	sr.Duration = e.cfg.Now().Sub(start)
	e.cfg.Observer.StreamFinished(e.cfg.Tenant, sr)
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
	return e.loadInto(ctx, s, into, log)
}

// loadInto is load for any state type. An outbound ledger that is
// unreadable is not dropped: forgetting what was posted could post twice
// (postOnce's check would catch most, but not every, case), so that is an
// error for a human to look at.
func (e *Engine) loadInto(ctx context.Context, s Stream, into any, log interface {
	Warn(string, ...any)
}) error {
	b, err := e.cfg.State.Load(ctx, e.stateKey(s))
	if errors.Is(err, ErrNoState) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, into); err != nil {
		if _, isLedger := into.(*ledgerState); isLedger {
			return fmt.Errorf("sync: the outbound ledger for %s is unreadable; restore it or remove it knowingly: %w", s, err)
		}
		log.Warn("stored state is unreadable; starting this stream from scratch", "error", err.Error())
		// Reset to the zero value of the stream's state.
		if r, ok := into.(interface{ reset() }); ok {
			r.reset()
		}
	}
	return nil
}

func (e *Engine) save(ctx context.Context, s Stream, v any) error {
	if e.cfg.DryRun {
		return nil // a dry run leaves no trace
	}
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

// recordCtx is the context for one record's writes: it outlives the pass's
// cancellation (bounded by RecordTimeout), so a shutdown between the writes
// of one record does not leave it half-written. Loops check the pass's own
// context between records.
func (e *Engine) recordCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), e.cfg.RecordTimeout)
}

// progress reports a page's progress to the observer.
func (e *Engine) progress(sr *StreamReport, done, total int) {
	e.cfg.Observer.PageRead(e.cfg.Tenant, sr.Stream, Progress{
		Done: done, Total: total,
		Cin7Calls: calls(e.cfg.Source) - sr.cin7Start, RampCalls: calls(e.cfg.Sink) - sr.rampStart,
	})
}

// planned replaces an entity's writes by entries in the report's plan when
// the engine is dry-running.
func planned[T any](e *Engine, sr *StreamReport, kind string, ops entity[T], name func(*T) string, ref func(*T) string, archived func(*T) bool) entity[T] {
	if !e.cfg.DryRun {
		return ops
	}
	ops.create = func(_ context.Context, v *T) (*T, error) {
		sr.Plan = append(sr.Plan, PlannedWrite{Action: "create", Kind: kind, ExternalRef: ref(v), Name: name(v), Archived: archived(v)})
		out := *v
		ops.setID(&out, "dry-run:"+ref(v))
		return &out, nil
	}
	ops.update = func(_ context.Context, v *T) (*T, error) {
		sr.Plan = append(sr.Plan, PlannedWrite{Action: "update", Kind: kind, ExternalRef: ref(v), Name: name(v), Archived: archived(v)})
		out := *v
		return &out, nil
	}
	return ops
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
func count(sr *StreamReport, o outcome, ref string) {
	switch o {
	case created:
		sr.Created++
	case updated:
		sr.Updated++
	case unchanged:
		sr.Unchanged++
	case skippedArchived:
		sr.skip(ref, string(mapping.SkipArchivedNotInRamp))
	}
}

type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }
