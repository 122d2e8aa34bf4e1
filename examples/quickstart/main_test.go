package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

type passReport struct {
	Pass    int `json:"pass"`
	Streams []struct {
		Stream    string `json:"stream"`
		Read      int    `json:"read"`
		Created   int    `json:"created"`
		Updated   int    `json:"updated"`
		Unchanged int    `json:"unchanged"`
		Skipped   int    `json:"skipped"`
		Failed    int    `json:"failed"`
	} `json:"streams"`
}

func runJSON(t *testing.T, env map[string]string) []passReport {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--json"}, func(k string) string { return env[k] }, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut.String())
	}
	var reps []passReport
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r passReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		reps = append(reps, r)
	}
	return reps
}

func checkDemoCounts(t *testing.T, reps []passReport, rampIsFake bool) {
	t.Helper()
	if len(reps) != 3 {
		t.Fatalf("%d passes, want 3", len(reps))
	}
	want := cin7coretest.DemoCounts()
	created := map[string]int{}
	for _, s := range reps[0].Streams {
		created[s.Stream] = s.Created
		if s.Failed != 0 {
			t.Errorf("pass 1 %s failed %d", s.Stream, s.Failed)
		}
	}
	if created["locations"] != want.Places || created["products"] != want.SKUs {
		t.Fatalf("pass 1 created %v, want %d places and %d SKUs", created, want.Places, want.SKUs)
	}
	// Pass 2 carries back what the Ramp users did between passes (only
	// when Ramp is the built-in fake the quickstart can act on).
	posted := map[string]int{}
	for _, s := range reps[1].Streams {
		if s.Failed != 0 {
			t.Errorf("pass 2 %s failed %d", s.Stream, s.Failed)
		}
		posted[s.Stream] = s.Created + s.Updated
	}
	for _, s := range []string{"locations", "families", "products", "purchases", "transfers", "sales"} {
		if posted[s] != 0 {
			t.Errorf("pass 2 wrote %d in %s with nothing changed in Cin7 Core", posted[s], s)
		}
	}
	if rampIsFake {
		for _, s := range []string{"purchase-receipts", "transfer-receipts", "fulfilments", "stocktakes"} {
			if posted[s] == 0 {
				t.Errorf("pass 2 posted nothing in %s after the Ramp users' work", s)
			}
		}
	}
	// The last pass finds nothing left to do, either way.
	for _, s := range reps[2].Streams {
		if s.Created != 0 || s.Updated != 0 || s.Failed != 0 {
			t.Fatalf("pass 3 %s: %+v", s.Stream, s)
		}
	}
}

func TestQuickstartOnBuiltInFakes(t *testing.T) {
	checkDemoCounts(t, runJSON(t, nil), true)
}

func TestQuickstartHumanSummary(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), nil, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "Pass 3") || !strings.Contains(out.String(), "Ramp users, between passes") ||
		!strings.Contains(out.String(), "Ramp → Cin7 Core: 0 purchase receipts") {
		t.Fatalf("summary:\n%s", out.String())
	}
}

// Servers named through the environment are used instead of the fakes.
func TestQuickstartAgainstServersFromEnvironment(t *testing.T) {
	cin7 := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()), cin7coretest.WithCredentials("acct-env-test", "key-env-test"))
	defer cin7.Close()
	rs := ramptest.NewServer(ramptest.WithUser("ops", "s3cret-pass"))
	defer rs.Close()
	env := map[string]string{
		"CIN7CORE_BASE_URL": cin7.URL(), "CIN7CORE_ACCOUNT_ID": "acct-env-test", "CIN7CORE_APPLICATION_KEY": "key-env-test",
		"RAMP_BASE_URL": rs.URL(), "RAMP_USERNAME": "ops", "RAMP_PASSWORD": "s3cret-pass",
	}
	checkDemoCounts(t, runJSON(t, env), false)
	if len(rs.Skus()) != cin7coretest.DemoCounts().SKUs {
		t.Fatalf("the Ramp named by RAMP_BASE_URL holds %d SKUs", len(rs.Skus()))
	}
}

func TestQuickstartConfigErrors(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"cin7 key missing":   {"CIN7CORE_ACCOUNT_ID": "a"},
		"ramp url missing":   {"RAMP_TOKEN": "t"},
		"ramp creds missing": {"RAMP_BASE_URL": "http://127.0.0.1:1"},
		"cin7 bad base url":  {"CIN7CORE_BASE_URL": "::", "CIN7CORE_ACCOUNT_ID": "a", "CIN7CORE_APPLICATION_KEY": "k"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), nil, func(k string) string { return env[k] }, &out, &errOut); code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", name, code, errOut.String())
		}
	}
}

// A pass that fails (here: wrong Cin7 Core key) makes the exit status non-zero.
func TestQuickstartFailingPassExitsNonZero(t *testing.T) {
	cin7 := cin7coretest.NewServer(cin7coretest.WithCredentials("acct-x", "right-key"))
	defer cin7.Close()
	env := map[string]string{"CIN7CORE_BASE_URL": cin7.URL(), "CIN7CORE_ACCOUNT_ID": "acct-x", "CIN7CORE_APPLICATION_KEY": "wrong-key"}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--passes", "1"}, func(k string) string { return env[k] }, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if strings.Contains(out.String()+errOut.String(), "wrong-key") {
		t.Fatal("the application key leaked into the output")
	}
}

func TestQuickstartFlags(t *testing.T) {
	none := func(string) string { return "" }
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"-h"}, 0},
		{[]string{"--bogus"}, 2},
		{[]string{"extra"}, 2},
		{[]string{"--passes", "0"}, 2},
		{[]string{"--state", t.TempDir()}, 2}, // needs a real Ramp
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), c.args, none, &out, &errOut); code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, errOut.String())
		}
	}
}

// With a real (here: long-lived) Ramp, --state makes a second run write
// nothing.
func TestQuickstartStateAcrossRuns(t *testing.T) {
	rs := ramptest.NewServer()
	defer rs.Close()
	env := map[string]string{"RAMP_BASE_URL": rs.URL(), "RAMP_USERNAME": ramptest.DefaultUsername, "RAMP_PASSWORD": ramptest.DefaultPassword}
	dir := t.TempDir()
	for run1 := 0; run1 < 2; run1++ {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"--passes", "1", "--state", dir}, func(k string) string { return env[k] }, &out, &errOut); code != 0 {
			t.Fatalf("run %d: exit %d: %s", run1, code, errOut.String())
		}
	}
	if got := len(rs.Skus()); got != cin7coretest.DemoCounts().SKUs {
		t.Fatalf("%d SKUs after two runs", got)
	}
}
