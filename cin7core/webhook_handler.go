package cin7core

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
)

// DefaultWebhookMaxBody is the default cap on a delivery's body. Stock
// level notifications are the largest payloads; 1 MiB holds thousands of
// rows.
const DefaultWebhookMaxBody = 1 << 20

// WebhookAuth says how deliveries must authenticate. Cin7 Core signs
// nothing, so one of these is the only proof a delivery comes from it.
// Every method that is set must pass; set at least one (or opt out with
// [WebhookHandlerConfig.AllowUnauthenticated]). Configure the webhook with
// the same values (ExternalAuthorizationType basicauth or bearerauth, or
// ExternalHeaders for the header).
type WebhookAuth struct {
	// Username and Password: HTTP basic auth (basicauth). Both or none.
	Username, Password string
	// BearerToken: Authorization: Bearer <token> (bearerauth).
	BearerToken string
	// HeaderName and HeaderValue: a secret custom header sent through the
	// webhook's ExternalHeaders. Both or none.
	HeaderName, HeaderValue string
}

func (a WebhookAuth) empty() bool {
	return a.Username == "" && a.Password == "" && a.BearerToken == "" && a.HeaderName == "" && a.HeaderValue == ""
}

// WebhookHandlerConfig configures [NewWebhookHandler].
type WebhookHandlerConfig struct {
	// Auth is required unless AllowUnauthenticated is true.
	Auth WebhookAuth
	// AllowUnauthenticated accepts deliveries without checking any
	// credential. Anyone who finds the URL can then post events; use it
	// only behind another authenticating layer.
	AllowUnauthenticated bool
	// MaxBodyBytes caps the body; larger deliveries get 413. 0 means
	// [DefaultWebhookMaxBody].
	MaxBodyBytes int64
	// OnEvent receives each parsed event, with the request's context
	// (see [WebhookPayload] for the raw body). Returning an error answers
	// 500, so Cin7 Core delivers the event again later: it makes six
	// attempts in about 75 minutes and then DEACTIVATES the webhook
	// (pitfall 6; re-enable it with [WebhooksService.Reactivate]). So
	// return an error only for a transient failure, and keep the callback
	// fast (queue the work): Cin7 Core expects a quick 200.
	OnEvent func(ctx context.Context, ev Event) error
	// Logger gets one line per rejected or failed delivery (never
	// credentials or bodies). Nil discards.
	Logger *slog.Logger
}

type payloadKey struct{}

// WebhookPayload returns the raw body of the delivery being handled, from
// the context [WebhookHandlerConfig.OnEvent] receives (nil elsewhere), for
// hosts that archive payloads.
func WebhookPayload(ctx context.Context) []byte {
	b, _ := ctx.Value(payloadKey{}).([]byte)
	return b
}

type webhookHandler struct {
	cfg                                     WebhookHandlerConfig
	basic, bearer, header                   bool
	wantUser, wantPass, wantBearer, wantHdr [sha256.Size]byte
	headerName                              string
	log                                     *slog.Logger
}

// NewWebhookHandler returns an http.Handler that receives Cin7 Core
// webhook deliveries. For each request it, in order: answers 405 to
// anything but POST; checks the credentials with constant-time compares
// before reading any of the body (401 on failure); answers 413 to a body
// over the cap (from Content-Length when sent, else while reading); parses
// the body with [ParseEvent] (400 if it cannot); calls OnEvent (500 if it
// fails or panics); and answers 200.
//
// It fails when OnEvent is nil, when an auth method is half set, or when
// no auth is configured without AllowUnauthenticated.
func NewWebhookHandler(cfg WebhookHandlerConfig) (http.Handler, error) {
	if cfg.OnEvent == nil {
		return nil, errors.New("cin7core: webhook handler needs OnEvent")
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, errors.New("cin7core: webhook handler MaxBodyBytes must not be negative")
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultWebhookMaxBody
	}
	a := cfg.Auth
	if a.empty() && !cfg.AllowUnauthenticated {
		return nil, errors.New("cin7core: webhook handler has no authentication: set Auth (basic, bearer or a secret header) or AllowUnauthenticated explicitly")
	}
	if !a.empty() && cfg.AllowUnauthenticated {
		return nil, errors.New("cin7core: webhook handler: AllowUnauthenticated set together with Auth")
	}
	h := &webhookHandler{cfg: cfg, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if (a.Username == "") != (a.Password == "") {
		return nil, errors.New("cin7core: webhook basic auth needs both Username and Password")
	}
	if (a.HeaderName == "") != (a.HeaderValue == "") {
		return nil, errors.New("cin7core: webhook header auth needs both HeaderName and HeaderValue")
	}
	if a.Username != "" {
		if strings.Contains(a.Username, ":") {
			return nil, errors.New("cin7core: webhook basic auth user name must not contain a colon")
		}
		h.basic, h.wantUser, h.wantPass = true, sha256.Sum256([]byte(a.Username)), sha256.Sum256([]byte(a.Password))
	}
	if a.BearerToken != "" {
		h.bearer, h.wantBearer = true, sha256.Sum256([]byte(a.BearerToken))
	}
	if a.HeaderName != "" {
		if strings.EqualFold(a.HeaderName, "Authorization") && (h.basic || h.bearer) {
			return nil, errors.New("cin7core: webhook header auth cannot use Authorization together with basic or bearer auth")
		}
		h.header, h.headerName, h.wantHdr = true, textproto.CanonicalMIMEHeaderKey(a.HeaderName), sha256.Sum256([]byte(a.HeaderValue))
	}
	return h, nil
}

// equalHash compares a presented secret with the expected hash in
// constant time; hashing first hides the expected length too.
func equalHash(got string, want [sha256.Size]byte) bool {
	g := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(g[:], want[:]) == 1
}

// authenticate checks every configured method, evaluating all of them so
// the time taken does not say which failed.
func (h *webhookHandler) authenticate(r *http.Request) bool {
	if h.cfg.AllowUnauthenticated {
		return true
	}
	ok := 1
	if h.basic {
		u, p, has := r.BasicAuth()
		good := equalHash(u, h.wantUser)
		good = equalHash(p, h.wantPass) && good
		if !has || !good {
			ok = 0
		}
	}
	if h.bearer {
		authz := r.Header.Get("Authorization")
		tok, has := "", false
		if len(authz) > 7 && strings.EqualFold(authz[:7], "Bearer ") {
			tok, has = strings.TrimSpace(authz[7:]), true
		}
		if !equalHash(tok, h.wantBearer) || !has {
			ok = 0
		}
	}
	if h.header {
		vals := r.Header.Values(h.headerName)
		v := ""
		if len(vals) == 1 {
			v = vals[0]
		}
		if !equalHash(v, h.wantHdr) || len(vals) != 1 {
			ok = 0
		}
	}
	return ok == 1
}

// ServeHTTP handles one delivery; see NewWebhookHandler for the order of checks.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.authenticate(r) {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "cin7core webhook: rejected delivery with bad credentials",
			slog.String("remote", r.RemoteAddr))
		switch {
		case h.basic:
			w.Header().Set("WWW-Authenticate", `Basic realm="cin7core-webhook"`)
		case h.bearer:
			w.Header().Set("WWW-Authenticate", `Bearer realm="cin7core-webhook"`)
		}
		// The body is never read: close the connection rather than
		// drain an unauthenticated upload.
		w.Header().Set("Connection", "close")
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	limit := h.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		h.tooLarge(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "cin7core webhook: cannot read body", slog.String("error", err.Error()))
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if int64(len(body)) > limit {
		h.tooLarge(w, r)
		return
	}
	ev, err := ParseEvent(body)
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "cin7core webhook: unreadable payload",
			slog.String("error", err.Error()), slog.Int("bytes", len(body)))
		http.Error(w, "invalid payload", http.StatusBadRequest)
		return
	}
	if err := h.call(context.WithValue(r.Context(), payloadKey{}, body), ev); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "cin7core webhook: event handler failed; Cin7 Core will deliver it again",
			slog.String("type", string(ev.EventType())), slog.String("error", err.Error()))
		http.Error(w, "event not processed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *webhookHandler) tooLarge(w http.ResponseWriter, r *http.Request) {
	h.log.LogAttrs(r.Context(), slog.LevelWarn, "cin7core webhook: body over the cap",
		slog.Int64("max", h.cfg.MaxBodyBytes), slog.Int64("content_length", r.ContentLength))
	w.Header().Set("Connection", "close")
	http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
}

// call runs OnEvent, turning a panic into an error so the delivery is
// answered 500 and retried instead of dropping the connection.
func (h *webhookHandler) call(ctx context.Context, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in OnEvent: %v", p)
		}
	}()
	return h.cfg.OnEvent(ctx, ev)
}
