package cin7coretest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/cin7core"
)

// The fake's webhooks: subscription CRUD on GET/POST/PUT/DELETE webhooks
// with Cin7 Core's rules (known types only, in the API's spelling; at most
// five per type; auth fields consistent with the auth type), and delivery
// of events to the active subscriptions with [Tenant.Deliver].

func init() {
	route(http.MethodGet, "webhooks", getOnly((*Server).listWebhooks))
	route(http.MethodPost, "webhooks", (*Server).createWebhook)
	route(http.MethodPut, "webhooks", (*Server).updateWebhook)
	route(http.MethodDelete, "webhooks", getOnly((*Server).deleteWebhook))
}

// webhookSub is one subscription with its delivery state.
type webhookSub struct {
	hook cin7core.Webhook
	// failures counts consecutive failed attempts; the sixth deactivates.
	failures int
}

type pendingDelivery struct {
	subID   string
	typ     cin7core.WebhookType
	payload []byte
	attempt int // attempts made so far
}

// webhookStore is the tenant's webhook state, under the tenant's lock.
type webhookStore struct {
	subs       []*webhookSub
	deliveries []Delivery
	pending    []pendingDelivery
	client     *http.Client
}

func (t *Tenant) webhooksLocked() *webhookStore {
	return extStore(t, "webhooks", func() *webhookStore { return &webhookStore{} })
}

func (st *webhookStore) find(id string) (int, bool) {
	for i, s := range st.subs {
		if cin7core.SameID(s.hook.ID, id) {
			return i, true
		}
	}
	return 0, false
}

// Delivery is one delivery attempt the fake made.
type Delivery struct {
	WebhookID string
	Type      cin7core.WebhookType
	URL       string
	// Attempt is 1 for the first delivery of an event, up to
	// cin7core.WebhookMaxFailures.
	Attempt int
	// Status is the receiver's HTTP status, 0 on a transport error.
	Status int
	// Err describes a failure ("" on success).
	Err string
	// Deactivated is set on the attempt that switched the webhook off.
	Deactivated bool
	Payload     []byte
	At          time.Time
}

// OK reports whether the receiver accepted the delivery (2xx).
func (d Delivery) OK() bool { return d.Err == "" }

var webhookNames = map[cin7core.WebhookType]string{
	cin7core.WebhookSaleOrderAuthorised:             "Sale order has been authorised",
	cin7core.WebhookSaleQuoteAuthorised:             "Sale quote has been authorised",
	cin7core.WebhookStockAvailableStockLevelChanged: "Available stock level has been changed",
}

// webhookName derives the read-only Name Cin7 Core gives a type.
func webhookName(t cin7core.WebhookType) string {
	if n, ok := webhookNames[t]; ok {
		return n
	}
	entity, event, _ := strings.Cut(string(t), "/")
	var words []string
	start := 0
	for i := 1; i <= len(event); i++ {
		if i == len(event) || (event[i] >= 'A' && event[i] <= 'Z') {
			words = append(words, strings.ToLower(event[start:i]))
			start = i
		}
	}
	return strings.TrimSpace(entity + " " + strings.Join(words, " "))
}

// checkWebhook applies Cin7 Core's rules to a subscription being written.
func checkWebhook(w *cin7core.Webhook) *apiErr {
	bad := func(msg string) *apiErr { return &apiErr{status: http.StatusBadRequest, msg: msg} }
	if w.Type == "" {
		return bad("Type is required.")
	}
	if !w.Type.Known() {
		return bad(fmt.Sprintf("Webhook type '%s' is not supported.", w.Type))
	}
	if strings.TrimSpace(w.ExternalURL) == "" {
		return bad("ExternalURL is required.")
	}
	if !strings.HasPrefix(strings.ToLower(w.ExternalURL), "http://") && !strings.HasPrefix(strings.ToLower(w.ExternalURL), "https://") {
		return bad("ExternalURL must be an absolute URL.")
	}
	switch w.ExternalAuthorizationType {
	case "", cin7core.WebhookNoAuth:
		w.ExternalAuthorizationType = cin7core.WebhookNoAuth
	case cin7core.WebhookBasicAuth:
		if w.ExternalUserName == "" || w.ExternalPassword == "" {
			return bad("ExternalUserName and ExternalPassword are required for basicauth.")
		}
	case cin7core.WebhookBearerAuth:
		if w.ExternalBearerToken == "" {
			return bad("ExternalBearerToken is required for bearerauth.")
		}
	default:
		return bad(fmt.Sprintf("ExternalAuthorizationType '%s' is not supported.", w.ExternalAuthorizationType))
	}
	w.Name = webhookName(w.Type)
	return nil
}

func (st *webhookStore) countType(t cin7core.WebhookType, exceptID string) int {
	n := 0
	for _, s := range st.subs {
		if s.hook.Type == t && (exceptID == "" || !cin7core.SameID(s.hook.ID, exceptID)) {
			n++
		}
	}
	return n
}

func tooManyOfType(t cin7core.WebhookType) *apiErr {
	return &apiErr{status: http.StatusBadRequest, msg: fmt.Sprintf("You can not have more than %d webhooks of the same type '%s'.", cin7core.MaxWebhooksPerType, t)}
}

func webhooksBody(hooks ...cin7core.Webhook) ([]byte, *apiErr) {
	if hooks == nil {
		hooks = []cin7core.Webhook{}
	}
	return jsonBody(struct {
		Webhooks []cin7core.Webhook `json:"Webhooks"`
	}{hooks})
}

// listWebhooks serves GET webhooks: every subscription, secrets included
// (Cin7 Core echoes them), not paginated.
func (s *Server) listWebhooks(_ params) ([]byte, *apiErr) {
	return webhooksBody(s.tenant.Webhooks()...)
}

func (s *Server) createWebhook(r *request) ([]byte, *apiErr) {
	var w cin7core.Webhook
	if e := decodeBody(r, &w); e != nil {
		return nil, e
	}
	if e := checkWebhook(&w); e != nil {
		return nil, e
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.webhooksLocked()
	if st.countType(w.Type, "") >= cin7core.MaxWebhooksPerType {
		return nil, tooManyOfType(w.Type)
	}
	w.ID = NewID()
	st.subs = append(st.subs, &webhookSub{hook: cloneWebhook(w)})
	return webhooksBody(w)
}

func (s *Server) updateWebhook(r *request) ([]byte, *apiErr) {
	var w cin7core.Webhook
	if e := decodeBody(r, &w); e != nil {
		return nil, e
	}
	if w.ID == "" {
		return nil, &apiErr{status: http.StatusBadRequest, msg: "ID is required."}
	}
	if e := checkWebhook(&w); e != nil {
		return nil, e
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.webhooksLocked()
	i, ok := st.find(w.ID)
	if !ok {
		return nil, &apiErr{status: http.StatusNotFound, msg: "Webhook not found."}
	}
	if st.countType(w.Type, w.ID) >= cin7core.MaxWebhooksPerType {
		return nil, tooManyOfType(w.Type)
	}
	sub := st.subs[i]
	w.ID = sub.hook.ID
	if w.ExternalHeaders == nil {
		// An omitted list keeps the headers.
		w.ExternalHeaders = sub.hook.ExternalHeaders
	}
	if w.IsActive && !sub.hook.IsActive {
		sub.failures = 0
	}
	sub.hook = cloneWebhook(w)
	return webhooksBody(sub.hook)
}

func (s *Server) deleteWebhook(q params) ([]byte, *apiErr) {
	id := q.get("ID")
	if id == "" {
		return nil, &apiErr{status: http.StatusBadRequest, msg: "ID is required."}
	}
	t := s.tenant
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.webhooksLocked()
	i, ok := st.find(id)
	if !ok {
		return nil, &apiErr{status: http.StatusNotFound, msg: "Webhook not found."}
	}
	gone := st.subs[i].hook.ID
	st.subs = append(st.subs[:i:i], st.subs[i+1:]...)
	kept := st.pending[:0]
	for _, p := range st.pending {
		if p.subID != gone {
			kept = append(kept, p)
		}
	}
	st.pending = kept
	return webhooksBody()
}

func cloneWebhook(w cin7core.Webhook) cin7core.Webhook {
	if w.ExternalHeaders != nil {
		w.ExternalHeaders = append([]cin7core.WebhookHeader(nil), w.ExternalHeaders...)
	}
	return w
}

// Webhooks returns the tenant's subscriptions, secrets included.
func (t *Tenant) Webhooks() []cin7core.Webhook {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.webhooksLocked()
	out := make([]cin7core.Webhook, len(st.subs))
	for i, s := range st.subs {
		out[i] = cloneWebhook(s.hook)
	}
	return out
}

// AddWebhook stores a subscription as if a user created it in Cin7 Core,
// with the API's rules (400-style errors are returned as Go errors).
func (t *Tenant) AddWebhook(w cin7core.Webhook) (cin7core.Webhook, error) {
	if e := checkWebhook(&w); e != nil {
		return cin7core.Webhook{}, errors.New("cin7coretest: " + e.msg)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.webhooksLocked()
	if st.countType(w.Type, "") >= cin7core.MaxWebhooksPerType {
		return cin7core.Webhook{}, errors.New("cin7coretest: " + tooManyOfType(w.Type).msg)
	}
	if w.ID == "" {
		w.ID = NewID()
	}
	st.subs = append(st.subs, &webhookSub{hook: cloneWebhook(w)})
	return cloneWebhook(w), nil
}

// SetDeliveryClient sets the HTTP client deliveries use (for example an
// httptest TLS server's Client()); nil restores the default, which times
// out after 10 seconds.
func (t *Tenant) SetDeliveryClient(hc *http.Client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.webhooksLocked().client = hc
}

// Deliveries returns every delivery attempt made so far, oldest first.
func (t *Tenant) Deliveries() []Delivery {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Delivery(nil), t.webhooksLocked().deliveries...)
}

// PendingDeliveries returns how many failed deliveries wait for
// [Tenant.RetryDeliveries].
func (t *Tenant) PendingDeliveries() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.webhooksLocked().pending)
}

// Payload renders an event as Cin7 Core posts it: numbers as JSON
// numbers (but AmountPercent as a string, "0.00"), dates in payloads as
// dd/MM/yyyy, and the stock-level event as a
// bare array with no EventType.
func Payload(ev cin7core.Event) ([]byte, error) {
	switch e := ev.(type) {
	case nil:
		return nil, errors.New("cin7coretest: nil event")
	case *cin7core.StockLevelChangedEvent:
		rows := e.Rows
		if rows == nil {
			rows = []cin7core.StockLevelRow{}
		}
		return render(rows, nil)
	case *cin7core.RawEvent:
		if !json.Valid(e.Body) {
			return nil, errors.New("cin7coretest: raw event body is not JSON")
		}
		return append([]byte(nil), e.Body...), nil
	case *cin7core.SalePaymentEvent:
		// AmountPercent is a string with two decimals ("0.00"); the
		// event has no other number.
		w := struct {
			*cin7core.SalePaymentEvent
			AmountPercent *string `json:"AmountPercent,omitempty"`
		}{SalePaymentEvent: e}
		if e.AmountPercent != nil {
			s := e.AmountPercent.StringFixed(2)
			w.AmountPercent = &s
		}
		return json.Marshal(w)
	}
	return render(ev, nil)
}

// Deliver posts ev, in the documented shape for its type (see [Payload]),
// to every active subscription of that type, with each subscription's
// authorisation and custom headers, and returns the attempts. A failed
// attempt (transport error or non-2xx) is queued for
// [Tenant.RetryDeliveries]; after cin7core.WebhookMaxFailures consecutive
// failures the subscription is deactivated (IsActive=false), as Cin7 Core
// does. The receiver may call the fake back while handling a delivery.
func (t *Tenant) Deliver(ctx context.Context, ev cin7core.Event) ([]Delivery, error) {
	if ev == nil {
		return nil, errors.New("cin7coretest: nil event")
	}
	typ := ev.EventType()
	if typ == "" {
		return nil, errors.New("cin7coretest: event has no EventType")
	}
	payload, err := Payload(ev)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	st := t.webhooksLocked()
	var jobs []pendingDelivery
	for _, s := range st.subs {
		if bool(s.hook.IsActive) && s.hook.Type == typ {
			jobs = append(jobs, pendingDelivery{subID: s.hook.ID, typ: typ, payload: payload})
		}
	}
	t.mu.Unlock()
	return t.run(ctx, jobs), ctx.Err()
}

// RetryDeliveries makes the next attempt of every queued failed delivery,
// standing in for Cin7 Core's retry schedule (1 minute after the event,
// then +5, +10, +15, +20 and +25 minutes), and returns the attempts.
func (t *Tenant) RetryDeliveries(ctx context.Context) ([]Delivery, error) {
	t.mu.Lock()
	st := t.webhooksLocked()
	jobs := st.pending
	st.pending = nil
	t.mu.Unlock()
	return t.run(ctx, jobs), ctx.Err()
}

// Deliver is [Tenant.Deliver] on the served tenant.
func (s *Server) Deliver(ctx context.Context, ev cin7core.Event) ([]Delivery, error) {
	return s.tenant.Deliver(ctx, ev)
}

// RetryDeliveries is [Tenant.RetryDeliveries] on the served tenant.
func (s *Server) RetryDeliveries(ctx context.Context) ([]Delivery, error) {
	return s.tenant.RetryDeliveries(ctx)
}

// run makes one attempt of each job without holding the tenant's lock
// during the HTTP call, then records the outcomes.
func (t *Tenant) run(ctx context.Context, jobs []pendingDelivery) []Delivery {
	var out []Delivery
	for _, job := range jobs {
		if ctx.Err() != nil {
			// Not attempted: keep it queued.
			t.mu.Lock()
			st := t.webhooksLocked()
			st.pending = append(st.pending, job)
			t.mu.Unlock()
			continue
		}
		t.mu.Lock()
		st := t.webhooksLocked()
		i, ok := st.find(job.subID)
		if !ok || !bool(st.subs[i].hook.IsActive) {
			t.mu.Unlock()
			continue // deleted or deactivated meanwhile: dropped
		}
		hook := cloneWebhook(st.subs[i].hook)
		hc := st.client
		t.mu.Unlock()
		if hc == nil {
			hc = &http.Client{Timeout: 10 * time.Second}
		}
		status, err := post(ctx, hc, &hook, job.payload)
		job.attempt++
		d := Delivery{WebhookID: hook.ID, Type: job.typ, URL: hook.ExternalURL, Attempt: job.attempt,
			Status: status, Payload: job.payload}
		if err != nil {
			d.Err = err.Error()
		}
		t.mu.Lock()
		d.At = t.now()
		st = t.webhooksLocked()
		if i, ok := st.find(job.subID); ok {
			sub := st.subs[i]
			if d.OK() {
				sub.failures = 0
			} else {
				sub.failures++
				if sub.failures >= cin7core.WebhookMaxFailures {
					sub.hook.IsActive = false
					d.Deactivated = true
					st.dropPending(sub.hook.ID)
				} else if job.attempt < cin7core.WebhookMaxFailures {
					st.pending = append(st.pending, job)
				}
			}
		}
		st.deliveries = append(st.deliveries, d)
		t.mu.Unlock()
		out = append(out, d)
	}
	return out
}

func (st *webhookStore) dropPending(subID string) {
	kept := st.pending[:0]
	for _, p := range st.pending {
		if p.subID != subID {
			kept = append(kept, p)
		}
	}
	st.pending = kept
}

// post sends one delivery the way Cin7 Core does.
func post(ctx context.Context, hc *http.Client, w *cin7core.Webhook, payload []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.ExternalURL, bytes.NewReader(payload))
	if err != nil {
		return 0, fmt.Errorf("cannot build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, h := range w.ExternalHeaders {
		req.Header.Set(h.Key, h.Value)
	}
	switch w.ExternalAuthorizationType {
	case cin7core.WebhookBasicAuth:
		req.SetBasicAuth(w.ExternalUserName, w.ExternalPassword)
	case cin7core.WebhookBearerAuth:
		req.Header.Set("Authorization", "Bearer "+w.ExternalBearerToken)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap() // drop the URL, which may carry a token
		}
		return 0, fmt.Errorf("transport error: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}
