package httpx

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces every secret in text this package returns or logs.
const Redacted = "[REDACTED]"

// Redactor removes registered secrets (keys, passwords, tokens) from strings.
// Tokens change over a client's life, so secrets can be added at any time.
// The zero value is ready to use and safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// Add registers secrets; empty strings and very short values (which would
// shred ordinary text) are ignored. Use AddExact for a secret that must be
// hidden whatever its length, such as a password.
func (r *Redactor) Add(secrets ...string) { r.add(4, secrets) }

// AddExact registers secrets of any non-zero length.
func (r *Redactor) AddExact(secrets ...string) { r.add(1, secrets) }

func (r *Redactor) add(minLen int, secrets []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < minLen {
			continue
		}
		dup := false
		for _, have := range r.secrets {
			if have == s {
				dup = true
				break
			}
		}
		if !dup {
			r.secrets = append(r.secrets, s)
			// Also its URL-query and JSON-escaped forms, which is how it
			// shows up in URLs and captured bodies.
			if q := url.QueryEscape(s); q != s {
				r.secrets = append(r.secrets, q)
			}
			if j, err := json.Marshal(s); err == nil {
				if js := string(j[1 : len(j)-1]); js != s {
					r.secrets = append(r.secrets, js)
				}
			}
			// .NET's default JSON encoder escapes more (' + ` and all
			// non-ASCII) as \uXXXX; Ramp and Cin7 Core are .NET services.
			if ns := dotnetEscape(s); ns != s {
				r.secrets = append(r.secrets, ns)
			}
		}
	}
	// Longest first, so a secret that is a prefix of another cannot leave
	// the other's tail behind.
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// String returns s with every registered secret replaced by [Redacted].
// Matching ignores case: a server that echoes a key in upper case still
// echoes the key.
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		s = replaceFold(s, secret)
	}
	return s
}

// replaceFold replaces every case-insensitive occurrence of secret in s.
func replaceFold(s, secret string) string {
	lower, lsecret := strings.ToLower(s), strings.ToLower(secret)
	if len(lower) != len(s) || len(lsecret) != len(secret) {
		// Case mapping changed byte lengths (rare non-ASCII text): fall
		// back to exact matching, which is still correct for the secret
		// as registered.
		return strings.ReplaceAll(s, secret, Redacted)
	}
	if !strings.Contains(lower, lsecret) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lsecret)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(Redacted)
		s, lower = s[i+len(secret):], lower[i+len(secret):]
	}
}

// sensitiveQueryKeys are blanked from URLs whatever their value.
var sensitiveQueryKeys = []string{"token", "access_token", "refresh_token", "password", "key", "applicationkey", "api-auth-applicationkey"}

// URL returns u as a string with user info, sensitive query values and
// registered secrets removed.
func (r *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			lk := strings.ToLower(k)
			for _, s := range sensitiveQueryKeys {
				if lk == s {
					q.Set(k, Redacted)
					changed = true
				}
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return r.String(c.String())
}

// dotnetEscape writes s the way System.Text.Json's default encoder does.
func dotnetEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '"' || c == '\'' || c == '+' || c == '<' || c == '>' || c == '&' || c == '`' || c < 0x20 || c > 0x7e:
			if c > 0xffff {
				// Surrogate pair, as UTF-16 encoders write it.
				c -= 0x10000
				fmt.Fprintf(&b, `\u%04X\u%04X`, 0xd800+(c>>10), 0xdc00+(c&0x3ff))
				continue
			}
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
