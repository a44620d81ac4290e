package compliancetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// The cases of ReplaceResults, of Counts' pages and compliance filter,
// and of Summaries.

// replaceResults checks that ReplaceResults leaves the rules it names with
// exactly its results, whatever their ordering times, and nothing else
// changed: the rules' other results, in the source, are gone; the same
// rules of other sources, and other rules of the source, are left.
func (s suite) replaceResults(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	scopes := []*inventory.Scope{inventory.AllSources(), inventory.OneSource(srcA), {Sources: []inventory.Source{srcA, srcB}}}
	filters := []compliance.Filter{{}, {RuleNames: []string{ruleTags}}, {ResourceType: typBucket}}
	steps := []struct {
		name  string
		src   inventory.Source
		rules []string
		batch []compliance.Result
	}{
		{"some kept, some new, some gone; older ones too", srcA, []string{ruleTags, ruleS3}, []compliance.Result{
			res(key(srcA, ruleTags, typInstance, "i-1"), compliance.NonCompliant, 0), // older than the stored one
			res(key(srcA, ruleTags, typInstance, "i-9"), compliance.Compliant, 50),   // new
			res(key(srcA, ruleS3, typBucket, "b-2"), compliance.InsufficientData, 50),
			recordedAt(res(key(srcA, ruleS3, typBucket, "b-3"), compliance.NotApplicable, 51), time.Hour),
		}},
		{"a rule without results is emptied, one not named is left", srcA, []string{ruleS3, "never-evaluated"}, nil},
		{"the same rule of another source", srcB, []string{ruleTags}, []compliance.Result{
			res(key(srcB, ruleTags, typBucket, "b-1"), compliance.Compliant, 60),
		}},
		{"of several of one key, the latest wins", srcB, []string{ruleMFA}, []compliance.Result{
			res(key(srcB, ruleMFA, typAccount, srcB.AccountID), compliance.NonCompliant, 70),
			res(key(srcB, ruleMFA, typAccount, srcB.AccountID), compliance.Compliant, 72),
			res(key(srcB, ruleMFA, typAccount, srcB.AccountID), compliance.NotApplicable, 71),
		}},
		{"of equal ones, the later", srcB, []string{ruleMFA}, []compliance.Result{
			res(key(srcB, ruleMFA, typAccount, srcB.AccountID), compliance.NonCompliant, 5),
			res(key(srcB, ruleMFA, typAccount, srcB.AccountID), compliance.Compliant, 5),
		}},
		{"a source without results", other, []string{ruleTags, ruleEnc}, []compliance.Result{
			res(key(other, ruleEnc, typVolume, "v-1"), compliance.NonCompliant, 1),
		}},
		{"nothing", srcC, nil, nil},
		{"rules named twice", srcC, []string{ruleTags, ruleTags, ruleEnc}, []compliance.Result{
			res(key(srcC, ruleTags, typInstance, "i-1"), compliance.Compliant, 80),
		}},
		{"the same again", srcC, []string{ruleTags}, []compliance.Result{
			res(key(srcC, ruleTags, typInstance, "i-1"), compliance.Compliant, 80),
		}},
		// A re-evaluation: the same verdicts, recorded and invoked later,
		// all at one time, and one verdict changed.
		{"the same verdicts, evaluated again", srcA, []string{ruleTags, ruleS3}, []compliance.Result{
			atTimes(res(key(srcA, ruleTags, typInstance, "i-1"), compliance.NonCompliant, 0), 2*time.Hour, 2*time.Hour+time.Millisecond),
			atTimes(res(key(srcA, ruleTags, typInstance, "i-9"), compliance.Compliant, 50), 2*time.Hour, 2*time.Hour+time.Millisecond),
			atTimes(res(key(srcA, ruleS3, typBucket, "b-2"), compliance.InsufficientData, 50), 2*time.Hour, 2*time.Hour+time.Millisecond),
			atTimes(res(key(srcA, ruleS3, typBucket, "b-3"), compliance.Compliant, 51), 2*time.Hour, 2*time.Hour+time.Millisecond),
		}},
		{"the same verdicts, at times of their own", srcA, []string{ruleTags, ruleS3}, []compliance.Result{
			atTimes(res(key(srcA, ruleTags, typInstance, "i-1"), compliance.NonCompliant, 0), 3*time.Hour, 3*time.Hour),
			atTimes(res(key(srcA, ruleTags, typInstance, "i-9"), compliance.Compliant, 50), 2*time.Hour, 3*time.Hour),
			atTimes(res(key(srcA, ruleS3, typBucket, "b-2"), compliance.InsufficientData, 50), 2*time.Hour, 2*time.Hour+time.Millisecond),
			atTimes(res(key(srcA, ruleS3, typBucket, "b-3"), compliance.Compliant, 51), time.Hour, time.Hour),
		}},
		{"one annotation changed, one result gone", srcA, []string{ruleTags, ruleS3}, []compliance.Result{
			atTimes(res(key(srcA, ruleTags, typInstance, "i-1"), compliance.NonCompliant, 0), 4*time.Hour, 4*time.Hour),
			annotate(atTimes(res(key(srcA, ruleTags, typInstance, "i-9"), compliance.Compliant, 50), 4*time.Hour, 4*time.Hour), "again"),
			atTimes(res(key(srcA, ruleS3, typBucket, "b-3"), compliance.Compliant, 51), 4*time.Hour, 4*time.Hour),
		}},
	}
	for _, step := range steps {
		if err := st.ReplaceResults(t.Context(), step.src, step.rules, step.batch, time.Time{}); err != nil {
			t.Fatalf("%s: ReplaceResults: %v", step.name, err)
		}
		m.replace(step.src, step.rules, step.batch...)
		checkModel(t, st, m, step.name, scopes, filters, 3)
	}
	// By hand: srcA's required-tags has i-1 (older than the seed's) and
	// i-9 only.
	got := listAll(t, st, compliance.ListQuery{Scope: inventory.OneSource(srcA), Filter: compliance.Filter{RuleNames: []string{ruleTags}}, Limit: 10})
	want := []compliance.Result{
		atTimes(res(key(srcA, ruleTags, typInstance, "i-1"), compliance.NonCompliant, 0), 4*time.Hour, 4*time.Hour),
		annotate(atTimes(res(key(srcA, ruleTags, typInstance, "i-9"), compliance.Compliant, 50), 4*time.Hour, 4*time.Hour), "again"),
	}
	if d := diffResults(got, want); d != "" {
		t.Errorf("srcA's %s: %s", ruleTags, d)
	}
}

// atTimes returns r recorded at t0 + rec and invoked at t0 + inv.
func atTimes(r compliance.Result, rec, inv time.Duration) compliance.Result {
	r.RecordedTime, r.InvokedTime = t0.Add(rec), t0.Add(inv)
	return r
}

// annotate returns r with the annotation a.
func annotate(r compliance.Result, a string) compliance.Result {
	r.Annotation = a
	return r
}

// replaceRefused checks that a ReplaceResults with a result it refuses
// (another source's, a rule not named, an invalid one), or with a
// cancelled context, changes nothing.
func (s suite) replaceRefused(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	rules := []string{ruleTags, ruleS3}
	good := []compliance.Result{
		res(key(srcA, ruleTags, typInstance, "i-1"), compliance.NonCompliant, 50),
		res(key(srcA, ruleS3, typBucket, "b-new"), compliance.Compliant, 50),
	}
	bad := map[string]compliance.Result{
		"another source":         res(key(srcA2, ruleTags, typInstance, "i-1"), compliance.Compliant, 50),
		"another account":        res(key(inventory.Source{AccountID: srcB.AccountID, Region: srcA.Region}, ruleTags, typInstance, "i-1"), compliance.Compliant, 50),
		"a rule not named":       res(key(srcA, ruleEnc, typVolume, "v-1"), compliance.Compliant, 50),
		"empty type":             res(key(srcA, ruleTags, "", "x"), compliance.Compliant, 50),
		"empty id":               res(key(srcA, ruleTags, typInstance, ""), compliance.Compliant, 50),
		"unknown compliance":     res(key(srcA, ruleTags, typInstance, "x"), "NOT_EVALUATED", 50),
		"empty compliance type":  res(key(srcA, ruleTags, typInstance, "x"), "", 50),
		"compliance with spaces": res(key(srcA, ruleTags, typInstance, "x"), "COMPLIANT ", 50),
	}
	for _, name := range slices.Sorted(maps.Keys(bad)) {
		for _, at := range []int{0, 2} {
			batch := slices.Insert(slices.Clone(good), at, bad[name])
			if err := st.ReplaceResults(t.Context(), srcA, rules, batch, time.Time{}); err == nil {
				t.Errorf("ReplaceResults with %s at %d: got nil, want an error", name, at)
			}
		}
	}
	for name, src := range map[string]inventory.Source{"empty account": {Region: "us-east-1"}, "empty region": {AccountID: srcA.AccountID}} {
		if err := st.ReplaceResults(t.Context(), src, rules, nil, time.Time{}); err == nil {
			t.Errorf("ReplaceResults of a source with an %s: got nil, want an error", name)
		}
	}
	if err := st.ReplaceResults(t.Context(), srcA, []string{ruleTags, ""}, good[:1], time.Time{}); err == nil {
		t.Errorf("ReplaceResults with an empty rule name: got nil, want an error")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var big []compliance.Result
	for i := range 500 {
		big = append(big, res(key(srcA, ruleS3, typBucket, fmt.Sprintf("bucket-%03d", i)), compliance.Compliant, 60))
	}
	if err := st.ReplaceResults(ctx, srcA, rules, append(big, good...), time.Time{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ReplaceResults with a cancelled context: got %v, want context.Canceled", err)
	}
	if err := st.ReplaceResults(ctx, srcA, rules, nil, time.Time{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ReplaceResults of nothing with a cancelled context: got %v, want context.Canceled", err)
	}
	checkModel(t, st, m, "after refused replacements", []*inventory.Scope{inventory.AllSources()}, []compliance.Filter{{}}, 1000)
}

// replaceConcurrent runs ReplaceResults of the same rules, each round
// another set of resources of another size and one compliance type,
// beside PutResults and DeleteResults of other rules of the source, and
// readers. A reader of the replaced rules sees one round's results, whole,
// and never a rule without results (every round has some); the counts of
// each agree. At the end the last round is there.
func (s suite) replaceConcurrent(t *testing.T) {
	st := s.open(t)
	const (
		writers = 3
		rounds  = 12
	)
	rules := []string{"replaced-a", "replaced-b"}
	// round r has 3+r%4 resources of each rule, ids starting at r%3,
	// all of one compliance type, at ordering r (later rounds may be of
	// earlier orderings: a replacement ignores them).
	round := func(w, r int) []compliance.Result {
		ct := []string{compliance.Compliant, compliance.NonCompliant, compliance.NotApplicable}[r%3]
		var b []compliance.Result
		for _, rule := range rules {
			for i := range 3 + r%4 {
				x := res(key(srcA, rule, typInstance, fmt.Sprintf("i-%02d", r%3+i)), ct, (r*7)%5)
				x.Annotation = fmt.Sprintf("writer %d round %d", w, r)
				b = append(b, x)
			}
		}
		return b
	}
	// The first replacement before the readers start: the rules always
	// have results from then on.
	if err := st.ReplaceResults(t.Context(), srcA, rules, round(0, 0), time.Time{}); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 100)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for r := 1; r <= rounds; r++ {
				if err := st.ReplaceResults(context.Background(), srcA, rules, round(w, r), time.Time{}); err != nil {
					errc <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		})
	}
	// Concurrent writes of another rule of the source.
	wg.Go(func() {
		for r := 1; r <= rounds; r++ {
			var err error
			if r%4 == 0 {
				_, err = st.DeleteResults(context.Background(), srcA, "other")
			} else {
				err = st.PutResults(context.Background(), []compliance.Result{res(key(srcA, "other", typInstance, "i-01"), compliance.Compliant, r)})
			}
			if err != nil {
				errc <- fmt.Errorf("other writer: %w", err)
				return
			}
		}
	})
	var readers sync.WaitGroup
	for rd := range 2 {
		readers.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				page, err := st.List(context.Background(), compliance.ListQuery{Scope: inventory.OneSource(srcA),
					Filter: compliance.Filter{RuleNames: rules}, Limit: 100})
				if err != nil {
					errc <- fmt.Errorf("listing: %w", err)
					return
				}
				if len(page.Results) == 0 || len(page.Results)%len(rules) != 0 {
					errc <- fmt.Errorf("reader %d: a List of the replaced rules saw %d results:\n%s", rd, len(page.Results), describe(page.Results))
					return
				}
				for _, r := range page.Results {
					if r.Annotation != page.Results[0].Annotation || r.ComplianceType != page.Results[0].ComplianceType {
						errc <- fmt.Errorf("reader %d: a List of the replaced rules saw two rounds:\n%s", rd, describe(page.Results))
						return
					}
				}
				cs, err := st.Counts(context.Background(), compliance.CountsQuery{Scope: inventory.OneSource(srcA), Filter: compliance.Filter{RuleNames: rules}})
				if err != nil {
					errc <- fmt.Errorf("counting: %w", err)
					return
				}
				if len(cs) != len(rules) {
					errc <- fmt.Errorf("reader %d: Counts saw %d of the replaced rules: %+v", rd, len(cs), cs)
					return
				}
				for _, c := range cs {
					if n := c.Compliant + c.NonCompliant + c.NotApplicable; n < 3 || n > 6 || c.Insufficient != 0 ||
						(c.Compliant != 0 && c.Compliant != n) || (c.NonCompliant != 0 && c.NonCompliant != n) {
						errc <- fmt.Errorf("reader %d: Counts saw a partial round: %+v", rd, c)
						return
					}
				}
				sums, err := st.Summaries(context.Background(), compliance.SummaryQuery{Scope: inventory.OneSource(srcA), GroupBy: compliance.SummaryByRegion})
				if err != nil {
					errc <- fmt.Errorf("summing: %w", err)
					return
				}
				if len(sums) != 1 || sums[0].Group != srcA.Region {
					errc <- fmt.Errorf("reader %d: Summaries saw %+v", rd, sums)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	// The last replacement is one writer's last round.
	got := listAll(t, st, compliance.ListQuery{Scope: inventory.OneSource(srcA), Filter: compliance.Filter{RuleNames: rules}, Limit: 7})
	var m *model
	for w := range writers {
		wm := newModel()
		wm.put(round(w, rounds)...)
		if sameResults(got, wm.list(inventory.AllSources(), compliance.Filter{})) {
			m = wm
		}
	}
	if m == nil {
		t.Fatalf("after the writers: the rules' results are no writer's last round:\n%s", describe(got))
	}
	if d := diffCounts(counts(t, st, inventory.OneSource(srcA), compliance.Filter{RuleNames: rules}), m.counts(inventory.AllSources(), compliance.Filter{})); d != "" {
		t.Errorf("after the writers: Counts: %s", d)
	}
}

// summaryFixture stores results of the three rules of 24 sources (6
// accounts, 4 regions; some sources without results, some rules neither
// compliant nor not), recorded at times of their own, and returns the
// model and the sources.
func summaryFixture(t *testing.T, st compliance.Store) (*model, []inventory.Source) {
	m := newModel()
	var srcs []inventory.Source
	var batch []compliance.Result
	regions := []string{"us-east-1", "eu-west-1", "ap-south-1", "us-west-2"}
	for a := range 6 {
		for ri, region := range regions {
			src := inventory.Source{AccountID: fmt.Sprintf("%012d", 100000000000+a*7), Region: region}
			srcs = append(srcs, src)
			i := a*len(regions) + ri
			if i%5 == 4 {
				continue // no results
			}
			for r := range 3 {
				rule := fmt.Sprintf("rule-%d", r)
				for j := range 1 + (i+r)%3 {
					// Each rule's types: all NOT_APPLICABLE (no
					// compliance), or COMPLIANT, or with a NON_COMPLIANT.
					ct := compliance.NotApplicable
					switch (i + r) % 4 {
					case 1:
						ct = compliance.Compliant
					case 2:
						ct = allTypes[(i+j)%2] // with one result, NON_COMPLIANT alone for odd i
					case 3:
						ct = []string{compliance.InsufficientData, compliance.Compliant}[j%2]
					}
					x := recordedAt(res(key(src, rule, typInstance, fmt.Sprintf("i-%d", j)), ct, 1), time.Duration(i*10+r*3+j)*time.Second)
					batch = append(batch, x)
				}
			}
		}
	}
	put(t, st, batch...)
	m.put(batch...)
	return m, srcs
}

// countsPages checks Counts' Compliance, After and Limit: every page size,
// compliance filter and scope reads what the model says, and a page after
// a key that is not there starts at the next one.
func (s suite) countsPages(t *testing.T) {
	st := s.open(t)
	m, srcs := summaryFixture(t, st)
	// Every source (6 accounts by 4 regions, every combination), some,
	// a few and none.
	sets := []*inventory.Scope{inventory.AllSources(), inventory.NewScope(srcs), inventory.NewScope(srcs[3:17]),
		inventory.NewScope([]inventory.Source{srcs[2], srcs[9], other}), &inventory.Scope{}}
	filters := []compliance.Filter{{}, {RuleNames: []string{"rule-1", "rule-2"}}, {AccountID: srcs[5].AccountID}, {Region: "eu-west-1"},
		{AccountID: srcs[6].AccountID, Region: srcs[6].Region}}
	for _, sc := range sets {
		for _, f := range filters {
			for _, size := range []int{1, 2, 7, 1000} {
				checkCountsPages(t, st, m, fmt.Sprintf("page size %d", size), sc, f, size)
			}
		}
	}
	// After a key that has no row: the rows after it.
	for _, after := range []compliance.RuleKey{
		{Source: srcs[5], RuleName: "rule-1a"}, {Source: srcs[5], RuleName: ""}, {Source: srcs[5], RuleName: "zzz"},
		{Source: inventory.Source{AccountID: srcs[5].AccountID, Region: "eu"}, RuleName: "rule-0"},
		{Source: inventory.Source{AccountID: "0", Region: "zz"}, RuleName: "x"},
		{Source: inventory.Source{AccountID: "999999999999", Region: "a"}},
		{Source: other, RuleName: "rule-0"},
	} {
		for _, sc := range sets {
			q := compliance.CountsQuery{Scope: sc, After: &after, Limit: 5}
			if d := diffCounts(countsQuery(t, st, q), m.countsQuery(q)); d != "" {
				t.Errorf("Counts of %s after %+v: %s", scopeName(sc), after, d)
			}
			q.Compliance = []string{compliance.NonCompliant}
			if d := diffCounts(countsQuery(t, st, q), m.countsQuery(q)); d != "" {
				t.Errorf("Counts of %s after %+v, noncompliant: %s", scopeName(sc), after, d)
			}
		}
	}
	// The fixture has rules of each compliance.
	for _, want := range []string{"", compliance.Compliant, compliance.NonCompliant} {
		if n := len(m.countsQuery(compliance.CountsQuery{Scope: inventory.AllSources(), Compliance: []string{want}})); n < 5 {
			t.Errorf("the fixture has %d rules of compliance %q, want 5 or more", n, want)
		}
	}
}

// summaries checks Summaries by every grouping over scopes of sources,
// narrowed by account and region, paged, and through changes that move a
// rule from one compliance to another and take a group's latest away.
func (s suite) summaries(t *testing.T) {
	st := s.open(t)
	if got := summaries(t, st, compliance.SummaryQuery{Scope: inventory.AllSources()}); len(got) != 0 {
		t.Errorf("Summaries of an empty store: %+v", got)
	}
	m, srcs := summaryFixture(t, st)
	sets := []*inventory.Scope{inventory.AllSources(), inventory.NewScope(srcs), inventory.NewScope(srcs[3:17]),
		inventory.NewScope([]inventory.Source{srcs[2], srcs[9], other}), &inventory.Scope{}, inventory.OneSource(other)}
	for _, sc := range sets {
		for _, narrow := range [][2]string{{"", ""}, {srcs[5].AccountID, ""}, {"", "eu-west-1"}, {srcs[6].AccountID, srcs[6].Region}, {"nope", ""}} {
			checkSummaries(t, st, m, "fixture", sc, narrow[0], narrow[1])
		}
	}
	// By hand: the total over every source.
	var want compliance.RuleSummary
	for _, c := range m.counts(inventory.AllSources(), compliance.Filter{}) {
		switch c.Compliance() {
		case compliance.Compliant:
			want.Compliant++
		case compliance.NonCompliant:
			want.NonCompliant++
		default:
			continue
		}
		if c.Latest.After(want.Latest) {
			want.Latest = c.Latest
		}
	}
	if d := diffSummaries(summaries(t, st, compliance.SummaryQuery{Scope: inventory.AllSources()}), []compliance.RuleSummary{want}); d != "" ||
		want.Compliant == 0 || want.NonCompliant == 0 {
		t.Errorf("Summaries of every source: %s (want nonzero counts)", d)
	}
	// Changes: a rule turns noncompliant, then has no compliance, then
	// goes; the group's latest goes with the rule that had it.
	src := srcs[1]
	sc := inventory.NewScope(srcs)
	steps := []struct {
		name string
		do   func() error
		mod  func()
	}{
		{"noncompliant", func() error {
			return st.PutResults(t.Context(), []compliance.Result{recordedAt(res(key(src, "rule-0", typInstance, "i-0"), compliance.NonCompliant, 9), time.Hour)})
		}, func() {
			m.put(recordedAt(res(key(src, "rule-0", typInstance, "i-0"), compliance.NonCompliant, 9), time.Hour))
		}},
		{"no compliance", func() error {
			return st.ReplaceResults(t.Context(), src, []string{"rule-0"}, []compliance.Result{res(key(src, "rule-0", typInstance, "i-0"), compliance.NotApplicable, 10)}, time.Time{})
		}, func() {
			m.replace(src, []string{"rule-0"}, res(key(src, "rule-0", typInstance, "i-0"), compliance.NotApplicable, 10))
		}},
		{"compliant again, recorded earlier", func() error {
			return st.ReplaceResults(t.Context(), src, []string{"rule-0", "rule-1"}, []compliance.Result{recordedAt(res(key(src, "rule-1", typBucket, "b"), compliance.Compliant, 1), -time.Hour)}, time.Time{})
		}, func() {
			m.replace(src, []string{"rule-0", "rule-1"}, recordedAt(res(key(src, "rule-1", typBucket, "b"), compliance.Compliant, 1), -time.Hour))
		}},
		{"a rule deleted", func() error { _, err := st.DeleteResults(t.Context(), src, "rule-1"); return err }, func() { m.deleteResults(src, "rule-1") }},
		{"a resource deleted", func() error { return st.DeleteResource(t.Context(), srcs[2], typInstance, "i-0") }, func() { m.deleteResource(srcs[2], typInstance, "i-0") }},
		{"a source emptied", func() error {
			return st.ReplaceResults(t.Context(), src, []string{"rule-0", "rule-1", "rule-2"}, nil, time.Time{})
		}, func() { m.replace(src, []string{"rule-0", "rule-1", "rule-2"}) }},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		step.mod()
		checkSummaries(t, st, m, step.name, sc, "", "")
		checkSummaries(t, st, m, step.name, inventory.AllSources(), src.AccountID, "")
	}
}

// replaceBesideWrites runs ReplaceResults of two rules beside PutResults,
// DeleteResult and DeleteResource of the same rules' results, on the same
// resources: whatever order they take, each write sees the results as the
// one before left them, so that at the end the counts are those of the
// results there are.
func (s suite) replaceBesideWrites(t *testing.T) {
	st := s.open(t)
	rules := []string{"rule-a", "rule-b"}
	const rounds = 40
	cts := []string{compliance.Compliant, compliance.NonCompliant, compliance.NotApplicable}
	id := func(n int) string { return fmt.Sprintf("i-%02d", n%8) }
	errc := make(chan error, 8)
	var wg sync.WaitGroup
	// Two replacers: each round, every rule's results on 4 of the 8
	// resources.
	for w := range 2 {
		wg.Go(func() {
			for r := range rounds {
				var batch []compliance.Result
				for ri, rule := range rules {
					for i := range 4 {
						batch = append(batch, res(key(srcA, rule, typInstance, id(r+w+i*2)), cts[(r+ri+i)%3], r))
					}
				}
				if err := st.ReplaceResults(context.Background(), srcA, rules, batch, t0.Add(time.Duration(r)*time.Minute)); err != nil {
					errc <- fmt.Errorf("replacer %d: %w", w, err)
					return
				}
			}
		})
	}
	// A putter, of later orderings, on every resource, with a result of
	// another source in the batch.
	wg.Go(func() {
		for r := range rounds {
			batch := []compliance.Result{
				res(key(srcA, rules[r%2], typInstance, id(r*3)), cts[r%3], rounds+r),
				res(key(srcB, rules[r%2], typInstance, id(r)), cts[r%3], rounds+r),
				res(key(srcA, rules[(r+1)%2], typInstance, id(r*5)), cts[(r+1)%3], rounds+r),
			}
			if err := st.PutResults(context.Background(), batch); err != nil {
				errc <- fmt.Errorf("putter: %w", err)
				return
			}
		}
	})
	// A deleter, of one result or of a resource's.
	wg.Go(func() {
		for r := range rounds {
			var err error
			if r%2 == 0 {
				err = st.DeleteResult(context.Background(), key(srcA, rules[r%2], typInstance, id(r*7)))
			} else {
				err = st.DeleteResource(context.Background(), srcA, typInstance, id(r*7))
			}
			if err != nil {
				errc <- fmt.Errorf("deleter: %w", err)
				return
			}
		}
	})
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	// The counts are those of the results there are.
	got := listAll(t, st, compliance.ListQuery{Scope: inventory.AllSources(), Limit: 9})
	m := newModel()
	m.put(got...)
	if d := diffCounts(counts(t, st, inventory.AllSources(), compliance.Filter{}), m.counts(inventory.AllSources(), compliance.Filter{})); d != "" {
		t.Errorf("after the writers: Counts against the results there are: %s\n%s", d, describe(got))
	}
}

// replaceAfterWrites checks that a replacement makes a rule's results what
// it says whatever wrote them since the last replacement: an evaluation
// that finds the verdicts the one before found, after a write of another
// kind changed them in between (or a replacement whose results had times
// of their own), must still write them back, and their counts.
func (s suite) replaceAfterWrites(t *testing.T) {
	const rule = "rule-r"
	// evaluation returns the results of an evaluation at minute at: every
	// result of the same times.
	evaluation := func(at int, keys ...string) []compliance.Result {
		var out []compliance.Result
		for i, id := range keys {
			r := res(key(srcA, rule, typInstance, id), allTypes[i%2], 1)
			r.RecordedTime = t0.Add(time.Duration(at) * time.Minute)
			r.InvokedTime = r.RecordedTime.Add(-time.Second)
			out = append(out, r)
		}
		return out
	}
	base := []string{"i-1", "i-2", "i-3"}
	for _, tt := range []struct {
		name  string
		first []compliance.Result // the first replacement's results
		write func(st compliance.Store, m *model) error
	}{
		{"a verdict put", evaluation(10, base...), func(st compliance.Store, m *model) error {
			r := res(key(srcA, rule, typInstance, "i-1"), compliance.InsufficientData, 5)
			m.put(r)
			return st.PutResults(t.Context(), []compliance.Result{r})
		}},
		{"a result put", evaluation(10, base...), func(st compliance.Store, m *model) error {
			r := res(key(srcA, rule, typInstance, "i-9"), compliance.NonCompliant, 5)
			m.put(r)
			return st.PutResults(t.Context(), []compliance.Result{r})
		}},
		{"the same verdict put with times of its own", evaluation(10, base...), func(st compliance.Store, m *model) error {
			r := evaluation(10, base...)[1]
			r.RecordedTime, r.InvokedTime = t0.Add(time.Hour), t0.Add(time.Hour)
			m.put(r)
			return st.PutResults(t.Context(), []compliance.Result{r})
		}},
		{"a result deleted", evaluation(10, base...), func(st compliance.Store, m *model) error {
			k := key(srcA, rule, typInstance, "i-2")
			m.deleteResult(k)
			return st.DeleteResult(t.Context(), k)
		}},
		{"a resource deleted", evaluation(10, base...), func(st compliance.Store, m *model) error {
			m.deleteResource(srcA, typInstance, "i-3")
			return st.DeleteResource(t.Context(), srcA, typInstance, "i-3")
		}},
		{"nothing, after results of times of their own", append(evaluation(10, base[:2]...), res(key(srcA, rule, typInstance, base[2]), compliance.Compliant, 1)),
			func(compliance.Store, *model) error { return nil }},
		{"nothing", evaluation(10, base...), func(compliance.Store, *model) error { return nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			m := newModel()
			replace := func(rs []compliance.Result) {
				t.Helper()
				if err := st.ReplaceResults(t.Context(), srcA, []string{rule}, rs, rs[0].RecordedTime); err != nil {
					t.Fatal(err)
				}
				m.replace(srcA, []string{rule}, rs...)
			}
			replace(tt.first)
			if err := tt.write(st, m); err != nil {
				t.Fatal(err)
			}
			// The evaluation again, finding what the first found, at a
			// later time: the results are the first's again, of its
			// time.
			again := evaluation(20, base...)
			replace(again)
			checkModel(t, st, m, "after the second replacement", []*inventory.Scope{inventory.AllSources()}, []compliance.Filter{{}}, 100)
			if d := diffCounts(counts(t, st, inventory.AllSources(), compliance.Filter{}), m.counts(inventory.AllSources(), compliance.Filter{})); d != "" {
				t.Errorf("Counts after the second replacement: %s", d)
			}
			// And once more, with nothing between.
			replace(evaluation(30, base...))
			checkModel(t, st, m, "after the third replacement", []*inventory.Scope{inventory.AllSources()}, []compliance.Filter{{}}, 100)
			if d := diffCounts(counts(t, st, inventory.AllSources(), compliance.Filter{}), m.counts(inventory.AllSources(), compliance.Filter{})); d != "" {
				t.Errorf("Counts after the third replacement: %s", d)
			}
		})
	}
}
