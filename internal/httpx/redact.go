package httpx

import (
	"encoding/json"
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
// shred ordinary text) are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < 4 {
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
		}
	}
	// Longest first, so a secret that is a prefix of another cannot leave
	// the other's tail behind.
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// String returns s with every registered secret replaced by [Redacted].
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return s
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
