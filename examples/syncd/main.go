// Command syncd is a small long-running sync service for one or many
// tenants: each tenant's engine runs on the default schedule (every 10 to
// 20 minutes per stream, stock on hand daily), keeps its state in a file of
// its own, logs structured JSON to stderr and, on a terminal, shows a live
// progress line per stream. SIGINT or SIGTERM stops it gracefully: the
// record in hand is finished and its state saved.
//
// With no configuration it serves one demo tenant on the built-in fakes:
//
//	go run ./examples/syncd
//	go run ./examples/syncd --once          # one pass of every stream, then exit
//
// Real tenants come from a JSON file (see tenants.example.json):
//
//	go run ./examples/syncd --tenants tenants.json --state /var/lib/syncd
//
// or, for one tenant, from the quickstart's environment variables
// (CIN7CORE_ACCOUNT_ID, CIN7CORE_APPLICATION_KEY, optional
// CIN7CORE_BASE_URL; RAMP_BASE_URL with RAMP_USERNAME and RAMP_PASSWORD, or
// RAMP_TOKEN).
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
	"path/filepath"
	"sort"
	"strings"
	gosync "sync"
	"syscall"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// TenantConfig is one tenant in the tenants file.
type TenantConfig struct {
	// Name labels the tenant in logs and names its state folder.
	Name string     `json:"name"`
	Cin7 Cin7Config `json:"cin7"`
	Ramp RampConfig `json:"ramp"`
}

// Cin7Config are a tenant's Cin7 Core credentials.
type Cin7Config struct {
	BaseURL        string `json:"base_url,omitempty"`
	AccountID      string `json:"account_id"`
	ApplicationKey string `json:"application_key"`
}

// RampConfig are a tenant's Ramp credentials: a username and password, or
// a token.
type RampConfig struct {
	BaseURL  string `json:"base_url"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Token    string `json:"token,omitempty"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("syncd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenantsFile := fs.String("tenants", "", "JSON file listing the tenants (default: one tenant from the environment, or the built-in demo)")
	stateDir := fs.String("state", "", "folder for the tenants' state files (default: a new temporary folder)")
	once := fs.Bool("once", false, "run one pass of every stream per tenant, then exit")
	every := fs.Duration("every", 0, "run every stream this often instead of the default schedule (for demos)")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "syncd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "syncd: bad --log-level %q\n", *level)
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	tenants, cleanup, err := loadTenants(*tenantsFile, getenv)
	defer cleanup()
	if err != nil {
		fmt.Fprintln(stderr, "syncd:", err)
		return 2
	}
	dir := *stateDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "syncd-state-"); err != nil {
			fmt.Fprintln(stderr, "syncd:", err)
			return 1
		}
		logger.Info("state kept in a temporary folder; pass --state to keep it across runs", slog.String("dir", dir))
	}
	progress := newProgress(stdout, isTerminal(stdout))
	var wg gosync.WaitGroup
	failed := make(chan string, len(tenants))
	for _, t := range tenants {
		eng, err := t.engine(dir, logger, progress, *every)
		if err != nil {
			fmt.Fprintf(stderr, "syncd: tenant %s: %v\n", t.cfg.Name, err)
			return 2
		}
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			if *once {
				rep, err := eng.Sync(ctx)
				progress.done(name, rep)
				if err != nil {
					logger.Error("pass failed", slog.String("tenant", name), slog.String("error", err.Error()))
					failed <- name
				}
				return
			}
			// Run returns the context's error once it is told to stop.
			if err := eng.Run(ctx); err != nil && ctx.Err() == nil {
				logger.Error("tenant stopped", slog.String("tenant", name), slog.String("error", err.Error()))
				failed <- name
			}
		}(t.cfg.Name)
	}
	wg.Wait()
	close(failed)
	code := 0
	for name := range failed {
		fmt.Fprintf(stderr, "syncd: tenant %s failed\n", name)
		code = 1
	}
	if ctx.Err() != nil {
		logger.Info("stopped: every tenant finished the record in hand and saved its state")
	}
	return code
}

// tenant is a configured tenant with its clients.
type tenant struct {
	cfg  TenantConfig
	cin7 *cin7core.Client
	ramp *ramp.Client
}

func (t *tenant) engine(stateRoot string, logger *slog.Logger, p *progress, every time.Duration) (*cinsync.Engine, error) {
	store, err := cinsync.NewFileStore(filepath.Join(stateRoot, safeName(t.cfg.Name)))
	if err != nil {
		return nil, err
	}
	var sched map[cinsync.Stream]cinsync.Schedule
	if every > 0 {
		sched = map[cinsync.Stream]cinsync.Schedule{}
		for _, s := range cinsync.KnownStreams() {
			sched[s] = cinsync.Schedule{Every: every}
		}
	}
	return cinsync.NewEngine(cinsync.Config{
		Source:   cinsync.Cin7Source(t.cin7),
		Sink:     cinsync.RampSink(t.ramp),
		State:    store,
		Tenant:   t.cfg.Name,
		Logger:   logger,
		Observer: p.observer(t.cin7),
		Schedule: sched,
		OnPass: func(rep *cinsync.Report, err error) {
			p.done(t.cfg.Name, rep)
		},
	})
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, s)
}

// loadTenants reads the tenants file, or builds one tenant from the
// environment, or starts the built-in fakes for a demo tenant.
func loadTenants(file string, getenv func(string) string) ([]*tenant, func(), error) {
	var closers []func()
	cleanup := func() {
		for _, c := range closers {
			c()
		}
	}
	var cfgs []TenantConfig
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, cleanup, err
		}
		if err := json.Unmarshal(b, &cfgs); err != nil {
			return nil, cleanup, fmt.Errorf("%s: %w", file, err)
		}
		if len(cfgs) == 0 {
			return nil, cleanup, fmt.Errorf("%s lists no tenants", file)
		}
	case getenv("CIN7CORE_ACCOUNT_ID") != "" || getenv("RAMP_BASE_URL") != "":
		cfgs = []TenantConfig{{
			Name: getenv("CIN7CORE_ACCOUNT_ID"),
			Cin7: Cin7Config{BaseURL: getenv("CIN7CORE_BASE_URL"), AccountID: getenv("CIN7CORE_ACCOUNT_ID"), ApplicationKey: getenv("CIN7CORE_APPLICATION_KEY")},
			Ramp: RampConfig{BaseURL: getenv("RAMP_BASE_URL"), Username: getenv("RAMP_USERNAME"), Password: getenv("RAMP_PASSWORD"), Token: getenv("RAMP_TOKEN")},
		}}
	default:
		cs := cin7coretest.NewServer(cin7coretest.WithTenant(cin7coretest.DemoTenant()))
		rs := ramptest.NewServer()
		closers = append(closers, cs.Close, rs.Close)
		cfgs = []TenantConfig{{
			Name: "demo",
			Cin7: Cin7Config{BaseURL: cs.URL(), AccountID: cin7coretest.DemoAccountID, ApplicationKey: cin7coretest.DemoApplicationKey},
			Ramp: RampConfig{BaseURL: rs.URL(), Username: ramptest.DefaultUsername, Password: ramptest.DefaultPassword},
		}}
	}
	seen := map[string]bool{}
	var out []*tenant
	for i, c := range cfgs {
		if c.Name == "" {
			c.Name = c.Cin7.AccountID
		}
		if c.Name == "" || seen[c.Name] {
			return nil, cleanup, fmt.Errorf("tenant %d: every tenant needs a unique name (or account ID)", i+1)
		}
		seen[c.Name] = true
		t, err := newTenant(c)
		if err != nil {
			return nil, cleanup, fmt.Errorf("tenant %s: %w", c.Name, err)
		}
		out = append(out, t)
	}
	return out, cleanup, nil
}

func newTenant(c TenantConfig) (*tenant, error) {
	copts := []cin7core.Option{cin7core.WithCredentials(c.Cin7.AccountID, c.Cin7.ApplicationKey)}
	if c.Cin7.BaseURL != "" {
		copts = append(copts, cin7core.WithBaseURL(c.Cin7.BaseURL))
	}
	cc, err := cin7core.NewClient(copts...)
	if err != nil {
		return nil, err
	}
	ropts := []ramp.Option{ramp.WithBaseURL(c.Ramp.BaseURL)}
	switch {
	case c.Ramp.Token != "":
		ropts = append(ropts, ramp.WithToken(c.Ramp.Token))
	case c.Ramp.Username != "":
		ropts = append(ropts, ramp.WithLogin(c.Ramp.Username, c.Ramp.Password))
	default:
		return nil, errors.New("ramp needs a token, or a username and password")
	}
	rc, err := ramp.NewClient(ropts...)
	if err != nil {
		return nil, err
	}
	return &tenant{cfg: c, cin7: cc, ramp: rc}, nil
}

// progress shows one line per tenant and stream: records done of total,
// calls used, time waited for the rate limit. On a terminal the lines are
// redrawn in place; otherwise a line is printed when a stream ends.
type progress struct {
	mu    gosync.Mutex
	w     io.Writer
	tty   bool
	lines map[string]string
	drawn int
}

func newProgress(w io.Writer, tty bool) *progress {
	return &progress{w: w, tty: tty, lines: map[string]string{}}
}

type progressObserver struct {
	cinsync.NopObserver
	p    *progress
	cin7 *cin7core.Client
}

func (p *progress) observer(c *cin7core.Client) cinsync.Observer {
	return &progressObserver{p: p, cin7: c}
}

func (o *progressObserver) PageRead(tenant string, s cinsync.Stream, pr cinsync.Progress) {
	total := "?"
	if pr.Total > 0 {
		total = fmt.Sprint(pr.Total)
	}
	o.p.set(tenant+"/"+string(s), fmt.Sprintf("%-28s %6d of %-6s  Cin7 calls %4d  Ramp calls %4d  waited %s",
		tenant+" "+string(s), pr.Done, total, pr.Cin7Calls, pr.RampCalls, o.cin7.Stats().LimiterWait.Round(time.Second)), false)
}

func (o *progressObserver) StreamFinished(tenant string, r cinsync.StreamReport) {
	status := "done"
	if r.Error != "" {
		status = "stopped: " + r.Error
	}
	o.p.set(tenant+"/"+string(r.Stream), fmt.Sprintf("%-28s read %d, created %d, updated %d, failed %d  Cin7 calls %d  Ramp calls %d  %s",
		tenant+" "+string(r.Stream), r.Read, r.Created, r.Updated, r.Failed, r.Cin7Calls, r.RampCalls, status), true)
}

func (p *progress) set(key, line string, final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines[key] = line
	if !p.tty {
		if final {
			fmt.Fprintln(p.w, line)
		}
		return
	}
	p.redraw()
}

// redraw repaints every line in place (terminal only).
func (p *progress) redraw() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\033[%dA", p.drawn)
	}
	keys := make([]string, 0, len(p.lines))
	for k := range p.lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(p.w, "\033[2K%s\n", p.lines[k])
	}
	p.drawn = len(keys)
}

func (p *progress) done(tenant string, rep *cinsync.Report) {
	if rep == nil || p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s: pass finished in %s\n", tenant, rep.Finished.Sub(rep.Started).Round(time.Millisecond))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
