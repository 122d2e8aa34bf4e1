// Package faults injects the failures real APIs produce, on a seeded
// schedule, for tests of code built on the cin7core and ramp clients.
//
// [Transport] wraps an http.RoundTripper (pass it to a client with
// cin7core.WithTransport or ramp.WithTransport, on top of a fake server or
// httpmock) and, for each request a [Rule] matches, picks a fault with the
// rule's probability from a seeded random source, so a failing run can be
// replayed exactly:
//
//   - throttling: 429 with or without Retry-After, 503 without (as Cin7
//     Core sends);
//   - server errors: 500, 502, 504;
//   - transport: a connection reset before the request is sent (nothing
//     reached the server) or after the server answered (the write took
//     effect but the caller never hears of it), a timeout after sending;
//   - nonsense: truncated JSON, an HTML page with status 200, a Cin7 Core
//     Error Model inside a 200;
//   - a list page served again in place of the next one;
//   - slow responses.
//
// [Transport.Log] records every injected fault, so a test can assert what
// happened and a report can name every failure.
package faults
