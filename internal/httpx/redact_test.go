package httpx

import (
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestRedactorString(t *testing.T) {
	var r Redactor // the zero value is ready
	r.Add("s3cret-key", "", "abc", "s3cret-key", "p@ss word&x")
	for in, want := range map[string]string{
		"key=s3cret-key and again s3cret-key": "key=[REDACTED] and again [REDACTED]",
		"nothing here":                        "nothing here",
		"short abc stays":                     "short abc stays", // under 4 characters: ignored
		"password p@ss word&x":                "password [REDACTED]",
		"query pw=p%40ss+word%26x":            "query pw=[REDACTED]", // URL-query escaped form
		"":                                    "",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	var nilR *Redactor
	if nilR.String("s3cret-key") != "s3cret-key" {
		t.Error("a nil redactor must return its input")
	}
	if got := r.String(`{"pw":"p@ss word\u0026x"}`); got != `{"pw":"[REDACTED]"}` {
		t.Errorf("JSON-escaped form survived: %s", got)
	}
	if n := len(r.secrets); n != 5 { // s3cret-key, p@ss word&x and its query-, JSON- and .NET-escaped forms
		t.Errorf("%d secrets stored, want 5 (duplicates and short ones dropped)", n)
	}
}

func TestRedactorURL(t *testing.T) {
	var r Redactor
	r.Add("tok-12345")
	u, _ := url.Parse("https://user:pw@api.test/v2/things/tok-12345?Token=abc&password=pw1&Api-Auth-ApplicationKey=k&Page=2&Name=x")
	got := r.URL(u)
	for _, leak := range []string{"user:pw", "tok-12345", "abc", "pw1", "=k&"} {
		if strings.Contains(got, leak) {
			t.Errorf("URL %q still contains %q", got, leak)
		}
	}
	for _, keep := range []string{"api.test", "Page=2", "Name=x"} {
		if !strings.Contains(got, keep) {
			t.Errorf("URL %q lost %q", got, keep)
		}
	}
	if r.URL(nil) != "" {
		t.Error("nil URL")
	}
	plain, _ := url.Parse("https://api.test/v2/product?Page=1")
	if got := r.URL(plain); got != "https://api.test/v2/product?Page=1" {
		t.Errorf("clean URL changed: %q", got)
	}
}

func TestRedactorConcurrentUse(t *testing.T) {
	var r Redactor
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.Add("token-" + strings.Repeat("x", 4+i))
		}()
		go func() {
			defer wg.Done()
			_ = r.String("token-xxxxxxxxxxxx")
		}()
	}
	wg.Wait()
	if got := r.String("token-xxxx"); got != Redacted {
		t.Fatalf("got %q", got)
	}
}

func TestRedactorCaseAndDotnetEscapes(t *testing.T) {
	var r Redactor
	r.Add("k3y-5ecret-9f8e")
	r.AddExact("it's+pw")
	for in, want := range map[string]string{
		"key K3Y-5ECRET-9F8E echoed":        "key [REDACTED] echoed",
		`{"pw":"it\u0027s\u002Bpw"}`:        `{"pw":"[REDACTED]"}`,
		`{"pw":"it\u0027s\u002bpw"}`:        `{"pw":"[REDACTED]"}`,
		"short secrets hidden too: it's+pw": "short secrets hidden too: [REDACTED]",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	var short Redactor
	short.AddExact("ab")
	if got := short.String("xaby"); got != "x[REDACTED]y" {
		t.Errorf("AddExact short: %q", got)
	}
}
