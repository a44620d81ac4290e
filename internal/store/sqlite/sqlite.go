// Package sqlite implements [store.Store] on an embedded SQLite database
// (modernc.org/sqlite, pure Go), kept in the file starling.db of one
// directory.
//
// Memory: every record is held in memory, loaded once by Open, and every
// read (View, and the reads of an Update) is served from there; SQLite is the
// durable copy that the committer keeps in step. The memory table keeps a
// version of a partition (one namespace's records of one kind) per commit for as
// long as a running View may need it, so a View sees one consistent snapshot,
// the commit that was newest when it began, and never waits for the writer,
// nor the writer for it. The records are the service's control-plane
// documents (aggregators, authorizations, organizations), small in number and
// size; memory use grows with them.
//
// Durability ([Options.Sync]): with SyncFull, Update returns nil only once
// its writes are in the write-ahead log and the log is fsynced, so an
// acknowledged write survives kill -9 and power loss; with SyncNormal, once
// they are in the log (handed to the operating system), so it survives
// kill -9 but not power loss.
//
// Group commit: SQLite admits one writer at a time and a commit (with its
// fsync) costs the same for one write as for many, so Updates are queued to
// a pipeline of two goroutines. The writer takes every waiting Update (at
// most [Options.MaxBatch]) and runs their fns one after another against
// memory, so Updates stay serializable; a failed fn's writes are dropped. It
// hands the batch to the committer as soon as the committer is idle; until
// then it goes on running fns into the batch. The committer writes a batch to
// SQLite in one transaction (on the store's one connection, which only a
// Backup shares, between transactions), installs it in
// memory, fsyncs the log (SyncFull) and answers the callers. A batch is thus
// everything that arrived while the last commit ran, and the writer runs the
// next fns while the committer commits.
//
// A reader may see a committed write up to one fsync (well under a
// millisecond) before its writer is answered; only a power loss inside that
// window can take such a write away, and its writer will not have been told
// it succeeded.
//
// Schema: numbered SQL files embedded from migrations/ are applied in order,
// in one transaction, by Open; the version is kept in PRAGMA user_version and
// a database written by a newer build is refused ([ErrNewerSchema]).
//
// Startup checks: before it uses a database, Open checks the file and its
// write-ahead log for what SQLite would silently make the best of (a
// database file that lost its contents, a log damaged in the middle, a log
// left beside a restored backup) and runs PRAGMA quick_check; it refuses a
// damaged database with [ErrDamaged], naming the file and what to do, and
// otherwise logs what it found ([StartupReport]).
//
// Backup: [Store.Backup] writes a consistent copy of the running store's
// database; [BackupDir] copies the database of a store that no process has
// open.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/migration"
)

// FileName is the name of the database file that Open keeps in its directory.
// SQLite keeps its -wal and -shm files beside it.
const FileName = "starling.db"

// Defaults for the zero values of Options.
const (
	DefaultMaxBatch    = 256
	DefaultBusyTimeout = 5 * time.Second
)

var (
	// ErrClosed is returned by every call on a Store after Close.
	ErrClosed = errors.New("sqlite: store is closed")
	// ErrReadOnly is returned by Tx write methods inside View.
	ErrReadOnly = errors.New("sqlite: write in a read-only transaction")
	// ErrNewerSchema is returned by Open for a database whose schema version
	// is newer than this build knows: it was written by a newer Starling.
	ErrNewerSchema = errors.New("sqlite: database schema is newer than this build supports")
	// ErrInUse is returned by Open when another process has the database
	// open: a Store keeps its database to itself while it is open.
	ErrInUse = errors.New("sqlite: database is in use by another process (is another Starling running on this data directory?)")
	// ErrDamaged is returned by Open for a database that it finds damaged,
	// with a message that names the file, says what is wrong and how to
	// recover.
	ErrDamaged = errors.New("sqlite: the database is damaged")
)

// Options tunes a Store. The zero value is ready to use.
type Options struct {
	// MaxBatch caps how many queued Updates share one transaction and so one
	// fsync (group commit). Larger batches raise throughput under load but
	// make one batch, and so its slowest caller, take longer. Zero or less
	// means DefaultMaxBatch (256).
	MaxBatch int
	// Sync is when an Update counts as durable: SyncFull (the zero value)
	// or SyncNormal.
	Sync SyncMode
	// BusyTimeout is how long Open waits for a lock held by another process
	// on the same file (a second Starling, an sqlite3 shell) before failing
	// with ErrInUse. Zero or less means DefaultBusyTimeout (5s).
	BusyTimeout time.Duration
	// Logger receives what Open found when it checked the database (one
	// line at Info, or Warn when SQLite ignores part of the log because a
	// crash cut a transaction off); nil discards it.
	Logger *slog.Logger
}

// SyncMode says what an acknowledged Update survives. Either way it
// survives the process being killed: only the operating system's crash or a
// power loss tells them apart.
type SyncMode int

const (
	// SyncFull answers an Update once the write-ahead log holding it is
	// fsynced: it survives power loss. Updates that arrive while one fsync
	// runs share the next.
	SyncFull SyncMode = iota
	// SyncNormal answers an Update once its commit is in the write-ahead
	// log, that is, handed to the operating system, which writes it to disk
	// within seconds; SQLite fsyncs at each checkpoint. It survives kill -9,
	// but a power loss or kernel crash can take the last seconds of writes
	// (SQLite's synchronous=NORMAL in WAL mode). It saves an fsync, tens to
	// hundreds of microseconds, per commit.
	SyncNormal
)

// String returns the mode's name as the --sync flag spells it.
func (m SyncMode) String() string {
	switch m {
	case SyncFull:
		return "full"
	case SyncNormal:
		return "normal"
	}
	return fmt.Sprintf("SyncMode(%d)", int(m))
}

func (o Options) withDefaults() Options {
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Stats counts the store's commits since Open.
type Stats struct {
	// Commits is the number of transactions committed.
	Commits int64
	// Updates is the number of Updates committed; Updates/Commits is the
	// average size of a group commit.
	Updates int64
	// Syncs is the number of fsyncs of the write-ahead log; Commits/Syncs is
	// how many commits one fsync made durable.
	Syncs int64
}

// Store is a store.Store backed by SQLite. It is safe for concurrent use.
//
// fn passed to Update runs on the store's writer goroutine, not the
// caller's. It must not call Update on the same Store: the writer is busy
// running fn, so the inner call would wait forever. View inside Update is
// fine; it does not see the Update's uncommitted writes. If fn panics, Update
// panics with the same value on the caller's goroutine; if fn calls
// runtime.Goexit, so does Update.
type Store struct {
	opts    Options
	path    string        // the database file
	startup StartupReport // what Open found
	unlock  func()        // releases the claim on the database file (lockDir)

	wdb    *sql.DB    // holds the one connection
	w      *conn      // the connection: the committer's, and Backup's in between (connMu)
	dbFile *os.File   // the database file, open until the connection is closed (see dirLocks)
	mem    *table     // every record, served to View and to the fns of Update
	commit *committer // writes batches to SQLite, makes them durable, answers their callers

	// connMu serializes the use of w after Open: the committer holds it
	// while it writes the batches of one run, Backup while it copies a run
	// of pages, and closeConns while it closes w (connClosed).
	connMu     sync.Mutex
	connClosed bool
	backups    map[*backupJob]struct{} // copies under way (Backup); guarded by connMu

	mu      sync.Mutex
	pending []*request // queued Updates, oldest first; guarded by mu
	closed  bool       // guarded by mu

	wake       chan struct{} // buffered(1): tells the writer that pending grew or closed changed
	closing    chan struct{} // closed by Close
	writerDone chan struct{} // closed when the writer loop and the committer have answered everything and exited

	open   *batch     // the batch the writer is filling, or nil; the writer's own
	taken  []*request // requests the writer has taken; the writer's own
	next   int        // the first of taken not yet run; the writer's own
	yields int        // times in a row the writer yielded for more; its own
	seq    uint64     // the newest commit; the committer's own

	commits atomic.Int64
	updates atomic.Int64

	beforeCloseConns func() // tests: runs in Close before the connection is closed
	afterBackupStep  func() // tests: runs in Backup after each run of pages
}

var _ store.Store = (*Store)(nil)

// Open opens the store in dir, creating dir and the database if needed,
// checks the database ([StartupReport]; a damaged one is refused with
// [ErrDamaged]) and brings its schema up to date. dir must name a directory
// that Open can use (tests use t.TempDir()); an empty dir is refused rather
// than guessed.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, err
	}
	return open(ctx, dir, opts, migs)
}

func open(ctx context.Context, dir string, opts Options, migs []migration.Migration) (_ *Store, err error) {
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

	s := &Store{
		opts:       opts,
		path:       path,
		backups:    map[*backupJob]struct{}{},
		mem:        newTable(),
		wake:       make(chan struct{}, 1),
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	defer func() {
		if err != nil {
			_ = s.closeConns()
			err = openError(path, err)
		}
	}()

	start := time.Now()
	if s.unlock, err = lockDir(path); err != nil {
		return nil, err
	}
	if s.dbFile, s.startup, err = preflight(ctx, path, true, migs, 0); err != nil {
		return nil, err
	}
	if s.wdb, s.w, err = openConn(ctx, path, opts); err != nil {
		return nil, err
	}
	// The lock is ours: whatever temporary files are left are no one's.
	removeTemporaries(path)
	if err := s.check(ctx, start); err != nil {
		return nil, err
	}
	if err := migrate(ctx, s.w.c, migs); err != nil {
		return nil, err
	}
	if err := s.w.prepareRecords(ctx); err != nil {
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	// Make the log, which SQLite created as it opened the database, durable
	// with its directory entry: SQLite syncs neither (createDatabase synced
	// a new database file). Best effort: not every platform can fsync a
	// directory.
	s.commit = newCommitter(s, path)
	if err := s.commit.fsync(); err != nil {
		s.commit.close()
		return nil, fmt.Errorf("sqlite: fsync %s: %w", path, err)
	}
	syncDir(abs)
	if newDir {
		syncDir(filepath.Dir(abs))
	}

	s.startup.log(opts.Logger)
	s.commit.start()
	go s.writeLoop()
	return s, nil
}

// openConn opens the one connection to the database at path, which takes
// SQLite's exclusive lock on it.
func openConn(ctx context.Context, path string, opts Options) (*sql.DB, *conn, error) {
	busy := fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds())
	// locking_mode=EXCLUSIVE: this process is the database's only user
	// (every read is served from memory), so the connection takes its locks
	// once and keeps the WAL index in its own memory instead of taking file
	// locks on the -shm file for every transaction. It also keeps a second
	// Starling, or any other process, from opening the database while this
	// one runs. It must be set before journal_mode=WAL to skip the -shm file.
	db, err := sql.Open("sqlite", dsn(path, busy, "locking_mode(EXCLUSIVE)", "journal_mode(WAL)", "synchronous(NORMAL)"))
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c, err := newConn(ctx, db)
	if err == nil {
		err = checkPragma(ctx, c.c, "journal_mode", "wal")
	}
	if err == nil {
		err = checkPragma(ctx, c.c, "synchronous", "1")
	}
	if err != nil {
		if c != nil {
			_ = c.close()
		}
		_ = db.Close()
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, c, nil
}

// check runs PRAGMA quick_check, which reads every page of the database
// (with the log applied), and refuses the database unless it says ok.
func (s *Store) check(ctx context.Context, start time.Time) error {
	qc, err := quickCheck(ctx, s.w.c)
	if err != nil {
		return fmt.Errorf("sqlite: PRAGMA quick_check: %w", err)
	}
	s.startup.QuickCheck = qc
	s.startup.Duration = time.Since(start)
	if qc != "ok" {
		return damagedf(s.path, "PRAGMA quick_check found:\n%s\n%s.", qc, restoreHint)
	}
	return nil
}

// openError adds to an error of Open what the caller needs: ErrInUse if
// another process holds the database, ErrDamaged and what to do if SQLite
// found the file corrupt.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, ErrInUse) || errors.Is(err, ErrDamaged):
		return err
	case busy(err):
		return fmt.Errorf("%w: %s: %v", ErrInUse, path, err)
	case corrupt(err):
		var sqliteErr interface{ Code() int }
		errors.As(err, &sqliteErr)
		return damagedf(path, "SQLite cannot read it: %v. %s.", sqliteErr, restoreHint)
	}
	return err
}

// Startup reports what Open found when it checked the database.
func (s *Store) Startup() StartupReport { return s.startup }

// log writes the report as one line: Info, or Warn if SQLite discards the
// frames of a transaction that never committed, which a crash cut off.
func (r StartupReport) log(l *slog.Logger) {
	level, msg := slog.LevelInfo, "store checked"
	if r.WAL.Uncommitted > 0 {
		level, msg = slog.LevelWarn, "store checked: the write-ahead log ends in a transaction that never committed (a crash cut it off); SQLite discards it"
	}
	l.Log(context.Background(), level, msg,
		slog.String("path", r.Path),
		slog.Bool("created", r.Created),
		slog.Int64("db_bytes", r.DatabaseBytes),
		slog.Int64("wal_bytes", r.WAL.Bytes),
		slog.Int("wal_commits", r.WAL.Commits),
		slog.Int("wal_frames", r.WAL.Frames),
		slog.Int64("wal_ignored_bytes", r.WAL.IgnoredBytes()),
		slog.Int("wal_uncommitted_frames", r.WAL.Uncommitted),
		slog.Int("wal_stale_frames", r.WAL.Stale),
		slog.String("quick_check", r.QuickCheck),
		slog.Duration("duration", r.Duration))
}

// load reads every record into the memory table.
func (s *Store) load(ctx context.Context) error {
	rows, err := s.w.c.QueryContext(ctx, qLoad)
	if err != nil {
		return fmt.Errorf("sqlite: load records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p  partKey
			it store.Item
		)
		if err := rows.Scan(&p.owner, &p.region, &p.kind, &it.ID, &it.Doc); err != nil {
			return fmt.Errorf("sqlite: load records: %w", err)
		}
		s.mem.load(p, it)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: load records: %w", err)
	}
	return nil
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

// busy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED: another
// connection holds a lock this one needs.
func busy(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return false
	}
	switch coded.Code() & 0xff { // the primary code, without the extended bits
	case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
		return true
	}
	return false
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
// Update returns nil only once that transaction is durable ([Options.Sync]).
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

// Generation implements store.Store: the number of the newest commit
// installed, which every Update's writes have advanced before it returns.
// It counts from 0 when the store opens.
func (s *Store) Generation(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.mem.generation(), nil
}

// View implements store.View: fn reads the memory table as of the newest
// commit when View began, one consistent snapshot, without waiting for any
// Update. If ctx is done, the Tx methods fail with ctx.Err() from their next
// call.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	seq := s.mem.beginView()
	t := &tx{m: s.mem, ctx: ctx, seq: seq}
	defer func() {
		// Runs on panic too, so the versions fn read can be dropped.
		t.finish()
		s.mem.endView(seq)
	}()
	return fn(t)
}

// Stats reports the store's commits since Open.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.commits.Load(), Updates: s.updates.Load(), Syncs: s.commit.syncs.Load()}
}

// Close runs and answers the Updates already queued and closes the
// database. Views already running go on reading memory. Every call after Close, Close included,
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
	if s.beforeCloseConns != nil {
		s.beforeCloseConns()
	}
	return s.closeConns()
}

// closeConns closes the database; SQLite checkpoints the log into the
// database file as the last connection closes. Then it closes the store's
// own descriptor of the file: not before, since that would drop SQLite's
// locks (see dirLocks).
func (s *Store) closeConns() error {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.connClosed {
		return nil
	}
	s.connClosed = true
	var errs []error
	for job := range s.backups { // SQLite will not close a connection with a copy under way
		_ = job.finish()
	}
	clear(s.backups)
	if s.w != nil {
		errs = append(errs, s.w.close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if s.dbFile != nil {
		errs = append(errs, s.dbFile.Close())
	}
	if s.unlock != nil {
		s.unlock()
	}
	return errors.Join(errs...)
}
