// Package cin7core is a typed client for the Cin7 Core (formerly DEAR
// Inventory) External API v2.
//
//	c, err := cin7core.NewClient(cin7core.WithCredentials(accountID, applicationKey))
//	for p, err := range c.Products.List(&cin7core.ProductListOptions{ModifiedSince: since}).All(ctx) {
//		...
//	}
//
// Resources are services on the [Client] (Locations, Products,
// ProductFamilies, Purchases, Sales, StockTransfers, Availability,
// StockAdjustments, Stocktakes, Webhooks, Me); every method takes a context
// first. The constructor makes no network call.
//
// # Authentication
//
// Every request carries the account ID and application key headers
// ([WithCredentials]). Cin7 Core answers bad credentials with 403, which is
// [ErrUnauthorized] and never retried. The key never appears in errors or
// logs, in any case or escaping.
//
// # Rate limits and retries
//
// Cin7 Core allows 60 calls a minute per account. By default every client
// of one account ID in the process shares [AccountLimiter]: never more than
// 60 calls in any rolling 60 seconds, retries included. [WithLimiter]
// replaces it (with a limiter shared across processes, say; any
// Wait(ctx) error works, *rate.Limiter too).
//
// Throttling (429, or 503, which Cin7 Core sends without Retry-After) is
// retried with exponential backoff and jitter, at least 5 s apart unless
// the server asks for less with Retry-After; other 5xx answers and
// transport errors are retried for reads only ([RetryPolicy],
// [DefaultRetryPolicy]: 6 attempts, waits from 1 s, capped at 60 s). Every
// wait ends early when the context does.
//
// # Pagination
//
// List methods return a [Pager] that fetches nothing until ranged over.
// [Pager.All] yields records, [Pager.Pages] whole pages (to checkpoint
// between them) and [Pager.Next] the page to resume from. Pages hold 1000
// records (the API's maximum) unless asked otherwise. Paging stops once the
// records received reach Total, on an empty page, or on a short page when
// the API sends no Total; a server that serves the same page twice is an
// error, not an endless loop. A record that cannot be decoded does not fail
// its page: it is set aside as a [RowError] in [Page.Invalid].
//
// # Errors
//
// Every API error is an [*APIError] (status, Cin7's ErrorCode and
// Exception, method, URL without secrets, a snippet of the bodies,
// Retry-After) matching [ErrNotFound], [ErrUnauthorized], [ErrRateLimited],
// [ErrValidation], [ErrServer] or [ErrBadResponse] with errors.Is. Cin7 Core
// sometimes reports errors inside HTTP 200 (its Error Model) or answers 200
// with an HTML page; both are errors here. A call that got no response is
// a [*TransportError]. Checks made before any request fail with a
// [*ValidationError].
//
// # Writes and idempotency
//
// Cin7 Core has no idempotency keys, so writes (POST, PUT) are not retried
// after a 5xx answer or a transport error unless the caller passes
// [RetrySafe]; [MayHaveReachedServer] tells whether a failed write may have
// taken effect. Throttled writes are retried: a throttled call was not
// processed.
//
// # Decoding
//
// The API is loose with types, so the models are lenient: money and
// quantities are decimal.Decimal (numbers or numeric strings), times are
// [Time] (zone-less or Z, 0 to 7 fractional digits, null, "", dd/MM/yyyy),
// flags are [Bool] and counts [Int] (both also accept strings). Enumerations
// such as [CostingMethod] are open string types: an unknown value decodes as
// is. GUIDs come in mixed case; compare them with [SameID].
//
// # Testing with the fake
//
// Package cin7coretest serves a stateful fake Cin7 Core (with a demo
// tenant) over HTTP, so a host can test against the real client:
//
//	srv := cin7coretest.NewServer()
//	defer srv.Close()
//	c, err := cin7core.NewClient(srv.ClientOptions()...)
//
// For unit tests with httpmock, pass the mock as the base transport with
// [WithTransport]: the SDK's own auth, retries and limiter stay in the path.
package cin7core
