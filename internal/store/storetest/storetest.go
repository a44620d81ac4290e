// Package storetest is the conformance suite for store.Store backends. A
// backend's test calls Run with a function that opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := Open(t.Context(), t.TempDir(), Options{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/starlingcfg/starling/internal/store"
)

// Run checks that the stores made by open keep the store.Store contract. open
// is called once per subtest and must return a new, empty store; Run closes
// it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	s := suite{open: open}
	t.Run("Semantics", s.semantics)
	t.Run("EmptyDocument", s.emptyDocument)
	t.Run("NamespaceIsolation", s.namespaceIsolation)
	t.Run("ListOrder", s.listOrder)
	t.Run("ListPagination", s.listPagination)
	t.Run("Count", s.count)
	t.Run("ListKind", s.listKind)
	t.Run("UpdateErrorKeepsNothing", s.updateErrorKeepsNothing)
	t.Run("ErrorsPropagate", s.errorsPropagate)
	t.Run("ViewRejectsWrites", s.viewRejectsWrites)
	t.Run("ViewSnapshot", s.viewSnapshot)
	t.Run("ConcurrentCounter", s.concurrentCounter)
	t.Run("ConcurrentMixedOutcomes", s.concurrentMixedOutcomes)
	t.Run("PanicDoesNotWedge", s.panicDoesNotWedge)
	t.Run("Reset", s.reset)
	t.Run("Generation", s.generation)
	t.Run("CancelledContext", s.cancelledContext)
	t.Run("Copies", s.copies)
}

var (
	nsA     = store.Namespace{Owner: "111111111111", Region: "us-east-1"}
	kindA   = store.Kind("Thing")
	errBoom = errors.New("storetest: boom")
)

type suite struct {
	open func(t *testing.T) store.Store
}

// store opens a fresh store that is closed when the test ends.
func (s suite) store(t *testing.T) store.Store {
	t.Helper()
	st := s.open(t)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: got %v, want nil", err)
		}
	})
	return st
}

// rec is a record of nsA and kindA.
type rec struct{ id, doc string }

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: got %v, want nil", err)
	}
}

func view(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: got %v, want nil", err)
	}
}

func seed(t *testing.T, s store.Store, recs ...rec) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, r := range recs {
			if err := tx.Put(nsA, kindA, r.id, []byte(r.doc)); err != nil {
				return fmt.Errorf("Put(%q): %w", r.id, err)
			}
		}
		return nil
	})
}

// contents returns every record of the namespace and kind, in List order.
func contents(t *testing.T, s store.Store, tn store.Namespace, k store.Kind) []rec {
	t.Helper()
	var got []rec
	view(t, s, func(tx store.Tx) error {
		items, err := tx.List(tn, k, "", 0)
		for _, it := range items {
			got = append(got, rec{it.ID, string(it.Doc)})
		}
		return err
	})
	return got
}

// wantContents fails t unless nsA/kindA holds exactly want, in id order.
func wantContents(t *testing.T, s store.Store, want ...rec) {
	t.Helper()
	got := contents(t, s, nsA, kindA)
	if !slices.Equal(got, want) {
		t.Errorf("records: got %v, want %v", got, want)
	}
}

// getDoc runs Get in its own View.
func getDoc(t *testing.T, s store.Store, tn store.Namespace, k store.Kind, id string) ([]byte, error) {
	t.Helper()
	var doc []byte
	err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		doc, err = tx.Get(tn, k, id)
		return err
	})
	return doc, err
}

// Steps for the table of semantics; each returns the Tx method's error, or a
// plain error describing a wrong result.
type step func(store.Tx) error

func get(id, want string) step {
	return func(tx store.Tx) error {
		doc, err := tx.Get(nsA, kindA, id)
		if err != nil {
			return err
		}
		if string(doc) != want {
			return fmt.Errorf("Get(%q): got %q, want %q", id, doc, want)
		}
		return nil
	}
}

func create(id, doc string) step {
	return func(tx store.Tx) error { return tx.Create(nsA, kindA, id, []byte(doc)) }
}

func put(id, doc string) step {
	return func(tx store.Tx) error { return tx.Put(nsA, kindA, id, []byte(doc)) }
}

func del(id string) step {
	return func(tx store.Tx) error { return tx.Delete(nsA, kindA, id) }
}

// expect turns st's error want into success, and anything else into an error.
func expect(st step, want error) step {
	return func(tx store.Tx) error {
		if err := st(tx); !errors.Is(err, want) {
			return fmt.Errorf("got error %v, want %v", err, want)
		}
		return nil
	}
}

func seq(steps ...step) step {
	return func(tx store.Tx) error {
		for _, st := range steps {
			if err := st(tx); err != nil {
				return err
			}
		}
		return nil
	}
}

func (s suite) semantics(t *testing.T) {
	tests := []struct {
		name    string
		seed    []rec
		step    step
		wantErr error // from Update, checked with errors.Is
		want    []rec // nsA/kindA afterwards
	}{
		{"Get missing", nil, get("a", ""), store.ErrNotFound, nil},
		{"Get existing", []rec{{"a", "1"}}, get("a", "1"), nil, []rec{{"a", "1"}}},
		{"Create new", nil, create("a", "1"), nil, []rec{{"a", "1"}}},
		{"Create existing", []rec{{"a", "1"}}, create("a", "2"), store.ErrExists, []rec{{"a", "1"}}},
		{"Put new", nil, put("a", "1"), nil, []rec{{"a", "1"}}},
		{"Put existing replaces", []rec{{"a", "1"}}, put("a", "2"), nil, []rec{{"a", "2"}}},
		{"Delete existing", []rec{{"a", "1"}, {"b", "2"}}, del("a"), nil, []rec{{"b", "2"}}},
		{"Delete missing", []rec{{"b", "2"}}, del("a"), store.ErrNotFound, []rec{{"b", "2"}}},
		{"Delete twice", []rec{{"a", "1"}}, seq(del("a"), del("a")), store.ErrNotFound, []rec{{"a", "1"}}},
		{"Delete then Create", []rec{{"a", "1"}}, seq(del("a"), create("a", "2")), nil, []rec{{"a", "2"}}},
		{"Create then Create", nil, seq(create("a", "1"), create("a", "2")), store.ErrExists, nil},
		{"reads own writes", []rec{{"a", "1"}}, seq(
			put("a", "2"), get("a", "2"),
			create("b", "3"), get("b", "3"),
			del("a"), expect(get("a", ""), store.ErrNotFound),
		), nil, []rec{{"b", "3"}}},
		{"Create after failed Create", []rec{{"a", "1"}}, seq(
			expect(create("a", "2"), store.ErrExists), create("b", "3"),
		), nil, []rec{{"a", "1"}, {"b", "3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.store(t)
			if len(tt.seed) > 0 {
				seed(t, st, tt.seed...)
			}
			err := st.Update(t.Context(), func(tx store.Tx) error { return tt.step(tx) })
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Update: got error %v, want %v", err, tt.wantErr)
			}
			wantContents(t, st, tt.want...)
		})
	}
}

func (s suite) emptyDocument(t *testing.T) {
	for _, tt := range []struct {
		name string
		doc  []byte
	}{{"empty", []byte{}}, {"nil", nil}} {
		t.Run(tt.name, func(t *testing.T) {
			st := s.store(t)
			update(t, st, func(tx store.Tx) error {
				if err := tx.Put(nsA, kindA, "p", tt.doc); err != nil {
					return err
				}
				return tx.Create(nsA, kindA, "c", tt.doc)
			})
			for _, id := range []string{"c", "p"} {
				doc, err := getDoc(t, st, nsA, kindA, id)
				if err != nil || len(doc) != 0 {
					t.Errorf("Get(%q): got %q, %v; want empty, nil", id, doc, err)
				}
			}
			wantContents(t, st, rec{"c", ""}, rec{"p", ""})
		})
	}
}

func (s suite) namespaceIsolation(t *testing.T) {
	// Each is a neighbour of (nsA, kindA, "x") that must not share it.
	tests := []struct {
		name string
		tn   store.Namespace
		k    store.Kind
	}{
		{"other account", store.Namespace{Owner: "222222222222", Region: "us-east-1"}, kindA},
		{"other region", store.Namespace{Owner: "111111111111", Region: "eu-west-1"}, kindA},
		{"empty region", store.Namespace{Owner: "111111111111", Region: ""}, kindA},
		{"other kind", nsA, "OtherThing"},
		{"account and region split differently", store.Namespace{Owner: "111111111111u", Region: "s-east-1"}, kindA},
		{"region and kind split differently", store.Namespace{Owner: "111111111111", Region: "us-east-1T"}, "hing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.store(t)
			seed(t, st, rec{"x", "base"})
			update(t, st, func(tx store.Tx) error {
				if _, err := tx.Get(tt.tn, tt.k, "x"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Get from neighbour: got %v, want ErrNotFound", err)
				}
				if err := tx.Delete(tt.tn, tt.k, "x"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Delete from neighbour: got %v, want ErrNotFound", err)
				}
				if n, err := tx.Count(tt.tn, tt.k); n != 0 || err != nil {
					t.Errorf("Count of neighbour: got %d, %v; want 0, nil", n, err)
				}
				if items, err := tx.List(tt.tn, tt.k, "", 0); len(items) != 0 || err != nil {
					t.Errorf("List of neighbour: got %v, %v; want none, nil", items, err)
				}
				if err := tx.Create(tt.tn, tt.k, "x", []byte("other")); err != nil {
					t.Errorf("Create in neighbour: got %v, want nil", err)
				}
				return nil
			})
			if doc, err := getDoc(t, st, tt.tn, tt.k, "x"); string(doc) != "other" || err != nil {
				t.Errorf("Get from neighbour: got %q, %v; want %q, nil", doc, err, "other")
			}
			update(t, st, func(tx store.Tx) error { return tx.Put(tt.tn, tt.k, "x", []byte("other2")) })
			wantContents(t, st, rec{"x", "base"})
			update(t, st, func(tx store.Tx) error { return tx.Delete(tt.tn, tt.k, "x") })
			wantContents(t, st, rec{"x", "base"})
			// And the other way round: writes to the base leave the neighbour alone.
			update(t, st, func(tx store.Tx) error { return tx.Put(tt.tn, tt.k, "x", []byte("other3")) })
			update(t, st, func(tx store.Tx) error { return tx.Delete(nsA, kindA, "x") })
			if got := contents(t, st, tt.tn, tt.k); !slices.Equal(got, []rec{{"x", "other3"}}) {
				t.Errorf("neighbour after base delete: got %v, want [{x other3}]", got)
			}
		})
	}
}

func (s suite) listOrder(t *testing.T) {
	st := s.store(t)
	// Byte order: digits < upper case < lower case < multi-byte UTF-8, and a
	// prefix sorts before its extensions.
	ids := []string{"b", "é", "aa", "Z", "a", "10", "9", "a0", "ab", "A", "z", "a-b", "a_b"}
	var recs []rec
	for _, id := range ids {
		recs = append(recs, rec{id, "doc-" + id})
	}
	seed(t, st, recs...)
	want := slices.Clone(recs)
	slices.SortFunc(want, func(a, b rec) int { return bytes.Compare([]byte(a.id), []byte(b.id)) })
	wantContents(t, st, want...)
}

func (s suite) listPagination(t *testing.T) {
	st := s.store(t)
	recs := []rec{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}}
	docs := map[string]string{}
	for _, r := range recs {
		docs[r.id] = r.doc
	}
	seed(t, st, recs...)
	// Neighbours that must never show up.
	update(t, st, func(tx store.Tx) error {
		for _, n := range []struct {
			tn store.Namespace
			k  store.Kind
		}{{store.Namespace{Owner: "222222222222", Region: "us-east-1"}, kindA}, {nsA, "Other"}} {
			for _, id := range []string{"a", "bb", "f"} {
				if err := tx.Put(n.tn, n.k, id, []byte("x")); err != nil {
					return err
				}
			}
		}
		return nil
	})
	tests := []struct {
		name  string
		after string
		limit int
		want  string // the ids, concatenated
	}{
		{"all, limit 0", "", 0, "abcde"},
		{"all, negative limit", "", -1, "abcde"},
		{"first page", "", 2, "ab"},
		{"middle page", "b", 2, "cd"},
		{"last partial page", "d", 2, "e"},
		{"page ends exactly at the last id", "c", 2, "de"},
		{"limit equals the count", "", 5, "abcde"},
		{"limit above the count", "", 6, "abcde"},
		{"after a missing id", "bb", 2, "cd"},
		{"after the last id", "e", 2, ""},
		{"after the last id, no limit", "e", 0, ""},
		{"after beyond every id", "zzz", 0, ""},
		{"after sorts before every id", "0", 1, "a"},
		{"limit 1", "a", 1, "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			view(t, st, func(tx store.Tx) error {
				items, err := tx.List(nsA, kindA, tt.after, tt.limit)
				if err != nil {
					return err
				}
				got := ""
				for _, it := range items {
					got += it.ID
					if want := docs[it.ID]; string(it.Doc) != want {
						t.Errorf("doc of %q: got %q, want %q", it.ID, it.Doc, want)
					}
				}
				if got != tt.want {
					t.Errorf("List(after %q, limit %d): got ids %q, want %q", tt.after, tt.limit, got, tt.want)
				}
				return nil
			})
		})
	}
	t.Run("paging through", func(t *testing.T) {
		for limit := 1; limit <= 6; limit++ {
			got, after, pages := "", "", 0
			for ; pages <= 6; pages++ {
				var items []store.Item
				view(t, st, func(tx store.Tx) (err error) {
					items, err = tx.List(nsA, kindA, after, limit)
					return err
				})
				if len(items) == 0 {
					break
				}
				if len(items) > limit {
					t.Fatalf("limit %d: got a page of %d items", limit, len(items))
				}
				for _, it := range items {
					got += it.ID
				}
				after = items[len(items)-1].ID
			}
			if got != "abcde" {
				t.Errorf("limit %d: got ids %q, want %q", limit, got, "abcde")
			}
		}
	})
	t.Run("empty kind", func(t *testing.T) {
		view(t, st, func(tx store.Tx) error {
			items, err := tx.List(nsA, "Nothing", "", 0)
			if len(items) != 0 || err != nil {
				t.Errorf("List: got %v, %v; want none, nil", items, err)
			}
			return nil
		})
	})
}

func (s suite) count(t *testing.T) {
	st := s.store(t)
	countIs := func(want int) {
		t.Helper()
		view(t, st, func(tx store.Tx) error {
			n, err := tx.Count(nsA, kindA)
			if n != want || err != nil {
				t.Errorf("Count: got %d, %v; want %d, nil", n, err, want)
			}
			return nil
		})
	}
	countIs(0)
	seed(t, st, rec{"a", "1"}, rec{"b", "2"}, rec{"c", "3"})
	countIs(3)
	seed(t, st, rec{"a", "replaced"})
	countIs(3)
	update(t, st, func(tx store.Tx) error {
		if err := tx.Put(nsA, "Other", "d", nil); err != nil {
			return err
		}
		return tx.Put(store.Namespace{Owner: nsA.Owner}, kindA, "d", nil)
	})
	countIs(3)
	update(t, st, func(tx store.Tx) error {
		if err := tx.Delete(nsA, kindA, "b"); err != nil {
			return err
		}
		// Count sees the transaction's own writes.
		if n, err := tx.Count(nsA, kindA); n != 2 || err != nil {
			t.Errorf("Count inside Update: got %d, %v; want 2, nil", n, err)
		}
		return nil
	})
	countIs(2)
}

// nsRec is a record of any namespace, as ListKind returns it.
type nsRec struct {
	ns      store.Namespace
	id, doc string
}

// listKind runs ListKind and returns what it returned as nsRecs.
func listKind(tx store.Tx, k store.Kind) ([]nsRec, error) {
	items, err := tx.ListKind(k)
	var out []nsRec
	for _, it := range items {
		out = append(out, nsRec{it.Namespace, it.ID, string(it.Doc)})
	}
	return out, err
}

func (s suite) listKind(t *testing.T) {
	st := s.store(t)
	var (
		// With records of kindA.
		a1 = nsA
		a2 = store.Regional(nsA.Owner, "eu-west-1")
		ag = store.Global(nsA.Owner)
		b1 = store.Regional("222222222222", "us-east-1")
		// Owners whose byte order is not a locale's: "o-Zorg" < "o-abc".
		oa = store.Global("o-abc")
		oz = store.Global("o-Zorg")
		// Neighbours of a1 whose owner and region join into the same
		// string.
		x2 = store.Regional(nsA.Owner+"u", "s-east-1")
		x3 = store.Regional(nsA.Owner, "us-east-1x")
		// Without records of kindA: e1 has records of another kind, n1
		// none.
		e1 = store.Regional("333333333333", "us-east-1")
		n1 = store.Regional("444444444444", "us-east-1")
	)
	seeded := []nsRec{
		{a1, "b", "a1-b"}, {a1, "a", "a1-a"}, {a1, "é", "a1-é"}, {a1, "B", "a1-B"}, {a1, "a0", ""},
		// Left out, as List from the start (after "") leaves it out.
		{a1, "", "a1-empty-id"},
		{a2, "c", "a2-c"}, {ag, "g", "ag-g"}, {b1, "e", "b1-e"}, {b1, "d", "b1-d"},
		{oa, "o", "oa-o"}, {oz, "o", "oz-o"}, {x2, "a", "x2-a"}, {x3, "a", "x3-a"},
	}
	others := []nsRec{{a1, "x", "a1-other"}, {e1, "a", "e1-other"}}
	update(t, st, func(tx store.Tx) error {
		for _, r := range seeded {
			if err := tx.Put(r.ns, kindA, r.id, []byte(r.doc)); err != nil {
				return err
			}
		}
		for _, r := range others {
			if err := tx.Put(r.ns, "Other", r.id, []byte(r.doc)); err != nil {
				return err
			}
		}
		return nil
	})
	// Namespace order (SortedNamespaces: owner, then region, comparing
	// bytes), then id order.
	want := []nsRec{
		{ag, "g", "ag-g"}, {a2, "c", "a2-c"},
		{a1, "B", "a1-B"}, {a1, "a", "a1-a"}, {a1, "a0", ""}, {a1, "b", "a1-b"}, {a1, "é", "a1-é"},
		{x3, "a", "x3-a"}, {x2, "a", "x2-a"},
		{b1, "d", "b1-d"}, {b1, "e", "b1-e"},
		{oz, "o", "oz-o"}, {oa, "o", "oa-o"},
	}
	check := func(t *testing.T, tx store.Tx, k store.Kind, want []nsRec) {
		t.Helper()
		got, err := listKind(tx, k)
		if err != nil {
			t.Fatalf("ListKind(%s): %v", k, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("ListKind(%s):\n got %v\nwant %v", k, got, want)
		}
	}
	t.Run("namespaces in order, ids in order", func(t *testing.T) {
		view(t, st, func(tx store.Tx) error {
			check(t, tx, kindA, want)
			return nil
		})
	})
	t.Run("what List returns", func(t *testing.T) {
		view(t, st, func(tx store.Tx) error {
			var fromList []nsRec
			for _, tn := range store.SortedNamespaces([]store.Namespace{a1, a2, ag, b1, oa, oz, x2, x3, e1, n1}) {
				items, err := tx.List(tn, kindA, "", 0)
				if err != nil {
					return err
				}
				for _, it := range items {
					fromList = append(fromList, nsRec{tn, it.ID, string(it.Doc)})
				}
			}
			check(t, tx, kindA, fromList)
			return nil
		})
	})
	t.Run("other kind", func(t *testing.T) {
		view(t, st, func(tx store.Tx) error {
			check(t, tx, "Other", []nsRec{{a1, "x", "a1-other"}, {e1, "a", "e1-other"}})
			check(t, tx, "Nothing", nil)
			return nil
		})
	})
	t.Run("many namespaces", func(t *testing.T) {
		st := s.store(t)
		var want []nsRec
		update(t, st, func(tx store.Tx) error {
			for i := range 600 {
				tn := store.Regional(fmt.Sprintf("%012d", 200000000000+i/4), fmt.Sprintf("eu-test-%d", i%4))
				if i%3 == 0 {
					want = append(want, nsRec{tn, "p", strconv.Itoa(i)})
					if err := tx.Put(tn, kindA, "p", []byte(strconv.Itoa(i))); err != nil {
						return err
					}
				}
			}
			return nil
		})
		slices.SortStableFunc(want, func(a, b nsRec) int { return store.CompareNamespaces(a.ns, b.ns) })
		view(t, st, func(tx store.Tx) error {
			check(t, tx, kindA, want)
			return nil
		})
	})
	t.Run("returns copies", func(t *testing.T) {
		view(t, st, func(tx store.Tx) error {
			items, err := tx.ListKind(kindA)
			for _, it := range items {
				for i := range it.Doc {
					it.Doc[i] = '!'
				}
			}
			if err != nil {
				return err
			}
			check(t, tx, kindA, want)
			return nil
		})
		view(t, st, func(tx store.Tx) error {
			check(t, tx, kindA, want)
			return nil
		})
	})
	t.Run("sees the transaction's own writes", func(t *testing.T) {
		err := st.Update(t.Context(), func(tx store.Tx) error {
			// Read first, so that the writes below come after the read
			// in the transaction.
			check(t, tx, kindA, want)
			if err := tx.Delete(a1, kindA, "a"); err != nil {
				return err
			}
			if err := tx.Put(a1, kindA, "b", []byte("a1-b2")); err != nil {
				return err
			}
			if err := tx.Create(n1, kindA, "n", []byte("n1-n")); err != nil {
				return err
			}
			if err := tx.Delete(b1, kindA, "d"); err != nil {
				return err
			}
			if err := tx.Delete(b1, kindA, "e"); err != nil {
				return err
			}
			if err := tx.Delete(e1, "Other", "a"); err != nil {
				return err
			}
			check(t, tx, kindA, []nsRec{
				{ag, "g", "ag-g"}, {a2, "c", "a2-c"},
				{a1, "B", "a1-B"}, {a1, "a0", ""}, {a1, "b", "a1-b2"}, {a1, "é", "a1-é"},
				{x3, "a", "x3-a"}, {x2, "a", "x2-a"},
				{n1, "n", "n1-n"},
				{oz, "o", "oz-o"}, {oa, "o", "oa-o"},
			})
			check(t, tx, "Other", []nsRec{{a1, "x", "a1-other"}})
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Update: got %v, want %v", err, errBoom)
		}
		view(t, st, func(tx store.Tx) error {
			check(t, tx, kindA, want)
			return nil
		})
	})
	t.Run("View snapshot", func(t *testing.T) {
		view(t, st, func(tx store.Tx) error {
			check(t, tx, kindA, want)
			// A write committed after the View began is not seen by it.
			update(t, st, func(tx store.Tx) error {
				if err := tx.Put(a2, kindA, "c", []byte("a2-c2")); err != nil {
					return err
				}
				return tx.Put(n1, kindA, "n", []byte("n1-n"))
			})
			check(t, tx, kindA, want)
			return nil
		})
	})
}

func (s suite) updateErrorKeepsNothing(t *testing.T) {
	tests := []struct {
		name    string
		fail    step  // runs after the writes
		wantErr error // from Update
	}{
		{"fn returns its own error", func(store.Tx) error { return errBoom }, errBoom},
		{"fn returns a wrapped error", func(store.Tx) error { return fmt.Errorf("wrapped: %w", errBoom) }, errBoom},
		{"fn returns ErrExists from Create", create("c", "x"), store.ErrExists},
		{"fn returns ErrNotFound from Delete", del("missing"), store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.store(t)
			seed(t, st, rec{"a", "1"}, rec{"c", "3"})
			err := st.Update(t.Context(), seq(
				put("a", "2"), create("b", "new"), del("c"), put("d", "4"),
				create("c", "again"), tt.fail,
			))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Update: got %v, want %v", err, tt.wantErr)
			}
			wantContents(t, st, rec{"a", "1"}, rec{"c", "3"})
		})
	}
}

func (s suite) errorsPropagate(t *testing.T) {
	st := s.store(t)
	err := st.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Get(nsA, kindA, "missing")
		return fmt.Errorf("lookup: %w", err)
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("View: got %v, want ErrNotFound", err)
	}
	if err := st.View(t.Context(), func(store.Tx) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Errorf("View: got %v, want %v", err, errBoom)
	}
}

func (s suite) viewRejectsWrites(t *testing.T) {
	tests := []struct {
		name string
		step step
	}{
		{"Create new", create("b", "x")},
		{"Create existing", create("a", "x")},
		{"Put", put("a", "x")},
		{"Put new", put("b", "x")},
		{"Delete", del("a")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.store(t)
			seed(t, st, rec{"a", "1"})
			view(t, st, func(tx store.Tx) error {
				if err := tt.step(tx); err == nil {
					t.Errorf("%s inside View: got nil error, want one", tt.name)
				}
				// The failed write leaves the snapshot alone.
				if doc, err := tx.Get(nsA, kindA, "a"); string(doc) != "1" || err != nil {
					t.Errorf("Get after the write: got %q, %v; want %q, nil", doc, err, "1")
				}
				return nil
			})
			wantContents(t, st, rec{"a", "1"})
		})
	}
}

func (s suite) viewSnapshot(t *testing.T) {
	st := s.store(t)
	seed(t, st, rec{"a", "1"}, rec{"b", "1"})
	view(t, st, func(tx store.Tx) error {
		if doc, err := tx.Get(nsA, kindA, "a"); string(doc) != "1" || err != nil {
			t.Fatalf("Get: got %q, %v; want %q, nil", doc, err, "1")
		}
		// A write committed after the View began is not seen by it.
		update(t, st, seq(put("a", "2"), put("b", "2"), create("c", "2")))
		for _, id := range []string{"a", "b"} {
			if doc, err := tx.Get(nsA, kindA, id); string(doc) != "1" || err != nil {
				t.Errorf("Get(%q) after a concurrent Update: got %q, %v; want %q, nil", id, doc, err, "1")
			}
		}
		if n, err := tx.Count(nsA, kindA); n != 2 || err != nil {
			t.Errorf("Count after a concurrent Update: got %d, %v; want 2, nil", n, err)
		}
		return nil
	})
	wantContents(t, st, rec{"a", "2"}, rec{"b", "2"}, rec{"c", "2"})
}

// increment adds one to the decimal counter in id.
func increment(tx store.Tx, id string) error {
	n := 0
	doc, err := tx.Get(nsA, kindA, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if n, err = strconv.Atoi(string(doc)); err != nil {
			return err
		}
	}
	return tx.Put(nsA, kindA, id, []byte(strconv.Itoa(n+1)))
}

func (s suite) concurrentCounter(t *testing.T) {
	const writers, each, readers = 8, 25, 2
	st := s.store(t)
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+readers)
	for range writers {
		wg.Go(func() {
			<-start
			for range each {
				if err := st.Update(t.Context(), func(tx store.Tx) error { return increment(tx, "n") }); err != nil {
					errs <- fmt.Errorf("update: got %v, want nil", err)
				}
			}
		})
	}
	// Readers run alongside: each View sees one committed value throughout.
	for range readers {
		wg.Go(func() {
			<-start
			for range each {
				err := st.View(t.Context(), func(tx store.Tx) error {
					first, err1 := tx.Get(nsA, kindA, "n")
					second, err2 := tx.Get(nsA, kindA, "n")
					for _, err := range []error{err1, err2} {
						if err != nil && !errors.Is(err, store.ErrNotFound) {
							return err
						}
					}
					if !bytes.Equal(first, second) || (err1 == nil) != (err2 == nil) {
						return fmt.Errorf("two Gets in one View: got %q, %v and %q, %v; want equal", first, err1, second, err2)
					}
					return nil
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantContents(t, st, rec{"n", strconv.Itoa(writers * each)})
}

// concurrentMixedOutcomes runs Updates at once that succeed, fail or panic,
// all touching one shared counter, so a backend that groups them into one
// database transaction is checked to undo exactly the failed ones.
func (s suite) concurrentMixedOutcomes(t *testing.T) {
	const n = 64
	st := s.store(t)
	seed(t, st, rec{"dup", "seed"})
	type outcome struct {
		err       error
		recovered any
	}
	results := make([]outcome, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() { results[i].recovered = recover() }()
			<-start
			id := fmt.Sprintf("r%02d", i)
			results[i].err = st.Update(t.Context(), func(tx store.Tx) error {
				if err := increment(tx, "count"); err != nil {
					return err
				}
				if err := tx.Create(nsA, kindA, id, []byte("x")); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return errBoom
				case 2:
					return tx.Create(nsA, kindA, "dup", []byte("x"))
				case 3:
					panic(errBoom)
				}
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	want := []rec{{"dup", "seed"}}
	for i, r := range results {
		switch i % 4 {
		case 0:
			if r.err != nil || r.recovered != nil {
				t.Errorf("Update %d: got %v (panic %v), want nil", i, r.err, r.recovered)
			}
			want = append(want, rec{fmt.Sprintf("r%02d", i), "x"})
		case 1:
			if !errors.Is(r.err, errBoom) {
				t.Errorf("Update %d: got %v (panic %v), want %v", i, r.err, r.recovered, errBoom)
			}
		case 2:
			if !errors.Is(r.err, store.ErrExists) {
				t.Errorf("Update %d: got %v (panic %v), want ErrExists", i, r.err, r.recovered)
			}
		case 3:
			if r.err == nil && r.recovered == nil {
				t.Errorf("Update %d panicked: got nil error and no panic, want either", i)
			}
		}
	}
	want = append(want, rec{"count", strconv.Itoa(n / 4)})
	slices.SortFunc(want, func(a, b rec) int { return bytes.Compare([]byte(a.id), []byte(b.id)) })
	wantContents(t, st, want...)
}

func (s suite) panicDoesNotWedge(t *testing.T) {
	st := s.store(t)
	// More rounds than a backend is likely to have connections, so a leaked
	// connection or lock per panic shows up as a hang or an error.
	const rounds = 20
	call := func(f func() error) (recovered any, err error) {
		defer func() { recovered = recover() }()
		return nil, f()
	}
	for i := range rounds {
		id := strconv.Itoa(i)
		rec, err := call(func() error {
			return st.Update(t.Context(), func(tx store.Tx) error {
				if err := tx.Put(nsA, kindA, "panic"+id, []byte("x")); err != nil {
					return err
				}
				panic(errBoom)
			})
		})
		if err == nil && rec == nil {
			t.Fatalf("Update with a panicking fn: got nil error and no panic, want either")
		}
		rec, err = call(func() error {
			return st.View(t.Context(), func(store.Tx) error { panic(errBoom) })
		})
		if err == nil && rec == nil {
			t.Fatalf("View with a panicking fn: got nil error and no panic, want either")
		}
		update(t, st, put("ok"+id, "y"))
	}
	got := contents(t, st, nsA, kindA)
	if len(got) != rounds {
		t.Errorf("records: got %v, want the %d ok records only", got, rounds)
	}
	for _, r := range got {
		if r.doc != "y" {
			t.Errorf("record %q: got %q, want %q (writes of a panicking Update were kept)", r.id, r.doc, "y")
		}
	}
}

func (s suite) reset(t *testing.T) {
	st := s.store(t)
	global := store.Global("111111111111")
	other := store.Regional("222222222222", "eu-west-1")
	update(t, st, seq(put("a", "1"), put("b", "2"), func(tx store.Tx) error {
		if err := tx.Put(global, "Org", "o", []byte("3")); err != nil {
			return err
		}
		if err := tx.Put(store.System, "Secret", "k", []byte("kept")); err != nil {
			return err
		}
		return tx.Put(other, "Other", "x", []byte("4"))
	}))
	// A System record written in the same batch as the Reset survives too.
	if err := st.Update(t.Context(), func(tx store.Tx) error {
		return tx.Put(store.System, "Secret", "pending", []byte("kept too"))
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := st.Reset(t.Context()); err != nil {
		t.Fatalf("Reset: got %v, want nil", err)
	}
	view(t, st, func(tx store.Tx) error {
		for _, c := range []struct {
			tn store.Namespace
			k  store.Kind
			id string
		}{{nsA, kindA, "a"}, {nsA, kindA, "b"}, {global, "Org", "o"}, {other, "Other", "x"}} {
			if _, err := tx.Get(c.tn, c.k, c.id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get(%v, %s, %s) after Reset: got %v, want ErrNotFound", c.tn, c.k, c.id, err)
			}
			if n, err := tx.Count(c.tn, c.k); n != 0 || err != nil {
				t.Errorf("Count(%v, %s) after Reset: got %d, %v; want 0, nil", c.tn, c.k, n, err)
			}
		}
		for id, want := range map[string]string{"k": "kept", "pending": "kept too"} {
			if got, err := tx.Get(store.System, "Secret", id); err != nil || string(got) != want {
				t.Errorf("Get(System, Secret, %s) after Reset: got %q, %v; want %q (Reset keeps System)", id, got, err, want)
			}
		}
		return nil
	})
	// The store works as new.
	update(t, st, create("a", "5"))
	wantContents(t, st, rec{"a", "5"})
}

func (s suite) cancelledContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithTimeout(t.Context(), -1)
	defer cancel2()
	ops := []struct {
		name string
		call func(st store.Store, ctx context.Context, fn func(store.Tx) error) error
	}{
		{"View", func(st store.Store, ctx context.Context, fn func(store.Tx) error) error { return st.View(ctx, fn) }},
		{"Update", func(st store.Store, ctx context.Context, fn func(store.Tx) error) error { return st.Update(ctx, fn) }},
		{"Reset", func(st store.Store, ctx context.Context, _ func(store.Tx) error) error { return st.Reset(ctx) }},
	}
	ctxs := []struct {
		name string
		ctx  context.Context
		want error
	}{{"cancelled", cancelled, context.Canceled}, {"deadline exceeded", expired, context.DeadlineExceeded}}
	for _, op := range ops {
		for _, c := range ctxs {
			t.Run(op.name+"/"+c.name, func(t *testing.T) {
				st := s.store(t)
				seed(t, st, rec{"a", "1"})
				called := false
				err := op.call(st, c.ctx, func(tx store.Tx) error {
					called = true
					return tx.Put(nsA, kindA, "a", []byte("2"))
				})
				if !errors.Is(err, c.want) {
					t.Errorf("%s: got %v, want %v", op.name, err, c.want)
				}
				if called {
					t.Errorf("%s: fn was called, want not", op.name)
				}
				wantContents(t, st, rec{"a", "1"})
			})
		}
	}
}

func (s suite) copies(t *testing.T) {
	scribble := func(b []byte) {
		for i := range b {
			b[i] = '!'
		}
	}
	t.Run("Put keeps its own copy", func(t *testing.T) {
		st := s.store(t)
		doc := []byte("orig")
		update(t, st, func(tx store.Tx) error {
			if err := tx.Put(nsA, kindA, "a", doc); err != nil {
				return err
			}
			scribble(doc)
			if got, err := tx.Get(nsA, kindA, "a"); string(got) != "orig" || err != nil {
				t.Errorf("Get after changing Put's slice: got %q, %v; want %q, nil", got, err, "orig")
			}
			doc = []byte("orig")
			if err := tx.Create(nsA, kindA, "b", doc); err != nil {
				return err
			}
			scribble(doc)
			return nil
		})
		scribble(doc)
		wantContents(t, st, rec{"a", "orig"}, rec{"b", "orig"})
	})
	t.Run("Get returns a copy", func(t *testing.T) {
		st := s.store(t)
		seed(t, st, rec{"a", "orig"})
		update(t, st, func(tx store.Tx) error {
			first, err := tx.Get(nsA, kindA, "a")
			if err != nil {
				return err
			}
			second, err := tx.Get(nsA, kindA, "a")
			if err != nil {
				return err
			}
			scribble(first)
			if string(second) != "orig" {
				t.Errorf("second Get after changing the first: got %q, want %q", second, "orig")
			}
			if got, err := tx.Get(nsA, kindA, "a"); string(got) != "orig" || err != nil {
				t.Errorf("Get in the same Update: got %q, %v; want %q, nil", got, err, "orig")
			}
			return nil
		})
		doc, err := getDoc(t, st, nsA, kindA, "a")
		if err != nil {
			t.Fatal(err)
		}
		scribble(doc)
		wantContents(t, st, rec{"a", "orig"})
	})
	t.Run("List returns copies", func(t *testing.T) {
		st := s.store(t)
		seed(t, st, rec{"a", "orig"}, rec{"b", "orig"})
		view(t, st, func(tx store.Tx) error {
			items, err := tx.List(nsA, kindA, "", 0)
			for _, it := range items {
				scribble(it.Doc)
			}
			return err
		})
		wantContents(t, st, rec{"a", "orig"}, rec{"b", "orig"})
	})
}

// generation checks that the write generation changes with each write that
// commits (Update, Reset), and only then: Views, Updates that write nothing
// and Updates whose fn fails leave it as it was.
func (s suite) generation(t *testing.T) {
	st := s.store(t)
	gen := func() uint64 {
		t.Helper()
		g, err := st.Generation(t.Context())
		if err != nil {
			t.Fatalf("Generation: got %v, want nil", err)
		}
		return g
	}
	last := gen()
	steps := []struct {
		name    string
		do      func() error
		changes bool
	}{
		{"View", func() error {
			return st.View(t.Context(), func(tx store.Tx) error { _, err := tx.Count(nsA, kindA); return err })
		}, false},
		{"Update that writes", func() error { return st.Update(t.Context(), put("a", "1")) }, true},
		{"Update that only reads", func() error {
			return st.Update(t.Context(), func(tx store.Tx) error { _, err := tx.Get(nsA, kindA, "a"); return err })
		}, false},
		{"Update whose fn fails", func() error {
			err := st.Update(t.Context(), seq(put("b", "2"), func(store.Tx) error { return errBoom }))
			if !errors.Is(err, errBoom) {
				return fmt.Errorf("got %v, want errBoom", err)
			}
			return nil
		}, false},
		{"Update that replaces", func() error { return st.Update(t.Context(), put("a", "2")) }, true},
		{"Update that deletes", func() error {
			return st.Update(t.Context(), func(tx store.Tx) error { return tx.Delete(nsA, kindA, "a") })
		}, true},
		{"Update that creates", func() error { return st.Update(t.Context(), put("c", "3")) }, true},
		{"Reset", func() error { return st.Reset(t.Context()) }, true},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		g := gen()
		switch {
		case step.changes && g <= last:
			t.Errorf("after %s: generation %d, want more than %d", step.name, g, last)
		case !step.changes && g != last:
			t.Errorf("after %s: generation %d, want %d as before (nothing was written)", step.name, g, last)
		}
		last = g
	}
}
