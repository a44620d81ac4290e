package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/starlingcfg/starling/internal/store"
)

// DefaultMaxRetries is how many times Update runs fn again after a
// serialization failure when StoreOptions.MaxRetries is not set.
const DefaultMaxRetries = 20

// The backoff before a retry: random, between half and all of a ceiling that
// starts at minBackoff and doubles with each retry up to maxBackoff.
const (
	minBackoff = time.Millisecond
	maxBackoff = 100 * time.Millisecond
)

// aloneAfter is how many tries of an Update may fail to serialize before
// the next ones run alone among the writers (qLockAlone), where they cannot
// conflict; the last try allowed runs alone in any case. Without this, an
// Update of a record that many others keep changing could lose every race,
// since their fresh tries, with short backoffs, come back sooner than its
// own. Not lower: an Update alone makes every other Update, of every
// replica and namespace, wait for it.
const aloneAfter = 10

var (
	// ErrStoreClosed is returned by every call on a Store after its Close.
	ErrStoreClosed = errors.New("postgres: store is closed")
	// ErrReadOnly is returned by Tx write methods inside View.
	ErrReadOnly = errors.New("postgres: write in a read-only transaction")
	// ErrRetriesExhausted is wrapped by the error of an Update whose
	// transaction failed to serialize on every one of its tries: too many
	// concurrent Updates conflicted with it. The error wraps
	// store.ErrUnavailable too, so that the client is asked to retry.
	ErrRetriesExhausted = errors.New("postgres: transaction kept conflicting with concurrent ones")
)

// StoreOptions tunes a Store. The zero value is ready to use.
type StoreOptions struct {
	// MaxRetries is how many times Update runs fn again, on a fresh
	// transaction, after a serialization failure or a deadlock; zero means
	// DefaultMaxRetries and a negative value none.
	MaxRetries int
	// Logger receives the retries (Debug) and the Updates that gave up
	// (Warn); nil means the DB's logger.
	Logger *slog.Logger
}

// Store is the control-plane store ([store.Store]) on PostgreSQL. Every
// Update is a SERIALIZABLE transaction, run again when PostgreSQL aborts it
// for conflicting with a concurrent one (see Update); every View is a
// REPEATABLE READ READ ONLY transaction, one snapshot. All state is in the
// database, so replicas sharing it see each other's commits at once. Safe
// for concurrent use.
type Store struct {
	db         *DB
	maxRetries int
	aloneAfter int // tries after which they run alone: min(aloneAfter, maxRetries)
	log        *slog.Logger
	// prepare says whether statements are prepared by name on each
	// connection (pgx's default mode), rather than left to the mode the
	// DSN chose (default_query_exec_mode, for a pooler such as PgBouncer).
	prepare bool
	closed  atomic.Bool
}

var _ store.Store = (*Store)(nil)

// NewStore returns the control-plane store on db. Close the Store before
// db; closing the Store leaves db open.
func NewStore(db *DB, opts StoreOptions) *Store {
	s := &Store{db: db, maxRetries: opts.MaxRetries, log: opts.Logger}
	switch {
	case s.maxRetries == 0:
		s.maxRetries = DefaultMaxRetries
	case s.maxRetries < 0:
		s.maxRetries = 0
	}
	s.aloneAfter = min(aloneAfter, s.maxRetries)
	if s.log == nil {
		s.log = db.log
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.prepare = db.pool.Config().ConnConfig.DefaultQueryExecMode == pgx.QueryExecModeCacheStatement
	return s
}

// txMode is what kind of transaction a call runs.
type txMode struct {
	name     string // for errors and logs
	begin    string // the statement that begins it
	lock     string // the statement that locks the table, after begin
	writable bool
}

var (
	updateMode = txMode{name: "update", begin: "BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE", lock: qLockWriter, writable: true}
	viewMode   = txMode{name: "view", begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"}
)

// Update implements store.Store: fn runs in a SERIALIZABLE read-write
// transaction, committed if fn returns nil.
//
// When PostgreSQL aborts the transaction for a serialization failure or a
// deadlock, Update rolls it back, waits a little (longer each time) and runs
// fn again on a fresh transaction, up to StoreOptions.MaxRetries times; this
// happens whether fn returned the Tx method's error, wrapped it or dropped
// it, and whether the failure came from a Tx method or from the commit.
// After ten failed tries, and for the last one allowed, the transaction
// runs alone: it waits for the other Updates under way, of every replica,
// to end, and the Updates that begin meanwhile wait for it (Views go on),
// so that it cannot fail again for a conflict. If fn still fails to
// serialize after MaxRetries, the error wraps ErrRetriesExhausted and
// store.ErrUnavailable. Otherwise the error fn returns is returned as it
// is, and none of fn's writes are kept.
//
// Errors of a database that cannot be reached wrap store.ErrUnavailable. If
// ctx is done, Update returns its error; when that happens during the
// COMMIT, the writes may or may not have been committed. A panic in fn
// propagates, after a rollback.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, updateMode, fn)
}

// View implements store.Store: fn reads one snapshot, in a REPEATABLE READ
// READ ONLY transaction; write methods return ErrReadOnly.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, viewMode, fn)
}

// Reset implements store.Store: one Update deletes every record whose owner
// is not store.SystemOwner.
func (s *Store) Reset(ctx context.Context) error {
	return s.run(ctx, updateMode, func(stx store.Tx) error {
		return stx.(*tx).deleteAllButSystem()
	})
}

// Generation implements store.Store: the last value of the sequence that
// every Update which wrote steps right after its COMMIT, before it returns.
// A process killed between the two leaves the generation unstepped for
// that one write until the next; its Update never returned.
func (s *Store) Generation(ctx context.Context) (uint64, error) {
	if s.closed.Load() {
		return 0, ErrStoreClosed
	}
	var g int64
	if err := s.db.pool.QueryRow(ctx, qGeneration).Scan(&g); err != nil {
		return 0, fmt.Errorf("postgres: generation: %w", classify(err))
	}
	return uint64(g), nil
}

// qGeneration reads the write generation. A sequence's last_value is read
// without a snapshot: it is the newest, whatever transaction asks.
const qGeneration = "SELECT last_value FROM records_generation"

// Close marks the Store closed: every later call returns ErrStoreClosed,
// Close included. Calls under way finish. The DB stays open.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return ErrStoreClosed
	}
	return nil
}

// run runs fn in a transaction of mode m, and again after each retryable
// failure, up to s.maxRetries times.
func (s *Store) run(ctx context.Context, m txMode, fn func(store.Tx) error) error {
	if s.closed.Load() {
		return ErrStoreClosed
	}
	for retries := 0; ; retries++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		again, err := s.try(ctx, m, m.writable && retries > 0 && retries >= s.aloneAfter, fn)
		if !again {
			return err
		}
		if retries == s.maxRetries {
			s.log.LogAttrs(ctx, slog.LevelWarn, "postgres: transaction gave up after serialization failures",
				slog.String("tx", m.name), slog.Int("tries", retries+1), slog.Any("error", err))
			return &retriesError{tries: retries + 1, err: err}
		}
		s.log.LogAttrs(ctx, slog.LevelDebug, "postgres: transaction retried",
			slog.String("tx", m.name), slog.Int("retry", retries+1), slog.Any("error", err))
		if err := sleep(ctx, backoff(retries)); err != nil {
			return err
		}
	}
}

// try runs fn once, in a transaction of mode m on a connection of its own,
// alone among the writers of the records table if alone is set, and ends
// the transaction. again says whether it failed to serialize and may be run
// again.
func (s *Store) try(ctx context.Context, m txMode, alone bool, fn func(store.Tx) error) (again bool, err error) {
	conn, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: %s: get a connection: %w", m.name, classify(err))
	}
	t := &tx{ctx: ctx, conn: conn.Conn(), mode: m, alone: alone, prepare: s.prepare}
	defer func() {
		// Also on a panic in fn: the rollback returns the connection
		// clean to the pool (a connection left in a transaction is
		// closed by Release instead).
		t.rollback()
		conn.Release()
	}()
	ferr := fn(t)
	t.done = true
	return t.finish(ferr)
}

// backoff returns how long to wait before retry number retries+1.
func backoff(retries int) time.Duration {
	ceiling := maxBackoff
	if retries < 16 {
		ceiling = min(minBackoff<<retries, maxBackoff)
	}
	return ceiling/2 + rand.N(ceiling/2+1)
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retriesError is the error of an Update that gave up: it wraps
// ErrRetriesExhausted, store.ErrUnavailable and the last failure.
type retriesError struct {
	tries int
	err   error
}

func (e *retriesError) Error() string {
	return fmt.Sprintf("postgres: update: gave up after %d tries, each aborted by a conflict with concurrent transactions: %v", e.tries, e.err)
}

func (e *retriesError) Unwrap() []error {
	return []error{ErrRetriesExhausted, store.ErrUnavailable, e.err}
}
