package sqlite

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invbench"
	"github.com/starlingcfg/starling/internal/inventory/invcodec"
)

// The inventory benchmarks write and read the CIs of package invbench, in
// sources of invbench.PerSource resources each, in batches of
// invbench.Batch.
//
// STARLING_BENCH_CIS sets how many resources a store holds (plus a second
// version of every tenth): 100,000 by default for BenchmarkInventoryWrite,
// 1,000,000 for BenchmarkInventoryRead. The figures of docs/performance.md
// come from
//
//	STARLING_BENCH_CIS=1000000 go test -run '^$' -bench BenchmarkInventoryWrite -benchtime 1x -timeout 1h ./internal/store/sqlite
//	go test -run '^$' -bench BenchmarkInventoryRead -benchtime 2s -timeout 1h -v ./internal/store/sqlite

// fillInventory writes a store of about n CIs, returning the count and the
// time spent in Write.
func fillInventory(b *testing.B, s *Inventory, n int) (cis int, spent time.Duration) {
	var items []inventory.Item
	for batch := range invbench.Batches(n) {
		items = invbench.BatchItems(batch, n, items)
		start := time.Now()
		if _, err := s.Write(b.Context(), items); err != nil {
			b.Fatal(err)
		}
		spent += time.Since(start)
		cis += len(items)
	}
	return cis, spent
}

// bareInsert writes the same rows as fillInventory into the same schema
// (a new database in dir made by OpenInventory) with two prepared INSERTs
// per CI and nothing else: no upsert, no lookups, the rows encoded before the
// clock starts. It returns the count and the time spent in the batches'
// transactions.
func bareInsert(b *testing.B, dir string, n int, sync SyncMode) (cis int, spent time.Duration) {
	s, err := OpenInventory(b.Context(), dir, InventoryOptions{Sync: sync})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	syncPragma := "synchronous(FULL)"
	if sync == SyncNormal {
		syncPragma = "synchronous(NORMAL)"
	}
	// The writer's settings, but SQLite's own checkpoints (every 10,000
	// pages, in the commit that crosses them) rather than none: a loop that
	// never checkpoints would leave its cost out.
	pragmas := append([]string{syncPragma}, inventoryWriterPragmas...)
	pragmas = append(pragmas, "wal_autocheckpoint(10000)")
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, InventoryFileName), pragmas...))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	res, err := c.PrepareContext(ctx, `INSERT INTO resources (account_id, region, type, resource_id, rid, state_id, deleted, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Close()
	ver, err := c.PrepareContext(ctx, `INSERT INTO versions (rid, state_id, capture_time, status, version, aws_region, name, arn, az,
creation_time, configuration, supplementary, tags, relationships) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer ver.Close()
	type row struct {
		res []any // nil for a second version: the resource row is the first's
		ver []any
	}
	var items []inventory.Item
	rows := make([]row, 0, 2*invbench.Batch)
	rid := int64(0)
	for batch := range invbench.Batches(n) {
		items = invbench.BatchItems(batch, n, items)
		rows = rows[:0]
		for j, it := range items {
			var r row
			var deleted int64
			if it.Deleted() {
				deleted = 1
			}
			if !sameKey(items, j) { // a resource row for the first version of each resource
				rid++
				r.res = []any{it.AccountID, it.Region, it.ResourceType, it.ResourceID, rid, it.StateID, deleted, nonEmpty(it.ResourceName)}
			}
			r.ver = []any{rid, it.StateID, it.CaptureTime.UnixMilli(), it.Status, it.Version, it.AWSRegion, it.ResourceName, it.ARN,
				it.AvailabilityZone, nullTime(it.ResourceCreationTime), nullBytes(it.Configuration),
				nullBytes(invcodec.AppendSupplementary(nil, it.SupplementaryConfiguration)), nullBytes(invcodec.AppendTags(nil, it.Tags)),
				nullBytes(invcodec.AppendRelationships(nil, it.Relationships))}
			rows = append(rows, r)
		}
		start := time.Now()
		if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if r.res != nil {
				if _, err := res.ExecContext(ctx, r.res...); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := ver.ExecContext(ctx, r.ver...); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
			b.Fatal(err)
		}
		spent += time.Since(start)
		cis += len(rows)
	}
	return cis, spent
}

// sameKey reports whether items[i] is a later version of items[i-1]'s
// resource (invbench.BatchItems puts a resource's versions side by side).
func sameKey(items []inventory.Item, i int) bool {
	return i > 0 && items[i].Key == items[i-1].Key
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// BenchmarkInventoryWrite measures ingest: the same CIs written through
// Write (batches of 1,000, one transaction each) and through a bare
// prepared-INSERT loop on the same schema, each into a new store, and
// reports both rates and their ratio. Run it with -benchtime 1x.
func BenchmarkInventoryWrite(b *testing.B) {
	n := invbench.CIs(b, 100_000)
	for _, mode := range []SyncMode{SyncNormal, SyncFull} {
		b.Run("sync="+mode.String(), func(b *testing.B) {
			var writeCIs, bareCIs int
			var writeSpent, bareSpent time.Duration
			for b.Loop() {
				s, err := OpenInventory(b.Context(), b.TempDir(), InventoryOptions{Sync: mode})
				if err != nil {
					b.Fatal(err)
				}
				w0, cpu0 := wchar(), cpuTime()
				c, d := fillInventory(b, s, n)
				b.ReportMetric(float64(wchar()-w0)/float64(c), "written-B/CI")
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(c), "cpu-µs/CI")
				writeCIs, writeSpent = writeCIs+c, writeSpent+d
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				w0, cpu0 = wchar(), cpuTime()
				c, d = bareInsert(b, b.TempDir(), n, mode)
				b.ReportMetric(float64(wchar()-w0)/float64(c), "bare-written-B/CI")
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(c), "bare-cpu-µs/CI")
				bareCIs, bareSpent = bareCIs+c, bareSpent+d
			}
			w := float64(writeCIs) / writeSpent.Seconds()
			bare := float64(bareCIs) / bareSpent.Seconds()
			b.ReportMetric(w, "CIs/s")
			b.ReportMetric(bare, "bare-CIs/s")
			b.ReportMetric(w/bare, "ratio")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkInventoryRead builds a store of STARLING_BENCH_CIS CIs
// (1,000,000 by default) once, and measures the reads on it.
func BenchmarkInventoryRead(b *testing.B) {
	n := invbench.CIs(b, 1_000_000)
	dir := b.TempDir()
	s, err := OpenInventory(b.Context(), dir, InventoryOptions{Sync: SyncNormal})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	cis, spent := fillInventory(b, s, n)
	b.Logf("built a store of %d CIs (%d resources) in %v (%.0f CIs/s in Write)", cis, n, time.Since(start).Round(time.Millisecond), float64(cis)/spent.Seconds())
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, InventoryFileName)); err == nil {
		b.Logf("database: %d MB", fi.Size()>>20)
	}

	// Open, then the first Get: what a restart costs.
	b.Run("Open", func(b *testing.B) {
		k := invbench.Key(n / 2)
		for b.Loop() {
			s, err := OpenInventory(b.Context(), dir, InventoryOptions{Sync: SyncNormal})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Get(b.Context(), k); err != nil {
				b.Fatal(err)
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})

	s, err = OpenInventory(b.Context(), dir, InventoryOptions{Sync: SyncNormal})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	key := func(i int) inventory.Key { return invbench.Key(int(uint64(i)*2654435761) % n) }

	b.Run("Get", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.Get(ctx, key(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("BatchGet1", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if items, err := s.BatchGet(ctx, []inventory.Key{key(i)}); err != nil || len(items) != 1 {
				b.Fatal(len(items), err)
			}
			i++
		}
	})
	// Concurrency 8, with the latency percentiles of one call.
	b.Run("BatchGet1/parallel-8", func(b *testing.B) {
		var mu sync.Mutex
		var lat []time.Duration
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			i := rand.IntN(n)
			for pb.Next() {
				t := time.Now()
				if items, err := s.BatchGet(ctx, []inventory.Key{key(i)}); err != nil || len(items) != 1 {
					b.Error(len(items), err)
					return
				}
				mine = append(mine, time.Since(t))
				i++
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		reportPercentiles(b, lat)
	})
	b.Run("BatchGet100", func(b *testing.B) {
		keys := make([]inventory.Key, 100)
		i := 0
		for b.Loop() {
			for j := range keys {
				keys[j] = key(i)
				i++
			}
			if items, err := s.BatchGet(ctx, keys); err != nil || len(items) != 100 {
				b.Fatal(len(items), err)
			}
		}
	})

	src := invbench.Source(n / 2)
	nSources := invbench.Batches(n) * invbench.Batch / invbench.PerSource
	var scope []inventory.Source
	for i := 0; i < max(nSources, 1); i++ {
		scope = append(scope, invbench.Source(i*invbench.PerSource))
	}
	lists := []struct {
		name string
		q    inventory.ListQuery
	}{
		// ListDiscoveredResources: one source, one type, a page of 100.
		{"List/source+type", inventory.ListQuery{Scope: inventory.OneSource(src), Filter: inventory.Filter{ResourceTypes: []string{"AWS::EC2::Instance"}}, Limit: 100}},
		// ListAggregateDiscoveredResources: every source as a set, one type.
		{"List/aggregate+type", inventory.ListQuery{Scope: &inventory.Scope{Sources: scope}, Filter: inventory.Filter{ResourceTypes: []string{"AWS::S3::Bucket"}}, Limit: 100}},
		// The same, narrowed to one account.
		{"List/aggregate+type+account", inventory.ListQuery{Scope: &inventory.Scope{Sources: scope}, Filter: inventory.Filter{ResourceTypes: []string{"AWS::S3::Bucket"}, AccountID: src.AccountID}, Limit: 100}},
		// By type and name, across every source (ListAggregateDiscoveredResources
		// with a ResourceName filter: AWS requires the type).
		{"List/aggregate+type+name", inventory.ListQuery{Scope: &inventory.Scope{Sources: scope}, Filter: inventory.Filter{ResourceTypes: []string{invbench.Item(n/3, 0).ResourceType}, ResourceName: invbench.Item(n/3, 0).ResourceName}, Limit: 100}},
		// By name alone: every resource of the set is read (no index in
		// name order; see migration 0002).
		{"List/aggregate+name", inventory.ListQuery{Scope: &inventory.Scope{Sources: scope}, Filter: inventory.Filter{ResourceName: invbench.Item(n/3, 0).ResourceName}, Limit: 100}},
	}
	for _, l := range lists {
		b.Run(l.name, func(b *testing.B) {
			// Page through from the first page on, starting over at the end.
			q := l.q
			for b.Loop() {
				page, err := s.List(ctx, q)
				if err != nil || len(page.Items) == 0 {
					b.Fatal(len(page.Items), err)
				}
				q.Cursor = page.Next
			}
		})
	}
	counts := []struct {
		name string
		q    inventory.CountQuery
	}{
		// GetDiscoveredResourceCounts: one source by type.
		{"Count/source/type", inventory.CountQuery{Scope: inventory.OneSource(src), GroupBy: inventory.GroupResourceType}},
		// GetAggregateDiscoveredResourceCounts, every source.
		{"Count/aggregate/type", inventory.CountQuery{Scope: &inventory.Scope{Sources: scope}, GroupBy: inventory.GroupResourceType}},
		{"Count/aggregate/account", inventory.CountQuery{Scope: &inventory.Scope{Sources: scope}, GroupBy: inventory.GroupAccountID, Limit: 100}},
		{"Count/aggregate/type/one-type", inventory.CountQuery{Scope: &inventory.Scope{Sources: scope}, GroupBy: inventory.GroupResourceType, Filter: inventory.Filter{ResourceTypes: []string{"AWS::IAM::Role"}}}},
	}
	for _, c := range counts {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res, err := s.Count(ctx, c.q)
				if err != nil || res.Total == 0 {
					b.Fatal(res.Total, err)
				}
			}
		})
	}
	b.Run("History", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.History(ctx, inventory.HistoryQuery{Key: invbench.Key((i * 10) % n), Limit: 10}); err != nil {
				b.Fatal(err)
			}
			i += 7
		}
	})
	b.Run("Scan/source", func(b *testing.B) {
		for b.Loop() {
			count := 0
			for _, err := range s.Scan(ctx, inventory.ScanQuery{Scope: inventory.OneSource(src), Filter: inventory.Filter{IncludeDeleted: true}}) {
				if err != nil {
					b.Fatal(err)
				}
				count++
			}
			if count != invbench.PerSource {
				b.Fatalf("Scan of a source: got %d CIs, want %d", count, invbench.PerSource)
			}
		}
		b.ReportMetric(float64(invbench.PerSource*b.N)/b.Elapsed().Seconds(), "CIs/s")
	})
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.Logf("after the reads: heap in use %d MB; %s", ms.HeapInuse>>20, rss())
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	b.ReportMetric(float64(at(0.5).Microseconds()), "p50-µs")
	b.ReportMetric(float64(at(0.99).Microseconds()), "p99-µs")
}

// rss returns the process's resident set size, as /proc reports it.
func rss() string {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "RSS unknown"
	}
	var out []string
	for _, l := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}

// wchar returns the bytes this process has passed to write(2) and its
// kind so far (/proc/self/io), or 0 where that is unknown.
func wchar() int64 {
	st, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
