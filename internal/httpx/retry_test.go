package httpx

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffBoundsAndJitter(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, MinWait: 100 * time.Millisecond, MaxWait: time.Second}.normalised()
	for _, c := range []struct {
		next     int
		min, max time.Duration
	}{
		{2, 50 * time.Millisecond, 100 * time.Millisecond},
		{3, 100 * time.Millisecond, 200 * time.Millisecond},
		{4, 200 * time.Millisecond, 400 * time.Millisecond},
		{5, 400 * time.Millisecond, 800 * time.Millisecond},
		{6, 500 * time.Millisecond, time.Second}, // base capped at MaxWait
		{40, 500 * time.Millisecond, time.Second},
	} {
		seen := map[time.Duration]bool{}
		for i := 0; i < 300; i++ {
			d := p.backoff(c.next, false, 0)
			if d < c.min || d > c.max {
				t.Fatalf("attempt %d: wait %s outside [%s, %s]", c.next, d, c.min, c.max)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("attempt %d: only %d distinct waits; jitter missing", c.next, len(seen))
		}
	}
}

func TestBackoffThrottleMinimumAndRetryAfter(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 5, MinWait: 100 * time.Millisecond, MaxWait: 10 * time.Second, ThrottleMinWait: 5 * time.Second}.normalised()
	for i := 0; i < 100; i++ {
		if d := p.backoff(2, true, 0); d != 5*time.Second {
			t.Fatalf("throttled wait %s, want the 5s minimum", d)
		}
		if d := p.backoff(2, false, 0); d > 100*time.Millisecond {
			t.Fatalf("unthrottled wait %s", d)
		}
	}
	if d := p.backoff(2, true, 3*time.Second); d != 3*time.Second {
		t.Fatalf("Retry-After 3s gave %s", d)
	}
	if d := p.backoff(2, false, time.Hour); d != 10*time.Second {
		t.Fatalf("Retry-After 1h gave %s, want MaxWait", d)
	}
}

func TestRetryPolicyNormalised(t *testing.T) {
	p := RetryPolicy{MaxWait: time.Millisecond, ThrottleMinWait: time.Hour}.normalised()
	if p.MaxAttempts != 1 || p.MinWait != 100*time.Millisecond || p.MaxWait != p.MinWait || p.ThrottleMinWait != p.MaxWait {
		t.Fatalf("normalised %+v", p)
	}
	d := DefaultRetryPolicy()
	if d.MaxAttempts < 2 || d.MinWait <= 0 || d.MaxWait < d.MinWait || d.ThrottleMinWait < time.Second {
		t.Fatalf("default policy %+v", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-30 * time.Second).Format(http.TimeFormat), 0},
		{now.Add(90 * time.Second).Format(time.RFC850), 90 * time.Second},
	} {
		h := http.Header{}
		if c.value != "" {
			h.Set("Retry-After", c.value)
		}
		if got := ParseRetryAfter(h, now); got != c.want {
			t.Errorf("Retry-After %q: %s, want %s", c.value, got, c.want)
		}
	}
}

func TestIsThrottle(t *testing.T) {
	for status, want := range map[int]bool{429: true, 503: true, 500: false, 502: false, 504: false, 200: false, 403: false} {
		if IsThrottle(status) != want {
			t.Errorf("IsThrottle(%d) = %v", status, !want)
		}
	}
}
