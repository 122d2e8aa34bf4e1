// Package sync is the engine that keeps one tenant's Ramp in step with its
// Cin7 Core account. Hosts embed it and decide when to run it.
//
// # Running a pass
//
// Build an [Engine] from a [Config] with a [Source] (Cin7 Core, usually
// [Cin7Source]) and a [Sink] (Ramp, usually [RampSink]), then call
// [Engine.Sync] with the streams to run, or none for all of them. A pass
// returns a [Report] with per-stream counts: read, created, updated,
// unchanged, skipped (by reason), failed, and the API calls made.
//
// # Streams
//
//   - locations: the whole location list is re-read (it is small and has
//     no change filter); each location becomes a place, each bin a child
//     place, deprecated ones are archived.
//   - products: families and products changed since the cursor (less a
//     lookback window) are read; each product is mapped once, through its
//     family if it has one, and upserted as a SKU.
//
// # State and idempotency
//
// Every write is an upsert keyed by ExternalRef (the lower-case Cin7 Core
// GUID), so replaying a pass changes nothing. The [StateStore] remembers,
// per stream, a hash of what Ramp holds for each record, so an unchanged
// record costs no Ramp call at all, and the products cursor, which advances
// to the pass's start only once every record read has reached Ramp or been
// quarantined. State is saved after every page, so a crash only repeats the
// tail. [MemoryStore] and [FileStore] (atomic writes) are built in.
//
// # Failures
//
// A record that cannot be mapped, or that Ramp rejects as invalid, is
// quarantined: reported in [StreamReport.Failures], retried on the next
// pass, and never blocks the rest of its stream. A failure of the source or
// sink as a whole (network, credentials, throttling past the retry budget)
// stops the stream, keeps its cursor, and is returned by [Report.Err].
package sync
