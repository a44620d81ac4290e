// Package compliancetest is the conformance suite for compliance.Store
// backends. A backend's test calls Run with a function that opens a fresh,
// empty store (and closes it, with whatever owns it, when the test ends):
//
//	func TestComplianceConformance(t *testing.T) {
//		compliancetest.Run(t, func(t *testing.T) compliance.Store {
//			s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s.Compliance()
//		})
//	}
//
// The suite uses only the compliance contract, so every backend (SQLite,
// PostgreSQL) runs it unchanged. It checks every read against a model in
// Go (model.go), expects errors to wrap the contract's sentinels and the
// context's errors (errors.Is), and is meant to run with -race.
package compliancetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Run checks that the stores made by open keep the compliance.Store
// contract. open is called once per subtest (or table row) and must return
// a new, empty store.
func Run(t *testing.T, open func(t *testing.T) compliance.Store) {
	s := suite{open: open}
	t.Run("RoundTrip", s.roundTrip)
	t.Run("Replacement", s.replacement)
	t.Run("PutAtomic", s.putAtomic)
	t.Run("PutEmpty", s.putEmpty)
	t.Run("ListOrder", s.listOrder)
	t.Run("ListFilters", s.listFilters)
	t.Run("ListPaging", s.listPaging)
	t.Run("ListLimit", s.listLimit)
	t.Run("Cursors", s.cursors)
	t.Run("NilScope", s.nilScope)
	t.Run("ManySources", s.manySources)
	t.Run("Counts", s.counts)
	t.Run("CountsTransitions", s.countsTransitions)
	t.Run("CountsLatest", s.countsLatest)
	t.Run("ResourceCounts", s.resourceCounts)
	t.Run("DeleteResults", s.deleteResults)
	t.Run("DeleteResource", s.deleteResource)
	t.Run("ReplaceResults", s.replaceResults)
	t.Run("ReplaceRefused", s.replaceRefused)
	t.Run("ReplaceConcurrent", s.replaceConcurrent)
	t.Run("ReplaceBesideWrites", s.replaceBesideWrites)
	t.Run("ReplaceAfterWrites", s.replaceAfterWrites)
	t.Run("CountsPages", s.countsPages)
	t.Run("Summaries", s.summaries)
	t.Run("Evaluations", s.evaluations)
	t.Run("EvaluationsRefused", s.evaluationsRefused)
	t.Run("EvaluationsConcurrent", s.evaluationsConcurrent)
	t.Run("GroupSummaries", s.groupSummaries)
	t.Run("GroupsTurn", s.groupsTurn)
	t.Run("GroupsBesideWrites", s.groupsBesideWrites)
	t.Run("Reset", s.reset)
	t.Run("CancelledContext", s.cancelledContext)
	t.Run("Concurrent", s.concurrent)
	t.Run("Random", s.random)
}

type suite struct {
	open func(t *testing.T) compliance.Store
}

// Sources, rules and types of the fixtures.
var (
	srcA  = inventory.Source{AccountID: "111111111111", Region: "us-east-1"}
	srcA2 = inventory.Source{AccountID: "111111111111", Region: "eu-west-1"}
	srcB  = inventory.Source{AccountID: "222222222222", Region: "us-east-1"}
	srcC  = inventory.Source{AccountID: "333333333333", Region: "ap-south-1"}
	// other has no results.
	other = inventory.Source{AccountID: "999999999999", Region: "us-east-1"}

	ruleTags = "required-tags"
	ruleEnc  = "encrypted-volumes"
	ruleS3   = "s3-bucket-public-read-prohibited"
	ruleMFA  = "root-account-mfa-enabled"

	typInstance = "AWS::EC2::Instance"
	typVolume   = "AWS::EC2::Volume"
	typBucket   = "AWS::S3::Bucket"
	typAccount  = "AWS::::Account"

	allTypes = []string{compliance.Compliant, compliance.NonCompliant, compliance.NotApplicable, compliance.InsufficientData}
)

// t0 is the time of the fixtures' evaluations: ordering n is t0 + n
// minutes.
var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func key(src inventory.Source, rule, typ, id string) compliance.ResultKey {
	return compliance.ResultKey{Source: src, RuleName: rule, ResourceType: typ, ResourceID: id}
}

// res returns the result of rule on the resource with the compliance type
// ct, evaluated at ordering ord (t0 + ord minutes), recorded 30 seconds
// and invoked 10 seconds after it.
func res(k compliance.ResultKey, ct string, ord int) compliance.Result {
	at := t0.Add(time.Duration(ord) * time.Minute)
	return compliance.Result{
		ResultKey:      k,
		ComplianceType: ct,
		Annotation:     fmt.Sprintf("%s is %s at %d", k.ResourceID, strings.ToLower(ct), ord),
		OrderingTime:   at,
		RecordedTime:   at.Add(30 * time.Second),
		InvokedTime:    at.Add(10 * time.Second),
	}
}

// recordedAt returns r recorded at t0 + d.
func recordedAt(r compliance.Result, d time.Duration) compliance.Result {
	r.RecordedTime = t0.Add(d)
	return r
}

// fixture is the read tests' results: four rules in four sources, of
// four types, in every compliance type, with names and ids shared across
// sources.
func fixture() []compliance.Result {
	var out []compliance.Result
	for si, src := range []inventory.Source{srcA, srcA2, srcB, srcC} {
		n := si
		// add adds the result of rule on (typ, id), of the next compliance
		// type and ordering in turn.
		add := func(rule, typ, id string, ord int) {
			n++
			out = append(out, res(key(src, rule, typ, id), allTypes[(n*7/3)%len(allTypes)], ord+n%5))
		}
		for _, id := range []string{"i-1", "i-2", "i-3"} {
			add(ruleTags, typInstance, id, 1)
		}
		for _, id := range []string{"b-1", "b-2"} {
			add(ruleTags, typBucket, id, 2)
			add(ruleS3, typBucket, id, 3)
		}
		if src != srcC {
			for _, id := range []string{"v-1", "v-2"} {
				add(ruleEnc, typVolume, id, 4)
			}
		}
		add(ruleMFA, typAccount, src.AccountID, 5)
	}
	return out
}

// seed stores the fixture in two batches, the second in reverse, and
// returns the model of it.
func seed(t *testing.T, st compliance.Store) *model {
	t.Helper()
	rs := fixture()
	half := len(rs) / 2
	put(t, st, rs[:half]...)
	rest := slices.Clone(rs[half:])
	slices.Reverse(rest)
	put(t, st, rest...)
	m := newModel()
	m.put(rs...)
	return m
}

func (s suite) roundTrip(t *testing.T) {
	st := s.open(t)
	zone := time.FixedZone("X", -7*3600)
	full := compliance.Result{
		ResultKey:      key(srcA, "my-rule_1.x", typInstance, "i-0123456789abcdef0"),
		ComplianceType: compliance.NonCompliant,
		// Non-ASCII, quotes, newlines and a long text are kept as they are.
		Annotation: "Instance has no \"Owner\" tag;\nÉtiquette manquante — 日本語 " + strings.Repeat("x", 200),
		// Sub-millisecond parts are dropped; another zone comes back in
		// UTC, the same instant.
		OrderingTime: time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC),
		RecordedTime: time.Date(2024, 3, 1, 5, 0, 1, 999999999, zone),
		InvokedTime:  time.Date(2023, 12, 31, 23, 59, 59, 1e6, time.UTC),
	}
	account := compliance.Result{
		ResultKey:      key(srcB, ruleMFA, typAccount, srcB.AccountID),
		ComplianceType: compliance.Compliant,
		OrderingTime:   time.UnixMilli(1).UTC(),
		RecordedTime:   time.UnixMilli(2),
		InvokedTime:    time.UnixMilli(3),
	}
	na := res(key(srcA2, ruleEnc, typVolume, "vol-1"), compliance.NotApplicable, 7)
	na.Annotation = ""
	id := res(key(srcC, ruleS3, typBucket, "my.bucket-name"), compliance.InsufficientData, 8)
	all := []compliance.Result{full, account, na, id}
	put(t, st, all...)
	m := newModel()
	m.put(all...)
	got := listAll(t, st, compliance.ListQuery{Scope: inventory.AllSources(), Limit: 10})
	if d := diffResults(got, m.list(inventory.AllSources(), compliance.Filter{})); d != "" {
		t.Fatalf("List: %s", d)
	}
	for _, r := range got {
		for _, tm := range []time.Time{r.OrderingTime, r.RecordedTime, r.InvokedTime} {
			if tm.Location() != time.UTC {
				t.Errorf("%v: a time in %v, want UTC", r.ResultKey, tm.Location())
			}
		}
	}
	for _, r := range all {
		page, err := st.List(t.Context(), compliance.ListQuery{Scope: inventory.OneSource(r.Source),
			Filter: compliance.Filter{RuleNames: []string{r.RuleName}, ResourceType: r.ResourceType, ResourceID: r.ResourceID}, Limit: 1})
		if err != nil || page.Next != "" {
			t.Fatalf("List of %v: got next %q, %v", r.ResultKey, page.Next, err)
		}
		if d := diffResults(page.Results, []compliance.Result{r}); d != "" {
			t.Errorf("List of %v: %s", r.ResultKey, d)
		}
	}
	if d := diffCounts(counts(t, st, inventory.AllSources(), compliance.Filter{}), m.counts(inventory.AllSources(), compliance.Filter{})); d != "" {
		t.Errorf("Counts: %s", d)
	}
}

func (s suite) replacement(t *testing.T) {
	k := key(srcA, ruleTags, typInstance, "i-1")
	kB := key(srcB, ruleTags, typInstance, "i-1") // the same rule and resource in another source
	ms := time.Millisecond
	at := func(r compliance.Result, d time.Duration) compliance.Result {
		r.OrderingTime = t0.Add(d)
		return r
	}
	c := func(ord int) compliance.Result { return res(k, compliance.Compliant, ord) }
	nc := func(ord int) compliance.Result { return res(k, compliance.NonCompliant, ord) }
	annotated := func(r compliance.Result, a string) compliance.Result { r.Annotation = a; return r }
	tests := []struct {
		name    string
		batches [][]compliance.Result
		want    []compliance.Result // what List returns at the end
	}{
		{"later replaces", [][]compliance.Result{{c(1)}, {nc(2)}}, []compliance.Result{nc(2)}},
		{"older arriving late is ignored", [][]compliance.Result{{nc(5)}, {c(3)}}, []compliance.Result{nc(5)}},
		{"older arriving late, by a millisecond", [][]compliance.Result{{at(nc(5), 5*ms)}, {at(c(5), 4*ms)}}, []compliance.Result{at(nc(5), 5*ms)}},
		{"equal ordering: the incoming replaces", [][]compliance.Result{{nc(5)}, {c(5)}}, []compliance.Result{c(5)}},
		{"equal ordering, other annotation", [][]compliance.Result{{nc(5)}, {annotated(nc(5), "again")}}, []compliance.Result{annotated(nc(5), "again")}},
		{"equal to the millisecond is equal", [][]compliance.Result{{at(nc(5), 900*time.Microsecond)}, {at(c(5), 100*time.Microsecond)}},
			[]compliance.Result{at(c(5), 100*time.Microsecond)}},
		{"the same result twice", [][]compliance.Result{{c(4)}, {c(4)}}, []compliance.Result{c(4)}},
		{"in a batch, the latest wins", [][]compliance.Result{{c(3), nc(9), c(1), c(7)}}, []compliance.Result{nc(9)}},
		{"in a batch, ascending", [][]compliance.Result{{c(1), c(2), nc(3)}}, []compliance.Result{nc(3)}},
		{"in a batch, of equal ones the later wins", [][]compliance.Result{{c(3), nc(3), annotated(c(3), "last")}}, []compliance.Result{annotated(c(3), "last")}},
		{"in a batch, older than the stored one", [][]compliance.Result{{nc(6)}, {c(2), c(5)}}, []compliance.Result{nc(6)}},
		{"in a batch, one older and one later", [][]compliance.Result{{nc(6)}, {c(2), c(8)}}, []compliance.Result{c(8)}},
		{"in a batch, equal to the stored one", [][]compliance.Result{{nc(6)}, {c(2), c(6)}}, []compliance.Result{c(6)}},
		{"sources are apart", [][]compliance.Result{{nc(6), res(kB, compliance.Compliant, 2)}, {res(kB, compliance.NonCompliant, 3), c(5)}},
			[]compliance.Result{nc(6), res(kB, compliance.NonCompliant, 3)}},
		{"times before 1970", [][]compliance.Result{{at(c(0), -50*365*24*time.Hour-ms)}, {at(nc(0), -50*365*24*time.Hour-2*ms)}},
			[]compliance.Result{at(c(0), -50*365*24*time.Hour-ms)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.open(t)
			m := newModel()
			for _, b := range tt.batches {
				put(t, st, b...)
				m.put(b...)
			}
			all := inventory.AllSources()
			got := listAll(t, st, compliance.ListQuery{Scope: all, Limit: 10})
			if d := diffResults(got, tt.want); d != "" {
				t.Errorf("List: %s", d)
			}
			if d := diffResults(m.list(all, compliance.Filter{}), tt.want); d != "" {
				t.Fatalf("the model disagrees with the table: %s", d)
			}
			if d := diffCounts(counts(t, st, all, compliance.Filter{}), m.counts(all, compliance.Filter{})); d != "" {
				t.Errorf("Counts: %s", d)
			}
			if d := diffResourceCounts(resourceCounts(t, st, all, compliance.Filter{}), m.resourceCounts(all, compliance.Filter{})); d != "" {
				t.Errorf("ResourceCounts: %s", d)
			}
		})
	}
}

func (s suite) putAtomic(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	good := []compliance.Result{
		res(key(srcA, ruleTags, typInstance, "i-1"), compliance.NonCompliant, 50), // replaces
		res(key(srcA, ruleTags, typInstance, "i-new"), compliance.Compliant, 50),  // new
	}
	bad := map[string]compliance.Result{
		"empty account":          res(key(inventory.Source{Region: "us-east-1"}, ruleTags, typInstance, "x"), compliance.Compliant, 50),
		"empty region":           res(key(inventory.Source{AccountID: srcA.AccountID}, ruleTags, typInstance, "x"), compliance.Compliant, 50),
		"empty rule":             res(key(srcA, "", typInstance, "x"), compliance.Compliant, 50),
		"empty type":             res(key(srcA, ruleTags, "", "x"), compliance.Compliant, 50),
		"empty id":               res(key(srcA, ruleTags, typInstance, ""), compliance.Compliant, 50),
		"empty compliance type":  res(key(srcA, ruleTags, typInstance, "x"), "", 50),
		"unknown compliance":     res(key(srcA, ruleTags, typInstance, "x"), "NOT_EVALUATED", 50),
		"lower-case compliance":  res(key(srcA, ruleTags, typInstance, "x"), "compliant", 50),
		"compliance with spaces": res(key(srcA, ruleTags, typInstance, "x"), " COMPLIANT", 50),
	}
	for _, name := range slices.Sorted(maps.Keys(bad)) {
		for _, at := range []int{0, 1, 2} {
			batch := slices.Insert(slices.Clone(good), at, bad[name])
			if err := st.PutResults(t.Context(), batch); err == nil {
				t.Errorf("PutResults with %s at %d: got nil, want an error", name, at)
			}
		}
	}
	// A cancelled context stores nothing either.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var big []compliance.Result
	for i := range 500 {
		big = append(big, res(key(srcB, ruleS3, typBucket, fmt.Sprintf("bucket-%03d", i)), compliance.Compliant, 60))
	}
	if err := st.PutResults(ctx, append(big, good...)); !errors.Is(err, context.Canceled) {
		t.Errorf("PutResults with a cancelled context: got %v, want context.Canceled", err)
	}
	checkModel(t, st, m, "after refused batches", []*inventory.Scope{inventory.AllSources()}, []compliance.Filter{{}}, 1000)
}

func (s suite) putEmpty(t *testing.T) {
	st := s.open(t)
	for _, batch := range [][]compliance.Result{nil, {}} {
		if err := st.PutResults(t.Context(), batch); err != nil {
			t.Errorf("PutResults(%v): got %v, want nil", batch, err)
		}
	}
	if got := listAll(t, st, compliance.ListQuery{Scope: inventory.AllSources(), Limit: 10}); len(got) != 0 {
		t.Errorf("List of an empty store: %s", describe(got))
	}
	if got := counts(t, st, inventory.AllSources(), compliance.Filter{}); len(got) != 0 {
		t.Errorf("Counts of an empty store: %+v", got)
	}
	if got := resourceCounts(t, st, inventory.AllSources(), compliance.Filter{}); len(got) != 0 {
		t.Errorf("ResourceCounts of an empty store: %+v", got)
	}
}

func (s suite) listOrder(t *testing.T) {
	st := s.open(t)
	// Byte order on each column of (account, region, rule, type, id), a
	// prefix before its extensions, and ties on the first columns broken
	// by the next ones.
	var rs []compliance.Result
	for _, src := range []inventory.Source{srcB, srcA, srcA2, {AccountID: "11111111111", Region: "us-east-1"}} {
		for _, rule := range []string{"b", "a", "a-b", "a_b", "B"} {
			for _, typ := range []string{typBucket, "AWS::EC2::VPC", typInstance, "AWS::EC2::InstanceX"} {
				for _, id := range []string{"b", "é", "aa", "Z", "a", "10", "9"} {
					rs = append(rs, res(key(src, rule, typ, id), compliance.Compliant, 1))
				}
			}
		}
	}
	put(t, st, rs...)
	m := newModel()
	m.put(rs...)
	want := m.list(inventory.AllSources(), compliance.Filter{})
	page, err := st.List(t.Context(), compliance.ListQuery{Scope: inventory.AllSources(), Limit: len(rs) + 1})
	if err != nil {
		t.Fatal(err)
	}
	if d := diffResults(page.Results, want); d != "" {
		t.Errorf("List: %s", d)
	}
	if page.Next != "" {
		t.Errorf("List of everything: got Next %q, want none", page.Next)
	}
	sc := &inventory.Scope{Sources: []inventory.Source{srcB, srcA2, srcA}}
	if d := diffResults(listAll(t, st, compliance.ListQuery{Scope: sc, Limit: 37}), m.list(sc, compliance.Filter{})); d != "" {
		t.Errorf("List of a set: %s", d)
	}
}

func (s suite) listFilters(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	all := inventory.AllSources()
	set := &inventory.Scope{Sources: []inventory.Source{srcC, srcA, srcA2}}
	tests := []struct {
		name   string
		scope  *inventory.Scope
		filter compliance.Filter
		want   int // how many results, to check the model too
	}{
		{"all", all, compliance.Filter{}, 38},
		{"one source", inventory.OneSource(srcA), compliance.Filter{}, 10},
		{"same account, other region", inventory.OneSource(srcA2), compliance.Filter{}, 10},
		{"a source without results", inventory.OneSource(other), compliance.Filter{}, 0},
		{"a set", set, compliance.Filter{}, 28},
		{"a built set", inventory.NewScope(set.Sources), compliance.Filter{}, 28},
		{"duplicates in the set", &inventory.Scope{Sources: []inventory.Source{srcC, srcA, srcC, srcA, srcA}}, compliance.Filter{}, 18},
		{"an empty set", &inventory.Scope{}, compliance.Filter{}, 0},
		{"an empty built set", inventory.NewScope(nil), compliance.Filter{}, 0},
		{"All ignores Sources", &inventory.Scope{All: true, Sources: []inventory.Source{srcA}}, compliance.Filter{}, 38},
		{"one rule", all, compliance.Filter{RuleNames: []string{ruleS3}}, 8},
		{"two rules", all, compliance.Filter{RuleNames: []string{ruleMFA, ruleEnc}}, 10},
		{"a rule nobody has", all, compliance.Filter{RuleNames: []string{"nope"}}, 0},
		{"a rule and one nobody has", set, compliance.Filter{RuleNames: []string{"nope", ruleEnc}}, 4},
		{"rules are exact", all, compliance.Filter{RuleNames: []string{"required"}}, 0},
		{"a type", all, compliance.Filter{ResourceType: typBucket}, 16},
		{"a type of a set", set, compliance.Filter{ResourceType: typInstance}, 9},
		{"an id", all, compliance.Filter{ResourceID: "b-1"}, 8},
		{"an id across types", all, compliance.Filter{ResourceID: srcA.AccountID}, 2},
		{"a resource", all, compliance.Filter{ResourceType: typBucket, ResourceID: "b-2"}, 8},
		{"a resource of one source", inventory.OneSource(srcB), compliance.Filter{ResourceType: typBucket, ResourceID: "b-2"}, 2},
		{"a resource with the wrong type", all, compliance.Filter{ResourceType: typVolume, ResourceID: "b-2"}, 0},
		{"ids are exact", all, compliance.Filter{ResourceID: "b-"}, 0},
		{"a compliance type", all, compliance.Filter{ComplianceTypes: []string{compliance.NonCompliant}}, -1},
		{"two compliance types", all, compliance.Filter{ComplianceTypes: []string{compliance.NotApplicable, compliance.Compliant}}, -1},
		{"an unknown compliance type", all, compliance.Filter{ComplianceTypes: []string{"NOPE"}}, 0},
		{"an account", all, compliance.Filter{AccountID: srcA.AccountID}, 20},
		{"a region", all, compliance.Filter{Region: "us-east-1"}, 20},
		{"an account and a region", all, compliance.Filter{AccountID: srcA.AccountID, Region: "eu-west-1"}, 10},
		{"an account outside the scope", inventory.OneSource(srcA), compliance.Filter{AccountID: srcB.AccountID}, 0},
		{"a region narrows a set", set, compliance.Filter{Region: "eu-west-1"}, 10},
		{"an account narrows a set", set, compliance.Filter{AccountID: srcA.AccountID}, 20},
		{"a rule of a set, by account", set, compliance.Filter{RuleNames: []string{ruleTags}, AccountID: srcA.AccountID}, 10},
		{"a rule and a type", all, compliance.Filter{RuleNames: []string{ruleTags}, ResourceType: typBucket}, 8},
		{"a rule and compliance types", all, compliance.Filter{RuleNames: []string{ruleTags, ruleS3}, ComplianceTypes: []string{compliance.Compliant, compliance.InsufficientData}}, -1},
		{"everything at once", &inventory.Scope{Sources: []inventory.Source{srcA, srcB, srcC}},
			compliance.Filter{RuleNames: []string{ruleTags, ruleS3}, ResourceType: typBucket, ResourceID: "b-1", Region: "us-east-1",
				ComplianceTypes: slices.Clone(allTypes)}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := m.list(tt.scope, tt.filter)
			if tt.want >= 0 && len(want) != tt.want {
				t.Fatalf("the model admits %d results, the table says %d", len(want), tt.want)
			}
			if tt.want < 0 && (len(want) == 0 || len(want) == len(m.results)) {
				t.Fatalf("the model admits %d results: the filter does not filter", len(want))
			}
			for _, limit := range []int{1, 4, 1000} {
				got := listAll(t, st, compliance.ListQuery{Scope: tt.scope, Filter: tt.filter, Limit: limit})
				if d := diffResults(got, want); d != "" {
					t.Errorf("List, limit %d: %s", limit, d)
				}
			}
			if d := diffCounts(counts(t, st, tt.scope, tt.filter), m.counts(tt.scope, tt.filter)); d != "" {
				t.Errorf("Counts: %s", d)
			}
			rf := tt.filter
			rf.ResourceID, rf.ComplianceTypes = "", nil
			if d := diffResourceCounts(resourceCounts(t, st, tt.scope, rf), m.resourceCounts(tt.scope, rf)); d != "" {
				t.Errorf("ResourceCounts: %s", d)
			}
		})
	}
}

func (s suite) listPaging(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	scopes := []*inventory.Scope{
		inventory.OneSource(srcA),
		{Sources: []inventory.Source{srcB, srcA, srcA2}},
		{Sources: []inventory.Source{srcC, srcA2}},
		inventory.AllSources(),
	}
	filters := []compliance.Filter{{}, {RuleNames: []string{ruleTags, ruleMFA}}, {ResourceType: typBucket},
		{ComplianceTypes: []string{compliance.Compliant, compliance.NonCompliant}}, {Region: "us-east-1"}}
	for _, sc := range scopes {
		for _, f := range filters {
			want := m.list(sc, f)
			for limit := 1; limit <= len(want)+1; limit++ {
				got := listAll(t, st, compliance.ListQuery{Scope: sc, Filter: f, Limit: limit})
				if d := diffResults(got, want); d != "" {
					t.Errorf("%s, filter %+v, limit %d: %s", scopeName(sc), f, limit, d)
				}
			}
		}
	}
	t.Run("Next only when more", func(t *testing.T) {
		sc := inventory.OneSource(srcA)
		n := len(m.list(sc, compliance.Filter{}))
		page, err := st.List(t.Context(), compliance.ListQuery{Scope: sc, Limit: n})
		if err != nil || len(page.Results) != n || page.Next != "" {
			t.Errorf("List with limit = count: got %d results, Next %q, %v; want %d, none, nil", len(page.Results), page.Next, err, n)
		}
		page, err = st.List(t.Context(), compliance.ListQuery{Scope: sc, Limit: n - 1})
		if err != nil || len(page.Results) != n-1 || page.Next == "" {
			t.Errorf("List with limit = count-1: got %d results, Next %q, %v; want %d and a Next", len(page.Results), page.Next, err, n-1)
		}
	})
	t.Run("writes between pages", func(t *testing.T) {
		// Keyset paging: a page resumes after the last key returned, so
		// results written meanwhile show up when they sort later, and
		// nothing is repeated or skipped.
		k := func(id string) compliance.ResultKey { return key(srcA, ruleTags, typBucket, id) }
		for _, sc := range []*inventory.Scope{inventory.OneSource(srcA), inventory.AllSources(), {Sources: []inventory.Source{srcA, srcB}}} {
			st := s.open(t)
			put(t, st, res(k("b"), compliance.Compliant, 1), res(k("d"), compliance.Compliant, 1))
			q := compliance.ListQuery{Scope: sc, Limit: 1}
			p1, err := st.List(t.Context(), q)
			if err != nil || len(p1.Results) != 1 || p1.Results[0].ResourceID != "b" {
				t.Fatalf("page 1: got %s, %v", describe(p1.Results), err)
			}
			put(t, st, res(k("a"), compliance.Compliant, 1), res(k("c"), compliance.Compliant, 1), res(k("b"), compliance.NonCompliant, 2))
			q.Cursor, q.Limit = p1.Next, 10
			p2, err := st.List(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range p2.Results {
				ids = append(ids, r.ResourceID)
			}
			if !slices.Equal(ids, []string{"c", "d"}) {
				t.Errorf("%s: page 2: got ids %v, want [c d]", scopeName(sc), ids)
			}
			// A page that resumes after a key that was deleted meanwhile.
			if err := st.DeleteResource(t.Context(), srcA, typBucket, "b"); err != nil {
				t.Fatal(err)
			}
			p2, err = st.List(t.Context(), q)
			if err != nil || len(p2.Results) != 2 || p2.Results[0].ResourceID != "c" {
				t.Errorf("%s: page 2 after the cursor's key was deleted: got %s, %v", scopeName(sc), describe(p2.Results), err)
			}
		}
	})
}

func (s suite) listLimit(t *testing.T) {
	st := s.open(t)
	seed(t, st)
	for _, limit := range []int{0, -1} {
		if page, err := st.List(t.Context(), compliance.ListQuery{Scope: inventory.AllSources(), Limit: limit}); err == nil {
			t.Errorf("List with limit %d: got %d results, nil; want an error", limit, len(page.Results))
		}
	}
}

func (s suite) cursors(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	for _, c := range []compliance.Cursor{"garbage", "!!!", "AAAA", "\x00", compliance.Cursor(strings.Repeat("z", 300))} {
		for _, sc := range []*inventory.Scope{inventory.AllSources(), inventory.OneSource(srcA)} {
			if _, err := st.List(t.Context(), compliance.ListQuery{Scope: sc, Limit: 5, Cursor: c}); !errors.Is(err, compliance.ErrInvalidCursor) {
				t.Errorf("List of %s with cursor %q: got %v, want ErrInvalidCursor", scopeName(sc), c, err)
			}
		}
	}
	// A cursor of one query used with another is refused: it is not the
	// same query if its scope or any field of its filter differs.
	queries := []compliance.ListQuery{
		{Scope: inventory.OneSource(srcA)},
		{Scope: inventory.OneSource(srcB)},
		{Scope: inventory.AllSources()},
		{Scope: &inventory.Scope{Sources: []inventory.Source{srcA, srcC}}},
		{Scope: &inventory.Scope{Sources: []inventory.Source{srcA, srcB, srcC}}},
		{Scope: inventory.AllSources(), Filter: compliance.Filter{RuleNames: []string{ruleTags}}},
		{Scope: inventory.AllSources(), Filter: compliance.Filter{RuleNames: []string{ruleTags, ruleS3}}},
		{Scope: inventory.AllSources(), Filter: compliance.Filter{ResourceType: typBucket}},
		{Scope: inventory.AllSources(), Filter: compliance.Filter{ResourceID: "b-1"}},
		{Scope: inventory.AllSources(), Filter: compliance.Filter{ComplianceTypes: []string{compliance.Compliant, compliance.NonCompliant, compliance.NotApplicable}}},
		{Scope: inventory.AllSources(), Filter: compliance.Filter{AccountID: srcA.AccountID}},
		{Scope: inventory.AllSources(), Filter: compliance.Filter{Region: "us-east-1"}},
	}
	for i, qa := range queries {
		qa.Limit = 2
		first, err := st.List(t.Context(), qa)
		if err != nil || first.Next == "" {
			t.Fatalf("query %d: got Next %q, %v", i, first.Next, err)
		}
		for j, qb := range queries {
			qb.Limit = 2
			qb.Cursor = first.Next
			page, err := st.List(t.Context(), qb)
			if i == j {
				// The same query, with another limit too.
				want := m.list(qa.Scope, qa.Filter)[2:]
				if err != nil || !sameResults(page.Results, want[:min(2, len(want))]) {
					t.Errorf("query %d with its own cursor: got %s, %v", i, describe(page.Results), err)
				}
				qb.Limit = 100
				if page, err := st.List(t.Context(), qb); err != nil || !sameResults(page.Results, want) {
					t.Errorf("query %d with its own cursor and another limit: got %s, %v", i, describe(page.Results), err)
				}
				continue
			}
			if !errors.Is(err, compliance.ErrInvalidCursor) {
				t.Errorf("query %d with the cursor of query %d: got %d results, %v; want ErrInvalidCursor", j, i, len(page.Results), err)
			}
		}
	}
	// The same query, its scope's sources in another order or built
	// with NewScope, its filter's lists in another order, takes the
	// cursor.
	q := compliance.ListQuery{Scope: &inventory.Scope{Sources: []inventory.Source{srcC, srcA, srcB}},
		Filter: compliance.Filter{RuleNames: []string{ruleS3, ruleTags}, ComplianceTypes: []string{compliance.NonCompliant, compliance.Compliant, compliance.NotApplicable}}, Limit: 2}
	first, err := st.List(t.Context(), q)
	if err != nil || first.Next == "" {
		t.Fatalf("List: got Next %q, %v", first.Next, err)
	}
	same := q
	same.Scope = inventory.NewScope([]inventory.Source{srcB, srcA, srcC, srcA})
	same.Filter.RuleNames = []string{ruleTags, ruleS3, ruleTags}
	same.Filter.ComplianceTypes = []string{compliance.NotApplicable, compliance.Compliant, compliance.NonCompliant}
	same.Cursor, same.Limit = first.Next, 100
	page, err := st.List(t.Context(), same)
	if want := m.list(q.Scope, q.Filter)[2:]; err != nil || !sameResults(page.Results, want) {
		t.Errorf("the same query, written otherwise, with its cursor: got %s, %v; want\n%s", describe(page.Results), err, describe(want))
	}
}

func (s suite) nilScope(t *testing.T) {
	st := s.open(t)
	seed(t, st)
	if page, err := st.List(t.Context(), compliance.ListQuery{Limit: 10}); err == nil {
		t.Errorf("List with a nil scope: got %d results, nil; want an error", len(page.Results))
	}
	if got, err := st.Counts(t.Context(), compliance.CountsQuery{}); err == nil {
		t.Errorf("Counts with a nil scope: got %+v, nil; want an error", got)
	}
	if got, err := st.ResourceCounts(t.Context(), nil, compliance.Filter{}); err == nil {
		t.Errorf("ResourceCounts with a nil scope: got %+v, nil; want an error", got)
	}
}

// manySources checks reads of scopes of hundreds of sources, which a
// backend may read otherwise than a few (arrays, JSON): half of those in
// the scope have results, and so do others outside it.
func (s suite) manySources(t *testing.T) {
	st := s.open(t)
	m := newModel()
	var scope, half []inventory.Source
	var batch []compliance.Result
	for i := range 300 {
		src := inventory.Source{AccountID: fmt.Sprintf("%012d", 100000000000+i/3), Region: []string{"us-east-1", "eu-west-1", "ap-south-1"}[i%3]}
		if i%2 == 0 {
			scope = append(scope, src)
		}
		if i%4 < 2 {
			half = append(half, src)
		}
		if i%4 == 3 {
			continue // no results
		}
		for r := range 3 {
			rule := fmt.Sprintf("rule-%d", r)
			for j := range 2 + i%3 {
				typ := []string{typInstance, typBucket}[j%2]
				batch = append(batch, recordedAt(res(key(src, rule, typ, fmt.Sprintf("r-%d", j)), allTypes[(i+r+j)%4], 1), time.Duration(i*10+r)*time.Second))
			}
		}
	}
	put(t, st, batch...)
	m.put(batch...)
	scopes := []*inventory.Scope{{Sources: scope}, inventory.NewScope(half), inventory.AllSources()}
	filters := []compliance.Filter{{}, {RuleNames: []string{"rule-1"}}, {Region: "eu-west-1"}, {ResourceType: typBucket, ResourceID: "r-1"}}
	checkModel(t, st, m, "many sources", scopes, filters, 97)
}

func (s suite) counts(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	all := inventory.AllSources()
	// The table's counts are the model's, and the model's the table's.
	tests := []struct {
		name   string
		scope  *inventory.Scope
		filter compliance.Filter
		want   int // rows
	}{
		{"every source", all, compliance.Filter{}, 15},
		{"one source", inventory.OneSource(srcB), compliance.Filter{}, 4},
		{"a set", &inventory.Scope{Sources: []inventory.Source{srcC, srcA2, other}}, compliance.Filter{}, 7},
		{"an empty set", &inventory.Scope{}, compliance.Filter{}, 0},
		{"a source without results", inventory.OneSource(other), compliance.Filter{}, 0},
		{"rules", all, compliance.Filter{RuleNames: []string{ruleEnc, ruleMFA, "nope"}}, 7},
		{"an account", all, compliance.Filter{AccountID: srcA.AccountID}, 8},
		{"a region", all, compliance.Filter{Region: "us-east-1"}, 8},
		{"an account and a region of a set", &inventory.Scope{Sources: []inventory.Source{srcA, srcA2, srcB}}, compliance.Filter{AccountID: srcA.AccountID, Region: "eu-west-1"}, 4},
		// Counts ignores the resource and the compliance types.
		{"a type, ignored", all, compliance.Filter{ResourceType: typVolume}, 15},
		{"an id, ignored", inventory.OneSource(srcA), compliance.Filter{ResourceID: "nope"}, 4},
		{"compliance types, ignored", all, compliance.Filter{ComplianceTypes: []string{compliance.NotApplicable}}, 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := m.counts(tt.scope, tt.filter)
			if len(want) != tt.want {
				t.Fatalf("the model has %d rows, the table says %d", len(want), tt.want)
			}
			if d := diffCounts(counts(t, st, tt.scope, tt.filter), want); d != "" {
				t.Errorf("Counts: %s", d)
			}
		})
	}
	// Totals over every rule, computed by hand from the fixture.
	var total compliance.RuleCounts
	for _, c := range counts(t, st, all, compliance.Filter{}) {
		total.Compliant += c.Compliant
		total.NonCompliant += c.NonCompliant
		total.NotApplicable += c.NotApplicable
		total.Insufficient += c.Insufficient
	}
	var want compliance.RuleCounts
	for _, r := range fixture() {
		switch r.ComplianceType {
		case compliance.Compliant:
			want.Compliant++
		case compliance.NonCompliant:
			want.NonCompliant++
		case compliance.NotApplicable:
			want.NotApplicable++
		default:
			want.Insufficient++
		}
	}
	if total != want || want.Compliant == 0 || want.NonCompliant == 0 || want.NotApplicable == 0 || want.Insufficient == 0 {
		t.Errorf("Counts over every rule: got %+v, want %+v (each nonzero)", total, want)
	}
}

// countsTransitions follows the counts of one rule through every change
// of its results: a result that moves from one compliance type to another
// moves its count, one that is ignored moves nothing, and a rule left
// without results is not shown.
func (s suite) countsTransitions(t *testing.T) {
	st := s.open(t)
	k1 := key(srcA, ruleTags, typInstance, "i-1")
	k2 := key(srcA, ruleTags, typInstance, "i-2")
	kOther := key(srcA, ruleS3, typBucket, "b-1")
	sc := inventory.OneSource(srcA)
	f := compliance.Filter{RuleNames: []string{ruleTags}}
	type cnt struct{ c, nc, na, id int64 }
	steps := []struct {
		name string
		do   func() error
		want *cnt // nil: no row
	}{
		{"first", func() error { return st.PutResults(t.Context(), []compliance.Result{res(k1, compliance.Compliant, 1)}) }, &cnt{1, 0, 0, 0}},
		{"second", func() error { return st.PutResults(t.Context(), []compliance.Result{res(k2, compliance.Compliant, 1)}) }, &cnt{2, 0, 0, 0}},
		{"compliant to non-compliant", func() error {
			return st.PutResults(t.Context(), []compliance.Result{res(k1, compliance.NonCompliant, 2)})
		}, &cnt{1, 1, 0, 0}},
		{"an older compliant is ignored", func() error { return st.PutResults(t.Context(), []compliance.Result{res(k1, compliance.Compliant, 1)}) }, &cnt{1, 1, 0, 0}},
		{"the same type again", func() error {
			return st.PutResults(t.Context(), []compliance.Result{res(k1, compliance.NonCompliant, 3)})
		}, &cnt{1, 1, 0, 0}},
		{"to not applicable, both", func() error {
			return st.PutResults(t.Context(), []compliance.Result{res(k1, compliance.NotApplicable, 4), res(k2, compliance.NotApplicable, 4)})
		}, &cnt{0, 0, 2, 0}},
		{"through every type in a batch", func() error {
			return st.PutResults(t.Context(), []compliance.Result{res(k1, compliance.InsufficientData, 7), res(k1, compliance.Compliant, 5), res(k1, compliance.NonCompliant, 6)})
		}, &cnt{0, 0, 1, 1}},
		{"another rule moves nothing", func() error {
			return st.PutResults(t.Context(), []compliance.Result{res(kOther, compliance.NonCompliant, 9)})
		}, &cnt{0, 0, 1, 1}},
		{"a resource's results deleted", func() error { return st.DeleteResource(t.Context(), srcA, typInstance, "i-1") }, &cnt{0, 0, 1, 0}},
		{"a resource without results deleted", func() error { return st.DeleteResource(t.Context(), srcA, typInstance, "i-1") }, &cnt{0, 0, 1, 0}},
		{"the last result deleted", func() error { return st.DeleteResource(t.Context(), srcA, typInstance, "i-2") }, nil},
		{"back", func() error {
			return st.PutResults(t.Context(), []compliance.Result{res(k2, compliance.NonCompliant, 1)})
		}, &cnt{0, 1, 0, 0}},
		{"the rule's results deleted", func() error { _, err := st.DeleteResults(t.Context(), srcA, ruleTags); return err }, nil},
		{"back again", func() error { return st.PutResults(t.Context(), []compliance.Result{res(k2, compliance.Compliant, 1)}) }, &cnt{1, 0, 0, 0}},
		{"another rule's result on the resource deleted", func() error {
			return st.DeleteResult(t.Context(), key(srcA, ruleS3, typInstance, "i-2"))
		}, &cnt{1, 0, 0, 0}},
		{"one result deleted, the rule's last", func() error { return st.DeleteResult(t.Context(), k2) }, nil},
		{"a result that is not there deleted", func() error { return st.DeleteResult(t.Context(), k2) }, nil},
	}
	m := newModel()
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got := counts(t, st, sc, f)
		var want []compliance.RuleCounts
		if step.want != nil {
			want = []compliance.RuleCounts{{Source: srcA, RuleName: ruleTags, Compliant: step.want.c, NonCompliant: step.want.nc,
				NotApplicable: step.want.na, Insufficient: step.want.id}}
		}
		// Latest is CountsLatest's: compare the counts here.
		for i := range got {
			got[i].Latest = time.Time{}
		}
		if d := diffCounts(got, want); d != "" {
			t.Errorf("%s: Counts: %s", step.name, d)
		}
	}
	// The other rule was left alone.
	m.put(res(kOther, compliance.NonCompliant, 9))
	if d := diffCounts(counts(t, st, sc, compliance.Filter{RuleNames: []string{ruleS3}}), m.counts(sc, compliance.Filter{})); d != "" {
		t.Errorf("Counts of the other rule: %s", d)
	}
}

// countsLatest checks Counts' Latest, the largest RecordedTime of the
// rule's results, through replacements and deletions that take the
// largest away.
func (s suite) countsLatest(t *testing.T) {
	st := s.open(t)
	m := newModel()
	sc := inventory.AllSources()
	k := func(id string) compliance.ResultKey { return key(srcB, ruleEnc, typVolume, id) }
	sec := time.Second
	steps := []struct {
		name   string
		batch  []compliance.Result
		delete string // a resource to delete
		rule   bool   // delete the rule's results
		want   time.Duration
	}{
		{name: "one", batch: []compliance.Result{recordedAt(res(k("v-1"), compliance.Compliant, 1), 10*sec)}, want: 10 * sec},
		{name: "a later one", batch: []compliance.Result{recordedAt(res(k("v-2"), compliance.Compliant, 1), 20*sec+7*time.Millisecond)}, want: 20*sec + 7*time.Millisecond},
		{name: "an earlier one", batch: []compliance.Result{recordedAt(res(k("v-3"), compliance.NonCompliant, 1), 5*sec)}, want: 20*sec + 7*time.Millisecond},
		{name: "an ignored one recorded later", batch: []compliance.Result{recordedAt(res(k("v-2"), compliance.Compliant, 0), 90*sec)}, want: 20*sec + 7*time.Millisecond},
		// A replacement recorded before the result it replaces (another
		// replica's clock): the largest is taken away.
		{name: "the largest replaced by one recorded earlier", batch: []compliance.Result{recordedAt(res(k("v-2"), compliance.Compliant, 2), 15*sec)}, want: 15 * sec},
		{name: "again", batch: []compliance.Result{recordedAt(res(k("v-2"), compliance.Compliant, 3), 1*sec)}, want: 10 * sec},
		{name: "the largest deleted", delete: "v-1", want: 5 * sec},
		{name: "a smaller deleted", delete: "v-2", want: 5 * sec},
		{name: "two of the same time", batch: []compliance.Result{recordedAt(res(k("v-4"), compliance.Compliant, 1), 30*sec), recordedAt(res(k("v-5"), compliance.Compliant, 1), 30*sec)}, want: 30 * sec},
		{name: "one of two of the same time deleted", delete: "v-4", want: 30 * sec},
		{name: "the other deleted", delete: "v-5", want: 5 * sec},
		{name: "a later one in a batch with older ones", batch: []compliance.Result{
			recordedAt(res(k("v-6"), compliance.Compliant, 1), 40*sec), recordedAt(res(k("v-6"), compliance.Compliant, 0), 50*sec)}, want: 40 * sec},
		{name: "the rule deleted", rule: true},
		{name: "after the rule was deleted", batch: []compliance.Result{recordedAt(res(k("v-1"), compliance.Compliant, 1), 2*sec)}, want: 2 * sec},
	}
	for _, step := range steps {
		switch {
		case step.batch != nil:
			put(t, st, step.batch...)
			m.put(step.batch...)
		case step.delete != "":
			if err := st.DeleteResource(t.Context(), srcB, typVolume, step.delete); err != nil {
				t.Fatal(err)
			}
			m.deleteResource(srcB, typVolume, step.delete)
		case step.rule:
			if _, err := st.DeleteResults(t.Context(), srcB, ruleEnc); err != nil {
				t.Fatal(err)
			}
			m.deleteResults(srcB, ruleEnc)
		}
		got := counts(t, st, sc, compliance.Filter{})
		want := m.counts(sc, compliance.Filter{})
		if d := diffCounts(got, want); d != "" {
			t.Errorf("%s: Counts: %s", step.name, d)
		}
		switch {
		case step.rule && len(want) != 0:
			t.Fatalf("%s: the model has counts %+v", step.name, want)
		case !step.rule && (len(want) != 1 || !want[0].Latest.Equal(t0.Add(step.want))):
			t.Fatalf("%s: the model's latest is not the table's %v: %+v", step.name, step.want, want)
		}
	}
}

func (s suite) resourceCounts(t *testing.T) {
	st := s.open(t)
	// Three instances and two buckets in srcA, judged by three rules:
	//   i-1: COMPLIANT, NON_COMPLIANT     → non-compliant
	//   i-2: COMPLIANT, NOT_APPLICABLE    → compliant
	//   i-3: NOT_APPLICABLE, INSUFFICIENT → neither
	//   b-1: NON_COMPLIANT                → non-compliant
	//   b-2: INSUFFICIENT                 → neither
	// and an instance of srcB, compliant.
	sec := time.Second
	rs := []compliance.Result{
		recordedAt(res(key(srcA, "r1", typInstance, "i-1"), compliance.Compliant, 1), 10*sec),
		recordedAt(res(key(srcA, "r2", typInstance, "i-1"), compliance.NonCompliant, 1), 11*sec),
		recordedAt(res(key(srcA, "r1", typInstance, "i-2"), compliance.Compliant, 1), 12*sec),
		recordedAt(res(key(srcA, "r3", typInstance, "i-2"), compliance.NotApplicable, 1), 90*sec),
		recordedAt(res(key(srcA, "r2", typInstance, "i-3"), compliance.NotApplicable, 1), 91*sec),
		recordedAt(res(key(srcA, "r3", typInstance, "i-3"), compliance.InsufficientData, 1), 92*sec),
		recordedAt(res(key(srcA, "r2", typBucket, "b-1"), compliance.NonCompliant, 1), 20*sec),
		recordedAt(res(key(srcA, "r3", typBucket, "b-2"), compliance.InsufficientData, 1), 95*sec),
		recordedAt(res(key(srcB, "r1", typInstance, "i-1"), compliance.Compliant, 1), 30*sec),
		// Only not applicable in srcC: the type has results, none counted.
		recordedAt(res(key(srcC, "r1", typVolume, "v-1"), compliance.NotApplicable, 1), 40*sec),
	}
	put(t, st, rs...)
	m := newModel()
	m.put(rs...)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	a := inventory.OneSource(srcA)
	tests := []struct {
		name   string
		scope  *inventory.Scope
		filter compliance.Filter
		want   []compliance.ResourceCounts
	}{
		{"one source", a, compliance.Filter{}, []compliance.ResourceCounts{
			{ResourceType: typInstance, Compliant: 1, NonCompliant: 1, Latest: at(12 * sec)},
			{ResourceType: typBucket, NonCompliant: 1, Latest: at(20 * sec)}}},
		{"two sources", &inventory.Scope{Sources: []inventory.Source{srcB, srcA}}, compliance.Filter{}, []compliance.ResourceCounts{
			{ResourceType: typInstance, Compliant: 2, NonCompliant: 1, Latest: at(30 * sec)},
			{ResourceType: typBucket, NonCompliant: 1, Latest: at(20 * sec)}}},
		{"every source", inventory.AllSources(), compliance.Filter{}, []compliance.ResourceCounts{
			{ResourceType: typInstance, Compliant: 2, NonCompliant: 1, Latest: at(30 * sec)},
			{ResourceType: typVolume},
			{ResourceType: typBucket, NonCompliant: 1, Latest: at(20 * sec)}}},
		{"rule r1: i-1 is compliant by it", a, compliance.Filter{RuleNames: []string{"r1"}}, []compliance.ResourceCounts{
			{ResourceType: typInstance, Compliant: 2, Latest: at(12 * sec)}}},
		{"rules r2 and r3", a, compliance.Filter{RuleNames: []string{"r3", "r2"}}, []compliance.ResourceCounts{
			{ResourceType: typInstance, NonCompliant: 1, Latest: at(11 * sec)},
			{ResourceType: typBucket, NonCompliant: 1, Latest: at(20 * sec)}}},
		{"rule r3: nothing counted", a, compliance.Filter{RuleNames: []string{"r3"}}, []compliance.ResourceCounts{
			{ResourceType: typInstance}, {ResourceType: typBucket}}},
		{"a rule nobody has", a, compliance.Filter{RuleNames: []string{"nope"}}, nil},
		{"a type", inventory.AllSources(), compliance.Filter{ResourceType: typBucket}, []compliance.ResourceCounts{
			{ResourceType: typBucket, NonCompliant: 1, Latest: at(20 * sec)}}},
		{"a type nobody has", inventory.AllSources(), compliance.Filter{ResourceType: "AWS::Nope::Nope"}, nil},
		{"an account", inventory.AllSources(), compliance.Filter{AccountID: srcB.AccountID}, []compliance.ResourceCounts{
			{ResourceType: typInstance, Compliant: 1, Latest: at(30 * sec)}}},
		{"a region", inventory.AllSources(), compliance.Filter{Region: srcC.Region}, []compliance.ResourceCounts{{ResourceType: typVolume}}},
		{"an empty set", &inventory.Scope{}, compliance.Filter{}, nil},
		{"a source without results", inventory.OneSource(other), compliance.Filter{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diffResourceCounts(m.resourceCounts(tt.scope, tt.filter), tt.want); d != "" {
				t.Fatalf("the model disagrees with the table: %s", d)
			}
			if d := diffResourceCounts(resourceCounts(t, st, tt.scope, tt.filter), tt.want); d != "" {
				t.Errorf("ResourceCounts: %s", d)
			}
		})
	}
	// i-2 turns non-compliant: it moves.
	put(t, st, recordedAt(res(key(srcA, "r3", typInstance, "i-2"), compliance.NonCompliant, 2), 13*sec))
	want := []compliance.ResourceCounts{{ResourceType: typInstance, NonCompliant: 2, Latest: at(13 * sec)}, {ResourceType: typBucket, NonCompliant: 1, Latest: at(20 * sec)}}
	if d := diffResourceCounts(resourceCounts(t, st, a, compliance.Filter{}), want); d != "" {
		t.Errorf("after i-2 turned non-compliant: %s", d)
	}
}

func (s suite) deleteResults(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	scopes := []*inventory.Scope{inventory.AllSources(), {Sources: []inventory.Source{srcA, srcB}}}
	filters := []compliance.Filter{{}, {RuleNames: []string{ruleTags}}}
	for _, d := range []struct {
		src  inventory.Source
		rule string
	}{{srcA, ruleTags}, {srcA, ruleTags}, {srcB, ruleS3}, {other, ruleS3}, {srcA, "nope"}, {srcC, ruleMFA}} {
		want := m.deleteResults(d.src, d.rule)
		got, err := st.DeleteResults(t.Context(), d.src, d.rule)
		if err != nil || got != want {
			t.Errorf("DeleteResults(%v, %s): got %d, %v; want %d, nil", d.src, d.rule, got, err, want)
		}
		checkModel(t, st, m, fmt.Sprintf("after DeleteResults(%v, %s)", d.src, d.rule), scopes, filters, 5)
	}
	// The same rule of srcA's other region, and srcB's, are left.
	if n := len(m.list(inventory.AllSources(), compliance.Filter{RuleNames: []string{ruleTags}})); n != 15 {
		t.Errorf("the model has %d results of %s left, want 15", n, ruleTags)
	}
}

func (s suite) deleteResource(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	scopes := []*inventory.Scope{inventory.AllSources(), inventory.OneSource(srcA)}
	filters := []compliance.Filter{{}, {ResourceType: typBucket}}
	for _, d := range []struct {
		src     inventory.Source
		typ, id string
	}{
		{srcA, typBucket, "b-1"}, // by two rules
		{srcA, typBucket, "b-1"},
		{srcA, typInstance, "b-2"}, // an id of another type: nothing
		{srcA2, typAccount, srcA2.AccountID},
		{other, typBucket, "b-2"},
		{srcB, typVolume, "v-1"},
	} {
		m.deleteResource(d.src, d.typ, d.id)
		if err := st.DeleteResource(t.Context(), d.src, d.typ, d.id); err != nil {
			t.Errorf("DeleteResource(%v, %s, %s): %v", d.src, d.typ, d.id, err)
		}
		checkModel(t, st, m, fmt.Sprintf("after DeleteResource(%v, %s, %s)", d.src, d.typ, d.id), scopes, filters, 4)
	}
	if n := len(m.list(inventory.AllSources(), compliance.Filter{ResourceID: "b-1"})); n != 6 {
		t.Errorf("the model has %d results of b-1 left, want 6", n)
	}
}

func (s suite) reset(t *testing.T) {
	st := s.open(t)
	seed(t, st)
	if err := st.Reset(t.Context()); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	m := newModel()
	checkModel(t, st, m, "after Reset", []*inventory.Scope{inventory.AllSources(), inventory.OneSource(srcA)}, []compliance.Filter{{}}, 10)
	// The store is as new: an older evaluation is stored again.
	r := res(key(srcA, ruleTags, typInstance, "i-1"), compliance.Compliant, 0)
	put(t, st, r)
	m.put(r)
	checkModel(t, st, m, "after Reset and PutResults", []*inventory.Scope{inventory.AllSources()}, []compliance.Filter{{}}, 10)
	if err := st.Reset(t.Context()); err != nil {
		t.Fatalf("Reset again: %v", err)
	}
	if err := st.Reset(t.Context()); err != nil {
		t.Fatalf("Reset of an empty store: %v", err)
	}
}

func (s suite) cancelledContext(t *testing.T) {
	st := s.open(t)
	m := seed(t, st)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := Calls(ctx, st, res(key(srcA, ruleTags, typInstance, "i-1"), compliance.NonCompliant, 99))
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		if err := calls[name](); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: got %v, want context.Canceled", name, err)
		}
	}
	// Nothing changed.
	checkModel(t, st, m, "after cancelled calls", []*inventory.Scope{inventory.AllSources()}, []compliance.Filter{{}}, 100)
}

// concurrent runs writers and readers at once. Each writer owns a rule
// of srcA and writes, round after round, one result of it for each of the
// same resources, all of one compliance type and one ordering, in one
// batch (with an older one of some that must be ignored); every few
// rounds it deletes its rule's results instead. Every read must see whole
// batches: a List of a rule sees one round's results or none, the counts
// of a rule are all of one type and as many as the resources, and the
// resource counts count every resource or none. At the end every write is
// there.
func (s suite) concurrent(t *testing.T) {
	st := s.open(t)
	const (
		writers = 4
		rounds  = 16
		perRule = 8
	)
	rule := func(w int) string { return fmt.Sprintf("rule-%d", w) }
	batch := func(w, r int) []compliance.Result {
		ct := compliance.Compliant
		if r%2 == 1 {
			ct = compliance.NonCompliant
		}
		var b []compliance.Result
		for i := range perRule {
			b = append(b, res(key(srcA, rule(w), typInstance, fmt.Sprintf("i-%02d", i)), ct, r))
		}
		if r > 1 {
			b = append(b, res(key(srcA, rule(w), typInstance, "i-00"), compliance.NotApplicable, r-1))
		}
		return b
	}
	deletes := func(r int) bool { return r%5 == 4 }
	errc := make(chan error, 100)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for r := 1; r <= rounds; r++ {
				if deletes(r) {
					if _, err := st.DeleteResults(context.Background(), srcA, rule(w)); err != nil {
						errc <- fmt.Errorf("writer %d: %w", w, err)
						return
					}
					continue
				}
				if err := st.PutResults(context.Background(), batch(w, r)); err != nil {
					errc <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		})
	}
	var readers sync.WaitGroup
	for rd := range 2 {
		readers.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				w := (n + rd) % writers
				page, err := st.List(context.Background(), compliance.ListQuery{Scope: inventory.OneSource(srcA),
					Filter: compliance.Filter{RuleNames: []string{rule(w)}}, Limit: 100})
				if err != nil {
					errc <- fmt.Errorf("listing: %w", err)
					return
				}
				if len(page.Results) != 0 && len(page.Results) != perRule {
					errc <- fmt.Errorf("a List of %s saw %d results, want %d or none:\n%s", rule(w), len(page.Results), perRule, describe(page.Results))
					return
				}
				for _, r := range page.Results {
					if r.OrderingTime != page.Results[0].OrderingTime || r.ComplianceType != page.Results[0].ComplianceType {
						errc <- fmt.Errorf("a List of %s saw a partial batch:\n%s", rule(w), describe(page.Results))
						return
					}
				}
				cs, err := st.Counts(context.Background(), compliance.CountsQuery{Scope: inventory.AllSources()})
				if err != nil {
					errc <- fmt.Errorf("counting: %w", err)
					return
				}
				for _, c := range cs {
					if c.Compliant+c.NonCompliant != perRule || c.NotApplicable != 0 || c.Insufficient != 0 || (c.Compliant != 0 && c.NonCompliant != 0) {
						errc <- fmt.Errorf("a Counts saw a partial batch: %+v", c)
						return
					}
				}
				rc, err := st.ResourceCounts(context.Background(), inventory.NewScope([]inventory.Source{srcA, srcB}), compliance.Filter{})
				if err != nil {
					errc <- fmt.Errorf("counting resources: %w", err)
					return
				}
				for _, c := range rc {
					if c.Compliant+c.NonCompliant != perRule {
						errc <- fmt.Errorf("a ResourceCounts saw a partial batch: %+v", c)
						return
					}
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
	m := newModel()
	for w := range writers {
		for r := 1; r <= rounds; r++ {
			if deletes(r) {
				m.deleteResults(srcA, rule(w))
			} else {
				m.put(batch(w, r)...)
			}
		}
	}
	checkModel(t, st, m, "after the writers", []*inventory.Scope{inventory.AllSources()}, []compliance.Filter{{}}, 7)
}

// random runs random operations (batches of new, later, earlier and
// repeated results of random types and recorded times, replacements of
// the results of rules, deletions of rules and resources, now and then a
// Reset) and after each compares
// every read with the model, so that whatever a backend derives from the
// results (the counts, their latest times) stays right through every
// transition.
func (s suite) random(t *testing.T) {
	st := s.open(t)
	m := newModel()
	r := rand.New(rand.NewPCG(7, 8))
	srcs := []inventory.Source{srcA, srcA2, srcB}
	rules := []string{"r-a", "r-b", "r-c"}
	types := []string{typBucket, typInstance}
	ids := []string{"x0", "x1", "x2"}
	pick := func(ss []string) string { return ss[r.IntN(len(ss))] }
	scopes := []*inventory.Scope{inventory.AllSources(), inventory.OneSource(srcB), {Sources: []inventory.Source{srcA2, srcA, other}}}
	filters := []compliance.Filter{{}, {RuleNames: []string{"r-b"}}, {RuleNames: []string{"r-a", "r-c"}, ResourceType: typInstance},
		{ResourceType: typBucket, ResourceID: "x1"}, {ComplianceTypes: []string{compliance.NonCompliant, compliance.NotApplicable}}, {Region: srcA.Region}}
	for round := range 80 {
		var what string
		switch n := r.IntN(100); {
		case n < 65:
			var batch []compliance.Result
			for range 1 + r.IntN(10) {
				k := key(srcs[r.IntN(len(srcs))], pick(rules), pick(types), pick(ids))
				x := res(k, allTypes[r.IntN(4)], r.IntN(8))
				x.RecordedTime = t0.Add(time.Duration(r.IntN(40)) * time.Second)
				x.Annotation = []string{"", "a", "b"}[r.IntN(3)]
				batch = append(batch, x)
			}
			what = fmt.Sprintf("PutResults of %d", len(batch))
			put(t, st, batch...)
			m.put(batch...)
		case n < 72:
			src := srcs[r.IntN(len(srcs))]
			var names []string
			for _, rule := range rules {
				if r.IntN(2) == 0 {
					names = append(names, rule)
				}
			}
			var batch []compliance.Result
			for range r.IntN(6) {
				if len(names) == 0 {
					break
				}
				x := res(key(src, pick(names), pick(types), pick(ids)), allTypes[r.IntN(4)], r.IntN(8))
				x.RecordedTime = t0.Add(time.Duration(r.IntN(40)) * time.Second)
				batch = append(batch, x)
			}
			what = fmt.Sprintf("ReplaceResults(%v, %v) of %d", src, names, len(batch))
			if err := st.ReplaceResults(t.Context(), src, names, batch, time.Time{}); err != nil {
				t.Errorf("round %d: %s: %v", round, what, err)
			}
			m.replace(src, names, batch...)
		case n < 80:
			src, rule := srcs[r.IntN(len(srcs))], pick(rules)
			what = fmt.Sprintf("DeleteResults(%v, %s)", src, rule)
			want := m.deleteResults(src, rule)
			if got, err := st.DeleteResults(t.Context(), src, rule); err != nil || got != want {
				t.Errorf("round %d: %s: got %d, %v; want %d", round, what, got, err, want)
			}
		case n < 88:
			src, typ, id := srcs[r.IntN(len(srcs))], pick(types), pick(ids)
			what = fmt.Sprintf("DeleteResource(%v, %s, %s)", src, typ, id)
			m.deleteResource(src, typ, id)
			if err := st.DeleteResource(t.Context(), src, typ, id); err != nil {
				t.Errorf("round %d: %s: %v", round, what, err)
			}
		case n < 97:
			k := key(srcs[r.IntN(len(srcs))], pick(rules), pick(types), pick(ids))
			what = fmt.Sprintf("DeleteResult(%+v)", k)
			m.deleteResult(k)
			if err := st.DeleteResult(t.Context(), k); err != nil {
				t.Errorf("round %d: %s: %v", round, what, err)
			}
		default:
			what = "Reset"
			m.reset()
			if err := st.Reset(t.Context()); err != nil {
				t.Errorf("round %d: Reset: %v", round, err)
			}
		}
		checkModel(t, st, m, fmt.Sprintf("round %d, after %s", round, what), scopes, filters, 3)
		if t.Failed() {
			return
		}
	}
}
