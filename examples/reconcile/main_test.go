package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
	"github.com/shopspring/decimal"
)

func runWith(t *testing.T, args []string, env map[string]string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The demo on the built-in fakes: the table shows the count's
// differences, both CSVs are written.
func TestReconcileDemoOnBuiltInFakes(t *testing.T) {
	dir := t.TempDir()
	stock, wos := filepath.Join(dir, "stock.csv"), filepath.Join(dir, "wo.csv")
	code, out, errOut := runWith(t, []string{"--csv", stock, "--writeoffs", wos}, nil)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"Counted (Ramp)", "On hand (Cin7 Core)", "+2", "-1", "counted, but Cin7 Core has none here",
		"4 of ", "lines differ", "no validated stocktake in Ramp", "(2 rows)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	rows := readCSV(t, stock)
	if len(rows) < 5 || rows[0][0] != "PlaceExternalRef" {
		t.Fatalf("validation CSV: %v", rows)
	}
	differ := 0
	for _, r := range rows[1:] {
		if d := decimal.RequireFromString(r[9]); !d.IsZero() {
			differ++
		}
	}
	if differ != 4 {
		t.Fatalf("%d rows differ in the CSV, want 4", differ)
	}
	wo := readCSV(t, wos)
	if len(wo) != 3 || strings.Join(wo[0], ",") != strings.Join(ramp.WriteOffCSVHeader, ",") || wo[1][2] != "Damaged" || wo[2][2] != "Stolen" {
		t.Fatalf("write-offs CSV: %v", wo)
	}
}

// Without --csv and --writeoffs the demo writes both into a new
// temporary folder.
func TestReconcileDemoDefaultFiles(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	code, out, errOut := runWith(t, []string{"--all"}, nil)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(os.TempDir(), "reconcile-*", "*.csv"))
	if len(files) != 2 {
		t.Fatalf("files %v\n%s", files, out)
	}
	if !strings.Contains(out, "SUN-SPF50-100") { // --all lists agreeing lines too
		t.Fatalf("--all output:\n%s", out)
	}
}

// Real servers, named through the environment: a dry run that writes
// nothing to Ramp.
func TestReconcileAgainstServersFromEnvironment(t *testing.T) {
	cs := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()), cin7coretest.WithCredentials("acct-rc", "key-rc-secret"))
	defer cs.Close()
	rs := ramptest.NewServer(ramptest.WithUser("ops", "pw-rc-secret"))
	defer rs.Close()
	env := map[string]string{
		"CIN7CORE_BASE_URL": cs.URL(), "CIN7CORE_ACCOUNT_ID": "acct-rc", "CIN7CORE_APPLICATION_KEY": "key-rc-secret",
		"RAMP_BASE_URL": rs.URL(), "RAMP_USERNAME": "ops", "RAMP_PASSWORD": "pw-rc-secret",
	}
	cc, _ := cs.NewClient()
	rc, _ := ramp.NewClient(ramp.WithBaseURL(rs.URL()), ramp.WithLogin("ops", "pw-rc-secret"))
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cc), Sink: cinsync.RampSink(rc)})
	if err != nil {
		t.Fatal(err)
	}
	if err := prepareDemo(context.Background(), e, cs, rs, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	wantWO := rs.WriteOffs()
	before := rs.PlaceStock("")
	dir := t.TempDir()
	place := wantWO[0].PlaceExternalRef
	stock, wos := filepath.Join(dir, "stock.csv"), filepath.Join(dir, "wo.csv")
	code, out, errOut := runWith(t, []string{"--csv", stock, "--writeoffs", wos, "--place", place, "--since", "2000-01-01"}, env)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, r := range readCSV(t, stock)[1:] {
		if r[0] != place {
			t.Fatalf("--place %s let %s through", place, r[0])
		}
	}
	if wo := readCSV(t, wos); len(wo) != 1+len(wantWO) {
		t.Fatalf("write-offs %v, want %d", wo, len(wantWO))
	}
	if after := rs.PlaceStock(""); len(after) != len(before) {
		t.Fatal("the report wrote Ramp's expected counts")
	}
	if all := out + errOut; strings.Contains(all, "key-rc-secret") || strings.Contains(all, "pw-rc-secret") {
		t.Fatal("a secret leaked into the output")
	}
	// A window with no write-offs exports just the header.
	code, _, errOut = runWith(t, []string{"--writeoffs", wos, "--until", "2000-01-01T00:00:00Z"}, env)
	if wo := readCSV(t, wos); code != 0 || len(wo) != 1 {
		t.Fatalf("exit %d, %v, %s", code, wo, errOut)
	}
}

func TestReconcileUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		code int
	}{
		{[]string{"-h"}, nil, 0},
		{[]string{"--bogus"}, nil, 2},
		{[]string{"extra"}, nil, 2},
		{[]string{"--since", "yesterday"}, nil, 2},
		{[]string{"--until", "31/12/2025"}, nil, 2},
		{nil, map[string]string{"CIN7CORE_ACCOUNT_ID": "a"}, 2},
		{nil, map[string]string{"RAMP_TOKEN": "t"}, 2},
	} {
		if code, out, errOut := runWith(t, c.args, c.env); code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s\n%s", c.args, code, c.code, out, errOut)
		}
	}
}
