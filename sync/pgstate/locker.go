package pgstate

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	gosync "sync"
	"time"

	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// Lease timings used unless options say otherwise.
const (
	// DefaultTTL is how long a lease lives without renewal.
	DefaultTTL = 30 * time.Second
	// DefaultMinPoll and DefaultMaxPoll bound the backoff with which Lock
	// polls a tenant whose lease another holder keeps live.
	DefaultMinPoll = 100 * time.Millisecond
	DefaultMaxPoll = 2 * time.Second
)

// LockerOption configures a Locker.
type LockerOption func(*Locker)

// WithTTL sets how long a lease lives without renewal (default
// DefaultTTL). Non-positive values are ignored.
func WithTTL(d time.Duration) LockerOption {
	return func(l *Locker) {
		if d > 0 {
			l.ttl = d
		}
	}
}

// WithHeartbeat sets how often a held lease is renewed (default a third of
// the TTL). Values that are not positive or not below half the TTL are
// replaced by the default, so that two renewals can fail before the lease
// runs out.
func WithHeartbeat(d time.Duration) LockerOption {
	return func(l *Locker) { l.heartbeat = d }
}

// WithOwner names this Locker's leases in the lease table (default
// "<hostname>-<pid>-<random>"). Owners are informational and scope
// renewals; two Lockers with one owner still exclude each other.
func WithOwner(owner string) LockerOption {
	return func(l *Locker) {
		if owner != "" {
			l.owner = owner
		}
	}
}

// WithPollInterval bounds the backoff with which Lock polls while another
// holder's lease is live (default DefaultMinPoll to DefaultMaxPoll,
// doubling with jitter).
func WithPollInterval(lo, hi time.Duration) LockerOption {
	return func(l *Locker) {
		if lo > 0 && hi >= lo {
			l.minPoll, l.maxPoll = lo, hi
		}
	}
}

// WithLogger sets where lease renewals that fail and leases that are lost
// are logged (default nowhere).
func WithLogger(lg *slog.Logger) LockerOption {
	return func(l *Locker) {
		if lg != nil {
			l.log = lg
		}
	}
}

// Locker is a sync.Locker on PostgreSQL: one lease row per tenant, with an
// expiry and a generation that grows with every new holder (the fencing
// token the Store checks). It is safe for concurrent use; one Locker per
// process is enough.
type Locker struct {
	db               *sql.DB
	ttl, heartbeat   time.Duration
	minPoll, maxPoll time.Duration
	owner            string
	log              *slog.Logger
}

var _ cinsync.Locker = (*Locker)(nil)

// NewLocker returns a Locker on db. Run Migrate first.
func NewLocker(db *sql.DB, opts ...LockerOption) *Locker {
	l := &Locker{db: db, ttl: DefaultTTL, minPoll: DefaultMinPoll, maxPoll: DefaultMaxPoll, owner: defaultOwner()}
	for _, o := range opts {
		if o != nil {
			o(l)
		}
	}
	if l.heartbeat <= 0 || l.heartbeat >= l.ttl/2 {
		l.heartbeat = l.ttl / 3
	}
	if l.log == nil {
		l.log = slog.New(discard{})
	}
	return l
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = crand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Owner returns the name this Locker writes into the lease rows it holds.
func (l *Locker) Owner() string { return l.owner }

// TTL returns the lease time-to-live.
func (l *Locker) TTL() time.Duration { return l.ttl }

// margin is how much earlier than the database's expiry a holder considers
// its lease gone: room for the renewal's round trip and for clocks that
// do not tick at quite the same rate.
func (l *Locker) margin() time.Duration { return l.ttl / 10 }

// Lock takes the tenant's lease: at once if nobody holds a live one (a
// new generation), else by polling with backoff until the holder releases
// it or lets it expire, or ctx ends. The lease then renews itself every
// heartbeat until released or lost.
func (l *Locker) Lock(ctx context.Context, tenant string) (cinsync.Lease, error) {
	return l.LockLease(ctx, tenant)
}

// LockLease is Lock returning the concrete *Lease.
func (l *Locker) LockLease(ctx context.Context, tenant string) (*Lease, error) {
	wait := l.minPoll
	for {
		sent := time.Now()
		var gen int64
		err := l.db.QueryRowContext(ctx, `INSERT INTO `+LeaseTable+` AS l (tenant, owner, expires_at, generation, granted_at)
			VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond', 1, now())
			ON CONFLICT (tenant) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at,
				generation = l.generation + 1, granted_at = now()
			WHERE l.expires_at <= now()
			RETURNING generation`, tenant, l.owner, float64(l.ttl)/float64(time.Millisecond)).Scan(&gen)
		if err == nil {
			le := &Lease{l: l, tenant: tenant, gen: gen, deadline: sent.Add(l.ttl - l.margin()),
				lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
			le.watchdog = time.AfterFunc(time.Until(le.deadline), le.expire)
			go le.renewLoop()
			return le, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("pgstate: locking tenant %q: %w", tenant, err)
		}
		// Held by someone else: wait, with jitter so pollers spread out.
		d := wait/2 + rand.N(wait/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, l.maxPoll)
	}
}

// Lease is a tenant's lease held through a Locker. It implements
// sync.Lease.
type Lease struct {
	l      *Locker
	tenant string
	gen    int64

	lost     chan struct{}
	lostOnce gosync.Once
	stop     chan struct{}
	stopOnce gosync.Once
	done     chan struct{}
	watchdog *time.Timer

	mu       gosync.Mutex
	deadline time.Time // local (monotonic) time the lease is known good until
	released bool
	isLost   bool
}

var _ cinsync.Lease = (*Lease)(nil)

// Fence returns the lease's generation, the fencing token Store checks.
func (le *Lease) Fence() int64 { return le.gen }

// Tenant returns the tenant the lease is for.
func (le *Lease) Tenant() string { return le.tenant }

// Lost is closed when the lease is lost: a renewal found it expired or
// taken over, or no renewal succeeded before its local deadline (the
// database unreachable, the process paused). It is not closed by Release.
func (le *Lease) Lost() <-chan struct{} { return le.lost }

// Deadline returns the local time until which the lease is known to be
// held: the start of the last successful renewal plus the TTL, less a
// tenth of the TTL as a safety margin. It is always before the expiry the
// database has recorded.
func (le *Lease) Deadline() time.Time {
	le.mu.Lock()
	defer le.mu.Unlock()
	return le.deadline
}

// Valid reports whether the lease is still held as far as this process
// can tell: not released, not lost, and its deadline not passed. Code that
// acts on the tenant's behalf outside the StateStore (HTTP calls to
// systems that know no fencing token) checks it before every action.
func (le *Lease) Valid() bool {
	le.mu.Lock()
	defer le.mu.Unlock()
	return !le.released && !le.isLost && time.Now().Before(le.deadline)
}

// Release gives the lease up: the renewals stop and the row expires at
// once, so the next Lock takes it without waiting. Releasing a lost or
// released lease does nothing.
func (le *Lease) Release(ctx context.Context) error {
	le.mu.Lock()
	already := le.released
	le.released = true
	le.mu.Unlock()
	le.stopRenewing()
	<-le.done
	if already {
		return nil
	}
	_, err := le.l.db.ExecContext(ctx, `UPDATE `+LeaseTable+` SET expires_at = now()
		WHERE tenant = $1 AND generation = $2 AND owner = $3 AND expires_at > now()`, le.tenant, le.gen, le.l.owner)
	if err != nil {
		return fmt.Errorf("pgstate: releasing tenant %q: %w", le.tenant, err)
	}
	return nil
}

func (le *Lease) stopRenewing() {
	le.stopOnce.Do(func() {
		close(le.stop)
		le.watchdog.Stop()
	})
}

// expire runs when the local deadline passes without a renewal.
func (le *Lease) expire() {
	le.mu.Lock()
	if le.released || time.Now().Before(le.deadline) {
		le.mu.Unlock() // renewed meanwhile (the timer was reset) or released
		return
	}
	le.mu.Unlock()
	le.markLost("no renewal succeeded before the lease's deadline")
}

func (le *Lease) markLost(why string) {
	le.lostOnce.Do(func() {
		le.mu.Lock()
		le.isLost = true
		le.mu.Unlock()
		le.l.log.Warn("pgstate: lease lost", "tenant", le.tenant, "generation", le.gen, "reason", why)
		close(le.lost)
		le.stopRenewing()
	})
}

// renewLoop renews the lease every heartbeat. A renewal that errs is tried
// again sooner; the watchdog timer ends the lease at its deadline whatever
// the renewals do, so a renewal stuck on the network cannot keep it alive.
func (le *Lease) renewLoop() {
	defer close(le.done)
	every := le.l.heartbeat
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-le.stop:
			return
		case <-t.C:
		}
		ok, err := le.renew()
		switch {
		case err != nil:
			le.l.log.Warn("pgstate: lease renewal failed", "tenant", le.tenant, "generation", le.gen, "error", err.Error())
			t.Reset(every / 3)
		case !ok:
			le.markLost("the lease expired or was taken over")
			return
		default:
			t.Reset(every)
		}
	}
}

// renew extends the lease if it is still this holder's and live.
func (le *Lease) renew() (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), le.l.ttl)
	defer cancel()
	go func() {
		select {
		case <-le.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	sent := time.Now()
	res, err := le.l.db.ExecContext(ctx, `UPDATE `+LeaseTable+` SET expires_at = now() + $4::float8 * interval '1 millisecond'
		WHERE tenant = $1 AND generation = $2 AND owner = $3 AND expires_at > now()`,
		le.tenant, le.gen, le.l.owner, float64(le.l.ttl)/float64(time.Millisecond))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 0 {
		return false, nil
	}
	le.mu.Lock()
	defer le.mu.Unlock()
	if le.isLost || le.released {
		return true, nil
	}
	le.deadline = sent.Add(le.l.ttl - le.l.margin())
	le.watchdog.Reset(time.Until(le.deadline))
	return true, nil
}

// Holder describes a tenant's lease row, for status pages.
type Holder struct {
	Tenant     string
	Owner      string
	Generation int64
	ExpiresAt  time.Time
	GrantedAt  time.Time
	// Live reports whether the lease had not expired when read.
	Live bool
}

// Holders lists every tenant's lease row, ordered by tenant.
func (l *Locker) Holders(ctx context.Context) ([]Holder, error) {
	return ListHolders(ctx, l.db)
}

// ListHolders lists every tenant's lease row in db, ordered by tenant.
func ListHolders(ctx context.Context, db *sql.DB) ([]Holder, error) {
	rows, err := db.QueryContext(ctx, `SELECT tenant, owner, generation, expires_at, granted_at, expires_at > now() FROM `+LeaseTable+` ORDER BY tenant`)
	if err != nil {
		return nil, fmt.Errorf("pgstate: listing leases: %w", err)
	}
	defer rows.Close()
	var out []Holder
	for rows.Next() {
		var h Holder
		if err := rows.Scan(&h.Tenant, &h.Owner, &h.Generation, &h.ExpiresAt, &h.GrantedAt, &h.Live); err != nil {
			return nil, fmt.Errorf("pgstate: listing leases: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstate: listing leases: %w", err)
	}
	return out, nil
}

// discard is a slog.Handler that drops everything (slog.DiscardHandler
// needs Go 1.24; this module builds with 1.23).
type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
