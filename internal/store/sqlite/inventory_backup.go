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

// Backup writes a copy of the inventory's database to w: a complete SQLite
// database file, in rollback-journal mode, which a data directory takes as
// its InventoryFileName. The copy is one consistent state of the database:
// it holds every Write acknowledged before Backup was called, and of the
// Writes that commit while it runs, those up to some point (none of them
// partly). Backup can run while the inventory serves Writes and reads.
//
// It copies the database with SQLite's online backup, backupPages pages at
// a time, into a temporary file beside it, from one of the reader
// connections, which holds a read transaction for the whole copy: in WAL
// mode a reader never blocks the writer, so Writes go on while the copy is
// made (the log grows meanwhile, since it cannot be checkpointed past the
// copy's snapshot), and the copy is of that one snapshot, never restarted
// by the commits that come in between. It then checks the copy with PRAGMA
// quick_check, and only then writes it to w, so that nothing is written to
// w if the copy fails. The temporary file is removed when Backup returns
// (or by the next OpenInventory, after a crash).
//
// Backup returns ErrClosed if the inventory is closed, or is closed before
// the copy is complete (Close waits for the copy to stop), and ctx.Err() if
// ctx ends first.
func (s *Inventory) Backup(ctx context.Context, w io.Writer) error {
	name, err := s.copyDatabase(ctx)
	if err != nil {
		return err
	}
	defer removeDatabase(name)
	return sendFile(name, w)
}

// copyDatabase copies the database into a new temporary file beside it,
// which it returns. It holds bmu for reading, so that Close waits for it.
func (s *Inventory) copyDatabase(ctx context.Context) (string, error) {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	if err := s.checkOpen(); err != nil {
		return "", err
	}
	c, err := s.rdb.Conn(ctx)
	if err != nil {
		if s.checkOpen() != nil {
			return "", ErrClosed
		}
		return "", backupError(err)
	}
	defer c.Close()
	return copyConn(ctx, s.path, c, s.checkOpen, s.afterBackupStep)
}

// copyConn copies the database on c, which is a connection to the database
// at path in WAL mode, into a new temporary file beside path, which it
// returns. A read transaction on c covers the whole copy, so that it is one
// snapshot. Between runs of pages it returns the error of stop, if any; it
// calls after, if not nil, after each run.
func copyConn(ctx context.Context, path string, c *sql.Conn, stop func() error, after func()) (_ string, err error) {
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

	// The read transaction: SQLite's backup uses the one open on the source
	// connection rather than one of its own per step.
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		return "", backupError(err)
	}
	defer func() {
		if _, rerr := c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil && err == nil {
			err = backupError(rerr)
		}
	}()
	var n int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return "", backupError(err)
	}

	// The copy needs no journal and no fsync: a failure discards it.
	dst := dsn(name, "journal_mode(OFF)", "synchronous(OFF)")
	var b *sqlite.Backup
	err = c.Raw(func(dc any) error {
		nb, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("driver connection %T cannot back up", dc)
		}
		var err error
		b, err = nb.NewBackup(dst)
		return err
	})
	if err != nil {
		return "", backupError(err)
	}
	job := &backupJob{b: b}
	for more := true; more; {
		if err = ctx.Err(); err == nil {
			err = stop()
		}
		if err == nil {
			more, err = job.b.Step(backupPages)
		}
		if err != nil {
			_ = job.finish()
			return "", backupError(err)
		}
		if after != nil {
			after()
		}
		runtime.Gosched()
	}
	if err := job.finish(); err != nil {
		return "", backupError(err)
	}
	if err := finishCopy(ctx, name); err != nil {
		return "", err
	}
	return name, nil
}

// BackupInventoryDir writes a copy of the inventory database in dir to w,
// as Inventory.Backup does, for an inventory that no process has open: it
// returns ErrInUse otherwise (a running Starling makes its copies itself).
// It checks the database as OpenInventory does (ErrDamaged) and with PRAGMA
// quick_check, but does not update its schema; as Close does, it leaves the
// write-ahead log checkpointed into the database file. There must be an
// inventory database in dir: it returns an error that wraps os.ErrNotExist
// otherwise.
func BackupInventoryDir(ctx context.Context, dir string, w io.Writer, opts Options) error {
	if dir == "" {
		return errors.New("sqlite: empty directory name")
	}
	opts = opts.withDefaults()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	path := filepath.Join(abs, InventoryFileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	unlock, err := lockDir(path)
	if err != nil {
		return err
	}
	defer unlock()
	release, err := flockFile(filepath.Join(abs, inventoryLockName))
	if err != nil {
		return err
	}
	defer release()
	f, _, err := preflight(ctx, path, false, nil, 0)
	if err != nil {
		return openError(path, err)
	}
	defer f.Close() // after the connection is closed (see dirLocks)
	name, err := func() (string, error) {
		busy := fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds())
		db, err := sql.Open("sqlite", dsn(path, busy, "journal_mode(WAL)"))
		if err != nil {
			return "", openError(path, err)
		}
		defer db.Close()
		c, err := db.Conn(ctx)
		if err != nil {
			return "", openError(path, err)
		}
		defer c.Close()
		if err := checkPragma(ctx, c, "journal_mode", "wal"); err != nil {
			return "", openError(path, err)
		}
		qc, err := quickCheck(ctx, c)
		if err != nil {
			return "", openError(path, fmt.Errorf("sqlite: PRAGMA quick_check: %w", err))
		}
		if qc != "ok" {
			return "", damagedf(path, "PRAGMA quick_check found:\n%s\n%s.", qc, restoreHint)
		}
		return copyConn(ctx, path, c, func() error { return nil }, nil)
	}()
	if err != nil {
		return err
	}
	defer removeDatabase(name)
	return sendFile(name, w)
}

// InventoryBackupInfo describes an inventory backup that
// CheckInventoryBackup found sound.
type InventoryBackupInfo struct {
	// SchemaVersion is the version of the database's schema, which
	// OpenInventory brings up to date.
	SchemaVersion int
	// Resources is the number of resources it holds configuration items
	// of, deleted ones included.
	Resources int
}

// CheckInventoryBackup checks that the file at path is a sound copy of an
// inventory's database, as Inventory.Backup writes: SQLite can open it on
// its own (without a log), PRAGMA quick_check says ok, and it has the
// inventory's resources table. It does not change the file.
func CheckInventoryBackup(ctx context.Context, path string) (InventoryBackupInfo, error) {
	version, resources, err := checkCopy(ctx, path, "resources", "a Starling inventory database")
	return InventoryBackupInfo{SchemaVersion: version, Resources: resources}, err
}
