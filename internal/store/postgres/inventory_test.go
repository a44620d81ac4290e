package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invbench"
	"github.com/starlingcfg/starling/internal/inventory/inventorytest"
	"github.com/starlingcfg/starling/internal/query/querytest"
	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// invOpenDB opens a DB on dsn, closed when t ends.
func invOpenDB(t testing.TB, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

func TestInventoryConformance(t *testing.T) {
	pgtest.BaseDSN(t) // skips the whole suite without PostgreSQL
	inventorytest.Run(t, func(t *testing.T) inventory.Store {
		return NewInventory(invOpenDB(t, pgtest.DSN(t)), InventoryOptions{})
	})
}

// TestInventoryConformanceSmallPages runs the suite with Scan's Match
// reading its keys 7 at a time, and its items 5 at a time, so that its
// paging is checked.
func TestInventoryConformanceSmallPages(t *testing.T) {
	pgtest.BaseDSN(t)
	inventorytest.Run(t, func(t *testing.T) inventory.Store {
		return NewInventory(invOpenDB(t, pgtest.DSN(t)), InventoryOptions{MatchPage: 7, ScanPage: 5})
	})
}

// TestQueryDifferential checks advanced query's executor on PostgreSQL
// against the reference evaluator (package query/querytest).
func TestQueryDifferential(t *testing.T) {
	querytest.Run(t, func(t *testing.T) inventory.Store {
		return NewInventory(invOpenDB(t, pgtest.DSN(t)), InventoryOptions{})
	})
}

var (
	invSrcA = inventory.Source{AccountID: "111111111111", Region: "us-east-1"}
	invSrcB = inventory.Source{AccountID: "222222222222", Region: "eu-west-1"}
	invT0   = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
)

// invTestItem returns version stateID of the resource (src, typ, id).
func invTestItem(src inventory.Source, typ, id string, stateID int64) inventory.Item {
	return inventory.Item{
		Key:           inventory.Key{Source: src, ResourceType: typ, ResourceID: id},
		StateID:       stateID,
		CaptureTime:   invT0.Add(time.Duration(stateID) * time.Minute),
		Status:        inventory.StatusOK,
		Version:       "1.3",
		AWSRegion:     src.Region,
		ARN:           "arn:aws:x:" + src.Region + ":" + src.AccountID + ":" + id,
		Configuration: json.RawMessage(fmt.Sprintf(`{"id":%q,"state":%d}`, id, stateID)),
	}
}

// TestInventoryLockAcrossProcesses checks that LockSource excludes across
// two DBs (two pools, as two replicas would have) on one database.
func TestInventoryLockAcrossProcesses(t *testing.T) {
	dsn := pgtest.DSN(t)
	inv1 := NewInventory(invOpenDB(t, dsn), InventoryOptions{})
	inv2 := NewInventory(invOpenDB(t, dsn), InventoryOptions{})
	ctx := t.Context()

	unlock1, err := inv1.LockSource(ctx, invSrcA)
	if err != nil {
		t.Fatalf("LockSource on 1: %v", err)
	}
	wait, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = inv2.LockSource(wait, invSrcA)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockSource on 2 of the source 1 holds: got %v, want context.DeadlineExceeded", err)
	}
	// Another source is free (these two do not share a key).
	if invSourceLockKey(invSrcA) == invSourceLockKey(invSrcB) {
		t.Fatal("the test's sources share a lock key")
	}
	unlockB, err := inv2.LockSource(ctx, invSrcB)
	if err != nil {
		t.Fatalf("LockSource on 2 of another source: %v", err)
	}
	unlockB()

	// A waiter on 2 gets the lock when 1 releases it, not before.
	got := make(chan func(), 1)
	go func() {
		unlock, err := inv2.LockSource(ctx, invSrcA)
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		got <- unlock
	}()
	select {
	case <-got:
		t.Fatal("2 took the lock that 1 holds")
	case <-time.After(200 * time.Millisecond):
	}
	unlock1()
	var unlock2 func()
	select {
	case unlock2 = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("2 did not get the lock after 1 released it")
	}
	if unlock2 == nil {
		return
	}
	wait, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = inv1.LockSource(wait, invSrcA)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockSource on 1 of the source 2 holds: got %v, want context.DeadlineExceeded", err)
	}
	unlock2()
	// The cancelled waits took nothing behind the holders' backs.
	wait, cancel = context.WithTimeout(ctx, 5*time.Second)
	unlock, err := inv1.LockSource(wait, invSrcA)
	cancel()
	if err != nil {
		t.Fatalf("LockSource after every holder released: %v", err)
	}
	unlock()

	// Under contention from both processes, one holder at a time.
	both := []inventory.Store{inv1, inv2, inv1, inv2, inv1, inv2}
	if m := inventorytest.Contend(t, ctx, both, invSrcA, 15, 100*time.Microsecond); m != 1 {
		t.Errorf("LockSource let %d holders in at once across two DBs, want 1", m)
	}
}

// TestInventoryReplicas writes overlapping batches from two Inventories on
// two DBs (two replicas) at once: every version is stored once, each
// resource's latest is its largest StateID, and the counts are right.
func TestInventoryReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	invs := []*Inventory{
		NewInventory(invOpenDB(t, dsn), InventoryOptions{}),
		NewInventory(invOpenDB(t, dsn), InventoryOptions{}),
	}
	types := []string{"AWS::EC2::Instance", "AWS::S3::Bucket"}
	srcs := []inventory.Source{invSrcA, invSrcB}
	var keys []inventory.Key
	for _, src := range srcs {
		for _, typ := range types {
			for i := range 40 {
				keys = append(keys, inventory.Key{Source: src, ResourceType: typ, ResourceID: fmt.Sprintf("r-%03d", i)})
			}
		}
	}
	const (
		writers = 4 // per Inventory
		batches = 25
	)
	// Every writer writes random versions 1..30 of random keys, in random
	// order; the version of (key, StateID) is the same whoever writes it,
	// and every third StateID of a key is a deletion.
	version := func(k inventory.Key, state int64) inventory.Item {
		it := invTestItem(k.Source, k.ResourceType, k.ResourceID, state)
		if state%3 == 0 {
			it.Status = inventory.StatusResourceDeleted
			it.Configuration = json.RawMessage("null")
		}
		return it
	}
	type written struct {
		items []inventory.Item
		res   inventory.WriteResult
	}
	var mu sync.Mutex
	var all []written
	var wg sync.WaitGroup
	for w := range 2 * writers {
		inv := invs[w%2]
		r := rand.New(rand.NewPCG(uint64(w), 42))
		wg.Go(func() {
			for range batches {
				var batch []inventory.Item
				for range 20 + r.IntN(60) {
					batch = append(batch, version(keys[r.IntN(len(keys))], 1+r.Int64N(30)))
				}
				res, err := inv.Write(t.Context(), batch)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				all = append(all, written{batch, res})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("Write attempts run again: %d and %d", invs[0].retries.Load(), invs[1].retries.Load())
	if t.Failed() {
		return
	}

	latest := map[inventory.Key]int64{}
	distinct := map[inventory.Key]map[int64]bool{}
	var total inventory.WriteResult
	items := 0
	for _, w := range all {
		total.Add(w.res)
		items += len(w.items)
		for _, it := range w.items {
			latest[it.Key] = max(latest[it.Key], it.StateID)
			if distinct[it.Key] == nil {
				distinct[it.Key] = map[int64]bool{}
			}
			distinct[it.Key][it.StateID] = true
		}
	}
	versions := 0
	for _, ss := range distinct {
		versions += len(ss)
	}
	// Each distinct version was stored by exactly one Write.
	if got := total.New + total.Superseded; got != versions {
		t.Errorf("New + Superseded over every Write: %d, want %d distinct versions (%+v)", got, versions, total)
	}
	if got := total.New + total.Superseded + total.Unchanged; got != items {
		t.Errorf("results over every Write count %d items, want %d", got, items)
	}
	wantCount := map[string]int64{}
	for k, state := range latest {
		for _, inv := range invs {
			got, err := inv.Get(t.Context(), k)
			if err != nil || got.StateID != state {
				t.Errorf("Get(%v): got StateID %d, %v; want %d", k, got.StateID, err, state)
			}
		}
		page, err := invs[0].History(t.Context(), inventory.HistoryQuery{Key: k, Chronological: true, Limit: 100})
		if err != nil || len(page.Items) != len(distinct[k]) {
			t.Errorf("History(%v): got %d versions, %v; want %d", k, len(page.Items), err, len(distinct[k]))
		}
		if state%3 != 0 {
			wantCount[k.AccountID+"/"+k.Region+"/"+k.ResourceType]++
		}
	}
	for _, src := range srcs {
		res, err := invs[1].Count(t.Context(), inventory.CountQuery{Scope: inventory.OneSource(src), GroupBy: inventory.GroupResourceType})
		if err != nil {
			t.Fatal(err)
		}
		var want inventory.CountResult
		for _, typ := range types {
			if n := wantCount[src.AccountID+"/"+src.Region+"/"+typ]; n > 0 {
				want.Total += n
				want.Groups = append(want.Groups, inventory.Group{Key: typ, Count: n})
			}
		}
		slices.SortFunc(want.Groups, func(a, b inventory.Group) int { return strings.Compare(a.Key, b.Key) })
		if res.Total != want.Total || !slices.Equal(res.Groups, want.Groups) {
			t.Errorf("Count of %v: got %+v, want %+v", src, res, want)
		}
	}
	// The counts table agrees with the resources table.
	var mismatched int
	err := invs[0].db.Pool().QueryRow(t.Context(), `SELECT count(*) FROM (
  SELECT account_id, region, type, count(*) FILTER (WHERE NOT deleted) AS n FROM inventory_resources GROUP BY 1, 2, 3) r
FULL JOIN inventory_counts c USING (account_id, region, type)
WHERE r.n IS DISTINCT FROM c.n`).Scan(&mismatched)
	if err != nil || mismatched != 0 {
		t.Errorf("inventory_counts: %d rows disagree with inventory_resources, %v", mismatched, err)
	}
}

// TestInventoryClose checks that Close leaves the DB open and makes the
// Inventory's calls fail.
func TestInventoryClose(t *testing.T) {
	db := invOpenDB(t, pgtest.DSN(t))
	inv := NewInventory(db, InventoryOptions{})
	it := invTestItem(invSrcA, "AWS::S3::Bucket", "b", 1)
	if _, err := inv.Write(t.Context(), []inventory.Item{it}); err != nil {
		t.Fatal(err)
	}
	if err := inv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := inv.Close(); !errors.Is(err, ErrInventoryClosed) {
		t.Errorf("second Close: got %v, want ErrInventoryClosed", err)
	}
	calls := inventorytest.Calls(t.Context(), inv, it)
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrInventoryClosed) {
			t.Errorf("%s after Close: got %v, want ErrInventoryClosed", name, err)
		}
	}
	// The DB is still open: another Inventory on it reads the write.
	got, err := NewInventory(db, InventoryOptions{}).Get(t.Context(), it.Key)
	if err != nil || got.StateID != 1 {
		t.Errorf("Get on a new Inventory of the same DB: got %+v, %v", got, err)
	}
}

// TestInventoryUnavailable checks that every call on a database that
// cannot be reached fails with store.ErrUnavailable. It needs no
// PostgreSQL: the pool connects lazily, to a port nobody listens on.
func TestInventoryUnavailable(t *testing.T) {
	cfg, err := pgxpool.ParseConfig("postgres://starling:x@127.0.0.1:1/starling?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	inv := NewInventory(&DB{pool: pool}, InventoryOptions{})
	defer inv.Close()
	it := invTestItem(invSrcA, "AWS::S3::Bucket", "b", 1)
	calls := inventorytest.Calls(t.Context(), inv, it)
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s on an unreachable database: got %v, want store.ErrUnavailable", name, err)
		}
	}
}

// TestInventoryConfigurationDoc checks the jsonb form of the configuration
// that the query engine will read: filled from the bytes, and NULL (with
// the bytes still stored) for a document jsonb refuses.
func TestInventoryConfigurationDoc(t *testing.T) {
	db := invOpenDB(t, pgtest.DSN(t))
	inv := NewInventory(db, InventoryOptions{})
	docs := []struct {
		config string
		doc    string // configuration_doc ->> 'a', or "NULL"
	}{
		{`{"a":"x","b":[1,2]}`, "x"},
		{`{"a":12345678901234567890}`, "12345678901234567890"},
		{`{"a":"\ud83d\ude00"}`, "😀"},
		{`null`, "NULL"},
		{`{"a":"\u0000"}`, "NULL"},
		{`{"a":"\ud800"}`, "NULL"},
		{`{"a":"\udc00x"}`, "NULL"},
		{`{"a":1e200000}`, "NULL"},
		{`{"a":1e-17000}`, "NULL"},
		{`{"a":`, "NULL"},
		{"{\"a\":\"\xff\"}", "NULL"},
		{``, "NULL"},
	}
	var items []inventory.Item
	for i, d := range docs {
		it := invTestItem(invSrcA, "AWS::S3::Bucket", fmt.Sprintf("b%02d", i), 1)
		it.Configuration = json.RawMessage(d.config)
		items = append(items, it)
	}
	if _, err := inv.Write(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		var got *string
		var raw []byte
		err := db.Pool().QueryRow(t.Context(), `SELECT v.configuration_doc ->> 'a', v.configuration FROM inventory_resources r
JOIN inventory_versions v ON v.rid = r.rid WHERE r.resource_id = $1`, items[i].ResourceID).Scan(&got, &raw)
		if err != nil {
			t.Fatalf("%s: %v", d.config, err)
		}
		gotS := "NULL"
		if got != nil {
			gotS = *got
		}
		if gotS != d.doc {
			t.Errorf("configuration_doc of %s: got %s, want %s", d.config, gotS, d.doc)
		}
		if string(raw) != d.config {
			t.Errorf("configuration of %s: got %q", d.config, raw)
		}
		it, err := inv.Get(t.Context(), items[i].Key)
		if err != nil || string(it.Configuration) != d.config {
			t.Errorf("Get of %s: got %q, %v", d.config, it.Configuration, err)
		}
	}
}

func TestInventoryJSONBSafe(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		want bool
	}{
		{`{}`, true},
		{`null`, true},
		{`{"s":"a\"b\\c\/\n\u00e9"}`, true},
		{`{"s":"\ud83d\ude00"}`, true},
		{`{"s":"\uD83D\uDE00"}`, true},
		{`{"n":[1,-2.5,3e10,-4E-3,1e400,12345678901234567890]}`, true},
		{``, false},
		{`{`, false},
		{"\"\xff\"", false},
		{`"\u0000"`, false},
		{`"\ud800"`, false},
		{`"\ud800\u0041"`, false},
		{`"\udc00"`, false},
		{`1e131001`, false},
		{`1e-16001`, false},
		{`1` + strings.Repeat("0", 200000), false},
	} {
		if got := invJSONBSafe([]byte(tt.doc)); got != tt.want {
			t.Errorf("invJSONBSafe(%.40q): got %v, want %v", tt.doc, got, tt.want)
		}
	}
}

func TestInventoryCodec(t *testing.T) {
	tags := map[string]string{"Name": "x", "": "empty key", "q\"\\": "<&>\n\t\x01", "ünï": "cödé"}
	b := invAppendTags(nil, tags)
	got, err := invDecodeTags(b)
	if err != nil || !equalMaps(got, tags) {
		t.Errorf("tags: got %v, %v from %s", got, err, b)
	}
	rels := []inventory.Relationship{
		{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", Name: "Is contained in Vpc"},
		{ResourceType: "AWS::IAM::Role", ResourceName: "r\"", Name: "Is associated with Role"},
		{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", Name: "Is contained in Vpc"},
	}
	b = invAppendRelationships(nil, rels)
	gotRels, err := invDecodeRelationships(b)
	if err != nil || !slices.Equal(gotRels, rels) {
		t.Errorf("relationships: got %v, %v from %s", gotRels, err, b)
	}
	// Invalid UTF-8 becomes U+FFFD rather than a document jsonb refuses.
	if b := appendJSONString(nil, "a\xffb"); string(b) != `"a\ufffdb"` || !json.Valid(b) {
		t.Errorf("invalid UTF-8: got %s", b)
	}
	// A column that is not what the encoding makes is refused.
	for _, bad := range []string{`{"a":1}`, `[`, `{"a":"b"`} {
		if _, err := invDecodeTags([]byte(bad)); !errors.Is(err, errInvCodec) {
			t.Errorf("invDecodeTags(%s): got %v, want errInvCodec", bad, err)
		}
		if _, err := invDecodeRelationships([]byte(bad)); !errors.Is(err, errInvCodec) {
			t.Errorf("invDecodeRelationships(%s): got %v, want errInvCodec", bad, err)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestInventoryQueryPlans checks, with EXPLAIN, that a page of a List
// walks the primary key in order rather than sorting what the query
// admits: for an aggregator (a set of many sources and a type), for a
// type across every source, and for every source. So does a page of a
// Scan with At, whose resources each look their version of then up in the
// primary key of inventory_versions, walking it backwards. The plans are
// logged (go test -v).
func TestInventoryQueryPlans(t *testing.T) {
	db := invOpenDB(t, pgtest.DSN(t))
	inv := NewInventory(db, InventoryOptions{})
	types := []string{"AWS::EC2::Instance", "AWS::S3::Bucket", "AWS::IAM::Role"}
	var srcs []inventory.Source
	var batch []inventory.Item
	for a := range 200 {
		src := inventory.Source{AccountID: fmt.Sprintf("%012d", 100000000000+a), Region: "us-east-1"}
		srcs = append(srcs, src)
		for i := range 30 {
			batch = append(batch, invTestItem(src, types[i%len(types)], fmt.Sprintf("r-%04d", i), 1))
		}
		if len(batch) >= 1000 {
			if _, err := inv.Write(t.Context(), batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := inv.Write(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(t.Context(), "ANALYZE inventory_resources, inventory_versions, inventory_counts"); err != nil {
		t.Fatal(err)
	}
	// Every other source, from the 50th on: a scope of 100 of the 200.
	var scope []inventory.Source
	for i := 0; i < len(srcs); i += 2 {
		scope = append(scope, srcs[i])
	}
	after := &inventory.Key{Source: srcs[50], ResourceType: types[1], ResourceID: "r-0013"}
	for _, tt := range []struct {
		name  string
		scope *inventory.Scope
		f     inventory.Filter
	}{
		{"aggregator: a set of sources and a type", &inventory.Scope{Sources: scope}, inventory.Filter{ResourceTypes: types[1:2]}},
		{"a set of sources", &inventory.Scope{Sources: scope}, inventory.Filter{}},
		{"a set of sources and two types", &inventory.Scope{Sources: scope}, inventory.Filter{ResourceTypes: types[:2]}},
		{"a type across every source", inventory.AllSources(), inventory.Filter{ResourceTypes: types[1:2]}},
		{"every source", inventory.AllSources(), inventory.Filter{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, args, ok := invListSQL(tt.scope, tt.scope.SortedSources(), &tt.f, after, 100)
			if !ok {
				t.Fatal("no statement")
			}
			plan := invCheckPlans(t, db, "", q, args)
			if len(tt.f.ResourceTypes) > 0 && !tt.scope.All && !strings.Contains(plan, "One-Time Filter") {
				t.Errorf("no one-time probe of inventory_counts before each prefix:\n%s", plan)
			}
			q, args, _ = invKeysSQL(tt.scope, tt.scope.SortedSources(), &tt.f, after, 100)
			if plan := invCheckPlans(t, db, "KeysOnly: ", q, args); strings.Contains(plan, "inventory_versions") {
				t.Errorf("KeysOnly: the plan reads versions:\n%s", plan)
			}
			// And the statement's rows are the model's.
			page, err := inv.List(t.Context(), inventory.ListQuery{Scope: tt.scope, Filter: tt.f, Limit: 100})
			if err != nil || len(page.Items) != 100 {
				t.Errorf("List: got %d items, %v", len(page.Items), err)
			}
		})
		t.Run(tt.name+", at a time", func(t *testing.T) {
			// With a name, which the version of then is checked for.
			f := tt.f
			f.ResourceName = "n"
			q, args, ok := invPageSQL(tt.scope, tt.scope.SortedSources(), &f, invT0.Add(time.Hour), after, 100)
			if !ok {
				t.Fatal("no statement")
			}
			plan := invCheckPlans(t, db, "At: ", q, args)
			if !strings.Contains(plan, "Index Scan Backward using inventory_versions_pkey") {
				t.Errorf("At: generic plan: no backward walk of a resource's versions:\n%s", plan)
			}
			// Without the name, the scan at a time after every capture
			// reads what List does.
			var got []inventory.Item
			for it, err := range inv.Scan(t.Context(), inventory.ScanQuery{Scope: tt.scope, Filter: tt.f, At: invT0.Add(time.Hour)}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, it)
			}
			all, err := inv.List(t.Context(), inventory.ListQuery{Scope: tt.scope, Filter: tt.f, Limit: 10000})
			if err != nil || len(got) != len(all.Items) || len(got) < 100 {
				t.Errorf("Scan at a time: got %d items, List %d, %v", len(got), len(all.Items), err)
			}
		})
	}
}

// invCheckPlans checks the custom and the generic plans of q with args
// (invExplain): no sort but incremental ones of one source's (or one
// prefix's) page at a time, no hash of a table, no sequential scan: a page
// reads a page. It logs them, what before each, and returns the generic
// one.
func invCheckPlans(t *testing.T, db *DB, what, q string, args []any) string {
	t.Helper()
	var plan string
	for _, mode := range []string{"custom", "generic"} {
		plan = invExplain(t, db, mode, q, args)
		t.Logf("%s%s plan:\n%s", what, mode, plan)
		for line := range strings.Lines(plan) {
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "->"))
			if line == "Sort" || strings.HasPrefix(line, "Seq Scan") || strings.HasPrefix(line, "Hash") {
				t.Errorf("%s%s plan: %q: the query reads more than a page", what, mode, line)
			}
		}
	}
	return plan
}

// invExplain returns the plan of q with args: with mode "custom", the plan
// for these arguments; with "generic", the plan a prepared statement uses
// for any (which PostgreSQL may switch to after five executions), through
// PREPARE and EXPLAIN EXECUTE under plan_cache_mode force_generic_plan, on
// a connection of its own.
func invExplain(t *testing.T, db *DB, mode, q string, args []any) string {
	t.Helper()
	conn, err := db.Pool().Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	stmt := "EXPLAIN (COSTS OFF) " + q
	if mode == "generic" {
		if _, err := conn.Exec(t.Context(), "SET plan_cache_mode = force_generic_plan"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), "PREPARE inv_explained AS "+q); err != nil {
			t.Fatalf("PREPARE: %v", err)
		}
		defer func() {
			_, _ = conn.Exec(context.Background(), "DEALLOCATE inv_explained")
			_, _ = conn.Exec(context.Background(), "RESET plan_cache_mode")
		}()
		// EXECUTE takes no parameters of its own: the arguments are literals.
		ps := make([]string, len(args))
		for i, arg := range args {
			ps[i] = invLiteral(t, arg)
		}
		stmt = "EXPLAIN (COSTS OFF) EXECUTE inv_explained(" + strings.Join(ps, ", ") + ")"
		args = nil
	}
	rows, err := conn.Query(t.Context(), stmt, args...)
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	var b strings.Builder
	var line string
	for rows.Next() {
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// invLiteral returns arg as an SQL literal.
func invLiteral(t *testing.T, arg any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := arg.(type) {
	case string:
		return quote(v)
	case int:
		return strconv.Itoa(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quote(s)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
	case time.Time:
		return quote(v.Format(time.RFC3339Nano)) + "::timestamptz"
	}
	t.Fatalf("invLiteral: %T", arg)
	return ""
}

// The benchmark writes the CIs of package invbench, as the SQLite
// backend's BenchmarkInventoryWrite does: in sources of 5,000 resources
// each, in batches of 1,000, plus a second version of every tenth resource.
// STARLING_BENCH_CIS sets the number of resources (100,000 by default):
//
//	STARLING_TEST_POSTGRES=... go test -run '^$' -bench BenchmarkInventoryWrite -benchtime 1x ./internal/store/postgres
func BenchmarkInventoryWrite(b *testing.B) {
	n := invbench.CIs(b, 100_000)
	var cis int
	var spent time.Duration
	for b.Loop() {
		inv := invBenchInventory(b)
		var items []inventory.Item
		for batch := range invbench.Batches(n) {
			b.StopTimer()
			items = invbench.BatchItems(batch, n, items)
			b.StartTimer()
			start := time.Now()
			if _, err := inv.Write(b.Context(), items); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(start)
			cis += len(items)
		}
	}
	b.ReportMetric(float64(cis)/spent.Seconds(), "CIs/s")
	b.ReportMetric(0, "ns/op")
}

// invBenchInventory returns an Inventory on a new database, made off the
// clock.
func invBenchInventory(b *testing.B) *Inventory {
	b.StopTimer()
	defer b.StartTimer()
	return NewInventory(invOpenDB(b, pgtest.DSN(b)), InventoryOptions{})
}

// BenchmarkInventoryWriteConcurrent writes the same CIs as
// BenchmarkInventoryWrite from 4 goroutines at once, each taking the next
// batch (so mostly other resources, sometimes the same sources), as
// replicas ingesting different deliveries do. CIs/s is their total.
func BenchmarkInventoryWriteConcurrent(b *testing.B) {
	n := invbench.CIs(b, 100_000)
	const writers = 4
	var cis atomic.Int64
	var spent time.Duration
	for b.Loop() {
		inv := invBenchInventory(b)
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range writers {
			wg.Go(func() {
				var items []inventory.Item
				for {
					batch := int(next.Add(1) - 1)
					if batch >= invbench.Batches(n) {
						return
					}
					items = invbench.BatchItems(batch, n, items)
					if _, err := inv.Write(b.Context(), items); err != nil {
						b.Error(err)
						return
					}
					cis.Add(int64(len(items)))
				}
			})
		}
		wg.Wait()
		spent += time.Since(start)
	}
	b.ReportMetric(float64(cis.Load())/spent.Seconds(), "CIs/s")
	b.ReportMetric(0, "ns/op")
}

// TestInventoryTermsRebuilt checks that a database whose terms are missing
// or of another version (one migrated to schema 5, or a later change of
// invterms.Version) gets them computed by the next process that opens it.
func TestInventoryTermsRebuilt(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := invOpenDB(t, dsn)
	inv := NewInventory(db, InventoryOptions{})
	items := []inventory.Item{
		invTestItem(invSrcA, "AWS::S3::Bucket", "a", 1), invTestItem(invSrcA, "AWS::S3::Bucket", "a", 2),
		invTestItem(invSrcB, "AWS::S3::Bucket", "b", 1), invTestItem(invSrcB, "AWS::S3::Bucket", "c", 3),
	}
	if _, err := inv.Write(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(t.Context(), "TRUNCATE inventory_terms; UPDATE inventory_terms_state SET version = 0"); err != nil {
		t.Fatal(err)
	}
	inv = NewInventory(invOpenDB(t, dsn), InventoryOptions{})
	var got []string
	match := [][]inventory.Term{{{Path: "configuration.state", Text: "2"}, {Path: "configuration.state", Text: "1"}}}
	for it, err := range inv.Scan(t.Context(), inventory.ScanQuery{Scope: inventory.AllSources(), Match: match}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s@%d", it.ResourceID, it.StateID))
	}
	slices.Sort(got)
	if want := []string{"a@2", "b@1"}; !slices.Equal(got, want) {
		t.Errorf("Scan with Match after the rebuild: got %v, want %v", got, want)
	}
}
