package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
	"github.com/starlingcfg/starling/internal/store/storetest"
)

var (
	testNS   = store.Regional("111111111111", "us-east-1")
	testKind = store.Kind("Thing")
)

// openDB opens a DB on dsn that is closed when t ends.
func openDB(t testing.TB, dsn string) *DB {
	t.Helper()
	db, err := Open(t.Context(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// newStore returns a Store on a DB of its own, in a schema of its own.
func newStore(t testing.TB) *Store {
	t.Helper()
	return NewStore(openDB(t, pgtest.DSN(t)), StoreOptions{})
}

// replicas returns n Stores on one schema, each on a DB (a connection pool)
// of its own, as n Starling processes sharing a database have.
func replicas(t testing.TB, n int) []*Store {
	t.Helper()
	dsn := pgtest.DSN(t)
	stores := make([]*Store, n)
	for i := range stores {
		stores[i] = NewStore(openDB(t, dsn), StoreOptions{})
	}
	return stores
}

// TestStoreConformance runs the contract's suite, each subtest on a schema
// of its own.
func TestStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newStore(t) })
}

// mustUpdate runs an Update that must succeed.
func mustUpdate(t testing.TB, s *Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// getString reads a record in a View of its own.
func getString(t testing.TB, s *Store, id string) (string, error) {
	t.Helper()
	var doc []byte
	err := s.View(t.Context(), func(tx store.Tx) (err error) {
		doc, err = tx.Get(testNS, testKind, id)
		return err
	})
	return string(doc), err
}

// increment adds one to the decimal counter in id.
func increment(tx store.Tx, id string) error {
	n := 0
	doc, err := tx.Get(testNS, testKind, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if n, err = strconv.Atoi(string(doc)); err != nil {
			return err
		}
	}
	return tx.Put(testNS, testKind, id, []byte(strconv.Itoa(n+1)))
}

// runConcurrently runs fn(worker, store) for workers goroutines spread over
// stores, all starting at once, and reports their errors.
func runConcurrently(t *testing.T, stores []*Store, workers int, fn func(w int, s *Store) error) {
	t.Helper()
	start := make(chan struct{})
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			errs[w] = fn(w, stores[w%len(stores)])
		})
	}
	close(start)
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
}

// TestReplicas checks the contract's guarantees across two Stores on two
// connection pools sharing one database, as two replicas do.
func TestReplicas(t *testing.T) {
	const workers = 16
	t.Run("Counter", func(t *testing.T) {
		// Get then Put from 16 goroutines: no increment is lost, so every
		// Update was serializable, and every conflict was retried.
		const each = 20
		stores := replicas(t, 2)
		runConcurrently(t, stores, workers, func(_ int, s *Store) error {
			for range each {
				if err := s.Update(t.Context(), func(tx store.Tx) error { return increment(tx, "n") }); err != nil {
					return err
				}
			}
			return nil
		})
		if got, err := getString(t, stores[0], "n"); got != strconv.Itoa(workers*each) || err != nil {
			t.Errorf("counter: got %q, %v; want %d", got, err, workers*each)
		}
	})
	t.Run("Generation", func(t *testing.T) {
		// A write on one replica grows the generation that the other
		// reads, by the time the write's Update returns.
		stores := replicas(t, 2)
		for i, w := range []int{0, 1, 1, 0} {
			r := stores[1-w]
			before, err := r.Generation(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if err := stores[w].Update(t.Context(), func(tx store.Tx) error { return increment(tx, "g") }); err != nil {
				t.Fatal(err)
			}
			after, err := r.Generation(t.Context())
			if err != nil || after <= before {
				t.Errorf("write %d on replica %d: replica %d read generation %d, then %d, %v; want it to grow", i, w, 1-w, before, after, err)
			}
		}
	})
	t.Run("Quota", func(t *testing.T) {
		// Count, then Create only under the quota, as AWS's limit of 50
		// aggregators an account: never one more.
		const quota, each = 50, 8
		errQuota := errors.New("quota reached")
		stores := replicas(t, 2)
		var created atomic.Int64
		runConcurrently(t, stores, workers, func(w int, s *Store) error {
			for i := range each {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					n, err := tx.Count(testNS, testKind)
					if err != nil {
						return err
					}
					if n >= quota {
						return errQuota
					}
					return tx.Create(testNS, testKind, fmt.Sprintf("w%02d-%d", w, i), []byte("x"))
				})
				switch {
				case err == nil:
					created.Add(1)
				case !errors.Is(err, errQuota):
					return err
				}
			}
			return nil
		})
		var n int
		if err := stores[1].View(t.Context(), func(tx store.Tx) (err error) {
			n, err = tx.Count(testNS, testKind)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n != quota || created.Load() != quota {
			t.Errorf("records: got %d (%d Updates succeeded), want %d", n, created.Load(), quota)
		}
	})
	t.Run("CreateRace", func(t *testing.T) {
		// Identical Creates at once: one wins, the others get ErrExists.
		const rounds = 10
		stores := replicas(t, 2)
		for r := range rounds {
			id := "id" + strconv.Itoa(r)
			var ok, exists atomic.Int64
			runConcurrently(t, stores, workers, func(w int, s *Store) error {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					return tx.Create(testNS, testKind, id, []byte(strconv.Itoa(w)))
				})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, store.ErrExists):
					exists.Add(1)
				default:
					return err
				}
				return nil
			})
			if ok.Load() != 1 || exists.Load() != workers-1 {
				t.Errorf("Create of %s by %d at once: %d succeeded, %d got ErrExists; want 1 and %d",
					id, workers, ok.Load(), exists.Load(), workers-1)
			}
		}
	})
	t.Run("ReadYourWrites", func(t *testing.T) {
		// A write committed through one replica is seen by the next View
		// through the other.
		stores := replicas(t, 2)
		for i := range 50 {
			w, r := stores[i%2], stores[(i+1)%2]
			want := strconv.Itoa(i)
			mustUpdate(t, w, func(tx store.Tx) error { return tx.Put(testNS, testKind, "x", []byte(want)) })
			if got, err := getString(t, r, "x"); got != want || err != nil {
				t.Fatalf("read after write %d: got %q, %v; want %q", i, got, err, want)
			}
		}
	})
}

// conflict makes the Update running tx fail to serialize: it reads x in
// tx, then another Store changes x and commits, so that tx's write of x
// conflicts.
func conflict(t *testing.T, tx store.Tx, other *Store) error {
	t.Helper()
	doc, err := tx.Get(testNS, testKind, "x")
	if err != nil {
		return err
	}
	mustUpdate(t, other, func(tx store.Tx) error { return tx.Put(testNS, testKind, "x", []byte("theirs")) })
	return tx.Put(testNS, testKind, "x", append(doc, '!'))
}

// TestUpdateRetries checks that fn runs again after a serialization
// failure, however it handled the error, and that only the last run's
// writes are kept.
func TestUpdateRetries(t *testing.T) {
	for _, tt := range []struct {
		name   string
		handle func(error) error // what fn does with the failed Put's error
	}{
		{"returned", func(err error) error { return err }},
		{"wrapped", func(err error) error { return fmt.Errorf("saving x: %w", err) }},
		{"swallowed", func(error) error { return nil }},
		{"replaced", func(error) error { return store.ErrNotFound }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stores := replicas(t, 2)
			s, other := stores[0], stores[1]
			mustUpdate(t, s, func(tx store.Tx) error { return tx.Put(testNS, testKind, "x", []byte("orig")) })
			runs := 0
			var firstErr error
			err := s.Update(t.Context(), func(tx store.Tx) error {
				runs++
				if err := tx.Put(testNS, testKind, "run"+strconv.Itoa(runs), nil); err != nil {
					return err
				}
				if runs > 1 {
					return increment(tx, "after")
				}
				err := conflict(t, tx, other)
				firstErr = err
				return tt.handle(err)
			})
			if err != nil {
				t.Fatalf("Update: got %v, want nil", err)
			}
			if runs != 2 {
				t.Errorf("fn ran %d times, want 2", runs)
			}
			if !retryable(firstErr) {
				t.Errorf("first run's Put: got %v, want a serialization failure", firstErr)
			}
			for id, want := range map[string]string{"x": "theirs", "run2": "", "after": "1"} {
				if got, err := getString(t, s, id); got != want || err != nil {
					t.Errorf("%s: got %q, %v; want %q, nil", id, got, err, want)
				}
			}
			if _, err := getString(t, s, "run1"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the first run's write: got %v, want ErrNotFound (not kept)", err)
			}
		})
	}
}

// TestUpdateGivesUp checks that an Update that never serializes gives up
// after MaxRetries, with an error that asks the client to retry.
func TestUpdateGivesUp(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := NewStore(openDB(t, dsn), StoreOptions{MaxRetries: 2})
	s.aloneAfter = math.MaxInt // no try alone, where the conflict could not happen
	other := NewStore(openDB(t, dsn), StoreOptions{})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Put(testNS, testKind, "x", []byte("orig")) })
	runs := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		runs++
		err := conflict(t, tx, other)
		return err
	})
	if runs != 3 {
		t.Errorf("fn ran %d times, want 3 (MaxRetries 2)", runs)
	}
	for _, want := range []error{ErrRetriesExhausted, store.ErrUnavailable} {
		if !errors.Is(err, want) {
			t.Errorf("Update: got %v, want %v", err, want)
		}
	}
	if !retryable(err) {
		t.Errorf("Update: got %v, want it to wrap the serialization failure", err)
	}
}

// TestUpdateRunsAlone checks that a try of an Update after aloneAfter
// failed ones runs alone: Updates of other replicas wait for it, Views do
// not, and it commits.
func TestUpdateRunsAlone(t *testing.T) {
	stores := replicas(t, 2)
	s, other := stores[0], stores[1]
	s.aloneAfter = 1
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Put(testNS, testKind, "x", []byte("orig")) })
	runs := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		runs++
		if runs == 1 {
			err := conflict(t, tx, other)
			return err
		}
		doc, err := tx.Get(testNS, testKind, "x")
		if err != nil {
			return err
		}
		if got, err := getString(t, other, "x"); got != "theirs" || err != nil {
			t.Errorf("View through the other replica: got %q, %v; want %q, nil", got, err, "theirs")
		}
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		err = other.Update(ctx, func(tx store.Tx) error { return tx.Put(testNS, testKind, "y", nil) })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Update through the other replica: got %v, want it to wait (context.DeadlineExceeded)", err)
		}
		return tx.Put(testNS, testKind, "x", append(doc, '!'))
	})
	if err != nil || runs != 2 {
		t.Fatalf("Update: got %v after %d runs, want nil after 2", err, runs)
	}
	if got, err := getString(t, s, "x"); got != "theirs!" || err != nil {
		t.Errorf("x: got %q, %v; want %q", got, err, "theirs!")
	}
	if _, err := getString(t, s, "y"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("y: got %v, want ErrNotFound (the Update that waited gave up)", err)
	}
}

// TestUpdateReturnsFnError checks that the error fn returns is returned as
// it is, not wrapped, and no write is kept.
func TestUpdateReturnsFnError(t *testing.T) {
	s := newStore(t)
	mine := errors.New("mine")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.Put(testNS, testKind, "a", nil); err != nil {
			return err
		}
		return mine
	})
	if err != mine { // the very value, not wrapped
		t.Errorf("Update: got %v, want the error of fn itself", err)
	}
	if _, err := getString(t, s, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get: got %v, want ErrNotFound", err)
	}
}

// TestDroppedErrorNotCommitted checks that an Update whose fn drops the
// error of a failed statement is not committed: it returns that error.
func TestDroppedErrorNotCommitted(t *testing.T) {
	s := newStore(t)
	err := s.Update(t.Context(), func(stx store.Tx) error {
		if err := stx.Put(testNS, testKind, "a", nil); err != nil {
			return err
		}
		_, _ = stx.(*tx).run("bad", "SELECT 1/0", nil, nil) // division by zero
		if err := stx.Put(testNS, testKind, "b", nil); err == nil {
			t.Error("Put after a failed statement: got nil, want the failure")
		}
		return nil
	})
	if err == nil || retryable(err) {
		t.Errorf("Update: got %v, want the division's error", err)
	}
	if _, err := getString(t, s, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get: got %v, want ErrNotFound (not committed)", err)
	}
}

// TestIsolationLevels checks the transactions' isolation and access mode,
// which the BEGIN sent with the first statement sets.
func TestIsolationLevels(t *testing.T) {
	s := newStore(t)
	settings := func(stx store.Tx) (got string, err error) {
		_, err = stx.(*tx).run("settings",
			"SELECT current_setting('transaction_isolation') || ' ' || current_setting('transaction_read_only')",
			nil, func(rows pgx.Rows) error { return rows.Scan(&got) })
		return got, err
	}
	for _, tt := range []struct {
		name string
		call func(context.Context, func(store.Tx) error) error
		want string
	}{
		{"Update", s.Update, "serializable off"},
		{"View", s.View, "repeatable read on"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context(), func(stx store.Tx) error {
				for i := range 2 { // the first statement, and one after
					got, err := settings(stx)
					if err != nil {
						return err
					}
					if got != tt.want {
						t.Errorf("statement %d: got %q, want %q", i+1, got, tt.want)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestViewWriteIsErrReadOnly(t *testing.T) {
	s := newStore(t)
	err := s.View(t.Context(), func(tx store.Tx) error { return tx.Put(testNS, testKind, "a", nil) })
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("Put in View: got %v, want ErrReadOnly", err)
	}
}

func TestTxAfterCallback(t *testing.T) {
	s := newStore(t)
	var kept store.Tx
	mustUpdate(t, s, func(tx store.Tx) error { kept = tx; return nil })
	if _, err := kept.Get(testNS, testKind, "a"); !errors.Is(err, errTxDone) {
		t.Errorf("Get after Update returned: got %v, want errTxDone", err)
	}
}

// TestCloseLeavesDB checks that Close refuses later calls, and leaves the
// DB, which the inventory shares, open.
func TestCloseLeavesDB(t *testing.T) {
	db := openDB(t, pgtest.DSN(t))
	s := NewStore(db, StoreOptions{})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Put(testNS, testKind, "a", []byte("1")) })
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrStoreClosed) {
		t.Errorf("second Close: got %v, want ErrStoreClosed", err)
	}
	called := false
	for name, call := range map[string]func() error{
		"Update": func() error { return s.Update(t.Context(), func(store.Tx) error { called = true; return nil }) },
		"View":   func() error { return s.View(t.Context(), func(store.Tx) error { called = true; return nil }) },
		"Reset":  func() error { return s.Reset(t.Context()) },
	} {
		if err := call(); !errors.Is(err, ErrStoreClosed) {
			t.Errorf("%s after Close: got %v, want ErrStoreClosed", name, err)
		}
	}
	if called {
		t.Error("fn ran after Close")
	}
	if got, err := getString(t, NewStore(db, StoreOptions{}), "a"); got != "1" || err != nil {
		t.Errorf("Get through a new Store on the DB: got %q, %v; want %q", got, err, "1")
	}
}

// TestStoreUnreachable checks that a Store whose database nobody listens
// for answers store.ErrUnavailable, promptly, without running fn.
func TestStoreUnreachable(t *testing.T) {
	pool, err := pgxpool.New(t.Context(), "postgres://starling:x@127.0.0.1:1/starling?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := NewStore(&DB{pool: pool}, StoreOptions{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for name, call := range map[string]func(func(store.Tx) error) error{
		"Update": func(fn func(store.Tx) error) error { return s.Update(ctx, fn) },
		"View":   func(fn func(store.Tx) error) error { return s.View(ctx, fn) },
		"Reset":  func(func(store.Tx) error) error { return s.Reset(ctx) },
	} {
		start := time.Now()
		called := false
		err := call(func(store.Tx) error { called = true; return nil })
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s: got %v, want store.ErrUnavailable", name, err)
		}
		if called {
			t.Errorf("%s: fn ran", name)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %v", name, d)
		}
	}
}

// TestConnectionLost checks that a statement on a connection the server
// closed mid-transaction fails with store.ErrUnavailable, and that the
// Store goes on working on other connections.
func TestConnectionLost(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := openDB(t, dsn)
	s := NewStore(db, StoreOptions{})
	admin := openDB(t, dsn)
	err := s.Update(t.Context(), func(stx store.Tx) error {
		if _, err := stx.Get(testNS, testKind, "a"); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		pid := stx.(*tx).conn.PgConn().PID()
		if _, err := admin.Pool().Exec(t.Context(), "SELECT pg_terminate_backend($1)", pid); err != nil {
			t.Fatalf("terminate backend %d: %v", pid, err)
		}
		return stx.Put(testNS, testKind, "a", []byte("1"))
	})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Update on a terminated connection: got %v, want store.ErrUnavailable", err)
	}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Put(testNS, testKind, "a", []byte("2")) })
	if got, err := getString(t, s, "a"); got != "2" || err != nil {
		t.Errorf("Get: got %q, %v; want %q", got, err, "2")
	}
}

// TestIDsAnyBytes checks that ids hold any Go string, NUL and bytes that
// are not UTF-8 included, and list in byte order.
func TestIDsAnyBytes(t *testing.T) {
	s := newStore(t)
	ids := []string{"a\x00b", "a", "\xff\xfe", "", "a\x00"}
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.Create(testNS, testKind, id, []byte(id)); err != nil {
				return fmt.Errorf("Create(%q): %w", id, err)
			}
		}
		return nil
	})
	var got []string
	if err := s.View(t.Context(), func(tx store.Tx) error {
		// The empty id sorts before every other, so a List from the start
		// (after "") leaves it out.
		if doc, err := tx.Get(testNS, testKind, ""); err != nil || len(doc) != 0 {
			return fmt.Errorf(`Get(""): got %q, %v`, doc, err)
		}
		items, err := tx.List(testNS, testKind, "", 0)
		for _, it := range items {
			if string(it.Doc) != it.ID {
				t.Errorf("doc of %q: got %q", it.ID, it.Doc)
			}
			got = append(got, it.ID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "a\x00", "a\x00b", "\xff\xfe"}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("List: got %q, want %q", got, want)
	}
}

// countingConn counts the writes to a connection: each is a round trip
// for a client that waits for the answer before sending again.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// countingStore returns a Store on a migrated test database, of one
// connection, and the count of the writes to that connection.
func countingStore(t *testing.T) (*Store, *atomic.Int64) {
	t.Helper()
	dsn := pgtest.DSN(t)
	openDB(t, dsn) // migrates
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	writes := new(atomic.Int64)
	dialer := &net.Dialer{}
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		return countingConn{Conn: c, writes: writes}, err
	}
	cfg.MaxConns = 1
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return NewStore(&DB{pool: pool}, StoreOptions{}), writes
}

// TestRoundTrips checks how many times a View and an Update send to the
// server, once the statements are prepared: the first statement goes out
// with the BEGIN (and the table lock), then each statement, then COMMIT.
func TestRoundTrips(t *testing.T) {
	s, writes := countingStore(t)
	get := func(tx store.Tx) error {
		_, err := tx.Get(testNS, testKind, "a")
		return err
	}
	for _, tt := range []struct {
		name string
		call func() error
		want int64
	}{
		{"Update of a Get and a Put", func() error {
			return s.Update(t.Context(), func(tx store.Tx) error {
				if err := get(tx); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				return tx.Put(testNS, testKind, "a", []byte("1"))
			})
		}, 3},
		{"View of a Get", func() error { return s.View(t.Context(), get) }, 2},
		{"Update of a failed Create", func() error {
			err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Create(testNS, testKind, "a", nil) })
			if errors.Is(err, store.ErrExists) {
				return nil
			}
			return fmt.Errorf("got %v, want ErrExists", err)
		}, 2},
		{"View of nothing", func() error { return s.View(t.Context(), func(store.Tx) error { return nil }) }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err != nil { // prepares the statements
				t.Fatal(err)
			}
			before := writes.Load()
			if err := tt.call(); err != nil {
				t.Fatal(err)
			}
			if got := writes.Load() - before; got != tt.want {
				t.Errorf("round trips: got %d, want %d", got, tt.want)
			}
		})
	}
}

// BenchmarkUpdate measures an Update of a Get and a Put, the shape of the
// control plane's writes.
func BenchmarkUpdate(b *testing.B) {
	s := newStore(b)
	doc := make([]byte, 1024)
	var goroutines atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		id := strconv.FormatInt(goroutines.Add(1), 10) // one record per goroutine
		for pb.Next() {
			err := s.Update(b.Context(), func(tx store.Tx) error {
				if _, err := tx.Get(testNS, testKind, id); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				return tx.Put(testNS, testKind, id, doc)
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkViewGet measures a View of one Get: the BEGIN and the query in
// one round trip, then the COMMIT.
func BenchmarkViewGet(b *testing.B) {
	s := newStore(b)
	mustUpdate(b, s, func(tx store.Tx) error { return tx.Put(testNS, testKind, "a", make([]byte, 1024)) })
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := getString(b, s, "a"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
