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
// [Engine.SyncStocktake] posts one validated Ramp stocktake at once (for a
// person who just validated it), through the same ledger as the stream.
//
// [Engine.Run] is a ready-made loop for hosts without a scheduler: every
// stream at once, then each on its [Schedule] (default every 10 to 20
// minutes, jittered so tenants spread out), until the context ends. Hosts
// with their own scheduler call Sync and may ask [Engine.NextRuns] for a
// suggestion.
//
// # Streams
//
// A pass runs, in this order (see [KnownStreams]; [Engine.Streams] lists
// those the configured Source and Sink support):
//
//   - locations: the whole location list is re-read (it is small and has
//     no change filter); each location becomes a place, each bin a child
//     place, deprecated ones are archived.
//   - families: families changed since the cursor are kept so variants can
//     be named; members of a changed family are marked for re-reading.
//   - products: products changed since the cursor (less a lookback window)
//     are mapped once each, through their family if they have one, and
//     upserted as SKUs.
//   - purchases, transfers, sales: authorised documents become Ramp
//     inbound, transfer and outbound orders (drafts never); detail calls
//     only for new or changed eligible documents; lines whose product is
//     not in Ramp yet sync that product first; orders completed in Ramp
//     are frozen (changes become notices).
//   - stock: stock on hand becomes Ramp's expected counts per place and
//     SKU, and the report sets Ramp's latest validated stocktakes beside
//     Cin7 Core's on-hand units.
//   - purchase-receipts, transfer-receipts, fulfilments, stocktakes: what
//     Ramp users received, picked, dispatched and counted is posted to Cin7
//     Core (stock received, transfer completed, sale pick/pack/ship, stock
//     adjustment) once in effect, through the outbound ledger.
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
// # Concurrency, shutdown and dry runs
//
// Passes of one tenant never overlap: Sync first takes the tenant's lock
// from the [Locker] ([DefaultLocker] covers one process; plug in a
// distributed one for several). Cancelling a pass's context stops it
// between records: the writes of the record in hand finish (bounded by
// Config.RecordTimeout), its state is saved, and the next pass carries on.
// Config.DryRun reads, maps and compares as usual but writes nothing and
// saves no state; each stream's report lists the writes it would have made
// in Plan.
//
// # Observing
//
// Config.Logger gets structured logs; Config.Observer gets events as they
// happen (stream started, page read with counts and calls, record skipped
// or failed, stream finished) for metrics or a progress line; the [Report]
// sums a pass up.
//
// # Outbound writes happen once
//
// Cin7 Core has no idempotency keys, so each outbound flow keeps a ledger
// per Ramp document and version: the intent is saved before a write, Cin7
// Core is checked for an earlier post before every write, and only then is
// the write made and noted. A process that dies between the write and the
// note leaves an intent the next pass resolves by looking, never by
// posting again.
//
// # Failures
//
// A record that cannot be read, mapped or written is quarantined: reported
// in [StreamReport.Failures] and never blocking the rest of its stream. One
// that Ramp or Cin7 Core refused, or whose answer was garbled, is tried
// again on the next pass; one that cannot be read or mapped as it is comes
// back when it changes at the source (re-reading it every pass would spend
// the rate budget on a record that cannot succeed). A failure of the source or
// sink as a whole (network, credentials, throttling past the retry budget)
// stops the stream, keeps its cursor, and is returned by [Report.Err].
package sync
