package inventorytest

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// at is what a Scan at the time at returns: each resource's version with
// the largest StateID among those captured at or before at, if it has one
// and sc and f admit it (its name and deletion are that version's).
func (m *model) at(sc *inventory.Scope, f inventory.Filter, at time.Time) []inventory.Item {
	var out []inventory.Item
	for _, vs := range m.versions {
		// The versions are in StateID order; capture times need not be.
		for i := len(vs) - 1; i >= 0; i-- {
			if !vs[i].CaptureTime.After(at) {
				if admits(sc, f, vs[i]) {
					out = append(out, vs[i])
				}
				break
			}
		}
	}
	slices.SortFunc(out, listCmp)
	return out
}

// scanAll returns every item of a Scan of q, failing t on an error.
func scanAll(t *testing.T, st inventory.Store, q inventory.ScanQuery) []inventory.Item {
	t.Helper()
	var all []inventory.Item
	for it, err := range st.Scan(t.Context(), q) {
		if err != nil {
			t.Fatalf("Scan %+v: %v", q, err)
		}
		all = append(all, it)
	}
	return all
}

// minute returns the capture time of the fixtures' StateID n, t0 + n
// minutes.
func minute(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

// atFixture is the fixture of scanAt: a few resources whose versions were
// captured at different times (StateID n at minute(n), but for i-e, whose
// version 3 was captured before its version 2), renamed, deleted and
// recreated, in four sources:
//
//	111111111111/eu-west-1  AWS::EC2::Instance i-e  2, 3 (at minute 1)
//	                        AWS::IAM::Role     r-f  1, 8
//	111111111111/us-east-1  AWS::EC2::Instance i-a  2 "old-a", 4 "old-a", 6 "new-a"
//	                        AWS::EC2::Instance i-b  1, 3 deleted
//	                        AWS::S3::Bucket    b-c  5
//	                        AWS::S3::Bucket    b-d  1, 3 deleted, 7
//	222222222222/us-east-1  AWS::EC2::Instance i-g  3 "old-a", 9 "g"
//	                        AWS::S3::Bucket    b-h  1 deleted, 4
//	333333333333/ap-south-1 AWS::EC2::Volume   v-i  2, 5 deleted
func atFixture() []inventory.Item {
	ie3 := ver(key(srcA2, typInstance, "i-e"), 3)
	ie3.CaptureTime = minute(1)
	ia := key(srcA, typInstance, "i-a")
	ib := key(srcA, typInstance, "i-b")
	bd := key(srcA, typBucket, "b-d")
	ig := key(srcB, typInstance, "i-g")
	vi := key(srcC, typVolume, "v-i")
	return []inventory.Item{
		ver(key(srcA2, typInstance, "i-e"), 2), ie3,
		ver(key(srcA2, typRole, "r-f"), 1), ver(key(srcA2, typRole, "r-f"), 8),
		named(ver(ia, 2), "old-a"), named(ver(ia, 4), "old-a"), named(ver(ia, 6), "new-a"),
		ver(ib, 1), deleted(ver(ib, 3)),
		ver(key(srcA, typBucket, "b-c"), 5),
		ver(bd, 1), deleted(ver(bd, 3)), ver(bd, 7),
		named(ver(ig, 3), "old-a"), named(ver(ig, 9), "g"),
		deleted(ver(key(srcB, typBucket, "b-h"), 1)), ver(key(srcB, typBucket, "b-h"), 4),
		ver(vi, 2), deleted(ver(vi, 5)),
	}
}

// atLabels returns the items as id@StateID, with " deleted" after a
// deletion (the fixture's ids are unique across sources).
func atLabels(items []inventory.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ResourceID + "@" + strconv.FormatInt(it.StateID, 10)
		if it.Deleted() {
			out[i] += " deleted"
		}
	}
	return out
}

// scanAt checks Scan with At on atFixture: each row says what the scan
// returns, in order, and the model must agree.
func (s suite) scanAt(t *testing.T) {
	st := s.store(t)
	items := atFixture()
	// In two batches, the second in reverse, so that some versions arrive
	// after later ones.
	half := len(items) / 2
	write(t, st, items[:half]...)
	rest := slices.Clone(items[half:])
	slices.Reverse(rest)
	write(t, st, rest...)
	m := newModel(items...)

	all := inventory.AllSources()
	deletedToo := inventory.Filter{IncludeDeleted: true}
	latest := []string{"i-e@3", "r-f@8", "i-a@6", "b-c@5", "b-d@7", "i-g@9", "b-h@4"}
	tests := []struct {
		name   string
		scope  *inventory.Scope
		filter inventory.Filter
		at     time.Time
		want   []string
	}{
		{"before the first version", all, inventory.Filter{}, minute(0), nil},
		{"long before, with deleted", all, deletedToo, minute(-600), nil},
		{"at the first capture", all, inventory.Filter{}, minute(1), []string{"i-e@3", "r-f@1", "i-b@1", "b-d@1"}},
		{"at the first capture, with deleted", all, deletedToo, minute(1), []string{"i-e@3", "r-f@1", "i-b@1", "b-d@1", "b-h@1 deleted"}},
		{"a millisecond before a capture", all, inventory.Filter{}, minute(3).Add(-time.Millisecond),
			[]string{"i-e@3", "r-f@1", "i-a@2", "i-b@1", "b-d@1", "v-i@2"}},
		{"a microsecond before a capture", all, inventory.Filter{}, minute(3).Add(-time.Microsecond),
			[]string{"i-e@3", "r-f@1", "i-a@2", "i-b@1", "b-d@1", "v-i@2"}},
		{"exactly at a capture", all, inventory.Filter{}, minute(3), []string{"i-e@3", "r-f@1", "i-a@2", "i-g@3", "v-i@2"}},
		{"within the capture's millisecond", all, inventory.Filter{}, minute(3).Add(500 * time.Microsecond),
			[]string{"i-e@3", "r-f@1", "i-a@2", "i-g@3", "v-i@2"}},
		{"after deletions, with deleted", all, deletedToo, minute(3),
			[]string{"i-e@3", "r-f@1", "i-a@2", "i-b@3 deleted", "b-d@3 deleted", "i-g@3", "b-h@1 deleted", "v-i@2"}},
		{"between versions", all, inventory.Filter{}, minute(4).Add(30 * time.Second),
			[]string{"i-e@3", "r-f@1", "i-a@4", "i-g@3", "b-h@4", "v-i@2"}},
		{"recreated after a deletion", all, inventory.Filter{ResourceIDs: []string{"b-d"}}, minute(7), []string{"b-d@7"}},
		{"after everything", all, inventory.Filter{}, minute(600), latest},
		{"after everything, with deleted", all, deletedToo, minute(600),
			[]string{"i-e@3", "r-f@8", "i-a@6", "i-b@3 deleted", "b-c@5", "b-d@7", "i-g@9", "b-h@4", "v-i@5 deleted"}},
		{"an old name", all, inventory.Filter{ResourceName: "old-a"}, minute(4), []string{"i-a@4", "i-g@3"}},
		{"an old name, now", all, inventory.Filter{ResourceName: "old-a"}, minute(600), nil},
		{"a later name", all, inventory.Filter{ResourceName: "new-a"}, minute(4), nil},
		{"the name of a deletion", all, inventory.Filter{ResourceName: "name-i-b"}, minute(3), nil},
		{"the name of a deletion, with deleted", all, inventory.Filter{ResourceName: "name-i-b", IncludeDeleted: true}, minute(3),
			[]string{"i-b@3 deleted"}},
		{"one type", all, inventory.Filter{ResourceTypes: []string{typBucket}}, minute(7), []string{"b-c@5", "b-d@7", "b-h@4"}},
		{"two types", all, inventory.Filter{ResourceTypes: []string{typVolume, typRole}}, minute(4), []string{"r-f@1", "v-i@2"}},
		{"a type deleted since", all, inventory.Filter{ResourceTypes: []string{typVolume}}, minute(4), []string{"v-i@2"}},
		{"ids", all, inventory.Filter{ResourceIDs: []string{"i-a", "b-h", "nope"}}, minute(4), []string{"i-a@4", "b-h@4"}},
		{"type and ids in a source", inventory.OneSource(srcA), inventory.Filter{ResourceTypes: []string{typBucket}, ResourceIDs: []string{"b-d", "b-c"}},
			minute(5), []string{"b-c@5"}},
		{"account", all, inventory.Filter{AccountID: srcA.AccountID}, minute(2), []string{"i-e@3", "r-f@1", "i-a@2", "i-b@1", "b-d@1"}},
		{"region", all, inventory.Filter{Region: "us-east-1"}, minute(4), []string{"i-a@4", "i-g@3", "b-h@4"}},
		{"account and region", all, inventory.Filter{AccountID: srcB.AccountID, Region: srcB.Region}, minute(4), []string{"i-g@3", "b-h@4"}},
		{"region and type", all, inventory.Filter{Region: "us-east-1", ResourceTypes: []string{typBucket}}, minute(7),
			[]string{"b-c@5", "b-d@7", "b-h@4"}},
		{"one source", inventory.OneSource(srcB), inventory.Filter{}, minute(9), []string{"i-g@9", "b-h@4"}},
		{"a set of sources", &inventory.Scope{Sources: []inventory.Source{srcC, srcA, srcC}}, inventory.Filter{}, minute(2),
			[]string{"i-a@2", "i-b@1", "b-d@1", "v-i@2"}},
		{"a set of sources and a type", &inventory.Scope{Sources: []inventory.Source{srcB, srcA}}, inventory.Filter{ResourceTypes: []string{typInstance}},
			minute(3), []string{"i-a@2", "i-g@3"}},
		{"account narrows a set", &inventory.Scope{Sources: []inventory.Source{srcA, srcA2, srcC}}, inventory.Filter{AccountID: srcA.AccountID},
			minute(8), []string{"i-e@3", "r-f@8", "i-a@6", "b-c@5", "b-d@7"}},
		{"region narrows a set", &inventory.Scope{Sources: []inventory.Source{srcA, srcA2, srcB}}, inventory.Filter{Region: "eu-west-1"},
			minute(8), []string{"i-e@3", "r-f@8"}},
		{"a source without data", inventory.OneSource(inventory.Source{AccountID: "999999999999", Region: "us-east-1"}), deletedToo, minute(600), nil},
		{"an empty set", &inventory.Scope{}, deletedToo, minute(600), nil},
		{"everything at once", &inventory.Scope{Sources: []inventory.Source{srcA, srcB, srcC}},
			inventory.Filter{ResourceTypes: []string{typInstance, typBucket}, ResourceIDs: []string{"i-a", "i-g", "b-h"}, ResourceName: "old-a",
				Region: "us-east-1", IncludeDeleted: true}, minute(4), []string{"i-a@4", "i-g@3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := m.at(tt.scope, tt.filter, tt.at)
			if labels := atLabels(want); !slices.Equal(labels, tt.want) {
				t.Fatalf("the model has %v, the table says %v", labels, tt.want)
			}
			got := scanAll(t, st, inventory.ScanQuery{Scope: tt.scope, Filter: tt.filter, At: tt.at})
			if d := diffItems(got, want); d != "" {
				t.Errorf("Scan at %s: %s (%v)", tt.at.Format(time.RFC3339Nano), d, atLabels(got))
			}
		})
	}
	// After the last capture, a Scan at a time reads what List does.
	if d := diffItems(scanAll(t, st, inventory.ScanQuery{Scope: all, At: minute(600)}),
		listAll(t, st, inventory.ListQuery{Scope: all, Limit: 3})); d != "" {
		t.Errorf("Scan after the last capture vs List: %s", d)
	}
}

// scanAtPages checks Scan with At over more resources than a backend's
// likely internal page, in several sources and pages, against the model,
// and that a cancelled context ends it.
func (s suite) scanAtPages(t *testing.T) {
	st := s.store(t)
	srcs := []inventory.Source{srcA, srcA2, srcB, srcC}
	// Resource i has 1 + i%3 versions; version j is named nj and captured
	// at minute 10j + i%7, and the last of several is a deletion for every
	// fifth resource.
	var items []inventory.Item
	for i := range 1400 {
		k := key(srcs[i%4], []string{typBucket, typInstance}[i/4%2], fmt.Sprintf("res-%05d", i))
		n := 1 + i%3
		for j := 1; j <= n; j++ {
			it := named(ver(k, int64(j)), "n"+strconv.Itoa(j))
			it.CaptureTime = minute(10*j + i%7)
			if j == n && n > 1 && i%5 == 0 {
				it = deleted(it)
			}
			items = append(items, it)
		}
	}
	for batch := range slices.Chunk(items, 1000) {
		write(t, st, batch...)
	}
	m := newModel(items...)
	scopes := []*inventory.Scope{inventory.AllSources(), {Sources: []inventory.Source{srcC, srcA}}, inventory.OneSource(srcB)}
	filters := []inventory.Filter{{}, {IncludeDeleted: true}, {ResourceTypes: []string{typInstance}}, {ResourceName: "n1"}, {Region: "us-east-1"}}
	most := 0
	for _, at := range []time.Time{minute(5), minute(13), minute(25).Add(time.Second), minute(45)} {
		for _, sc := range scopes {
			for _, f := range filters {
				got := scanAll(t, st, inventory.ScanQuery{Scope: sc, Filter: f, At: at})
				if d := diffItems(got, m.at(sc, f, at)); d != "" {
					t.Errorf("Scan at %s, scope %+v, filter %+v: %s", at.Format(time.TimeOnly), sc, f, d)
				}
				most = max(most, len(got))
			}
		}
	}
	if most < 1300 {
		t.Fatalf("the largest Scan returned %d items: the test reads fewer pages than it means to", most)
	}
	// A context cancelled during the scan ends it with the context's error.
	checkScanCancel(t, st, inventory.ScanQuery{Scope: inventory.AllSources(), At: minute(45)}, 1400)
}
