package compliancetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// groupKey names a group of the model.
type groupKey struct {
	inventory.Source
	name string
}

// groups is what a store's groups should be: each group's rules.
type groups map[groupKey][]string

// summaries is what GroupSummaries of q returns, from the groups and the
// model's counts.
func (gs groups) summaries(m *model, q compliance.SummaryQuery) []compliance.GroupSummary {
	counts := map[compliance.RuleKey]compliance.RuleCounts{}
	for _, c := range m.counts(inventory.AllSources(), compliance.Filter{}) {
		counts[compliance.RuleKey{Source: c.Source, RuleName: c.RuleName}] = c
	}
	f := compliance.Filter{AccountID: q.AccountID, Region: q.Region}
	sums := map[string]*compliance.GroupSummary{}
	for k, rules := range gs {
		if !admitsSource(q.Scope, f, k.Source) {
			continue
		}
		g := summaryGroup(q.GroupBy, k.Source)
		sum := sums[g]
		if sum == nil {
			sum = &compliance.GroupSummary{Group: g}
			sums[g] = sum
		}
		nc, c := false, false
		for _, r := range rules {
			rc := counts[compliance.RuleKey{Source: k.Source, RuleName: r}]
			switch rc.Compliance() {
			case compliance.NonCompliant:
				nc = true
			case compliance.Compliant:
				c = true
			}
		}
		switch {
		case nc:
			sum.NonCompliant++
		case c:
			sum.Compliant++
		}
	}
	var out []compliance.GroupSummary
	for _, g := range slices.Sorted(maps.Keys(sums)) {
		if q.After != "" && g <= q.After {
			continue
		}
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
		out = append(out, *sums[g])
	}
	return out
}

// groupSummaries calls GroupSummaries and fails the test on an error.
func groupSummaries(t testing.TB, st compliance.Store, q compliance.SummaryQuery) []compliance.GroupSummary {
	t.Helper()
	got, err := st.GroupSummaries(t.Context(), q)
	if err != nil {
		t.Fatalf("GroupSummaries(%+v): got %v, want nil", q, err)
	}
	return got
}

// checkGroupSummaries compares GroupSummaries of the scope, by every
// grouping, with the model, whole and a page of two groups at a time.
func checkGroupSummaries(t testing.TB, st compliance.Store, m *model, gs groups, what string, sc *inventory.Scope, account, region string) {
	t.Helper()
	for _, by := range []compliance.SummaryGroupBy{compliance.SummaryTotal, compliance.SummaryByAccount, compliance.SummaryByRegion} {
		q := compliance.SummaryQuery{Scope: sc, AccountID: account, Region: region, GroupBy: by}
		want := gs.summaries(m, q)
		if got := groupSummaries(t, st, q); !slices.Equal(got, want) {
			t.Errorf("%s: GroupSummaries of %s, %+v:\n got %+v\nwant %+v", what, scopeName(sc), q, got, want)
		}
		var paged []compliance.GroupSummary
		for q.Limit = 2; ; {
			page := groupSummaries(t, st, q)
			paged = append(paged, page...)
			if len(page) < q.Limit || len(paged) > 1000 {
				break
			}
			q.After = page[len(page)-1].Group
		}
		if !slices.Equal(paged, want) {
			t.Errorf("%s: GroupSummaries of %s by %d, two at a time:\n got %+v\nwant %+v", what, scopeName(sc), by, paged, want)
		}
	}
}

// syncGroup makes the rules of a group of the store and of gs rules (none:
// the group goes), through SyncGroup.
func syncGroup(t testing.TB, st compliance.Store, gs groups, src inventory.Source, name string, rules ...string) {
	t.Helper()
	err := st.SyncGroup(t.Context(), src, name, func(context.Context) ([]string, bool, error) {
		return rules, rules != nil, nil
	})
	if err != nil {
		t.Fatalf("SyncGroup(%v, %q, %q): %v", src, name, rules, err)
	}
	if rules == nil {
		delete(gs, groupKey{src, name})
	} else {
		gs[groupKey{src, name}] = rules
	}
}

// groupsFixture puts groups over summaryFixture's sources: in most
// sources a pack of rule-0 and rule-1, in some a pack of rule-2 and of a
// rule without results, in some a pack whose rules have no results
// (INSUFFICIENT_DATA), and in a few none.
func groupsFixture(t *testing.T, st compliance.Store, srcs []inventory.Source) groups {
	gs := groups{}
	for i, src := range srcs {
		if i%7 == 6 {
			continue
		}
		syncGroup(t, st, gs, src, "pack-a", "rule-0", "rule-1")
		if i%3 == 0 {
			syncGroup(t, st, gs, src, "pack-b", "rule-2", "rule-without-results")
		}
		if i%4 == 1 {
			syncGroup(t, st, gs, src, "pack-c", "rule-without-results")
		}
	}
	return gs
}

// groupSummaries checks GroupSummaries against the model over scopes,
// narrowed, by every grouping and paged; through changes of the groups
// (SyncGroup, ReplaceGroups) and of their rules' results; and that a
// failing current or a group it refuses writes nothing.
func (s suite) groupSummaries(t *testing.T) {
	st := s.open(t)
	if got := groupSummaries(t, st, compliance.SummaryQuery{Scope: inventory.AllSources()}); len(got) != 0 {
		t.Errorf("GroupSummaries of an empty store: %+v", got)
	}
	m, srcs := summaryFixture(t, st)
	gs := groupsFixture(t, st, srcs)
	sets := []*inventory.Scope{inventory.AllSources(), inventory.NewScope(srcs), inventory.NewScope(srcs[3:17]),
		inventory.NewScope([]inventory.Source{srcs[2], srcs[9], other}), &inventory.Scope{}, inventory.OneSource(other)}
	narrows := [][2]string{{"", ""}, {srcs[5].AccountID, ""}, {"", "eu-west-1"}, {srcs[6].AccountID, srcs[6].Region}, {"nope", ""}}
	checkAll := func(what string) {
		t.Helper()
		for _, sc := range sets {
			for _, narrow := range narrows {
				checkGroupSummaries(t, st, m, gs, what, sc, narrow[0], narrow[1])
			}
			for _, narrow := range narrows[:3] {
				checkGroupCounts(t, st, m, gs, what, sc, narrow[0], narrow[1])
			}
		}
	}
	checkAll("fixture")
	// The fixture has groups of each compliance.
	var total compliance.GroupSummary
	for _, sum := range gs.summaries(m, compliance.SummaryQuery{Scope: inventory.AllSources()}) {
		total = sum
	}
	if n := int64(len(gs)); total.Compliant < 3 || total.NonCompliant < 3 || n-total.Compliant-total.NonCompliant < 3 {
		t.Fatalf("the fixture's %d groups: %+v, want 3 or more of each compliance", n, total)
	}

	src := srcs[1]
	steps := []struct {
		name string
		do   func() error
	}{
		{"a group's rules change", func() error {
			syncGroup(t, st, gs, src, "pack-a", "rule-1")
			syncGroup(t, st, gs, srcs[2], "pack-a", "rule-without-results")
			return nil
		}},
		{"a group goes", func() error { syncGroup(t, st, gs, srcs[3], "pack-a"); return nil }},
		{"a group of no rules", func() error { syncGroup(t, st, gs, srcs[4], "pack-a", []string{}...); return nil }},
		{"a group comes back", func() error { syncGroup(t, st, gs, srcs[3], "pack-a", "rule-2"); return nil }},
		{"its rules' results change", func() error {
			r := recordedAt(res(key(srcs[3], "rule-2", typInstance, "i-9"), compliance.NonCompliant, 50), time.Hour)
			m.put(r)
			return st.PutResults(t.Context(), []compliance.Result{r})
		}},
		{"its rules' results go", func() error {
			m.deleteResults(srcs[3], "rule-2")
			_, err := st.DeleteResults(t.Context(), srcs[3], "rule-2")
			return err
		}},
		{"a rule without results gets one", func() error {
			r := res(key(src, "rule-without-results", typBucket, "b-1"), compliance.Compliant, 1) // its pack-c had no compliance
			m.put(r)
			return st.PutResults(t.Context(), []compliance.Result{r})
		}},
		{"a rule's results replaced by a noncompliant one", func() error {
			r := res(key(src, "rule-1", typVolume, "v-1"), compliance.NonCompliant, 60)
			m.replace(src, []string{"rule-1"}, r)
			return st.ReplaceResults(t.Context(), src, []string{"rule-1"}, []compliance.Result{r}, time.Time{})
		}},
		{"a rule's results replaced by none", func() error {
			m.replace(srcs[6], []string{"rule-0", "rule-1"})
			return st.ReplaceResults(t.Context(), srcs[6], []string{"rule-0", "rule-1"}, nil, time.Time{})
		}},
		{"a resource deleted", func() error {
			m.deleteResource(src, typVolume, "v-1")
			return st.DeleteResource(t.Context(), src, typVolume, "v-1")
		}},
		{"results deleted one by one", func() error {
			for _, r := range m.list(inventory.OneSource(srcs[9]), compliance.Filter{RuleNames: []string{"rule-0"}}) {
				m.deleteResult(r.ResultKey)
				if err := st.DeleteResult(t.Context(), r.ResultKey); err != nil {
					return err
				}
			}
			return nil
		}},
		{"a group with a rule twice", func() error {
			syncGroup(t, st, gs, srcs[5], "pack-d", "rule-0", "rule-0", "rule-2")
			gs[groupKey{srcs[5], "pack-d"}] = []string{"rule-0", "rule-2"}
			return nil
		}},
		{"replaced", func() error {
			repl := groups{
				{srcs[0], "pack-z"}:  {"rule-0", "rule-2"},
				{srcs[7], "pack-a"}:  {"rule-1"},
				{srcs[8], "pack-a"}:  {"rule-without-results"},
				{srcs[10], "pack-a"}: {"rule-0"},
				{other, "pack-o"}:    {"rule-0"},
			}
			err := st.ReplaceGroups(t.Context(), func(context.Context) ([]compliance.Group, error) {
				var out []compliance.Group
				for k, rules := range repl {
					out = append(out, compliance.Group{Source: k.Source, Name: k.name, Rules: rules})
				}
				return out, nil
			})
			clear(gs)
			maps.Copy(gs, repl)
			return err
		}},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		checkAll(step.name)
	}

	// Refused: current's error, and groups the contract refuses, write
	// nothing.
	errCurrent := errors.New("current failed")
	if err := st.SyncGroup(t.Context(), srcs[7], "pack-a", func(context.Context) ([]string, bool, error) {
		return nil, false, errCurrent
	}); !errors.Is(err, errCurrent) {
		t.Errorf("SyncGroup with a failing current: got %v, want %v", err, errCurrent)
	}
	if err := st.ReplaceGroups(t.Context(), func(context.Context) ([]compliance.Group, error) { return nil, errCurrent }); !errors.Is(err, errCurrent) {
		t.Errorf("ReplaceGroups with a failing current: got %v, want %v", err, errCurrent)
	}
	for _, g := range []compliance.Group{
		{Source: srcs[7], Name: "", Rules: []string{"rule-0"}},
		{Source: srcs[7], Name: "pack-a", Rules: []string{""}},
		{Source: inventory.Source{AccountID: "", Region: "us-east-1"}, Name: "pack-a", Rules: []string{"rule-0"}},
		{Source: inventory.Source{AccountID: srcs[7].AccountID, Region: ""}, Name: "pack-a", Rules: []string{"rule-0"}},
	} {
		if err := st.SyncGroup(t.Context(), g.Source, g.Name, func(context.Context) ([]string, bool, error) { return g.Rules, true, nil }); err == nil {
			t.Errorf("SyncGroup of %+v: got nil, want an error", g)
		}
		if err := st.ReplaceGroups(t.Context(), func(context.Context) ([]compliance.Group, error) {
			return []compliance.Group{{Source: srcs[9], Name: "pack-ok", Rules: []string{"rule-0"}}, g}, nil
		}); err == nil {
			t.Errorf("ReplaceGroups with %+v: got nil, want an error", g)
		}
	}
	checkAll("after refused writes")

	if err := st.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := groupSummaries(t, st, compliance.SummaryQuery{Scope: inventory.AllSources()}); len(got) != 0 {
		t.Errorf("GroupSummaries after Reset: %+v", got)
	}
}

// groupsTurn runs SyncGroup and ReplaceGroups of one group at once: their
// current functions never run together, and the group ends as the last
// current to run left it.
func (s suite) groupsTurn(t *testing.T) {
	st := s.open(t)
	src := srcA
	// rule-c is compliant, rule-n noncompliant: the group's summary tells
	// which the last current chose.
	batch := []compliance.Result{res(key(src, "rule-c", typInstance, "i-1"), compliance.Compliant, 1),
		res(key(src, "rule-n", typInstance, "i-1"), compliance.NonCompliant, 1)}
	put(t, st, batch...)
	var inside, calls atomic.Int64
	var last atomic.Value
	choose := func() string {
		if inside.Add(1) != 1 {
			t.Error("two current functions ran at once")
		}
		defer inside.Add(-1)
		time.Sleep(time.Millisecond) // room for another to overlap
		rule := []string{"rule-c", "rule-n"}[calls.Add(1)%2]
		last.Store(rule)
		return rule
	}
	const writers, rounds = 4, 8
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range rounds {
				var err error
				if w == 0 {
					err = st.ReplaceGroups(t.Context(), func(context.Context) ([]compliance.Group, error) {
						return []compliance.Group{{Source: src, Name: "pack", Rules: []string{choose()}}}, nil
					})
				} else {
					err = st.SyncGroup(t.Context(), src, "pack", func(context.Context) ([]string, bool, error) {
						return []string{choose()}, true, nil
					})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := compliance.GroupSummary{Compliant: 1}
	if last.Load() == "rule-n" {
		want = compliance.GroupSummary{NonCompliant: 1}
	}
	if got := groupSummaries(t, st, compliance.SummaryQuery{Scope: inventory.AllSources()}); !slices.Equal(got, []compliance.GroupSummary{want}) {
		t.Errorf("after %d writes, the last of %s: got %+v, want %+v", calls.Load(), fmt.Sprint(last.Load()), got, want)
	}
}

// groupsBesideWrites copies a group again and again while its rule's
// results flip between COMPLIANT and NON_COMPLIANT: whatever order they
// run in, the group ends with the compliance of the rule's last results.
func (s suite) groupsBesideWrites(t *testing.T) {
	st := s.open(t)
	src := srcA
	const rounds = 40
	flip := func(i int) compliance.Result {
		return res(key(src, "rule-x", typInstance, "i-1"), []string{compliance.Compliant, compliance.NonCompliant}[i%2], i)
	}
	put(t, st, flip(0))
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range rounds {
			if err := st.ReplaceResults(t.Context(), src, []string{"rule-x"}, []compliance.Result{flip(i + 1)}, time.Time{}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() {
		for range rounds {
			if err := st.SyncGroup(t.Context(), src, "pack", func(context.Context) ([]string, bool, error) {
				return []string{"rule-x"}, true, nil
			}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	want := compliance.GroupSummary{Compliant: 1}
	if rounds%2 == 1 {
		want = compliance.GroupSummary{NonCompliant: 1}
	}
	if got := groupSummaries(t, st, compliance.SummaryQuery{Scope: inventory.AllSources()}); !slices.Equal(got, []compliance.GroupSummary{want}) {
		t.Errorf("after %d flips beside %d copies: got %+v, want %+v", rounds, rounds, got, want)
	}
}

// counts is what GroupCounts of q returns, from the groups and the model's
// counts.
func (gs groups) counts(m *model, q compliance.GroupCountsQuery) []compliance.GroupCounts {
	counts := map[compliance.RuleKey]compliance.RuleCounts{}
	for _, c := range m.counts(inventory.AllSources(), compliance.Filter{}) {
		counts[compliance.RuleKey{Source: c.Source, RuleName: c.RuleName}] = c
	}
	f := compliance.Filter{AccountID: q.AccountID, Region: q.Region}
	var out []compliance.GroupCounts
	for k, rules := range gs {
		if !admitsSource(q.Scope, f, k.Source) || (q.Name != "" && k.name != q.Name) {
			continue
		}
		g := compliance.GroupCounts{GroupKey: compliance.GroupKey{Source: k.Source, Name: k.name}}
		for _, r := range slices.Compact(slices.Sorted(slices.Values(rules))) {
			g.Rules++
			rc := counts[compliance.RuleKey{Source: k.Source, RuleName: r}]
			switch rc.Compliance() {
			case compliance.NonCompliant:
				g.NonCompliant++
			case compliance.Compliant:
				g.Compliant++
			}
		}
		if q.Compliance != "" && g.Compliance() != q.Compliance {
			continue
		}
		if q.After != nil && cmpGroupKey(g.GroupKey, *q.After) <= 0 {
			continue
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b compliance.GroupCounts) int { return cmpGroupKey(a.GroupKey, b.GroupKey) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func cmpGroupKey(a, b compliance.GroupKey) int {
	if c := inventory.CompareSources(a.Source, b.Source); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// checkGroupCounts compares GroupCounts of the scope, by every compliance
// and with and without a name, with the model: whole, and three at a time.
func checkGroupCounts(t testing.TB, st compliance.Store, m *model, gs groups, what string, sc *inventory.Scope, account, region string) {
	t.Helper()
	for _, ct := range []string{"", compliance.Compliant, compliance.NonCompliant, compliance.InsufficientData} {
		for _, name := range []string{"", "pack-a"} {
			q := compliance.GroupCountsQuery{Scope: sc, AccountID: account, Region: region, Name: name, Compliance: ct}
			want := gs.counts(m, q)
			got, err := st.GroupCounts(t.Context(), q)
			if err != nil {
				t.Fatalf("%s: GroupCounts(%+v): %v", what, q, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: GroupCounts of %s, %+v:\n got %+v\nwant %+v", what, scopeName(sc), q, got, want)
			}
			var paged []compliance.GroupCounts
			for q.Limit = 3; ; {
				page, err := st.GroupCounts(t.Context(), q)
				if err != nil {
					t.Fatalf("%s: GroupCounts(%+v): %v", what, q, err)
				}
				paged = append(paged, page...)
				if len(page) < q.Limit || len(paged) > 1000 {
					break
				}
				q.After = &page[len(page)-1].GroupKey
			}
			if !slices.Equal(paged, want) {
				t.Errorf("%s: GroupCounts of %s, compliance %q, name %q, three at a time:\n got %+v\nwant %+v", what, scopeName(sc), ct, name, paged, want)
			}
		}
	}
}
