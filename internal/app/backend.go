package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/server"
	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

// backend is where a Starling keeps its state: the control-plane store and
// the configuration-item store, both on SQLite under --data or both on one
// PostgreSQL database (--store).
type backend struct {
	store     store.Store
	inventory inventory.Store
	// backup writes a copy of a database for POST /_starling/backup; nil
	// when the backend has none of its own (PostgreSQL: pg_dump).
	backup func(ctx context.Context, database string, w io.Writer) error
	// register exports the backend's metrics; nil when it has none.
	register func(prometheus.Registerer)
	// close releases what the stores share, after they are closed.
	close func() error
	// where names the backend in the startup log line.
	where slog.Attr
}

// openBackend opens the stores that cfg names.
func openBackend(ctx context.Context, cfg config.Config, log *slog.Logger) (*backend, error) {
	if cfg.Store != "" {
		return openPostgres(ctx, cfg, log)
	}
	return openSQLite(ctx, cfg, log)
}

// openSQLite opens the stores in cfg.DataDir: starling.db and inventory.db.
func openSQLite(ctx context.Context, cfg config.Config, log *slog.Logger) (*backend, error) {
	sync := sqlite.SyncFull
	if cfg.Sync == config.SyncNormal {
		sync = sqlite.SyncNormal
	}
	st, err := sqlite.Open(ctx, cfg.DataDir, sqlite.Options{Sync: sync, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", cfg.DataDir, err)
	}
	inv, err := sqlite.OpenInventory(ctx, cfg.DataDir, sqlite.InventoryOptions{Sync: sync, Logger: log})
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("open inventory in %s: %w", cfg.DataDir, err)
	}
	return &backend{
		store:     st,
		inventory: inv,
		backup: func(ctx context.Context, database string, w io.Writer) error {
			if database == server.BackupDatabaseInventory {
				return inv.Backup(ctx, w)
			}
			return st.Backup(ctx, w)
		},
		register: func(reg prometheus.Registerer) { registerStoreMetrics(reg, st) },
		close:    func() error { return nil },
		where:    slog.String("data", cfg.DataDir),
	}, nil
}

// Close closes the stores, then what they share.
func (b *backend) Close() error {
	return errors.Join(b.inventory.Close(), b.store.Close(), b.close())
}

// registerStoreMetrics exports the SQLite store's group-commit counters,
// from which an operator reads the average batch (updates per commit) and
// how many commits one fsync covered.
func registerStoreMetrics(reg prometheus.Registerer, st *sqlite.Store) {
	for _, c := range []struct {
		name, help string
		get        func(sqlite.Stats) int64
	}{
		{"starling_store_commits_total", "SQLite transactions committed by the store's writer.", func(s sqlite.Stats) int64 { return s.Commits }},
		{"starling_store_updates_total", "Updates committed; divided by commits, the average group-commit batch.", func(s sqlite.Stats) int64 { return s.Updates }},
		{"starling_store_syncs_total", "fsyncs of the write-ahead log; commits divided by syncs is how many commits one fsync made durable.", func(s sqlite.Stats) int64 { return s.Syncs }},
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help},
			func() float64 { return float64(c.get(st.Stats())) }))
	}
}
