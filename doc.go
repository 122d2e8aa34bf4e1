// Package cin7ramp keeps Ramp, the RFID stock-control platform, in sync with
// Cin7 Core (formerly DEAR Inventory).
//
// The module has three layers, each usable alone:
//
//   - Typed API clients: [github.com/cin7ramp/cin7ramp/cin7core] for the
//     Cin7 Core API v2 and [github.com/cin7ramp/cin7ramp/ramp] for Ramp.
//     Both share one request pipeline: a per-account rate limit (Cin7 Core:
//     60 calls in any rolling minute), retries with backoff that honour
//     Retry-After, typed errors, and secrets kept out of errors and logs.
//   - Pure mapping rules, [github.com/cin7ramp/cin7ramp/mapping]: locations
//     and bins to places, products and family variants to flat SKUs,
//     tracking modes from costing methods.
//   - A sync engine, [github.com/cin7ramp/cin7ramp/sync], that a host
//     embeds and schedules: incremental where Cin7 Core has change filters,
//     idempotent upserts by ExternalRef, quarantine instead of stopping.
//
// Stateful fakes of both APIs, [github.com/cin7ramp/cin7ramp/cin7core/cin7coretest]
// and [github.com/cin7ramp/cin7ramp/ramp/ramptest], let hosts test their
// integration without either service. The quickstart example runs the whole
// path on them: go run ./examples/quickstart.
package cin7ramp
