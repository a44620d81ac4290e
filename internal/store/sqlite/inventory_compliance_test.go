package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/compliance/compliancetest"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invbench"
)

func TestComplianceConformance(t *testing.T) {
	compliancetest.Run(t, func(t *testing.T) compliance.Store {
		s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s.Compliance()
	})
}

// TestComplianceAfterClose checks that every call after the Inventory's
// Close fails with ErrClosed.
func TestComplianceAfterClose(t *testing.T) {
	s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Compliance()
	if err := c.PutResults(t.Context(), []compliance.Result{testResult("i-1")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for name, call := range compliancetest.Calls(t.Context(), c, testResult("i-2")) {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: got %v, want ErrClosed", name, err)
		}
	}
}

var complianceT0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// testResult returns a result of the rule "rule" on the instance id of
// invbench's first source.
func testResult(id string) compliance.Result {
	return compliance.Result{
		ResultKey:      compliance.ResultKey{Source: invbench.Source(0), RuleName: "rule", ResourceType: "AWS::EC2::Instance", ResourceID: id},
		ComplianceType: compliance.Compliant,
		OrderingTime:   complianceT0,
		RecordedTime:   complianceT0.Add(time.Second),
		InvokedTime:    complianceT0.Add(time.Millisecond),
	}
}

// BenchmarkComplianceCounts measures Counts of an aggregator of 4,000
// sources of 10 rules each (compliancetest.BenchCounts):
//
//	go test -run '^$' -bench BenchmarkComplianceCounts ./internal/store/sqlite
func BenchmarkComplianceCounts(b *testing.B) {
	s, err := OpenInventory(b.Context(), b.TempDir(), InventoryOptions{Sync: SyncNormal})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	st := s.Compliance()
	compliancetest.BenchFill(b, st, compliancetest.BenchSources)
	compliancetest.BenchCounts(b, st)
}

// BenchmarkCompliancePut measures PutResults of batches of 1,000 results
// (compliancetest.BenchPut), with the Inventory's default sync setting
// (SyncFull, an fsync per commit) and with SyncNormal.
func BenchmarkCompliancePut(b *testing.B) {
	for _, sync := range []SyncMode{SyncFull, SyncNormal} {
		name := "sync=full"
		if sync == SyncNormal {
			name = "sync=normal"
		}
		b.Run(name, func(b *testing.B) {
			compliancetest.BenchPut(b, func(b *testing.B) compliance.Store {
				s, err := OpenInventory(b.Context(), b.TempDir(), InventoryOptions{Sync: sync})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { s.Close() })
				return s.Compliance()
			})
		})
	}
}

// BenchmarkComplianceReplace measures ReplaceResults of every rule of a
// source, 4 sources at a time (compliancetest.BenchReplace):
//
//	go test -run '^$' -bench BenchmarkComplianceReplace ./internal/store/sqlite
func BenchmarkComplianceReplace(b *testing.B) {
	s, err := OpenInventory(b.Context(), b.TempDir(), InventoryOptions{Sync: SyncNormal})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	compliancetest.BenchReplace(b, s.Compliance(), 4)
}

// BenchmarkComplianceSummaries measures Summaries of an aggregator of
// 4,000 sources of 10 rules each (compliancetest.BenchSummaries):
//
//	go test -run '^$' -bench BenchmarkComplianceSummaries ./internal/store/sqlite
func BenchmarkComplianceSummaries(b *testing.B) {
	s, err := OpenInventory(b.Context(), b.TempDir(), InventoryOptions{Sync: SyncNormal})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	st := s.Compliance()
	compliancetest.BenchFill(b, st, compliancetest.BenchSources)
	compliancetest.BenchSummaries(b, st)
}

// TestComplianceQueryPlans checks that every statement of a List page
// seeks the primary key (or the by-resource index) and reads in List
// order, sorting nothing, and that Counts reads compliance_counts and
// never compliance_results.
func TestComplianceQueryPlans(t *testing.T) {
	s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.Compliance()
	compliancetest.BenchFill(t, st, 40)
	// A large source: 10 rules evaluating the same 300 resources.
	big := compliancetest.BenchSource(11)
	var batch []compliance.Result
	for rule := range 10 {
		for i := range 300 {
			r := compliancetest.BenchResult(0, 0)
			r.Source, r.RuleName, r.ResourceID = big, fmt.Sprintf("big-rule-%d", rule), fmt.Sprintf("big-%03d", i)
			batch = append(batch, r)
		}
	}
	if err := st.PutResults(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	// No ANALYZE: the store never runs one, and its readers would not see
	// the statistics of one run after they opened.
	scope := compliancetest.BenchSourcesScope(40)
	sparse := inventory.NewScope([]inventory.Source{compliancetest.BenchSource(3), compliancetest.BenchSource(8), compliancetest.BenchSource(21)})
	after := compliancetest.BenchResult(330, 0).ResultKey // of source 11, the first region of its account
	rule := []string{after.RuleName}
	const (
		// byResourcePlan is a seek of one resource of one source.
		byResourcePlan = "USING INDEX compliance_results_by_resource (account_id=? AND region=? AND resource_type=? AND resource_id=?)"
		seekRest       = "SEARCH r USING PRIMARY KEY (account_id=? AND region=? AND (rule_name,resource_type,resource_id)>(?,?,?))"
		seekSources    = "SEARCH r USING PRIMARY KEY (account_id=? AND region=?"
		seekRule       = "SEARCH r USING PRIMARY KEY (account_id=? AND region=? AND rule_name=?)"
		seekRes        = "SEARCH r " + byResourcePlan
	)
	tests := []struct {
		name  string
		scope *inventory.Scope
		f     compliance.Filter
		after *compliance.ResultKey
		want  []string // in the plans of the statements, one each
	}{
		{"source", inventory.OneSource(after.Source), compliance.Filter{}, &after, []string{seekRest}},
		{"source, rule", inventory.OneSource(after.Source), compliance.Filter{RuleNames: rule}, nil, []string{seekRule}},
		{"source, resource", inventory.OneSource(big), compliance.Filter{ResourceType: batch[0].ResourceType, ResourceID: "big-007"}, nil, []string{seekRes}},
		{"set, resource, after", scope, compliance.Filter{ResourceType: after.ResourceType, ResourceID: after.ResourceID}, &after, []string{"SEARCH r USING INDEX compliance_results_by_resource (account_id=? AND region=? AND resource_type=? AND resource_id=?", seekRes, seekRes}},
		{"set", scope, compliance.Filter{}, nil, []string{seekSources}},
		{"set after", scope, compliance.Filter{}, &after, []string{seekRest, seekSources, seekSources}},
		{"set, rule", scope, compliance.Filter{RuleNames: rule}, nil, []string{seekRule}},
		{"sparse set", sparse, compliance.Filter{}, nil, []string{seekSources}},
		{"all after", inventory.AllSources(), compliance.Filter{}, &after,
			[]string{"SEARCH r USING PRIMARY KEY ((account_id,region,rule_name,resource_type,resource_id)>(?,?,?,?,?))"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts := complianceListStmts(tt.scope, tt.scope.SortedSources(), &tt.f, tt.after)
			if len(stmts) != len(tt.want) {
				t.Fatalf("got %d statements, want %d", len(stmts), len(tt.want))
			}
			for i, c := range stmts {
				plan := queryPlan(t, s, "SELECT "+complianceResultCols+resultsFrom(&tt.f)+c.sql()+complianceListOrder, append(c.args, 101))
				if !strings.Contains(plan, tt.want[i]) {
					t.Errorf("statement %d: %s %v: plan:\n%s\nwant it to contain %q", i+1, c.sql(), c.args, plan, tt.want[i])
				}
				if strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("statement %d: plan sorts:\n%s", i+1, plan)
				}
			}
		})
	}
	if plan := queryPlan(t, s, qComplianceDeleteResource, []any{big.AccountID, big.Region, batch[0].ResourceType, "big-007"}); !strings.Contains(plan, byResourcePlan) {
		t.Errorf("DeleteResource: plan:\n%s\nwant it to contain %q", plan, byResourcePlan)
	}
	for _, sc := range []*inventory.Scope{scope, sparse, inventory.AllSources()} {
		for _, q := range []compliance.CountsQuery{
			{Scope: sc},
			{Scope: sc, Compliance: []string{compliance.NonCompliant}, Limit: 10},
			{Scope: sc, After: &compliance.RuleKey{Source: after.Source, RuleName: after.RuleName}, Limit: 10},
			{Scope: sc, Filter: compliance.Filter{AccountID: after.AccountID}, After: &compliance.RuleKey{Source: after.Source, RuleName: after.RuleName}, Limit: 10},
		} {
			stmt, args, none := complianceCountsStmt(&q)
			if none {
				continue
			}
			plan := queryPlan(t, s, stmt, args)
			if strings.Contains(plan, "compliance_results") || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("Counts of %d sources, %+v: plan reads the results or sorts:\n%s", len(sc.Sources), q, plan)
			}
		}
	}
	// The rules of a filter: a few are sought under each source, more
	// are checked on the sources' rows (the packs' rules of thousands of
	// sources, sought, were a seek for every pair).
	var many []string
	for i := range countsSoughtRules + 1 {
		many = append(many, fmt.Sprintf("rule-%02d", i))
	}
	for _, tt := range []struct {
		rules []string
		want  string
	}{
		{many[:countsSoughtRules], "SEARCH r USING PRIMARY KEY (account_id=? AND region=? AND rule_name=?)"},
		{many, "SEARCH r USING PRIMARY KEY (account_id=? AND region=?)"},
	} {
		q := compliance.CountsQuery{Scope: scope, Filter: compliance.Filter{RuleNames: tt.rules}}
		stmt, args, _ := complianceCountsStmt(&q)
		if plan := queryPlan(t, s, stmt, args); !strings.Contains(plan, tt.want) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("Counts of %d rules: plan:\n%s\nwant it to contain %q, and no sort", len(tt.rules), plan, tt.want)
		}
	}
}

// TestComplianceReopen checks that results and counts are durable: a
// store opened again has them, and a Reset of the inventory leaves them.
func TestComplianceReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenInventory(t.Context(), dir, InventoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	compliancetest.BenchFill(t, s.Compliance(), 3)
	if err := s.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenInventory(t.Context(), dir, InventoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.Compliance().List(t.Context(), compliance.ListQuery{Scope: inventory.AllSources(), Limit: 1000})
	n := 3 * compliancetest.BenchRules * compliancetest.BenchPerRule
	if err != nil || len(page.Results) != n {
		t.Fatalf("List after reopening: got %d results, %v; want %d", len(page.Results), err, n)
	}
	cs, err := s.Compliance().Counts(t.Context(), compliance.CountsQuery{Scope: inventory.AllSources()})
	if err != nil || len(cs) != 3*compliancetest.BenchRules {
		t.Fatalf("Counts after reopening: got %d rows, %v; want %d", len(cs), err, 3*compliancetest.BenchRules)
	}
}

// TestComplianceRollsBack fails batches half-way, and just before their
// commit: none of their results may stay, and the store goes on working.
// Compliance stores of one Inventory share its writer's statements.
func TestComplianceRollsBack(t *testing.T) {
	s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Compliance().PutResults(t.Context(), []compliance.Result{testResult("kept")}); err != nil {
		t.Fatal(err)
	}
	var batch []compliance.Result
	for i := range 3 * ctxCheckEvery {
		batch = append(batch, testResult(fmt.Sprintf("r%03d", i)))
	}
	kept := testResult("kept")
	kept.ComplianceType, kept.OrderingTime = compliance.NonCompliant, kept.OrderingTime.Add(time.Hour)
	batch = append(batch, kept)
	// PutResults looks at its context at its start, at the write's, every
	// ctxCheckEvery results, and before the commit.
	for _, after := range []int{3, 6} { // at result 64; at the commit
		ctx := &failingCtx{Context: t.Context(), after: after}
		if err := s.Compliance().PutResults(ctx, batch); !errors.Is(err, context.Canceled) {
			t.Fatalf("PutResults failing after %d looks: got %v, want context.Canceled", after, err)
		}
	}
	c := s.Compliance()
	page, err := c.List(t.Context(), compliance.ListQuery{Scope: inventory.AllSources(), Limit: 1000})
	if err != nil || len(page.Results) != 1 || page.Results[0].ComplianceType != compliance.Compliant {
		t.Fatalf("after the failed batches: got %d results, %v; want only kept, compliant", len(page.Results), err)
	}
	cs, err := c.Counts(t.Context(), compliance.CountsQuery{Scope: inventory.AllSources()})
	if err != nil || len(cs) != 1 || cs[0].Compliant != 1 || cs[0].NonCompliant != 0 {
		t.Errorf("Counts after the failed batches: got %+v, %v; want one compliant", cs, err)
	}
	if err := c.PutResults(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	if cs, err := c.Counts(t.Context(), compliance.CountsQuery{Scope: inventory.AllSources()}); err != nil || len(cs) != 1 ||
		cs[0].Compliant != int64(len(batch)-1) || cs[0].NonCompliant != 1 {
		t.Errorf("Counts after the batch: got %+v, %v", cs, err)
	}
	if n := len(s.ws.all); n != 6+12+2*len(replaceSizes) {
		t.Errorf("the writer has %d statements, want its 6 and the compliance store's %d", n, 12+2*len(replaceSizes))
	}
}

// TestComplianceReplaceRollsBack fails replacements half-way and just
// before their commit: the rules keep their results and counts, and
// compliance_bulk's row does not stay (the triggers count the writes that
// follow).
func TestComplianceReplaceRollsBack(t *testing.T) {
	s, err := OpenInventory(t.Context(), t.TempDir(), InventoryOptions{Sync: SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.Compliance()
	kept := testResult("kept")
	if err := c.PutResults(t.Context(), []compliance.Result{kept}); err != nil {
		t.Fatal(err)
	}
	var batch []compliance.Result
	for i := range 3*64 + 1 {
		r := testResult(fmt.Sprintf("r%03d", i))
		r.ComplianceType = compliance.NonCompliant
		batch = append(batch, r)
	}
	// ReplaceResults looks at its context at its start, at the write's,
	// before each INSERT of the results (64, 64, 64, 1) and of the
	// counts, and before the commit.
	for _, after := range []int{2, 3, 5, 6, 7} {
		ctx := &failingCtx{Context: t.Context(), after: after}
		if err := c.ReplaceResults(ctx, kept.Source, []string{kept.RuleName}, batch, time.Time{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("ReplaceResults failing after %d looks: got %v, want context.Canceled", after, err)
		}
		page, err := c.List(t.Context(), compliance.ListQuery{Scope: inventory.AllSources(), Limit: 1000})
		if err != nil || len(page.Results) != 1 || page.Results[0].ResourceID != kept.ResourceID {
			t.Fatalf("after a failed replacement (%d): got %d results, %v; want only kept", after, len(page.Results), err)
		}
	}
	var bulk int
	if err := s.rdb.QueryRowContext(t.Context(), "SELECT count(*) FROM compliance_bulk").Scan(&bulk); err != nil || bulk != 0 {
		t.Fatalf("compliance_bulk: %d rows, %v; want none", bulk, err)
	}
	other := testResult("other")
	if err := c.PutResults(t.Context(), []compliance.Result{other}); err != nil {
		t.Fatal(err)
	}
	if cs, err := c.Counts(t.Context(), compliance.CountsQuery{Scope: inventory.AllSources()}); err != nil || len(cs) != 1 || cs[0].Compliant != 2 {
		t.Errorf("Counts after the failed replacements: got %+v, %v; want 2 compliant", cs, err)
	}
	if err := c.ReplaceResults(t.Context(), kept.Source, []string{kept.RuleName}, batch, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if cs, err := c.Counts(t.Context(), compliance.CountsQuery{Scope: inventory.AllSources()}); err != nil || len(cs) != 1 ||
		cs[0].Compliant != 0 || cs[0].NonCompliant != int64(len(batch)) {
		t.Errorf("Counts after the replacement: got %+v, %v; want %d noncompliant", cs, err, len(batch))
	}
}
