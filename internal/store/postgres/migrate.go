package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/starlingcfg/starling/internal/store/migration"
)

// migrationFiles is the schema's history: migrations/NNNN_name.sql,
// numbered from 1 without gaps. Never edit a released file; add the next.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the session advisory lock that migrations run under
// (pg_advisory_lock takes a bigint; this is "starling" in ASCII).
const migrationLockKey int64 = 0x737461726c696e67

// loadMigrations reads fsys's migrations directory (migration.Load).
func loadMigrations(fsys fs.FS) ([]migration.Migration, error) {
	migs, err := migration.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return migs, nil
}

// migrate brings the database to the last migration, holding the
// migration lock on one connection so that replicas starting together take
// turns; each migration is applied in a transaction of its own with the
// version it reaches. It returns the version and how many it applied.
func migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (version, applied int, err error) {
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		return 0, 0, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, 0, unavailable("migrate", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return 0, 0, fmt.Errorf("postgres: migrate: lock: %w", classify(err))
	}
	defer func() {
		// A failed unlock (the connection broke) ends with the session.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS starling_schema (
    version    integer     NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return 0, 0, fmt.Errorf("postgres: migrate: %w", classify(err))
	}
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM starling_schema").Scan(&version); err != nil {
		return 0, 0, fmt.Errorf("postgres: migrate: %w", classify(err))
	}
	if version > len(migs) {
		return version, 0, fmt.Errorf("%w: version %d, this build knows %d", ErrNewerSchema, version, len(migs))
	}
	for _, m := range migs[version:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO starling_schema (version) VALUES ($1)", m.Version)
			return err
		})
		if err != nil {
			return version, applied, fmt.Errorf("postgres: migration %s: %w", m.Name, classify(err))
		}
		version, applied = m.Version, applied+1
	}
	// Data that Go computes, under the same lock.
	if err := ensureTerms(ctx, conn, log); err != nil {
		return version, applied, err
	}
	return version, applied, nil
}
