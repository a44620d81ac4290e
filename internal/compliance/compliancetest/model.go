package compliancetest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// model is what a store should hold: the latest result of each key.
type model struct {
	results map[compliance.ResultKey]compliance.Result
}

func newModel() *model {
	return &model{results: map[compliance.ResultKey]compliance.Result{}}
}

// put applies a batch as the contract says: each result in turn replaces
// the stored one of its key unless that one has a later OrderingTime (to
// the millisecond). In turn, so that within a batch the latest
// OrderingTime wins and, of equal ones, the later in the batch.
func (m *model) put(batch ...compliance.Result) {
	for _, r := range batch {
		r = norm(r)
		if old, ok := m.results[r.ResultKey]; ok && old.OrderingTime.After(r.OrderingTime) {
			continue
		}
		m.results[r.ResultKey] = r
	}
}

// replace applies a ReplaceResults: the rules' results in src are
// deleted, then the batch is put (of several results of one key, the
// latest OrderingTime wins, the later in the batch of equal ones).
func (m *model) replace(src inventory.Source, rules []string, batch ...compliance.Result) {
	for _, rule := range rules {
		m.deleteResults(src, rule)
	}
	m.put(batch...)
}

func (m *model) deleteResults(src inventory.Source, rule string) int64 {
	var n int64
	for k := range m.results {
		if k.Source == src && k.RuleName == rule {
			delete(m.results, k)
			n++
		}
	}
	return n
}

func (m *model) deleteResource(src inventory.Source, typ, id string) {
	for k := range m.results {
		if k.Source == src && k.ResourceType == typ && k.ResourceID == id {
			delete(m.results, k)
		}
	}
}

func (m *model) deleteResult(k compliance.ResultKey) { delete(m.results, k) }

func (m *model) reset() { clear(m.results) }

func inScope(sc *inventory.Scope, src inventory.Source) bool {
	return sc.All || slices.Contains(sc.Sources, src)
}

// admitsSource is what scope and the filter's account and region admit.
func admitsSource(sc *inventory.Scope, f compliance.Filter, src inventory.Source) bool {
	return inScope(sc, src) && (f.AccountID == "" || f.AccountID == src.AccountID) && (f.Region == "" || f.Region == src.Region)
}

func admitsRule(f compliance.Filter, rule string) bool {
	return len(f.RuleNames) == 0 || slices.Contains(f.RuleNames, rule)
}

// admits is what a List of sc and f admits.
func admits(sc *inventory.Scope, f compliance.Filter, r compliance.Result) bool {
	return admitsSource(sc, f, r.Source) && admitsRule(f, r.RuleName) &&
		(f.ResourceType == "" || f.ResourceType == r.ResourceType) &&
		(f.ResourceID == "" || f.ResourceID == r.ResourceID) &&
		(len(f.ComplianceTypes) == 0 || slices.Contains(f.ComplianceTypes, r.ComplianceType))
}

// list is what List over every page returns.
func (m *model) list(sc *inventory.Scope, f compliance.Filter) []compliance.Result {
	var out []compliance.Result
	for _, r := range m.results {
		if admits(sc, f, r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b compliance.Result) int { return cmpKey(a.ResultKey, b.ResultKey) })
	return out
}

// cmpKey is List order.
func cmpKey(a, b compliance.ResultKey) int {
	return cmp.Or(
		strings.Compare(a.AccountID, b.AccountID),
		strings.Compare(a.Region, b.Region),
		strings.Compare(a.RuleName, b.RuleName),
		strings.Compare(a.ResourceType, b.ResourceType),
		strings.Compare(a.ResourceID, b.ResourceID))
}

// counts is what Counts returns: the filter's resource type, id and
// compliance types are ignored.
func (m *model) counts(sc *inventory.Scope, f compliance.Filter) []compliance.RuleCounts {
	type rk struct {
		src  inventory.Source
		rule string
	}
	byRule := map[rk]*compliance.RuleCounts{}
	for _, r := range m.results {
		if !admitsSource(sc, f, r.Source) || !admitsRule(f, r.RuleName) {
			continue
		}
		k := rk{r.Source, r.RuleName}
		c := byRule[k]
		if c == nil {
			c = &compliance.RuleCounts{Source: r.Source, RuleName: r.RuleName}
			byRule[k] = c
		}
		switch r.ComplianceType {
		case compliance.Compliant:
			c.Compliant++
		case compliance.NonCompliant:
			c.NonCompliant++
		case compliance.NotApplicable:
			c.NotApplicable++
		case compliance.InsufficientData:
			c.Insufficient++
		}
		if r.RecordedTime.After(c.Latest) {
			c.Latest = r.RecordedTime
		}
	}
	var out []compliance.RuleCounts
	for _, c := range byRule {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b compliance.RuleCounts) int {
		return cmp.Or(inventory.CompareSources(a.Source, b.Source), strings.Compare(a.RuleName, b.RuleName))
	})
	return out
}

// countsQuery is what Counts returns for q: the rows of m.counts that q's
// Compliance admits, after q.After, the first q.Limit of them.
func (m *model) countsQuery(q compliance.CountsQuery) []compliance.RuleCounts {
	var out []compliance.RuleCounts
	for _, c := range m.counts(q.Scope, q.Filter) {
		if len(q.Compliance) > 0 && !slices.Contains(q.Compliance, c.Compliance()) {
			continue
		}
		if q.After != nil && cmp.Or(inventory.CompareSources(c.Source, q.After.Source), strings.Compare(c.RuleName, q.After.RuleName)) <= 0 {
			continue
		}
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
		out = append(out, c)
	}
	return out
}

// summaries is what Summaries returns for q: the rules of m.counts
// summed per group.
// summaryGroup is the group a summary by by counts the rules (or the
// rule groups) of src in: "" for the total.
func summaryGroup(by compliance.SummaryGroupBy, src inventory.Source) string {
	switch by {
	case compliance.SummaryByAccount:
		return src.AccountID
	case compliance.SummaryByRegion:
		return src.Region
	}
	return ""
}

func (m *model) summaries(q compliance.SummaryQuery) []compliance.RuleSummary {
	sums := map[string]*compliance.RuleSummary{}
	for _, c := range m.counts(q.Scope, compliance.Filter{AccountID: q.AccountID, Region: q.Region}) {
		g := summaryGroup(q.GroupBy, c.Source)
		sum := sums[g]
		if sum == nil {
			sum = &compliance.RuleSummary{Group: g}
			sums[g] = sum
		}
		switch c.Compliance() {
		case compliance.NonCompliant:
			sum.NonCompliant++
		case compliance.Compliant:
			sum.Compliant++
		default:
			continue
		}
		if c.Latest.After(sum.Latest) {
			sum.Latest = c.Latest
		}
	}
	var out []compliance.RuleSummary
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

// resourceCounts is what ResourceCounts returns. The suite reads it with
// filters of rules, a resource type, an account and a region only; what
// the filter's id and compliance types do there is the backend's.
//
// Latest is the largest RecordedTime of the COMPLIANT and NON_COMPLIANT
// results (of the admitted rules) of the type: the results the counts
// count; zero when there are none.
func (m *model) resourceCounts(sc *inventory.Scope, f compliance.Filter) []compliance.ResourceCounts {
	type res struct {
		src     inventory.Source
		typ, id string
	}
	type verdict struct{ c, nc bool }
	verdicts := map[res]*verdict{}
	latest := map[string]time.Time{}
	for _, r := range m.results {
		if !admitsSource(sc, f, r.Source) || !admitsRule(f, r.RuleName) || (f.ResourceType != "" && f.ResourceType != r.ResourceType) {
			continue
		}
		k := res{r.Source, r.ResourceType, r.ResourceID}
		v := verdicts[k]
		if v == nil {
			v = &verdict{}
			verdicts[k] = v
		}
		if _, ok := latest[r.ResourceType]; !ok {
			latest[r.ResourceType] = time.Time{}
		}
		switch r.ComplianceType {
		case compliance.Compliant:
			v.c = true
		case compliance.NonCompliant:
			v.nc = true
		default:
			continue
		}
		if r.RecordedTime.After(latest[r.ResourceType]) {
			latest[r.ResourceType] = r.RecordedTime
		}
	}
	byType := map[string]*compliance.ResourceCounts{}
	for typ, l := range latest {
		byType[typ] = &compliance.ResourceCounts{ResourceType: typ, Latest: l}
	}
	for k, v := range verdicts {
		switch {
		case v.nc:
			byType[k.typ].NonCompliant++
		case v.c:
			byType[k.typ].Compliant++
		}
	}
	var out []compliance.ResourceCounts
	for _, typ := range slices.Sorted(maps.Keys(byType)) {
		out = append(out, *byType[typ])
	}
	return out
}

// normTime is t as a store keeps it: to the millisecond, in UTC.
func normTime(t time.Time) time.Time {
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// norm returns r as a store returns it.
func norm(r compliance.Result) compliance.Result {
	r.OrderingTime = normTime(r.OrderingTime)
	r.RecordedTime = normTime(r.RecordedTime)
	r.InvokedTime = normTime(r.InvokedTime)
	return r
}

// sameResults reports whether got and want are the same, field by field,
// times as instants in UTC.
func sameResults(got, want []compliance.Result) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], norm(want[i])) {
			return false
		}
	}
	return true
}

// diffResults describes how got differs from want, or returns "".
func diffResults(got, want []compliance.Result) string {
	if sameResults(got, want) {
		return ""
	}
	return fmt.Sprintf("got %d results:\n%s\nwant %d results:\n%s", len(got), describe(got), len(want), describe(want))
}

// describe lists results compactly, one a line.
func describe(rs []compliance.Result) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %s/%s/%s/%s/%s %s %q ord=%s rec=%s inv=%s\n", r.AccountID, r.Region, r.RuleName, r.ResourceType, r.ResourceID,
			r.ComplianceType, r.Annotation, fmtTime(r.OrderingTime), fmtTime(r.RecordedTime), fmtTime(r.InvokedTime))
	}
	return b.String()
}

func fmtTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000000000Z07:00") }

func sameCounts(got, want []compliance.RuleCounts) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		w := want[i]
		w.Latest = normTime(w.Latest)
		if !reflect.DeepEqual(got[i], w) {
			return false
		}
	}
	return true
}

func diffCounts(got, want []compliance.RuleCounts) string {
	if sameCounts(got, want) {
		return ""
	}
	f := func(cs []compliance.RuleCounts) string {
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "  %s/%s/%s C=%d NC=%d NA=%d ID=%d latest=%s\n", c.AccountID, c.Region, c.RuleName,
				c.Compliant, c.NonCompliant, c.NotApplicable, c.Insufficient, fmtTime(c.Latest))
		}
		return b.String()
	}
	return fmt.Sprintf("got %d:\n%swant %d:\n%s", len(got), f(got), len(want), f(want))
}

func sameSummaries(got, want []compliance.RuleSummary) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		w := want[i]
		if !w.Latest.IsZero() {
			w.Latest = normTime(w.Latest)
		}
		g := got[i]
		if g.Latest.IsZero() {
			g.Latest = time.Time{} // a zero time in any location
		}
		if !reflect.DeepEqual(g, w) {
			return false
		}
	}
	return true
}

func diffSummaries(got, want []compliance.RuleSummary) string {
	if sameSummaries(got, want) {
		return ""
	}
	f := func(ss []compliance.RuleSummary) string {
		var b strings.Builder
		for _, s := range ss {
			fmt.Fprintf(&b, "  %q C=%d NC=%d latest=%s\n", s.Group, s.Compliant, s.NonCompliant, fmtTime(s.Latest))
		}
		return b.String()
	}
	return fmt.Sprintf("got %d:\n%swant %d:\n%s", len(got), f(got), len(want), f(want))
}

func sameResourceCounts(got, want []compliance.ResourceCounts) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		w := want[i]
		if !w.Latest.IsZero() {
			w.Latest = normTime(w.Latest)
		}
		g := got[i]
		if g.Latest.IsZero() {
			g.Latest = time.Time{} // a zero time in any location
		}
		if !reflect.DeepEqual(g, w) {
			return false
		}
	}
	return true
}

func diffResourceCounts(got, want []compliance.ResourceCounts) string {
	if sameResourceCounts(got, want) {
		return ""
	}
	f := func(cs []compliance.ResourceCounts) string {
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "  %s C=%d NC=%d latest=%s\n", c.ResourceType, c.Compliant, c.NonCompliant, fmtTime(c.Latest))
		}
		return b.String()
	}
	return fmt.Sprintf("got %d:\n%swant %d:\n%s", len(got), f(got), len(want), f(want))
}

// put stores batch, failing t on an error.
func put(t testing.TB, st compliance.Store, batch ...compliance.Result) {
	t.Helper()
	if err := st.PutResults(t.Context(), batch); err != nil {
		t.Fatalf("PutResults: got %v, want nil", err)
	}
}

// listAll pages through List with q's limit and returns every result,
// failing t on an error or on a page that breaks the contract.
func listAll(t testing.TB, st compliance.Store, q compliance.ListQuery) []compliance.Result {
	t.Helper()
	var all []compliance.Result
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("List %+v: more than 10000 pages", q)
		}
		page, err := st.List(t.Context(), q)
		if err != nil {
			t.Fatalf("List (page %d, limit %d, filter %+v): got %v, want nil", pages, q.Limit, q.Filter, err)
		}
		if len(page.Results) > q.Limit {
			t.Fatalf("List: got %d results on a page, limit %d", len(page.Results), q.Limit)
		}
		all = append(all, page.Results...)
		if page.Next == "" {
			return all
		}
		if len(page.Results) < q.Limit {
			t.Fatalf("List: a page of %d results, limit %d, with a Next cursor", len(page.Results), q.Limit)
		}
		q.Cursor = page.Next
	}
}

func counts(t testing.TB, st compliance.Store, sc *inventory.Scope, f compliance.Filter) []compliance.RuleCounts {
	t.Helper()
	got, err := st.Counts(t.Context(), compliance.CountsQuery{Scope: sc, Filter: f})
	if err != nil {
		t.Fatalf("Counts: got %v, want nil", err)
	}
	return got
}

func countsQuery(t testing.TB, st compliance.Store, q compliance.CountsQuery) []compliance.RuleCounts {
	t.Helper()
	got, err := st.Counts(t.Context(), q)
	if err != nil {
		t.Fatalf("Counts(%+v): got %v, want nil", q, err)
	}
	return got
}

func summaries(t testing.TB, st compliance.Store, q compliance.SummaryQuery) []compliance.RuleSummary {
	t.Helper()
	got, err := st.Summaries(t.Context(), q)
	if err != nil {
		t.Fatalf("Summaries(%+v): got %v, want nil", q, err)
	}
	return got
}

// checkSummaries compares Summaries of the scope, by every grouping, with
// the model, whole and a page of two groups at a time.
func checkSummaries(t testing.TB, st compliance.Store, m *model, what string, sc *inventory.Scope, account, region string) {
	t.Helper()
	for _, by := range []compliance.SummaryGroupBy{compliance.SummaryTotal, compliance.SummaryByAccount, compliance.SummaryByRegion} {
		q := compliance.SummaryQuery{Scope: sc, AccountID: account, Region: region, GroupBy: by}
		if d := diffSummaries(summaries(t, st, q), m.summaries(q)); d != "" {
			t.Errorf("%s: Summaries of %s, %+v: %s", what, scopeName(sc), q, d)
		}
		var paged []compliance.RuleSummary
		for q.Limit = 2; ; {
			if len(paged) > 10000 {
				t.Fatalf("%s: Summaries %+v: more than 10000 groups", what, q)
			}
			page := summaries(t, st, q)
			if len(page) > q.Limit {
				t.Fatalf("%s: Summaries %+v: %d groups, limit %d", what, q, len(page), q.Limit)
			}
			paged = append(paged, page...)
			if len(page) < q.Limit {
				break
			}
			q.After = page[len(page)-1].Group
		}
		q.After, q.Limit = "", 0
		if d := diffSummaries(paged, m.summaries(q)); d != "" {
			t.Errorf("%s: Summaries of %s, %+v, paged by 2: %s", what, scopeName(sc), q, d)
		}
	}
}

// checkCountsPages compares Counts of the scope and filter with each
// compliance filter, paged by pageSize, with the model.
func checkCountsPages(t testing.TB, st compliance.Store, m *model, what string, sc *inventory.Scope, f compliance.Filter, pageSize int) {
	t.Helper()
	for _, want := range [][]string{nil, {compliance.Compliant}, {compliance.NonCompliant}, {compliance.Compliant, compliance.NonCompliant}, {""}} {
		q := compliance.CountsQuery{Scope: sc, Filter: f, Compliance: want}
		if d := diffCounts(countsQuery(t, st, q), m.countsQuery(q)); d != "" {
			t.Errorf("%s: Counts of %s, filter %+v, compliance %q: %s", what, scopeName(sc), f, want, d)
		}
		var paged []compliance.RuleCounts
		for q.Limit = pageSize; ; {
			if len(paged) > 100000 {
				t.Fatalf("%s: Counts %+v: more than 100000 rows", what, q)
			}
			page := countsQuery(t, st, q)
			if len(page) > q.Limit {
				t.Fatalf("%s: Counts %+v: %d rows, limit %d", what, q, len(page), q.Limit)
			}
			paged = append(paged, page...)
			if len(page) < q.Limit {
				break
			}
			last := page[len(page)-1]
			q.After = &compliance.RuleKey{Source: last.Source, RuleName: last.RuleName}
		}
		q.After, q.Limit = nil, 0
		if d := diffCounts(paged, m.countsQuery(q)); d != "" {
			t.Errorf("%s: Counts of %s, filter %+v, compliance %q, paged by %d: %s", what, scopeName(sc), f, want, pageSize, d)
		}
	}
}

func resourceCounts(t testing.TB, st compliance.Store, sc *inventory.Scope, f compliance.Filter) []compliance.ResourceCounts {
	t.Helper()
	got, err := st.ResourceCounts(t.Context(), sc, f)
	if err != nil {
		t.Fatalf("ResourceCounts: got %v, want nil", err)
	}
	return got
}

// checkModel compares every read of a set of scopes and filters with the
// model: List (with limit pageSize), Counts and ResourceCounts.
func checkModel(t testing.TB, st compliance.Store, m *model, what string, scopes []*inventory.Scope, filters []compliance.Filter, pageSize int) {
	t.Helper()
	for _, sc := range scopes {
		for _, f := range filters {
			if d := diffResults(listAll(t, st, compliance.ListQuery{Scope: sc, Filter: f, Limit: pageSize}), m.list(sc, f)); d != "" {
				t.Errorf("%s: List of %s, filter %+v, limit %d: %s", what, scopeName(sc), f, pageSize, d)
			}
			if d := diffCounts(counts(t, st, sc, f), m.counts(sc, f)); d != "" {
				t.Errorf("%s: Counts of %s, filter %+v: %s", what, scopeName(sc), f, d)
			}
			rf := f
			rf.ResourceID, rf.ComplianceTypes = "", nil
			if d := diffResourceCounts(resourceCounts(t, st, sc, rf), m.resourceCounts(sc, rf)); d != "" {
				t.Errorf("%s: ResourceCounts of %s, filter %+v: %s", what, scopeName(sc), rf, d)
			}
		}
		// What is derived from the counts: their pages, by compliance,
		// and the sums of Summaries.
		checkCountsPages(t, st, m, what, sc, compliance.Filter{}, pageSize)
		checkSummaries(t, st, m, what, sc, "", "")
	}
}

func scopeName(sc *inventory.Scope) string {
	if sc.All {
		return "every source"
	}
	if len(sc.Sources) > 4 {
		return fmt.Sprintf("%d sources", len(sc.Sources))
	}
	return fmt.Sprintf("sources %v", sc.Sources)
}

// Calls returns one call of each of st's methods, by name, for a test that
// every one fails the same way: with a cancelled context, after the
// backend's Close, on a database that is down. Each passes ctx and
// returns the method's error. PutResults stores r, ReplaceResults makes it
// its rule's only result; the reads read every source; DeleteResults and
// DeleteResource delete r's rule and resource.
func Calls(ctx context.Context, st compliance.Store, r compliance.Result) map[string]func() error {
	all := inventory.AllSources()
	return map[string]func() error{
		"PutResults": func() error { return st.PutResults(ctx, []compliance.Result{r}) },
		"DeleteResults": func() error {
			_, err := st.DeleteResults(ctx, r.Source, r.RuleName)
			return err
		},
		"DeleteResource": func() error { return st.DeleteResource(ctx, r.Source, r.ResourceType, r.ResourceID) },
		"List": func() error {
			_, err := st.List(ctx, compliance.ListQuery{Scope: all, Limit: 10})
			return err
		},
		"List of a set": func() error {
			_, err := st.List(ctx, compliance.ListQuery{Scope: inventory.OneSource(r.Source), Limit: 10})
			return err
		},
		"Counts": func() error {
			_, err := st.Counts(ctx, compliance.CountsQuery{Scope: all})
			return err
		},
		"ReplaceResults": func() error {
			return st.ReplaceResults(ctx, r.Source, []string{r.RuleName}, []compliance.Result{r}, time.Time{})
		},
		"Counts of a page": func() error {
			_, err := st.Counts(ctx, compliance.CountsQuery{Scope: all, Compliance: []string{compliance.NonCompliant},
				After: &compliance.RuleKey{Source: r.Source, RuleName: r.RuleName}, Limit: 10})
			return err
		},
		"Summaries": func() error {
			_, err := st.Summaries(ctx, compliance.SummaryQuery{Scope: all, GroupBy: compliance.SummaryByAccount})
			return err
		},
		"ResourceCounts": func() error {
			_, err := st.ResourceCounts(ctx, all, compliance.Filter{})
			return err
		},
		"Reset": func() error { return st.Reset(ctx) },
		"SyncGroup": func() error {
			return st.SyncGroup(ctx, r.Source, "pack", func(context.Context) ([]string, bool, error) { return []string{r.RuleName}, true, nil })
		},
		"ReplaceGroups": func() error {
			return st.ReplaceGroups(ctx, func(context.Context) ([]compliance.Group, error) {
				return []compliance.Group{{Source: r.Source, Name: "pack", Rules: []string{r.RuleName}}}, nil
			})
		},
		"GroupCounts": func() error {
			_, err := st.GroupCounts(ctx, compliance.GroupCountsQuery{Scope: all, Compliance: compliance.Compliant, Limit: 10})
			return err
		},
		"GroupSummaries": func() error {
			_, err := st.GroupSummaries(ctx, compliance.SummaryQuery{Scope: all, GroupBy: compliance.SummaryByRegion})
			return err
		},
	}
}
