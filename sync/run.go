package sync

import (
	"context"
	"math/rand/v2"
	"time"
)

// Schedule says how often Run runs a stream: every Every plus a random
// extra of up to Jitter, so many tenants started together spread out
// instead of hitting their APIs on the same minute.
type Schedule struct {
	Every  time.Duration
	Jitter time.Duration
}

// DefaultSchedule runs every stream every 10 to 20 minutes, except stock
// on hand, a full re-read with no change filter, which runs daily.
func DefaultSchedule() map[Stream]Schedule {
	m := map[Stream]Schedule{}
	for _, s := range streamOrder {
		m[s] = Schedule{Every: 10 * time.Minute, Jitter: 10 * time.Minute}
	}
	m[StreamStock] = Schedule{Every: 24 * time.Hour, Jitter: time.Hour}
	return m
}

// retryAfterFailure is the longest Run waits before retrying a stream
// that stopped early (network, throttling past the retry budget).
const retryAfterFailure = 2 * time.Minute

// next returns when a stream runs next after a pass at now.
func (sc Schedule) next(now time.Time, failed bool) time.Time {
	every := sc.Every
	if failed {
		every = min(every, retryAfterFailure)
	}
	var jitter time.Duration
	if sc.Jitter > 0 {
		jitter = time.Duration(rand.Int64N(int64(sc.Jitter) + 1))
		if failed {
			jitter = min(jitter, every/2)
		}
	}
	return now.Add(every + jitter)
}

// Run runs every stream at once, then each again when its schedule says,
// until ctx ends; it then lets the record in hand finish and returns
// ctx.Err(). Reports go to Config.OnPass and the logger. Hosts that keep
// their own scheduler call Sync instead.
func (e *Engine) Run(ctx context.Context) error {
	due := map[Stream]time.Time{}
	now := e.cfg.Now()
	streams := e.Streams()
	for _, s := range streams {
		due[s] = now
	}
	for {
		now = e.cfg.Now()
		var ready []Stream
		next := time.Time{}
		for _, s := range streams {
			if !due[s].After(now) {
				ready = append(ready, s)
			} else if next.IsZero() || due[s].Before(next) {
				next = due[s]
			}
		}
		if len(ready) > 0 {
			rep, err := e.Sync(ctx, ready...)
			if e.cfg.OnPass != nil {
				e.cfg.OnPass(rep, err)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			after := e.cfg.Now()
			for _, s := range ready {
				sr := rep.Stream(s)
				failed := sr == nil || sr.Err() != nil
				due[s] = e.cfg.Schedule[s].next(after, failed)
			}
			continue
		}
		t := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// NextRuns suggests when each stream should run next for a host with its
// own scheduler: the schedule's interval after now (jitter included).
func (e *Engine) NextRuns(now time.Time) map[Stream]time.Time {
	out := map[Stream]time.Time{}
	for _, s := range e.Streams() {
		out[s] = e.cfg.Schedule[s].next(now, false)
	}
	return out
}
