// Command webhook receives Cin7 Core webhooks and syncs what they name at
// once, instead of waiting for the schedule: each delivery is
// authenticated (cin7core.NewWebhookHandler), mapped to the streams it
// makes stale, and queued; a burst of events is coalesced into one
// targeted pass ([cinsync.Engine.Sync] with just those streams) once no
// event has come for --debounce (or --max-wait after the first). The
// mapping:
//
//	Sale/OrderAuthorised, QuoteAuthorised, Created, Voided, Backordered, Undo,
//	  PickAuthorised, PackAuthorised, ShipmentAuthorised, InvoiceAuthorised  → sales, fulfilments
//	Purchase/OrderAuthorised, InvoiceAuthorised, StockReceivedAuthorised,
//	  Updated                                                               → purchases, purchase-receipts
//	Stock/AvailableStockLevelChanged                                        → stock
//	Product/Updated                                                         → families, products
//	payments, credit notes, tracking numbers, attachments, customers,
//	  suppliers, CRM                                                        → nothing (answered 200)
//
// A watchdog re-enables, every --watchdog, the subscriptions to this
// receiver (--public-url) that Cin7 Core switched off after six failed
// deliveries (they stay off until someone does), and runs a catch-up pass
// of their streams, since the events Cin7 Core gave up on are lost.
//
// With no configuration (or --demo) it runs a demo on the built-in fakes
// and exits: an initial sync, the receiver on a local port, subscriptions
// registered on the fake Cin7 Core (Webhooks.Create, bearer auth), a burst
// of deliveries coalesced into one targeted pass, a forged delivery
// refused, and an outage that gets a webhook switched off, which the
// watchdog re-enables:
//
//	go run ./examples/webhook
//
// Otherwise it serves until SIGINT or SIGTERM. Cin7 Core and Ramp come
// from the quickstart's environment variables (CIN7CORE_ACCOUNT_ID,
// CIN7CORE_APPLICATION_KEY, optional CIN7CORE_BASE_URL; RAMP_BASE_URL with
// RAMP_USERNAME and RAMP_PASSWORD, or RAMP_TOKEN). Deliveries must
// authenticate; the secrets come from the environment only (never flags,
// which other users can read): CIN7_WEBHOOK_TOKEN (bearer), or
// CIN7_WEBHOOK_USERNAME and CIN7_WEBHOOK_PASSWORD (basic), or
// CIN7_WEBHOOK_SECRET, sent in the --header-name header. --auth picks one
// when several are set; the receiver refuses to start with none unless
// --allow-unauthenticated says so explicitly (only behind another layer
// that authenticates). --register subscribes Cin7 Core to every mapped
// type at --public-url with those credentials (creating or fixing
// subscriptions, idempotently):
//
//	CIN7_WEBHOOK_TOKEN=… go run ./examples/webhook --listen :8080 \
//	    --public-url https://hooks.example.com/cin7/webhook --register \
//	    --state /var/lib/syncd/acme --tenant acme --schedule
//
// --schedule also runs the engine's regular schedule ([cinsync.Engine.Run])
// in this process; the targeted and the scheduled passes share the engine
// and its tenant lock, so they never overlap. Running it beside a separate
// syncd on the same state instead needs a Locker shared by both processes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	gosync "sync"
	"syscall"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// Environment variables holding the receiver's secrets.
const (
	envToken    = "CIN7_WEBHOOK_TOKEN"
	envUsername = "CIN7_WEBHOOK_USERNAME"
	envPassword = "CIN7_WEBHOOK_PASSWORD"
	envSecret   = "CIN7_WEBHOOK_SECRET"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed flags.
type options struct {
	demo                 bool
	listen, path         string
	publicURL            string
	register             bool
	auth, headerName     string
	allowUnauthenticated bool
	debounce, maxWait    time.Duration
	watchdog             time.Duration
	schedule             bool
	stateDir, tenant     string
}

// run is the whole program, separated from main so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("webhook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.BoolVar(&o.demo, "demo", false, "run the demo on the built-in fakes and exit (the default with no configuration)")
	fs.StringVar(&o.listen, "listen", ":8080", "address to serve on")
	fs.StringVar(&o.path, "path", "/cin7/webhook", "URL path that receives the deliveries")
	fs.StringVar(&o.publicURL, "public-url", "", "the URL Cin7 Core posts to (for --register and the watchdog)")
	fs.BoolVar(&o.register, "register", false, "subscribe Cin7 Core to every mapped webhook type at --public-url")
	fs.StringVar(&o.auth, "auth", "", "how deliveries authenticate: bearer, basic or header (default: whichever secret the environment holds)")
	fs.StringVar(&o.headerName, "header-name", "X-Cin7-Webhook-Secret", "the secret header's name, for --auth header")
	fs.BoolVar(&o.allowUnauthenticated, "allow-unauthenticated", false, "accept deliveries without credentials (only behind a layer that authenticates)")
	fs.DurationVar(&o.debounce, "debounce", 2*time.Second, "run a pass once no event has come for this long")
	fs.DurationVar(&o.maxWait, "max-wait", 30*time.Second, "run a pass at the latest this long after the first queued event")
	fs.DurationVar(&o.watchdog, "watchdog", 10*time.Minute, "how often to re-enable deactivated webhooks (0: never)")
	fs.BoolVar(&o.schedule, "schedule", false, "also run every stream on the engine's regular schedule")
	fs.StringVar(&o.stateDir, "state", "", "sync state folder (default: a new temporary folder)")
	fs.StringVar(&o.tenant, "tenant", "", "tenant name the state is kept under (default: the Cin7 Core account ID)")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "webhook: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	configured := getenv("CIN7CORE_ACCOUNT_ID") != "" || getenv("CIN7CORE_APPLICATION_KEY") != "" || getenv("CIN7CORE_BASE_URL") != "" ||
		getenv("RAMP_BASE_URL") != ""
	if !set["demo"] {
		o.demo = !configured
	}
	if o.debounce <= 0 || o.maxWait < 0 || o.watchdog < 0 {
		fmt.Fprintln(stderr, "webhook: --debounce must be positive; --max-wait and --watchdog must not be negative")
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "webhook: bad --log-level %q\n", *level)
		return 2
	}
	if o.demo {
		if configured {
			fmt.Fprintln(stderr, "webhook: --demo runs on the built-in fakes; unset the CIN7CORE_* and RAMP_* variables")
			return 2
		}
		if !set["log-level"] {
			lvl = slog.LevelError // the demo narrates on stdout
		}
		if !set["debounce"] {
			o.debounce = 100 * time.Millisecond
		}
		return runDemo(ctx, o, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})), stdout, stderr)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	am, err := authFrom(o, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "webhook:", err)
		return 2
	}
	if o.register && o.publicURL == "" {
		fmt.Fprintln(stderr, "webhook: --register needs --public-url (the URL Cin7 Core posts to)")
		return 2
	}
	return serve(ctx, o, am, getenv, logger, stdout, stderr)
}

// authFrom builds the receiver's authentication from --auth and the
// environment, refusing to run unauthenticated unless told to.
func authFrom(o options, getenv func(string) string) (authMode, error) {
	token, user, pass, secret := getenv(envToken), getenv(envUsername), getenv(envPassword), getenv(envSecret)
	kind := o.auth
	if kind == "" {
		var found []string
		if token != "" {
			found = append(found, "bearer")
		}
		if user != "" || pass != "" {
			found = append(found, "basic")
		}
		if secret != "" {
			found = append(found, "header")
		}
		switch len(found) {
		case 0:
			if !o.allowUnauthenticated {
				return authMode{}, fmt.Errorf("refusing to start without authentication: set %s (bearer), %s and %s (basic) or %s (a secret header), or pass --allow-unauthenticated",
					envToken, envUsername, envPassword, envSecret)
			}
			return authMode{kind: "none"}, nil
		case 1:
			kind = found[0]
		default:
			return authMode{}, fmt.Errorf("several webhook secrets are set (%v): choose one with --auth", found)
		}
	}
	if o.allowUnauthenticated {
		return authMode{}, errors.New("--allow-unauthenticated cannot be combined with credentials")
	}
	switch kind {
	case "bearer":
		if token == "" {
			return authMode{}, fmt.Errorf("--auth bearer needs %s", envToken)
		}
		return authMode{kind: kind, auth: cin7core.WebhookAuth{BearerToken: token}}, nil
	case "basic":
		if user == "" || pass == "" {
			return authMode{}, fmt.Errorf("--auth basic needs %s and %s", envUsername, envPassword)
		}
		return authMode{kind: kind, auth: cin7core.WebhookAuth{Username: user, Password: pass}}, nil
	case "header":
		if secret == "" || o.headerName == "" {
			return authMode{}, fmt.Errorf("--auth header needs %s and --header-name", envSecret)
		}
		return authMode{kind: kind, auth: cin7core.WebhookAuth{HeaderName: o.headerName, HeaderValue: secret}}, nil
	}
	return authMode{}, fmt.Errorf("--auth %q is not bearer, basic or header", kind)
}

// receiver is the HTTP side and the work behind it.
type receiver struct {
	handler  http.Handler
	queue    *coalescer
	watchdog *watchdog
}

func newReceiver(engine *cinsync.Engine, cin7 *cin7core.Client, am authMode, o options, logger *slog.Logger, onPass func(passResult)) (*receiver, error) {
	r := &receiver{}
	r.queue = newCoalescer(engine.Sync, o.debounce, o.maxWait, onPass)
	h, err := cin7core.NewWebhookHandler(cin7core.WebhookHandlerConfig{
		Auth:                 am.auth,
		AllowUnauthenticated: am.kind == "none",
		Logger:               logger,
		// Keep it quick: Cin7 Core expects a fast 200, so the event is
		// only queued here; the pass runs on the coalescer's goroutine.
		OnEvent: func(ctx context.Context, ev cin7core.Event) error {
			streams := streamsFor(ev.EventType())
			logger.Debug("webhook event", slog.String("type", string(ev.EventType())), slog.Any("streams", streams))
			if len(streams) == 0 {
				return nil // answered 200: nothing to sync, nothing to retry
			}
			r.queue.add(streams...)
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	r.handler = h
	r.watchdog = &watchdog{cin7: cin7, url: o.publicURL, queue: r.queue.add, log: logger}
	return r, nil
}

// mux serves the deliveries at path and a health check.
func (r *receiver) mux(path string) *http.ServeMux {
	m := http.NewServeMux()
	m.Handle(path, r.handler)
	m.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	return m
}

// serve runs the receiver until ctx ends.
func serve(ctx context.Context, o options, am authMode, getenv func(string) string, logger *slog.Logger, stdout, stderr io.Writer) int {
	cin7, _, cin7Desc, closeCin7, err := cin7Client(getenv, logger)
	if err != nil {
		fmt.Fprintln(stderr, "webhook:", err)
		return 2
	}
	defer closeCin7()
	rc, _, rampDesc, closeRamp, err := rampClient(getenv, logger)
	if err != nil {
		fmt.Fprintln(stderr, "webhook:", err)
		return 2
	}
	defer closeRamp()
	dir := o.stateDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "webhook-state-"); err != nil {
			fmt.Fprintln(stderr, "webhook:", err)
			return 1
		}
		logger.Info("state kept in a temporary folder; pass --state to keep it across runs", slog.String("dir", dir))
	}
	store, err := cinsync.NewFileStore(dir)
	if err != nil {
		fmt.Fprintln(stderr, "webhook:", err)
		return 2
	}
	tenant := o.tenant
	if tenant == "" {
		tenant = cin7.AccountID()
	}
	engine, err := cinsync.NewEngine(cinsync.Config{Source: cinsync.Cin7Source(cin7), Sink: cinsync.RampSink(rc), State: store, Tenant: tenant, Logger: logger})
	if err != nil {
		fmt.Fprintln(stderr, "webhook:", err)
		return 2
	}
	rcv, err := newReceiver(engine, cin7, am, o, logger, func(p passResult) {
		attrs := []any{slog.Int("events", p.Events), slog.Any("streams", p.Streams)}
		if p.Report != nil {
			var created, updated, failed int
			for _, s := range p.Report.Streams {
				created, updated, failed = created+s.Created, updated+s.Updated, failed+s.Failed
			}
			attrs = append(attrs, slog.Int("created", created), slog.Int("updated", updated), slog.Int("failed", failed),
				slog.Duration("took", p.Report.Finished.Sub(p.Report.Started)))
		}
		if p.Err != nil {
			logger.Error("targeted pass failed; the schedule or the next event retries", append(attrs, slog.String("error", p.Err.Error()))...)
			return
		}
		logger.Info("targeted pass", attrs...)
	})
	if err != nil {
		fmt.Fprintln(stderr, "webhook:", err)
		return 2
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintln(stderr, "webhook:", err)
		return 2
	}
	srv := &http.Server{Handler: rcv.mux(o.path), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	var wg gosync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("server stopped", slog.String("error", err.Error()))
		}
	}()
	fmt.Fprintf(stdout, "Cin7 Core: %s\nRamp:      %s\nReceiving Cin7 Core webhooks on http://%s%s, authenticated by %s\n",
		cin7Desc, rampDesc, ln.Addr(), o.path, am.describe())
	if am.kind == "none" {
		logger.Warn("deliveries are accepted without credentials (--allow-unauthenticated)")
	}

	code := 0
	if o.register {
		created, updated, err := ensureSubscriptions(ctx, cin7, o.publicURL, am, mappedTypes())
		if err != nil {
			logger.Error("registering the webhooks", slog.String("error", err.Error()))
			code = 1
		} else {
			logger.Info("webhooks registered", slog.String("url", o.publicURL), slog.Int("created", created), slog.Int("updated", updated))
		}
	}
	if code == 0 {
		wg.Add(1)
		go func() { defer wg.Done(); rcv.queue.run(ctx) }()
		switch {
		case o.watchdog == 0:
		case o.publicURL == "":
			logger.Warn("no --public-url: the watchdog cannot tell this receiver's webhooks apart and stays off")
		default:
			wg.Add(1)
			go func() { defer wg.Done(); rcv.watchdog.run(ctx, o.watchdog) }()
		}
		if o.schedule {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := engine.Run(ctx); err != nil && ctx.Err() == nil {
					logger.Error("schedule stopped", slog.String("error", err.Error()))
				}
			}()
		}
		<-ctx.Done()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	wg.Wait()
	logger.Info("stopped: the pass in hand finished its record; events still queued are left to the schedule")
	return code
}
