// Package ramp is a client for Ramp, the RFID stock-control platform, as
// used by the Cin7 Core sync: places (locations and bins) and SKUs, with
// archiving; inbound, outbound and transfer orders and the progress Ramp
// users make on them (allocated, dispatched and received units with
// batches and serials); stocktakes; expected counts per place (PlaceStock);
// and write-offs, with a CSV export.
//
// Ramp publishes no API. This package speaks an assumed contract that
// follows the Locafi v2 shapes Ramp's platform used, with the field names
// Ramp's knowledge base still uses; API.md in this directory documents all
// of it, and every endpoint path lives in paths.go, so adapting to Ramp's
// real endpoints is a one-place change.
//
//	client, err := ramp.NewClient(
//		ramp.WithBaseURL("https://acme.ramp.example/"),
//		ramp.WithLogin(user, password),
//	)
//	place, err := client.Places.FindByExternalRef(ctx, "9f1c…")
//
// NewClient makes no network call, and every method takes a context first.
// A Client is safe for concurrent use.
//
// # Authentication
//
// With [WithLogin] the client logs in on its first call
// (POST api/Authentication/Login) and sends "Authorization: Token <jwt>".
// It reads the token's exp claim (without checking the signature) and
// refreshes it (api/Authentication/RefreshLogin) when it is within 30
// seconds of expiry. If a call is still answered 401, the client refreshes
// once, logs in again if the refresh fails, and repeats the call once; a
// second 401 is final and matches [ErrUnauthorized]. Concurrent callers
// share one login. With [WithToken] the token is used as is and a 401 is
// final. The password and every token are registered for redaction, so
// they appear in no error and no log line.
//
// # Pagination and filters
//
// List returns a [Pager]: range over [Pager.All] for records or
// [Pager.Pages] for pages (to checkpoint between them), and pass
// [Pager.Skip] back as [ListOptions].Skip to resume. Pages hold up to
// [DefaultPageSize] (1000) records. The pager follows the server's
// NextPageLink, refusing links to another host; without one it stops when
// Count is reached or on a short page.
//
// Filters are built, never pasted: [Eq], [Ne], [Gt], [Ge], [Lt], [Le],
// [Contains], [And], [Or] and [Not] render values as OData literals
// (strings single-quoted with quotes doubled), so a value such as
// "x' or 'a' eq 'a" can only ever match itself. A bad field name or value
// type makes List return a [*ValidationError] before any request.
//
//	f := ramp.And(ramp.Eq("Archived", false), ramp.Contains("Name", "Store"))
//	for p, err := range client.Places.List(&ramp.ListOptions{Filter: f}).All(ctx) { … }
//
// # Errors
//
// Every error answer is an [*APIError] (status, the server's
// [ErrorDetail] list with ErrorCode, Message and Field, method, redacted
// URL, request body snippet, Retry-After, attempts). Match kinds with
// errors.Is: [ErrNotFound], [ErrUnauthorized], [ErrRateLimited],
// [ErrValidation], [ErrConflict] (DuplicateResource: the ExternalRef is
// taken), [ErrBadResponse] (an HTML page or JSON of the wrong shape, even
// with status 200) and [ErrServer]. Checks made before sending (a Create
// without Name or ExternalRef, an Update without ID) return a
// [*ValidationError], which matches ErrValidation.
//
// # Orders
//
// Orders follow Locafi's state machine (Created → Allocating → Allocated →
// Dispatched → Receiving → Received → Completed, or Cancelled before goods
// move; inbound orders go Created → Receiving → Received → Completed).
// [OrdersService.UpsertByExternalRef] creates or updates by the Cin7 Core
// document ID; a Completed or Cancelled order is frozen, and any change to
// it fails with an error matching [ErrOrderFrozen]. An action the order's
// state does not allow matches [ErrIllegalState]. Orders are checked
// before sending ([ValidateOrder]).
//
// # Retries
//
// 429 and 503 are retried with backoff for every call, honouring
// Retry-After. Other 5xx answers and transport errors are retried only
// for reads and idempotent writes (Archive, Unarchive, PlaceStock.Put
// parts): Create, Update and the order actions are POSTs that may have
// taken effect, so they are never repeated (look the record up by
// ExternalRef instead).
// [WithRetryPolicy] tunes attempts and waits; Ramp publishes no rate
// limit, so there is no client-side limiter unless [WithLimiter] sets one.
//
// # Testing with ramptest
//
// Package ramptest is a stateful fake Ramp server (httptest) that speaks
// the same contract: logins and token expiry, validation, unique
// ExternalRef, paging and OData filters, plus fault injection. Use it in
// host tests:
//
//	srv := ramptest.NewServer()
//	defer srv.Close()
//	client, _ := srv.NewClient()
//
// For unit tests at the HTTP level, [WithTransport] puts an httpmock
// transport under the client's own auth and retry logic.
package ramp
