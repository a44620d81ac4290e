package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/storetest"
)

var (
	tn   = store.Namespace{Owner: "111111111111", Region: "us-east-1"}
	kind = store.Kind("Thing")
)

func openT(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("Open: got %v, want nil", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetestRun(t, Options{})
}

func storetestRun(t *testing.T, opts Options) {
	storetest.Run(t, func(t *testing.T) store.Store { return openT(t, t.TempDir(), opts) })
}

func TestConformanceTinyBatches(t *testing.T) {
	// One Update per transaction: the suite must not depend on grouping.
	storetest.Run(t, func(t *testing.T) store.Store {
		return openT(t, t.TempDir(), Options{MaxBatch: 1})
	})
}

func put(id, doc string) func(store.Tx) error {
	return func(tx store.Tx) error { return tx.Put(tn, kind, id, []byte(doc)) }
}

func mustGet(t *testing.T, s *Store, id string) string {
	t.Helper()
	var doc []byte
	err := s.View(t.Context(), func(tx store.Tx) (err error) {
		doc, err = tx.Get(tn, kind, id)
		return err
	})
	if err != nil {
		t.Fatalf("Get(%q): got %v, want nil", id, err)
	}
	return string(doc)
}

func TestOpenCreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := openT(t, dir, Options{})
	defer s.Close()
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Errorf("database file: got %v, want it to exist", err)
	}
	var mode string
	if err := s.w.c.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode: got %q, %v; want wal, nil", mode, err)
	}
}

func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"", file} {
		if s, err := Open(t.Context(), dir, Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q): got nil error, want one", dir)
		}
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	for i := range 10 {
		if err := s.Update(t.Context(), put("k"+strconv.Itoa(i), "v"+strconv.Itoa(i))); err != nil {
			t.Fatalf("Update: got %v, want nil", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	s = openT(t, dir, Options{})
	defer s.Close()
	for i := range 10 {
		if got, want := mustGet(t, s, "k"+strconv.Itoa(i)), "v"+strconv.Itoa(i); got != want {
			t.Errorf("after reopen, Get: got %q, want %q", got, want)
		}
	}
}

func TestCallsAfterClose(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	ctx := t.Context()
	noop := func(store.Tx) error { return nil }
	for name, err := range map[string]error{
		"Update": s.Update(ctx, noop),
		"View":   s.View(ctx, noop),
		"Reset":  s.Reset(ctx),
		"Close":  s.Close(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: got %v, want ErrClosed", name, err)
		}
	}
}

func TestTxAfterCallback(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	var kept []store.Tx
	keep := func(tx store.Tx) error { kept = append(kept, tx); return nil }
	if err := s.Update(t.Context(), keep); err != nil {
		t.Fatal(err)
	}
	if err := s.View(t.Context(), keep); err != nil {
		t.Fatal(err)
	}
	for _, tx := range kept {
		if _, err := tx.Get(tn, kind, "a"); !errors.Is(err, errTxDone) {
			t.Errorf("Get on a Tx kept after its callback: got %v, want errTxDone", err)
		}
		if err := tx.Put(tn, kind, "a", nil); err == nil {
			t.Errorf("Put on a Tx kept after its callback: got nil, want an error")
		}
	}
}

func TestViewWriteErrorIsErrReadOnly(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	err := s.View(t.Context(), func(tx store.Tx) error { return tx.Put(tn, kind, "a", nil) })
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("Put in View: got %v, want ErrReadOnly", err)
	}
}

// blockWriter starts an Update whose fn holds the writer until release is
// called, and returns once fn is running. wait returns the Update's error.
func blockWriter(t *testing.T, s *Store) (release func(), wait func() error) {
	t.Helper()
	running, unblock := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx store.Tx) error {
			close(running)
			<-unblock
			return tx.Put(tn, kind, "blocker", []byte("x"))
		})
	}()
	<-running
	return sync.OnceFunc(func() { close(unblock) }), func() error { return <-done }
}

// waitFor waits until get() reaches want, spinning on the condition rather
// than sleeping for a guessed time; what names the count in the failure.
func waitFor(t *testing.T, what string, want int, get func() int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := get()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %d, want %d", what, got, want)
		}
		runtime.Gosched()
	}
}

// waitQueued waits until n Updates are queued behind the writer. The writer
// is blocked (blockWriter), so the queue only grows.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	waitFor(t, "queued Updates", n, func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.pending)
	})
}

// holdCommitter starts an Update and holds the committer in its fsync until
// release is called (SyncFull stores only). Meanwhile the writer runs the
// fns of later Updates into batches that wait for the committer, so they are
// sure to share transactions. wait returns the held Update's error.
func holdCommitter(t *testing.T, s *Store) (release func(), wait func() error) {
	t.Helper()
	inFlush, unblock := make(chan struct{}), make(chan struct{})
	s.commit.mu.Lock() // the committer reads flush only after taking mu
	s.commit.flush = func() error {
		select {
		case <-inFlush:
		default:
			close(inFlush)
			<-unblock
		}
		return nil
	}
	s.commit.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- s.Update(context.Background(), put("held", "x")) }()
	<-inFlush
	return sync.OnceFunc(func() { close(unblock) }), func() error { return <-done }
}

// waitCount waits until *n reaches want.
func waitCount(t *testing.T, n *atomic.Int64, want int64) {
	t.Helper()
	waitFor(t, "fns run", int(want), func() int { return int(n.Load()) })
}

// TestGroupCommit runs Updates while the committer is held, so they are sure
// to share transactions, and checks the grouping and the per-Update
// outcomes: failures and panics undo their own writes only.
func TestGroupCommit(t *testing.T) {
	for _, tt := range []struct {
		maxBatch, n int
	}{
		{256, 40}, {8, 40}, {7, 40},
		// One Update a batch: only the two whose fns succeed write anything,
		// and a batch that writes nothing commits nothing.
		{1, 5},
	} {
		t.Run(fmt.Sprintf("MaxBatch=%d/n=%d", tt.maxBatch, tt.n), func(t *testing.T) {
			s := openT(t, t.TempDir(), Options{MaxBatch: tt.maxBatch})
			defer s.Close()
			before := s.Stats()
			release, wait := holdCommitter(t, s)
			var ran atomic.Int64

			errBoom := errors.New("boom")
			results := make([]error, tt.n)
			panics := make([]any, tt.n)
			var wg sync.WaitGroup
			for i := range tt.n {
				wg.Go(func() {
					defer func() { panics[i] = recover() }()
					results[i] = s.Update(t.Context(), func(tx store.Tx) error {
						ran.Add(1)
						doc, err := tx.Get(tn, kind, "sum")
						if err != nil && !errors.Is(err, store.ErrNotFound) {
							return err
						}
						sum, _ := strconv.Atoi(string(doc))
						if err := tx.Put(tn, kind, "sum", []byte(strconv.Itoa(sum+i))); err != nil {
							return err
						}
						switch i % 3 {
						case 1:
							return errBoom
						case 2:
							panic(i)
						}
						return nil
					})
				})
			}
			waitCount(t, &ran, int64(tt.n))
			release()
			if err := wait(); err != nil {
				t.Fatalf("held Update: got %v, want nil", err)
			}
			wg.Wait()

			want := 0
			for i := range tt.n {
				switch i % 3 {
				case 0:
					want += i
					if results[i] != nil || panics[i] != nil {
						t.Errorf("Update %d: got %v, panic %v; want nil", i, results[i], panics[i])
					}
				case 1:
					if !errors.Is(results[i], errBoom) {
						t.Errorf("Update %d: got %v, want %v", i, results[i], errBoom)
					}
				case 2:
					if panics[i] != i {
						t.Errorf("Update %d: got panic %v, want %d", i, panics[i], i)
					}
				}
			}
			if got := mustGet(t, s, "sum"); got != strconv.Itoa(want) {
				t.Errorf("sum: got %s, want %d", got, want)
			}
			// A panicking caller unwinds before its batch commits; one more
			// Update, necessarily in a later batch, waits that commit out.
			if err := s.Update(t.Context(), put("barrier", "x")); err != nil {
				t.Fatal(err)
			}
			// The fns join batches in the order their goroutines arrive, not
			// in index order, and a batch of only failed fns writes nothing
			// and commits nothing. So the batches commit at least as often as
			// the succeeding fns fill full batches, and at most once per
			// batch of n (never more often than fns succeed).
			succeeded := (tt.n + 2) / 3
			least := (succeeded + tt.maxBatch - 1) / tt.maxBatch
			most := min((tt.n+tt.maxBatch-1)/tt.maxBatch, succeeded)
			st := s.Stats()
			if got := int(st.Commits-before.Commits) - 2; got < least || got > most {
				t.Errorf("commits besides the held one's and the barrier's: got %d, want %d to %d", got, least, most)
			}
			if got, want := st.Updates-before.Updates, int64((tt.n+2)/3)+2; got != want {
				t.Errorf("committed Updates: got %d, want %d", got, want)
			}
		})
	}
}

// TestFailedWrite makes SQLite refuse one write of a batch (a trigger stands
// in for an I/O error): every caller whose fn ran in the batch must get an
// error, none of the batch's writes may be kept, in memory or on disk, and the
// store must go on working.
func TestFailedWrite(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	defer s.Close()
	_, err := s.w.c.ExecContext(t.Context(),
		`CREATE TEMP TRIGGER refuse BEFORE INSERT ON records WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END`)
	if err != nil {
		t.Fatal(err)
	}
	release, wait := holdCommitter(t, s)
	ids := []string{"a", "boom", "c"}
	errs := make([]chan error, len(ids))
	var ran atomic.Int64
	for i, id := range ids {
		errs[i] = make(chan error, 1)
		go func() {
			errs[i] <- s.Update(t.Context(), func(tx store.Tx) error {
				ran.Add(1)
				return tx.Put(tn, kind, id, []byte("1"))
			})
		}()
	}
	waitCount(t, &ran, int64(len(ids)))
	release()
	if err := wait(); err != nil {
		t.Fatalf("held Update: got %v, want nil", err)
	}
	for i, id := range ids {
		if err := <-errs[i]; err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("Update of %q: got %v, want the batch's failure", id, err)
		}
	}
	lost := func(s *Store) {
		t.Helper()
		for _, id := range ids {
			err := s.View(t.Context(), func(tx store.Tx) error {
				_, err := tx.Get(tn, kind, id)
				return err
			})
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get(%q) of a failed batch's write: got %v, want ErrNotFound", id, err)
			}
		}
	}
	lost(s)
	if err := s.Update(t.Context(), put("d", "4")); err != nil {
		t.Fatalf("later Update: got %v, want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, Options{})
	defer s.Close()
	lost(s)
	if got := mustGet(t, s, "d"); got != "4" {
		t.Errorf("Get of the later write after reopening: got %q, want %q", got, "4")
	}
}

func TestCancelWhileQueued(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	release, wait := blockWriter(t, s)
	defer release()

	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx store.Tx) error {
			ran <- struct{}{}
			return tx.Put(tn, kind, "cancelled", nil)
		})
	}()
	waitQueued(t, s, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Update cancelled while queued: got %v, want context.Canceled", err)
	}
	release()
	if err := wait(); err != nil {
		t.Fatalf("blocking Update: got %v, want nil", err)
	}
	// A later Update runs after the withdrawn one would have: if that one's fn
	// were going to run, it has run by now.
	if err := s.Update(t.Context(), put("later", "y")); err != nil {
		t.Fatalf("later Update: got %v, want nil", err)
	}
	select {
	case <-ran:
		t.Errorf("fn of the cancelled Update ran, want not")
	default:
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Get(tn, kind, "cancelled")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of the cancelled write: got %v, want ErrNotFound", err)
	}
}

// TestCancelWhileRunning checks that once fn runs, Update reports what
// really happened rather than ctx.Err().
func TestCancelWhileRunning(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()

	ctx, cancel := context.WithCancel(t.Context())
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(tn, kind, "a", []byte("1")); err != nil {
			return err
		}
		cancel()
		return nil // fn ignores the cancellation: its writes commit
	})
	if err != nil {
		t.Errorf("Update whose fn ignored a cancel: got %v, want nil", err)
	}
	if got := mustGet(t, s, "a"); got != "1" {
		t.Errorf("Get: got %q, want %q", got, "1")
	}

	ctx, cancel = context.WithCancel(t.Context())
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(tn, kind, "a", []byte("2")); err != nil {
			return err
		}
		cancel()
		return tx.Put(tn, kind, "b", []byte("2")) // fails: ctx is done
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update cancelled inside fn: got %v, want context.Canceled", err)
	}
	if got := mustGet(t, s, "a"); got != "1" {
		t.Errorf("Get after the cancelled Update: got %q, want %q", got, "1")
	}
}

func TestGoexitInFn(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Update(t.Context(), func(tx store.Tx) error {
			_ = tx.Put(tn, kind, "goexit", nil)
			runtime.Goexit()
			return nil
		})
	}()
	<-done
	if err := s.Update(t.Context(), put("after", "y")); err != nil {
		t.Fatalf("Update after a Goexit: got %v, want nil", err)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Get(tn, kind, "goexit")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of the Goexit's write: got %v, want ErrNotFound", err)
	}
}

// TestGoexitMidBatch calls runtime.Goexit from the first fn of a batch: the
// fns queued behind it in the same batch must still run and commit.
func TestGoexitMidBatch(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	release, wait := blockWriter(t, s)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_ = s.Update(t.Context(), func(tx store.Tx) error {
			_ = tx.Put(tn, kind, "goexit", nil)
			runtime.Goexit()
			return nil
		})
	}()
	waitQueued(t, s, 1)
	errs := make(chan error, 2)
	for i, id := range []string{"b", "c"} {
		go func() { errs <- s.Update(t.Context(), put(id, "1")) }()
		waitQueued(t, s, i+2)
	}
	release()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	<-exited
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Update queued behind a Goexit: got %v, want nil", err)
		}
	}
	for _, id := range []string{"b", "c"} {
		if got := mustGet(t, s, id); got != "1" {
			t.Errorf("Get(%q): got %q, want %q", id, got, "1")
		}
	}
}

// TestCloseDrainsQueue checks that Close answers, and commits, the Updates
// queued before it, and refuses new ones at once.
func TestCloseDrainsQueue(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	release, wait := blockWriter(t, s)
	const n = 10
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.Update(context.Background(), put("q"+strconv.Itoa(i), "v")) }()
	}
	waitQueued(t, s, n)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Close marks the store closed before it waits for the writer.
	for {
		s.mu.Lock()
		c := s.closed
		s.mu.Unlock()
		if c {
			break
		}
		runtime.Gosched()
	}
	if err := s.Update(t.Context(), put("late", "v")); !errors.Is(err, ErrClosed) {
		t.Errorf("Update during Close: got %v, want ErrClosed", err)
	}
	release()
	if err := wait(); err != nil {
		t.Errorf("blocking Update: got %v, want nil", err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("queued Update: got %v, want nil", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	s = openT(t, dir, Options{})
	defer s.Close()
	for i := range n {
		mustGet(t, s, "q"+strconv.Itoa(i))
	}
}

func TestMigrations(t *testing.T) {
	v1 := &fstest.MapFile{Data: []byte("CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);\n")}
	v2 := &fstest.MapFile{Data: []byte("CREATE TABLE b (y INTEGER);\nINSERT INTO b SELECT x + 1 FROM a;")}
	bad := &fstest.MapFile{Data: []byte("CREATE TABLE c (z INTEGER);\nTHIS IS NOT SQL;")}

	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), FileName)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	version := func() int {
		var v int
		if err := c.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	apply := func(fsys fstest.MapFS) error {
		migs, err := loadMigrations(fsys)
		if err != nil {
			t.Fatalf("loadMigrations: got %v, want nil", err)
		}
		return migrate(t.Context(), c, migs)
	}

	if err := apply(fstest.MapFS{"migrations/0001_a.sql": v1}); err != nil || version() != 1 {
		t.Fatalf("migrate to 1: got %v, version %d; want nil, 1", err, version())
	}
	fsys := fstest.MapFS{"migrations/0001_a.sql": v1, "migrations/0002_b.sql": v2}
	for range 2 { // the second run has nothing to do
		if err := apply(fsys); err != nil || version() != 2 {
			t.Fatalf("migrate to 2: got %v, version %d; want nil, 2", err, version())
		}
	}
	var y int
	if err := c.QueryRowContext(t.Context(), "SELECT y FROM b").Scan(&y); err != nil || y != 2 {
		t.Errorf("data from migration 2: got %d, %v; want 2, nil", y, err)
	}

	// A failing step leaves the database as it was: no table c, version 2.
	fsys["migrations/0003_c.sql"] = bad
	fsys["migrations/0004_d.sql"] = v1
	if err := apply(fsys); err == nil {
		t.Errorf("migrate with a bad step: got nil, want an error")
	}
	if v := version(); v != 2 {
		t.Errorf("version after a failed migration: got %d, want 2", v)
	}
	var n int
	if err := c.QueryRowContext(t.Context(), "SELECT count(*) FROM sqlite_schema WHERE name = 'c'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table of the failed migration: got %d, %v; want 0, nil", n, err)
	}

	for name, fsys := range map[string]fstest.MapFS{
		"gap":       {"migrations/0001_a.sql": v1, "migrations/0003_b.sql": v2},
		"no number": {"migrations/0001_a.sql": v1, "migrations/b.sql": v2},
		"from two":  {"migrations/0002_a.sql": v1},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("loadMigrations(%s): got nil, want an error", name)
		}
	}
	if migs, err := loadMigrations(migrationFiles); err != nil || len(migs) == 0 {
		t.Errorf("embedded migrations: got %d, %v; want some, nil", len(migs), err)
	}
}

// TestSecondOpenRefused opens one directory twice: the second Open must fail
// with ErrInUse while the first store is open, and succeed once it is closed.
func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	if err := s.Update(t.Context(), put("a", "1")); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), dir, Options{BusyTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrInUse) {
		if err == nil {
			s2.Close()
		}
		t.Fatalf("second Open: got %v, want ErrInUse", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 = openT(t, dir, Options{})
	defer s2.Close()
	if got := mustGet(t, s2, "a"); got != "1" {
		t.Errorf("Get after reopening: got %q, want %q", got, "1")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	if err := s.Update(t.Context(), put("a", "1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	migs, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	newer := len(migs) + 1

	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), fmt.Sprintf("PRAGMA user_version = %d", newer)); err != nil {
		t.Fatal(err)
	}
	db.SetMaxIdleConns(0) // let go of the file: the store opens it exclusively

	s, err = Open(t.Context(), dir, Options{})
	if err == nil {
		s.Close()
		t.Fatalf("Open of a newer database: got nil error, want ErrNewerSchema")
	}
	if !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Open of a newer database: got %v, want ErrNewerSchema", err)
	}
	if want := fmt.Sprintf("version %d", newer); !strings.Contains(err.Error(), want) {
		t.Errorf("error: got %q, want it to name %q", err, want)
	}
	var v int
	if err := db.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&v); err != nil || v != newer {
		t.Errorf("version after the refused Open: got %d, %v; want %d, nil", v, err, newer)
	}
}

// The crash test: a child process (this test binary again) writes from
// several goroutines and prints each id only once Update has returned nil;
// the parent SIGKILLs it mid-stream and checks that every printed id is in
// the database.
const (
	crashDirEnv    = "STARLING_SQLITE_CRASH_DIR"
	crashPrefixEnv = "STARLING_SQLITE_CRASH_PREFIX"
	crashAcks      = 300 // acks read before the kill
	crashRounds    = 3
)

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestCrash")
	}
	// Bounded even if the parent vanished without killing us (then the next
	// ack write gets SIGPIPE anyway).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	prefix := os.Getenv(crashPrefixEnv)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("%s-%d-%d", prefix, g, i)
				if err := s.Update(ctx, put(id, "doc-"+id)); err != nil {
					if ctx.Err() != nil {
						return
					}
					fmt.Fprintln(os.Stderr, "update:", err)
					os.Exit(2)
				}
				mu.Lock()
				_, err := os.Stdout.WriteString("ack " + id + "\n")
				mu.Unlock()
				if err != nil {
					os.Exit(2)
				}
			}
		})
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr, "child timed out before being killed")
	os.Exit(3)
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	acked := map[string]bool{}
	for round := range crashRounds {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashPrefixEnv+"="+strconv.Itoa(round))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		n, killed := 0, false
		r := bufio.NewReader(out)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				break // EOF once the child is dead; a cut last line is no ack
			}
			id, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "ack ")
			if !ok {
				continue
			}
			acked[id] = true
			if n++; n == crashAcks {
				// Writes are in flight in the other goroutines right now.
				if err := cmd.Process.Kill(); err != nil {
					t.Fatalf("kill: %v", err)
				}
				killed = true
			}
		}
		werr := cmd.Wait()
		if !killed {
			t.Fatalf("round %d: child ended after %d acks, before the kill: %v\nstderr:\n%s", round, n, werr, stderr.String())
		}
		t.Logf("round %d: %d acks before the child died", round, n)

		s := openT(t, dir, Options{})
		var missing []string
		err = s.View(t.Context(), func(tx store.Tx) error {
			for id := range acked {
				doc, err := tx.Get(tn, kind, id)
				switch {
				case errors.Is(err, store.ErrNotFound):
					missing = append(missing, id)
				case err != nil:
					return err
				case string(doc) != "doc-"+id:
					return fmt.Errorf("doc of %s: got %q, want %q", id, doc, "doc-"+id)
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("round %d: View: %v", round, err)
		}
		if len(missing) > 0 {
			t.Errorf("round %d: %d of %d acknowledged writes lost, e.g. %v", round, len(missing), len(acked), missing[:min(5, len(missing))])
		}
		var check string
		if err := s.w.c.QueryRowContext(t.Context(), "PRAGMA quick_check").Scan(&check); err != nil || check != "ok" {
			t.Errorf("round %d: quick_check: got %q, %v; want ok, nil", round, check, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
