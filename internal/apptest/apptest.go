// Package apptest starts a real Starling in-process for tests: app.Run on a
// loopback listener, stopped when the test ends.
//
// With STARLING_E2E_STORE=postgres in the environment, every server it
// starts without a store of its own keeps its state in PostgreSQL instead of
// SQLite: a schema of its own in the database of STARLING_TEST_POSTGRES
// (pgtest), so that the whole end-to-end suite runs on both backends
// (bash .ci/run runs it twice).
package apptest

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// Start runs Starling with cfg (its Addr is replaced by a free loopback
// port) and opts until the test ends. It returns the base URL and a stop
// function that shuts the server down and may be called more than once.
func Start(t testing.TB, cfg config.Config, opts app.Options) (url string, stop func()) {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.Store == "" && Postgres() {
		cfg.Store = pgtest.DSN(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	opts.Ready = func(a net.Addr) { ready <- a }
	go func() { done <- app.Run(ctx, cfg, opts) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("app.Run() = %v before it was ready", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("app.Run() = %v on shutdown", err)
			}
		})
	}
	t.Cleanup(stop)
	return "http://" + addr.String(), stop
}

// EnvStore is the environment variable that selects the backend of the
// servers Start starts: "postgres", or empty for SQLite.
const EnvStore = "STARLING_E2E_STORE"

// Postgres reports whether STARLING_E2E_STORE selects PostgreSQL.
func Postgres() bool { return os.Getenv(EnvStore) == "postgres" }
