package cin7coretest

import "github.com/cin7ramp/cin7ramp/cin7core"

// NewClient returns a client for this server: its URL and credentials and
// a rate limiter of its own matching the server's limit (so tests do not
// share the process-wide budget of the demo account). Later options win.
func (s *Server) NewClient(opts ...cin7core.Option) (*cin7core.Client, error) {
	return cin7core.NewClient(append(s.ClientOptions(), opts...)...)
}
