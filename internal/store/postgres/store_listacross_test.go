package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// listAcrossNamespaces returns n regional namespaces: n/4 accounts × 4
// regions.
func listAcrossNamespaces(n int) []store.Namespace {
	ts := make([]store.Namespace, n)
	for i := range ts {
		ts[i] = store.Regional(fmt.Sprintf("%012d", 100000000000+i/4), fmt.Sprintf("eu-test-%d", i%4))
	}
	return ts
}

// listAcrossArgs returns the arguments of qListAcross for ts and k, as
// ListAcross makes them.
func listAcrossArgs(ts []store.Namespace, k store.Kind) []any {
	ns := store.SortedNamespaces(ts)
	owners, regions := make([]string, len(ns)), make([]string, len(ns))
	for i, tn := range ns {
		owners[i], regions[i] = tn.Owner, tn.Region
	}
	return []any{string(k), owners, regions}
}

// TestListAcrossPlan checks, with EXPLAIN, that ListAcross probes the
// primary key once per namespace rather than scanning the records of the
// kind, whether the kind is rare (conformance packs: a few namespaces have
// one) or common (ten records in every namespace), in the custom and in the
// generic plan, and sorts no more than one namespace's records at a time.
// The plans are logged (go test -v).
func TestListAcrossPlan(t *testing.T) {
	db := openDB(t, pgtest.DSN(t))
	s := NewStore(db, StoreOptions{})
	const n = 2000
	ts := listAcrossNamespaces(n)
	// 2,000 namespaces × 10 records of Many, 1 in 100 namespaces with a
	// record of Few, and 2,000 × 10 records of namespaces not read.
	for _, q := range []string{
		`INSERT INTO records (owner, region, kind, id, doc)
		SELECT lpad((100000000000 + i / 4)::text, 12, '0'), 'eu-test-' || (i % 4), 'Many', convert_to('id-' || j, 'UTF8'), '\x7b7d'::bytea
		FROM generate_series(0, 1999) i, generate_series(1, 10) j`,
		`INSERT INTO records (owner, region, kind, id, doc)
		SELECT lpad((100000000000 + i / 4)::text, 12, '0'), 'eu-test-' || (i % 4), 'Few', '\x70'::bytea, '\x7b7d'::bytea
		FROM generate_series(0, 1999, 100) i`,
		`INSERT INTO records (owner, region, kind, id, doc)
		SELECT lpad((900000000000 + i)::text, 12, '0'), 'eu-test-0', 'Many', convert_to('id-' || j, 'UTF8'), '\x7b7d'::bytea
		FROM generate_series(0, 1999) i, generate_series(1, 10) j`,
		`ANALYZE records`,
	} {
		if _, err := db.Pool().Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, tt := range []struct {
		kind store.Kind
		want int
	}{{"Few", n / 100}, {"Many", n * 10}} {
		t.Run(string(tt.kind), func(t *testing.T) {
			plan := invCheckPlans(t, db, "", qListAcross, listAcrossArgs(ts, tt.kind))
			if !strings.Contains(plan, "records_pkey") {
				t.Errorf("generic plan: no probe of records_pkey:\n%s", plan)
			}
			custom := invExplain(t, db, "custom", qListAcross, listAcrossArgs(ts, tt.kind))
			if !strings.Contains(custom, "records_pkey") {
				t.Errorf("custom plan: no probe of records_pkey:\n%s", custom)
			}
			err := s.View(t.Context(), func(tx store.Tx) error {
				items, err := tx.ListAcross(ts, tt.kind)
				if err == nil && len(items) != tt.want {
					err = fmt.Errorf("got %d items, want %d", len(items), tt.want)
				}
				return err
			})
			if err != nil {
				t.Errorf("ListAcross: %v", err)
			}
		})
	}
}

// TestListAcrossRoundTrips checks that a View of a ListAcross sends as
// many times as a View of a Get, however many namespaces (the statement
// with the BEGIN, then the COMMIT), and that of no namespaces sends
// nothing. The statement of 1,000 namespaces is about 30 kB, which TLS
// (CI's connections use it) writes as records of 16 kB: the first round
// trip may be two or three writes, where a read per namespace would be a
// thousand.
func TestListAcrossRoundTrips(t *testing.T) {
	s, writes := countingStore(t)
	ts := listAcrossNamespaces(1000)
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, tn := range ts[:10] {
			if err := tx.Put(tn, testKind, "a", []byte("1")); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tt := range []struct {
		name     string
		ts       []store.Namespace
		min, max int64
	}{
		{"1,000 namespaces", ts, 2, 4},
		{"one namespace", ts[:1], 2, 2},
		{"no namespaces", nil, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			call := func() error {
				return s.View(t.Context(), func(tx store.Tx) error {
					_, err := tx.ListAcross(tt.ts, testKind)
					return err
				})
			}
			if err := call(); err != nil { // prepares the statement
				t.Fatal(err)
			}
			before := writes.Load()
			if err := call(); err != nil {
				t.Fatal(err)
			}
			if got := writes.Load() - before; got < tt.min || got > tt.max {
				t.Errorf("writes: got %d, want %d to %d", got, tt.min, tt.max)
			}
		})
	}
}
