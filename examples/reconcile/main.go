// Command reconcile prints the stock-on-hand validation report: for each
// place with a validated Ramp stocktake, what the stocktake counted beside
// what Cin7 Core holds on hand now, per SKU, as a table on the terminal
// (differences only, unless --all) and, with --csv, as a CSV file for a
// spreadsheet. It also exports Ramp's write-offs (stock users recorded
// as stolen, damaged or missing, which never flow to Cin7 Core) as CSV
// with --writeoffs.
//
// The report is the stock stream's ([cinsync.StreamReport].StockValidation)
// run as a dry run: it reads both sides and writes nothing, neither Ramp's
// expected counts nor any state.
//
// With no configuration it runs a demo on the built-in fakes: it syncs the
// demo tenant into Ramp, has a Ramp user count and validate a stocktake
// with a few differences and record two write-offs, then prints the table
// and writes both CSVs (to a new temporary folder unless --csv and
// --writeoffs name files):
//
//	go run ./examples/reconcile
//	go run ./examples/reconcile --csv stock.csv --writeoffs writeoffs.csv --all
//
// Against real servers, through the quickstart's environment variables
// (CIN7CORE_ACCOUNT_ID, CIN7CORE_APPLICATION_KEY, optional
// CIN7CORE_BASE_URL; RAMP_BASE_URL with RAMP_USERNAME and RAMP_PASSWORD, or
// RAMP_TOKEN):
//
//	go run ./examples/reconcile --csv stock.csv --writeoffs writeoffs.csv --since 2025-01-01
//
// --place limits the table, the CSV and the write-offs to one place (its
// Cin7 Core location or bin ID). Keep in mind that a stocktake is compared
// with today's stock: movements since it was validated show as
// differences. The exit status is 0 on success, 1 when a side fails, 2
// on a usage or configuration error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/ramp"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program, separated from main so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	csvFile := fs.String("csv", "", "write the validation report to this CSV file")
	writeOffsFile := fs.String("writeoffs", "", "write Ramp's write-offs to this CSV file")
	all := fs.Bool("all", false, "list every line in the table, not only the differences")
	place := fs.String("place", "", "only this place (Cin7 Core location or bin ID)")
	sinceFlag := fs.String("since", "", "write-offs from this time on (YYYY-MM-DD or RFC 3339)")
	untilFlag := fs.String("until", "", "write-offs before this time (YYYY-MM-DD or RFC 3339)")
	verbose := fs.Bool("v", false, "log every API call to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "reconcile: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	since, err := parseTime(*sinceFlag)
	if err != nil {
		fmt.Fprintln(stderr, "reconcile: --since:", err)
		return 2
	}
	until, err := parseTime(*untilFlag)
	if err != nil {
		fmt.Fprintln(stderr, "reconcile: --until:", err)
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cin7, cs, cin7Desc, closeCin7, err := cin7Client(getenv, logger)
	if err != nil {
		fmt.Fprintln(stderr, "reconcile:", err)
		return 2
	}
	defer closeCin7()
	rc, rs, rampDesc, closeRamp, err := rampClient(getenv, logger)
	if err != nil {
		fmt.Fprintln(stderr, "reconcile:", err)
		return 2
	}
	defer closeRamp()
	fmt.Fprintf(stdout, "Cin7 Core: %s\nRamp:      %s\n", cin7Desc, rampDesc)

	demo := cs != nil && rs != nil
	if demo {
		engine, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cin7), Sink: cinsync.RampSink(rc), Tenant: cin7.AccountID(), Logger: logger})
		if err != nil {
			fmt.Fprintln(stderr, "reconcile:", err)
			return 2
		}
		if err := prepareDemo(ctx, engine, cs, rs, stdout); err != nil {
			fmt.Fprintln(stderr, "reconcile: demo:", err)
			return 1
		}
		if *csvFile == "" || *writeOffsFile == "" {
			dir, err := os.MkdirTemp("", "reconcile-")
			if err != nil {
				fmt.Fprintln(stderr, "reconcile:", err)
				return 1
			}
			if *csvFile == "" {
				*csvFile = filepath.Join(dir, "stock-validation.csv")
			}
			if *writeOffsFile == "" {
				*writeOffsFile = filepath.Join(dir, "writeoffs.csv")
			}
		}
	}

	// The stock stream as a dry run: reads both sides, writes nothing.
	engine, err := cinsync.NewEngine(cinsync.Config{
		Source: cinsync.Cin7Source(cin7),
		Sink:   cinsync.RampSink(rc),
		Tenant: cin7.AccountID(),
		Logger: logger,
		DryRun: true,
	})
	if err != nil {
		fmt.Fprintln(stderr, "reconcile:", err)
		return 2
	}
	rep, err := engine.Sync(ctx, cinsync.StreamStock)
	sr := rep.Stream(cinsync.StreamStock)
	if err != nil || sr == nil || sr.StockValidation == nil {
		fmt.Fprintln(stderr, "reconcile: reading stock on hand and stocktakes:", err)
		return 1
	}
	v := filterPlace(sr.StockValidation, *place)
	fmt.Fprintf(stdout, "\nStock on hand, Ramp's latest validated stocktakes beside Cin7 Core's units on hand now (%d Cin7 Core calls, %d Ramp calls):\n",
		sr.Cin7Calls, sr.RampCalls)
	names, err := placeNames(ctx, rc)
	if err != nil {
		fmt.Fprintln(stderr, "reconcile: reading Ramp's places:", err)
		return 1
	}
	printTable(v, names, *all, stdout)
	if len(sr.Plan) > 0 {
		fmt.Fprintf(stdout, "\nRamp's expected counts of %d places are behind Cin7 Core's stock; the stock stream's next pass updates them.\n", len(sr.Plan))
	}

	if *csvFile != "" {
		if err := writeFile(*csvFile, v.WriteCSV); err != nil {
			fmt.Fprintln(stderr, "reconcile: writing the CSV:", err)
			return 1
		}
		fmt.Fprintf(stdout, "\nValidation report written to %s (%d rows).\n", *csvFile, rows(v))
	}
	if *writeOffsFile != "" {
		q := ramp.WriteOffQuery{Since: since, Until: until, PlaceExternalRef: *place}
		n := 0
		err := writeFile(*writeOffsFile, func(w io.Writer) error {
			var err error
			n, err = rc.WriteOffs.ExportCSV(ctx, w, &ramp.ListOptions{Filter: q.Filter()})
			return err
		})
		if err != nil {
			fmt.Fprintln(stderr, "reconcile: exporting the write-offs:", err)
			return 1
		}
		fmt.Fprintf(stdout, "Write-offs written to %s (%d rows).\n", *writeOffsFile, n)
	}
	return 0
}

// printTable prints the comparison per place, by name: the differing
// lines (every line with all), then the places Ramp has not counted.
func printTable(v *cinsync.StockValidation, names map[string]string, all bool, w io.Writer) {
	total, differ := 0, 0
	places := slices.Clone(v.Places)
	sort.SliceStable(places, func(i, j int) bool { return places[i].PlaceName < places[j].PlaceName })
	for _, p := range places {
		var shown []cinsync.StockValidationLine
		width := len("SKU")
		for _, l := range p.Lines {
			total++
			if differs(l) {
				differ++
			} else if !all {
				continue
			}
			shown = append(shown, l)
			width = max(width, len(orID(l.SkuNumber, l.SkuExternalRef)))
		}
		fmt.Fprintf(w, "\n%s — %s, validated %s: %s, %d differing\n", orID(p.PlaceName, p.PlaceExternalRef), p.StocktakeName,
			p.ValidatedAt.UTC().Format("2006-01-02 15:04 MST"), plural(len(p.Lines), "SKU"), countDiffer(p.Lines))
		if len(shown) == 0 {
			continue
		}
		// Numbers right-aligned; the SKU padded to the left, the note
		// after the last tab left as is.
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%-*s\tCounted (Ramp)\tOn hand (Cin7 Core)\tDifference\t\n", width, "SKU")
		for _, l := range shown {
			note := ""
			switch {
			case !l.InCin7:
				note = "  counted, but Cin7 Core has none here"
			case !l.InRamp:
				note = "  not counted"
			}
			fmt.Fprintf(tw, "%-*s\t%s\t%s\t%s\t%s\n", width, orID(l.SkuNumber, l.SkuExternalRef), l.Counted, l.OnHand, signed(l), note)
		}
		_ = tw.Flush()
	}
	if len(v.Places) == 0 {
		fmt.Fprintln(w, "\nNo place has a validated stocktake in Ramp yet.")
	}
	fmt.Fprintf(w, "\n%d of %d lines differ.\n", differ, total)
	if len(v.Uncounted) > 0 {
		var un []string
		for _, ref := range v.Uncounted {
			un = append(un, orID(names[strings.ToLower(ref)], ref))
		}
		sort.Strings(un)
		fmt.Fprintf(w, "%s stock in Cin7 Core but no validated stocktake in Ramp:\n", plural(len(un), "place holds"))
		for _, n := range un {
			fmt.Fprintln(w, "  -", n)
		}
	}
}

func differs(l cinsync.StockValidationLine) bool {
	return !l.Difference.IsZero() || l.InRamp != l.InCin7
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	noun, rest, _ := strings.Cut(what, " ")
	if rest == "holds" {
		return fmt.Sprintf("%d %ss hold", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// placeNames maps Ramp places' ExternalRefs (Cin7 Core location and bin
// IDs) to their names.
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

func countDiffer(ls []cinsync.StockValidationLine) int {
	n := 0
	for _, l := range ls {
		if differs(l) {
			n++
		}
	}
	return n
}

func signed(l cinsync.StockValidationLine) string {
	if l.Difference.IsPositive() {
		return "+" + l.Difference.String()
	}
	return l.Difference.String()
}

func orID(s, id string) string {
	if s != "" {
		return s
	}
	return id
}

// filterPlace keeps one place (and the uncounted list's entry for it).
func filterPlace(v *cinsync.StockValidation, place string) *cinsync.StockValidation {
	if place == "" {
		return v
	}
	out := &cinsync.StockValidation{}
	for _, p := range v.Places {
		if cin7core.SameID(p.PlaceExternalRef, place) {
			out.Places = append(out.Places, p)
		}
	}
	for _, u := range v.Uncounted {
		if cin7core.SameID(u, place) {
			out.Uncounted = append(out.Uncounted, u)
		}
	}
	return out
}

func rows(v *cinsync.StockValidation) int {
	n := 0
	for _, p := range v.Places {
		n += len(p.Lines)
	}
	return n
}

// writeFile writes a file through fill, keeping a half-written file out
// of the way: it is written beside, then renamed.
func writeFile(name string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename: a no-op
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// parseTime reads a date (YYYY-MM-DD, UTC) or an RFC 3339 time; "" is the
// zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither YYYY-MM-DD nor RFC 3339", s)
	}
	return t, nil
}
