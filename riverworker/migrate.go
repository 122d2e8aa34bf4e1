package riverworker

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/cin7ramp/cin7ramp/sync/pgstate"
)

// StatusTable holds, per tenant and stream, when the stream is due and how
// its last passes went; the periodic enqueuer and Status read it.
const StatusTable = "cin7ramp_stream_status"

var statusMigration = []string{
	`CREATE TABLE IF NOT EXISTS ` + StatusTable + ` (
		tenant               text        NOT NULL,
		stream               text        NOT NULL,
		due_at               timestamptz NOT NULL,
		last_started_at      timestamptz,
		last_finished_at     timestamptz,
		last_success_at      timestamptz,
		last_error           text        NOT NULL DEFAULT '',
		consecutive_failures integer     NOT NULL DEFAULT 0,
		total_failures       bigint      NOT NULL DEFAULT 0,
		last_worker          text        NOT NULL DEFAULT '',
		PRIMARY KEY (tenant, stream)
	)`,
	`CREATE INDEX IF NOT EXISTS ` + StatusTable + `_due_idx ON ` + StatusTable + ` (due_at)`,
}

// Migrate brings the database up to date: River's own tables (rivermigrate,
// up to the latest version), pgstate's state and lease tables, and the
// status table. It is idempotent; run it from a deploy step or at start-up
// before New.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("riverworker: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverworker: migrating River: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	if err := pgstate.Migrate(ctx, db); err != nil {
		return err
	}
	for _, stmt := range statusMigration {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("riverworker: migrating the status table: %w", err)
		}
	}
	return nil
}
