package cin7corerecord

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Redacted replaces secrets in fixtures.
const Redacted = "[REDACTED]"

// Option configures a Recorder.
type Option func(*Recorder) error

// WithScrubKey sets the key of the keyed hash that makes placeholders, so
// the same person gets the same placeholder across recording sessions.
// Without it a random key is used: placeholders are stable within one
// recorder only. Keep the key out of the repository, or the placeholders
// of guessable values (emails) could be reversed.
func WithScrubKey(key []byte) Option {
	return func(r *Recorder) error {
		if len(key) < 16 {
			return errors.New("cin7corerecord: scrub key must be at least 16 bytes")
		}
		r.key = append([]byte(nil), key...)
		return nil
	}
}

// WithPersonalFields adds field names (compared ignoring case) whose
// values are personal data, besides the built-in ones.
func WithPersonalFields(names ...string) Option {
	return func(r *Recorder) error {
		for _, n := range names {
			r.personal[strings.ToLower(n)] = true
		}
		return nil
	}
}

// WithSecretFields adds field or query names (ignoring case) whose values
// are secrets, besides those named like key, password, token or secret.
func WithSecretFields(names ...string) Option {
	return func(r *Recorder) error {
		for _, n := range names {
			r.secret[strings.ToLower(n)] = true
		}
		return nil
	}
}

// Recorder is an http.RoundTripper that passes requests on and saves each
// exchange in its folder as a numbered JSON [Fixture]:
// 0001-get-ref_location.json, …
//
// What is saved, and what is scrubbed:
//   - No request header is saved; the values of api-auth-* and
//     Authorization headers are also replaced by [Redacted] wherever
//     they appear in a saved path, query or body.
//   - Query parameters and JSON fields named like a secret (key,
//     password, passwd, secret, token, credential, user name, and the
//     Value of a header list such as ExternalHeaders) become [Redacted].
//   - Personal data becomes a stable placeholder (same value, same
//     placeholder; emails stay emails): fields such as Customer,
//     CustomerName, Contact, Email, Phone, Fax, Website, JobTitle,
//     BillingAddress, ShippingAddress, Address*, Supplier*Contact*,
//     SalesRepresentative and *By (user names); every string inside a
//     customer, supplier, contact or address record (its Name, lines,
//     city…) except IDs, dates and bookkeeping fields (Currency, Status,
//     PaymentTerm, TaxRule, …). Location addresses are scrubbed too.
//   - IDs (fields ending in ID/Id) are never changed, so replays still
//     join records.
//
// Scrubbing is by field name: review a recording before committing it.
// Safe for concurrent use.
type Recorder struct {
	next     http.RoundTripper
	dir      string
	key      []byte
	personal map[string]bool
	secret   map[string]bool

	mu      sync.Mutex
	seq     int
	secrets []string // header values seen
	files   []string
	err     error
}

// NewRecorder returns a recorder that sends requests with next (nil for
// http.DefaultTransport) and writes fixtures into dir, creating it.
// Numbering continues after the fixtures already in dir.
func NewRecorder(next http.RoundTripper, dir string, opts ...Option) (*Recorder, error) {
	if next == nil {
		next = http.DefaultTransport
	}
	if dir == "" {
		return nil, errors.New("cin7corerecord: empty folder")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cin7corerecord: %w", err)
	}
	r := &Recorder{next: next, dir: dir, personal: map[string]bool{}, secret: map[string]bool{}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(r); err != nil {
			return nil, err
		}
	}
	if r.key == nil {
		r.key = make([]byte, 32)
		if _, err := rand.Read(r.key); err != nil {
			return nil, err
		}
	}
	existing, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	r.seq = len(existing)
	return r, nil
}

// Files returns the fixture files written so far.
func (r *Recorder) Files() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.files...)
}

// Err returns the first error met while saving a fixture (the exchange
// itself is not affected), or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// RoundTrip sends req with the wrapped transport and saves the exchange.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		clone := req.Clone(req.Context())
		clone.Body = io.NopCloser(bytes.NewReader(b))
		clone.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req = clone
	}
	r.noteSecrets(req.Header)
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	r.save(req, reqBody, resp, respBody)
	return resp, nil
}

func (r *Recorder) noteSecrets(h http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, vs := range h {
		ln := strings.ToLower(name)
		if !strings.HasPrefix(ln, "api-auth-") && ln != "authorization" {
			continue
		}
		for _, v := range vs {
			v = strings.TrimSpace(v)
			if tok, ok := strings.CutPrefix(v, "Bearer "); ok {
				v = strings.TrimSpace(tok)
			}
			if len(v) >= 4 && !contains(r.secrets, v) {
				r.secrets = append(r.secrets, v)
			}
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9]+`)

func (r *Recorder) save(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	f := Fixture{Method: req.Method, Path: r.scrubText(req.URL.Path), Status: resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type")}
	if q := req.URL.Query(); len(q) > 0 {
		f.Query = url.Values{}
		for k, vs := range q {
			for _, v := range vs {
				f.Query.Add(k, r.scrubQuery(k, v))
			}
		}
	}
	if len(bytes.TrimSpace(reqBody)) > 0 {
		if b, ok := r.scrubJSON(reqBody); ok {
			f.RequestBody = b
		} else {
			f.RequestBody, _ = json.Marshal(Redacted) // not JSON: not kept
		}
	}
	if b, ok := r.scrubJSON(respBody); ok {
		f.ResponseBody = b
	} else {
		f.ResponseText = r.scrubText(string(respBody))
	}
	out, err := json.MarshalIndent(&f, "", "  ")
	if err != nil {
		r.fail(err)
		return
	}
	out = append(out, '\n')
	r.mu.Lock()
	r.seq++
	seq := r.seq
	r.mu.Unlock()
	p := strings.TrimPrefix(strings.ToLower(req.URL.Path), "/externalapi/v2/")
	p = strings.Trim(unsafeName.ReplaceAllString(p, "_"), "_")
	if len(p) > 60 {
		p = p[:60]
	}
	name := filepath.Join(r.dir, fmt.Sprintf("%04d-%s-%s.json", seq, strings.ToLower(req.Method), p))
	if err := os.WriteFile(name, out, 0o644); err != nil {
		r.fail(err)
		return
	}
	r.mu.Lock()
	r.files = append(r.files, name)
	r.mu.Unlock()
}

func (r *Recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = fmt.Errorf("cin7corerecord: %w", err)
	}
}

// scrubText replaces the credential header values seen so far.
func (r *Recorder) scrubText(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, Redacted)
		if q := url.QueryEscape(sec); q != sec {
			s = strings.ReplaceAll(s, q, Redacted)
		}
	}
	return s
}

func (r *Recorder) scrubQuery(name, value string) string {
	switch {
	case r.isSecret(name):
		return Redacted
	case r.isPersonal(name) && value != "":
		return r.placeholder(name, value)
	}
	return r.scrubText(value)
}

// scrubJSON scrubs a JSON body, keeping its key order and number
// spelling; ok is false if it is not JSON.
func (r *Recorder) scrubJSON(b []byte) (json.RawMessage, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || !json.Valid(b) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, false
	}
	r.walk(n, "", false)
	var buf bytes.Buffer
	n.encode(&buf)
	return json.RawMessage(r.scrubText(buf.String())), true
}

// node is a JSON value that keeps the order of object keys.
type node struct {
	kind byte // '{', '[', 's' (string) or 'v' (number, bool, null)
	keys []string
	vals []*node
	str  string
	raw  string
}

func parseNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &node{kind: byte(v)}
		for dec.More() {
			if v == '{' {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				n.keys = append(n.keys, k)
			}
			child, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, child)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return n, nil
	case string:
		return &node{kind: 's', str: v}, nil
	case json.Number:
		return &node{kind: 'v', raw: v.String()}, nil
	case bool:
		return &node{kind: 'v', raw: fmt.Sprint(v)}, nil
	case nil:
		return &node{kind: 'v', raw: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func (n *node) encode(b *bytes.Buffer) {
	switch n.kind {
	case '{':
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			n.vals[i].encode(b)
		}
		b.WriteByte('}')
	case '[':
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			v.encode(b)
		}
		b.WriteByte(']')
	case 's':
		writeString(b, n.str)
	default:
		b.WriteString(n.raw)
	}
}

func writeString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	b.Write(bytes.TrimSpace(tmp.Bytes()))
}

// walk scrubs n, found under key, in place; inPerson is true inside a
// personal record (customer, supplier, contact, address).
func (r *Recorder) walk(n *node, key string, inPerson bool) {
	lk := strings.ToLower(key)
	switch n.kind {
	case '{':
		person := inPerson || r.isPersonal(key) || personalContainer(lk)
		headers := strings.HasSuffix(lk, "headers")
		for i, k := range n.keys {
			if headers && strings.EqualFold(k, "Value") && n.vals[i].kind == 's' {
				n.vals[i].str = Redacted
				continue
			}
			r.walk(n.vals[i], k, person)
		}
	case '[':
		person := inPerson || r.isPersonal(key) || personalContainer(lk)
		for _, e := range n.vals {
			// Elements keep the list's key, so ExternalHeaders items
			// still know they are headers.
			r.walk(e, key, person)
		}
	case 's':
		n.str = r.scrubString(n.str, key, lk, inPerson)
	}
}

func (r *Recorder) scrubString(x, key, lk string, inPerson bool) string {
	if x == "" || isIDKey(lk) {
		return x
	}
	if r.isSecret(key) {
		return Redacted
	}
	if looksLikeTime(x) {
		return x // dates (ShipBy, LastModifiedOn) identify no one
	}
	if u, err := url.Parse(x); err == nil && u.IsAbs() && u.Host != "" && (u.RawQuery != "" || u.User != nil) {
		x = r.scrubURL(u)
	}
	if r.isPersonal(key) {
		return r.placeholder(key, x)
	}
	if inPerson && !keepInPerson[lk] {
		return r.placeholder(key, x)
	}
	return x
}

func isIDKey(lk string) bool { return strings.HasSuffix(lk, "id") && lk != "paid" }

// personalContainer names lists and records all of whose strings are
// personal: customer and supplier lists and their detail records.
func personalContainer(lk string) bool {
	switch lk {
	case "customerlist", "supplierlist", "customerdetailslist", "supplierdetailslist", "contacts", "addresses":
		return true
	}
	return false
}

// keepInPerson are bookkeeping fields of customer and supplier records
// that identify no one and that tests may need.
var keepInPerson = map[string]bool{
	"type": true, "status": true, "currency": true, "paymentterm": true, "taxrule": true, "pricetier": true,
	"location": true, "accountreceivable": true, "revenueaccount": true, "accountpayable": true,
	"attributeset": true, "tags": true, "carrier": true, "discount": true, "creditlimit": true, "default": true,
	"defaultfortype": true, "includeinemail": true, "country": true, "eventtype": true,
}

var builtinPersonal = map[string]bool{
	"customer": true, "customername": true, "customercontact": true, "customercontactname": true,
	"customercontactemail": true, "customeremail": true, "customerphone": true, "customerreference": false,
	"contact": true, "contactname": true, "email": true, "phone": true, "mobilephone": true, "mobile": true,
	"fax": true, "website": true, "jobtitle": true, "supplier": true, "suppliername": true,
	"suppliercontact": true, "suppliercontactname": true, "suppliercontactemail": true, "supplieremail": true,
	"supplierphone": true, "billingaddress": true, "shippingaddress": true, "shiptoaddress": true,
	"deliveryaddress": true, "salesrepresentative": true, "line1": true, "line2": true, "city": true,
	"suburb": true, "postcode": true, "zipcode": true, "firstname": true, "lastname": true, "fullname": true,
	"membername": true, "username": true,
}

func (r *Recorder) isPersonal(key string) bool {
	lk := strings.ToLower(key)
	if lk == "" || isIDKey(lk) {
		return false
	}
	if v, ok := builtinPersonal[lk]; ok {
		return v
	}
	if r.personal[lk] {
		return true
	}
	switch {
	case strings.HasPrefix(lk, "address"), strings.HasSuffix(lk, "address"),
		strings.Contains(lk, "email"), strings.Contains(lk, "phone"),
		strings.Contains(lk, "contact") && !strings.HasSuffix(lk, "s"),
		len(lk) > 2 && strings.HasSuffix(lk, "by"): // LastModifiedBy, AuthorisedBy: user names
		return true
	}
	return false
}

var secretWords = []string{"password", "passwd", "secret", "token", "credential", "apikey", "api-key", "applicationkey", "username"}

func (r *Recorder) isSecret(key string) bool {
	lk := strings.ToLower(key)
	if r.secret[lk] {
		return true
	}
	if strings.HasSuffix(lk, "type") || isIDKey(lk) {
		return false
	}
	if lk == "key" || strings.HasSuffix(lk, "key") || strings.HasPrefix(lk, "api-auth-") || lk == "authorization" {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(lk, w) {
			return true
		}
	}
	return false
}

// scrubURL removes user info and secret query values from a URL found
// in a body (a webhook's ExternalURL may carry a token).
func (r *Recorder) scrubURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k, vs := range q {
			for i := range vs {
				vs[i] = r.scrubQuery(k, vs[i])
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// placeholder returns a stable stand-in for a personal value: a keyed
// hash, so equal values match and the original cannot be read back.
func (r *Recorder) placeholder(key, value string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(strings.ToLower(strings.TrimSpace(value))))
	h := hex.EncodeToString(m.Sum(nil))[:10]
	lk := strings.ToLower(key)
	switch {
	case strings.Contains(lk, "email") || (strings.Contains(value, "@") && !strings.Contains(value, " ")):
		return "person-" + h + "@example.invalid"
	case strings.Contains(lk, "phone") || lk == "fax" || lk == "mobile":
		return "phone-" + h
	case strings.Contains(lk, "address") || lk == "line1" || lk == "line2" || lk == "city" || lk == "suburb" || lk == "postcode" || lk == "zipcode":
		return "address-" + h
	case lk == "website":
		return "https://" + h + ".example.invalid"
	}
	return "name-" + h
}

// looksLikeTime keeps time stamps inside personal records.
func looksLikeTime(s string) bool {
	if len(s) < 10 || len(s) > 40 {
		return false
	}
	for _, l := range []string{"2006-01-02T15:04:05.9999999Z07:00", "2006-01-02T15:04:05.9999999", "2006-01-02", "02/01/2006"} {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}
