package main

import (
	"log/slog"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/examples/internal/envclients"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

// cin7Client and rampClient: see envclients (the environment, or the fakes).
func cin7Client(getenv func(string) string, logger *slog.Logger) (*cin7core.Client, *cin7coretest.Server, string, func(), error) {
	return envclients.Cin7(getenv, logger)
}

func rampClient(getenv func(string) string, logger *slog.Logger) (*ramp.Client, *ramptest.Server, string, func(), error) {
	return envclients.Ramp(getenv, logger)
}
