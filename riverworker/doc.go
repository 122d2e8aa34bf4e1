// Package riverworker runs the cin7ramp sync engine on River, the
// PostgreSQL-backed job queue, with the engine's state, outbound ledger and
// tenant leases in the same PostgreSQL (package sync/pgstate). It is a
// module of its own so the core module's dependencies stay as they are.
//
// # Jobs
//
// One job kind, SyncKind ("sync one tenant's due streams"), takes a tenant
// ID. When it runs, it asks the host's Factory for the tenant's engine
// configuration, puts pgstate's Store and Locker in it, works out which
// streams are due from the status table (cin7ramp_stream_status), runs
// them in one pass, and records each stream's outcome: a stream that
// succeeded becomes due again when Engine.NextRuns says (the default
// schedule: 10–20 minutes, stock daily); one that failed stays due and the
// job returns the error, so River retries it on its own backoff. Jobs are
// unique by tenant while available, scheduled, pending, running or
// retryable: a tenant is never queued twice.
//
// A periodic job (EnqueueKind, every Config.EnqueueEvery, inserted by
// River's elected leader only) lists the host's tenants and enqueues a
// SyncKind job for each one with a stream due or never synced.
//
// # Exclusion and fencing
//
// Each pass takes the tenant's pgstate lease (TTL Config.LeaseTTL, renewed
// every third of it). Every state and ledger write carries the lease's
// generation and is refused once the lease has moved on. Cin7 Core and
// Ramp know no fencing tokens, so the Factory is handed a LeaseGuard
// whose Transport refuses every request unless the lease is held and
// within its local deadline, which always falls before the database lets
// another worker in: a paused or partitioned worker stops talking to the
// tenant's APIs before anyone else starts.
//
// # Failures and shutdown
//
// A worker that dies leaves its jobs "running"; River's rescuer makes them
// retryable after Config.RescueStuckJobsAfter (keep it above the lease TTL
// and the job timeout), and by then the dead worker's leases have lapsed.
// Stop is River's soft stop: no new jobs, running passes get
// Config.SoftStopTimeout, then their contexts are cancelled and each pass
// stops after the record in hand (whose writes finish and are saved) and is
// snoozed back onto the queue for another worker. StopAndCancel cancels at
// once, with the same record-in-hand guarantee.
//
// # Status
//
// Status reads, per tenant: the last success (the start of the oldest of
// its streams' last successful passes), the lag behind it, consecutive
// failures and the last error, the lease holder and the newest job's
// state.
//
// Migrate creates River's tables, pgstate's and the status table; it is
// idempotent and never run implicitly.
package riverworker
