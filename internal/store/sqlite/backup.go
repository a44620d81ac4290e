package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	sqlite "modernc.org/sqlite"
)

// backupPages is how many pages a backup copies while it holds the
// connection: 256 KiB with SQLite's default 4 KiB pages, a few milliseconds
// of work, which is as long as the committer may have to wait to commit the
// next batches. Tests lower it.
var backupPages int32 = 64

// Backup writes a copy of the store's database to w: a complete SQLite
// database file, in rollback-journal mode, which a data directory takes as
// its FileName. The copy is one consistent state of the database: it holds
// every Update acknowledged before Backup was called, and of the Updates
// that commit while it runs, those of the commits up to some point (none of
// them partly). Backup can run while the store serves Updates and Views.
//
// It copies the database into a temporary file beside it with SQLite's
// online backup, a run of backupPages pages at a time between the
// committer's transactions, so Updates wait at most for one run; SQLite
// carries the writes committed meanwhile into the copy. It then checks the
// copy with PRAGMA quick_check, and only then writes it to w, so that
// nothing is written to w if the copy fails. The temporary file is removed
// when Backup returns (or by the next Open, after a crash).
//
// Backup returns ErrClosed if the store is closed, or is closed before the
// copy is complete, and ctx.Err() if ctx ends first.
func (s *Store) Backup(ctx context.Context, w io.Writer) error {
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	name, err := copyDatabase(ctx, s.path, s.w, s)
	if err != nil {
		return err
	}
	defer removeDatabase(name)
	return sendFile(name, w)
}

// BackupDir writes a copy of the database of the store in dir to w, as
// Store.Backup does, for a store that no process has open: it returns
// ErrInUse otherwise (a running Starling makes its copies itself). It
// checks the database as Open does (ErrDamaged), but does not update its
// schema; as a store's Close does, it leaves the write-ahead log
// checkpointed into the database file. There must be a database in dir: it
// returns an error that wraps os.ErrNotExist otherwise.
func BackupDir(ctx context.Context, dir string, w io.Writer, opts Options) (err error) {
	if dir == "" {
		return errors.New("sqlite: empty directory name")
	}
	opts = opts.withDefaults()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	path := filepath.Join(abs, FileName)
	unlock, err := lockDir(path)
	if err != nil {
		return err
	}
	defer unlock()
	f, _, err := preflight(ctx, path, false, nil, 0)
	if err != nil {
		return openError(path, err)
	}
	defer f.Close() // after the connection is closed (see dirLocks)
	db, c, err := openConn(ctx, path, opts)
	if err != nil {
		return openError(path, err)
	}
	name, err := func() (string, error) {
		defer db.Close()
		defer c.close()
		qc, err := quickCheck(ctx, c.c)
		if err != nil {
			return "", openError(path, fmt.Errorf("sqlite: PRAGMA quick_check: %w", err))
		}
		if qc != "ok" {
			return "", damagedf(path, "PRAGMA quick_check found:\n%s\n%s.", qc, restoreHint)
		}
		return copyDatabase(ctx, path, c, nil)
	}()
	if err != nil {
		return err
	}
	defer removeDatabase(name)
	return sendFile(name, w)
}

// copyDatabase copies the database on c into a new temporary file beside
// path, which it returns. If s is not nil, c is s's connection: each run of
// pages holds s.connMu, and s.closeConns ends the copy if it comes first.
func copyDatabase(ctx context.Context, path string, c *conn, s *Store) (_ string, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+backupSuffix+"*")
	if err != nil {
		return "", fmt.Errorf("sqlite: backup: %w", err)
	}
	name := f.Name()
	_ = f.Close()
	defer func() {
		if err != nil {
			removeDatabase(name)
		}
	}()

	hold := func(fn func() error) error { return fn() }
	if s != nil {
		hold = s.holdConn
	}
	// The copy needs no journal and no fsync: a failure discards it.
	dst := dsn(name, "journal_mode(OFF)", "synchronous(OFF)")
	var job *backupJob
	err = hold(func() error {
		return c.c.Raw(func(dc any) error {
			nb, ok := dc.(interface {
				NewBackup(string) (*sqlite.Backup, error)
			})
			if !ok {
				return fmt.Errorf("driver connection %T cannot back up", dc)
			}
			b, err := nb.NewBackup(dst)
			if err != nil {
				return err
			}
			job = &backupJob{b: b}
			if s != nil {
				s.backups[job] = struct{}{}
			}
			return nil
		})
	})
	if err != nil {
		return "", backupError(err)
	}
	// release forgets the job and releases SQLite's backup object, unless
	// closeConns has already.
	release := func() error {
		if s == nil {
			return job.finish()
		}
		s.connMu.Lock()
		defer s.connMu.Unlock()
		delete(s.backups, job)
		return job.finish()
	}
	// The copy keeps no lock on the database between runs: the committer
	// commits batches in between, and SQLite writes the pages they change
	// into the copy as well, since they are written on the connection the
	// copy reads.
	for more := true; more; {
		if err = ctx.Err(); err == nil {
			err = hold(func() error {
				var err error
				more, err = job.b.Step(backupPages)
				return err
			})
		}
		if err != nil {
			_ = release()
			return "", backupError(err)
		}
		if s != nil && s.afterBackupStep != nil {
			s.afterBackupStep()
		}
		runtime.Gosched() // let a waiting committer have the connection
	}
	if err := release(); err != nil {
		return "", backupError(err)
	}
	if err := finishCopy(ctx, name); err != nil {
		return "", err
	}
	return name, nil
}

// backupJob is a copy under way; finished says that its SQLite backup
// object is gone.
type backupJob struct {
	b        *sqlite.Backup
	finished bool
}

// finish releases the SQLite backup object and closes the copy's
// connection, once.
func (j *backupJob) finish() error {
	if j.finished {
		return nil
	}
	j.finished = true
	return j.b.Finish()
}

// holdConn runs fn with the store's connection to itself (connMu), or
// returns ErrClosed once closeConns has run.
func (s *Store) holdConn(fn func() error) error {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.connClosed {
		return ErrClosed
	}
	return fn()
}

func backupError(err error) error {
	if errors.Is(err, ErrClosed) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("sqlite: backup: %w", err)
}

// finishCopy puts the copy at name in rollback-journal mode, so that it is
// one self-contained file (the pages were copied with the header of a
// database in WAL mode), and checks it with PRAGMA quick_check.
func finishCopy(ctx context.Context, name string) error {
	db, err := sql.Open("sqlite", dsn(name, "locking_mode(EXCLUSIVE)", "journal_mode(DELETE)", "synchronous(OFF)"))
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer c.Close()
	if err := checkPragma(ctx, c, "journal_mode", "delete"); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	qc, err := quickCheck(ctx, c)
	if err != nil {
		return fmt.Errorf("sqlite: backup: PRAGMA quick_check of the copy: %w", err)
	}
	if qc != "ok" {
		return fmt.Errorf("sqlite: backup: PRAGMA quick_check of the copy found:\n%s", qc)
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return nil
}

// sendFile writes the file at name to w.
func sendFile(name string, w io.Writer) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("sqlite: backup: write the copy: %w", err)
	}
	return nil
}

// BackupInfo describes a backup that CheckBackup found sound.
type BackupInfo struct {
	// SchemaVersion is the version of the database's schema, which
	// Open brings up to date.
	SchemaVersion int
	// Records is the number of records it holds.
	Records int
}

// CheckBackup checks that the file at path is a sound copy of a store's
// database, as Backup writes: SQLite can open it on its own (without a log),
// PRAGMA quick_check says ok, and it has the store's records table. It does
// not change the file.
func CheckBackup(ctx context.Context, path string) (BackupInfo, error) {
	version, records, err := checkCopy(ctx, path, "records", "a Starling database")
	return BackupInfo{SchemaVersion: version, Records: records}, err
}

// checkCopy checks that the file at path is a sound SQLite database on its
// own (without a log), that PRAGMA quick_check says ok, and that it has
// table, the sign of what (for the error). It returns the schema version
// and the number of rows of table, and does not change the file.
func checkCopy(ctx context.Context, path, table, what string) (version, rows int, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: %w", err)
	}
	if fi.Size() == 0 {
		return 0, 0, fmt.Errorf("sqlite: %s is empty", path)
	}
	// immutable: read the file as it is, without locks, journal or log.
	db, err := sql.Open("sqlite", dsn(path)+"&mode=ro&immutable=1")
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	defer c.Close()
	qc, err := quickCheck(ctx, c)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: %s: PRAGMA quick_check: %w", path, err)
	}
	if qc != "ok" {
		return 0, 0, fmt.Errorf("sqlite: %s: PRAGMA quick_check found:\n%s", path, qc)
	}
	if err := c.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, 0, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	// table is one of this package's constants, never input.
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&rows); err != nil {
		return 0, 0, fmt.Errorf("sqlite: %s is not %s: %w", path, what, err)
	}
	return version, rows, nil
}
