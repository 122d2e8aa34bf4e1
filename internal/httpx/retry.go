package httpx

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how often and how long the pipeline retries.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, first one included.
	// 1 disables retries.
	MaxAttempts int
	// MinWait is the first backoff; it doubles per attempt up to MaxWait.
	MinWait time.Duration
	// MaxWait caps any single backoff and any Retry-After the server asks
	// for, so no wait is unbounded.
	MaxWait time.Duration
	// ThrottleMinWait is the least wait after a throttling answer without
	// Retry-After (Cin7 Core sends 503 without one).
	ThrottleMinWait time.Duration
}

// DefaultRetryPolicy suits a 60-calls-a-minute API: a few attempts, waits
// from 1 s up to a minute, at least 5 s after throttling.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 6, MinWait: time.Second, MaxWait: 60 * time.Second, ThrottleMinWait: 5 * time.Second}
}

func (p RetryPolicy) normalised() RetryPolicy {
	if p.MaxAttempts < 1 {
		p.MaxAttempts = 1
	}
	if p.MinWait <= 0 {
		p.MinWait = 100 * time.Millisecond
	}
	if p.MaxWait < p.MinWait {
		p.MaxWait = p.MinWait
	}
	if p.ThrottleMinWait > p.MaxWait {
		p.ThrottleMinWait = p.MaxWait
	}
	return p
}

// backoff returns the wait before attempt number next (2 = first retry):
// exponential with jitter in [base/2, base], capped at MaxWait.
func (p RetryPolicy) backoff(next int, throttled bool, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.MaxWait)
	}
	base := p.MinWait
	for i := 2; i < next && base < p.MaxWait; i++ {
		base *= 2
	}
	base = min(base, p.MaxWait)
	d := base/2 + time.Duration(rand.Int64N(int64(base/2)+1))
	if throttled && d < p.ThrottleMinWait {
		d = p.ThrottleMinWait
	}
	return min(d, p.MaxWait)
}

// ParseRetryAfter reads a Retry-After header in seconds or HTTP-date form.
// It returns 0 when the header is absent or unreadable.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// IsThrottle reports whether status means "slow down": 429, and 503, which
// Cin7 Core uses for its per-minute limit.
func IsThrottle(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}
