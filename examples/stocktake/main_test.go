package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/mapping"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

func runWith(t *testing.T, args []string, env map[string]string, input string) (int, string, string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(input)
	defer func() { stdin = old }()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// The demo on the built-in fakes: plan, post, and a second push that
// sends nothing.
func TestStocktakeDemoOnBuiltInFakes(t *testing.T) {
	code, out, errOut := runWith(t, []string{"--yes"}, nil, "")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"A Ramp user counted and validated",
		"Would post one stock adjustment",
		"Quantity", "Unit cost",
		"Not posted (2 lines)",
		"zero unit cost (0)",
		"no unit cost",
		"Posted: one COMPLETED stock adjustment",
		"Pushed again: the outbound ledger says it is posted; nothing sent.",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "[y/N]") {
		t.Fatal("asked for confirmation despite --yes")
	}
}

// servers is a Cin7 Core and a Ramp named through the environment, synced,
// with a validated stocktake.
type servers struct {
	cs  *cin7coretest.Server
	rs  *ramptest.Server
	env map[string]string
	st  ramp.Stocktake
}

func newServers(t *testing.T) *servers {
	t.Helper()
	s := &servers{
		cs: cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()), cin7coretest.WithCredentials("acct-st", "key-st-secret")),
		rs: ramptest.NewServer(ramptest.WithUser("ops", "pw-st-secret")),
	}
	t.Cleanup(s.cs.Close)
	t.Cleanup(s.rs.Close)
	s.env = map[string]string{
		"CIN7CORE_BASE_URL": s.cs.URL(), "CIN7CORE_ACCOUNT_ID": "acct-st", "CIN7CORE_APPLICATION_KEY": "key-st-secret",
		"RAMP_BASE_URL": s.rs.URL(), "RAMP_USERNAME": "ops", "RAMP_PASSWORD": "pw-st-secret",
	}
	cc, err := s.cs.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ramp.NewClient(ramp.WithBaseURL(s.rs.URL()), ramp.WithLogin("ops", "pw-st-secret"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cc), Sink: cinsync.RampSink(rc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	place, lines, _, err := countedAsExpected(s.cs, s.rs)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.rs.RunStocktake(place, lines...)
	if err != nil {
		t.Fatal(err)
	}
	if s.st, err = s.rs.ValidateStocktake(st.ID); err != nil {
		t.Fatal(err)
	}
	return s
}

// adjustments counts Cin7 Core's adjustments for the stocktake.
func (s *servers) adjustments(t *testing.T) int {
	t.Helper()
	cc, err := s.cs.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ref := mapping.StocktakeReference(s.st.ID, s.st.Version)
	for a, err := range cc.StockAdjustments.List(&cin7core.StockAdjustmentListOptions{Status: cin7core.AdjustmentCompleted}).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if a.Reference == ref {
			n++
		}
	}
	return n
}

func TestStocktakeAgainstServersFromEnvironment(t *testing.T) {
	s := newServers(t)

	code, out, errOut := runWith(t, []string{"--list"}, s.env, "")
	if code != 0 || !strings.Contains(out, s.st.ID) {
		t.Fatalf("--list: exit %d\n%s\n%s", code, out, errOut)
	}

	// Declined: nothing posted.
	code, out, errOut = runWith(t, []string{"--stocktake", s.st.ID}, s.env, "n\n")
	if code != 0 || !strings.Contains(out, "[y/N]") || !strings.Contains(out, "Not posted.") {
		t.Fatalf("declined: exit %d\n%s\n%s", code, out, errOut)
	}
	// No answer (stdin closed): nothing posted, non-zero exit.
	if code, out, _ = runWith(t, []string{"--stocktake", s.st.ID}, s.env, ""); code != 1 || !strings.Contains(out, "No answer") {
		t.Fatalf("no answer: exit %d\n%s", code, out)
	}
	if n := s.adjustments(t); n != 0 {
		t.Fatalf("%d adjustments after declining", n)
	}

	// Confirmed: posted once.
	code, out, errOut = runWith(t, []string{"--stocktake", s.st.ID}, s.env, "y\n")
	if code != 0 || !strings.Contains(out, "Posted: one COMPLETED stock adjustment") {
		t.Fatalf("confirmed: exit %d\n%s\n%s", code, out, errOut)
	}
	// Again, with a fresh (in-memory) ledger: Cin7 Core's own
	// adjustments show it is there, so the plan says so and nothing is
	// sent.
	code, out, errOut = runWith(t, []string{"--stocktake", s.st.ID, "--yes"}, s.env, "")
	if code != 0 || !strings.Contains(out, "Already posted") {
		t.Fatalf("again: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := s.adjustments(t); n != 1 {
		t.Fatalf("%d adjustments for the stocktake, want exactly 1", n)
	}
	if all := out + errOut; strings.Contains(all, "key-st-secret") || strings.Contains(all, "pw-st-secret") {
		t.Fatal("a secret leaked into the output")
	}
}

// A ledger kept in a state folder records the post across runs.
func TestStocktakeStateFolder(t *testing.T) {
	s := newServers(t)
	dir := t.TempDir()
	args := []string{"--stocktake", s.st.ID, "--yes", "--state", dir, "--tenant", "acme"}
	if code, out, errOut := runWith(t, args, s.env, ""); code != 0 || !strings.Contains(out, "Posted:") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	store, err := cinsync.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := store.Load(context.Background(), "acme/"+string(cinsync.StreamStocktakes)); err != nil || !strings.Contains(string(b), "posted") {
		t.Fatalf("ledger %q, %v", b, err)
	}
	if code, out, _ := runWith(t, args, s.env, ""); code != 0 || !strings.Contains(out, "Already posted") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	if n := s.adjustments(t); n != 1 {
		t.Fatalf("%d adjustments, want 1", n)
	}
}

func TestStocktakeUsageErrors(t *testing.T) {
	s := newServers(t)
	open, err := s.rs.RunStocktake(s.st.PlaceExternalRef)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		code int
	}{
		{"help", []string{"-h"}, nil, 0},
		{"bad flag", []string{"--bogus"}, nil, 2},
		{"extra argument", []string{"extra"}, nil, 2},
		{"real servers need an ID", nil, s.env, 2},
		{"state needs a real Ramp", []string{"--state", t.TempDir()}, nil, 2},
		{"cin7 key missing", nil, map[string]string{"CIN7CORE_ACCOUNT_ID": "a"}, 2},
		{"ramp creds missing", nil, map[string]string{"RAMP_BASE_URL": "http://127.0.0.1:1"}, 2},
		{"unknown stocktake", []string{"--stocktake", "7d1c3b7e-0000-4000-8000-000000000000", "--yes"}, s.env, 1},
		{"not validated", []string{"--stocktake", open.ID, "--yes"}, s.env, 1},
	} {
		if code, out, errOut := runWith(t, c.args, c.env, ""); code != c.code {
			t.Errorf("%s: exit %d, want %d\n%s\n%s", c.name, code, c.code, out, errOut)
		}
	}
	if n := s.adjustments(t); n != 0 {
		t.Fatalf("%d adjustments", n)
	}
}
