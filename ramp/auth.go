package ramp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cin7ramp/cin7ramp/internal/httpx"
)

// refreshMargin is how close to its expiry a token is renewed before use,
// so a request is not sent with a token that dies on the way.
const refreshMargin = 30 * time.Second

// auth holds the token state. Every renewal (login or refresh) runs as one
// shared flight, so concurrent callers that find the token stale trigger a
// single login between them.
type auth struct {
	username, password string
	static             bool
	clock              Clock
	red                *httpx.Redactor
	pipe               *httpx.Pipeline

	mu       sync.Mutex
	token    string
	refresh  string
	exp      time.Time // zero when the token's expiry is unknown
	inflight *flight
}

type flight struct {
	done chan struct{}
	err  error
}

// callState travels in a call's context so that Reauthorize knows which
// token got the 401: if another caller has renewed it since, there is no
// need to renew again.
type callState struct{ token string }

type callKey struct{}

func withCall(ctx context.Context) context.Context {
	return context.WithValue(ctx, callKey{}, &callState{})
}

// authorize is the pipeline hook; it never touches the network (a failure
// here would be reported as a transport error).
func (a *auth) authorize(ctx context.Context, r *http.Request) error {
	a.mu.Lock()
	tok := a.token
	a.mu.Unlock()
	if cs, ok := ctx.Value(callKey{}).(*callState); ok {
		cs.token = tok
	}
	if tok != "" {
		r.Header.Set("Authorization", AuthScheme+" "+tok)
	}
	return nil
}

// ensure makes sure a token exists and is not about to expire.
func (a *auth) ensure(ctx context.Context) error {
	if a.static {
		return nil
	}
	return a.renew(ctx, func() bool {
		return a.token != "" && (a.exp.IsZero() || a.clock.Now().Add(refreshMargin).Before(a.exp))
	})
}

// reauthorize is the pipeline's 401 hook: refresh once, and if that fails
// log in once. The pipeline makes a second 401 final.
func (a *auth) reauthorize(ctx context.Context) error {
	used := ""
	if cs, ok := ctx.Value(callKey{}).(*callState); ok {
		used = cs.token
	}
	return a.renew(ctx, func() bool { return a.token != "" && a.token != used })
}

// renew returns once ok() holds, renewing the token if needed. ok is
// evaluated under a.mu.
func (a *auth) renew(ctx context.Context, ok func() bool) error {
	for {
		a.mu.Lock()
		if ok() {
			a.mu.Unlock()
			return nil
		}
		if f := a.inflight; f != nil {
			a.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if f.err == nil {
				// Trust the fresh token even if it is short-lived; looping
				// on ok() could spin on a server issuing tiny TTLs.
				return nil
			}
			if isCtxErr(f.err) && ctx.Err() == nil {
				// The leader gave up, not the server; try ourselves.
				continue
			}
			return f.err
		}
		f := &flight{done: make(chan struct{})}
		a.inflight = f
		refresh := a.refresh
		a.mu.Unlock()

		tg, err := a.obtain(ctx, refresh)

		a.mu.Lock()
		if err == nil {
			a.red.Add(tg.Token, tg.Refresh)
			a.token, a.exp = tg.Token, jwtExpiry(tg.Token)
			if tg.Refresh != "" {
				a.refresh = tg.Refresh
			}
		}
		f.err = err
		a.inflight = nil
		a.mu.Unlock()
		close(f.done)
		return err
	}
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// tokenGroup is the token pair the login endpoints return.
type tokenGroup struct {
	Token   string `json:"Token"`
	Refresh string `json:"Refresh"`
}

type loginResponse struct {
	Success    *bool             `json:"Success"`
	TokenGroup *tokenGroup       `json:"TokenGroup"`
	Messages   []json.RawMessage `json:"Messages"`
}

// obtain refreshes when a refresh token is known and falls back to a full
// login when that fails.
func (a *auth) obtain(ctx context.Context, refresh string) (tokenGroup, error) {
	log := a.pipe.Logger()
	if refresh != "" {
		tg, err := a.call(ctx, PathRefreshLogin, map[string]string{"RefreshToken": refresh})
		if err == nil {
			log.LogAttrs(ctx, slog.LevelDebug, "ramp: token refreshed")
			return tg, nil
		}
		if isCtxErr(err) {
			return tokenGroup{}, err
		}
		log.LogAttrs(ctx, slog.LevelDebug, "ramp: token refresh failed; logging in again",
			slog.String("error", a.scrub(err.Error())))
	}
	tg, err := a.call(ctx, PathLogin, map[string]string{"Username": a.username, "Password": a.password})
	if err != nil {
		return tokenGroup{}, err
	}
	log.LogAttrs(ctx, slog.LevelDebug, "ramp: logged in", slog.String("username", a.username))
	return tg, nil
}

// call posts to a login endpoint. Refusals (400, 401, 403 or Success
// false) become ErrUnauthorized; throttling and server errors keep their
// own kind so the caller can tell an outage from bad credentials.
func (a *auth) call(ctx context.Context, path string, body any) (tokenGroup, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return tokenGroup{}, err
	}
	resp, err := a.pipe.Do(ctx, httpx.Request{Method: http.MethodPost, Path: path, Body: b, NoAuth: true, Idempotent: true})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			// Login and refresh answers may echo the credentials in any
			// encoding: keep none of their bodies.
			ae.RequestBody, ae.Body = "", ""
			ae.scrub(a.scrub)
			switch ae.StatusCode {
			case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
				ae.kind = ErrUnauthorized
			}
		}
		return tokenGroup{}, err
	}
	var lr loginResponse
	if err := decodeObject(a.red, resp, &lr); err != nil {
		return tokenGroup{}, a.authErr(err)
	}
	if lr.Success != nil && !*lr.Success {
		e := badResponse(a.red, resp, "")
		e.kind = ErrUnauthorized
		e.Errors = redactDetails(a.red, messagesToDetails(lr.Messages))
		return tokenGroup{}, a.authErr(e)
	}
	if lr.TokenGroup == nil || lr.TokenGroup.Token == "" {
		return tokenGroup{}, a.authErr(badResponse(a.red, resp, "login response carries no token"))
	}
	return *lr.TokenGroup, nil
}

func (a *auth) authErr(err error) error {
	var ae *APIError
	if errors.As(err, &ae) {
		ae.RequestBody = ""
		ae.Body = ""
		ae.scrub(a.scrub)
	}
	return err
}

// scrub removes the password even when it is too short for the redactor
// (which skips short secrets so ordinary text survives); it is applied only
// to login errors, where that trade-off favours safety.
func (a *auth) scrub(s string) string {
	s = a.red.String(s)
	if a.password != "" {
		s = strings.ReplaceAll(s, a.password, httpx.Redacted)
	}
	return s
}

func (e *APIError) scrub(f func(string) string) {
	e.Message, e.Body, e.URL = f(e.Message), f(e.Body), f(e.URL)
	for i := range e.Errors {
		e.Errors[i].Message = f(e.Errors[i].Message)
	}
}

// jwtExpiry reads the exp claim of a JWT without checking its signature
// (the client only needs to know when to renew). It returns the zero time
// for anything that is not a JWT with a numeric exp.
func jwtExpiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp == nil {
		return time.Time{}
	}
	f, err := claims.Exp.Float64()
	if err != nil || f <= 0 || f > 1e11 {
		return time.Time{}
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9))
}
