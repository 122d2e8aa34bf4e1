// Command distributed runs the cin7ramp sync engine as several worker
// processes against one PostgreSQL, with River as the job queue, over a
// set of fake tenants: a fake Cin7 Core account per tenant (each enforcing
// its own 60 calls a minute) and a fake Ramp per tenant.
//
//	distributed fakes  [-tenants tenants.json] [-endpoints fakes.json] [-activity]
//	distributed worker -id w1 [-tenants tenants.json] [-endpoints fakes.json] [-concurrency 4]
//	distributed status [-json]
//
// fakes serves every tenant of the tenants file and writes where they
// listen to the endpoints file, which the workers read; with -activity it
// also changes products in Cin7 Core and receives or dispatches orders in
// Ramp now and then. worker migrates the database (idempotently) and
// syncs until interrupted, then stops gracefully: passes in progress finish
// the record in hand. status prints each tenant's last success, lag and
// failures. The database is CIN7RAMP_POSTGRES_DSN (or -dsn).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	gosync "sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/cin7ramp/cin7ramp/cin7core"
	"github.com/cin7ramp/cin7ramp/cin7core/cin7coretest"
	"github.com/cin7ramp/cin7ramp/ramp"
	"github.com/cin7ramp/cin7ramp/ramp/ramptest"
	"github.com/cin7ramp/cin7ramp/riverworker"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// tenant is one entry of the tenants file.
type tenant struct {
	ID             string `json:"id"`
	AccountID      string `json:"account_id"`
	ApplicationKey string `json:"application_key"`
}

// endpoint is where a tenant's fakes listen.
type endpoint struct {
	Cin7URL string `json:"cin7_url"`
	RampURL string `json:"ramp_url"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: distributed fakes|worker|status [flags]")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenantsFile := fs.String("tenants", "tenants.json", "tenants file")
	endpointsFile := fs.String("endpoints", "fakes.json", "where the fakes listen (written by fakes, read by worker)")
	dsn := fs.String("dsn", os.Getenv("CIN7RAMP_POSTGRES_DSN"), "PostgreSQL DSN")
	id := fs.String("id", "", "worker name (worker)")
	concurrency := fs.Int("concurrency", 4, "tenants a worker syncs at once (worker)")
	activity := fs.Bool("activity", false, "change data in the fakes now and then (fakes)")
	asJSON := fs.Bool("json", false, "print JSON (status)")
	verbose := fs.Bool("v", false, "log more")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var err error
	switch args[0] {
	case "fakes":
		err = runFakes(ctx, *tenantsFile, *endpointsFile, *activity, stdout)
	case "worker":
		err = runWorker(ctx, *dsn, *id, *tenantsFile, *endpointsFile, *concurrency, logger)
	case "status":
		err = runStatus(ctx, *dsn, *asJSON, stdout)
	default:
		err = fmt.Errorf("unknown command %q (want fakes, worker or status)", args[0])
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "distributed:", err)
		return 1
	}
	return 0
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func runFakes(ctx context.Context, tenantsFile, endpointsFile string, activity bool, stdout io.Writer) error {
	var tenants []tenant
	if err := readJSON(tenantsFile, &tenants); err != nil {
		return err
	}
	eps := map[string]endpoint{}
	type pair struct {
		cin7 *cin7coretest.Server
		ramp *ramptest.Server
	}
	var servers []pair
	for _, t := range tenants {
		c := cin7coretest.NewServer(cin7coretest.WithCredentials(t.AccountID, t.ApplicationKey))
		r := ramptest.NewServer()
		defer c.Close()
		defer r.Close()
		servers = append(servers, pair{c, r})
		eps[t.ID] = endpoint{Cin7URL: c.URL(), RampURL: r.URL()}
	}
	b, _ := json.MarshalIndent(eps, "", "  ")
	if err := os.WriteFile(endpointsFile, b, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving %d tenants (a fake Cin7 Core and a fake Ramp each); endpoints in %s; Ctrl-C to stop\n", len(tenants), endpointsFile)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if !activity {
			continue
		}
		p := servers[rand.IntN(len(servers))]
		if n%2 == 0 {
			var stock []cin7core.Product
			for _, pr := range p.cin7.Tenant().Products() {
				if pr.Type == cin7core.ProductTypeStock && pr.Status == cin7core.ProductStatusActive {
					stock = append(stock, pr)
				}
			}
			if len(stock) > 0 {
				pr := stock[rand.IntN(len(stock))]
				pr.Name = strings.SplitN(pr.Name, " #", 2)[0] + fmt.Sprintf(" #%d", n)
				p.cin7.Tenant().UpsertProduct(pr)
			}
		} else if orders := p.ramp.Orders(); len(orders) > 0 {
			o := orders[rand.IntN(len(orders))]
			if o.OrderType == ramp.OrderOutbound {
				_, _ = p.ramp.DispatchOrder(o.ID)
			} else {
				_, _ = p.ramp.ReceiveOrder(o.ID)
			}
		}
	}
}

func openPool(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	if dsn == "" {
		return nil, errors.New("set CIN7RAMP_POSTGRES_DSN (or -dsn) to a PostgreSQL database")
	}
	return pgxpool.New(ctx, dsn)
}

func runWorker(ctx context.Context, dsn, id, tenantsFile, endpointsFile string, concurrency int, logger *slog.Logger) error {
	if id == "" {
		return errors.New("worker needs -id")
	}
	var tenants []tenant
	if err := readJSON(tenantsFile, &tenants); err != nil {
		return err
	}
	var eps map[string]endpoint
	if err := readJSON(endpointsFile, &eps); err != nil {
		return fmt.Errorf("%w (start the fakes first)", err)
	}
	byID := map[string]tenant{}
	var ids []string
	for _, t := range tenants {
		byID[t.ID] = t
		ids = append(ids, t.ID)
	}
	pool, err := openPool(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := riverworker.Migrate(ctx, pool); err != nil {
		return err
	}
	// One rate limiter per tenant for the whole process, kept across
	// passes, so this worker never exceeds a tenant's 60 calls a minute.
	var mu gosync.Mutex
	limiters := map[string]cin7core.Limiter{}
	limiter := func(t string) cin7core.Limiter {
		mu.Lock()
		defer mu.Unlock()
		if l, ok := limiters[t]; ok {
			return l
		}
		l := cin7core.NewWindowLimiter(cin7core.RateLimit, cin7core.RateWindow, nil)
		limiters[t] = l
		return l
	}
	ua := "cin7ramp-distributed/" + id
	factory := func(ctx context.Context, tenantID string, guard *riverworker.LeaseGuard) (cinsync.Config, error) {
		t, ok := byID[tenantID]
		ep, ok2 := eps[tenantID]
		if !ok || !ok2 {
			return cinsync.Config{}, fmt.Errorf("tenant %q is not in the tenants or endpoints file", tenantID)
		}
		rt := guard.Transport(nil)
		c7, err := cin7core.NewClient(cin7core.WithBaseURL(ep.Cin7URL), cin7core.WithCredentials(t.AccountID, t.ApplicationKey),
			cin7core.WithLimiter(limiter(tenantID)), cin7core.WithUserAgent(ua), cin7core.WithTransport(rt))
		if err != nil {
			return cinsync.Config{}, err
		}
		rc, err := ramp.NewClient(ramp.WithBaseURL(ep.RampURL), ramp.WithLogin(ramptest.DefaultUsername, ramptest.DefaultPassword),
			ramp.WithUserAgent(ua), ramp.WithTransport(rt))
		if err != nil {
			return cinsync.Config{}, err
		}
		return cinsync.Config{Source: cinsync.Cin7Source(c7), Sink: cinsync.RampSink(rc), Logger: logger}, nil
	}
	w, err := riverworker.New(pool, riverworker.Config{
		ID:           id,
		Factory:      factory,
		Tenants:      func(context.Context) ([]string, error) { return ids, nil },
		Concurrency:  concurrency,
		EnqueueEvery: 10 * time.Second,
		Logger:       logger,
		OnPass: func(tenantID string, rep *cinsync.Report, err error) {
			logger.Info("pass", "tenant", tenantID, "took", rep.Finished.Sub(rep.Started).Round(time.Millisecond), "error", err)
		},
	})
	if err != nil {
		return err
	}
	if err := w.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	logger.Info("worker started", "id", id, "tenants", len(ids))
	<-ctx.Done()
	logger.Info("stopping: passes in progress finish the record in hand")
	stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return w.Stop(stopCtx)
}

func runStatus(ctx context.Context, dsn string, asJSON bool, stdout io.Writer) error {
	pool, err := openPool(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	st, err := riverworker.Status(ctx, db)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tLAST SUCCESS\tLAG\tFAILURES\tJOB\tLEASE\tLAST ERROR")
	for _, s := range st {
		last, lag := "never", "-"
		if s.LastSuccess != nil {
			last, lag = s.LastSuccess.Local().Format("15:04:05"), s.Lag.Round(time.Second).String()
		}
		lease := "-"
		if s.Holder != "" {
			state := "expired"
			if s.LeaseLive {
				state = "live"
			}
			lease = fmt.Sprintf("%s #%d %s", s.Holder, s.Generation, state)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.Tenant, last, lag, s.Failures, s.Job, lease, truncate(s.LastError, 60))
	}
	return tw.Flush()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
