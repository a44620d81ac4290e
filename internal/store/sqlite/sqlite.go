// Package sqlite implements [store.Store] on an embedded SQLite database
// (modernc.org/sqlite, pure Go), kept in the file starling.db of one
// directory.
//
// Durability: the database runs in WAL mode with synchronous=FULL, so COMMIT
// returns only after SQLite has fsynced the write-ahead log, and Update
// returns nil only after that COMMIT. An acknowledged write therefore survives
// kill -9 and power loss. WAL also gives readers their own snapshot, so View
// never waits for Update, nor Update for View.
//
// Group commit: that fsync is what a durable write costs, and SQLite admits
// one writer at a time, so one transaction per Update would cap throughput at
// one fsync per write. Instead Updates are queued to one writer goroutine that
// owns the only read-write connection. It takes every waiting Update (at most
// [Options.MaxBatch]), opens one BEGIN IMMEDIATE transaction, runs each fn in
// its own SAVEPOINT (rolled back on its own if fn fails or panics), COMMITs
// once and only then answers the callers: N concurrent writers share one
// fsync. The fns run one after another inside the transaction, so Updates
// stay serializable. Each fn runs on its caller's goroutine while the writer
// waits, so a panic or runtime.Goexit in fn unwinds its caller with its own
// stack and leaves the store working.
//
// Reads: View runs on a separate pool of query_only connections, inside a
// read transaction, so it sees one consistent snapshot.
//
// Schema: numbered SQL files embedded from migrations/ are applied in order,
// in one transaction, by Open; the version is kept in PRAGMA user_version and
// a database written by a newer build is refused ([ErrNewerSchema]).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/starlingcfg/starling/internal/store"
)

// FileName is the name of the database file that Open keeps in its directory.
// SQLite keeps its -wal and -shm files beside it.
const FileName = "starling.db"

// Defaults for the zero values of Options.
const (
	DefaultMaxBatch    = 256
	DefaultBusyTimeout = 5 * time.Second
	minReadConns       = 4
)

var (
	// ErrClosed is returned by every call on a Store after Close.
	ErrClosed = errors.New("sqlite: store is closed")
	// ErrReadOnly is returned by Tx write methods inside View.
	ErrReadOnly = errors.New("sqlite: write in a read-only transaction")
	// ErrNewerSchema is returned by Open for a database whose schema version
	// is newer than this build knows: it was written by a newer Starling.
	ErrNewerSchema = errors.New("sqlite: database schema is newer than this build supports")
)

// Options tunes a Store. The zero value is ready to use.
type Options struct {
	// MaxBatch caps how many queued Updates share one transaction and so one
	// fsync (group commit). Larger batches raise throughput under load but
	// make one batch, and so its slowest caller, take longer. Zero or less
	// means DefaultMaxBatch (256).
	MaxBatch int
	// ReadConns is the number of read-only connections serving View, so the
	// number of Views that can run at once; further Views wait for one to
	// finish. Zero or less means GOMAXPROCS, but at least 4.
	ReadConns int
	// BusyTimeout is how long a statement waits for a lock held by another
	// process on the same file (a second Starling, a backup tool) before
	// failing. Zero or less means DefaultBusyTimeout (5s).
	BusyTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.ReadConns <= 0 {
		o.ReadConns = max(minReadConns, runtime.GOMAXPROCS(0))
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	return o
}

// Stats counts the writer's work since Open.
type Stats struct {
	// Commits is the number of transactions committed.
	Commits int64
	// Updates is the number of Updates committed; Updates/Commits is the
	// average size of a group commit.
	Updates int64
}

// Store is a store.Store backed by SQLite. It is safe for concurrent use.
//
// fn passed to Update must not call Update on the same Store: the writer is
// busy running fn, so the inner call would wait forever. View inside Update
// is fine; it does not see the Update's uncommitted writes.
type Store struct {
	opts Options

	wdb *sql.DB // holds the one writer connection
	w   *conn   // the writer connection, used only by the writer loop and the fns it runs
	rdb *sql.DB
	// readers holds the idle read connections; View takes one and gives it
	// back.
	readers  chan *conn
	nreaders int // read connections owned, idle or in a View

	mu      sync.Mutex
	pending []*request // queued Updates, oldest first; guarded by mu
	closed  bool       // guarded by mu

	wake       chan struct{} // buffered(1): tells the writer that pending grew or closed changed
	closing    chan struct{} // closed by Close
	writerDone chan struct{} // closed when the writer loop has answered everything and exited

	ran []ranReq // the writer loop's scratch space, reused by every batch

	commits atomic.Int64
	updates atomic.Int64
}

var _ store.Store = (*Store)(nil)

// Open opens the store in dir, creating dir and the database if needed, and
// brings its schema up to date. dir must name a directory that Open can use
// (tests use t.TempDir()); an empty dir is refused rather than guessed.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, err
	}
	return open(ctx, dir, opts, migs)
}

func open(ctx context.Context, dir string, opts Options, migs []migration) (_ *Store, err error) {
	if dir == "" {
		return nil, errors.New("sqlite: empty directory name")
	}
	opts = opts.withDefaults()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	_, statErr := os.Stat(abs)
	newDir := errors.Is(statErr, os.ErrNotExist)
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create directory: %w", err)
	}
	path := filepath.Join(abs, FileName)
	_, statErr = os.Stat(path)
	newFile := errors.Is(statErr, os.ErrNotExist)

	s := &Store{
		opts:       opts,
		readers:    make(chan *conn, opts.ReadConns),
		wake:       make(chan struct{}, 1),
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	defer func() {
		if err != nil {
			s.closeConns()
		}
	}()

	busy := fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds())
	s.wdb, err = sql.Open("sqlite", dsn(path, busy, "journal_mode(WAL)", "synchronous(FULL)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.w, err = newConn(ctx, s.wdb, true)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := checkPragma(ctx, s.w.c, "journal_mode", "wal"); err != nil {
		return nil, err
	}
	if err := checkPragma(ctx, s.w.c, "synchronous", "2"); err != nil {
		return nil, err
	}
	if err := migrate(ctx, s.w.c, migs); err != nil {
		return nil, err
	}
	if err := s.w.prepareRecords(ctx, true); err != nil {
		return nil, err
	}
	if newFile {
		// Make the new file's directory entry durable too (SQLite syncs the
		// directory for its -wal file but not for the database file). Best
		// effort: not every platform can fsync a directory.
		syncDir(abs)
		if newDir {
			syncDir(filepath.Dir(abs))
		}
	}

	s.rdb, err = sql.Open("sqlite", dsn(path, busy, "query_only(1)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.rdb.SetMaxOpenConns(opts.ReadConns)
	s.rdb.SetMaxIdleConns(opts.ReadConns)
	for range opts.ReadConns {
		c, err := newReader(ctx, s.rdb)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		s.readers <- c
		s.nreaders++
	}

	go s.writeLoop()
	return s, nil
}

func newReader(ctx context.Context, db *sql.DB) (*conn, error) {
	c, err := newConn(ctx, db, false)
	if err != nil {
		return nil, err
	}
	if err := c.prepareRecords(ctx, false); err != nil {
		_ = c.close()
		return nil, err
	}
	return c, nil
}

// dsn returns a modernc.org/sqlite data source name for the file at path,
// which runs the given PRAGMAs on every new connection.
func dsn(path string, pragmas ...string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p} // escapes '?', '#' and '%' in the path
	q := make([]string, len(pragmas))
	for i, pr := range pragmas {
		q[i] = "_pragma=" + url.QueryEscape(pr)
	}
	return u.String() + "?" + strings.Join(q, "&")
}

func checkPragma(ctx context.Context, c *sql.Conn, name, want string) error {
	var got string
	if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil {
		return fmt.Errorf("sqlite: read PRAGMA %s: %w", name, err)
	}
	if !strings.EqualFold(got, want) {
		return fmt.Errorf("sqlite: PRAGMA %s is %q, want %q (is the file system one SQLite supports WAL on?)", name, got, want)
	}
	return nil
}

func syncDir(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = f.Sync()
	_ = f.Close()
}

// Update implements store.Update: fn runs in a read-write transaction, grouped
// with other waiting Updates into one database transaction (group commit), and
// Update returns nil only once that transaction is durable.
//
// If ctx is done while the call is still queued, Update returns ctx.Err() and
// fn never runs. Once the writer has taken the call, Update waits for the
// outcome, so that its answer is always the truth; Tx methods then fail with
// ctx.Err() if ctx is done. A panic in fn propagates to the caller, with none
// of fn's writes kept.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.update(ctx, fn)
}

// Reset implements store.Reset, as one durable Update.
func (s *Store) Reset(ctx context.Context) error {
	return s.update(ctx, func(t store.Tx) error { return t.(*tx).deleteAll() })
}

// View implements store.View: fn runs in a read transaction on one of the
// read connections and sees one consistent snapshot. If ctx is done, the Tx
// methods fail with ctx.Err() from their next call.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	var c *conn
	select {
	case c = <-s.readers:
	case <-s.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-s.closing:
		s.readers <- c // Close is waiting for it
		return ErrClosed
	default:
	}
	if _, err := c.st.begin.Exec(); err != nil {
		s.putReader(c, false)
		return fmt.Errorf("sqlite: begin read transaction: %w", err)
	}
	t := &tx{c: c, ctx: ctx}
	defer func() {
		// Runs on panic too, so the connection goes back to the pool.
		t.finish()
		_, rerr := c.st.rollback.Exec()
		s.putReader(c, rerr == nil)
		if rerr != nil && err == nil {
			err = fmt.Errorf("sqlite: end read transaction: %w", rerr)
		}
	}()
	return fn(t)
}

// putReader returns c to the pool. A connection that failed to end its
// transaction is replaced by a fresh one, if one can be had.
func (s *Store) putReader(c *conn, healthy bool) {
	if !healthy {
		if nc, err := newReader(context.Background(), s.rdb); err == nil {
			c.close()
			c = nc
		}
	}
	s.readers <- c
}

// Stats reports the writer's work since Open.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.commits.Load(), Updates: s.updates.Load()}
}

// Close runs and answers the Updates already queued, waits for running Views
// to finish and closes the database. Every call after Close, Close included,
// returns ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	s.signal()
	<-s.writerDone
	return s.closeConns()
}

// closeConns closes the read connections, then the writer, so that the last
// connection to close (which checkpoints the WAL) is the writer.
func (s *Store) closeConns() error {
	var errs []error
	if s.rdb != nil {
		for range s.nreaders {
			c := <-s.readers
			errs = append(errs, c.close())
		}
		errs = append(errs, s.rdb.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	return errors.Join(errs...)
}
