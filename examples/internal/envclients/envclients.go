// Package envclients builds the examples' clients from the quickstart's
// environment variables, or starts the built-in fakes for a side left unset,
// so every example runs with no configuration.
package envclients

import (
	"errors"
	"log/slog"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

// Cin7 connects to the Cin7 Core named by the environment
// (CIN7CORE_BASE_URL, CIN7CORE_ACCOUNT_ID, CIN7CORE_APPLICATION_KEY), or
// starts the fake with the demo tenant when none is named; the fake's
// server is returned too (nil for a real Cin7 Core).
func Cin7(getenv func(string) string, logger *slog.Logger) (*cin7core.Client, *cin7coretest.Server, string, func(), error) {
	base, account, key := getenv("CIN7CORE_BASE_URL"), getenv("CIN7CORE_ACCOUNT_ID"), getenv("CIN7CORE_APPLICATION_KEY")
	if base == "" && account == "" && key == "" {
		srv := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
		c, err := srv.NewClient(cin7core.WithLogger(logger))
		if err != nil {
			srv.Close()
			return nil, nil, "", nil, err
		}
		return c, srv, "built-in fake with the demo tenant at " + srv.URL(), srv.Close, nil
	}
	if account == "" || key == "" {
		return nil, nil, "", nil, errors.New("CIN7CORE_ACCOUNT_ID and CIN7CORE_APPLICATION_KEY must both be set to use a real Cin7 Core")
	}
	opts := []cin7core.Option{cin7core.WithCredentials(account, key), cin7core.WithLogger(logger)}
	if base != "" {
		opts = append(opts, cin7core.WithBaseURL(base))
	} else {
		base = cin7core.DefaultBaseURL
	}
	c, err := cin7core.NewClient(opts...)
	if err != nil {
		return nil, nil, "", nil, err
	}
	return c, nil, base, func() {}, nil
}

// Ramp connects to the Ramp named by the environment (RAMP_BASE_URL
// with RAMP_USERNAME and RAMP_PASSWORD, or RAMP_TOKEN), or starts the fake
// when none is named; the fake's server is returned too (nil for a real
// Ramp).
func Ramp(getenv func(string) string, logger *slog.Logger) (*ramp.Client, *ramptest.Server, string, func(), error) {
	base, user, pass, token := getenv("RAMP_BASE_URL"), getenv("RAMP_USERNAME"), getenv("RAMP_PASSWORD"), getenv("RAMP_TOKEN")
	if base == "" {
		if user != "" || pass != "" || token != "" {
			return nil, nil, "", nil, errors.New("RAMP_BASE_URL must be set when Ramp credentials are given")
		}
		srv := ramptest.NewServer()
		c, err := srv.NewClient(ramp.WithLogger(logger))
		if err != nil {
			srv.Close()
			return nil, nil, "", nil, err
		}
		return c, srv, "built-in fake at " + srv.URL(), srv.Close, nil
	}
	opts := []ramp.Option{ramp.WithBaseURL(base), ramp.WithLogger(logger)}
	switch {
	case token != "":
		opts = append(opts, ramp.WithToken(token))
	case user != "" && pass != "":
		opts = append(opts, ramp.WithLogin(user, pass))
	default:
		return nil, nil, "", nil, errors.New("set RAMP_TOKEN, or RAMP_USERNAME and RAMP_PASSWORD, to use a real Ramp")
	}
	c, err := ramp.NewClient(opts...)
	if err != nil {
		return nil, nil, "", nil, err
	}
	return c, nil, base, func() {}, nil
}
