// Package cin7coretest is a stateful fake Cin7 Core API v2 server for tests
// of the cin7core client, the sync engine and host applications.
//
// [NewServer] starts an httptest server that behaves like Cin7 Core where it
// matters to a client:
//
//   - authentication with the api-auth-accountid and
//     api-auth-applicationkey headers; anything else gets 403 with the plain
//     body "Incorrect credentials!";
//   - the 60-calls-per-rolling-minute limit per account ID, enforced with an
//     exact sliding window and answered with 503 (no Retry-After, as Cin7
//     Core does) or 429, and the Error Model body
//     [{"ErrorCode":503,"Exception":"You reached 60 calls per minute API limit"}];
//   - the list envelope {"Total":N,"Page":P,"<ListKey>":[...]}, Page and
//     Limit (default 100, 1 to 1000, otherwise 400 with an Error Model),
//     case-insensitive parameter names and case-insensitive ID lookups;
//   - an HTTP 200 HTML "Page not found" page for unknown paths under the
//     API, a documented quirk that clients must treat as an error.
//
// The endpoints served are GET ref/location (ID, Name starting with,
// Deprecated: true lists only deprecated rows, false only active ones,
// absent all of them), GET product (ID, Name and Sku containing, ModifiedSince,
// IncludeDeprecated) and GET productFamily (ID, Name, Sku, ModifiedSince).
// Records are listed in a stable order: by name (ignoring case), then ID.
//
// The data lives in a [Tenant]. [DemoTenant] is an Australian outdoor and
// apparel retailer loaded from JSON files embedded in this package and
// written in the documented Cin7 Core shapes, quirks included: GUIDs whose
// case differs between references, timestamps with seven fractional digits
// and a Z next to zone-less ones with three, and numbers and booleans sent
// as strings. The served bytes keep those quirks. [DemoCounts] gives the
// numbers a sync of the demo tenant should produce.
//
// Tests change the data with the Tenant's mutators (UpsertProduct,
// DeprecateProduct, ...), which stamp LastModifiedOn with the server's clock
// ([WithClock] for virtual time), inject failures with [Server.FailNext],
// and check traffic with [Server.Calls], [Server.CallsTo] and
// [Server.Throttled].
package cin7coretest
