// Package pgtest gives tests a PostgreSQL database of their own.
//
// Tests that need PostgreSQL read a DSN from the environment variable
// STARLING_TEST_POSTGRES (a postgres:// URL of a database the tests may
// create schemas in). Without it they skip, saying how to enable them, so
// that `go test ./...` passes on a machine with only Go; `bash .ci/run`
// installs and starts PostgreSQL and sets it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN is the environment variable that holds the test database's DSN.
const EnvDSN = "STARLING_TEST_POSTGRES"

// SkipMessage is what a test without PostgreSQL says when it skips.
const SkipMessage = "PostgreSQL tests skipped: set " + EnvDSN + "=postgres://user:password@127.0.0.1:5432/dbname " +
	"to a database they may create schemas in (bash .ci/run installs PostgreSQL and sets it)"

// BaseDSN returns the DSN of STARLING_TEST_POSTGRES, or skips t.
func BaseDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		t.Skip(SkipMessage)
	}
	return dsn
}

// DSN creates a new, empty schema in the test database and returns a DSN
// whose connections use it (search_path), so that every store opened with
// it sees only this test's tables. The schema is dropped when t ends.
// Without STARLING_TEST_POSTGRES, t is skipped.
func DSN(t testing.TB) string {
	t.Helper()
	base := BaseDSN(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "test_" + hex.EncodeToString(b[:])
	exec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { exec(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	return WithSearchPath(base, schema)
}

// WithSearchPath returns dsn with its connections' search_path set to
// schema.
func WithSearchPath(dsn, schema string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn) + " search_path=" + schema
}

func exec(t testing.TB, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, fmt.Errorf("%w", err))
	}
}
