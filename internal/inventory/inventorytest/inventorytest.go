// Package inventorytest is the conformance suite for inventory.Store
// backends. A backend's test calls Run with a function that opens a fresh,
// empty store:
//
//	func TestInventoryConformance(t *testing.T) {
//		inventorytest.Run(t, func(t *testing.T) inventory.Store {
//			s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The suite uses only the inventory contract, so every backend (SQLite,
// PostgreSQL) runs it unchanged. It expects errors to wrap the contract's
// sentinels and the context's errors (errors.Is), and it is meant to run
// with -race.
package inventorytest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// Run checks that the stores made by open keep the inventory.Store
// contract. open is called once per subtest (or table row) and must return
// a new, empty store; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) inventory.Store) {
	s := suite{open: open}
	t.Run("WriteResults", s.writeResults)
	t.Run("WriteAtomic", s.writeAtomic)
	t.Run("WriteEmpty", s.writeEmpty)
	t.Run("Get", s.get)
	t.Run("BatchGet", s.batchGet)
	t.Run("RoundTrip", s.roundTrip)
	t.Run("ListOrder", s.listOrder)
	t.Run("ListPaging", s.listPaging)
	t.Run("ListFilters", s.listFilters)
	t.Run("ListLimit", s.listLimit)
	t.Run("Cursors", s.cursors)
	t.Run("NilScope", s.nilScope)
	t.Run("Count", s.count)
	t.Run("CountPaging", s.countPaging)
	t.Run("History", s.history)
	t.Run("HistoryPaging", s.historyPaging)
	t.Run("Prune", s.prune)
	t.Run("Scan", s.scan)
	t.Run("ScanBreak", s.scanBreak)
	t.Run("ScanAt", s.scanAt)
	t.Run("ScanAtPages", s.scanAtPages)
	t.Run("ScanMatch", s.scanMatch)
	t.Run("ScanMatchPages", s.scanMatchPages)
	t.Run("ScanProjections", s.scanProjections)
	t.Run("Reset", s.reset)
	t.Run("CancelledContext", s.cancelledContext)
	t.Run("Concurrent", s.concurrent)
	t.Run("RandomWrites", s.randomWrites)
	t.Run("LockSource", s.lockSource)
}

type suite struct {
	open func(t *testing.T) inventory.Store
}

// store opens a fresh store that is closed when the test ends.
func (s suite) store(t *testing.T) inventory.Store {
	t.Helper()
	st := s.open(t)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: got %v, want nil", err)
		}
	})
	return st
}

// Sources and types of the fixtures.
var (
	srcA  = inventory.Source{AccountID: "111111111111", Region: "us-east-1"}
	srcA2 = inventory.Source{AccountID: "111111111111", Region: "eu-west-1"}
	srcB  = inventory.Source{AccountID: "222222222222", Region: "us-east-1"}
	srcC  = inventory.Source{AccountID: "333333333333", Region: "ap-south-1"}

	typInstance = "AWS::EC2::Instance"
	typBucket   = "AWS::S3::Bucket"
	typRole     = "AWS::IAM::Role"
	typVolume   = "AWS::EC2::Volume"
)

// t0 is the capture time of StateID 0; version n is captured n minutes
// later.
var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func key(src inventory.Source, typ, id string) inventory.Key {
	return inventory.Key{Source: src, ResourceType: typ, ResourceID: id}
}

// ver returns a realistic version of the resource k with the given StateID,
// captured at t0 + stateID minutes.
func ver(k inventory.Key, stateID int64) inventory.Item {
	awsRegion := k.Region
	if strings.HasPrefix(k.ResourceType, "AWS::IAM::") {
		awsRegion = "global"
	}
	return inventory.Item{
		Key:              k,
		StateID:          stateID,
		CaptureTime:      t0.Add(time.Duration(stateID) * time.Minute),
		Status:           inventory.StatusOK,
		Version:          "1.3",
		AWSRegion:        awsRegion,
		ResourceName:     "name-" + k.ResourceID,
		ARN:              fmt.Sprintf("arn:aws:%s:%s:%s:%s", service(k.ResourceType), k.Region, k.AccountID, k.ResourceID),
		AvailabilityZone: k.Region + "a",
		Configuration:    json.RawMessage(fmt.Sprintf(`{"id":%q,"state":%d}`, k.ResourceID, stateID)),
		Tags:             map[string]string{"Name": k.ResourceID},
	}
}

// service returns the service part of a resource type, AWS::EC2::Instance
// → ec2.
func service(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) < 2 {
		return "x"
	}
	return strings.ToLower(parts[1])
}

// named returns it with ResourceName name.
func named(it inventory.Item, name string) inventory.Item {
	it.ResourceName = name
	return it
}

// deleted returns it as a deletion.
func deleted(it inventory.Item) inventory.Item {
	it.Status = inventory.StatusResourceDeleted
	it.Configuration = json.RawMessage("null")
	it.Tags = nil
	return it
}

// notRecorded returns it with the status ResourceNotRecorded.
func notRecorded(it inventory.Item) inventory.Item {
	it.Status = inventory.StatusResourceNotRecorded
	return it
}

// norm returns a copy of it that compares with reflect.DeepEqual regardless
// of what the contract leaves open: nil or empty maps, slices and
// configuration, and a time's location and monotonic reading.
func norm(it inventory.Item) inventory.Item {
	normTime := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return time.UnixMilli(t.UnixMilli()).UTC()
	}
	it.CaptureTime = normTime(it.CaptureTime)
	it.ResourceCreationTime = normTime(it.ResourceCreationTime)
	if len(it.Configuration) == 0 {
		it.Configuration = nil
	}
	if len(it.SupplementaryConfiguration) == 0 {
		it.SupplementaryConfiguration = nil
	}
	if len(it.Tags) == 0 {
		it.Tags = nil
	}
	if len(it.Relationships) == 0 {
		it.Relationships = nil
	}
	return it
}

func sameItem(a, b inventory.Item) bool { return reflect.DeepEqual(norm(a), norm(b)) }

// diffItems describes how got differs from want, or returns "".
func diffItems(got, want []inventory.Item) string {
	if len(got) == len(want) {
		same := true
		for i := range got {
			if !sameItem(got[i], want[i]) {
				same = false
				break
			}
		}
		if same {
			return ""
		}
	}
	return fmt.Sprintf("got %d items %s,\nwant %d items %s", len(got), versions(got), len(want), versions(want))
}

// versions lists the items' keys and StateIDs, compactly.
func versions(items []inventory.Item) string {
	var b strings.Builder
	b.WriteString("[")
	for i, it := range items {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s/%s/%s/%s@%d", it.AccountID, it.Region, it.ResourceType, it.ResourceID, it.StateID)
	}
	b.WriteString("]")
	return b.String()
}

func write(t *testing.T, st inventory.Store, items ...inventory.Item) inventory.WriteResult {
	t.Helper()
	res, err := st.Write(t.Context(), items)
	if err != nil {
		t.Fatalf("Write: got %v, want nil", err)
	}
	return res
}

// listOrder is the order of List, Scan and the model.
func listCmp(a, b inventory.Item) int {
	return cmp.Or(
		strings.Compare(a.AccountID, b.AccountID),
		strings.Compare(a.Region, b.Region),
		strings.Compare(a.ResourceType, b.ResourceType),
		strings.Compare(a.ResourceID, b.ResourceID))
}

// model is what a store should hold: every version written, by key.
type model struct {
	versions map[inventory.Key][]inventory.Item // ascending StateID
}

func newModel(items ...inventory.Item) *model {
	m := &model{versions: map[inventory.Key][]inventory.Item{}}
	for _, it := range items {
		m.add(it)
	}
	return m
}

func (m *model) add(it inventory.Item) {
	vs := m.versions[it.Key]
	i, found := slices.BinarySearchFunc(vs, it.StateID, func(v inventory.Item, id int64) int { return cmp.Compare(v.StateID, id) })
	if !found {
		m.versions[it.Key] = slices.Insert(vs, i, it)
	}
}

func (m *model) latest(k inventory.Key) (inventory.Item, bool) {
	vs := m.versions[k]
	if len(vs) == 0 {
		return inventory.Item{}, false
	}
	return vs[len(vs)-1], true
}

func inScope(sc *inventory.Scope, src inventory.Source) bool {
	return sc.All || slices.Contains(sc.Sources, src)
}

func admits(sc *inventory.Scope, f inventory.Filter, it inventory.Item) bool {
	return inScope(sc, it.Source) &&
		(len(f.ResourceTypes) == 0 || slices.Contains(f.ResourceTypes, it.ResourceType)) &&
		(len(f.ResourceIDs) == 0 || slices.Contains(f.ResourceIDs, it.ResourceID)) &&
		(f.ResourceName == "" || f.ResourceName == it.ResourceName) &&
		(f.AccountID == "" || f.AccountID == it.AccountID) &&
		(f.Region == "" || f.Region == it.Region) &&
		(f.IncludeDeleted || !it.Deleted())
}

// list is what List over every page returns.
func (m *model) list(sc *inventory.Scope, f inventory.Filter) []inventory.Item {
	var out []inventory.Item
	for k := range m.versions {
		it, _ := m.latest(k)
		if admits(sc, f, it) {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, listCmp)
	return out
}

// countQueried is what Count with Queried and no limit returns: the
// latest versions of every status but ResourceNotRecorded and
// ResourceDeletedNotRecorded.
func (m *model) countQueried(sc *inventory.Scope, f inventory.Filter, g inventory.GroupBy) inventory.CountResult {
	f.IncludeDeleted = true
	return groupCount(slices.DeleteFunc(m.list(sc, f), func(it inventory.Item) bool {
		return it.Status == inventory.StatusResourceNotRecorded || it.Status == inventory.StatusResourceDeletedNotRecorded
	}), g)
}

// count is what Count with no limit returns.
func (m *model) count(sc *inventory.Scope, f inventory.Filter, g inventory.GroupBy) inventory.CountResult {
	f.IncludeDeleted = false
	return groupCount(m.list(sc, f), g)
}

// groupCount counts items, grouped by g.
func groupCount(items []inventory.Item, g inventory.GroupBy) inventory.CountResult {
	var res inventory.CountResult
	groups := map[string]int64{}
	for _, it := range items {
		res.Total++
		switch g {
		case inventory.GroupResourceType:
			groups[it.ResourceType]++
		case inventory.GroupAccountID:
			groups[it.AccountID]++
		case inventory.GroupRegion:
			groups[it.Region]++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		res.Groups = append(res.Groups, inventory.Group{Key: k, Count: groups[k]})
	}
	return res
}

// listAll pages through List with the given page size and returns every
// item, failing t on an error or a page that breaks the contract.
func listAll(t *testing.T, st inventory.Store, q inventory.ListQuery) []inventory.Item {
	t.Helper()
	var all []inventory.Item
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("List %+v: more than 10000 pages", q)
		}
		page, err := st.List(t.Context(), q)
		if err != nil {
			t.Fatalf("List (page %d, limit %d): got %v, want nil", pages, q.Limit, err)
		}
		if len(page.Items) > q.Limit {
			t.Fatalf("List: got %d items on a page, limit %d", len(page.Items), q.Limit)
		}
		checkKeysOnly(t, st, q, page)
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		if len(page.Items) == 0 {
			t.Fatalf("List: an empty page with a Next cursor")
		}
		q.Cursor = page.Next
	}
}

// checkKeysOnly reads the page of q again with KeysOnly, and fails t
// unless it holds the same keys and names, and the same Next cursor.
func checkKeysOnly(t *testing.T, st inventory.Store, q inventory.ListQuery, page inventory.ListPage) {
	t.Helper()
	q.KeysOnly = true
	keys, err := st.List(t.Context(), q)
	if err != nil {
		t.Fatalf("List with KeysOnly: got %v, want nil", err)
	}
	want := make([]inventory.Item, len(page.Items))
	for i, it := range page.Items {
		want[i] = inventory.Item{Key: it.Key, ResourceName: it.ResourceName}
	}
	if !slices.EqualFunc(keys.Items, want, func(a, b inventory.Item) bool { return reflect.DeepEqual(a, b) }) || keys.Next != page.Next {
		t.Fatalf("List with KeysOnly: got %+v, next %q; want %+v, next %q", keys.Items, keys.Next, want, page.Next)
	}
}

// The fixture of the read tests: resources in four sources, of four types,
// with several versions, names shared across sources, and deleted ones.
func fixture() []inventory.Item {
	var items []inventory.Item
	for _, src := range []inventory.Source{srcA, srcA2, srcB, srcC} {
		for _, typ := range []string{typInstance, typBucket, typRole} {
			for _, id := range []string{"r1", "r2", "r3"} {
				k := key(src, typ, id)
				items = append(items, ver(k, 1), named(ver(k, 2), "shared-"+id))
			}
		}
	}
	// A resource whose latest version is a deletion, one that was deleted
	// and then recreated, and a type only one source has, not recorded
	// there (live, but left out of advanced query).
	items = append(items,
		ver(key(srcA, typVolume, "vol-1"), 1), deleted(ver(key(srcA, typVolume, "vol-1"), 2)),
		ver(key(srcB, typVolume, "vol-1"), 1), deleted(ver(key(srcB, typVolume, "vol-1"), 2)), ver(key(srcB, typVolume, "vol-1"), 3),
		notRecorded(ver(key(srcC, typVolume, "vol-2"), 5)),
		deleted(ver(key(srcA2, typInstance, "r4"), 7)),
	)
	return items
}

// seedFixture writes the fixture in two batches, the second in reverse, so
// that some versions arrive after later ones.
func seedFixture(t *testing.T, st inventory.Store) *model {
	t.Helper()
	items := fixture()
	half := len(items) / 2
	write(t, st, items[:half]...)
	rest := slices.Clone(items[half:])
	slices.Reverse(rest)
	write(t, st, rest...)
	return newModel(items...)
}

func (s suite) writeResults(t *testing.T) {
	kA := key(srcA, typInstance, "i-1")
	kB := key(srcB, typInstance, "i-1") // same type and id, another source
	type batch struct {
		items []inventory.Item
		want  inventory.WriteResult
	}
	tests := []struct {
		name    string
		batches []batch
		latest  map[inventory.Key]int64 // StateID of each key's latest
	}{
		{"new", []batch{{[]inventory.Item{ver(kA, 1)}, inventory.WriteResult{New: 1}}}, map[inventory.Key]int64{kA: 1}},
		{"same version twice", []batch{
			{[]inventory.Item{ver(kA, 1)}, inventory.WriteResult{New: 1}},
			{[]inventory.Item{ver(kA, 1)}, inventory.WriteResult{Unchanged: 1}},
		}, map[inventory.Key]int64{kA: 1}},
		{"same version with other content is unchanged", []batch{
			{[]inventory.Item{ver(kA, 1)}, inventory.WriteResult{New: 1}},
			{[]inventory.Item{named(ver(kA, 1), "other")}, inventory.WriteResult{Unchanged: 1}},
		}, map[inventory.Key]int64{kA: 1}},
		{"same version twice in a batch", []batch{
			{[]inventory.Item{ver(kA, 1), ver(kA, 1)}, inventory.WriteResult{New: 1, Unchanged: 1}},
		}, map[inventory.Key]int64{kA: 1}},
		{"newer after older", []batch{
			{[]inventory.Item{ver(kA, 1)}, inventory.WriteResult{New: 1}},
			{[]inventory.Item{ver(kA, 2)}, inventory.WriteResult{New: 1}},
		}, map[inventory.Key]int64{kA: 2}},
		{"older after newer", []batch{
			{[]inventory.Item{ver(kA, 5)}, inventory.WriteResult{New: 1}},
			{[]inventory.Item{ver(kA, 3)}, inventory.WriteResult{Superseded: 1}},
			{[]inventory.Item{ver(kA, 3)}, inventory.WriteResult{Unchanged: 1}},
		}, map[inventory.Key]int64{kA: 5}},
		{"older after newer in a batch", []batch{
			{[]inventory.Item{ver(kA, 5), ver(kA, 3), ver(kA, 9), ver(kA, 7)}, inventory.WriteResult{New: 2, Superseded: 2}},
		}, map[inventory.Key]int64{kA: 9}},
		{"ascending in a batch", []batch{
			{[]inventory.Item{ver(kA, 1), ver(kA, 2), ver(kA, 3)}, inventory.WriteResult{New: 3}},
		}, map[inventory.Key]int64{kA: 3}},
		{"sources are apart", []batch{
			{[]inventory.Item{ver(kA, 5), ver(kB, 3)}, inventory.WriteResult{New: 2}},
			{[]inventory.Item{ver(kB, 4), ver(kA, 4)}, inventory.WriteResult{New: 1, Superseded: 1}},
		}, map[inventory.Key]int64{kA: 5, kB: 4}},
		{"a deletion is a version", []batch{
			{[]inventory.Item{ver(kA, 1), deleted(ver(kA, 2))}, inventory.WriteResult{New: 2}},
			{[]inventory.Item{ver(kA, 3)}, inventory.WriteResult{New: 1}},
		}, map[inventory.Key]int64{kA: 3}},
		{"negative and large state ids", []batch{
			{[]inventory.Item{ver(kA, -5), ver(kA, 1<<62)}, inventory.WriteResult{New: 2}},
			{[]inventory.Item{ver(kA, 0)}, inventory.WriteResult{Superseded: 1}},
		}, map[inventory.Key]int64{kA: 1 << 62}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.store(t)
			m := newModel()
			for i, b := range tt.batches {
				got, err := st.Write(t.Context(), b.items)
				if err != nil {
					t.Fatalf("batch %d: Write: got %v, want nil", i, err)
				}
				if got != b.want {
					t.Errorf("batch %d: Write: got %+v, want %+v", i, got, b.want)
				}
				for _, it := range b.items {
					m.add(it)
				}
			}
			for k, want := range tt.latest {
				got, err := st.Get(t.Context(), k)
				if err != nil {
					t.Fatalf("Get(%v): got %v, want nil", k, err)
				}
				if got.StateID != want {
					t.Errorf("Get(%v): got StateID %d, want %d", k, got.StateID, want)
				}
				// The first version written of each StateID is the one kept.
				wantIt, _ := m.latest(k)
				if !sameItem(got, wantIt) {
					t.Errorf("Get(%v): got %+v, want %+v", k, got, wantIt)
				}
				page, err := st.History(t.Context(), inventory.HistoryQuery{Key: k, Chronological: true, Limit: 100})
				if err != nil {
					t.Fatalf("History(%v): got %v, want nil", k, err)
				}
				if d := diffItems(page.Items, m.versions[k]); d != "" {
					t.Errorf("History(%v): %s", k, d)
				}
			}
		})
	}
}

func (s suite) writeAtomic(t *testing.T) {
	kA := key(srcA, typInstance, "i-1")
	st := s.store(t)
	write(t, st, ver(kA, 1))
	// A batch with an item that cannot be stored (an empty key field)
	// stores none of its items.
	for _, bad := range []inventory.Key{
		key(inventory.Source{Region: "us-east-1"}, typInstance, "x"),
		key(inventory.Source{AccountID: "111111111111"}, typInstance, "x"),
		key(srcA, "", "x"),
		key(srcA, typInstance, ""),
	} {
		batch := []inventory.Item{ver(kA, 2), ver(key(srcA, typInstance, "i-2"), 1), ver(bad, 1)}
		if res, err := st.Write(t.Context(), batch); err == nil {
			t.Errorf("Write with key %+v: got %+v, nil; want an error", bad, res)
		}
	}
	// A cancelled context stores nothing either.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var big []inventory.Item
	for i := range 500 {
		big = append(big, ver(key(srcB, typBucket, fmt.Sprintf("b-%03d", i)), 1))
	}
	if _, err := st.Write(ctx, big); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a cancelled context: got %v, want context.Canceled", err)
	}
	got := listAll(t, st, inventory.ListQuery{Scope: inventory.AllSources(), Filter: inventory.Filter{IncludeDeleted: true}, Limit: 1000})
	if d := diffItems(got, []inventory.Item{ver(kA, 1)}); d != "" {
		t.Errorf("after failed Writes: %s", d)
	}
}

func (s suite) writeEmpty(t *testing.T) {
	st := s.store(t)
	for _, items := range [][]inventory.Item{nil, {}} {
		res, err := st.Write(t.Context(), items)
		if err != nil || res != (inventory.WriteResult{}) {
			t.Errorf("Write(%v): got %+v, %v; want zero, nil", items, res, err)
		}
	}
}

func (s suite) get(t *testing.T) {
	st := s.store(t)
	m := seedFixture(t, st)
	for k := range m.versions {
		want, _ := m.latest(k)
		got, err := st.Get(t.Context(), k)
		if err != nil || !sameItem(got, want) {
			t.Errorf("Get(%v): got %+v, %v; want %+v, nil", k, got, err, want)
		}
	}
	// The latest version of a deleted resource is its deletion.
	got, err := st.Get(t.Context(), key(srcA, typVolume, "vol-1"))
	if err != nil || !got.Deleted() || got.StateID != 2 {
		t.Errorf("Get of a deleted resource: got %+v, %v; want the deletion (StateID 2)", got, err)
	}
	for _, k := range []inventory.Key{
		key(srcA, typInstance, "nope"),
		key(srcA, typVolume, "vol-2"), // in srcC only
		key(inventory.Source{AccountID: "999999999999", Region: "us-east-1"}, typInstance, "r1"),
		key(inventory.Source{AccountID: srcA.AccountID, Region: "us-west-2"}, typInstance, "r1"),
		key(srcA, "AWS::EC2::Other", "r1"),
		key(srcA, typInstance, "R1"), // ids compare exactly
		key(srcA, typInstance, "r"),
	} {
		if got, err := st.Get(t.Context(), k); !errors.Is(err, inventory.ErrNotFound) {
			t.Errorf("Get(%v): got %+v, %v; want ErrNotFound", k, got, err)
		}
	}
}

func (s suite) batchGet(t *testing.T) {
	st := s.store(t)
	m := seedFixture(t, st)
	latest := func(k inventory.Key) inventory.Item { it, _ := m.latest(k); return it }
	k1, k2, k3 := key(srcB, typRole, "r2"), key(srcA, typInstance, "r1"), key(srcA, typVolume, "vol-1")
	missing := key(srcA, typInstance, "nope")
	tests := []struct {
		name string
		keys []inventory.Key
		want []inventory.Item
	}{
		{"none", nil, nil},
		{"one", []inventory.Key{k1}, []inventory.Item{latest(k1)}},
		{"one missing", []inventory.Key{missing}, nil},
		{"in the order of keys", []inventory.Key{k1, k2, k3}, []inventory.Item{latest(k1), latest(k2), latest(k3)}},
		{"other order", []inventory.Key{k3, k1, k2}, []inventory.Item{latest(k3), latest(k1), latest(k2)}},
		{"missing left out", []inventory.Key{missing, k2, missing, k1}, []inventory.Item{latest(k2), latest(k1)}},
		{"all missing", []inventory.Key{missing, key(srcC, typBucket, "x")}, nil},
		{"a key twice", []inventory.Key{k1, k2, k1}, []inventory.Item{latest(k1), latest(k2), latest(k1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkBatchGet(t, st, tt.keys, tt.want)
		})
	}
	t.Run("100 keys", func(t *testing.T) {
		var keys []inventory.Key
		var want []inventory.Item
		for k := range m.versions {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b inventory.Key) int {
			return cmp.Compare(a.ResourceID+a.AccountID+a.Region+a.ResourceType, b.ResourceID+b.AccountID+b.Region+b.ResourceType)
		})
		for len(keys) < 100 {
			keys = append(keys, key(srcA, typBucket, fmt.Sprintf("missing-%d", len(keys))))
		}
		for _, k := range keys {
			if it, ok := m.latest(k); ok {
				want = append(want, it)
			}
		}
		checkBatchGet(t, st, keys, want)
	})
}

// checkBatchGet checks BatchGet of keys against want, and BatchGetBase
// against want without tags and relationships.
func checkBatchGet(t *testing.T, st inventory.Store, keys []inventory.Key, want []inventory.Item) {
	t.Helper()
	got, err := st.BatchGet(t.Context(), keys)
	if err != nil {
		t.Fatalf("BatchGet: got %v, want nil", err)
	}
	if d := diffItems(got, want); d != "" {
		t.Errorf("BatchGet: %s", d)
	}
	base, err := st.BatchGetBase(t.Context(), keys)
	if err != nil {
		t.Fatalf("BatchGetBase: got %v, want nil", err)
	}
	wantBase := make([]inventory.Item, len(want))
	for i, it := range want {
		it.Tags, it.Relationships = nil, nil
		wantBase[i] = it
	}
	if d := diffItems(base, wantBase); d != "" {
		t.Errorf("BatchGetBase: %s", d)
	}
}

func (s suite) roundTrip(t *testing.T) {
	k := key(srcA, typInstance, "i-0123456789abcdef0")
	full := inventory.Item{
		Key:              k,
		StateID:          1709294400123,
		CaptureTime:      time.Date(2024, 3, 1, 12, 0, 0, 123e6, time.UTC),
		Status:           inventory.StatusResourceDiscovered,
		Version:          "1.3",
		AWSRegion:        "us-east-1",
		ResourceName:     "web-1",
		ARN:              "arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0",
		AvailabilityZone: "us-east-1a",
		// Recorded in another zone: returned in UTC, the same instant.
		ResourceCreationTime: time.Date(2023, 12, 31, 23, 59, 59, 999e6, time.FixedZone("X", 5*3600)),
		// Key order, spacing, a number beyond float64 and int64, escapes and
		// non-ASCII are kept byte for byte.
		Configuration: json.RawMessage(`{"z":1,"a":{"y":[3,2,1],"b":null},"big":12345678901234567890,"f":1.50,"e":1e400,"s":"<a&b>\u00e9 é \"q\""}`),
		SupplementaryConfiguration: map[string]json.RawMessage{
			"BucketPolicy":           json.RawMessage(`{"policyText":"{\"Version\":\"2012-10-17\"}"}`),
			"IsRequesterPaysEnabled": json.RawMessage(`false`),
			"AccessControlList":      json.RawMessage(`"{\"grantSet\":null}"`),
			"Number":                 json.RawMessage(`12345678901234567890`),
			"Html":                   json.RawMessage(`"<b>&amp;</b>"`),
		},
		Tags: map[string]string{"Name": "web-1", "": "empty key", "empty value": "", "ünï": "cödé"},
		Relationships: []inventory.Relationship{
			{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", Name: "Is contained in Vpc"},
			{ResourceType: "AWS::IAM::Role", ResourceName: "role-only-name", Name: "Is associated with Role"},
			{ResourceType: "AWS::EC2::SecurityGroup", ResourceID: "sg-1", ResourceName: "both", Name: "Is associated with SecurityGroup"},
			{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", Name: "Is contained in Vpc"}, // duplicates and order are kept
		},
	}
	minimal := inventory.Item{
		Key:         key(srcA, typBucket, "bucket"),
		StateID:     1,
		CaptureTime: time.UnixMilli(1),
		Status:      inventory.StatusOK,
	}
	deletedItem := inventory.Item{
		Key:           key(srcA, typBucket, "gone"),
		StateID:       7,
		CaptureTime:   time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		Status:        inventory.StatusResourceDeletedNotRecorded,
		Version:       "1.3",
		AWSRegion:     "us-east-1",
		Configuration: json.RawMessage("null"),
	}
	global := ver(key(srcA2, typRole, "AROAEXAMPLE"), 3)
	global.AvailabilityZone = "Not Applicable"
	for _, tt := range []struct {
		name string
		it   inventory.Item
	}{{"every field", full}, {"minimal", minimal}, {"deleted", deletedItem}, {"global", global}} {
		t.Run(tt.name, func(t *testing.T) {
			st := s.store(t)
			write(t, st, tt.it)
			check := func(how string, got inventory.Item) {
				t.Helper()
				if !sameItem(got, tt.it) {
					t.Errorf("%s: got\n%+v\nwant\n%+v", how, got, tt.it)
				}
				if string(got.Configuration) != string(tt.it.Configuration) {
					t.Errorf("%s: configuration: got %s, want %s", how, got.Configuration, tt.it.Configuration)
				}
				for n, v := range tt.it.SupplementaryConfiguration {
					if string(got.SupplementaryConfiguration[n]) != string(v) {
						t.Errorf("%s: supplementary %q: got %s, want %s", how, n, got.SupplementaryConfiguration[n], v)
					}
				}
				if got.CaptureTime.Location() != time.UTC {
					t.Errorf("%s: CaptureTime in %v, want UTC", how, got.CaptureTime.Location())
				}
				if !got.ResourceCreationTime.IsZero() && got.ResourceCreationTime.Location() != time.UTC {
					t.Errorf("%s: ResourceCreationTime in %v, want UTC", how, got.ResourceCreationTime.Location())
				}
				if tt.it.ResourceCreationTime.IsZero() != got.ResourceCreationTime.IsZero() {
					t.Errorf("%s: ResourceCreationTime: got %v, want %v", how, got.ResourceCreationTime, tt.it.ResourceCreationTime)
				}
				if !got.CaptureTime.Equal(tt.it.CaptureTime) {
					t.Errorf("%s: CaptureTime: got %v, want %v", how, got.CaptureTime, tt.it.CaptureTime)
				}
			}
			got, err := st.Get(t.Context(), tt.it.Key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			check("Get", got)
			items, err := st.BatchGet(t.Context(), []inventory.Key{tt.it.Key, key(srcC, typBucket, "none")})
			if err != nil || len(items) != 1 {
				t.Fatalf("BatchGet: got %d items, %v; want 1, nil", len(items), err)
			}
			check("BatchGet", items[0])
			base, err := st.BatchGetBase(t.Context(), []inventory.Key{tt.it.Key, key(srcC, typBucket, "none")})
			if err != nil || len(base) != 1 {
				t.Fatalf("BatchGetBase: got %d items, %v; want 1, nil", len(base), err)
			}
			if base[0].Tags != nil || base[0].Relationships != nil {
				t.Errorf("BatchGetBase: tags %v and relationships %v, want neither", base[0].Tags, base[0].Relationships)
			}
			base[0].Tags, base[0].Relationships = items[0].Tags, items[0].Relationships
			check("BatchGetBase, with BatchGet's tags and relationships", base[0])
			page, err := st.List(t.Context(), inventory.ListQuery{Scope: inventory.OneSource(tt.it.Source), Filter: inventory.Filter{IncludeDeleted: true}, Limit: 10})
			if err != nil || len(page.Items) != 1 {
				t.Fatalf("List: got %d items, %v; want 1, nil", len(page.Items), err)
			}
			check("List", page.Items[0])
			hist, err := st.History(t.Context(), inventory.HistoryQuery{Key: tt.it.Key, Limit: 10})
			if err != nil || len(hist.Items) != 1 {
				t.Fatalf("History: got %d items, %v; want 1, nil", len(hist.Items), err)
			}
			check("History", hist.Items[0])
			n := 0
			for it, err := range st.Scan(t.Context(), inventory.ScanQuery{Scope: inventory.AllSources(), Filter: inventory.Filter{IncludeDeleted: true}}) {
				if err != nil {
					t.Fatalf("Scan: %v", err)
				}
				check("Scan", it)
				n++
			}
			if n != 1 {
				t.Errorf("Scan: got %d items, want 1", n)
			}
		})
	}
}

func (s suite) listOrder(t *testing.T) {
	st := s.store(t)
	// Byte order on each column of (account, region, type, id), a prefix
	// before its extensions, and ties on the first columns broken by the
	// next ones.
	var items []inventory.Item
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::EC2::VPC", "AWS::EC2::Instance", "AWS::EC2::InstanceX", "Custom::a"} {
		for _, id := range []string{"b", "é", "aa", "Z", "a", "10", "9", "a0", "a-b", "a_b"} {
			for _, src := range []inventory.Source{srcB, srcA, srcA2, {AccountID: "11111111111", Region: "us-east-1"}} {
				items = append(items, ver(key(src, typ, id), 1))
			}
		}
	}
	write(t, st, items...)
	want := slices.Clone(items)
	slices.SortFunc(want, listCmp)
	page, err := st.List(t.Context(), inventory.ListQuery{Scope: inventory.AllSources(), Limit: len(items) + 1})
	if err != nil {
		t.Fatal(err)
	}
	if d := diffItems(page.Items, want); d != "" {
		t.Errorf("List: %s", d)
	}
	if page.Next != "" {
		t.Errorf("List of everything: got Next %q, want none", page.Next)
	}
}

func (s suite) listPaging(t *testing.T) {
	st := s.store(t)
	m := seedFixture(t, st)
	scopes := []struct {
		name  string
		scope *inventory.Scope
	}{
		{"one source", inventory.OneSource(srcA)},
		{"two sources", &inventory.Scope{Sources: []inventory.Source{srcB, srcA}}},
		{"all", inventory.AllSources()},
	}
	filters := []inventory.Filter{{}, {IncludeDeleted: true}, {ResourceTypes: []string{typInstance}}}
	for _, sc := range scopes {
		for _, f := range filters {
			want := m.list(sc.scope, f)
			for limit := 1; limit <= len(want)+1; limit++ {
				got := listAll(t, st, inventory.ListQuery{Scope: sc.scope, Filter: f, Limit: limit})
				if d := diffItems(got, want); d != "" {
					t.Errorf("%s, filter %+v, limit %d: %s", sc.name, f, limit, d)
				}
			}
		}
	}
	t.Run("Next only when more", func(t *testing.T) {
		n := len(m.list(inventory.OneSource(srcA), inventory.Filter{}))
		page, err := st.List(t.Context(), inventory.ListQuery{Scope: inventory.OneSource(srcA), Limit: n})
		if err != nil || len(page.Items) != n || page.Next != "" {
			t.Errorf("List with limit = count: got %d items, Next %q, %v; want %d, none, nil", len(page.Items), page.Next, err, n)
		}
		page, err = st.List(t.Context(), inventory.ListQuery{Scope: inventory.OneSource(srcA), Limit: n - 1})
		if err != nil || len(page.Items) != n-1 || page.Next == "" {
			t.Errorf("List with limit = count-1: got %d items, Next %q, %v; want %d and a Next", len(page.Items), page.Next, err, n-1)
		}
	})
	t.Run("writes between pages", func(t *testing.T) {
		// Keyset paging: a page resumes after the last key returned, so
		// resources written meanwhile show up when they sort later, and
		// nothing is repeated or skipped.
		st := s.store(t)
		write(t, st, ver(key(srcA, typBucket, "b"), 1), ver(key(srcA, typBucket, "d"), 1))
		q := inventory.ListQuery{Scope: inventory.OneSource(srcA), Limit: 1}
		p1, err := st.List(t.Context(), q)
		if err != nil || len(p1.Items) != 1 || p1.Items[0].ResourceID != "b" {
			t.Fatalf("page 1: got %s, %v", versions(p1.Items), err)
		}
		write(t, st, ver(key(srcA, typBucket, "a"), 1), ver(key(srcA, typBucket, "c"), 1), ver(key(srcA, typBucket, "b"), 2))
		q.Cursor, q.Limit = p1.Next, 10
		p2, err := st.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range p2.Items {
			ids = append(ids, it.ResourceID)
		}
		if !slices.Equal(ids, []string{"c", "d"}) {
			t.Errorf("page 2: got ids %v, want [c d]", ids)
		}
	})
}

func (s suite) listFilters(t *testing.T) {
	st := s.store(t)
	m := seedFixture(t, st)
	other := inventory.Source{AccountID: "999999999999", Region: "us-east-1"}
	tests := []struct {
		name   string
		scope  *inventory.Scope
		filter inventory.Filter
		want   int // how many items, to check the model too (-1: don't)
	}{
		{"all", inventory.AllSources(), inventory.Filter{}, 38},
		{"all with deleted", inventory.AllSources(), inventory.Filter{IncludeDeleted: true}, 40},
		{"one source", inventory.OneSource(srcA), inventory.Filter{}, 9},
		{"one source with deleted", inventory.OneSource(srcA), inventory.Filter{IncludeDeleted: true}, 10},
		{"same account, other region", inventory.OneSource(srcA2), inventory.Filter{}, 9},
		{"a set of sources", &inventory.Scope{Sources: []inventory.Source{srcA, srcC}}, inventory.Filter{}, 19},
		{"duplicates in the set", &inventory.Scope{Sources: []inventory.Source{srcC, srcA, srcC, srcA, srcA}}, inventory.Filter{}, 19},
		{"a source without data", inventory.OneSource(other), inventory.Filter{}, 0},
		{"an empty set", &inventory.Scope{}, inventory.Filter{}, 0},
		{"an empty set with deleted", &inventory.Scope{Sources: []inventory.Source{}}, inventory.Filter{IncludeDeleted: true}, 0},
		{"All ignores Sources", &inventory.Scope{All: true, Sources: []inventory.Source{srcA}}, inventory.Filter{}, 38},
		{"one type", inventory.AllSources(), inventory.Filter{ResourceTypes: []string{typBucket}}, 12},
		{"two types", inventory.AllSources(), inventory.Filter{ResourceTypes: []string{typVolume, typBucket}}, 14},
		{"a type nobody has", inventory.AllSources(), inventory.Filter{ResourceTypes: []string{"AWS::Nope::Nope"}}, 0},
		{"a deleted type with deleted", inventory.AllSources(), inventory.Filter{ResourceTypes: []string{typVolume}, IncludeDeleted: true}, 3},
		{"one id", inventory.AllSources(), inventory.Filter{ResourceIDs: []string{"r2"}}, 12},
		{"ids across types", inventory.AllSources(), inventory.Filter{ResourceIDs: []string{"r1", "vol-1", "nope"}}, 13},
		{"type and ids", inventory.OneSource(srcB), inventory.Filter{ResourceTypes: []string{typRole}, ResourceIDs: []string{"r3", "r1"}}, 2},
		{"name", inventory.AllSources(), inventory.Filter{ResourceName: "shared-r3"}, 12},
		{"name is exact", inventory.AllSources(), inventory.Filter{ResourceName: "shared-r"}, 0},
		{"name of an earlier version", inventory.AllSources(), inventory.Filter{ResourceName: "name-r1"}, 0},
		{"name of a deleted resource", inventory.AllSources(), inventory.Filter{ResourceName: "name-vol-1"}, 1},
		{"name of a deleted resource with deleted", inventory.AllSources(), inventory.Filter{ResourceName: "name-vol-1", IncludeDeleted: true}, 2},
		{"name and type", inventory.OneSource(srcC), inventory.Filter{ResourceName: "shared-r1", ResourceTypes: []string{typRole}}, 1},
		{"account", inventory.AllSources(), inventory.Filter{AccountID: srcA.AccountID}, 18},
		{"region", inventory.AllSources(), inventory.Filter{Region: "us-east-1"}, 19},
		{"account and region", inventory.AllSources(), inventory.Filter{AccountID: srcB.AccountID, Region: srcB.Region}, 10},
		{"account outside the scope", inventory.OneSource(srcA), inventory.Filter{AccountID: srcB.AccountID}, 0},
		{"region narrows a set", &inventory.Scope{Sources: []inventory.Source{srcA, srcA2, srcC}}, inventory.Filter{Region: "eu-west-1"}, 9},
		{"account narrows a set", &inventory.Scope{Sources: []inventory.Source{srcA, srcA2, srcC}}, inventory.Filter{AccountID: srcA.AccountID}, 18},
		{"account and region in a set", &inventory.Scope{Sources: []inventory.Source{srcA, srcA2, srcC}}, inventory.Filter{AccountID: srcA.AccountID, Region: "us-east-1"}, 9},
		{"everything at once", &inventory.Scope{Sources: []inventory.Source{srcA, srcB, srcC}},
			inventory.Filter{ResourceTypes: []string{typInstance, typRole}, ResourceIDs: []string{"r2", "r3"}, ResourceName: "shared-r2", Region: "us-east-1", IncludeDeleted: true}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := m.list(tt.scope, tt.filter)
			if tt.want >= 0 && len(want) != tt.want {
				t.Fatalf("the model admits %d items, the table says %d", len(want), tt.want)
			}
			for _, limit := range []int{1, 4, 1000} {
				got := listAll(t, st, inventory.ListQuery{Scope: tt.scope, Filter: tt.filter, Limit: limit})
				if d := diffItems(got, want); d != "" {
					t.Errorf("List, limit %d: %s", limit, d)
				}
			}
			var got []inventory.Item
			for it, err := range st.Scan(t.Context(), inventory.ScanQuery{Scope: tt.scope, Filter: tt.filter}) {
				if err != nil {
					t.Fatalf("Scan: %v", err)
				}
				got = append(got, it)
			}
			if d := diffItems(got, want); d != "" {
				t.Errorf("Scan: %s", d)
			}
			for _, g := range []inventory.GroupBy{inventory.GroupNone, inventory.GroupResourceType, inventory.GroupAccountID, inventory.GroupRegion} {
				res, err := st.Count(t.Context(), inventory.CountQuery{Scope: tt.scope, Filter: tt.filter, GroupBy: g})
				if err != nil {
					t.Fatalf("Count by %d: %v", g, err)
				}
				if want := m.count(tt.scope, tt.filter, g); !sameCount(res, want) {
					t.Errorf("Count by %d: got %+v, want %+v", g, res, want)
				}
			}
		})
	}
}

func sameCount(a, b inventory.CountResult) bool {
	return a.Total == b.Total && a.Next == b.Next && slices.Equal(a.Groups, b.Groups)
}

func (s suite) listLimit(t *testing.T) {
	st := s.store(t)
	seedFixture(t, st)
	for _, limit := range []int{0, -1} {
		if page, err := st.List(t.Context(), inventory.ListQuery{Scope: inventory.AllSources(), Limit: limit}); err == nil {
			t.Errorf("List with limit %d: got %d items, nil; want an error", limit, len(page.Items))
		}
	}
}

func (s suite) cursors(t *testing.T) {
	st := s.store(t)
	m := seedFixture(t, st)
	for _, c := range []inventory.Cursor{"garbage", "!!!", "AAAA", "\x00", inventory.Cursor(strings.Repeat("z", 300))} {
		if _, err := st.List(t.Context(), inventory.ListQuery{Scope: inventory.AllSources(), Limit: 5, Cursor: c}); !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("List with cursor %q: got %v, want ErrInvalidCursor", c, err)
		}
		if _, err := st.Count(t.Context(), inventory.CountQuery{Scope: inventory.AllSources(), GroupBy: inventory.GroupResourceType, Limit: 1, Cursor: c}); !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("Count with cursor %q: got %v, want ErrInvalidCursor", c, err)
		}
		if _, err := st.History(t.Context(), inventory.HistoryQuery{Key: key(srcA, typInstance, "r1"), Limit: 1, Cursor: c}); !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("History with cursor %q: got %v, want ErrInvalidCursor", c, err)
		}
	}
	// A cursor of one query used with another is refused, or resumes with
	// items of the other query only, in its order: never another query's
	// data.
	queries := []inventory.ListQuery{
		{Scope: inventory.OneSource(srcA), Limit: 2},
		{Scope: inventory.OneSource(srcB), Limit: 2},
		{Scope: inventory.AllSources(), Limit: 2},
		{Scope: &inventory.Scope{Sources: []inventory.Source{srcA, srcC}}, Limit: 2},
		{Scope: inventory.AllSources(), Filter: inventory.Filter{ResourceTypes: []string{typRole}}, Limit: 2},
		{Scope: inventory.AllSources(), Filter: inventory.Filter{IncludeDeleted: true}, Limit: 2},
		{Scope: inventory.AllSources(), Filter: inventory.Filter{AccountID: srcC.AccountID}, Limit: 2},
	}
	for i, qa := range queries {
		first, err := st.List(t.Context(), qa)
		if err != nil || first.Next == "" {
			t.Fatalf("query %d: got Next %q, %v", i, first.Next, err)
		}
		for j, qb := range queries {
			if i == j {
				continue
			}
			qb.Cursor = first.Next
			page, err := st.List(t.Context(), qb)
			if errors.Is(err, inventory.ErrInvalidCursor) {
				continue
			}
			if err != nil {
				t.Errorf("query %d with the cursor of query %d: got %v, want nil or ErrInvalidCursor", j, i, err)
				continue
			}
			want := m.list(qb.Scope, qb.Filter)
			for _, it := range page.Items {
				if !slices.ContainsFunc(want, func(w inventory.Item) bool { return sameItem(w, it) }) {
					t.Errorf("query %d with the cursor of query %d: got %s, which it does not admit", j, i, versions([]inventory.Item{it}))
				}
			}
			if !slices.IsSortedFunc(page.Items, listCmp) {
				t.Errorf("query %d with the cursor of query %d: page out of order: %s", j, i, versions(page.Items))
			}
		}
		// Nor can a List cursor page a Count or a History.
		if _, err := st.Count(t.Context(), inventory.CountQuery{Scope: qa.Scope, GroupBy: inventory.GroupResourceType, Limit: 1, Cursor: first.Next}); err != nil && !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("Count with a List cursor: got %v, want nil or ErrInvalidCursor", err)
		}
		if _, err := st.History(t.Context(), inventory.HistoryQuery{Key: key(srcA, typInstance, "r1"), Limit: 1, Cursor: first.Next}); err != nil && !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("History with a List cursor: got %v, want nil or ErrInvalidCursor", err)
		}
	}
}

func (s suite) nilScope(t *testing.T) {
	st := s.store(t)
	seedFixture(t, st)
	if page, err := st.List(t.Context(), inventory.ListQuery{Limit: 10}); err == nil {
		t.Errorf("List with a nil scope: got %d items, nil; want an error", len(page.Items))
	}
	if res, err := st.Count(t.Context(), inventory.CountQuery{}); err == nil {
		t.Errorf("Count with a nil scope: got %+v, nil; want an error", res)
	}
	n, gotErr := 0, false
	for _, err := range st.Scan(t.Context(), inventory.ScanQuery{}) {
		if err != nil {
			gotErr = true
			continue
		}
		n++
	}
	if n != 0 || !gotErr {
		t.Errorf("Scan with a nil scope: got %d items, error %v; want none and an error", n, gotErr)
	}
	n, gotErr = 0, false
	for _, err := range st.Scan(t.Context(), inventory.ScanQuery{At: t0.Add(time.Hour)}) {
		if err != nil {
			gotErr = true
			continue
		}
		n++
	}
	if n != 0 || !gotErr {
		t.Errorf("Scan at a time with a nil scope: got %d items, error %v; want none and an error", n, gotErr)
	}
}

func (s suite) count(t *testing.T) {
	st := s.store(t)
	m := seedFixture(t, st)
	sc := &inventory.Scope{Sources: []inventory.Source{srcA, srcA2, srcB}}
	tests := []struct {
		name   string
		scope  *inventory.Scope
		filter inventory.Filter
		by     inventory.GroupBy
		want   inventory.CountResult
	}{
		{"total", inventory.AllSources(), inventory.Filter{}, inventory.GroupNone, inventory.CountResult{Total: 38}},
		{"deleted are never counted", inventory.AllSources(), inventory.Filter{IncludeDeleted: true}, inventory.GroupNone, inventory.CountResult{Total: 38}},
		{"by type", sc, inventory.Filter{}, inventory.GroupResourceType, inventory.CountResult{Total: 28, Groups: []inventory.Group{
			{Key: typInstance, Count: 9}, {Key: typVolume, Count: 1}, {Key: typRole, Count: 9}, {Key: typBucket, Count: 9}}}},
		{"by type, filtered", sc, inventory.Filter{ResourceTypes: []string{typVolume, typBucket, "AWS::Nope::Nope"}}, inventory.GroupResourceType, inventory.CountResult{Total: 10, Groups: []inventory.Group{
			{Key: typVolume, Count: 1}, {Key: typBucket, Count: 9}}}},
		{"by account", sc, inventory.Filter{}, inventory.GroupAccountID, inventory.CountResult{Total: 28, Groups: []inventory.Group{
			{Key: srcA.AccountID, Count: 18}, {Key: srcB.AccountID, Count: 10}}}},
		{"by region", sc, inventory.Filter{}, inventory.GroupRegion, inventory.CountResult{Total: 28, Groups: []inventory.Group{
			{Key: "eu-west-1", Count: 9}, {Key: "us-east-1", Count: 19}}}},
		{"by region, one account", inventory.AllSources(), inventory.Filter{AccountID: srcA.AccountID}, inventory.GroupRegion, inventory.CountResult{Total: 18, Groups: []inventory.Group{
			{Key: "eu-west-1", Count: 9}, {Key: "us-east-1", Count: 9}}}},
		{"nothing", inventory.OneSource(inventory.Source{AccountID: "999999999999", Region: "us-east-1"}), inventory.Filter{}, inventory.GroupResourceType, inventory.CountResult{}},
		{"empty scope", &inventory.Scope{}, inventory.Filter{}, inventory.GroupAccountID, inventory.CountResult{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := m.count(tt.scope, tt.filter, tt.by); !sameCount(want, tt.want) {
				t.Fatalf("the model counts %+v, the table says %+v", want, tt.want)
			}
			got, err := st.Count(t.Context(), inventory.CountQuery{Scope: tt.scope, Filter: tt.filter, GroupBy: tt.by})
			if err != nil {
				t.Fatalf("Count: %v", err)
			}
			if !sameCount(got, tt.want) {
				t.Errorf("Count: got %+v, want %+v", got, tt.want)
			}
			queried, err := st.Count(t.Context(), inventory.CountQuery{Scope: tt.scope, Filter: tt.filter, GroupBy: tt.by, Queried: true})
			if want := m.countQueried(tt.scope, tt.filter, tt.by); err != nil || !sameCount(queried, want) {
				t.Errorf("Count of queried resources: got %+v, %v; want %+v", queried, err, want)
			}
		})
	}
	if _, err := st.Count(t.Context(), inventory.CountQuery{Scope: inventory.AllSources(), GroupBy: inventory.GroupBy(99)}); err == nil {
		t.Errorf("Count by an unknown GroupBy: got nil, want an error")
	}
}

func (s suite) countPaging(t *testing.T) {
	st := s.store(t)
	m := seedFixture(t, st)
	for _, by := range []inventory.GroupBy{inventory.GroupResourceType, inventory.GroupAccountID, inventory.GroupRegion} {
		for _, sc := range []*inventory.Scope{inventory.AllSources(), {Sources: []inventory.Source{srcA, srcB, srcC}}} {
			want := m.count(sc, inventory.Filter{}, by)
			for limit := 1; limit <= len(want.Groups)+1; limit++ {
				q := inventory.CountQuery{Scope: sc, GroupBy: by, Limit: limit}
				var groups []inventory.Group
				for pages := 0; ; pages++ {
					if pages > len(want.Groups)+1 {
						t.Fatalf("by %d, limit %d: too many pages", by, limit)
					}
					res, err := st.Count(t.Context(), q)
					if err != nil {
						t.Fatalf("by %d, limit %d: Count: %v", by, limit, err)
					}
					if res.Total != want.Total {
						t.Errorf("by %d, limit %d, page %d: Total %d, want %d", by, limit, pages, res.Total, want.Total)
					}
					if len(res.Groups) > limit {
						t.Errorf("by %d, limit %d: a page of %d groups", by, limit, len(res.Groups))
					}
					groups = append(groups, res.Groups...)
					if res.Next == "" {
						break
					}
					q.Cursor = res.Next
				}
				if !slices.Equal(groups, want.Groups) {
					t.Errorf("by %d, limit %d: got groups %v, want %v", by, limit, groups, want.Groups)
				}
			}
		}
	}
}

// historyFixture writes versions 1..n of k, captured t0 + i minutes, in a
// shuffled order, plus neighbours that must not show up.
func historyFixture(t *testing.T, st inventory.Store, k inventory.Key, n int) []inventory.Item {
	t.Helper()
	var items []inventory.Item
	for i := 1; i <= n; i++ {
		it := ver(k, int64(i))
		if i == n-1 {
			it = deleted(it)
		}
		items = append(items, it)
	}
	shuffled := slices.Clone(items)
	for i := range shuffled {
		j := (i * 7) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	write(t, st, shuffled...)
	write(t, st, ver(key(srcB, k.ResourceType, k.ResourceID), 3), ver(key(k.Source, k.ResourceType, k.ResourceID+"x"), 4))
	return items
}

func (s suite) history(t *testing.T) {
	st := s.store(t)
	k := key(srcA, typInstance, "i-1")
	items := historyFixture(t, st, k, 10)
	rev := slices.Clone(items)
	slices.Reverse(rev)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	tests := []struct {
		name           string
		earlier, later time.Time
		chrono         bool
		want           []inventory.Item
	}{
		{"all, newest first", time.Time{}, time.Time{}, false, rev},
		{"all, oldest first", time.Time{}, time.Time{}, true, items},
		{"bounds are inclusive", at(3), at(6), true, items[2:6]},
		{"bounds, newest first", at(3), at(6), false, rev[4:8]},
		{"earlier only", at(8), time.Time{}, true, items[7:]},
		{"later only", time.Time{}, at(2), false, []inventory.Item{items[1], items[0]}},
		{"between captures", at(3).Add(time.Second), at(4).Add(-time.Second), true, nil},
		{"one instant", at(5), at(5), true, items[4:5]},
		{"before everything", time.Time{}, at(0), true, nil},
		{"after everything", at(11), time.Time{}, true, nil},
		{"reversed range", at(6), at(3), true, nil},
		{"bounds to the millisecond", at(4).Add(time.Millisecond), at(7).Add(-time.Millisecond), true, items[4:6]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := st.History(t.Context(), inventory.HistoryQuery{Key: k, Earlier: tt.earlier, Later: tt.later, Chronological: tt.chrono, Limit: 100})
			if err != nil {
				t.Fatalf("History: %v", err)
			}
			if d := diffItems(page.Items, tt.want); d != "" {
				t.Errorf("History: %s", d)
			}
			if page.Next != "" {
				t.Errorf("History: got Next %q on the only page", page.Next)
			}
		})
	}
	t.Run("unknown resource", func(t *testing.T) {
		for _, k := range []inventory.Key{key(srcA, typInstance, "nope"), key(srcC, typInstance, "i-1")} {
			if page, err := st.History(t.Context(), inventory.HistoryQuery{Key: k, Limit: 10}); !errors.Is(err, inventory.ErrNotFound) {
				t.Errorf("History(%v): got %d items, %v; want ErrNotFound", k, len(page.Items), err)
			}
		}
	})
	t.Run("limit must be positive", func(t *testing.T) {
		for _, limit := range []int{0, -1} {
			if _, err := st.History(t.Context(), inventory.HistoryQuery{Key: k, Limit: limit}); err == nil {
				t.Errorf("History with limit %d: got nil, want an error", limit)
			}
		}
	})
}

func (s suite) historyPaging(t *testing.T) {
	st := s.store(t)
	k := key(srcA, typInstance, "i-1")
	items := historyFixture(t, st, k, 12)
	for _, chrono := range []bool{true, false} {
		for _, rng := range [][2]time.Time{{}, {t0.Add(2 * time.Minute), t0.Add(9 * time.Minute)}} {
			var want []inventory.Item
			for _, it := range items {
				if (rng[0].IsZero() || !it.CaptureTime.Before(rng[0])) && (rng[1].IsZero() || !it.CaptureTime.After(rng[1])) {
					want = append(want, it)
				}
			}
			if !chrono {
				slices.Reverse(want)
			}
			for limit := 1; limit <= len(want)+1; limit++ {
				q := inventory.HistoryQuery{Key: k, Earlier: rng[0], Later: rng[1], Chronological: chrono, Limit: limit}
				var got []inventory.Item
				for pages := 0; ; pages++ {
					if pages > len(want)+1 {
						t.Fatalf("too many pages")
					}
					page, err := st.History(t.Context(), q)
					if err != nil {
						t.Fatalf("History: %v", err)
					}
					if len(page.Items) > limit {
						t.Fatalf("History: a page of %d, limit %d", len(page.Items), limit)
					}
					got = append(got, page.Items...)
					if page.Next == "" {
						break
					}
					q.Cursor = page.Next
				}
				if d := diffItems(got, want); d != "" {
					t.Errorf("chronological %v, range %v, limit %d: %s", chrono, rng, limit, d)
				}
			}
		}
	}
	t.Run("cursor of another order or range", func(t *testing.T) {
		page, err := st.History(t.Context(), inventory.HistoryQuery{Key: k, Limit: 3})
		if err != nil || page.Next == "" {
			t.Fatalf("History: got Next %q, %v", page.Next, err)
		}
		for _, q := range []inventory.HistoryQuery{
			{Key: k, Chronological: true, Limit: 3, Cursor: page.Next},
			{Key: k, Earlier: t0, Limit: 3, Cursor: page.Next},
			{Key: key(srcB, k.ResourceType, k.ResourceID), Limit: 3, Cursor: page.Next},
		} {
			got, err := st.History(t.Context(), q)
			if errors.Is(err, inventory.ErrInvalidCursor) {
				continue
			}
			if err != nil {
				t.Errorf("History %+v: got %v, want nil or ErrInvalidCursor", q, err)
				continue
			}
			for _, it := range got.Items {
				if it.Key != q.Key || (!q.Earlier.IsZero() && it.CaptureTime.Before(q.Earlier)) {
					t.Errorf("History %+v: got %s, which it does not admit", q, versions([]inventory.Item{it}))
				}
			}
		}
	})
}

func (s suite) prune(t *testing.T) {
	st := s.store(t)
	kA := key(srcA, typInstance, "i-1")
	kOld := key(srcA, typBucket, "old") // one version, long ago: kept, it is the latest
	kDel := key(srcA, typVolume, "v-1") // deleted long ago: its deletion is kept
	kB := key(srcB, typInstance, "i-1") // another source: untouched
	var all []inventory.Item
	for i := int64(1); i <= 6; i++ {
		all = append(all, ver(kA, i), ver(kB, i))
	}
	all = append(all, ver(kOld, 1), ver(kDel, 1), deleted(ver(kDel, 2)))
	write(t, st, all...)
	cutoff := t0.Add(4 * time.Minute) // versions 1..3 of kA are before it
	n, err := st.Prune(t.Context(), srcA, cutoff)
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if n != 4 { // kA 1..3, kDel 1
		t.Errorf("Prune: got %d deleted, want 4", n)
	}
	hist := func(k inventory.Key) []int64 {
		t.Helper()
		page, err := st.History(t.Context(), inventory.HistoryQuery{Key: k, Chronological: true, Limit: 100})
		if err != nil {
			t.Fatalf("History(%v): %v", k, err)
		}
		var ids []int64
		for _, it := range page.Items {
			ids = append(ids, it.StateID)
		}
		return ids
	}
	for _, tt := range []struct {
		k    inventory.Key
		want []int64
	}{{kA, []int64{4, 5, 6}}, {kOld, []int64{1}}, {kDel, []int64{2}}, {kB, []int64{1, 2, 3, 4, 5, 6}}} {
		if got := hist(tt.k); !slices.Equal(got, tt.want) {
			t.Errorf("History(%v) after Prune: got %v, want %v", tt.k, got, tt.want)
		}
	}
	if n, err := st.Prune(t.Context(), srcA, cutoff); n != 0 || err != nil {
		t.Errorf("Prune again: got %d, %v; want 0, nil", n, err)
	}
	// Far in the future: only the latest versions remain.
	if n, err := st.Prune(t.Context(), srcB, t0.Add(1000*time.Hour)); n != 5 || err != nil {
		t.Errorf("Prune everything of srcB: got %d, %v; want 5, nil", n, err)
	}
	if got := hist(kB); !slices.Equal(got, []int64{6}) {
		t.Errorf("History(%v) after pruning all: got %v, want [6]", kB, got)
	}
	// The pruned versions may be written again, as history.
	res := write(t, st, ver(kA, 1))
	if res != (inventory.WriteResult{Superseded: 1}) {
		t.Errorf("Write of a pruned version: got %+v, want Superseded 1", res)
	}
	if got, err := st.Get(t.Context(), kA); err != nil || got.StateID != 6 {
		t.Errorf("Get after rewriting a pruned version: got %d, %v; want 6", got.StateID, err)
	}
	if n, err := st.Prune(t.Context(), srcC, cutoff); n != 0 || err != nil {
		t.Errorf("Prune of an empty source: got %d, %v; want 0, nil", n, err)
	}
}

func (s suite) scan(t *testing.T) {
	st := s.store(t)
	// More items than a backend's likely internal page, in several sources.
	var items []inventory.Item
	for i := range 1300 {
		src := []inventory.Source{srcA, srcB, srcC}[i%3]
		items = append(items, ver(key(src, []string{typBucket, typInstance}[i%2], fmt.Sprintf("res-%05d", i)), 1))
	}
	write(t, st, items...)
	m := newModel(items...)
	for _, sc := range []*inventory.Scope{inventory.AllSources(), {Sources: []inventory.Source{srcA, srcC}}, inventory.OneSource(srcB)} {
		for _, f := range []inventory.Filter{{}, {ResourceTypes: []string{typInstance}}} {
			var got []inventory.Item
			for it, err := range st.Scan(t.Context(), inventory.ScanQuery{Scope: sc, Filter: f}) {
				if err != nil {
					t.Fatalf("Scan: %v", err)
				}
				got = append(got, it)
			}
			list := listAll(t, st, inventory.ListQuery{Scope: sc, Filter: f, Limit: 97})
			if d := diffItems(got, list); d != "" {
				t.Errorf("Scan vs List, scope %+v, filter %+v: %s", sc, f, d)
			}
			if d := diffItems(got, m.list(sc, f)); d != "" {
				t.Errorf("Scan vs model, scope %+v, filter %+v: %s", sc, f, d)
			}
		}
	}
}

func (s suite) scanBreak(t *testing.T) {
	st := s.store(t)
	var items []inventory.Item
	for i := range 2000 {
		items = append(items, ver(key(srcA, typBucket, fmt.Sprintf("b-%05d", i)), 1))
	}
	write(t, st, items...)
	for _, stop := range []int{1, 10, 1500} {
		n := 0
		for _, err := range st.Scan(t.Context(), inventory.ScanQuery{Scope: inventory.AllSources()}) {
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			n++
			if n == stop {
				break
			}
		}
		if n != stop {
			t.Errorf("Scan broken at %d: got %d items", stop, n)
		}
	}
	// A consumer that breaks leaves nothing held: the store still writes
	// and reads, and Close succeeds (the cleanup checks it).
	write(t, st, ver(key(srcA, typBucket, "after"), 1))
	if _, err := st.Get(t.Context(), key(srcA, typBucket, "after")); err != nil {
		t.Errorf("Get after broken Scans: %v", err)
	}
	// A context cancelled during the scan ends it with the context's error.
	checkScanCancel(t, st, inventory.ScanQuery{Scope: inventory.AllSources()}, 2001)
}

// checkScanCancel checks that a Scan of q, of total items, cancelled after
// its fifth ends early with the context's error.
func checkScanCancel(t *testing.T, st inventory.Store, q inventory.ScanQuery, total int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n, gotErr := 0, error(nil)
	for _, err := range st.Scan(ctx, q) {
		if err != nil {
			gotErr = err
			continue
		}
		n++
		if n == 5 {
			cancel()
		}
	}
	if !errors.Is(gotErr, context.Canceled) || n >= total {
		t.Errorf("Scan %+v cancelled after 5: got %d items, error %v; want fewer than %d and context.Canceled", q, n, gotErr, total)
	}
}

func (s suite) reset(t *testing.T) {
	st := s.store(t)
	seedFixture(t, st)
	if err := st.Reset(t.Context()); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if got := listAll(t, st, inventory.ListQuery{Scope: inventory.AllSources(), Filter: inventory.Filter{IncludeDeleted: true}, Limit: 100}); len(got) != 0 {
		t.Errorf("List after Reset: got %s", versions(got))
	}
	if res, err := st.Count(t.Context(), inventory.CountQuery{Scope: inventory.AllSources(), GroupBy: inventory.GroupResourceType}); err != nil || !sameCount(res, inventory.CountResult{}) {
		t.Errorf("Count after Reset: got %+v, %v", res, err)
	}
	k := key(srcA, typInstance, "r1")
	if _, err := st.Get(t.Context(), k); !errors.Is(err, inventory.ErrNotFound) {
		t.Errorf("Get after Reset: got %v, want ErrNotFound", err)
	}
	if _, err := st.History(t.Context(), inventory.HistoryQuery{Key: k, Limit: 10}); !errors.Is(err, inventory.ErrNotFound) {
		t.Errorf("History after Reset: got %v, want ErrNotFound", err)
	}
	// The store is as new: an old StateID is new again.
	if res := write(t, st, ver(k, 1)); res != (inventory.WriteResult{New: 1}) {
		t.Errorf("Write after Reset: got %+v, want New 1", res)
	}
	if got, err := st.Get(t.Context(), k); err != nil || !sameItem(got, ver(k, 1)) {
		t.Errorf("Get after Reset and Write: got %+v, %v", got, err)
	}
}

func (s suite) cancelledContext(t *testing.T) {
	st := s.store(t)
	seedFixture(t, st)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	k := key(srcA, typInstance, "r1")
	calls := Calls(ctx, st, ver(k, 9))
	delete(calls, "LockSource") // may take a free lock all the same
	calls["BatchGet one"] = func() error {
		_, err := st.BatchGet(ctx, []inventory.Key{k})
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		if err := calls[name](); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: got %v, want context.Canceled", name, err)
		}
	}
	// Nothing changed.
	if got, err := st.Get(t.Context(), k); err != nil || got.StateID != 2 {
		t.Errorf("Get after cancelled calls: got %d, %v; want StateID 2", got.StateID, err)
	}
}

// concurrent runs writers and readers at once: every read must see whole
// batches (a batch writes one version of each of its resources, and every
// resource of a batch carries the same StateID), and at the end every
// write is there.
func (s suite) concurrent(t *testing.T) {
	st := s.store(t)
	const (
		writers = 4
		rounds  = 15
		perKey  = 8 // resources per batch
	)
	keys := func(w int) []inventory.Key {
		var ks []inventory.Key
		for i := range perKey {
			ks = append(ks, key(srcA, typInstance, fmt.Sprintf("w%d-%02d", w, i)))
		}
		return ks
	}
	errc := make(chan error, 64)
	done := make(chan struct{})
	var readers, writersDone = make(chan struct{}), make(chan struct{}, writers)
	for w := range writers {
		go func() {
			defer func() { writersDone <- struct{}{} }()
			for r := int64(1); r <= rounds; r++ {
				var batch []inventory.Item
				for _, k := range keys(w) {
					batch = append(batch, ver(k, r))
				}
				// Every other round, an older version and a repeat too.
				if r%2 == 0 {
					batch = append(batch, ver(keys(w)[0], r-1), ver(keys(w)[1], r))
				}
				if _, err := st.Write(context.Background(), batch); err != nil {
					errc <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	go func() {
		defer close(readers)
		for {
			select {
			case <-done:
				return
			default:
			}
			// Each writer's resources share one StateID in any one read.
			page, err := st.List(context.Background(), inventory.ListQuery{Scope: inventory.OneSource(srcA), Limit: writers * perKey})
			if err != nil {
				errc <- fmt.Errorf("reading a page: %w", err)
				return
			}
			seen := map[string]int64{}
			for _, it := range page.Items {
				w := it.ResourceID[:2]
				if id, ok := seen[w]; ok && id != it.StateID {
					errc <- fmt.Errorf("a page of List saw a partial batch of %s: %s", w, versions(page.Items))
					return
				}
				seen[w] = it.StateID
			}
			items, err := st.BatchGet(context.Background(), keys(0))
			if err != nil {
				errc <- fmt.Errorf("reading a batch: %w", err)
				return
			}
			for _, it := range items {
				if it.StateID != items[0].StateID {
					errc <- fmt.Errorf("a BatchGet saw a partial batch: %s", versions(items))
					return
				}
			}
			if _, err := st.Count(context.Background(), inventory.CountQuery{Scope: inventory.AllSources(), GroupBy: inventory.GroupResourceType}); err != nil {
				errc <- fmt.Errorf("counting: %w", err)
				return
			}
		}
	}()
	for range writers {
		<-writersDone
	}
	close(done)
	<-readers
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	for w := range writers {
		for _, k := range keys(w) {
			got, err := st.Get(t.Context(), k)
			if err != nil || got.StateID != rounds {
				t.Errorf("Get(%v): got StateID %d, %v; want %d", k, got.StateID, err, rounds)
			}
		}
		page, err := st.History(t.Context(), inventory.HistoryQuery{Key: keys(w)[0], Limit: 100})
		if err != nil || len(page.Items) != rounds {
			t.Errorf("History of writer %d: got %d versions, %v; want %d", w, len(page.Items), err, rounds)
		}
	}
}

// randomWrites writes random batches (new resources, later and earlier
// versions, repeats, deletions and re-creations) and after each compares
// every read with the model, so that whatever a backend derives from the
// versions (the latest, counts) stays right through every transition.
func (s suite) randomWrites(t *testing.T) {
	st := s.store(t)
	m := newModel()
	r := rand.New(rand.NewPCG(11, 12))
	var keys []inventory.Key
	for _, src := range []inventory.Source{srcA, srcB} {
		for _, typ := range []string{typBucket, typInstance} {
			for i := range 4 {
				keys = append(keys, key(src, typ, fmt.Sprintf("x%d", i)))
			}
		}
	}
	all := inventory.AllSources()
	for round := range 25 {
		var batch []inventory.Item
		for range 1 + r.IntN(12) {
			it := ver(keys[r.IntN(len(keys))], int64(1+r.IntN(10)))
			if r.IntN(3) == 0 {
				it = deleted(it)
			}
			if r.IntN(4) == 0 {
				it = named(it, "n"+strconv.Itoa(r.IntN(3)))
			}
			batch = append(batch, it)
		}
		var want inventory.WriteResult
		for _, it := range batch {
			latest, had := m.latest(it.Key)
			vs := m.versions[it.Key]
			switch {
			case slices.ContainsFunc(vs, func(v inventory.Item) bool { return v.StateID == it.StateID }):
				want.Unchanged++
			case !had || it.StateID > latest.StateID:
				want.New++
			default:
				want.Superseded++
			}
			m.add(it)
		}
		got, err := st.Write(t.Context(), batch)
		if err != nil {
			t.Fatalf("round %d: Write: %v", round, err)
		}
		if got != want {
			t.Errorf("round %d: Write: got %+v, want %+v", round, got, want)
		}
		for _, k := range keys {
			want, had := m.latest(k)
			got, err := st.Get(t.Context(), k)
			if !had {
				if !errors.Is(err, inventory.ErrNotFound) {
					t.Errorf("round %d: Get(%v): got %v, want ErrNotFound", round, k, err)
				}
				continue
			}
			if err != nil || !sameItem(got, want) {
				t.Errorf("round %d: Get(%v): got %s, %v; want %s", round, k, versions([]inventory.Item{got}), err, versions([]inventory.Item{want}))
			}
		}
		for _, f := range []inventory.Filter{{}, {IncludeDeleted: true}, {ResourceName: "n1"}, {ResourceTypes: []string{typBucket}, Region: srcB.Region}} {
			if d := diffItems(listAll(t, st, inventory.ListQuery{Scope: all, Filter: f, Limit: 3}), m.list(all, f)); d != "" {
				t.Errorf("round %d: List %+v: %s", round, f, d)
			}
			for _, g := range []inventory.GroupBy{inventory.GroupNone, inventory.GroupResourceType, inventory.GroupAccountID, inventory.GroupRegion} {
				for _, sc := range []*inventory.Scope{all, inventory.OneSource(srcB), {Sources: []inventory.Source{srcA, srcB}}} {
					got, err := st.Count(t.Context(), inventory.CountQuery{Scope: sc, Filter: f, GroupBy: g})
					if want := m.count(sc, f, g); err != nil || !sameCount(got, want) {
						t.Errorf("round %d: Count by %d of %+v, %+v: got %+v, %v; want %+v", round, g, sc, f, got, err, want)
					}
				}
			}
		}
	}
}

// lockSource checks the numbering lock: it excludes a second holder of the
// same source until it is released, gives up with the context's error, and
// lets one holder at a time in under contention.
func (s suite) lockSource(t *testing.T) {
	st := s.store(t)
	unlock, err := st.LockSource(t.Context(), srcA)
	if err != nil {
		t.Fatalf("LockSource: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	_, err = st.LockSource(ctx, srcA)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("LockSource of a held source: got %v, want context.DeadlineExceeded", err)
	}
	unlock()
	ctx, cancel = context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	unlock, err = st.LockSource(ctx, srcA)
	if err != nil {
		t.Fatalf("LockSource after unlock: %v", err)
	}
	unlock()

	cancelled, cancel2 := context.WithCancel(t.Context())
	cancel2()
	if unlock, err := st.LockSource(cancelled, srcB); err == nil {
		// A free lock may be taken even so; it must then work as usual.
		unlock()
	} else if !errors.Is(err, context.Canceled) {
		t.Errorf("LockSource with a cancelled context: got %v, want nil or context.Canceled", err)
	}

	if m := Contend(t, ctx, slices.Repeat([]inventory.Store{st}, 8), srcA, 20, 0); m != 1 {
		t.Errorf("LockSource let %d holders in at once, want 1", m)
	}
}
