// Command stocktake pushes one validated Ramp stocktake to Cin7 Core, now,
// instead of waiting for the stocktakes stream's next pass. It first
// prints the dry-run plan: the stock adjustment's lines (SKU, location,
// batch, absolute quantity, unit cost) and the lines that will not be
// posted and why (no or zero unit cost, product not in Cin7 Core, batch
// rules, …). It then asks for confirmation on stdin, unless --yes, and
// posts the adjustment once: through the engine's outbound ledger
// ([cinsync.Engine.SyncStocktake]), which checks Cin7 Core for an earlier
// post first, so running it twice, or alongside the scheduled sync, never
// posts twice.
//
// With no configuration it runs a demo on the built-in fakes: it syncs the
// demo tenant into Ramp, has a Ramp user count and validate a stocktake
// (with one line at zero cost and one of a product Cin7 Core has no cost
// for, to show the skips), then pushes it:
//
//	go run ./examples/stocktake
//	go run ./examples/stocktake --yes
//
// Against real servers (the quickstart's environment variables:
// CIN7CORE_ACCOUNT_ID, CIN7CORE_APPLICATION_KEY, optional CIN7CORE_BASE_URL;
// RAMP_BASE_URL with RAMP_USERNAME and RAMP_PASSWORD, or RAMP_TOKEN):
//
//	go run ./examples/stocktake --list                     # recent validated stocktakes
//	go run ./examples/stocktake --stocktake <ramp-id>      # plan, confirm, post
//	go run ./examples/stocktake --stocktake <ramp-id> --state /var/lib/syncd/acme --tenant acme --yes
//
// --state and --tenant point at the sync service's state (syncd keeps a
// tenant's under <state>/<tenant>), so the ledger it shares records the
// post and the scheduled pass skips the stocktake. Without them the
// ledger lives in memory, and the check of Cin7 Core's adjustments still
// keeps a second post out. The exit status is 0 when the stocktake is
// posted (or already was, or the user declined), 1 when it could not be
// posted, 2 on a usage or configuration error.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// stdin is where the confirmation is read from (tests replace it).
var stdin io.Reader = os.Stdin

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program, separated from main so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stocktake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("stocktake", "", "the Ramp ID of the validated stocktake to post (the demo counts one when omitted on the built-in fakes)")
	yes := fs.Bool("yes", false, "post without asking for confirmation")
	list := fs.Bool("list", false, "list Ramp's validated stocktakes, most recent first, and exit")
	stateDir := fs.String("state", "", "sync state folder whose outbound ledger records the post (default: in memory)")
	tenantName := fs.String("tenant", "", "tenant name the state is kept under (default: the Cin7 Core account ID)")
	verbose := fs.Bool("v", false, "log every API call to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "stocktake: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cin7, cs, cin7Desc, closeCin7, err := cin7Client(getenv, logger)
	if err != nil {
		fmt.Fprintln(stderr, "stocktake:", err)
		return 2
	}
	defer closeCin7()
	rc, rs, rampDesc, closeRamp, err := rampClient(getenv, logger)
	if err != nil {
		fmt.Fprintln(stderr, "stocktake:", err)
		return 2
	}
	defer closeRamp()

	if *list {
		if err := listStocktakes(ctx, rc, stdout); err != nil {
			fmt.Fprintln(stderr, "stocktake:", err)
			return 1
		}
		return 0
	}
	demo := *id == "" && cs != nil && rs != nil
	if *id == "" && !demo {
		fmt.Fprintln(stderr, "stocktake: --stocktake <ramp-id> is required with a real server (--list shows the validated ones)")
		return 2
	}
	if *stateDir != "" && rs != nil {
		// The built-in Ramp starts empty each run; a ledger saved against an
		// earlier one would name stocktakes this one does not have.
		fmt.Fprintln(stderr, "stocktake: --state needs a real Ramp (RAMP_BASE_URL); the built-in fake starts empty every run")
		return 2
	}

	var store cinsync.StateStore = cinsync.NewMemoryStore()
	if *stateDir != "" {
		fstore, err := cinsync.NewFileStore(*stateDir)
		if err != nil {
			fmt.Fprintln(stderr, "stocktake:", err)
			return 2
		}
		store = fstore
	}
	tenant := *tenantName
	if tenant == "" {
		tenant = cin7.AccountID()
	}
	cfg := cinsync.Config{
		Source: cinsync.Cin7Source(cin7),
		Sink:   cinsync.RampSink(rc),
		State:  store,
		Tenant: tenant,
		Logger: logger,
	}
	engine, err := cinsync.NewEngine(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "stocktake:", err)
		return 2
	}
	cfg.DryRun = true
	planner, err := cinsync.NewEngine(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "stocktake:", err)
		return 2
	}
	fmt.Fprintf(stdout, "Cin7 Core: %s\nRamp:      %s\n", cin7Desc, rampDesc)

	if demo {
		st, err := prepareDemo(ctx, engine, cs, rs, stdout)
		if err != nil {
			fmt.Fprintln(stderr, "stocktake: demo:", err)
			return 1
		}
		*id = st
	}

	st, err := rc.Stocktakes.Get(ctx, *id)
	if err != nil {
		fmt.Fprintln(stderr, "stocktake: reading the stocktake from Ramp:", err)
		return 1
	}
	if !st.Validated {
		fmt.Fprintf(stderr, "stocktake: %s (%s) is not validated in Ramp yet; only validated counts are posted\n", st.Name, st.ID)
		return 1
	}
	places, err := placeNames(ctx, rc)
	if err != nil {
		fmt.Fprintln(stderr, "stocktake: reading Ramp's places:", err)
		return 1
	}

	// 1. The plan: a dry run writes nothing and saves no state.
	rep, err := planner.SyncStocktake(ctx, st.ID)
	sr := rep.Stream(cinsync.StreamStocktakes)
	if err != nil || sr == nil {
		fmt.Fprintln(stderr, "stocktake: planning:", err)
		return 1
	}
	fmt.Fprintf(stdout, "\nStocktake %q of %s (%s), %d lines, validated %s, version %d\n",
		st.Name, st.PlaceName, st.ID, len(st.Lines), st.ValidatedAt.UTC().Format(time.RFC3339), st.Version)
	if printFailures(sr, stdout) {
		return 1
	}
	switch {
	case sr.Unchanged > 0:
		fmt.Fprintln(stdout, "\nAlready posted to Cin7 Core (the ledger, or Cin7 Core's own adjustments, say so): nothing to do.")
		return 0
	case len(sr.Plan) == 0:
		printSkipped(sr, places, stdout)
		fmt.Fprintln(stdout, "\nNo line can be posted: there is no stock adjustment to make.")
		return 0
	}
	printPlan(sr, places, stdout)
	printSkipped(sr, places, stdout)

	// 2. Confirmation.
	if !*yes {
		fmt.Fprint(stdout, "\nPost this stock adjustment to Cin7 Core? [y/N] ")
		answer, err := bufio.NewReader(stdin).ReadString('\n')
		answer = strings.ToLower(strings.TrimSpace(answer))
		switch {
		case answer == "y" || answer == "yes":
		case answer == "" && err != nil:
			fmt.Fprintln(stdout, "\nNo answer: not posted (pass --yes to post without asking).")
			return 1
		default:
			fmt.Fprintln(stdout, "Not posted.")
			return 0
		}
	}

	// 3. The post, once: the ledger records the intent, Cin7 Core is
	// checked for an earlier post, and only then is it sent.
	rep, err = engine.SyncStocktake(ctx, st.ID)
	sr = rep.Stream(cinsync.StreamStocktakes)
	if err != nil || sr == nil {
		fmt.Fprintln(stderr, "stocktake: posting:", err)
		return 1
	}
	if printFailures(sr, stdout) {
		return 1
	}
	ref := mapping.StocktakeReference(st.ID, st.Version)
	switch {
	case sr.Created > 0:
		fmt.Fprintf(stdout, "\nPosted: one COMPLETED stock adjustment, Reference %s (%d Cin7 Core calls, %s).\n",
			ref, sr.Cin7Calls, sr.Duration.Round(time.Millisecond))
	default:
		fmt.Fprintf(stdout, "\nCin7 Core already has the adjustment (Reference %s): nothing sent.\n", ref)
	}
	if demo {
		// Once in effect: a second push finds the ledger entry and sends
		// nothing, as would the stocktakes stream's next pass.
		rep, err = engine.SyncStocktake(ctx, st.ID)
		if sr := rep.Stream(cinsync.StreamStocktakes); err != nil || sr == nil || sr.Created != 0 {
			fmt.Fprintf(stderr, "stocktake: the second push was not a no-op: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, "Pushed again: the outbound ledger says it is posted; nothing sent.")
	}
	return 0
}

// printPlan prints the adjustment a dry run would post.
func printPlan(sr *cinsync.StreamReport, places map[string]string, w io.Writer) {
	for _, p := range sr.Plan {
		fmt.Fprintf(w, "\nWould post one stock adjustment, Reference %s, with %d lines.\nQuantities are absolute: Cin7 Core sets on hand to them.\n\n", p.ExternalRef, len(p.Lines))
		lines := slices.Clone(p.Lines)
		sort.SliceStable(lines, func(i, j int) bool {
			a, b := nameOf(places, lines[i].LocationID), nameOf(places, lines[j].LocationID)
			if a != b {
				return a < b
			}
			return lines[i].SKU < lines[j].SKU
		})
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SKU\tLocation\tBatch\tExpiry\tQuantity\tUnit cost")
		for _, l := range lines {
			exp := "-"
			if l.Expiry != nil {
				exp = l.Expiry.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", dash(l.SKU), nameOf(places, l.LocationID), dash(l.Batch), exp, l.Quantity.String(), l.UnitCost.StringFixed(2))
		}
		_ = tw.Flush()
	}
}

// printSkipped prints the lines that will not be posted, by reason.
func printSkipped(sr *cinsync.StreamReport, places map[string]string, w io.Writer) {
	if len(sr.SkippedLines) == 0 {
		return
	}
	fmt.Fprintf(w, "\nNot posted (%d lines):\n", len(sr.SkippedLines))
	reasons := make([]string, 0, len(sr.SkippedByReason))
	for r := range sr.SkippedByReason {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "  %d × %s\n", sr.SkippedByReason[r], r)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  Line\tSKU\tPlace\tBatch\tReason")
	for _, l := range sr.SkippedLines {
		reason := l.Reason
		if l.Detail != "" {
			reason += " (" + l.Detail + ")"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", l.Line, dash(l.SKU), nameOf(places, l.PlaceExternalRef), dash(l.Batch), reason)
	}
	_ = tw.Flush()
}

// printFailures prints the stocktake's failures; true if there were any.
func printFailures(sr *cinsync.StreamReport, w io.Writer) bool {
	for _, f := range sr.Failures {
		fmt.Fprintf(w, "\nCannot post %s: %s (at %s)\n", f.ID, f.Reason, f.Stage)
	}
	return len(sr.Failures) > 0
}

// listStocktakes prints Ramp's validated stocktakes, most recent first.
func listStocktakes(ctx context.Context, rc *ramp.Client, w io.Writer) error {
	validated := true
	q := ramp.StocktakeQuery{Validated: &validated}
	var all []ramp.Stocktake
	for st, err := range rc.Stocktakes.List(&ramp.ListOptions{Filter: q.Filter()}).All(ctx) {
		if err != nil {
			return err
		}
		all = append(all, st)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ValidatedAt.After(all[j].ValidatedAt) })
	if len(all) == 0 {
		fmt.Fprintln(w, "No validated stocktakes in Ramp.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tName\tPlace\tValidated\tLines")
	for _, st := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", st.ID, st.Name, dash(st.PlaceName), st.ValidatedAt.UTC().Format(time.RFC3339), st.LineCount)
	}
	return tw.Flush()
}

// placeNames maps Ramp places' ExternalRefs (Cin7 Core location and bin
// IDs) to their names, for the tables.
func placeNames(ctx context.Context, rc *ramp.Client) (map[string]string, error) {
	out := map[string]string{}
	for p, err := range rc.Places.List(nil).All(ctx) {
		if err != nil {
			return nil, err
		}
		if p.ExternalRef != "" {
			out[strings.ToLower(p.ExternalRef)] = p.Name
		}
	}
	return out, nil
}

func nameOf(places map[string]string, ref string) string {
	if n := places[strings.ToLower(ref)]; n != "" {
		return n
	}
	return dash(ref)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
