// Package pgstate keeps the sync engine's state, its outbound ledger and
// its tenant locks in PostgreSQL, through database/sql only, so hosts keep
// whichever driver they register (the tests use pgx's stdlib).
//
// # Schema
//
// [Migrate] creates two tables, idempotently (CREATE ... IF NOT EXISTS under
// an advisory lock); nothing here runs DDL on its own:
//
//   - cin7ramp_state (key, tenant, value, fence, updated_at): one row per
//     state key "<tenant>/<stream>", the opaque JSON the engine saves, and
//     the fence it was written under. The outbound ledger is saved through
//     the same StateStore (keys like "<tenant>/purchase-receipts"), so it is
//     fenced the same way.
//   - cin7ramp_lease (tenant, owner, expires_at, generation, granted_at):
//     one row per tenant ever locked. Rows are never deleted, so the
//     generation only grows.
//
// The tenant of a state key is everything before its last "/" ([TenantOf]),
// which is what the engine's Config.Tenant and its lock key are.
//
// # Leases
//
// [Locker] implements sync.Locker. Lock takes the tenant's row when it is
// absent or expired (expires_at <= now() on the database's clock), in one
// conditional upsert that bumps the generation; otherwise it polls, with
// doubling jittered backoff (100 ms to 2 s by default), until the holder
// releases or lets the lease lapse, or the context ends.
//
// A held [Lease] renews itself every heartbeat (default a third of the TTL;
// the TTL defaults to 30 s) with an update that succeeds only while the row
// still has its generation and owner and has not expired. The holder keeps
// a local deadline: the start of its last successful renewal plus the TTL,
// less a tenth of the TTL. Lost() is closed when a renewal finds the lease
// expired or taken over, or when the deadline passes without a successful
// renewal (the database unreachable, the renewal stuck, the process
// paused) — whichever comes first; the engine then stops the pass between
// records. Because the deadline is measured from before the renewal was
// sent, a holder always gives up before the database lets anyone else in,
// provided the two clocks run at about the same rate. Release expires the
// row at once so the next holder does not wait.
//
// [Lease.Valid] tells code acting outside the StateStore whether the lease
// is still held; the riverworker module wraps the tenant's HTTP clients
// with it so that a holder past its deadline sends nothing more to Cin7
// Core or Ramp, which know no fencing tokens.
//
// # Fencing
//
// The engine puts its lease's fence (the generation) into the context of
// every state write (sync.FenceFromContext). [Store.Save] locks the
// tenant's lease row FOR SHARE, checks the fence and upserts the value in
// one transaction, so a write and a takeover are strictly ordered: a
// takeover waits for a write in progress to commit, and a write after a
// takeover sees the new generation. The rules:
//
//   - no lease row for the tenant: the write is allowed (the tenant is not
//     locked through this package, e.g. the host uses another Locker);
//   - a fenced write is allowed only when its fence equals the tenant's
//     current generation and that lease has not expired (nor been
//     released); a paused or partitioned former holder is refused even
//     before anyone else has taken over;
//   - an unfenced write (a tool, a script) is allowed only while no live
//     lease exists (default; [WithUnfencedPolicy] can refuse them always).
//
// A refused write returns a [*FencedError] that matches [ErrFenced] with
// errors.Is. For the engine that stops the stream; the checkpoint it could
// not write is redone by the new holder, and for the outbound ledger the
// next holder's look-before-post step finds a post the stale holder made.
//
// # Timings
//
// Pick the TTL well above the longest pause you expect between renewals
// (GC, a slow database failover) and well below how long a dead worker may
// strand a tenant; keep the heartbeat at a third of it or less. A job
// system's "stuck job" rescue (River's RescueStuckJobsAfter) should be
// longer than the TTL, so a rescued job finds the lease free.
package pgstate
