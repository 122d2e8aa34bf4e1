package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// streamsFor says which streams an event makes stale: a pass of those
// streams picks the change up (each reads only what changed since its
// cursor). Events that change nothing Ramp holds (payments, credit notes,
// tracking numbers, attachments, customers, suppliers, CRM) map to none.
// Stock transfers have no webhook: they stay on the schedule.
func streamsFor(t cin7core.WebhookType) []cinsync.Stream {
	switch t.Canonical() {
	case cin7core.WebhookSaleQuoteAuthorised, cin7core.WebhookSaleOrderAuthorised, cin7core.WebhookSaleVoided,
		cin7core.WebhookSaleBackordered, cin7core.WebhookSalePickAuthorised, cin7core.WebhookSalePackAuthorised,
		cin7core.WebhookSaleShipmentAuthorised, cin7core.WebhookSaleInvoiceAuthorised, cin7core.WebhookSaleUndo,
		cin7core.WebhookSaleCreated:
		return []cinsync.Stream{cinsync.StreamSales, cinsync.StreamFulfilments}
	case cin7core.WebhookPurchaseOrderAuthorised, cin7core.WebhookPurchaseInvoiceAuthorised,
		cin7core.WebhookPurchaseStockReceivedAuthorised, cin7core.WebhookPurchaseUpdated:
		return []cinsync.Stream{cinsync.StreamPurchases, cinsync.StreamPurchaseReceipts}
	case cin7core.WebhookStockAvailableStockLevelChanged:
		return []cinsync.Stream{cinsync.StreamStock}
	case cin7core.WebhookProductUpdated:
		// Families first, so a variant is named from its family.
		return []cinsync.Stream{cinsync.StreamFamilies, cinsync.StreamProducts}
	}
	return nil
}

// mappedTypes lists the webhook types that trigger a pass, for --register.
func mappedTypes() []cin7core.WebhookType {
	var out []cin7core.WebhookType
	for _, t := range cin7core.WebhookTypes {
		if len(streamsFor(t)) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// passResult is one coalesced pass, for the host's log or the demo.
type passResult struct {
	// Events is how many events the pass answers; Streams what it ran.
	Events  int
	Streams []cinsync.Stream
	Report  *cinsync.Report
	Err     error
}

// coalescer turns a burst of events into one pass: each event adds its
// streams to a pending set, and the pass runs once no event has come for
// the debounce interval, or maxWait after the first pending event, so a
// steady stream of events still gets passes. Events that arrive during a
// pass wait for the next one. Passes never overlap (and Sync takes the
// tenant's lock anyway, so scheduled passes of the same engine wait too).
type coalescer struct {
	sync     func(ctx context.Context, streams ...cinsync.Stream) (*cinsync.Report, error)
	debounce time.Duration
	maxWait  time.Duration
	onPass   func(passResult)

	mu      gosync.Mutex
	pending map[cinsync.Stream]bool
	events  int
	first   time.Time
	kick    chan struct{}
}

func newCoalescer(sync func(ctx context.Context, streams ...cinsync.Stream) (*cinsync.Report, error), debounce, maxWait time.Duration, onPass func(passResult)) *coalescer {
	if maxWait < debounce {
		maxWait = debounce
	}
	return &coalescer{sync: sync, debounce: debounce, maxWait: maxWait, onPass: onPass,
		pending: map[cinsync.Stream]bool{}, kick: make(chan struct{}, 1)}
}

// add queues streams for the next pass; it never blocks.
func (c *coalescer) add(streams ...cinsync.Stream) {
	if len(streams) == 0 {
		return
	}
	c.mu.Lock()
	if c.events == 0 {
		c.first = time.Now()
	}
	c.events++
	for _, s := range streams {
		c.pending[s] = true
	}
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// take empties the pending set.
func (c *coalescer) take() ([]cinsync.Stream, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var streams []cinsync.Stream
	for _, s := range cinsync.KnownStreams() {
		if c.pending[s] {
			streams = append(streams, s)
		}
	}
	n := c.events
	c.pending, c.events = map[cinsync.Stream]bool{}, 0
	return streams, n
}

// run makes the passes until ctx ends; a pass in hand when it ends
// finishes its record (Sync's contract). Pending streams are then left
// to the schedule.
func (c *coalescer) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		}
		c.mu.Lock()
		deadline := c.first.Add(c.maxWait)
		c.mu.Unlock()
		timer := time.NewTimer(c.debounce)
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-c.kick:
				d := min(c.debounce, time.Until(deadline))
				timer.Reset(max(d, 0))
			case <-timer.C:
				waiting = false
			}
		}
		streams, events := c.take()
		if len(streams) == 0 {
			continue
		}
		rep, err := c.sync(ctx, streams...)
		c.onPass(passResult{Events: events, Streams: streams, Report: rep, Err: err})
	}
}

// authMode is how deliveries authenticate, and how --register configures
// the subscriptions to match.
type authMode struct {
	kind string // "basic", "bearer", "header" or "none"
	auth cin7core.WebhookAuth
}

// describe names the method without any secret.
func (a authMode) describe() string {
	switch a.kind {
	case "basic":
		return "basic auth as " + a.auth.Username
	case "bearer":
		return "a bearer token"
	case "header":
		return "a secret " + a.auth.HeaderName + " header"
	}
	return "NO authentication"
}

// apply sets a subscription's credentials to the receiver's.
func (a authMode) apply(w *cin7core.Webhook) {
	w.ExternalAuthorizationType = cin7core.WebhookNoAuth
	w.ExternalUserName, w.ExternalPassword, w.ExternalBearerToken = "", "", ""
	var headers []cin7core.WebhookHeader
	for _, h := range w.ExternalHeaders {
		if !strings.EqualFold(h.Key, a.auth.HeaderName) {
			headers = append(headers, h)
		}
	}
	w.ExternalHeaders = headers
	switch a.kind {
	case "basic":
		w.ExternalAuthorizationType = cin7core.WebhookBasicAuth
		w.ExternalUserName, w.ExternalPassword = a.auth.Username, a.auth.Password
	case "bearer":
		w.ExternalAuthorizationType = cin7core.WebhookBearerAuth
		w.ExternalBearerToken = a.auth.BearerToken
	case "header":
		w.ExternalHeaders = append(w.ExternalHeaders, cin7core.WebhookHeader{Key: a.auth.HeaderName, Value: a.auth.HeaderValue})
	}
}

// matches reports whether a subscription already carries the receiver's
// credentials.
func (a authMode) matches(w cin7core.Webhook) bool {
	want := w
	a.apply(&want)
	return want.ExternalAuthorizationType == w.ExternalAuthorizationType && want.ExternalUserName == w.ExternalUserName &&
		want.ExternalPassword == w.ExternalPassword && want.ExternalBearerToken == w.ExternalBearerToken &&
		slices.Equal(want.ExternalHeaders, w.ExternalHeaders)
}

// sameURL compares webhook URLs: scheme and host ignoring case, path
// ignoring a trailing slash, query exactly.
func sameURL(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimSuffix(ua.Path, "/") == strings.TrimSuffix(ub.Path, "/") && ua.RawQuery == ub.RawQuery
}

// ensureSubscriptions makes Cin7 Core deliver each type to url with the
// receiver's credentials: a subscription of that type at url is created
// when missing, updated (and re-enabled) when its credentials differ or it
// is off, and left alone otherwise (one List call, then one per change).
func ensureSubscriptions(ctx context.Context, c *cin7core.Client, url string, a authMode, types []cin7core.WebhookType) (created, updated int, err error) {
	hooks, err := c.Webhooks.List(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, t := range types {
		i := slices.IndexFunc(hooks, func(h cin7core.Webhook) bool { return h.Type.Canonical() == t && sameURL(h.ExternalURL, url) })
		if i < 0 {
			w := cin7core.Webhook{Type: t, ExternalURL: url, IsActive: true}
			a.apply(&w)
			if _, err := c.Webhooks.Create(ctx, &w); err != nil {
				return created, updated, fmt.Errorf("subscribing to %s: %w", t, err)
			}
			created++
			continue
		}
		w := hooks[i]
		if bool(w.IsActive) && a.matches(w) {
			continue
		}
		a.apply(&w)
		w.IsActive = true
		if _, err := c.Webhooks.Update(ctx, &w, cin7core.RetrySafe()); err != nil {
			return created, updated, fmt.Errorf("updating the %s subscription: %w", t, err)
		}
		updated++
	}
	return created, updated, nil
}

// watchdog re-enables this receiver's subscriptions that Cin7 Core
// switched off after six failed deliveries (pitfall 6: they stay off
// until re-enabled), and queues a pass of their streams, since the events
// Cin7 Core gave up on are lost.
type watchdog struct {
	cin7  *cin7core.Client
	url   string
	queue func(...cinsync.Stream)
	log   *slog.Logger
}

// check makes one round: one List call, one Reactivate per deactivated
// subscription of ours. It returns the subscriptions re-enabled.
func (w *watchdog) check(ctx context.Context) ([]cin7core.Webhook, error) {
	hooks, err := w.cin7.Webhooks.List(ctx)
	if err != nil {
		return nil, err
	}
	var done []cin7core.Webhook
	var errs []error
	for _, h := range hooks {
		if bool(h.IsActive) || !sameURL(h.ExternalURL, w.url) {
			continue
		}
		got, err := w.cin7.Webhooks.Reactivate(ctx, h.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("re-enabling the %s webhook: %w", h.Type, err))
			continue
		}
		w.log.Warn("re-enabled a webhook Cin7 Core had switched off after failed deliveries; a catch-up pass of its streams follows",
			slog.String("type", string(got.Type)), slog.String("id", got.ID))
		w.queue(streamsFor(got.Type)...)
		done = append(done, *got)
	}
	return done, errors.Join(errs...)
}

// run checks every interval until ctx ends.
func (w *watchdog) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := w.check(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("webhook watchdog", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
