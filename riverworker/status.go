package riverworker

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cin7ramp/cin7ramp/sync/pgstate"
)

// StreamStatus is one stream's schedule and recent outcome.
type StreamStatus struct {
	Stream string `json:"stream"`
	// DueAt is when the stream runs next (in the past: waiting for a
	// worker, or failing and being retried).
	DueAt         time.Time  `json:"due_at"`
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	// ConsecutiveFailures counts failed passes since the last success.
	ConsecutiveFailures int    `json:"consecutive_failures"`
	TotalFailures       int64  `json:"total_failures"`
	LastWorker          string `json:"last_worker"`
}

// TenantStatus sums a tenant up.
type TenantStatus struct {
	Tenant string `json:"tenant"`
	// LastSuccess is the start of the oldest of the streams' last
	// successful passes: everything in Cin7 Core up to then has reached
	// Ramp. Nil until every stream has succeeded once.
	LastSuccess *time.Time `json:"last_success,omitempty"`
	// Lag is how long ago LastSuccess was (zero when it is nil).
	Lag time.Duration `json:"lag"`
	// Failures counts consecutive failures over all streams.
	Failures  int    `json:"failures"`
	LastError string `json:"last_error,omitempty"`
	// Job is the state of the tenant's newest sync job in River
	// ("available", "running", "retryable", "completed", ...).
	Job string `json:"job,omitempty"`
	// Holder and Generation describe the tenant's lease.
	Holder     string         `json:"holder,omitempty"`
	Generation int64          `json:"generation,omitempty"`
	LeaseLive  bool           `json:"lease_live"`
	Streams    []StreamStatus `json:"streams"`
}

// Status reads every tenant's status from db (the status table, pgstate's
// leases and River's jobs), ordered by tenant.
func Status(ctx context.Context, db *sql.DB) ([]TenantStatus, error) {
	rows, err := db.QueryContext(ctx, `SELECT tenant, stream, due_at, last_success_at, last_error, consecutive_failures, total_failures, last_worker
		FROM `+StatusTable+` ORDER BY tenant, stream`)
	if err != nil {
		return nil, fmt.Errorf("riverworker: status: %w", err)
	}
	defer rows.Close()
	var out []TenantStatus
	idx := map[string]int{}
	for rows.Next() {
		var (
			tenant string
			s      StreamStatus
			ok     sql.NullTime
		)
		if err := rows.Scan(&tenant, &s.Stream, &s.DueAt, &ok, &s.LastError, &s.ConsecutiveFailures, &s.TotalFailures, &s.LastWorker); err != nil {
			return nil, fmt.Errorf("riverworker: status: %w", err)
		}
		if ok.Valid {
			t := ok.Time
			s.LastSuccessAt = &t
		}
		i, seen := idx[tenant]
		if !seen {
			i = len(out)
			idx[tenant] = i
			out = append(out, TenantStatus{Tenant: tenant})
		}
		out[i].Streams = append(out[i].Streams, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("riverworker: status: %w", err)
	}
	now := time.Now()
	for i := range out {
		ts := &out[i]
		complete := true
		for _, s := range ts.Streams {
			ts.Failures += s.ConsecutiveFailures
			if s.LastError != "" && ts.LastError == "" {
				ts.LastError = s.Stream + ": " + s.LastError
			}
			if s.LastSuccessAt == nil {
				complete = false
				continue
			}
			if ts.LastSuccess == nil || s.LastSuccessAt.Before(*ts.LastSuccess) {
				t := *s.LastSuccessAt
				ts.LastSuccess = &t
			}
		}
		if !complete {
			ts.LastSuccess = nil
		}
		if ts.LastSuccess != nil {
			ts.Lag = now.Sub(*ts.LastSuccess)
		}
	}
	holders, err := pgstate.ListHolders(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, h := range holders {
		if i, ok := idx[h.Tenant]; ok {
			out[i].Holder, out[i].Generation, out[i].LeaseLive = h.Owner, h.Generation, h.Live
		}
	}
	jobs, err := db.QueryContext(ctx, `SELECT DISTINCT ON (args->>'tenant') args->>'tenant', state::text FROM river_job
		WHERE kind = $1 ORDER BY args->>'tenant', id DESC`, SyncKind)
	if err != nil {
		return nil, fmt.Errorf("riverworker: status: reading jobs: %w", err)
	}
	defer jobs.Close()
	for jobs.Next() {
		var tenant, state string
		if err := jobs.Scan(&tenant, &state); err != nil {
			return nil, err
		}
		if i, ok := idx[tenant]; ok {
			out[i].Job = state
		}
	}
	return out, jobs.Err()
}
