// Package httpx is the one request pipeline that the Cin7 Core and Ramp
// clients share.
//
// Every call goes through [Pipeline.Do], which, for each attempt:
//
//  1. waits on the [Limiter] (retries included, so a retry storm can never
//     exceed the account's budget);
//  2. builds a fresh *http.Request from a replayable byte body;
//  3. applies the client's authorisation hook and user agent;
//  4. sends it through the base transport (go-cleanhttp by default, or
//     whatever the host injected, e.g. httpmock);
//  5. reads the body (success bodies up to MaxBodyBytes, error bodies
//     captured up to 1 MiB) and lets the client turn it into an error;
//  6. decides whether to retry: throttling statuses always, other 5xx and
//     transport errors only when the request is idempotent, honouring
//     Retry-After and otherwise backing off exponentially with jitter (each wait between half and all of the backoff).
//
// Waits are context-aware and capped. Secrets registered with a [Redactor]
// are removed from every error and log line this package produces.
package httpx
