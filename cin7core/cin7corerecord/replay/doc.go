// Package replay serves recorded Cin7 Core fixtures (see cin7corerecord)
// through an httpmock transport, for offline unit tests. It lives in its
// own package because it imports httpmock: code that only records does
// not depend on it.
package replay
