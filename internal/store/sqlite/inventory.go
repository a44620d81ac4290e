package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store/migration"
)

// InventoryFileName is the name of the configuration-item database that
// OpenInventory keeps in its directory, beside the control-plane store's
// FileName. SQLite keeps its -wal and -shm files beside it.
const InventoryFileName = "inventory.db"

// inventoryLockName is the file OpenInventory holds an flock on while the
// inventory is open, to keep a second process off the database.
const inventoryLockName = "inventory.lock"

// Defaults for the zero values of InventoryOptions.
const (
	// DefaultInventoryReaders is the least number of reader connections;
	// the default is this or GOMAXPROCS, whichever is larger.
	DefaultInventoryReaders = 4
)

// inventoryPageSize is the page size of a new inventory database. A version
// of about 1.4 KB leaves a quarter of a 4 KB page empty (two fit); 8 KB
// pages hold five, and a CI costs 3.7 KB of writes instead of 4.5 KB, for
// ingest 8% faster (docs/performance.md, "Ingest"). A database made with
// another size keeps it.
const inventoryPageSize = 8192

// Page caches, per connection. They bound the memory the inventory uses,
// whatever the number of CIs.
const (
	inventoryWriterCacheKiB = 32 << 10
	inventoryReaderCacheKiB = 8 << 10
)

// inventoryReaderMmapBytes is how much of the database file the readers
// map into memory (PRAGMA mmap_size): they read its pages in place,
// shared with the OS page cache, instead of copying each page that misses
// their own cache with a pread system call. Pages read from the log still
// come through the cache. The mapping is address space, not memory: what
// stays resident is the OS page cache's to manage. SQLite caps it at its
// build's SQLITE_MAX_MMAP_SIZE (2 GB here), so a larger file is mapped in
// part and read as before beyond it.
const inventoryReaderMmapBytes = 64 << 30

// inventoryWriterPragmas are the writer connection's settings, besides
// busy_timeout and synchronous:
//   - WAL, so that readers read while the writer writes;
//   - no automatic checkpoint: the checkpointer does them on a connection
//     of its own (inventory_checkpoint.go);
//   - the log truncated back to 64 MB after a checkpoint that emptied it;
//   - a page cache of inventoryWriterCacheKiB.
var inventoryWriterPragmas = []string{
	"journal_mode(WAL)",
	"wal_autocheckpoint(0)",
	"journal_size_limit(67108864)",
	"temp_store(MEMORY)",
	fmt.Sprintf("cache_size(%d)", -inventoryWriterCacheKiB),
}

// inventoryMigrationFiles holds the inventory database's schema history, a
// set of its own (the inventory is a database of its own):
// invschema/migrations/NNNN_name.sql, numbered from 1 without gaps. Never edit a
// released file; add the next one.
//
//go:embed invschema/migrations/*.sql
var inventoryMigrationFiles embed.FS

// InventoryOptions tunes an Inventory. The zero value is ready to use.
type InventoryOptions struct {
	// Sync is when a Write counts as durable, as for the control-plane
	// store ([Options.Sync]; app passes both the value of --sync): with
	// SyncFull (the zero value) SQLite fsyncs the write-ahead log at every
	// commit (synchronous=FULL), so a written batch survives power loss;
	// with SyncNormal (the --sync default) a batch is durable once it is in
	// the log, which survives kill -9 but not power loss
	// (synchronous=NORMAL).
	Sync SyncMode
	// Readers is the number of reader connections, that is, of reads that
	// run at once; more wait for a free one. Zero or less means
	// GOMAXPROCS, at least DefaultInventoryReaders.
	Readers int
	// BusyTimeout is how long a connection waits for a lock that another
	// connection holds (the writer's during a checkpoint, say). Zero or
	// less means DefaultBusyTimeout (5s).
	BusyTimeout time.Duration
	// Logger receives what OpenInventory found when it checked the database
	// (one line); nil discards it.
	Logger *slog.Logger
	// MatchPage is how many matching keys one statement of a Scan with
	// Match reads. Zero or less means DefaultInventoryMatchPage; tests
	// make it small to page.
	MatchPage int
}

// DefaultInventoryMatchPage is InventoryOptions.MatchPage's default. A
// statement builds the set of the scope's sources again, which is worth
// doing once for thousands of keys (80 bytes each) rather than once per
// page of items.
const DefaultInventoryMatchPage = 8192

func (o InventoryOptions) withDefaults() InventoryOptions {
	if o.Readers <= 0 {
		o.Readers = max(runtime.GOMAXPROCS(0), DefaultInventoryReaders)
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MatchPage <= 0 {
		o.MatchPage = DefaultInventoryMatchPage
	}
	return o
}

// Inventory is the SQLite backend of [inventory.Store], in the file
// InventoryFileName of a data directory: a database of its own, apart from
// the control-plane store's, because it grows with the source accounts'
// resources while the control-plane documents are few and small.
//
// Nothing is held in memory but SQLite's page caches, of a fixed size: every
// read is a query on the database, through its indexes, and every page of a
// List, Count or History is one statement that filters, groups and pages
// (keyset pagination on the order's key, never OFFSET) in SQL.
//
// The database is in WAL mode, with one writer connection (Writes are
// serialized on it: one transaction per batch) and a pool of reader
// connections, which read while the writer writes. Each statement of a read
// sees one consistent snapshot; Scan reads page by page, each page its own
// snapshot.
//
// A second process is kept off the database by an flock on the file
// inventory.lock beside it (on Unix); SQLite's own locks are shared ones
// in WAL mode, unlike the control-plane store's exclusive lock, since
// the reader connections share the file.
//
// Inventory is safe for concurrent use.
type Inventory struct {
	path    string
	opts    InventoryOptions
	startup StartupReport

	unlock  func()   // releases this process's claim on the file (lockDir)
	release func()   // releases the flock on inventory.lock
	dbFile  *os.File // the database file, open until the connections are closed (see dirLocks)

	// wmu serializes Writes, Prune and Reset on the writer connection.
	wmu     sync.Mutex
	wdb     *sql.DB
	w       *sql.Conn
	ws      writeStmts
	nextRID int64 // the rid the next new resource gets; guarded by wmu

	ckpt *checkpointer // checkpoints the log, off the writer's path

	locks *sourceLocks // LockSource's

	// groupsMu is the compliance store's group turn (SyncGroup,
	// ReplaceGroups).
	groupsMu sync.Mutex

	rdb   *sql.DB   // the reader connections
	get   *sql.Stmt // Get, on rdb
	reads readStmts // the other reads' statements, on rdb

	closed atomic.Bool

	// bmu is held for reading by each Backup while it copies, and for
	// writing by Close, which so waits for the copies to stop.
	bmu sync.RWMutex
	// afterBackupStep, if not nil, runs after each run of pages a Backup
	// copies (tests).
	afterBackupStep func()
}

var _ inventory.Store = (*Inventory)(nil)

// OpenInventory opens the CI store in dir, creating dir and the database if
// needed. dir is the data directory, the one the control-plane store (Open)
// uses; an empty dir is refused.
//
// Open is fast whatever the database holds: it checks the file's header and
// its write-ahead log as Open does (refusing a damaged one with ErrDamaged),
// but it does not run PRAGMA quick_check, which reads every page and so
// takes time in proportion to the data (seconds for a million CIs).
func OpenInventory(ctx context.Context, dir string, opts InventoryOptions) (*Inventory, error) {
	sub, err := fs.Sub(inventoryMigrationFiles, "invschema")
	if err != nil {
		return nil, fmt.Errorf("sqlite: inventory migrations: %w", err)
	}
	migs, err := loadMigrations(sub)
	if err != nil {
		return nil, err
	}
	return openInventory(ctx, dir, opts, migs)
}

func openInventory(ctx context.Context, dir string, opts InventoryOptions, migs []migration.Migration) (_ *Inventory, err error) {
	if dir == "" {
		return nil, errors.New("sqlite: empty directory name")
	}
	opts = opts.withDefaults()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create directory: %w", err)
	}
	path := filepath.Join(abs, InventoryFileName)
	s := &Inventory{path: path, opts: opts, locks: newSourceLocks()}
	defer func() {
		if err != nil {
			_ = s.closeAll()
			err = openError(path, err)
		}
	}()

	start := time.Now()
	if s.unlock, err = lockDir(path); err != nil {
		return nil, err
	}
	if s.release, err = flockFile(filepath.Join(abs, inventoryLockName)); err != nil {
		return nil, err
	}
	// The header, the empty-file and the write-ahead-log checks: they cost
	// the same for any size of database. No quick_check (see OpenInventory).
	if s.dbFile, s.startup, err = preflight(ctx, path, true, migs, inventoryPageSize); err != nil {
		return nil, err
	}
	removeTemporaries(path) // the locks are ours: leftovers are no one's

	busy := fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds())
	syncPragma, syncWant := "synchronous(FULL)", "2"
	if opts.Sync == SyncNormal {
		syncPragma, syncWant = "synchronous(NORMAL)", "1"
	}
	s.wdb, err = sql.Open("sqlite", dsn(path, append([]string{busy, syncPragma}, inventoryWriterPragmas...)...))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	if s.w, err = s.wdb.Conn(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := checkPragma(ctx, s.w, "journal_mode", "wal"); err != nil {
		return nil, err
	}
	if err := checkPragma(ctx, s.w, "synchronous", syncWant); err != nil {
		return nil, err
	}
	if err := migrate(ctx, s.w, migs); err != nil {
		return nil, err
	}
	// versions_key makes this one step down the index.
	if err := s.w.QueryRowContext(ctx, "SELECT coalesce(max(rid), 0) + 1 FROM versions").Scan(&s.nextRID); err != nil {
		return nil, fmt.Errorf("sqlite: inventory: %w", err)
	}
	if err := s.ws.prepare(ctx, s.w); err != nil {
		return nil, err
	}
	if err := s.ensureTerms(ctx); err != nil {
		return nil, err
	}
	if s.ckpt, err = startCheckpointer(ctx, dsn(path, busy, syncPragma)); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	s.rdb, err = sql.Open("sqlite", dsn(path, busy, "query_only(1)",
		fmt.Sprintf("cache_size(%d)", -inventoryReaderCacheKiB),
		fmt.Sprintf("mmap_size(%d)", inventoryReaderMmapBytes)))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.rdb.SetMaxOpenConns(opts.Readers)
	s.rdb.SetMaxIdleConns(opts.Readers)
	s.reads.db = s.rdb
	if s.get, err = s.rdb.PrepareContext(ctx, qInvGet); err != nil {
		return nil, fmt.Errorf("sqlite: prepare %q: %w", qInvGet, err)
	}
	syncDir(abs)

	s.startup.QuickCheck = "skipped"
	s.startup.Duration = time.Since(start)
	opts.Logger.LogAttrs(ctx, slog.LevelInfo, "inventory opened",
		slog.String("path", path),
		slog.Bool("created", s.startup.Created),
		slog.Int64("db_bytes", s.startup.DatabaseBytes),
		slog.Int64("wal_bytes", s.startup.WAL.Bytes),
		slog.Int("wal_commits", s.startup.WAL.Commits),
		slog.Duration("duration", s.startup.Duration))
	return s, nil
}

// Startup reports what OpenInventory found when it checked the database.
// QuickCheck is "skipped".
func (s *Inventory) Startup() StartupReport { return s.startup }

// Path returns the database file's path.
func (s *Inventory) Path() string { return s.path }

// Close closes the database; SQLite checkpoints the log into the database
// file as the last connection closes. Reads still running finish first.
// Every call after Close, Close included, returns ErrClosed.
func (s *Inventory) Close() error {
	if s.closed.Swap(true) {
		return ErrClosed
	}
	// A Backup sees closed between runs of pages and stops.
	s.bmu.Lock()
	defer s.bmu.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.closeAll()
}

// closeAll closes what Open opened, readers first so that the writer's
// connection is the last and checkpoints; then the store's own descriptor of
// the file (not before: that would drop SQLite's locks, see dirLocks), then
// the locks.
func (s *Inventory) closeAll() error {
	var errs []error
	if s.get != nil {
		errs = append(errs, s.get.Close())
	}
	errs = append(errs, s.reads.close())
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	errs = append(errs, s.ws.close())
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if s.dbFile != nil {
		errs = append(errs, s.dbFile.Close())
	}
	if s.release != nil {
		s.release()
	}
	if s.unlock != nil {
		s.unlock()
	}
	return errors.Join(errs...)
}

// checkOpen returns ErrClosed after Close.
func (s *Inventory) checkOpen() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}
