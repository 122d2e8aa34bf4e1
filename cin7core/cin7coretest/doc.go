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
// # Endpoints
//
//   - Catalogue: GET ref/location (ID, Name starting with, Deprecated: true
//     lists only deprecated rows, false only active ones, absent all of
//     them), GET product (ID, Name and Sku containing, ModifiedSince,
//     IncludeDeprecated) and GET productFamily (ID, Name, Sku,
//     ModifiedSince). Records are listed by name (ignoring case), then ID.
//   - Purchases (purchases.go): purchaseList with its filters, purchase and
//     advanced-purchase, purchase/order, purchase/stock and
//     advanced-purchase/stock; orders go DRAFT → AUTHORISED, stock is
//     received only against an authorised order (and invoice, for
//     invoice-first purchases), a line duplicating a received product +
//     location + batch + expiry is refused, receipts add to the ledger.
//   - Sales (sales.go): saleList, sale, sale/order, sale/fulfilment and its
//     pick, pack and ship; authorising an order allocates what is on hand and
//     silently backorders the rest; pick needs an authorised order, pack an
//     authorised pick, ship an authorised pack; shipping takes the units out
//     of the ledger.
//   - Stock (stock_docs.go): ref/productavailability derived from the
//     ledger (StockOnHand is a value, zero rows left out, ModifiedSince
//     ignored); stock transfers (IN TRANSIT moves units out of the source,
//     COMPLETED lands them at the destination); stock adjustments and
//     stocktakes that set on-hand quantities absolutely.
//   - Webhooks and me (webhooks.go, me.go): subscription CRUD with Cin7's
//     rules (known British-spelled types, at most five per type), delivery
//     of payloads to subscribers with [Server.Deliver] and retries with
//     [Server.RetryDeliveries], deactivating a subscription after six
//     failures; GET me.
//
// Every stock-moving document goes through one ledger per tenant (product ×
// location × bin × batch × expiry; [Tenant.SetStock], [Tenant.Stock]), so
// availability always agrees with what the documents did.
//
// # Data
//
// The data lives in a [Tenant]. [DemoTenant] is an Australian outdoor and
// apparel retailer loaded from JSON files embedded in this package (with
// stock on hand, purchases, sales and transfers around its catalogue) and
// written in the documented Cin7 Core shapes, quirks included: GUIDs whose
// case differs between references, timestamps with seven fractional digits
// and a Z next to zone-less ones with three, and numbers and booleans sent
// as strings. The served bytes keep those quirks. [DemoCounts] gives the
// numbers a sync of the demo tenant should produce.
//
// # Acting as a Cin7 Core user
//
// Tests change the data with the Tenant's mutators (UpsertProduct,
// DeprecateProduct, AuthorisePurchaseOrder, AuthoriseSaleOrder,
// CompleteTransfer, ...), which stamp modification times with the server's clock
// ([WithClock] for virtual time), inject failures with [Server.FailNext],
// and check traffic with [Server.Calls], [Server.CallsTo] and
// [Server.Throttled].
package cin7coretest
