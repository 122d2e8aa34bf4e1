// Package cin7corerecord records exchanges with a Cin7 Core tenant as
// fixture files, so a team can record its own tenant once and unit-test
// against it offline.
//
// [NewRecorder] wraps an http.RoundTripper (give it to
// cin7core.WithTransport): each exchange is saved as one JSON [Fixture]
// with credentials and personal data scrubbed (see [Recorder]). The
// replay sub-package serves a folder of fixtures through httpmock. This
// package itself depends on the standard library only.
package cin7corerecord
