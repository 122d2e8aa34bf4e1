package pgstate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	cinsync "github.com/cin7ramp/cin7ramp/sync"
)

// ErrFenced is returned (wrapped) by Store.Save when the write is refused
// because its lease is no longer the tenant's live lease: a newer holder
// exists, or the lease expired or was released. Match it with errors.Is.
var ErrFenced = errors.New("pgstate: write refused: the tenant's lease has moved on (fenced)")

// FencedError describes a refused write. It matches ErrFenced.
type FencedError struct {
	// Key is the state key of the refused write.
	Key string
	// Tenant is the tenant derived from Key.
	Tenant string
	// Fence is the write's fencing token; 0 when it carried none.
	Fence int64
	// Generation is the tenant's current lease generation.
	Generation int64
	// Live reports whether the tenant's current lease was unexpired.
	Live bool
}

// Error implements error.
func (e *FencedError) Error() string {
	if e.Fence == 0 {
		return fmt.Sprintf("pgstate: write to %q refused: it carries no fence and tenant %q has a live lease (generation %d)", e.Key, e.Tenant, e.Generation)
	}
	state := "expired or released"
	if e.Live {
		state = "live"
	}
	return fmt.Sprintf("pgstate: write to %q refused: fence %d is not tenant %q's live lease (generation %d, %s)", e.Key, e.Fence, e.Tenant, e.Generation, state)
}

// Is makes errors.Is(err, ErrFenced) true.
func (e *FencedError) Is(target error) bool { return target == ErrFenced }

// UnfencedPolicy says what Save does with a write whose context carries no
// fence (see sync.FenceFromContext).
type UnfencedPolicy int

const (
	// UnfencedWhenNoLiveLease, the default, allows an unfenced write only
	// while nobody holds a live lease on the tenant (tools, one-off
	// scripts, a host that does not lock).
	UnfencedWhenNoLiveLease UnfencedPolicy = iota
	// UnfencedRefused refuses every unfenced write to a tenant that has
	// ever been locked through this package.
	UnfencedRefused
)

// StoreOption configures a Store.
type StoreOption func(*Store)

// WithUnfencedPolicy sets the policy for writes without a fence; default
// UnfencedWhenNoLiveLease.
func WithUnfencedPolicy(p UnfencedPolicy) StoreOption {
	return func(s *Store) { s.unfenced = p }
}

// Store is a sync.StateStore on PostgreSQL with fenced writes. It is safe
// for concurrent use.
type Store struct {
	db       *sql.DB
	unfenced UnfencedPolicy
}

var _ cinsync.StateStore = (*Store)(nil)

// NewStore returns a Store on db. Run Migrate first.
func NewStore(db *sql.DB, opts ...StoreOption) *Store {
	s := &Store{db: db}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// TenantOf returns the tenant a state key belongs to: everything before
// the key's last "/" ("acme/products" → "acme"), or "" for a key without
// one (an engine with no Config.Tenant). Stream names never contain "/",
// so tenants may.
func TenantOf(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return ""
}

// Load returns the value stored under key, or sync.ErrNoState.
func (s *Store) Load(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, `SELECT value FROM `+StateTable+` WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, cinsync.ErrNoState
	}
	if err != nil {
		return nil, fmt.Errorf("pgstate: loading %q: %w", key, err)
	}
	return v, nil
}

// Save stores value under key if the write's fence allows it, in one
// statement that locks the tenant's lease row (FOR SHARE), checks the
// fence against it and upserts the row, so a write and a takeover are
// strictly ordered: a takeover waits for a write in progress, and a write
// after a takeover sees the new generation. The lock is held only while
// the statement runs, never across a client round trip, so a writer that
// stalls cannot hold a takeover up. A refused write returns a
// *FencedError matching ErrFenced.
//
// The rules, with f the fence from the context:
//   - no lease row for the tenant: allowed (nobody locks this tenant
//     through this package);
//   - f given: allowed iff f is the tenant's current generation and that
//     lease has not expired;
//   - no fence: per the UnfencedPolicy.
func (s *Store) Save(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return s.fenced(ctx, key, TenantOf(key), `INSERT INTO `+StateTable+` (key, tenant, value, fence, updated_at)
		SELECT $1, $2, $5, $3, now() FROM verdict WHERE ok
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, fence = EXCLUDED.fence, updated_at = now()
		RETURNING 1`, value)
}

// Delete removes every state row of a tenant (a reset: the next pass is a
// full read that finds what Ramp holds by ExternalRef). It is fenced like
// Save.
func (s *Store) Delete(ctx context.Context, tenant string) error {
	return s.fenced(ctx, tenant+"/*", tenant, `DELETE FROM `+StateTable+` WHERE tenant = $2 AND $1::text IS NOT NULL AND $3::bigint IS NOT NULL
		AND (SELECT ok FROM verdict) RETURNING 1`)
}

// fenced runs write (which sees $1 key, $2 tenant, $3 fence and a CTE
// "verdict" with one boolean column ok, plus extra arguments from $5) as
// part of one statement with the fencing check.
func (s *Store) fenced(ctx context.Context, key, tenant, write string, extra ...any) error {
	fence, hasFence := cinsync.FenceFromContext(ctx)
	if !hasFence {
		fence = 0
	}
	q := `WITH lease AS (
			SELECT generation, expires_at > now() AS live FROM ` + LeaseTable + ` WHERE tenant = $2 FOR SHARE
		), verdict AS (
			SELECT NOT EXISTS (SELECT 1 FROM lease) OR EXISTS (SELECT 1 FROM lease WHERE
				CASE WHEN $4::bool THEN generation = $3::bigint AND live ELSE NOT live AND NOT $` + fmt.Sprint(5+len(extra)) + `::bool END) AS ok
		), w AS (` + write + `)
		SELECT (SELECT ok FROM verdict), (SELECT generation FROM lease), (SELECT live FROM lease)`
	args := append([]any{key, tenant, fence, hasFence}, extra...)
	args = append(args, s.unfenced == UnfencedRefused)
	var (
		ok   bool
		gen  sql.NullInt64
		live sql.NullBool
	)
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&ok, &gen, &live); err != nil {
		return fmt.Errorf("pgstate: writing %q: %w", key, err)
	}
	if !ok {
		return &FencedError{Key: key, Tenant: tenant, Fence: fence, Generation: gen.Int64, Live: live.Bool}
	}
	return nil
}
