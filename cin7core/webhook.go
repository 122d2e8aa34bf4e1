package cin7core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// WebhookType is the event a webhook subscribes to, as the API spells it.
// It is an open enum: an unknown value decodes as is.
//
// The API uses the British "Authorised" for every type except the CRM
// type Opportunity/Authorized; the Cin7 Core help centre lists the sale
// and purchase types with a "z", which the API does not accept (see
// [ValidateWebhookType]).
type WebhookType string

// The 20 types of the 2024 API blueprint, then the 12 newer ones (sale
// creation and attachments, purchase and product updates, CRM).
const (
	WebhookSaleQuoteAuthorised               WebhookType = "Sale/QuoteAuthorised"
	WebhookSaleOrderAuthorised               WebhookType = "Sale/OrderAuthorised"
	WebhookSaleVoided                        WebhookType = "Sale/Voided"
	WebhookSaleBackordered                   WebhookType = "Sale/Backordered"
	WebhookSaleShipmentAuthorised            WebhookType = "Sale/ShipmentAuthorised"
	WebhookSaleInvoiceAuthorised             WebhookType = "Sale/InvoiceAuthorised"
	WebhookSalePickAuthorised                WebhookType = "Sale/PickAuthorised"
	WebhookSalePackAuthorised                WebhookType = "Sale/PackAuthorised"
	WebhookSaleCreditNoteAuthorised          WebhookType = "Sale/CreditNoteAuthorised"
	WebhookSaleUndo                          WebhookType = "Sale/Undo"
	WebhookSalePartialPaymentReceived        WebhookType = "Sale/PartialPaymentReceived"
	WebhookSaleFullPaymentReceived           WebhookType = "Sale/FullPaymentReceived"
	WebhookSaleShipmentTrackingNumberChanged WebhookType = "Sale/ShipmentTrackingNumberChanged"
	WebhookPurchaseOrderAuthorised           WebhookType = "Purchase/OrderAuthorised"
	WebhookPurchaseInvoiceAuthorised         WebhookType = "Purchase/InvoiceAuthorised"
	WebhookPurchaseStockReceivedAuthorised   WebhookType = "Purchase/StockReceivedAuthorised"
	WebhookPurchaseCreditNoteAuthorised      WebhookType = "Purchase/CreditNoteAuthorised"
	WebhookCustomerUpdated                   WebhookType = "Customer/Updated"
	WebhookSupplierUpdated                   WebhookType = "Supplier/Updated"
	WebhookStockAvailableStockLevelChanged   WebhookType = "Stock/AvailableStockLevelChanged"
	WebhookSaleCreated                       WebhookType = "Sale/Created"
	WebhookSaleAttachmentAdded               WebhookType = "Sale/AttachmentAdded"
	WebhookSaleAdditionalAttributesChanged   WebhookType = "Sale/AdditionalAttributesChanged"
	WebhookPurchaseUpdated                   WebhookType = "Purchase/Updated"
	WebhookProductUpdated                    WebhookType = "Product/Updated"
	WebhookLeadUpdated                       WebhookType = "Lead/Updated"
	WebhookLeadConverted                     WebhookType = "Lead/Converted"
	WebhookOpportunityAuthorized             WebhookType = "Opportunity/Authorized"
	WebhookOpportunityAttachmentAdded        WebhookType = "Opportunity/AttachmentAdded"
	WebhookOpportunityVoided                 WebhookType = "Opportunity/Voided"
	WebhookOpportunityConverted              WebhookType = "Opportunity/Converted"
	WebhookTaskOverdue                       WebhookType = "Task/Overdue"
)

// WebhookTypes lists the 32 known types: the 20 of the 2024 blueprint
// followed by the 12 newer ones (the reference notes call the newer list
// "31", but it names 32 distinct types). The newer ones have no documented
// payload; [ParseEvent] maps them as described there.
var WebhookTypes = []WebhookType{
	WebhookSaleQuoteAuthorised, WebhookSaleOrderAuthorised, WebhookSaleVoided, WebhookSaleBackordered,
	WebhookSaleShipmentAuthorised, WebhookSaleInvoiceAuthorised, WebhookSalePickAuthorised,
	WebhookSalePackAuthorised, WebhookSaleCreditNoteAuthorised, WebhookSaleUndo,
	WebhookSalePartialPaymentReceived, WebhookSaleFullPaymentReceived,
	WebhookSaleShipmentTrackingNumberChanged, WebhookPurchaseOrderAuthorised,
	WebhookPurchaseInvoiceAuthorised, WebhookPurchaseStockReceivedAuthorised,
	WebhookPurchaseCreditNoteAuthorised, WebhookCustomerUpdated, WebhookSupplierUpdated,
	WebhookStockAvailableStockLevelChanged,
	WebhookSaleCreated, WebhookSaleAttachmentAdded, WebhookSaleAdditionalAttributesChanged,
	WebhookPurchaseUpdated, WebhookProductUpdated, WebhookLeadUpdated, WebhookLeadConverted,
	WebhookOpportunityAuthorized, WebhookOpportunityAttachmentAdded, WebhookOpportunityVoided,
	WebhookOpportunityConverted, WebhookTaskOverdue,
}

// Known reports whether t is one of the known types (exact spelling).
func (t WebhookType) Known() bool {
	for _, k := range WebhookTypes {
		if k == t {
			return true
		}
	}
	return false
}

// Canonical returns the known type t names, matched ignoring case and
// the Authorized/Authorised spelling, or t unchanged if it names none.
// Receivers use it so that a payload spelled differently still routes.
func (t WebhookType) Canonical() WebhookType {
	s := strings.TrimSpace(string(t))
	for _, k := range WebhookTypes {
		if strings.EqualFold(s, string(k)) {
			return k
		}
	}
	alt := strings.NewReplacer("Authorized", "Authorised", "authorized", "authorised").Replace(s)
	for _, k := range WebhookTypes {
		if strings.EqualFold(alt, string(k)) {
			return k
		}
	}
	return t
}

// ValidateWebhookType checks a type before it is sent: it must not be
// empty, and a sale or purchase type spelled with "Authorized" (as the
// help centre lists them, pitfall 8) is rejected with the British spelling
// the API expects. Unknown but well-spelled types pass, since Cin7 Core
// adds types over time.
func ValidateWebhookType(t WebhookType) error {
	s := strings.TrimSpace(string(t))
	if s == "" {
		return &ValidationError{Field: "Type", Reason: "must not be empty"}
	}
	if s != string(t) {
		return &ValidationError{Field: "Type", Reason: fmt.Sprintf("%q has surrounding spaces", string(t))}
	}
	lower := strings.ToLower(s)
	if strings.Contains(lower, "authorized") && !strings.EqualFold(s, string(WebhookOpportunityAuthorized)) {
		fix := strings.NewReplacer("Authorized", "Authorised", "authorized", "authorised").Replace(s)
		return &ValidationError{Field: "Type", Reason: fmt.Sprintf("%q is spelled with a z; the API uses the British spelling %q (only Opportunity/Authorized has a z)", s, fix)}
	}
	if strings.EqualFold(s, "Opportunity/Authorised") {
		return &ValidationError{Field: "Type", Reason: fmt.Sprintf("%q: the CRM type is spelled %q", s, WebhookOpportunityAuthorized)}
	}
	return nil
}

// WebhookAuthType is how Cin7 Core authenticates to the receiver.
type WebhookAuthType string

// The documented authorisation types.
const (
	WebhookNoAuth     WebhookAuthType = "noauth"
	WebhookBasicAuth  WebhookAuthType = "basicauth"
	WebhookBearerAuth WebhookAuthType = "bearerauth"
)

// MaxWebhooksPerType is Cin7 Core's limit of subscriptions of the same
// type per account; a sixth is refused with 400. The client does not
// check it (that would cost a call); the fake enforces it.
const MaxWebhooksPerType = 5

// WebhookMaxFailures is how many failed deliveries of one event Cin7 Core
// makes (1 minute after the event, then +5, +10, +15, +20 and +25
// minutes) before it deactivates the webhook (IsActive=false). A
// deactivated webhook stays off until re-enabled: see
// [WebhooksService.Reactivate] (pitfall 6).
const WebhookMaxFailures = 6

// WebhookHeader is a custom header Cin7 Core sends with each delivery.
// Cin7 Core signs nothing, so a secret header is one of the ways to
// authenticate deliveries; Value is therefore treated as a secret.
type WebhookHeader struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Webhook is one subscription. ExternalPassword, ExternalBearerToken and
// the header values are secrets: Cin7 Core echoes them in its answers, so
// the type masks them when formatted or logged, and the service keeps
// them out of its errors.
type Webhook struct {
	ID   string      `json:"ID,omitempty"`
	Type WebhookType `json:"Type"`
	// Name is a read-only description Cin7 Core derives from Type.
	Name     string `json:"Name,omitempty"`
	IsActive Bool   `json:"IsActive"`
	// ExternalURL receives the deliveries (POST, JSON).
	ExternalURL               string          `json:"ExternalURL"`
	ExternalAuthorizationType WebhookAuthType `json:"ExternalAuthorizationType,omitempty"`
	ExternalUserName          string          `json:"ExternalUserName,omitempty"`
	ExternalPassword          string          `json:"ExternalPassword,omitempty"`
	ExternalBearerToken       string          `json:"ExternalBearerToken,omitempty"`
	// ExternalHeaders are sent with every delivery. An empty list is
	// omitted from writes, so an update cannot clear them.
	ExternalHeaders []WebhookHeader `json:"ExternalHeaders,omitempty"`
}

const masked = "[REDACTED]"

// Masked returns a copy of w with its secrets replaced, for printing.
func (w Webhook) Masked() Webhook {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return masked
	}
	w.ExternalPassword = mask(w.ExternalPassword)
	w.ExternalBearerToken = mask(w.ExternalBearerToken)
	if w.ExternalHeaders != nil {
		hs := make([]WebhookHeader, len(w.ExternalHeaders))
		for i, h := range w.ExternalHeaders {
			hs[i] = WebhookHeader{Key: h.Key, Value: mask(h.Value)}
		}
		w.ExternalHeaders = hs
	}
	return w
}

// String prints the subscription with its secrets masked, so %v and %+v
// never leak them.
func (w Webhook) String() string {
	type plain Webhook // no methods: no recursion
	return fmt.Sprintf("%+v", plain(w.Masked()))
}

// LogValue masks secrets in log/slog output, whatever the handler.
func (w Webhook) LogValue() slog.Value {
	type plain Webhook
	return slog.AnyValue(plain(w.Masked()))
}

// GoString masks secrets for %#v too.
func (w Webhook) GoString() string { return "cin7core.Webhook" + w.String() }

// secrets lists the values that must never appear in errors or logs.
func (w *Webhook) secrets() []string {
	s := []string{w.ExternalPassword, w.ExternalBearerToken}
	for _, h := range w.ExternalHeaders {
		s = append(s, h.Value)
	}
	return s
}

// Validate checks a subscription before it is written: the type (see
// [ValidateWebhookType]), an absolute https URL (http only for localhost,
// for local testing), credentials that match the authorisation type and
// headers with names. Error messages never contain the secrets or the URL
// (which may carry a token).
func (w *Webhook) Validate() error {
	if w == nil {
		return &ValidationError{Reason: "nil webhook"}
	}
	if err := ValidateWebhookType(w.Type); err != nil {
		return err
	}
	if err := validateWebhookURL(w.ExternalURL); err != nil {
		return err
	}
	user, pass, bearer := w.ExternalUserName != "", w.ExternalPassword != "", w.ExternalBearerToken != ""
	switch w.ExternalAuthorizationType {
	case WebhookNoAuth, "":
		if user || pass || bearer {
			return &ValidationError{Field: "ExternalAuthorizationType", Reason: "credentials are set but the type is noauth; use basicauth or bearerauth"}
		}
	case WebhookBasicAuth:
		if !user || !pass {
			return &ValidationError{Field: "ExternalUserName", Reason: "basicauth needs ExternalUserName and ExternalPassword"}
		}
		if bearer {
			return &ValidationError{Field: "ExternalBearerToken", Reason: "must be empty with basicauth"}
		}
	case WebhookBearerAuth:
		if !bearer {
			return &ValidationError{Field: "ExternalBearerToken", Reason: "bearerauth needs ExternalBearerToken"}
		}
		if user || pass {
			return &ValidationError{Field: "ExternalUserName", Reason: "user name and password must be empty with bearerauth"}
		}
	default:
		return &ValidationError{Field: "ExternalAuthorizationType", Reason: fmt.Sprintf("%q is not one of noauth, basicauth, bearerauth", string(w.ExternalAuthorizationType))}
	}
	for i, h := range w.ExternalHeaders {
		k := strings.TrimSpace(h.Key)
		if k == "" || k != h.Key || strings.ContainsAny(k, ":\r\n") {
			return &ValidationError{Field: fmt.Sprintf("ExternalHeaders[%d].Key", i), Reason: "must be a header name (not empty, no spaces around, no colon)"}
		}
		if strings.ContainsAny(h.Value, "\r\n") {
			return &ValidationError{Field: fmt.Sprintf("ExternalHeaders[%d].Value", i), Reason: "must not contain line breaks"}
		}
	}
	return nil
}

func validateWebhookURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return &ValidationError{Field: "ExternalURL", Reason: "must not be empty"}
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return &ValidationError{Field: "ExternalURL", Reason: "must be an absolute https URL"}
	}
	if u.User != nil {
		return &ValidationError{Field: "ExternalURL", Reason: "must not carry credentials; use the authorisation fields"}
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return &ValidationError{Field: "ExternalURL", Reason: "must use https (http is allowed only for localhost)"}
		}
	default:
		return &ValidationError{Field: "ExternalURL", Reason: "must be an absolute https URL"}
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

type webhookEnvelope struct {
	Webhooks []Webhook `json:"Webhooks"`
}

// List returns every subscription of the account (the list is not
// paginated).
func (s *WebhooksService) List(ctx context.Context) ([]Webhook, error) {
	var env webhookEnvelope
	if err := s.client.get(ctx, "webhooks", nil, &env); err != nil {
		return nil, scrubWebhookErr(err, nil)
	}
	return env.Webhooks, nil
}

// Get returns one subscription by ID (from the list; the API has no
// single-record read); ErrNotFound if there is none.
func (s *WebhooksService) Get(ctx context.Context, id string) (*Webhook, error) {
	if strings.TrimSpace(id) == "" {
		return nil, &ValidationError{Field: "ID", Reason: "must not be empty"}
	}
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if SameID(all[i].ID, id) {
			return &all[i], nil
		}
	}
	return nil, notFound("webhooks", id)
}

// Create subscribes to an event. Set IsActive to true for deliveries to
// start. An empty ExternalAuthorizationType is sent as noauth. At most
// [MaxWebhooksPerType] webhooks of one type are accepted. Not retried on
// 5xx or transport errors unless opts include [RetrySafe].
func (s *WebhooksService) Create(ctx context.Context, w *Webhook, opts ...CallOption) (*Webhook, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	if w.ID != "" {
		return nil, &ValidationError{Field: "ID", Reason: "must be empty on create (use Update)"}
	}
	return s.write(ctx, http.MethodPost, w, opts)
}

// Update replaces a subscription, found by its ID. Use it to change the
// URL or credentials, or to re-enable a deactivated webhook (pitfall 6;
// [WebhooksService.Reactivate] does that in one call).
func (s *WebhooksService) Update(ctx context.Context, w *Webhook, opts ...CallOption) (*Webhook, error) {
	if w == nil || strings.TrimSpace(w.ID) == "" {
		return nil, &ValidationError{Field: "ID", Reason: "must not be empty on update"}
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return s.write(ctx, http.MethodPut, w, opts)
}

// Reactivate re-enables a webhook Cin7 Core deactivated after six failed
// deliveries (pitfall 6): it reads the subscription and writes it back
// with IsActive true. A webhook that is already active is left alone (one
// call). The PUT sets a state, so it is retried like a read.
func (s *WebhooksService) Reactivate(ctx context.Context, id string) (*Webhook, error) {
	w, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.IsActive {
		return w, nil
	}
	w.IsActive = true
	return s.Update(ctx, w, RetrySafe())
}

// Delete removes a subscription.
func (s *WebhooksService) Delete(ctx context.Context, id string, opts ...CallOption) error {
	if strings.TrimSpace(id) == "" {
		return &ValidationError{Field: "ID", Reason: "must not be empty"}
	}
	err := s.client.send(ctx, http.MethodDelete, "webhooks", url.Values{"ID": {id}}, nil, nil, opts...)
	return scrubWebhookErr(err, nil)
}

func (s *WebhooksService) write(ctx context.Context, method string, w *Webhook, opts []CallOption) (*Webhook, error) {
	body := *w
	if body.ExternalAuthorizationType == "" {
		body.ExternalAuthorizationType = WebhookNoAuth
	}
	// Long secrets are also scrubbed from the pipeline's log lines.
	s.client.pipe.Redactor().Add(w.secrets()...)
	var env webhookEnvelope
	if err := s.client.send(ctx, method, "webhooks", nil, &body, &env, opts...); err != nil {
		return nil, scrubWebhookErr(err, w.secrets())
	}
	if len(env.Webhooks) == 0 {
		return nil, &APIError{StatusCode: 200, Method: method, URL: "webhooks", Message: "answer holds no webhook", kind: ErrBadResponse}
	}
	return &env.Webhooks[0], nil
}

// scrubWebhookErr removes webhook secrets from an API error: Cin7 Core
// echoes them in its answers, and the request body carries them.
func scrubWebhookErr(err error, secrets []string) error {
	var ae *APIError
	if err == nil || !errors.As(err, &ae) {
		return err
	}
	ae.RequestBody = scrubWebhookJSON(ae.RequestBody, secrets)
	ae.Body = scrubWebhookJSON(ae.Body, secrets)
	ae.Message = replaceSecrets(ae.Message, secrets)
	for i := range ae.Details {
		ae.Details[i].Exception = replaceSecrets(ae.Details[i].Exception, secrets)
	}
	return err
}

// scrubWebhookJSON masks the secret fields of any webhook in a JSON text
// (body snippets may be cut, so a text that does not parse is replaced
// whole unless it holds no secret-looking field).
func scrubWebhookJSON(s string, secrets []string) string {
	if s == "" {
		return s
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		for _, k := range []string{"ExternalPassword", "ExternalBearerToken", "ExternalHeaders"} {
			if strings.Contains(s, k) {
				return masked
			}
		}
		return replaceSecrets(s, secrets)
	}
	maskWebhookFields(v)
	b, err := json.Marshal(v)
	if err != nil {
		return masked
	}
	return replaceSecrets(string(b), secrets)
}

func maskWebhookFields(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch k {
			case "ExternalPassword", "ExternalBearerToken":
				if s, ok := val.(string); ok && s != "" {
					x[k] = masked
				}
			case "ExternalHeaders":
				if hs, ok := val.([]any); ok {
					for _, h := range hs {
						if hm, ok := h.(map[string]any); ok {
							if _, has := hm["Value"]; has {
								hm["Value"] = masked
							}
						}
					}
				}
			default:
				maskWebhookFields(val)
			}
		}
	case []any:
		for _, e := range x {
			maskWebhookFields(e)
		}
	}
}

// replaceSecrets replaces secrets of 4 characters or more in free text;
// shorter ones would shred ordinary words and are only masked by field.
func replaceSecrets(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, masked)
		}
	}
	return s
}
