package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/starlingcfg/starling/internal/store/migration"
)

// migrationFiles holds the schema history: migrations/NNNN_name.sql, numbered
// from 1 without gaps. Never edit a released file; add the next one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// loadMigrations reads fsys's migrations directory (migration.Load).
func loadMigrations(fsys fs.FS) ([]migration.Migration, error) {
	migs, err := migration.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return migs, nil
}

// migrate brings the database on c to the last version of migs, applying the
// missing steps in order in one transaction: it ends either fully migrated or
// unchanged. A database at a later version than migs knows is refused with
// ErrNewerSchema.
func migrate(ctx context.Context, c *sql.Conn, migs []migration.Migration) (err error) {
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = c.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	var have int
	if err := c.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	if have > len(migs) {
		return fmt.Errorf("%w: the database is at schema version %d, this build knows versions up to %d; use a newer Starling",
			ErrNewerSchema, have, len(migs))
	}
	for _, m := range migs[have:] {
		if _, err := c.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
	}
	if have < len(migs) {
		// PRAGMA takes no parameters; the value is an int we made.
		if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migs))); err != nil {
			return fmt.Errorf("sqlite: write schema version: %w", err)
		}
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}
