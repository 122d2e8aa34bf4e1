package pgstate

import (
	"context"
	"database/sql"
	"fmt"
)

// Table names. They are fixed so that every process of a deployment agrees
// on them; put them in a schema of their own with the connection's
// search_path if they must not share one.
const (
	// StateTable holds one row per state key.
	StateTable = "cin7ramp_state"
	// LeaseTable holds one row per tenant that was ever locked.
	LeaseTable = "cin7ramp_lease"
)

// migration is the whole schema, written to be run any number of times.
var migration = []string{
	`CREATE TABLE IF NOT EXISTS ` + StateTable + ` (
		key        text        PRIMARY KEY,
		tenant     text        NOT NULL,
		value      bytea       NOT NULL,
		fence      bigint      NOT NULL DEFAULT 0,
		updated_at timestamptz NOT NULL DEFAULT now()
	)`,
	`CREATE INDEX IF NOT EXISTS ` + StateTable + `_tenant_idx ON ` + StateTable + ` (tenant)`,
	`CREATE TABLE IF NOT EXISTS ` + LeaseTable + ` (
		tenant     text        PRIMARY KEY,
		owner      text        NOT NULL,
		expires_at timestamptz NOT NULL,
		generation bigint      NOT NULL CHECK (generation > 0),
		granted_at timestamptz NOT NULL DEFAULT now()
	)`,
}

// Migrate creates the tables the Store and the Locker use, if they do not
// exist yet. It is idempotent and safe to run from several processes at
// once (a transaction-scoped advisory lock serialises concurrent runs).
// Nothing in this package creates tables on its own: call Migrate from the
// host's deploy or start-up step.
func Migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("pgstate: migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	// A constant key: "cin7ramp" in ASCII.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(99105110550114)`); err != nil {
		return fmt.Errorf("pgstate: migrate: %w", err)
	}
	for _, stmt := range migration {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("pgstate: migrate: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("pgstate: migrate: %w", err)
	}
	return nil
}
