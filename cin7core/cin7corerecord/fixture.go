package cin7corerecord

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Fixture is one recorded exchange, stored as one JSON file.
type Fixture struct {
	Method string `json:"method"`
	// Path is the request path as sent, e.g. /ExternalApi/v2/ref/location.
	Path string `json:"path"`
	// Query holds the query parameters (secrets and personal values
	// scrubbed).
	Query url.Values `json:"query,omitempty"`
	// RequestBody is the JSON body of a write (scrubbed).
	RequestBody json.RawMessage `json:"requestBody,omitempty"`
	Status      int             `json:"status"`
	ContentType string          `json:"contentType,omitempty"`
	// ResponseBody is a JSON response (scrubbed).
	ResponseBody json.RawMessage `json:"responseBody,omitempty"`
	// ResponseText is a response that is not JSON (an HTML page, a
	// plain-text error), kept as text.
	ResponseText string `json:"responseText,omitempty"`
}

// Body returns the response body bytes.
func (f *Fixture) Body() []byte {
	if len(f.ResponseBody) > 0 {
		return f.ResponseBody
	}
	return []byte(f.ResponseText)
}

// Response builds the recorded answer to req.
func (f *Fixture) Response(req *http.Request) *http.Response {
	body := f.Body()
	h := http.Header{}
	if f.ContentType != "" {
		h.Set("Content-Type", f.ContentType)
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status)),
		StatusCode:    f.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// Key identifies the requests a fixture answers: method, path and the
// query in a canonical order.
func (f *Fixture) Key() string {
	return f.Method + " " + f.Path + "?" + f.Query.Encode()
}

// Load reads every *.json fixture of dir, in file-name order (the
// recorder numbers its files, so this is recording order).
func Load(dir string) ([]Fixture, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Fixture, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var f Fixture
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("cin7corerecord: %s: %w", n, err)
		}
		if f.Method == "" || f.Path == "" || f.Status == 0 {
			return nil, fmt.Errorf("cin7corerecord: %s: method, path and status are required", n)
		}
		f.Method = strings.ToUpper(f.Method)
		out = append(out, f)
	}
	return out, nil
}
