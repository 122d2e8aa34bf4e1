package cin7corerecord_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cin7ramp/cin7ramp/cin7core/cin7corerecord"
)

// stub answers every request with a fixed body.
type stub struct {
	status int
	ctype  string
	body   string
	got    []*http.Request
	bodies [][]byte
}

func (s *stub) RoundTrip(req *http.Request) (*http.Response, error) {
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
	}
	s.got = append(s.got, req)
	s.bodies = append(s.bodies, b)
	h := http.Header{}
	h.Set("Content-Type", s.ctype)
	return &http.Response{StatusCode: s.status, Header: h, Body: io.NopCloser(strings.NewReader(s.body)), Request: req}, nil
}

// A sale in the documented shape, with personal data everywhere.
const saleBody = `{
  "ID": "8D5B4C3A-2F1E-4D0C-9B8A-7F6E5D4C3B2A",
  "Customer": "Tasman Adventure Tours",
  "CustomerID": "1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D",
  "Contact": "Mia Kowalski",
  "Phone": "+61 3 6234 5678",
  "Email": "mia@tasman-adventures.example",
  "DefaultAccount": "200",
  "ShipBy": "2025-11-10T00:00:00",
  "LastModifiedBy": "warehouse.lead@southern-trails.example",
  "BillingAddress": {"Line1": "9 Salamanca Place", "Line2": "", "City": "Hobart", "State": "TAS", "Postcode": "7000", "Country": "Australia"},
  "ShippingAddress": {"DisplayAddressLine1": "9 Salamanca Place", "City": "Hobart", "Company": "Tasman Adventure Tours", "Contact": "Mia Kowalski", "ShipToOther": false},
  "Order": {"SaleOrderNumber": "SO-01187", "Lines": [{"ProductID": "9C2E4A61-3B7D-4F08-A1C5-7E6D5B4A3C21", "SKU": "TENT-2P-GRN", "Name": "Ridgeline 2-Person Tent", "Quantity": 2, "Price": "389.0000"}]},
  "ExternalURL": "https://hooks.example.net/x?token=url-t0ken-123&site=hobart",
  "ExternalPassword": "pa55-W0rd-for-hooks",
  "ExternalBearerToken": "b3arer-T0ken-sales-xyz",
  "ExternalHeaders": [{"Key": "X-Secret", "Value": "hdr-s3cret-0042"}],
  "ExternalAuthorizationType": "basicauth",
  "CustomerDetailsList": [{"Customer": {"ID": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "Name": "Tasman Adventure Tours", "Currency": "AUD", "LastModifiedOn": "2025-11-01T10:00:00.123"},
    "Contacts": [{"ID": "c1", "Name": "Mia Kowalski", "MobilePhone": "0400 111 222", "Email": "mia@tasman-adventures.example", "Default": true}]}]
}`

var private = []string{"Tasman Adventure Tours", "Mia Kowalski", "+61 3 6234 5678", "mia@tasman-adventures.example", "warehouse.lead",
	"9 Salamanca Place", "Hobart\"", "0400 111 222", "url-t0ken-123", "pa55-W0rd-for-hooks", "b3arer-T0ken-sales-xyz", "hdr-s3cret-0042",
	"acct-0b1e2a40", "app-k3y-5ecret-99", "user-bearer-tok-77"}

func readAll(t *testing.T, files []string) string {
	t.Helper()
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

func TestRecorderScrubs(t *testing.T) {
	dir := t.TempDir()
	next := &stub{status: 200, ctype: "application/json; charset=utf-8", body: saleBody}
	rec, err := cin7corerecord.NewRecorder(next, dir, cin7corerecord.WithScrubKey([]byte("0123456789abcdef-test-key")))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: rec}
	req, _ := http.NewRequest(http.MethodPut, "https://inventory.dearsystems.com/ExternalApi/v2/sale?Customer=Tasman+Adventure+Tours&token=q-secret-1&Page=1&ApplicationKey=app-k3y-5ecret-99",
		strings.NewReader(saleBody))
	req.Header.Set("api-auth-accountid", "acct-0b1e2a40")
	req.Header.Set("api-auth-applicationkey", "app-k3y-5ecret-99")
	req.Header.Set("Authorization", "Bearer user-bearer-tok-77")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != saleBody {
		t.Fatal("the caller did not get the real body")
	}
	// The wrapped transport got the real request, body included.
	if !bytes.Equal(next.bodies[0], []byte(saleBody)) || next.got[0].Header.Get("api-auth-applicationkey") != "app-k3y-5ecret-99" {
		t.Fatal("request altered on its way")
	}
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	files := rec.Files()
	if len(files) != 1 || filepath.Base(files[0]) != "0001-put-sale.json" {
		t.Fatalf("files: %v", files)
	}
	text := readAll(t, files)
	for _, p := range private {
		if strings.Contains(text, p) {
			t.Errorf("fixture keeps %q:\n%s", p, text)
		}
	}
	for _, h := range []string{"api-auth", "\"Authorization\"", "Bearer "} {
		if strings.Contains(text, h) {
			t.Errorf("header %s saved", h)
		}
	}
	fs, err := cin7corerecord.Load(dir)
	if err != nil || len(fs) != 1 {
		t.Fatalf("load: %v", err)
	}
	f := fs[0]
	if f.Method != "PUT" || f.Path != "/ExternalApi/v2/sale" || f.Status != 200 || f.Query.Get("Page") != "1" ||
		f.Query.Get("token") != cin7corerecord.Redacted || f.Query.Get("ApplicationKey") != cin7corerecord.Redacted ||
		!strings.HasPrefix(f.Query.Get("Customer"), "name-") || len(f.RequestBody) == 0 {
		t.Fatalf("fixture: %+v", f)
	}
	var sale map[string]any
	if err := json.Unmarshal(f.ResponseBody, &sale); err != nil {
		t.Fatal(err)
	}
	// IDs, dates, numbers and non-personal fields are kept.
	if sale["ID"] != "8D5B4C3A-2F1E-4D0C-9B8A-7F6E5D4C3B2A" || sale["CustomerID"] != "1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D" ||
		sale["ShipBy"] != "2025-11-10T00:00:00" || sale["DefaultAccount"] != "200" || sale["ExternalAuthorizationType"] != "basicauth" {
		t.Errorf("kept fields changed: %v", sale)
	}
	order := sale["Order"].(map[string]any)
	line := order["Lines"].([]any)[0].(map[string]any)
	if line["Name"] != "Ridgeline 2-Person Tent" || line["SKU"] != "TENT-2P-GRN" || line["Quantity"] != float64(2) || line["Price"] != "389.0000" {
		t.Errorf("order line changed: %v", line)
	}
	// Placeholders are stable: the same customer everywhere, emails stay
	// emails.
	det := sale["CustomerDetailsList"].([]any)[0].(map[string]any)
	cust := det["Customer"].(map[string]any)
	contact := det["Contacts"].([]any)[0].(map[string]any)
	ship := sale["ShippingAddress"].(map[string]any)
	if sale["Customer"] != cust["Name"] || sale["Customer"] != ship["Company"] || f.Query.Get("Customer") != sale["Customer"] {
		t.Errorf("customer placeholders differ: %v %v %v %v", sale["Customer"], cust["Name"], ship["Company"], f.Query.Get("Customer"))
	}
	if sale["Contact"] != contact["Name"] || !strings.HasSuffix(sale["Email"].(string), "@example.invalid") || sale["Email"] != contact["Email"] {
		t.Errorf("contact placeholders: %v %v %v", sale["Contact"], contact["Name"], sale["Email"])
	}
	if cust["Currency"] != "AUD" || cust["LastModifiedOn"] != "2025-11-01T10:00:00.123" || cust["ID"] != "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d" || contact["Default"] != true {
		t.Errorf("bookkeeping fields of the customer lost: %v %v", cust, contact)
	}
	if bill := sale["BillingAddress"].(map[string]any); !strings.HasPrefix(bill["Line1"].(string), "address-") || bill["Country"] != "Australia" {
		t.Errorf("billing address: %v", bill)
	}
	hdr := sale["ExternalHeaders"].([]any)[0].(map[string]any)
	if hdr["Value"] != cin7corerecord.Redacted || sale["ExternalPassword"] != cin7corerecord.Redacted {
		t.Errorf("secrets: %v %v", hdr, sale["ExternalPassword"])
	}
	if u := sale["ExternalURL"].(string); !strings.Contains(u, "site=hobart") || !strings.Contains(u, "token=%5BREDACTED%5D") {
		t.Errorf("URL: %s", u)
	}

	// The same key gives the same placeholders in a later session;
	// numbering continues.
	rec2, err := cin7corerecord.NewRecorder(next, dir, cin7corerecord.WithScrubKey([]byte("0123456789abcdef-test-key")))
	if err != nil {
		t.Fatal(err)
	}
	req2, _ := http.NewRequest(http.MethodGet, "https://x.example/ExternalApi/v2/saleList", nil)
	if _, err := (&http.Client{Transport: rec2}).Do(req2); err != nil {
		t.Fatal(err)
	}
	if fs := rec2.Files(); len(fs) != 1 || filepath.Base(fs[0]) != "0002-get-salelist.json" {
		t.Fatalf("second session files: %v", fs)
	}
	all, _ := cin7corerecord.Load(dir)
	var again map[string]any
	_ = json.Unmarshal(all[1].ResponseBody, &again)
	if again["Customer"] != sale["Customer"] || len(all[1].RequestBody) != 0 {
		t.Errorf("placeholder not stable across sessions: %v vs %v", again["Customer"], sale["Customer"])
	}
}

func TestRecorderNonJSONAndOptions(t *testing.T) {
	dir := t.TempDir()
	next := &stub{status: 403, ctype: "text/plain", body: "Incorrect credentials!"}
	rec, err := cin7corerecord.NewRecorder(next, dir, cin7corerecord.WithPersonalFields("Nickname"), cin7corerecord.WithSecretFields("Pin"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "https://x.example/ExternalApi/v2/me?Pin=1234&Nickname=Bob", strings.NewReader("not json"))
	resp, err := (&http.Client{Transport: rec}).Do(req)
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("%v %v", resp, err)
	}
	fs, _ := cin7corerecord.Load(dir)
	f := fs[0]
	if f.ResponseText != "Incorrect credentials!" || len(f.ResponseBody) != 0 || f.ContentType != "text/plain" ||
		f.Query.Get("Pin") != cin7corerecord.Redacted || f.Query.Get("Nickname") == "Bob" || string(f.RequestBody) != `"[REDACTED]"` {
		t.Fatalf("fixture: %+v", f)
	}
	r := f.Response(nil)
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 403 || string(b) != "Incorrect credentials!" || r.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("response: %v %s", r, b)
	}
	if _, err := cin7corerecord.NewRecorder(nil, ""); err == nil {
		t.Error("empty folder accepted")
	}
	if _, err := cin7corerecord.NewRecorder(nil, dir, cin7corerecord.WithScrubKey([]byte("short"))); err == nil {
		t.Error("short key accepted")
	}
	// A transport error is passed through and nothing is saved.
	failing := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("connection refused") })
	rec3, _ := cin7corerecord.NewRecorder(failing, t.TempDir())
	req, _ = http.NewRequest(http.MethodGet, "https://x.example/ExternalApi/v2/me", nil)
	if _, err := (&http.Client{Transport: rec3}).Do(req); err == nil || len(rec3.Files()) != 0 {
		t.Fatalf("transport error: %v, %d files", err, len(rec3.Files()))
	}
	// Load rejects files that are not fixtures.
	bad := t.TempDir()
	_ = os.WriteFile(filepath.Join(bad, "x.json"), []byte(`{"method":"GET"}`), 0o644)
	if _, err := cin7corerecord.Load(bad); err == nil {
		t.Error("incomplete fixture loaded")
	}
	_ = os.WriteFile(filepath.Join(bad, "x.json"), []byte(`{`), 0o644)
	if _, err := cin7corerecord.Load(bad); err == nil {
		t.Error("invalid fixture loaded")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
