// Package postgres is the PostgreSQL backend of both of Starling's store
// contracts: the control-plane store ([store.Store], [Store]) and the
// configuration-item store ([inventory.Store], [Inventory]). Several
// Starling processes (replicas) may share one database; every guarantee of
// the contracts holds across them, because the database, not the process,
// holds all state: nothing is cached in memory.
//
// [Open] connects (a pgx connection pool) and brings the schema to this
// build's version: numbered SQL files embedded from migrations/, applied in
// order under a session advisory lock, so that replicas starting together
// migrate once, one after the other. A database migrated by a newer build is
// refused ([ErrNewerSchema]).
//
// Errors that mean the database cannot be reached (a refused or broken
// connection, a server shutting down or starting up, a pool that cannot hand
// out a connection in time) wrap [store.ErrUnavailable], which the server
// answers with a retryable ServiceUnavailable (503).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNewerSchema is returned by Open for a database whose schema a newer
// build of Starling wrote.
var ErrNewerSchema = errors.New("postgres: the database's schema is newer than this build of Starling")

// Options tunes a DB. The zero value is ready to use.
type Options struct {
	// MaxConns is the pool's size; zero or less means DefaultMaxConns.
	MaxConns int32
	// Logger receives what Open did (one line); nil discards it.
	Logger *slog.Logger
}

// DefaultMaxConns is the pool size when Options.MaxConns is not set (and
// the DSN has no pool_max_conns).
const DefaultMaxConns = 16

// connectTimeout bounds how long a new connection may take when the DSN
// does not say (connect_timeout): a request waits at most this long for a
// database that is down before it gets ServiceUnavailable.
const connectTimeout = 5 * time.Second

// DB is a connection pool to one database, migrated to this build's schema.
// Both stores are built on it; Close it after them. Safe for concurrent
// use.
type DB struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// parallelWorkersParam is the setting of parallel query that Open turns off
// for Starling's connections, unless the DSN sets it.
const parallelWorkersParam = "max_parallel_workers_per_gather"

// Open connects to the database of dsn (a postgres:// URL or a key=value
// string, as libpq takes them) and migrates it.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	} else if !hasParam(dsn, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if _, set := cfg.ConnConfig.RuntimeParams[parallelWorkersParam]; !set {
		// Starling runs many short statements at once, where a parallel
		// plan's workers only contend with the other statements for the
		// cores: a Count over 4,000 sources took 105 ms with 2 workers and
		// 50 ms without, on 2 cores (docs/performance.md). A DSN that sets
		// it (a max_parallel_workers_per_gather parameter) keeps its value.
		cfg.ConnConfig.RuntimeParams[parallelWorkersParam] = "0"
	}
	start := time.Now()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := &DB{pool: pool, log: log}
	version, applied, err := migrate(ctx, pool, log)
	if err != nil {
		pool.Close()
		return nil, err
	}
	log.LogAttrs(ctx, slog.LevelInfo, "postgres opened",
		slog.String("host", cfg.ConnConfig.Host),
		slog.String("database", cfg.ConnConfig.Database),
		slog.Int("schema_version", version),
		slog.Int("migrations_applied", applied),
		slog.Int("max_conns", int(cfg.MaxConns)),
		slog.Duration("duration", time.Since(start)))
	return db, nil
}

// Pool returns the connection pool.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool, waiting for the connections in use.
func (db *DB) Close() { db.pool.Close() }

// hasParam reports whether dsn sets the parameter name, in either of its
// forms (a URL's query, or key=value pairs).
func hasParam(dsn, name string) bool {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Query().Has(name)
	}
	for _, f := range strings.Fields(dsn) {
		if k, _, ok := strings.Cut(f, "="); ok && k == name {
			return true
		}
	}
	return false
}
