package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store/postgres"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

// OpenInventory opens the configuration-item store alone, for the commands
// that read or write it without a server (starling import and export): the
// SQLite inventory under dataDir, or the PostgreSQL database of dsn when
// dsn is not empty (migrated first, as a server would). A SQLite data
// directory that a running server has open is refused (sqlite.ErrInUse).
// sync is the SQLite inventory's sync mode (config.SyncFull or
// config.SyncNormal). close releases the store and what it holds.
func OpenInventory(ctx context.Context, dataDir, dsn, sync string, log *slog.Logger) (inv inventory.Store, close func() error, err error) {
	if dsn != "" {
		db, err := postgres.Open(ctx, dsn, postgres.Options{Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("open PostgreSQL store: %w", err)
		}
		inv := postgres.NewInventory(db, postgres.InventoryOptions{})
		return inv, func() error {
			err := inv.Close()
			db.Close()
			return err
		}, nil
	}
	mode := sqlite.SyncFull
	if sync == config.SyncNormal {
		mode = sqlite.SyncNormal
	}
	si, err := sqlite.OpenInventory(ctx, dataDir, sqlite.InventoryOptions{Sync: mode, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("open inventory in %s: %w", dataDir, err)
	}
	return si, si.Close, nil
}
