package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store"
)

// restoreTo writes a backup into a new data directory and opens it.
func restoreTo(t *testing.T, backup []byte) *Store {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), backup, 0o600); err != nil {
		t.Fatal(err)
	}
	return openT(t, dir, Options{})
}

// noTemporaries fails if a backup left a temporary file in dir.
func noTemporaries(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, FileName+backupSuffix+"*"))
	for _, n := range left {
		t.Errorf("left behind: %s", n)
	}
}

// smallRuns makes Backup copy one page at a time, so that commits land
// between its runs.
func smallRuns(t *testing.T) {
	old := backupPages
	backupPages = 1
	t.Cleanup(func() { backupPages = old })
}

// TestBackupUnderWrites backs up a store while goroutines commit Updates,
// each of which writes an item and its goroutine's counter together. The
// copy must hold every Update acknowledged before Backup was called, and
// be one consistent state: for each goroutine, the items up to its counter
// and none after.
func TestBackupUnderWrites(t *testing.T) {
	smallRuns(t)
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	defer s.Close()
	fill(t, s, "base", 200, 1000)

	const writers = 4
	var acked [writers]atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := s.Update(context.Background(), func(tx store.Tx) error {
					if err := tx.Put(tn, kind, fmt.Sprintf("w%d-%06d", g, i), []byte("item")); err != nil {
						return err
					}
					return tx.Put(tn, kind, fmt.Sprintf("counter-%d", g), []byte(strconv.Itoa(i)))
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
				acked[g].Store(int64(i + 1))
			}
		})
	}
	for g := range writers {
		waitFor(t, "acknowledged Updates", 5, func() int { return int(acked[g].Load()) })
	}
	// A commit between two runs of the copy, sure to happen: SQLite must
	// carry it into the copy.
	steps := 0
	s.afterBackupStep = func() {
		if steps++; steps == 3 {
			if err := s.Update(t.Context(), put("during", "x")); err != nil {
				t.Errorf("Update during Backup: %v", err)
			}
		}
	}
	var before [writers]int64
	for g := range writers {
		before[g] = acked[g].Load()
	}
	var backup bytes.Buffer
	err := s.Backup(t.Context(), &backup)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: got %v, want nil", err)
	}
	if steps < 3 {
		t.Fatalf("Backup copied in %d runs, want several", steps)
	}
	noTemporaries(t, dir)
	if got := backup.Bytes()[18]; got != 1 {
		t.Errorf("backup header: file format %d, want 1 (rollback journal)", got)
	}

	r := restoreTo(t, backup.Bytes())
	defer r.Close()
	if r.Startup().QuickCheck != "ok" {
		t.Errorf("restored backup: quick_check %q", r.Startup().QuickCheck)
	}
	err = r.View(t.Context(), func(tx store.Tx) error {
		for i := range 200 {
			id := fmt.Sprintf("base%03d", i)
			if doc, err := tx.Get(tn, kind, id); err != nil || string(doc) != docOf(id, 1000) {
				t.Errorf("%s: got %d bytes, %v; want the document", id, len(doc), err)
			}
		}
		if _, err := tx.Get(tn, kind, "during"); err != nil {
			t.Errorf("the write committed during Backup: %v", err)
		}
		for g := range writers {
			doc, err := tx.Get(tn, kind, fmt.Sprintf("counter-%d", g))
			if err != nil {
				return err
			}
			last, _ := strconv.Atoi(string(doc))
			if int64(last+1) < before[g] {
				t.Errorf("writer %d: the backup ends at Update %d, but %d were acknowledged before Backup", g, last, before[g])
			}
			items, err := tx.List(tn, kind, fmt.Sprintf("w%d-", g), 0)
			if err != nil {
				return err
			}
			n := 0
			for _, it := range items {
				if len(it.ID) > 3 && it.ID[:3] == fmt.Sprintf("w%d-", g) {
					n++
				}
			}
			if n != last+1 {
				t.Errorf("writer %d: %d items, want %d (items and counter from one consistent state)", g, n, last+1)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(file, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := CheckBackup(t.Context(), file)
	if err != nil || info.Records != len(ids(t, r)) || info.SchemaVersion == 0 {
		t.Errorf("CheckBackup: got %+v, %v; want records, a schema version and nil", info, err)
	}
}

// TestBackupWhileClosing closes the store between two runs of a copy: the
// copy must end with ErrClosed, Close must not wait for it, and nothing may
// be left behind.
func TestBackupWhileClosing(t *testing.T) {
	smallRuns(t)
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	fill(t, s, "k", 50, 1000)
	var closeErr error
	closed := false
	s.afterBackupStep = func() {
		if !closed {
			closed, closeErr = true, s.Close()
		}
	}
	if err := s.Backup(t.Context(), &bytes.Buffer{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Backup: got %v, want ErrClosed", err)
	}
	if closeErr != nil {
		t.Errorf("Close: got %v, want nil", closeErr)
	}
	noTemporaries(t, dir)
	if err := s.Backup(t.Context(), &bytes.Buffer{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Backup after Close: got %v, want ErrClosed", err)
	}
	s = openT(t, dir, Options{})
	defer s.Close()
	if got := len(ids(t, s)); got != 50 {
		t.Errorf("records after reopening: got %d, want 50", got)
	}
}

// TestBackupCanceled cancels a copy between two runs, and then fails one
// on its writer: neither may leave anything behind or disturb the store.
func TestBackupCanceled(t *testing.T) {
	smallRuns(t)
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	defer s.Close()
	fill(t, s, "k", 20, 1000)
	ctx, cancel := context.WithCancel(t.Context())
	s.afterBackupStep = cancel
	var out bytes.Buffer
	if err := s.Backup(ctx, &out); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled Backup: got %v, want context.Canceled", err)
	}
	if out.Len() != 0 {
		t.Errorf("canceled Backup wrote %d bytes, want none", out.Len())
	}
	noTemporaries(t, dir)
	s.afterBackupStep = nil

	errWrite := errors.New("disk full")
	if err := s.Backup(t.Context(), failingWriter{errWrite}); !errors.Is(err, errWrite) {
		t.Errorf("Backup to a failing writer: got %v, want %v", err, errWrite)
	}
	noTemporaries(t, dir)

	if err := s.Update(t.Context(), put("after", "x")); err != nil {
		t.Fatalf("Update after the failed backups: %v", err)
	}
	out.Reset()
	if err := s.Backup(t.Context(), &out); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	r := restoreTo(t, out.Bytes())
	defer r.Close()
	if got := len(ids(t, r)); got != 21 {
		t.Errorf("records in the backup: got %d, want 21", got)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestBackupDir(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	fill(t, s, "k", 30, 500)
	snap := snapshot(t, s) // as a kill would leave it: the records are in the log

	// While the store is open, it is the store's to copy.
	if err := BackupDir(t.Context(), dir, &bytes.Buffer{}, Options{}); !errors.Is(err, ErrInUse) {
		t.Errorf("BackupDir of an open store: got %v, want ErrInUse", err)
	}
	s.Close()

	for name, d := range map[string]string{"closed": dir, "killed": snap} {
		var out bytes.Buffer
		if err := BackupDir(t.Context(), d, &out, Options{}); err != nil {
			t.Fatalf("BackupDir(%s): %v", name, err)
		}
		noTemporaries(t, d)
		r := restoreTo(t, out.Bytes())
		if got := len(ids(t, r)); got != 30 {
			t.Errorf("records in the backup of the %s store: got %d, want 30", name, got)
		}
		r.Close()
	}

	missing := filepath.Join(t.TempDir(), "none")
	if err := BackupDir(t.Context(), missing, &bytes.Buffer{}, Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("BackupDir of a missing directory: got %v, want os.ErrNotExist", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("BackupDir created %s", missing)
	}

	if err := os.Truncate(filepath.Join(dir, FileName), 0); err != nil {
		t.Fatal(err)
	}
	if err := BackupDir(t.Context(), dir, &bytes.Buffer{}, Options{}); !errors.Is(err, ErrDamaged) {
		t.Errorf("BackupDir of a damaged store: got %v, want ErrDamaged", err)
	}
}

func TestCheckBackup(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"empty":   nil,
		"garbage": bytes.Repeat([]byte("not a database "), 1000),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := CheckBackup(t.Context(), p); err == nil {
			t.Errorf("CheckBackup(%s): got nil, want an error", name)
		}
	}
	if _, err := CheckBackup(t.Context(), filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CheckBackup(missing): got %v, want os.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CheckBackup created the missing file")
	}
}

// TestInventoryBackup backs up an inventory while Writes commit between the
// runs of pages (which they must, without waiting for the copy), restores
// the copy and reads the configuration items back.
func TestInventoryBackup(t *testing.T) {
	smallRuns(t)
	dir := t.TempDir()
	s := openInv(t, dir, InventoryOptions{Sync: SyncNormal})
	defer s.Close()
	const before = 300
	var batch []inventory.Item
	for i := range before {
		batch = append(batch, invItem(fmt.Sprintf("b%04d", i), 1))
	}
	if _, err := s.Write(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	during := 0
	s.afterBackupStep = func() {
		during++
		if _, err := s.Write(t.Context(), []inventory.Item{invItem(fmt.Sprintf("d%04d", during), 1), invItem("b0000", int64(during+1))}); err != nil {
			t.Errorf("Write during the backup: %v", err)
		}
	}
	var out bytes.Buffer
	if err := s.Backup(t.Context(), &out); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	s.afterBackupStep = nil
	if during < 2 {
		t.Errorf("the copy took %d runs; want several", during)
	}
	left, _ := filepath.Glob(filepath.Join(dir, InventoryFileName+backupSuffix+"*"))
	if len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}

	file := filepath.Join(t.TempDir(), "inv.db")
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := CheckInventoryBackup(t.Context(), file)
	if err != nil {
		t.Fatalf("CheckInventoryBackup: %v", err)
	}
	if info.SchemaVersion < 1 || info.Resources < before || info.Resources > before+during {
		t.Errorf("CheckInventoryBackup: got %+v, want schema ≥ 1 and %d to %d resources", info, before, before+during)
	}
	rdir := t.TempDir()
	if err := os.Rename(file, filepath.Join(rdir, InventoryFileName)); err != nil {
		t.Fatal(err)
	}
	r := openInv(t, rdir, InventoryOptions{})
	defer r.Close()
	for _, id := range []string{"b0000", "b0150", fmt.Sprintf("b%04d", before-1)} {
		it, err := r.Get(t.Context(), invItem(id, 0).Key)
		if err != nil {
			t.Errorf("Get(%s) from the restored copy: %v", id, err)
			continue
		}
		if it.ResourceID != id {
			t.Errorf("Get(%s): got %s", id, it.ResourceID)
		}
	}
	// One snapshot: as many new resources as b0000 has later versions.
	it, err := r.Get(t.Context(), invItem("b0000", 0).Key)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int(it.StateID-1), info.Resources-before; got != want {
		t.Errorf("the copy is not one snapshot: b0000 at state %d, but %d resources written with its later states", it.StateID, want)
	}

	// Closed, closing and canceled.
	ctx, cancel := context.WithCancel(t.Context())
	s.afterBackupStep = cancel
	if err := s.Backup(ctx, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Backup canceled: got %v, want context.Canceled", err)
	}
	s.afterBackupStep = func() {
		s.afterBackupStep = nil
		go s.Close()
	}
	if err := s.Backup(t.Context(), &bytes.Buffer{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Backup while closing: got %v, want ErrClosed", err)
	}
	if err := s.Backup(t.Context(), &bytes.Buffer{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Backup after Close: got %v, want ErrClosed", err)
	}
	left, _ = filepath.Glob(filepath.Join(dir, InventoryFileName+backupSuffix+"*"))
	if len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestBackupInventoryDir(t *testing.T) {
	dir := t.TempDir()
	s := openInv(t, dir, InventoryOptions{Sync: SyncNormal})
	if _, err := s.Write(t.Context(), []inventory.Item{invItem("a", 1), invItem("b", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := BackupInventoryDir(t.Context(), dir, &bytes.Buffer{}, Options{BusyTimeout: 100 * time.Millisecond}); !errors.Is(err, ErrInUse) {
		t.Errorf("BackupInventoryDir of an open inventory: got %v, want ErrInUse", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := BackupInventoryDir(t.Context(), dir, &out, Options{}); err != nil {
		t.Fatalf("BackupInventoryDir: %v", err)
	}
	file := filepath.Join(t.TempDir(), InventoryFileName)
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if info, err := CheckInventoryBackup(t.Context(), file); err != nil || info.Resources != 2 {
		t.Errorf("CheckInventoryBackup: got %+v, %v; want 2 resources", info, err)
	}
	if _, err := CheckBackup(t.Context(), file); err == nil {
		t.Errorf("CheckBackup of an inventory: got nil, want an error")
	}
	if err := BackupInventoryDir(t.Context(), t.TempDir(), &bytes.Buffer{}, Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("BackupInventoryDir of a directory without an inventory: got %v, want os.ErrNotExist", err)
	}
}
