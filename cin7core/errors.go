package cin7core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cin7ramp/cin7ramp/internal/httpx"
)

// Sentinel errors; match them with errors.Is on any error this package
// returns.
var (
	// ErrNotFound: the record or endpoint does not exist (404, or an Error
	// Model with code 404).
	ErrNotFound = errors.New("cin7core: not found")
	// ErrUnauthorized: Cin7 Core refused the credentials (403). Never
	// retried.
	ErrUnauthorized = errors.New("cin7core: unauthorized")
	// ErrRateLimited: the 60-calls-a-minute limit was hit (429 or 503) and
	// retries ran out.
	ErrRateLimited = errors.New("cin7core: rate limited")
	// ErrValidation: the API rejected the request's content (400).
	ErrValidation = errors.New("cin7core: validation failed")
	// ErrBadResponse: a response that is not what the API documents, such
	// as an HTML page with status 200 or JSON of the wrong shape.
	ErrBadResponse = errors.New("cin7core: unexpected response")
	// ErrServer: the server failed (5xx other than throttling).
	ErrServer = errors.New("cin7core: server error")
)

// ErrorDetail is one element of Cin7 Core's Error Model.
type ErrorDetail struct {
	ErrorCode Int    `json:"ErrorCode"`
	Exception string `json:"Exception"`
}

// APIError is any error answer from Cin7 Core. Secrets are never part of it.
type APIError struct {
	// StatusCode is the HTTP status; 200 when the error came as an Error
	// Model inside a successful response.
	StatusCode int
	// Code is the Error Model's ErrorCode (0 if none).
	Code int
	// Message is the Error Model's Exception, or a short description.
	Message string
	// Details holds every Error Model entry.
	Details []ErrorDetail
	Method  string
	// URL is the request URL without secrets.
	URL string
	// RequestBody is a snippet of what was sent (secrets removed).
	RequestBody string
	// Body is a snippet of what came back.
	Body string
	// RetryAfter is the server's Retry-After, 0 if none was sent.
	RetryAfter time.Duration
	// Attempts is how many attempts were made.
	Attempts int

	kind error
}

// Error describes the failed call, without secrets.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cin7core: %s %s: HTTP %d", e.Method, e.URL, e.StatusCode)
	if e.Code != 0 && e.Code != e.StatusCode {
		fmt.Fprintf(&b, " (ErrorCode %d)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Is matches the package's sentinel errors.
func (e *APIError) Is(target error) bool { return e.kind != nil && target == e.kind }

// Unwrap exposes the sentinel.
func (e *APIError) Unwrap() error { return e.kind }

// ValidationError is a client-side check that failed before any request
// was sent.
type ValidationError struct {
	Field  string
	Reason string
}

// Error names the field and why it was refused.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "cin7core: invalid request: " + e.Reason
	}
	return fmt.Sprintf("cin7core: invalid %s: %s", e.Field, e.Reason)
}

// Is makes a *ValidationError match ErrValidation.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

const snippetLen = 2048

func snippet(b []byte) string {
	if len(b) > snippetLen {
		return string(b[:snippetLen]) + "…"
	}
	return string(b)
}

// checkResponse is the pipeline hook: it finds errors in any status,
// including Error Models and non-JSON bodies inside HTTP 200.
func checkResponse(red *httpx.Redactor) func(*httpx.Response) error {
	return func(r *httpx.Response) error {
		body := bytes.TrimSpace(r.Body)
		mk := func(kind error, msg string) *APIError {
			return &APIError{
				StatusCode: r.StatusCode, Message: red.String(msg), Method: r.Method, URL: r.URL,
				RequestBody: snippet([]byte(red.String(string(r.RequestBody)))), Body: snippet([]byte(red.String(string(body)))),
				RetryAfter: r.RetryAfter, Attempts: r.Attempts, kind: kind,
			}
		}
		if r.StatusCode >= 200 && r.StatusCode < 300 {
			if r.StatusCode == http.StatusNoContent || len(body) == 0 {
				return nil
			}
			// Only the first byte is checked here: a full validation would
			// scan every page twice, and the decoder rejects malformed JSON
			// anyway (as ErrBadResponse).
			if body[0] != '{' && body[0] != '[' {
				return mk(ErrBadResponse, "response is not JSON (content type "+r.Header.Get("Content-Type")+")")
			}
			if details, ok := errorModel(body); ok {
				redactDetails(red, details)
				e := mk(kindForCode(details[0].ErrorCode.int()), details[0].Exception)
				e.Code, e.Details = details[0].ErrorCode.int(), details
				return e
			}
			return nil
		}
		kind := kindForStatus(r.StatusCode)
		msg := http.StatusText(r.StatusCode)
		e := mk(kind, msg)
		if details, ok := errorModel(body); ok {
			redactDetails(red, details)
			e.Code, e.Details = details[0].ErrorCode.int(), details
			e.Message = red.String(details[0].Exception)
		} else if len(body) > 0 && len(body) < 300 && !bytes.HasPrefix(body, []byte("<")) {
			// Plain-text bodies such as "Incorrect credentials!".
			e.Message = red.String(strings.TrimSpace(string(body)))
		}
		return e
	}
}

func (n Int) int() int { return int(n) }

// errorModel recognises [{"ErrorCode":..,"Exception":..}] or the single
// object form.
func errorModel(body []byte) ([]ErrorDetail, bool) {
	if len(body) == 0 || (body[0] != '[' && body[0] != '{') {
		return nil, false
	}
	// Cheap pre-check so large list bodies are not decoded twice.
	head := body
	if len(head) > 512 {
		head = head[:512]
	}
	if !bytes.Contains(head, []byte(`"ErrorCode"`)) && !bytes.Contains(head, []byte(`"Exception"`)) {
		return nil, false
	}
	// ErrorCode is read leniently: a server that sends it as a string, or
	// as something unreadable, still sent an error.
	type wireDetail struct {
		ErrorCode json.RawMessage `json:"ErrorCode"`
		Exception *string         `json:"Exception"`
	}
	var ws []wireDetail
	if body[0] == '[' {
		if err := json.Unmarshal(body, &ws); err != nil || len(ws) == 0 {
			return nil, false
		}
	} else {
		var w wireDetail
		if err := json.Unmarshal(body, &w); err != nil {
			return nil, false
		}
		ws = []wireDetail{w}
	}
	if ws[0].ErrorCode == nil && ws[0].Exception == nil {
		return nil, false
	}
	ds := make([]ErrorDetail, len(ws))
	for i, w := range ws {
		if w.Exception != nil {
			ds[i].Exception = *w.Exception
		}
		if w.ErrorCode != nil {
			var n Int
			if err := n.UnmarshalJSON(w.ErrorCode); err == nil {
				ds[i].ErrorCode = n
			} else if ds[i].Exception == "" {
				ds[i].Exception = "ErrorCode " + snippet(w.ErrorCode)
			}
		}
	}
	return ds, true
}

func kindForStatus(status int) error {
	switch {
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusNotFound:
		return ErrNotFound
	case httpx.IsThrottle(status):
		return ErrRateLimited
	case status == http.StatusBadRequest || status == http.StatusConflict || status == http.StatusUnprocessableEntity:
		return ErrValidation
	case status >= 500:
		return ErrServer
	}
	return ErrBadResponse
}

func kindForCode(code int) error {
	if code >= 400 && code < 600 {
		return kindForStatus(code)
	}
	return ErrValidation
}

// redactDetails removes secrets a server may echo back in its messages.
func redactDetails(red *httpx.Redactor, ds []ErrorDetail) {
	for i := range ds {
		ds[i].Exception = red.String(ds[i].Exception)
	}
}

// sameDocument refuses an answer about another document than the one asked
// for (a misrouted or stale answer): acting on it would write the wrong
// record.
func sameDocument(path, asked, got string) error {
	if SameID(asked, got) {
		return nil
	}
	return &APIError{StatusCode: 200, Method: "GET", URL: path, Message: fmt.Sprintf("asked for %s, the answer is about %s", asked, got), kind: ErrBadResponse}
}
