// Command quickstart runs the whole integration three times and prints what
// each pass did and what moved each way: Cin7 Core locations, products,
// families, orders and stock on hand into Ramp; between the first two
// passes it plays the Ramp users (receives orders, picks a sale, validates
// a stocktake), and the second pass posts that back to Cin7 Core.
//
// With no configuration it starts a fake Cin7 Core (loaded with a demo
// tenant) and a fake Ramp in-process, so it runs anywhere:
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart --json
//
// Either side can point at a real server through the environment; a side
// left unset keeps its fake:
//
//	CIN7CORE_BASE_URL, CIN7CORE_ACCOUNT_ID, CIN7CORE_APPLICATION_KEY
//	RAMP_BASE_URL with RAMP_USERNAME and RAMP_PASSWORD, or RAMP_TOKEN
//
// The last pass must create and update nothing: every write is an upsert
// by ExternalRef or goes through the outbound ledger, and unchanged records
// are not written. The exit status is non-zero when a pass fails.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/examples/internal/envclients"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program, separated from main so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print each pass's report as one JSON object per line")
	passes := fs.Int("passes", 3, "number of passes to run")
	stateDir := fs.String("state", "", "keep sync state in this directory between runs (needs a real Ramp: RAMP_BASE_URL)")
	verbose := fs.Bool("v", false, "log every API call to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "quickstart: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *stateDir != "" && getenv("RAMP_BASE_URL") == "" {
		// The built-in Ramp starts empty each run; state saved against an
		// earlier one would claim records this one does not have.
		fmt.Fprintln(stderr, "quickstart: --state needs a real Ramp (RAMP_BASE_URL); the built-in fake starts empty every run")
		return 2
	}
	if *passes < 1 {
		fmt.Fprintln(stderr, "quickstart: --passes must be at least 1")
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cin7, cs, cin7Desc, closeCin7, err := cin7Client(getenv, logger)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 2
	}
	defer closeCin7()
	rc, rs, rampDesc, closeRamp, err := rampClient(getenv, logger)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 2
	}
	defer closeRamp()

	var store cinsync.StateStore = cinsync.NewMemoryStore()
	if *stateDir != "" {
		fs, err := cinsync.NewFileStore(*stateDir)
		if err != nil {
			fmt.Fprintln(stderr, "quickstart:", err)
			return 2
		}
		store = fs
	}
	engine, err := cinsync.NewEngine(cinsync.Config{
		Source: cinsync.Cin7Source(cin7),
		Sink:   cinsync.RampSink(rc),
		State:  store,
		Tenant: cin7.AccountID(),
		Logger: logger,
	})
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 2
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "Cin7 Core: %s\nRamp:      %s\n", cin7Desc, rampDesc)
	}
	enc := json.NewEncoder(stdout)
	code := 0
	for i := 1; i <= *passes; i++ {
		rep, err := engine.Sync(ctx)
		if rep == nil {
			fmt.Fprintln(stderr, "quickstart:", err)
			return 1
		}
		if *asJSON {
			if err := enc.Encode(struct {
				Pass int `json:"pass"`
				*cinsync.Report
			}{i, rep}); err != nil {
				fmt.Fprintln(stderr, "quickstart:", err)
				return 1
			}
		} else {
			fmt.Fprintf(stdout, "\nPass %d (%s):\n%s%s", i, rep.Finished.Sub(rep.Started).Round(1e6), rep.Summary(), moved(rep))
		}
		if i == 1 && i < *passes && rs != nil {
			w := stdout
			if *asJSON {
				w = io.Discard
			}
			var onHand func(productID, locationID string) decimal.Decimal
			if cs != nil {
				onHand = func(productID, locationID string) decimal.Decimal {
					return cs.Tenant().StockOf(cin7coretest.StockKey{ProductID: productID, LocationID: locationID}).OnHand
				}
			}
			playRampUser(rs, onHand, w)
		}
		if err != nil {
			fmt.Fprintf(stderr, "quickstart: pass %d failed: %v\n", i, err)
			code = 1
		}
	}
	return code
}

// cin7Client and rampClient: see envclients (the environment, or the fakes).
func cin7Client(getenv func(string) string, logger *slog.Logger) (*cin7core.Client, *cin7coretest.Server, string, func(), error) {
	return envclients.Cin7(getenv, logger)
}

func rampClient(getenv func(string) string, logger *slog.Logger) (*ramp.Client, *ramptest.Server, string, func(), error) {
	return envclients.Ramp(getenv, logger)
}
