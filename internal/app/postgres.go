package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/store/postgres"
)

// openPostgres opens both stores on the PostgreSQL database of cfg.Store,
// migrating it first. --sync does not apply: PostgreSQL's own settings
// (synchronous_commit) say what a commit survives.
func openPostgres(ctx context.Context, cfg config.Config, log *slog.Logger) (*backend, error) {
	db, err := postgres.Open(ctx, cfg.Store, postgres.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL store: %w", err)
	}
	return &backend{
		store:     postgres.NewStore(db, postgres.StoreOptions{Logger: log}),
		inventory: postgres.NewInventory(db, postgres.InventoryOptions{}),
		close:     func() error { db.Close(); return nil },
		where:     slog.String("store", "postgres"),
	}, nil
}
