package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
)

func TestSyncdOnceOnTheDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	dir := t.TempDir()
	if code := run(context.Background(), []string{"--once", "--state", dir}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "demo products") || !strings.Contains(out.String(), "pass finished") {
		t.Fatalf("output:\n%s", out.String())
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "demo", "*.json")); len(files) == 0 {
		t.Fatal("no state files written for the tenant")
	}
}

// Run loops until the context ends, then stops cleanly.
func TestSyncdRunsUntilStopped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"--every", "200ms", "--log-level", "warn"}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if n := strings.Count(out.String(), "pass finished"); n < 2 {
		t.Fatalf("%d passes in 1.5 s at 200 ms\n%s", n, out.String())
	}
}

func TestSyncdTenantsFile(t *testing.T) {
	var files []string
	dir := t.TempDir()
	cfg := `[`
	for i, name := range []string{"north", "south"} {
		cs := cin7coretest.NewServer(cin7coretest.WithCredentials("acct-"+name, "key-"+name))
		defer cs.Close()
		rs := ramptest.NewServer()
		defer rs.Close()
		if i > 0 {
			cfg += ","
		}
		cfg += `{"name":"` + name + `","cin7":{"base_url":"` + cs.URL() + `","account_id":"acct-` + name + `","application_key":"key-` + name + `"},` +
			`"ramp":{"base_url":"` + rs.URL() + `","username":"` + ramptest.DefaultUsername + `","password":"` + ramptest.DefaultPassword + `"}}`
		files = append(files, name)
	}
	cfg += `]`
	file := filepath.Join(dir, "tenants.json")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--once", "--tenants", file, "--state", dir}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	for _, name := range files {
		if !strings.Contains(out.String(), name+" products") {
			t.Fatalf("no progress for %s:\n%s", name, out.String())
		}
	}
	if strings.Contains(out.String()+errOut.String(), "key-north") {
		t.Fatal("a key leaked into the output")
	}
	// Bad files are refused.
	for _, bad := range []string{`[]`, `{`, `[{"cin7":{},"ramp":{}}]`} {
		_ = os.WriteFile(file, []byte(bad), 0o600)
		if code := run(context.Background(), []string{"--once", "--tenants", file}, func(string) string { return "" }, &out, &errOut); code != 2 {
			t.Errorf("%s: exit %d, want 2", bad, code)
		}
	}
}
