package sqlite

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/store"
)

func items(kv ...string) []store.Item {
	var out []store.Item
	for i := 0; i < len(kv); i += 2 {
		out = append(out, store.Item{ID: kv[i], Doc: []byte(kv[i+1])})
	}
	return out
}

// treeOf builds a partition from items.
func treeOf(items []store.Item) *tree {
	if items == nil {
		return nil
	}
	d := newTree()
	for _, it := range items {
		d.ReplaceOrInsert(it)
	}
	return d
}

func TestWithChanges(t *testing.T) {
	put := func(doc string) change { return change{doc: []byte(doc)} }
	del := change{deleted: true}
	for _, tt := range []struct {
		name string
		base []store.Item
		byID map[string]change
		want []store.Item
	}{
		{"no changes", items("a", "1"), nil, items("a", "1")},
		{"into nothing", nil, map[string]change{"b": put("2"), "a": put("1")}, items("a", "1", "b", "2")},
		{"insert between", items("a", "1", "c", "3"), map[string]change{"b": put("2")}, items("a", "1", "b", "2", "c", "3")},
		{"insert first and last", items("b", "2"), map[string]change{"a": put("1"), "c": put("3")}, items("a", "1", "b", "2", "c", "3")},
		{"replace", items("a", "1", "b", "2"), map[string]change{"b": put("9")}, items("a", "1", "b", "9")},
		{"delete", items("a", "1", "b", "2", "c", "3"), map[string]change{"b": del}, items("a", "1", "c", "3")},
		{"delete the absent", items("a", "1"), map[string]change{"z": del}, items("a", "1")},
		{"delete all", items("a", "1", "b", "2"), map[string]change{"a": del, "b": del}, nil},
		{"byte order", items("B", "1"), map[string]change{"a": put("2"), "A": put("3")}, items("A", "3", "B", "1", "a", "2")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := treeOf(tt.base)
			got := withChanges(base, tt.byID)
			if fmt.Sprint(after(got, "", 0)) != fmt.Sprint(tt.want) {
				t.Errorf("withChanges: got %s, want %s", after(got, "", 0), tt.want)
			}
			if fmt.Sprint(after(base, "", 0)) != fmt.Sprint(tt.base) {
				t.Errorf("withChanges changed its input: got %s, want %s", after(base, "", 0), tt.base)
			}
		})
	}
}

// TestLargePartitionVersions writes to a partition of 20,000 records while a
// View holds an old version: the View must keep seeing its version, and a
// write must not copy the partition (its cost is checked by
// BenchmarkUpdatePutNormal; here, that versions stay independent).
func TestLargePartitionVersions(t *testing.T) {
	d := newTree()
	for i := range 20000 {
		d.ReplaceOrInsert(store.Item{ID: fmt.Sprintf("%05d", i), Doc: []byte("old")})
	}
	v1 := d
	v2 := withChanges(v1, map[string]change{"00042": {doc: []byte("new")}, "19999": {deleted: true}})
	v3 := withChanges(v2, map[string]change{"00042": {deleted: true}, "zzz": {doc: []byte("x")}})
	for _, tt := range []struct {
		name   string
		d      *tree
		id     string
		want   string
		exists bool
		n      int
	}{
		{"v1 keeps 00042", v1, "00042", "old", true, 20000},
		{"v1 keeps 19999", v1, "19999", "old", true, 20000},
		{"v2 replaced 00042", v2, "00042", "new", true, 19999},
		{"v2 deleted 19999", v2, "19999", "", false, 19999},
		{"v3 deleted 00042", v3, "00042", "", false, 19999},
		{"v3 added zzz", v3, "zzz", "x", true, 19999},
	} {
		doc, ok := get(tt.d, tt.id)
		if string(doc) != tt.want || ok != tt.exists || count(tt.d) != tt.n {
			t.Errorf("%s: got %q, %v, %d records; want %q, %v, %d", tt.name, doc, ok, count(tt.d), tt.want, tt.exists, tt.n)
		}
	}
	if got := after(v3, "19997", 0); len(got) != 2 || got[0].ID != "19998" || got[1].ID != "zzz" {
		t.Errorf("after(19997): got %v, want 19998 and zzz", got)
	}
	if got := after(v1, "00010", 3); len(got) != 3 || got[0].ID != "00011" || got[2].ID != "00013" {
		t.Errorf("after(00010, 3): got %v, want 00011..00013", got)
	}
}

// chainLen is how many versions of p the table keeps.
func chainLen(m *table, p partKey) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for v := m.parts[p]; v != nil; v = v.prev {
		n++
	}
	return n
}

// TestVersionsKeptForViews checks that the table keeps an old version exactly
// as long as a View that began before it was replaced is running, and that a
// partition emptied with no View running is gone from the map.
func TestVersionsKeptForViews(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	p := keyOf(tn, kind)
	if err := s.Update(t.Context(), put("a", "1")); err != nil {
		t.Fatal(err)
	}
	if n := chainLen(s.mem, p); n != 1 {
		t.Fatalf("versions with no View running: got %d, want 1", n)
	}
	inView, endView := make(chan struct{}), make(chan struct{})
	viewDone := make(chan error, 1)
	go func() {
		viewDone <- s.View(t.Context(), func(tx store.Tx) error {
			close(inView)
			<-endView
			doc, err := tx.Get(tn, kind, "a")
			if string(doc) != "1" || err != nil {
				return fmt.Errorf("Get in the old View: got %q, %v; want %q, nil", doc, err, "1")
			}
			return nil
		})
	}()
	<-inView
	for i := 2; i <= 4; i++ {
		if err := s.Update(t.Context(), put("a", strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	// The newest, and the one the View reads; the two between are no
	// View's.
	if n := chainLen(s.mem, p); n != 2 {
		t.Errorf("versions while an old View runs: got %d, want 2", n)
	}
	close(endView)
	if err := <-viewDone; err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), put("a", "5")); err != nil {
		t.Fatal(err)
	}
	if n := chainLen(s.mem, p); n != 1 {
		t.Errorf("versions once the View ended: got %d, want 1", n)
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Delete(tn, kind, "a") }); err != nil {
		t.Fatal(err)
	}
	if n := chainLen(s.mem, p); n != 0 {
		t.Errorf("versions of an emptied partition: got %d, want 0", n)
	}
}

// TestViewSnapshotAcrossPartitions moves a token between two partitions (two
// tenants) while Views check that they always see it in exactly one: a View
// that saw one partition before a move and the other after it would see two
// or none.
func TestViewSnapshotAcrossPartitions(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	other := store.Namespace{Owner: "222222222222", Region: "us-east-1"}
	tenants := []store.Namespace{tn, other}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Put(tn, kind, "token", []byte("x")) }); err != nil {
		t.Fatal(err)
	}
	const moves = 300
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range moves {
			from, to := tenants[i%2], tenants[(i+1)%2]
			err := s.Update(t.Context(), func(tx store.Tx) error {
				if err := tx.Delete(from, kind, "token"); err != nil {
					return err
				}
				return tx.Create(to, kind, "token", []byte("x"))
			})
			if err != nil {
				t.Errorf("move %d: %v", i, err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for range moves {
				err := s.View(t.Context(), func(tx store.Tx) error {
					seen := 0
					for _, tnt := range tenants {
						_, err := tx.Get(tnt, kind, "token")
						switch {
						case err == nil:
							seen++
						case !errors.Is(err, store.ErrNotFound):
							return err
						}
						n, err := tx.Count(tnt, kind)
						if err != nil {
							return err
						}
						seen += 10 * n
					}
					if seen != 11 {
						return fmt.Errorf("token seen %d times by Get and %d by Count, want once each", seen%10, seen/10)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestFailedFsync makes the fsync fail: the Updates waiting for it must get
// the error, and so must every later Update, while Views go on working.
func TestFailedFsync(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	if err := s.Update(t.Context(), put("a", "1")); err != nil {
		t.Fatal(err)
	}
	errDisk := errors.New("disk on fire")
	blocked := make(chan struct{})
	s.commit.mu.Lock() // the loop reads flush only after taking mu
	s.commit.flush = func() error { <-blocked; return errDisk }
	s.commit.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- s.Update(t.Context(), put("b", "2")) }()
	close(blocked)
	if err := <-done; !errors.Is(err, errDisk) {
		t.Errorf("Update whose fsync failed: got %v, want %v", err, errDisk)
	}
	if err := s.Update(t.Context(), put("c", "3")); !errors.Is(err, errDisk) {
		t.Errorf("Update after a failed fsync: got %v, want %v", err, errDisk)
	}
	if got := mustGet(t, s, "a"); got != "1" {
		t.Errorf("View after a failed fsync: got %q, want %q", got, "1")
	}
}

func TestConformanceSyncNormal(t *testing.T) {
	storetestRun(t, Options{Sync: SyncNormal})
}

// TestDependentOfFailedWrite hands the committer a batch that SQLite refuses
// and, behind it, a batch whose fn read the first one's write: both must
// fail, and an Update after them must not see either.
func TestDependentOfFailedWrite(t *testing.T) {
	s := openT(t, t.TempDir(), Options{MaxBatch: 1}) // hand every Update over at once
	defer s.Close()
	_, err := s.w.c.ExecContext(t.Context(),
		`CREATE TEMP TRIGGER refuse BEFORE INSERT ON records WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END`)
	if err != nil {
		t.Fatal(err)
	}
	// Hold the committer in the fsync of a first write, so the next two
	// batches queue up behind it.
	inFlush, release := make(chan struct{}), make(chan struct{})
	s.commit.mu.Lock()
	s.commit.flush = func() error {
		select {
		case <-inFlush:
		default:
			close(inFlush)
			<-release
		}
		return nil
	}
	s.commit.mu.Unlock()
	first := make(chan error, 1)
	go func() { first <- s.Update(t.Context(), put("a", "1")) }()
	<-inFlush

	refused := make(chan error, 1)
	go func() { refused <- s.Update(t.Context(), put("boom", "1")) }()
	waitPending(t, s.mem, 1)
	dependent := make(chan error, 1)
	go func() {
		dependent <- s.Update(t.Context(), func(tx store.Tx) error {
			doc, err := tx.Get(tn, kind, "boom")
			if err != nil {
				return fmt.Errorf("the pending write is not visible: %w", err)
			}
			return tx.Put(tn, kind, "derived", doc)
		})
	}()
	waitPending(t, s.mem, 2)
	close(release)

	if err := <-first; err != nil {
		t.Errorf("first Update: got %v, want nil", err)
	}
	if err := <-refused; err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("refused Update: got %v, want SQLite's refusal", err)
	}
	if err := <-dependent; err == nil || !strings.Contains(err.Error(), "earlier write") {
		t.Errorf("dependent Update: got %v, want a failure naming the earlier write", err)
	}
	err = s.Update(t.Context(), func(tx store.Tx) error {
		for _, id := range []string{"boom", "derived"} {
			if _, err := tx.Get(tn, kind, id); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("Get(%q) in a later Update: got %v, want ErrNotFound", id, err)
			}
		}
		return tx.Put(tn, kind, "later", []byte("1"))
	})
	if err != nil {
		t.Error(err)
	}
	if got := mustGet(t, s, "later"); got != "1" {
		t.Errorf("later write: got %q, want %q", got, "1")
	}
}

// waitPending waits until the table holds n batches handed to the committer.
func waitPending(t *testing.T, m *table, n int) {
	t.Helper()
	waitFor(t, "pending batches", n, func() int {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.pending)
	})
}

// TestSyncModes checks that SyncFull fsyncs the log once per commit when
// Updates come one at a time, and that SyncNormal never does.
func TestSyncModes(t *testing.T) {
	for _, tt := range []struct {
		mode      SyncMode
		wantSyncs int64
	}{{SyncFull, 3}, {SyncNormal, 0}} {
		t.Run(tt.mode.String(), func(t *testing.T) {
			s := openT(t, t.TempDir(), Options{Sync: tt.mode})
			defer s.Close()
			before := s.Stats()
			for i := range 3 {
				if err := s.Update(t.Context(), put(strconv.Itoa(i), "x")); err != nil {
					t.Fatal(err)
				}
			}
			st := s.Stats()
			if got := st.Syncs - before.Syncs; got != tt.wantSyncs {
				t.Errorf("fsyncs for 3 Updates one after another: got %d, want %d", got, tt.wantSyncs)
			}
			if got := st.Commits - before.Commits; got != 3 {
				t.Errorf("commits: got %d, want 3", got)
			}
		})
	}
}

// TestRandomUpdatesMatchModel runs random Updates from many goroutines, with
// the committer slowed so that batches pile up as pending, and checks every
// read each fn makes against a model of the records: a map that each fn
// copies, changes as it writes, and keeps only if it returns nil. fns run one
// at a time on the writer goroutine, so the model needs no lock. At the end
// a View, and the store reopened from disk, must hold exactly the model.
func TestRandomUpdatesMatchModel(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{MaxBatch: 4})
	s.commit.mu.Lock()
	s.commit.flush = func() error { time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond); return nil }
	s.commit.mu.Unlock()

	tenants := []store.Namespace{tn, {Owner: "222222222222", Region: "us-east-1"}, {Owner: "222222222222"}}
	type key struct {
		t  store.Namespace
		id string
	}
	model := map[key]string{}
	errRollback := errors.New("rolled back")
	listOf := func(m map[key]string, tnt store.Namespace, after string, limit int) []string {
		var ids []string
		for k := range m {
			if k.t == tnt && k.id > after {
				ids = append(ids, k.id)
			}
		}
		slices.Sort(ids)
		if limit > 0 && len(ids) > limit {
			ids = ids[:limit]
		}
		for i, id := range ids {
			ids[i] = id + "=" + m[key{tnt, id}]
		}
		return ids
	}
	fn := func(seed uint64) func(store.Tx) error {
		return func(stx store.Tx) error {
			w := stx.(*tx)
			r := rand.New(rand.NewPCG(seed, seed))
			m := maps.Clone(model)
			for range 1 + r.IntN(6) {
				tnt := tenants[r.IntN(len(tenants))]
				id := strconv.Itoa(r.IntN(8))
				k := key{tnt, id}
				want, exists := m[k]
				switch op := r.IntN(20); {
				case op < 5:
					doc := strconv.FormatUint(r.Uint64()%1000, 10)
					if err := w.Put(tnt, kind, id, []byte(doc)); err != nil {
						return err
					}
					m[k] = doc
				case op < 8:
					err := w.Create(tnt, kind, id, []byte("c"))
					if exists != errors.Is(err, store.ErrExists) {
						return fmt.Errorf("Create(%v): got %v with the record present: %v", k, err, exists)
					}
					if !exists {
						m[k] = "c"
					}
				case op < 11:
					err := w.Delete(tnt, kind, id)
					if exists != (err == nil) {
						return fmt.Errorf("Delete(%v): got %v with the record present: %v", k, err, exists)
					}
					delete(m, k)
				case op < 14:
					doc, err := w.Get(tnt, kind, id)
					if exists != (err == nil) || string(doc) != want {
						return fmt.Errorf("Get(%v): got %q, %v; want %q, present %v", k, doc, err, want, exists)
					}
				case op < 17:
					after, limit := strconv.Itoa(r.IntN(8)-1), r.IntN(4)
					items, err := w.List(tnt, kind, after, limit)
					if err != nil {
						return err
					}
					var got []string
					for _, it := range items {
						got = append(got, it.ID+"="+string(it.Doc))
					}
					if want := listOf(m, tnt, after, limit); !slices.Equal(got, want) {
						return fmt.Errorf("List(%v, after %q, limit %d): got %v, want %v", tnt, after, limit, got, want)
					}
				case op < 19:
					n, err := w.Count(tnt, kind)
					if want := len(listOf(m, tnt, "", 0)); err != nil || n != want {
						return fmt.Errorf("Count(%v): got %d, %v; want %d", tnt, n, err, want)
					}
				default:
					if err := w.deleteAll(); err != nil {
						return err
					}
					clear(m)
				}
			}
			if r.IntN(4) == 0 {
				return errRollback // the writes must vanish, the model stays
			}
			model = m
			return nil
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 150 {
				err := s.Update(t.Context(), fn(uint64(g*1000+i)))
				if err != nil && !errors.Is(err, errRollback) {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()

	contents := func(s *Store) map[key]string {
		got := map[key]string{}
		err := s.View(t.Context(), func(tx store.Tx) error {
			for _, tnt := range tenants {
				items, err := tx.List(tnt, kind, "", 0)
				if err != nil {
					return err
				}
				for _, it := range items {
					got[key{tnt, it.ID}] = string(it.Doc)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := contents(s); !maps.Equal(got, model) {
		t.Errorf("View after the load: got %v, want %v", got, model)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, Options{})
	defer s.Close()
	if got := contents(s); !maps.Equal(got, model) {
		t.Errorf("after reopening: got %v, want %v", got, model)
	}
}
