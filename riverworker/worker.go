package riverworker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/cin7ramp/cin7ramp/sync/pgstate"
)

// Job kinds and the queue they run on.
const (
	// SyncKind is the kind of the job that syncs one tenant's due streams.
	SyncKind = "cin7ramp_sync_tenant"
	// EnqueueKind is the kind of the periodic job that enqueues a SyncKind
	// job for every tenant with a stream due.
	EnqueueKind = "cin7ramp_enqueue_due"
	// Queue is the River queue both kinds run on.
	Queue = "cin7ramp"
)

// Defaults of Config.
const (
	DefaultConcurrency     = 10
	DefaultEnqueueEvery    = time.Minute
	DefaultJobTimeout      = 15 * time.Minute
	DefaultSoftStopTimeout = 30 * time.Second
	DefaultMaxAttempts     = 10
)

// SyncArgs are the arguments of a SyncKind job: the tenant. The job works
// out itself which streams are due when it runs. Jobs are unique by
// tenant while available, scheduled, pending, running or waiting to be
// retried, so a tenant is never queued twice and a failing tenant is
// retried on River's backoff rather than re-enqueued.
type SyncArgs struct {
	Tenant string `json:"tenant" river:"unique"`
}

// Kind implements river.JobArgs.
func (SyncArgs) Kind() string { return SyncKind }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       Queue,
		MaxAttempts: DefaultMaxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateScheduled, rivertype.JobStateRetryable,
			},
		},
	}
}

// EnqueueArgs are the (empty) arguments of the periodic EnqueueKind job.
type EnqueueArgs struct{}

// Kind implements river.JobArgs.
func (EnqueueArgs) Kind() string { return EnqueueKind }

// InsertOpts implements river.JobArgsWithInsertOpts: one at a time.
func (EnqueueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       Queue,
		MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
		}},
	}
}

// Factory builds a tenant's engine configuration for one pass. It is
// called in every SyncKind job, so it should be cheap (keep per-tenant
// rate limiters and HTTP transports in the host, keyed by tenant). The
// worker sets Tenant (when empty), State and Locker itself. The clients'
// base transports should be wrapped with guard.Transport so that nothing
// is sent to Cin7 Core or Ramp once the tenant's lease is lost.
type Factory func(ctx context.Context, tenant string, guard *LeaseGuard) (cinsync.Config, error)

// Config configures a Worker. Factory and Tenants are required.
type Config struct {
	// Factory builds each tenant's engine configuration.
	Factory Factory
	// Tenants lists every tenant to keep in sync; the periodic enqueuer
	// calls it on every round.
	Tenants func(ctx context.Context) ([]string, error)
	// ID names this worker (River client ID and lease owner); default
	// "<hostname>-<pid>".
	ID string
	// Concurrency is how many tenants this worker syncs at once; default
	// DefaultConcurrency.
	Concurrency int
	// EnqueueEvery is how often the cluster's leader enqueues the tenants
	// with a stream due; default DefaultEnqueueEvery.
	EnqueueEvery time.Duration
	// LeaseTTL and LeaseHeartbeat time the tenants' leases; default
	// pgstate.DefaultTTL and a third of it.
	LeaseTTL, LeaseHeartbeat time.Duration
	// JobTimeout bounds one pass (its context is then cancelled and the
	// engine stops between records); default DefaultJobTimeout.
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before
	// River's rescuer makes it retryable (a worker died holding it); it
	// must be at least JobTimeout and should exceed LeaseTTL; default
	// JobTimeout + 5 minutes.
	RescueStuckJobsAfter time.Duration
	// SoftStopTimeout is how long Stop lets passes run before cancelling
	// their contexts, after which each finishes the record in hand and
	// saves; default DefaultSoftStopTimeout.
	SoftStopTimeout time.Duration
	// Logger receives the worker's logs (and River's); default discards.
	Logger *slog.Logger
	// OnPass, if set, is called after every pass.
	OnPass func(tenant string, rep *cinsync.Report, err error)
	// River, if set, gets the last word on the River configuration.
	River func(*river.Config)
}

// Stats counts what a worker did.
type Stats struct {
	// Passes counts passes run; FailedPasses those that returned an error.
	Passes, FailedPasses int64
	// FencedWrites counts state writes pgstate refused because this
	// worker's lease had moved on.
	FencedWrites int64
	// RefusedRequests counts HTTP requests the lease guards refused.
	RefusedRequests int64
}

// Worker runs SyncKind jobs (and, when it is River's leader, enqueues
// them) against one PostgreSQL.
type Worker struct {
	cfg    Config
	pool   *pgxpool.Pool
	db     *sql.DB
	store  *pgstate.Store
	locker *pgstate.Locker
	client *river.Client[pgx.Tx]
	log    *slog.Logger

	stopping               atomic.Bool
	passes, failed, fenced atomic.Int64
	refused                atomic.Int64
	closeOnce              gosync.Once
}

// New builds a worker on pool. Run Migrate first.
func New(pool *pgxpool.Pool, cfg Config) (*Worker, error) {
	if cfg.Factory == nil || cfg.Tenants == nil {
		return nil, errors.New("riverworker: Config.Factory and Config.Tenants are required")
	}
	if cfg.ID == "" {
		host, _ := os.Hostname()
		cfg.ID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.EnqueueEvery <= 0 {
		cfg.EnqueueEvery = DefaultEnqueueEvery
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	if cfg.RescueStuckJobsAfter <= 0 {
		cfg.RescueStuckJobsAfter = cfg.JobTimeout + 5*time.Minute
	}
	if cfg.SoftStopTimeout <= 0 {
		cfg.SoftStopTimeout = DefaultSoftStopTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	db := stdlib.OpenDBFromPool(pool)
	w := &Worker{
		cfg:   cfg,
		pool:  pool,
		db:    db,
		store: pgstate.NewStore(db),
		locker: pgstate.NewLocker(db, pgstate.WithOwner(cfg.ID), pgstate.WithTTL(cfg.LeaseTTL),
			pgstate.WithHeartbeat(cfg.LeaseHeartbeat), pgstate.WithLogger(cfg.Logger)),
		log: cfg.Logger.With("worker", cfg.ID),
	}
	if w.locker.TTL() >= cfg.RescueStuckJobsAfter {
		db.Close()
		return nil, fmt.Errorf("riverworker: RescueStuckJobsAfter (%s) must exceed the lease TTL (%s)", cfg.RescueStuckJobsAfter, w.locker.TTL())
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &syncWorker{w: w})
	river.AddWorker(workers, &enqueueWorker{w: w})
	rc := &river.Config{
		ID:                   cfg.ID,
		Logger:               cfg.Logger,
		Queues:               map[string]river.QueueConfig{Queue: {MaxWorkers: cfg.Concurrency}},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		SoftStopTimeout:      cfg.SoftStopTimeout,
		MaxAttempts:          DefaultMaxAttempts,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.EnqueueEvery),
			func() (river.JobArgs, *river.InsertOpts) { return EnqueueArgs{}, nil },
			&river.PeriodicJobOpts{ID: EnqueueKind, RunOnStart: true})},
	}
	if cfg.River != nil {
		cfg.River(rc)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("riverworker: %w", err)
	}
	w.client = client
	return w, nil
}

// Client returns the worker's River client (to insert jobs, subscribe to
// events, or pause the queue).
func (w *Worker) Client() *river.Client[pgx.Tx] { return w.client }

// Store returns the worker's state store.
func (w *Worker) Store() *pgstate.Store { return w.store }

// ID returns the worker's name.
func (w *Worker) ID() string { return w.cfg.ID }

// Stats returns the worker's counters.
func (w *Worker) Stats() Stats {
	return Stats{Passes: w.passes.Load(), FailedPasses: w.failed.Load(), FencedWrites: w.fenced.Load(), RefusedRequests: w.refused.Load()}
}

// Start starts working jobs; it returns once the worker runs. Cancelling
// ctx starts a soft stop (see Stop).
func (w *Worker) Start(ctx context.Context) error { return w.client.Start(ctx) }

// Stop stops gracefully: no new jobs are fetched, running passes get
// SoftStopTimeout to finish, then their contexts are cancelled and each
// stops after the record in hand, saves its state and is put back on the
// queue for another worker. Stop returns when every pass has returned.
func (w *Worker) Stop(ctx context.Context) error {
	w.stopping.Store(true)
	defer w.close()
	return w.client.Stop(ctx)
}

// StopAndCancel stops at once: running passes' contexts are cancelled now;
// each still finishes the record in hand and saves its state.
func (w *Worker) StopAndCancel(ctx context.Context) error {
	w.stopping.Store(true)
	defer w.close()
	return w.client.StopAndCancel(ctx)
}

func (w *Worker) close() { w.closeOnce.Do(func() { _ = w.db.Close() }) }

// Enqueue inserts a sync job for tenant now (a no-op when one is already
// queued or running). Streams run only when due; see MakeDue.
func (w *Worker) Enqueue(ctx context.Context, tenant string) error {
	_, err := w.client.Insert(ctx, SyncArgs{Tenant: tenant}, nil)
	return err
}

// MakeDue marks every stream of tenant due now (a manual "sync now").
func (w *Worker) MakeDue(ctx context.Context, tenant string) error {
	_, err := w.db.ExecContext(ctx, `UPDATE `+StatusTable+` SET due_at = now() WHERE tenant = $1`, tenant)
	return err
}

// EnqueueDue inserts a sync job for every tenant with a stream due (or
// never synced) and returns how many tenants it found due. The periodic
// EnqueueKind job calls it on the cluster's leader every EnqueueEvery.
func (w *Worker) EnqueueDue(ctx context.Context) (int, error) {
	tenants, err := w.cfg.Tenants(ctx)
	if err != nil {
		return 0, fmt.Errorf("riverworker: listing tenants: %w", err)
	}
	rows, err := w.db.QueryContext(ctx, `SELECT tenant, min(due_at) <= now() FROM `+StatusTable+` GROUP BY tenant`)
	if err != nil {
		return 0, fmt.Errorf("riverworker: reading schedules: %w", err)
	}
	known := map[string]bool{}
	for rows.Next() {
		var t string
		var due bool
		if err := rows.Scan(&t, &due); err != nil {
			rows.Close()
			return 0, err
		}
		known[t] = due
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var params []river.InsertManyParams
	for _, t := range tenants {
		if due, seen := known[t]; !seen || due {
			params = append(params, river.InsertManyParams{Args: SyncArgs{Tenant: t}})
		}
	}
	if len(params) == 0 {
		return 0, nil
	}
	if _, err := w.client.InsertMany(ctx, params); err != nil {
		return 0, fmt.Errorf("riverworker: enqueueing: %w", err)
	}
	return len(params), nil
}

type enqueueWorker struct {
	river.WorkerDefaults[EnqueueArgs]
	w *Worker
}

func (e *enqueueWorker) Work(ctx context.Context, _ *river.Job[EnqueueArgs]) error {
	n, err := e.w.EnqueueDue(ctx)
	if err == nil && n > 0 {
		e.w.log.Debug("enqueued due tenants", "tenants", n)
	}
	return err
}

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	w *Worker
}

// Work runs one pass of the tenant's due streams.
func (s *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	return s.w.work(ctx, job.Args.Tenant)
}

func (w *Worker) work(ctx context.Context, tenant string) error {
	log := w.log.With("tenant", tenant)
	guard := newLeaseGuard(tenant)
	defer func() { w.refused.Add(guard.Refused()) }()
	cfg, err := w.cfg.Factory(ctx, tenant, guard)
	if err != nil {
		return fmt.Errorf("riverworker: building tenant %q: %w", tenant, err)
	}
	if cfg.Tenant == "" {
		cfg.Tenant = tenant
	} else if cfg.Tenant != tenant {
		return river.JobCancel(fmt.Errorf("riverworker: factory returned tenant %q for %q", cfg.Tenant, tenant))
	}
	cfg.State = fencedCounter{w.store, &w.fenced}
	cfg.Locker = guardLocker{w.locker, guard}
	eng, err := cinsync.NewEngine(cfg)
	if err != nil {
		return river.JobCancel(fmt.Errorf("riverworker: tenant %q: %w", tenant, err))
	}
	due, err := w.dueStreams(ctx, tenant, eng.Streams())
	if err != nil {
		return err
	}
	if len(due) == 0 {
		return nil
	}
	started := time.Now()
	rep, err := eng.Sync(ctx, due...)
	w.passes.Add(1)
	if err != nil {
		w.failed.Add(1)
	}
	if rerr := w.record(context.WithoutCancel(ctx), tenant, due, rep, err, eng.NextRuns(time.Now()), started); rerr != nil {
		log.Warn("recording the pass failed", "error", rerr.Error())
	}
	if w.cfg.OnPass != nil {
		w.cfg.OnPass(tenant, rep, err)
	}
	if err != nil {
		log.Warn("pass failed", "error", err.Error())
		if w.stopping.Load() && ctx.Err() != nil {
			// Shut down mid-pass: back on the queue for another worker,
			// without spending an attempt.
			return river.JobSnooze(time.Second)
		}
		return err
	}
	return nil
}

// dueStreams returns the streams of the tenant whose due time has come,
// or that never ran.
func (w *Worker) dueStreams(ctx context.Context, tenant string, all []cinsync.Stream) ([]cinsync.Stream, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT stream FROM `+StatusTable+` WHERE tenant = $1 AND due_at > now()`, tenant)
	if err != nil {
		return nil, fmt.Errorf("riverworker: reading tenant %q's schedule: %w", tenant, err)
	}
	defer rows.Close()
	notDue := map[cinsync.Stream]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		notDue[cinsync.Stream(s)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []cinsync.Stream
	for _, s := range all {
		if !notDue[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// record writes each due stream's outcome and next due time: a stream
// that succeeded is due again when its schedule says; one that failed
// stays due (River retries the job on its backoff).
func (w *Worker) record(ctx context.Context, tenant string, due []cinsync.Stream, rep *cinsync.Report, passErr error, next map[cinsync.Stream]time.Time, started time.Time) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, s := range due {
		var sr *cinsync.StreamReport
		if rep != nil {
			sr = rep.Stream(s)
		}
		var serr error
		switch {
		case sr == nil && passErr != nil:
			serr = passErr
		case sr == nil:
			continue
		default:
			serr = sr.Err()
		}
		if serr == nil {
			nextAt, ok := next[s]
			if !ok {
				nextAt = time.Now().Add(cinsync.DefaultSchedule()[s].Every)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO `+StatusTable+` AS t (tenant, stream, due_at, last_started_at, last_finished_at, last_success_at, last_error, consecutive_failures, last_worker)
				VALUES ($1, $2, $3, $4, now(), $4, '', 0, $5)
				ON CONFLICT (tenant, stream) DO UPDATE SET due_at = EXCLUDED.due_at, last_started_at = EXCLUDED.last_started_at,
					last_finished_at = now(), last_success_at = EXCLUDED.last_success_at, last_error = '', consecutive_failures = 0, last_worker = EXCLUDED.last_worker`,
				tenant, string(s), nextAt, started, w.cfg.ID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO `+StatusTable+` AS t (tenant, stream, due_at, last_started_at, last_finished_at, last_error, consecutive_failures, total_failures, last_worker)
				VALUES ($1, $2, now(), $3, now(), $4, 1, 1, $5)
				ON CONFLICT (tenant, stream) DO UPDATE SET last_started_at = EXCLUDED.last_started_at, last_finished_at = now(),
					last_error = EXCLUDED.last_error, consecutive_failures = t.consecutive_failures + 1,
					total_failures = t.total_failures + 1, last_worker = EXCLUDED.last_worker`,
				tenant, string(s), started, truncate(serr.Error(), 2000), w.cfg.ID)
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// fencedCounter counts the writes pgstate refuses.
type fencedCounter struct {
	*pgstate.Store
	n *atomic.Int64
}

func (f fencedCounter) Save(ctx context.Context, key string, value []byte) error {
	err := f.Store.Save(ctx, key, value)
	if errors.Is(err, pgstate.ErrFenced) {
		f.n.Add(1)
	}
	return err
}
