package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/starlingcfg/starling/internal/store/migration"
)

// StartupReport is what Open found when it checked the database before
// using it. Open logs it ([Options.Logger]) and refuses a database it finds
// damaged ([ErrDamaged]).
type StartupReport struct {
	// Path is the database file.
	Path string
	// Created is true if Open created the database.
	Created bool
	// DatabaseBytes is the size of the database file before SQLite read
	// the write-ahead log.
	DatabaseBytes int64
	// WAL is what the write-ahead log held when Open found it.
	WAL WALReport
	// QuickCheck is the answer of SQLite's PRAGMA quick_check, "ok" for a
	// sound database: it checks the structure of every page (b-trees, free
	// list, records, indexes), not the meaning of the documents.
	QuickCheck string
	// Duration is how long the checks took.
	Duration time.Duration
}

// restoreHint ends every ErrDamaged message.
const restoreHint = "Restore the data directory from a backup (docs/operations.md)"

// damagedf returns an ErrDamaged error about the file at path.
func damagedf(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrDamaged, path, fmt.Sprintf(format, args...))
}

// dirLocks are the databases this process has open. SQLite's locks keep
// other processes out, but they are POSIX record locks, which the kernel
// drops when the process closes any descriptor of the file: Open reads the
// files before SQLite locks them, so it must not do that while another
// Store of this process holds them.
var dirLocks = struct {
	sync.Mutex
	open map[string]bool
}{open: map[string]bool{}}

// lockDir claims the database at path for this process, or returns
// ErrInUse. unlock releases the claim.
func lockDir(path string) (unlock func(), err error) {
	key := path
	if real, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		key = filepath.Join(real, filepath.Base(path))
	}
	dirLocks.Lock()
	defer dirLocks.Unlock()
	if dirLocks.open[key] {
		return nil, fmt.Errorf("%w: %s is already open in this process", ErrInUse, path)
	}
	dirLocks.open[key] = true
	return sync.OnceFunc(func() {
		dirLocks.Lock()
		delete(dirLocks.open, key)
		dirLocks.Unlock()
	}), nil
}

// preflight looks at the database file and its write-ahead log before
// SQLite opens them, because SQLite would silently make the most of what it
// finds: it treats a missing or empty database file as a new, empty
// database (and deletes the log of an empty one), and it drops every
// transaction of the log from the first frame it cannot read on. If there
// is no database, preflight creates one (create) or reports os.ErrNotExist.
// It returns the database file, open, which the store keeps until it closes
// (see dirLocks).
func preflight(ctx context.Context, path string, create bool, migs []migration.Migration, pageSize int) (_ *os.File, rep StartupReport, err error) {
	rep.Path = path
	walPath := path + "-wal"
	fi, statErr := os.Stat(path)
	if errors.Is(statErr, os.ErrNotExist) {
		if rep.WAL, err = checkWAL(walPath); err != nil {
			return nil, rep, fmt.Errorf("sqlite: %w", err)
		}
		if rep.WAL.Bytes > walHeaderSize {
			return nil, rep, damagedf(path, "the database file is missing, but its write-ahead log %s (%d bytes, %d commits) is there. "+
				"Starling never writes a log without its database, so the database file was removed or renamed. %s. "+
				"To start with an empty store instead, move the log out of the directory.",
				walPath, rep.WAL.Bytes, rep.WAL.Commits, restoreHint)
		}
		if !create {
			return nil, rep, fmt.Errorf("sqlite: %s: %w", path, os.ErrNotExist)
		}
		if err := createDatabase(ctx, path, migs, pageSize); err != nil {
			return nil, rep, err
		}
		rep.Created = true
		fi, statErr = os.Stat(path)
	}
	if statErr != nil {
		return nil, rep, fmt.Errorf("sqlite: %w", statErr)
	}
	if !fi.Mode().IsRegular() {
		return nil, rep, fmt.Errorf("sqlite: %s is not a regular file", path)
	}
	rep.DatabaseBytes = fi.Size()
	if rep.WAL, err = checkWAL(walPath); err != nil {
		return nil, rep, fmt.Errorf("sqlite: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, rep, fmt.Errorf("sqlite: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	if err := preflightFile(f, path, &rep); err != nil {
		if inUse(f) {
			// Another process has the database open and may be writing the
			// log as it is read: what looks damaged may only be moving.
			return nil, rep, fmt.Errorf("%w: %s", ErrInUse, path)
		}
		return nil, rep, err
	}
	return f, rep, nil
}

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// preflightFile judges the database file f and rep.WAL.
func preflightFile(f *os.File, path string, rep *StartupReport) error {
	walPath := path + "-wal"
	if rep.DatabaseBytes == 0 {
		// Open writes the schema to a new database before it puts the file
		// in place (createDatabase), so an empty file lost its contents.
		// SQLite would take it for a new database and delete its log.
		logNote := ""
		if rep.WAL.Bytes > 0 {
			logNote = fmt.Sprintf(" (its write-ahead log, %d bytes with %d commits, cannot be used without it)", rep.WAL.Bytes, rep.WAL.Commits)
		}
		return damagedf(path, "the database file is empty (0 bytes)%s, but Starling never leaves a database without its schema, so it lost its contents; "+
			"SQLite would start an empty store on it. %s.", logNote, restoreHint)
	}
	var hdr [100]byte
	n, err := f.ReadAt(hdr[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("sqlite: read %s: %w", path, err)
	}
	if n < len(hdr) || !bytes.Equal(hdr[:len(sqliteHeader)], sqliteHeader) {
		return damagedf(path, "the file does not start with an SQLite database header (%d bytes). %s.", rep.DatabaseBytes, restoreHint)
	}
	// Bytes 18 and 19 are 2 in a database in WAL mode, which Starling's
	// always is before it writes a log (the switch is written to the
	// database file itself); a backup is in rollback mode (1). SQLite would
	// apply any log it finds next to the file, so a log beside a database
	// in rollback mode was written for some other database: most likely the
	// one a restored backup replaced.
	if hdr[18] == 1 && rep.WAL.Bytes > walHeaderSize {
		return damagedf(path, "the write-ahead log %s (%d bytes, %d commits) does not belong to this database file, which is in rollback-journal mode, as a backup is: "+
			"it is probably the log of the database that a restored backup replaced, and SQLite would apply it to the backup. "+
			"Move the log (and any %s-shm) out of the directory, then start again.",
			walPath, rep.WAL.Bytes, rep.WAL.Commits, path)
	}
	if rep.WAL.Damage != "" {
		return damagedf(walPath, "the write-ahead log is damaged: %s. %s", rep.WAL.Damage, walRemedy(walPath, rep.WAL))
	}
	return nil
}

// walRemedy tells the operator how to start from a damaged log.
func walRemedy(walPath string, r WALReport) string {
	if r.PageSize == 0 { // the header is bad: SQLite ignores the whole log
		return fmt.Sprintf("%s. Or, to start without the log, losing every write since the last checkpoint, "+
			"keep a copy of the data directory and move the log out of it: mv %s %s.damaged",
			restoreHint, walPath, walPath)
	}
	return fmt.Sprintf("%s. Or, to start with what SQLite can read (the first %d bytes: %d commits) and lose the commits after the damage, "+
		"keep a copy of the data directory and cut the log there: truncate -s %d %s",
		restoreHint, r.UsedBytes, r.Commits, r.UsedBytes, walPath)
}

// createDatabase writes a new database with its schema to a temporary file
// beside path and then gives it the name path, so that a database file, once
// it exists, always holds the schema: a crash during the first Open leaves
// only the temporary file, which the next Open removes. pageSize is the
// database's page size in bytes (0: SQLite's default, 4096); it is fixed
// for good when the database is made.
func createDatabase(ctx context.Context, path string, migs []migration.Migration, pageSize int) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+newSuffix+"*")
	if err != nil {
		return fmt.Errorf("sqlite: create database: %w", err)
	}
	name := tmp.Name()
	_ = tmp.Close()
	defer removeDatabase(name)
	// No journal and no fsync inside SQLite: a failure discards the file,
	// and it is fsynced once, whole, before it gets its name.
	pragmas := []string{"journal_mode(OFF)", "synchronous(OFF)"}
	if pageSize > 0 {
		pragmas = append([]string{fmt.Sprintf("page_size(%d)", pageSize)}, pragmas...)
	}
	db, err := sql.Open("sqlite", dsn(name, pragmas...))
	if err != nil {
		return fmt.Errorf("sqlite: create database: %w", err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: create database: %w", err)
	}
	defer c.Close()
	if err := migrate(ctx, c, migs); err != nil {
		return err
	}
	// Mark the file as a database in WAL mode, as Open's connection would.
	if err := checkPragma(ctx, c, "journal_mode = WAL", "wal"); err != nil {
		return fmt.Errorf("sqlite: create database: %w", err)
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("sqlite: create database: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("sqlite: create database: %w", err)
	}
	if err := syncFile(name); err != nil {
		return fmt.Errorf("sqlite: create database: %w", err)
	}
	// Link, unlike rename, never replaces a database that another process
	// created meanwhile.
	if err := os.Link(name, path); err != nil {
		if _, serr := os.Stat(path); serr == nil {
			return nil // another Starling won the race; Open goes on with its file
		}
		if err := os.Rename(name, path); err != nil { // a file system without hard links
			return fmt.Errorf("sqlite: create database: %w", err)
		}
	}
	syncDir(filepath.Dir(path))
	return nil
}

// Suffixes of the temporary files Open and Backup keep beside the database,
// followed by a random part. Open removes any it finds, left by a crash.
const (
	newSuffix    = ".new-"
	backupSuffix = ".backup-"
)

// removeTemporaries removes the temporary files left beside the database at
// path by an Open or a Backup that did not finish. Only the process that
// holds the database's lock may call it: the files may be another process's
// otherwise.
func removeTemporaries(path string) {
	for _, suffix := range []string{newSuffix, backupSuffix} {
		names, _ := filepath.Glob(globEscape(path+suffix) + "*")
		for _, n := range names {
			_ = os.Remove(n)
		}
	}
}

// globEscape quotes the characters that filepath.Glob treats specially.
func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	if filepath.Separator == '\\' {
		r = strings.NewReplacer(`*`, `[*]`, `?`, `[?]`, `[`, `[[]`)
	}
	return r.Replace(s)
}

// removeDatabase removes the SQLite database at name with its journal and
// log files, if they exist.
func removeDatabase(name string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		_ = os.Remove(name + suffix)
	}
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// quickCheck runs PRAGMA quick_check on c and returns its answer: "ok", or
// the problems found, one per line (at most maxProblems of them).
func quickCheck(ctx context.Context, c *sql.Conn) (string, error) {
	const maxProblems = 20
	rows, err := c.QueryContext(ctx, fmt.Sprintf("PRAGMA quick_check(%d)", maxProblems))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return strings.Join(lines, "\n"), nil
}

// corrupt reports whether err is SQLite's SQLITE_CORRUPT or SQLITE_NOTADB:
// the file is not a sound database.
func corrupt(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return false
	}
	switch coded.Code() & 0xff {
	case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
		return true
	}
	return false
}
