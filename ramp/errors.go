package ramp

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
	// ErrNotFound: the record does not exist (404 or ResourceDoesNotExist),
	// or a lookup by ExternalRef matched nothing.
	ErrNotFound = errors.New("ramp: not found")
	// ErrUnauthorized: login failed, or a call was refused even after the
	// token was renewed (401 or AuthenticationFailed).
	ErrUnauthorized = errors.New("ramp: unauthorized")
	// ErrRateLimited: the server kept answering 429 or 503 until retries
	// ran out.
	ErrRateLimited = errors.New("ramp: rate limited")
	// ErrValidation: the request's content was rejected (400,
	// ValidationError, InvalidForeignKey), or a client-side check failed.
	ErrValidation = errors.New("ramp: validation failed")
	// ErrConflict: the write clashes with existing state (409,
	// DuplicateResource), or a lookup by ExternalRef matched more than one
	// record.
	ErrConflict = errors.New("ramp: conflict")
	// ErrBadResponse: a response that is not what the contract says, such
	// as an HTML page with status 200 or JSON of the wrong shape.
	ErrBadResponse = errors.New("ramp: unexpected response")
	// ErrServer: the server failed (5xx other than 503).
	ErrServer = errors.New("ramp: server error")
	// ErrOrderFrozen: the order is Completed or Cancelled and can no longer
	// change (409 IllegalBusinessOperation from an order endpoint). Such
	// errors match ErrConflict too. Cin7 Core changes to a frozen order are
	// reported, never applied.
	ErrOrderFrozen = errors.New("ramp: order is completed or cancelled")
	// ErrIllegalState: the order's state or type does not allow the action,
	// such as dispatching an order nothing was allocated to (400
	// IllegalBusinessOperation from an order endpoint). Such errors match
	// ErrValidation too.
	ErrIllegalState = errors.New("ramp: action not allowed in the order's state")
)

// Error codes Ramp puts in ErrorDetail.ErrorCode (the Locafi set).
const (
	CodeAuthenticationFailed     = "AuthenticationFailed"
	CodeResourceDoesNotExist     = "ResourceDoesNotExist"
	CodeValidationError          = "ValidationError"
	CodeInvalidForeignKey        = "InvalidForeignKey"
	CodeDuplicateResource        = "DuplicateResource"
	CodeIllegalBusinessOperation = "IllegalBusinessOperation"
)

// ErrorDetail is one entry of Ramp's error body
// [{"ErrorCode","Message","Field"}].
type ErrorDetail struct {
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
	// Field names the offending request field, when the server says.
	Field string `json:"Field,omitempty"`
}

// APIError is any error answer from Ramp. Secrets (password, tokens) are
// never part of it.
type APIError struct {
	// StatusCode is the HTTP status (200 when an error came inside a
	// successful response, such as a login with Success false).
	StatusCode int
	// Errors holds every entry of the error body, if it had one.
	Errors []ErrorDetail
	// Message is a short description when the body had no error entries
	// (non-JSON body, wrong shape, plain text).
	Message string
	Method  string
	// URL is the request URL with secrets removed.
	URL string
	// RequestBody is a snippet of what was sent, secrets removed (always
	// empty for login and refresh calls, whose bodies are all secret).
	RequestBody string
	// Body is a snippet of what came back, secrets removed.
	Body string
	// RetryAfter is the server's Retry-After, 0 if none was sent.
	RetryAfter time.Duration
	// Attempts is how many attempts were made.
	Attempts int

	kind error
	// also is a second sentinel the error matches (ErrOrderFrozen or
	// ErrIllegalState), set by the order endpoints.
	also error
}

// Code returns the first error entry's ErrorCode, or "".
func (e *APIError) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].ErrorCode
}

// Field returns the first error entry that names a field, or "".
func (e *APIError) Field() string {
	for _, d := range e.Errors {
		if d.Field != "" {
			return d.Field
		}
	}
	return ""
}

// Error describes the call and the server's first error entry; secrets
// were removed before the error was built.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ramp: %s %s: HTTP %d", e.Method, e.URL, e.StatusCode)
	if len(e.Errors) > 0 {
		d := e.Errors[0]
		if d.ErrorCode != "" {
			fmt.Fprintf(&b, " %s", d.ErrorCode)
		}
		if d.Message != "" {
			fmt.Fprintf(&b, ": %s", d.Message)
		}
		if d.Field != "" {
			fmt.Fprintf(&b, " (field %s)", d.Field)
		}
		if n := len(e.Errors) - 1; n > 0 {
			fmt.Fprintf(&b, " (and %d more)", n)
		}
	} else if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Is matches the package's sentinel errors.
func (e *APIError) Is(target error) bool {
	return (e.kind != nil && target == e.kind) || (e.also != nil && target == e.also)
}

// Unwrap exposes the sentinel.
func (e *APIError) Unwrap() error { return e.kind }

// ValidationError is a client-side check that failed before any request
// was sent (a bad filter, a Create without Name, an Update without ID).
type ValidationError struct {
	Field  string
	Reason string
}

// Error names the field and why it was refused.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "ramp: invalid request: " + e.Reason
	}
	return fmt.Sprintf("ramp: invalid %s: %s", e.Field, e.Reason)
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

// checkResponse is the pipeline hook. It is called for every status, so a
// non-JSON 2xx (an HTML error page from a proxy) is caught too.
func checkResponse(red *httpx.Redactor) func(*httpx.Response) error {
	return func(r *httpx.Response) error {
		body := bytes.TrimSpace(r.Body)
		// The error is built only when there is one: redacting a whole
		// successful body on every call would cost more than decoding it.
		newErr := func() *APIError {
			return &APIError{
				StatusCode: r.StatusCode, Method: r.Method, URL: r.URL,
				// Redact first, then cut: a cut could split a secret and
				// leave half of it unrecognisable.
				RequestBody: snippet([]byte(red.String(string(r.RequestBody)))), Body: snippet([]byte(red.String(string(body)))),
				RetryAfter: r.RetryAfter, Attempts: r.Attempts,
			}
		}
		if r.StatusCode >= 200 && r.StatusCode < 300 {
			if len(body) == 0 {
				return nil
			}
			if body[0] != '{' && body[0] != '[' {
				e := newErr()
				e.kind = ErrBadResponse
				e.Message = "response is not JSON (content type " + r.Header.Get("Content-Type") + ")"
				return e
			}
			// Cheap pre-check so large list pages are not decoded twice.
			head := body[:min(len(body), 512)]
			if !bytes.Contains(head, []byte(`"ErrorCode"`)) && !bytes.Contains(head, []byte(`"Success"`)) {
				return nil
			}
			if details, ok := parseErrorBody(body); ok {
				e := newErr()
				e.Errors = redactDetails(red, details)
				e.kind = kindFor(r.StatusCode, details)
				return e
			}
			return nil
		}
		e := newErr()
		if details, ok := parseErrorBody(body); ok {
			e.Errors = redactDetails(red, details)
		} else if len(body) > 0 && len(body) < 300 && !bytes.HasPrefix(body, []byte("<")) && !json.Valid(body) {
			e.Message = red.String(string(body))
		} else {
			e.Message = http.StatusText(r.StatusCode)
		}
		e.kind = kindFor(r.StatusCode, e.Errors)
		return e
	}
}

func redactDetails(red *httpx.Redactor, ds []ErrorDetail) []ErrorDetail {
	out := make([]ErrorDetail, len(ds))
	for i, d := range ds {
		out[i] = ErrorDetail{ErrorCode: d.ErrorCode, Message: red.String(d.Message), Field: d.Field}
	}
	return out
}

// parseErrorBody recognises the error list, a single error object, and the
// login shape {"Success":false,"Messages":[...]}.
func parseErrorBody(body []byte) ([]ErrorDetail, bool) {
	if len(body) == 0 {
		return nil, false
	}
	switch body[0] {
	case '[':
		var ds []ErrorDetail
		if err := json.Unmarshal(body, &ds); err != nil || len(ds) == 0 {
			return nil, false
		}
		for _, d := range ds {
			if d.ErrorCode == "" && d.Message == "" {
				return nil, false
			}
		}
		return ds, true
	case '{':
		var probe struct {
			ErrorCode *string           `json:"ErrorCode"`
			Message   string            `json:"Message"`
			Field     string            `json:"Field"`
			Success   *bool             `json:"Success"`
			Messages  []json.RawMessage `json:"Messages"`
		}
		if err := json.Unmarshal(body, &probe); err != nil {
			return nil, false
		}
		if probe.ErrorCode != nil {
			return []ErrorDetail{{ErrorCode: *probe.ErrorCode, Message: probe.Message, Field: probe.Field}}, true
		}
		if probe.Success != nil && !*probe.Success {
			return messagesToDetails(probe.Messages), true
		}
		if probe.Success == nil && probe.Message != "" {
			// The ASP.NET default error shape {"Message": "..."}.
			return []ErrorDetail{{Message: probe.Message}}, true
		}
	}
	return nil, false
}

// messagesToDetails turns the login response's Messages (strings, or
// objects with a Message) into error entries.
func messagesToDetails(msgs []json.RawMessage) []ErrorDetail {
	out := []ErrorDetail{}
	for _, m := range msgs {
		var s string
		if json.Unmarshal(m, &s) == nil {
			out = append(out, ErrorDetail{ErrorCode: CodeAuthenticationFailed, Message: s})
			continue
		}
		var d ErrorDetail
		if json.Unmarshal(m, &d) == nil && (d.Message != "" || d.ErrorCode != "") {
			if d.ErrorCode == "" {
				d.ErrorCode = CodeAuthenticationFailed
			}
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		out = append(out, ErrorDetail{ErrorCode: CodeAuthenticationFailed, Message: "login refused"})
	}
	return out
}

// kindFor picks the sentinel: throttling and server failures by status,
// then the error code when it is a known one, then the status.
func kindFor(status int, details []ErrorDetail) error {
	switch {
	case httpx.IsThrottle(status):
		return ErrRateLimited
	case status >= 500:
		return ErrServer
	}
	if len(details) > 0 {
		switch details[0].ErrorCode {
		case CodeDuplicateResource:
			return ErrConflict
		case CodeResourceDoesNotExist:
			return ErrNotFound
		case CodeAuthenticationFailed:
			return ErrUnauthorized
		case CodeValidationError, CodeInvalidForeignKey:
			return ErrValidation
		}
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusConflict:
		return ErrConflict
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return ErrValidation
	}
	if status >= 200 && status < 300 && len(details) > 0 {
		// An error list inside a 2xx with an unknown code.
		return ErrValidation
	}
	return ErrBadResponse
}

// badResponse builds the error for a 2xx body of the wrong shape.
func badResponse(red *httpx.Redactor, r *httpx.Response, msg string) *APIError {
	return &APIError{
		StatusCode: r.StatusCode, Method: r.Method, URL: r.URL, Message: red.String(msg),
		RequestBody: snippet(r.RequestBody), Body: red.String(snippet(bytes.TrimSpace(r.Body))),
		Attempts: r.Attempts, kind: ErrBadResponse,
	}
}
