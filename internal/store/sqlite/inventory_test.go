package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invbench"
	"github.com/starlingcfg/starling/internal/inventory/inventorytest"
	"github.com/starlingcfg/starling/internal/query/querytest"
	"github.com/starlingcfg/starling/internal/store/migration"
)

func TestInventoryConformance(t *testing.T) {
	inventorytest.Run(t, func(t *testing.T) inventory.Store {
		s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestInventoryConformanceSmallPages runs the suite with Scan's Match
// reading its keys 7 at a time, so that its paging is checked.
func TestInventoryConformanceSmallPages(t *testing.T) {
	inventorytest.Run(t, func(t *testing.T) inventory.Store {
		s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal, MatchPage: 7})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestQueryDifferential checks advanced query's executor on SQLite against
// the reference evaluator (package query/querytest).
func TestQueryDifferential(t *testing.T) {
	querytest.Run(t, func(t *testing.T) inventory.Store {
		s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestInventoryQueryPlans checks that every statement of a List page seeks
// the primary key and reads in List order: none sorts what the scope holds
// to fill one page, whatever SQLite's planner would pick. The statements of
// a Scan with At walk the same way, and look each resource's version of
// then up in versions_key (a walk backwards along its versions, and a
// probe), never scanning versions.
func TestInventoryQueryPlans(t *testing.T) {
	s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var items []inventory.Item
	for i := range 200 {
		items = append(items, invbench.Item(i, 0))
	}
	if _, err := s.Write(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	src := invbench.Source(0)
	other := inventory.Source{AccountID: src.AccountID, Region: "zz-west-9"}
	cross := &inventory.Scope{Sources: []inventory.Source{src, other, {AccountID: "999", Region: src.Region}, {AccountID: "999", Region: other.Region}}}
	sparse := &inventory.Scope{Sources: []inventory.Source{src, other, {AccountID: "999", Region: "r"}}}
	bucket := []string{"AWS::S3::Bucket"}
	after := invbench.Key(6) // a bucket of src
	const (
		seekRest     = "SEARCH r USING PRIMARY KEY (account_id=? AND region=? AND (type,resource_id)>(?,?))"
		seekRestType = "SEARCH r USING PRIMARY KEY (account_id=? AND region=? AND type=? AND resource_id>?)"
		seekSources  = "SEARCH r USING PRIMARY KEY (account_id=? AND region=?)"
		seekTypes    = "SEARCH r USING PRIMARY KEY (account_id=? AND region=? AND type=?)"
		// A page of one type over a set of sources: counts first, then
		// resources for the sources that hold the type.
		// (Its primary key or counts_by_type, by the planner's estimate:
		// either finds one row a seek.)
		seekViaCounts = "SEARCH c USING "
		// The version at At: the largest StateID of the resource's
		// captured by then, then that version.
		seekVersionAt = "SEARCH w USING INDEX versions_key (rid=?)"
		seekVersion   = "SEARCH v USING INDEX versions_key (rid=? AND state_id=?)"
	)
	tests := []struct {
		name  string
		scope *inventory.Scope
		f     inventory.Filter
		after *inventory.Key
		want  []string // in the plans of the statements, one each
		// wantAt, when set, is want for the walk of a Scan with At, which
		// also reads deleted resources and so never reads through counts.
		wantAt []string
	}{
		{"source", inventory.OneSource(src), inventory.Filter{}, &after, []string{seekRest}, nil},
		{"source, type", inventory.OneSource(src), inventory.Filter{ResourceTypes: bucket}, &after, []string{seekRestType}, nil},
		{"source, name", inventory.OneSource(src), inventory.Filter{ResourceTypes: bucket, ResourceName: "x"}, nil, []string{seekViaCounts}, []string{seekTypes}},
		{"source, type, deleted too", inventory.OneSource(src), inventory.Filter{ResourceTypes: bucket, IncludeDeleted: true}, nil, []string{seekTypes}, nil},
		{"set", cross, inventory.Filter{}, nil, []string{seekSources}, nil},
		{"set after", cross, inventory.Filter{}, &after, []string{seekRest, seekSources, seekSources}, nil},
		{"set, type", cross, inventory.Filter{ResourceTypes: bucket}, nil, []string{seekViaCounts}, []string{seekTypes}},
		{"set, type, region", cross, inventory.Filter{ResourceTypes: bucket, Region: src.Region}, nil, []string{seekViaCounts}, []string{seekTypes}},
		{"set, type, after", cross, inventory.Filter{ResourceTypes: bucket}, &after, []string{seekRestType, seekViaCounts, seekViaCounts}, []string{seekRestType, seekTypes, seekTypes}},
		{"sparse set, type", sparse, inventory.Filter{ResourceTypes: bucket}, nil, []string{seekViaCounts}, []string{seekTypes}},
		{"set, two types", cross, inventory.Filter{ResourceTypes: []string{"AWS::S3::Bucket", "AWS::EC2::VPC"}}, nil, []string{seekTypes}, nil},
		{"sparse set", sparse, inventory.Filter{}, nil, []string{seekSources}, nil},
		{"all, type", inventory.AllSources(), inventory.Filter{ResourceTypes: bucket}, nil, []string{seekTypes}, nil},
		{"all, type, after", inventory.AllSources(), inventory.Filter{ResourceTypes: bucket}, &after, []string{seekRestType, seekTypes, seekTypes}, nil},
		{"all, two types, region", inventory.AllSources(), inventory.Filter{ResourceTypes: []string{"AWS::S3::Bucket", "AWS::EC2::VPC"}, Region: src.Region}, nil, []string{seekTypes}, nil},
		{"all", inventory.AllSources(), inventory.Filter{}, nil, []string{"SCAN r"}, nil},
		{"all after", inventory.AllSources(), inventory.Filter{}, &after, []string{"SEARCH r USING PRIMARY KEY ((account_id,region,type,resource_id)>(?,?,?,?))"}, nil},
		{"account after", inventory.AllSources(), inventory.Filter{AccountID: src.AccountID}, &after, []string{"SEARCH r USING PRIMARY KEY (account_id=? AND (region,type,resource_id)>(?,?,?))"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts := listStmts(tt.scope, tt.scope.SortedSources(), &tt.f, tt.after)
			if len(stmts) != len(tt.want) {
				t.Fatalf("got %d statements, want %d", len(stmts), len(tt.want))
			}
			for i, c := range stmts {
				if keys := queryPlan(t, s, c.listSQL(colsKeys), append(c.args, 101)); strings.Contains(keys, "TEMP B-TREE") || strings.Contains(keys, " v ") {
					t.Errorf("statement %d, keys only: plan sorts or reads versions:\n%s", i+1, keys)
				}
				plan := queryPlan(t, s, c.listSQL(colsItem), append(c.args, 101))
				if !strings.Contains(plan, tt.want[i]) {
					t.Errorf("statement %d: plan:\n%s\nwant it to contain %q", i+1, plan, tt.want[i])
				}
				if strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("statement %d: plan sorts:\n%s", i+1, plan)
				}
				if c.viaCounts && (!strings.Contains(plan, seekTypes) ||
					!strings.Contains(plan, "SEARCH c USING PRIMARY KEY (account_id=? AND region=? AND type=?)") &&
						!strings.Contains(plan, "SEARCH c USING INDEX counts_by_type (type=? AND account_id=? AND region=?)")) {
					t.Errorf("statement %d: plan:\n%s\nwant one row of counts a seek, then resources of that source and type", i+1, plan)
				}
			}
			if tt.wantAt == nil {
				tt.wantAt = tt.want
			}
			walk := atWalk(&tt.f)
			stmts = listStmts(tt.scope, tt.scope.SortedSources(), &walk, tt.after)
			if len(stmts) != len(tt.wantAt) {
				t.Fatalf("At: got %d statements, want %d", len(stmts), len(tt.want))
			}
			for i, c := range stmts {
				q, args := atSQL(c, &tt.f, time.UnixMilli(1_700_000_000_000), 101)
				plan := queryPlan(t, s, q, args)
				t.Logf("At, statement %d: plan:\n%s", i+1, plan)
				for _, want := range []string{tt.wantAt[i], seekVersionAt, seekVersion} {
					if !strings.Contains(plan, want) {
						t.Errorf("At, statement %d: plan:\n%s\nwant it to contain %q", i+1, plan, want)
					}
				}
				for _, bad := range []string{"TEMP B-TREE", "SCAN v", "SCAN w"} {
					if strings.Contains(plan, bad) {
						t.Errorf("At, statement %d: plan has %q:\n%s", i+1, bad, plan)
					}
				}
			}
		})
	}
}

func queryPlan(t *testing.T, s *Inventory, q string, args []any) string {
	t.Helper()
	rows, err := s.rdb.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

func openInv(t *testing.T, dir string, opts InventoryOptions) *Inventory {
	t.Helper()
	s, err := OpenInventory(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("OpenInventory: %v", err)
	}
	return s
}

func invItem(id string, stateID int64) inventory.Item {
	return inventory.Item{
		Key:           inventory.Key{Source: inventory.Source{AccountID: "111111111111", Region: "us-east-1"}, ResourceType: "AWS::S3::Bucket", ResourceID: id},
		StateID:       stateID,
		CaptureTime:   time.UnixMilli(1_700_000_000_000 + stateID).UTC(),
		Status:        inventory.StatusOK,
		Configuration: json.RawMessage(fmt.Sprintf(`{"id":%q,"v":%d}`, id, stateID)),
	}
}

// TestInventoryReopen checks that what was written survives Close, and that
// resources created after a reopen get numbers of their own: their versions
// must not mix with the older resources'.
func TestInventoryReopen(t *testing.T) {
	dir := t.TempDir()
	s := openInv(t, dir, InventoryOptions{Sync: SyncNormal})
	if _, err := s.Write(t.Context(), []inventory.Item{invItem("a", 1), invItem("a", 2), invItem("b", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openInv(t, dir, InventoryOptions{Sync: SyncNormal})
	defer s.Close()
	if _, err := s.Write(t.Context(), []inventory.Item{invItem("c", 1), invItem("c", 5), invItem("a", 3)}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]int64{"a": {1, 2, 3}, "b": {1}, "c": {1, 5}} {
		page, err := s.History(t.Context(), inventory.HistoryQuery{Key: invItem(id, 0).Key, Chronological: true, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, it := range page.Items {
			if it.ResourceID != id || string(it.Configuration) != string(invItem(id, it.StateID).Configuration) {
				t.Errorf("History(%s): got %s@%d %s", id, it.ResourceID, it.StateID, it.Configuration)
			}
			got = append(got, it.StateID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("History(%s): got %v, want %v", id, got, want)
		}
	}
	if r := s.Startup(); r.Created || r.QuickCheck != "skipped" {
		t.Errorf("Startup of a reopened inventory: got %+v, want not created, quick_check skipped", r)
	}
}

// TestInventoryBesideStore checks that the inventory and the control-plane
// store share a data directory.
func TestInventoryBesideStore(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(t.Context(), dir, Options{Sync: SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inv := openInv(t, dir, InventoryOptions{})
	defer inv.Close()
	if _, err := inv.Write(t.Context(), []inventory.Item{invItem("a", 1)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{FileName, InventoryFileName, inventoryLockName} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestInventorySyncModes(t *testing.T) {
	for _, tt := range []struct {
		mode SyncMode
		want int
	}{{SyncFull, 2}, {SyncNormal, 1}} {
		s := openInv(t, t.TempDir(), InventoryOptions{Sync: tt.mode})
		var got int
		if err := s.w.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%v: PRAGMA synchronous = %d, want %d", tt.mode, got, tt.want)
		}
		var mode string
		if err := s.rdb.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("%v: a reader's journal_mode: got %q, %v; want wal", tt.mode, mode, err)
		}
		s.Close()
	}
}

func TestInventoryCallsAfterClose(t *testing.T) {
	s := openInv(t, t.TempDir(), InventoryOptions{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	calls := inventorytest.Calls(t.Context(), s, invItem("a", 1))
	calls["Close"] = s.Close
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: got %v, want ErrClosed", name, err)
		}
	}
}

func TestInventorySecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	s := openInv(t, dir, InventoryOptions{})
	defer s.Close()
	if s2, err := OpenInventory(t.Context(), dir, InventoryOptions{}); !errors.Is(err, ErrInUse) {
		if err == nil {
			s2.Close()
		}
		t.Errorf("second OpenInventory in the process: got %v, want ErrInUse", err)
	}
	// The flock alone refuses another holder: another open file
	// description, as another process would have.
	if release, err := flockFile(filepath.Join(dir, inventoryLockName)); !errors.Is(err, ErrInUse) {
		if err == nil {
			release()
		}
		if runtime.GOOS == "linux" || runtime.GOOS == "darwin" {
			t.Errorf("flock of a held lock file: got %v, want ErrInUse", err)
		}
	}
}

// TestInventoryOtherProcessRefused opens the inventory in a child process
// while this one holds it, and after.
func TestInventoryOtherProcessRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no flock")
	}
	dir := t.TempDir()
	s := openInv(t, dir, InventoryOptions{})
	try := func() string {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestInventoryChildProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), invChildDirEnv+"="+dir)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := try(); got != "in use" {
		t.Errorf("a second process while the inventory is open: got %q, want in use", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := try(); got != "opened" {
		t.Errorf("a second process after Close: got %q, want opened", got)
	}
}

const invChildDirEnv = "STARLING_INVENTORY_CHILD_DIR"

func TestInventoryChildProcess(t *testing.T) {
	dir := os.Getenv(invChildDirEnv)
	if dir == "" {
		t.Skip("helper process for TestInventoryOtherProcessRefused")
	}
	s, err := OpenInventory(context.Background(), dir, InventoryOptions{BusyTimeout: 10 * time.Millisecond})
	switch {
	case err == nil:
		fmt.Println("opened")
		s.Close()
	case errors.Is(err, ErrInUse):
		fmt.Println("in use")
	default:
		fmt.Println("error:", err)
	}
	os.Exit(0)
}

func TestInventoryRefusesDamagedFile(t *testing.T) {
	for _, tt := range []struct {
		name    string
		content []byte
	}{
		{"empty", nil},
		{"not a database", []byte(strings.Repeat("not sqlite ", 100))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, InventoryFileName), tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := OpenInventory(t.Context(), dir, InventoryOptions{})
			if !errors.Is(err, ErrDamaged) {
				if err == nil {
					s.Close()
				}
				t.Fatalf("OpenInventory: got %v, want ErrDamaged", err)
			}
			if !strings.Contains(err.Error(), InventoryFileName) {
				t.Errorf("error %q does not name the file", err)
			}
			// The failed open released its locks.
			if s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{}); err != nil {
				t.Errorf("OpenInventory elsewhere: %v", err)
			} else {
				s.Close()
			}
			if release, err := flockFile(filepath.Join(dir, inventoryLockName)); err != nil {
				t.Errorf("lock after a failed open: %v", err)
			} else {
				release()
			}
		})
	}
}

// failingCtx is a context whose Err starts failing after a number of calls:
// Write looks at its context between items, so this fails a batch half-way.
type failingCtx struct {
	context.Context
	calls, after int
}

func (c *failingCtx) Err() error {
	c.calls++
	if c.calls > c.after {
		return context.Canceled
	}
	return nil
}

// TestInventoryWriteRollsBack fails a batch after some of its items are in
// the transaction: none of them may stay, and the store goes on working.
func TestInventoryWriteRollsBack(t *testing.T) {
	s := openInv(t, t.TempDir(), InventoryOptions{Sync: SyncNormal})
	defer s.Close()
	if _, err := s.Write(t.Context(), []inventory.Item{invItem("kept", 1)}); err != nil {
		t.Fatal(err)
	}
	var batch []inventory.Item
	for i := range 3 * ctxCheckEvery {
		batch = append(batch, invItem(fmt.Sprintf("r%03d", i), 1))
	}
	batch = append(batch, invItem("kept", 2))
	ctx := &failingCtx{Context: t.Context(), after: 3} // fails at item 2*ctxCheckEvery
	if _, err := s.Write(ctx, batch); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write: got %v, want context.Canceled", err)
	}
	if ctx.calls <= 2 {
		t.Fatalf("the batch failed before any item was written (%d calls to Err)", ctx.calls)
	}
	page, err := s.List(t.Context(), inventory.ListQuery{Scope: inventory.AllSources(), Limit: 1000})
	if err != nil || len(page.Items) != 1 || page.Items[0].StateID != 1 {
		t.Fatalf("after the failed batch: got %d items, %v; want only kept@1", len(page.Items), err)
	}
	res, err := s.Count(t.Context(), inventory.CountQuery{Scope: inventory.AllSources()})
	if err != nil || res.Total != 1 {
		t.Errorf("Count after the failed batch: got %d, %v; want 1", res.Total, err)
	}
	if res, err := s.Write(t.Context(), batch); err != nil || res.New != len(batch) {
		t.Errorf("the batch again: got %+v, %v; want %d new", res, err, len(batch))
	}
}

// TestInventoryMigrateSourceOrder opens a store written under the first
// schema with the current one: migration 0002 must leave every resource
// listable and countable, including one whose only version is a deletion
// (which had no counts row under the first schema, and now needs one for a
// type's List across every source to find it).
func TestInventoryMigrateSourceOrder(t *testing.T) {
	sub, err := fs.Sub(inventoryMigrationFiles, "invschema")
	if err != nil {
		t.Fatal(err)
	}
	migs, err := loadMigrations(sub)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gone := invItem("gone", 1)
	gone.Status = inventory.StatusResourceDeleted
	gone.Region = "ap-south-1" // alone in its source
	other := invItem("x", 1)
	other.Region = "eu-west-1"
	writeFirstSchema(t, dir, migs[:1], []inventory.Item{invItem("a", 1), invItem("b", 1), invItem("b", 2), gone, other})

	s := openInv(t, dir, InventoryOptions{Sync: SyncNormal})
	defer s.Close()
	page, err := s.List(t.Context(), inventory.ListQuery{
		Scope:  inventory.AllSources(),
		Filter: inventory.Filter{ResourceTypes: []string{"AWS::S3::Bucket"}, IncludeDeleted: true},
		Limit:  10,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range page.Items {
		got = append(got, fmt.Sprintf("%s/%s@%d", it.Region, it.ResourceID, it.StateID))
	}
	if want := []string{"ap-south-1/gone@1", "eu-west-1/x@1", "us-east-1/a@1", "us-east-1/b@2"}; !slices.Equal(got, want) {
		t.Errorf("List after migrating: got %v, want %v", got, want)
	}
	res, err := s.Count(t.Context(), inventory.CountQuery{Scope: inventory.AllSources(), GroupBy: inventory.GroupRegion})
	if err != nil {
		t.Fatal(err)
	}
	if want := []inventory.Group{{Key: "eu-west-1", Count: 1}, {Key: "us-east-1", Count: 2}}; res.Total != 3 || !slices.Equal(res.Groups, want) {
		t.Errorf("Count after migrating: got %d %v, want 3 %v", res.Total, res.Groups, want)
	}
	// Migration 0004 copied each resource's latest status: the deleted
	// one is queried too.
	res, err = s.Count(t.Context(), inventory.CountQuery{Scope: inventory.AllSources(), Queried: true})
	if err != nil || res.Total != 4 {
		t.Errorf("Count of queried resources after migrating: got %d, %v; want 4", res.Total, err)
	}
}

// writeFirstSchema makes the inventory database of dir with the migrations
// migs only, and writes items into it the way the first schema's Write
// did (the current Write's statements need the current schema).
func writeFirstSchema(t *testing.T, dir string, migs []migration.Migration, items []inventory.Item) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, InventoryFileName), "journal_mode(WAL)", fmt.Sprintf("page_size(%d)", inventoryPageSize)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := migrate(t.Context(), c, migs); err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		deleted := 0
		if it.Deleted() {
			deleted = 1
		}
		if _, err := c.ExecContext(t.Context(), `INSERT INTO resources (account_id, region, type, resource_id, rid, state_id, deleted, name)
VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
ON CONFLICT (account_id, region, type, resource_id) DO UPDATE SET state_id = excluded.state_id, deleted = excluded.deleted
WHERE excluded.state_id > resources.state_id`, it.AccountID, it.Region, it.ResourceType, it.ResourceID, i+1, it.StateID, deleted); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(t.Context(), `INSERT INTO versions (rid, state_id, capture_time, status, version, aws_region, name, arn, az,
creation_time, configuration, supplementary, tags, relationships)
SELECT rid, ?, ?, ?, '', '', '', '', '', NULL, ?, NULL, NULL, NULL
FROM resources WHERE account_id = ? AND region = ? AND type = ? AND resource_id = ?`,
			it.StateID, it.CaptureTime.UnixMilli(), it.Status, []byte(it.Configuration), it.AccountID, it.Region, it.ResourceType, it.ResourceID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInventoryCheckpoints checks the checkpointer: under a steady writer
// the log is copied into the database as it goes, and the writer's RESTART
// keeps it from growing without bound; a new database has 8 KB pages.
func TestInventoryCheckpoints(t *testing.T) {
	dir := t.TempDir()
	s := openInv(t, dir, InventoryOptions{Sync: SyncNormal})
	defer s.Close()
	var size int
	if err := s.rdb.QueryRowContext(t.Context(), "PRAGMA page_size").Scan(&size); err != nil || size != inventoryPageSize {
		t.Errorf("page_size: got %d, %v; want %d", size, err, inventoryPageSize)
	}
	s.ckpt.restartFrames = 200 // 1.6 MB
	wal := filepath.Join(dir, InventoryFileName+"-wal")
	var items []inventory.Item
	var maxWAL int64
	for batch := range 60 {
		items = invbench.BatchItems(batch, 60*invbench.Batch, items)
		if _, err := s.Write(t.Context(), items); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(wal)
		if err != nil {
			t.Fatal(err)
		}
		maxWAL = max(maxWAL, fi.Size())
	}
	// 60 batches write about 250 MB of log; restarted every 1.6 MB or so
	// (and truncated to journal_size_limit), it stays far below that.
	if limit := int64(80 << 20); maxWAL > limit {
		t.Errorf("log grew to %d bytes, want at most %d", maxWAL, limit)
	}
	db, err := os.Stat(filepath.Join(dir, InventoryFileName))
	if err != nil {
		t.Fatal(err)
	}
	if db.Size() < 50<<20 {
		t.Errorf("database file is %d bytes after 66,000 CIs: the log was not checkpointed into it", db.Size())
	}
}

// TestInventoryTermsRebuilt checks that a store whose terms are missing or
// of another version (a store migrated to schema 5, or a later change of
// invterms.Version) computes them when it opens.
func TestInventoryTermsRebuilt(t *testing.T) {
	dir := t.TempDir()
	s := openInv(t, dir, InventoryOptions{})
	if _, err := s.Write(t.Context(), []inventory.Item{invItem("a", 1), invItem("a", 2), invItem("b", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, InventoryFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DELETE FROM terms", "UPDATE terms_state SET version = 0"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s = openInv(t, dir, InventoryOptions{})
	defer s.Close()
	var got []string
	match := [][]inventory.Term{{{Path: "configuration.v", Text: "2"}, {Path: "configuration.v", Text: "1"}}}
	for it, err := range s.Scan(t.Context(), inventory.ScanQuery{Scope: inventory.AllSources(), Match: match}) {
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
