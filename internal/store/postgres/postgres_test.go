package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// TestOpenConcurrently starts several Opens of one new database at once,
// as replicas starting together do: the advisory lock must let exactly one
// apply each migration, and all of them end up at the last version.
func TestOpenConcurrently(t *testing.T) {
	dsn := pgtest.DSN(t)
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	var wg sync.WaitGroup
	dbs := make([]*DB, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), dsn, Options{MaxConns: 2}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var rows, version int
	if err := dbs[0].Pool().QueryRow(t.Context(), "SELECT count(*), max(version) FROM starling_schema").Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != len(migs) || version != len(migs) {
		t.Errorf("starling_schema: %d rows, version %d; want %d and %d (each migration applied once)", rows, version, len(migs), len(migs))
	}
}

// TestOpenNewerSchema checks that a database migrated by a newer build is
// refused, and left as it is.
func TestOpenNewerSchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	db, err := Open(t.Context(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(t.Context(), "INSERT INTO starling_schema (version) VALUES (999)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(t.Context(), dsn, Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open of a newer schema: got nil, want ErrNewerSchema")
	}
	if !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Open of a newer schema: got %v, want ErrNewerSchema", err)
	}
}

// TestOpenUnreachable checks that a database nobody listens for gives
// store.ErrUnavailable, promptly.
func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err := Open(ctx, "postgres://starling:x@127.0.0.1:1/starling?connect_timeout=2", Options{})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open of 127.0.0.1:1: got %v, want store.ErrUnavailable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open of 127.0.0.1:1 took %v", d)
	}
}

// TestOpenParallelWorkers checks that Starling's connections run without
// parallel query unless the DSN asks for it.
func TestOpenParallelWorkers(t *testing.T) {
	dsn := pgtest.DSN(t)
	for _, tt := range []struct {
		name, dsn, want string
	}{
		{"default", dsn, "0"},
		{"set by the DSN", dsn + "&max_parallel_workers_per_gather=3", "3"},
	} {
		db, err := Open(t.Context(), tt.dsn, Options{MaxConns: 1})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got string
		err = db.Pool().QueryRow(t.Context(), "SHOW max_parallel_workers_per_gather").Scan(&got)
		db.Close()
		if err != nil || got != tt.want {
			t.Errorf("%s: max_parallel_workers_per_gather %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
