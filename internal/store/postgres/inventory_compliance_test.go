package postgres

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/compliance/compliancetest"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

func TestComplianceConformance(t *testing.T) {
	pgtest.BaseDSN(t) // skips the whole suite without PostgreSQL
	compliancetest.Run(t, func(t *testing.T) compliance.Store {
		return NewInventory(invOpenDB(t, pgtest.DSN(t)), InventoryOptions{}).Compliance()
	})
}

// complianceResult returns a result of the rule "rule" on the instance id
// of invSrcA.
func complianceResult(id string) compliance.Result {
	return compliance.Result{
		ResultKey:      compliance.ResultKey{Source: invSrcA, RuleName: "rule", ResourceType: "AWS::EC2::Instance", ResourceID: id},
		ComplianceType: compliance.Compliant,
		OrderingTime:   invT0,
		RecordedTime:   invT0.Add(time.Second),
		InvokedTime:    invT0.Add(time.Millisecond),
	}
}

// TestComplianceClose checks that every call after the Inventory's Close
// fails with ErrInventoryClosed.
func TestComplianceClose(t *testing.T) {
	inv := NewInventory(invOpenDB(t, pgtest.DSN(t)), InventoryOptions{})
	c := inv.Compliance()
	if err := c.PutResults(t.Context(), []compliance.Result{complianceResult("i-1")}); err != nil {
		t.Fatal(err)
	}
	if err := inv.Close(); err != nil {
		t.Fatal(err)
	}
	for name, call := range compliancetest.Calls(t.Context(), c, complianceResult("i-2")) {
		if err := call(); !errors.Is(err, ErrInventoryClosed) {
			t.Errorf("%s after Close: got %v, want ErrInventoryClosed", name, err)
		}
	}
}

// TestComplianceUnavailable checks that every call on a database that
// cannot be reached fails with store.ErrUnavailable. It needs no
// PostgreSQL: the pool connects lazily, to a port nobody listens on.
func TestComplianceUnavailable(t *testing.T) {
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
	for name, call := range compliancetest.Calls(t.Context(), inv.Compliance(), complianceResult("i-1")) {
		if err := call(); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s on an unreachable database: got %v, want store.ErrUnavailable", name, err)
		}
	}
}

// BenchmarkComplianceCounts measures Counts of an aggregator of 4,000
// sources of 10 rules each (compliancetest.BenchCounts):
//
//	STARLING_TEST_POSTGRES=... go test -run '^$' -bench BenchmarkComplianceCounts ./internal/store/postgres
func BenchmarkComplianceCounts(b *testing.B) {
	db := invOpenDB(b, pgtest.DSN(b))
	st := NewInventory(db, InventoryOptions{}).Compliance()
	compliancetest.BenchFill(b, st, compliancetest.BenchSources)
	if _, err := db.Pool().Exec(b.Context(), "VACUUM ANALYZE compliance_results, compliance_counts"); err != nil {
		b.Fatal(err)
	}
	compliancetest.BenchCounts(b, st)
}

// BenchmarkCompliancePut measures PutResults of batches of 1,000 results
// (compliancetest.BenchPut).
func BenchmarkCompliancePut(b *testing.B) {
	compliancetest.BenchPut(b, func(b *testing.B) compliance.Store {
		return NewInventory(invOpenDB(b, pgtest.DSN(b)), InventoryOptions{}).Compliance()
	})
}

// BenchmarkComplianceReplace measures ReplaceResults of every rule of a
// source, 4 sources at a time (compliancetest.BenchReplace):
//
//	STARLING_TEST_POSTGRES=... go test -run '^$' -bench BenchmarkComplianceReplace ./internal/store/postgres
func BenchmarkComplianceReplace(b *testing.B) {
	compliancetest.BenchReplace(b, NewInventory(invOpenDB(b, pgtest.DSN(b)), InventoryOptions{}).Compliance(), 4)
}

// BenchmarkComplianceSummaries measures Summaries of an aggregator of
// 4,000 sources of 10 rules each (compliancetest.BenchSummaries).
func BenchmarkComplianceSummaries(b *testing.B) {
	db := invOpenDB(b, pgtest.DSN(b))
	st := NewInventory(db, InventoryOptions{}).Compliance()
	compliancetest.BenchFill(b, st, compliancetest.BenchSources)
	if _, err := db.Pool().Exec(b.Context(), "VACUUM ANALYZE compliance_results, compliance_counts"); err != nil {
		b.Fatal(err)
	}
	compliancetest.BenchSummaries(b, st)
}

// TestComplianceReplicas writes overlapping batches, deletes rules and
// resources, from two Compliances on two DBs (two replicas) at once; then
// the results are the latest of each key's, and compliance_counts agrees
// with compliance_results row for row.
func TestComplianceReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	invs := []*Inventory{
		NewInventory(invOpenDB(t, dsn), InventoryOptions{}),
		NewInventory(invOpenDB(t, dsn), InventoryOptions{}),
	}
	rules := []string{"r-a", "r-b", "r-c"}
	var keys []compliance.ResultKey
	for _, src := range []inventory.Source{invSrcA, invSrcB} {
		for _, rule := range rules {
			for i := range 15 {
				keys = append(keys, compliance.ResultKey{Source: src, RuleName: rule, ResourceType: "AWS::S3::Bucket", ResourceID: fmt.Sprintf("b-%02d", i)})
			}
		}
	}
	types := []string{compliance.Compliant, compliance.NonCompliant, compliance.NotApplicable, compliance.InsufficientData}
	// The result of (key, ordering) is the same whoever writes it, so that
	// the latest of each key is known whatever the interleaving.
	result := func(k compliance.ResultKey, ord int) compliance.Result {
		h := len(k.ResourceID) + int(k.ResourceID[len(k.ResourceID)-1]) + ord
		return compliance.Result{ResultKey: k, ComplianceType: types[h%4], Annotation: fmt.Sprint(ord),
			OrderingTime: invT0.Add(time.Duration(ord) * time.Minute), RecordedTime: invT0.Add(time.Duration(h%50) * time.Second),
			InvokedTime: invT0}
	}
	var wg sync.WaitGroup
	for w := range 6 {
		c := invs[w%2].Compliance()
		r := rand.New(rand.NewPCG(uint64(w), 9))
		wg.Go(func() {
			for range 30 {
				switch n := r.IntN(20); {
				case n == 0 && w == 0:
					// Deletions only by one writer, so that the end state is
					// known: the latest puts after it.
					if _, err := c.DeleteResults(t.Context(), invSrcA, rules[r.IntN(len(rules))]); err != nil {
						t.Error(err)
						return
					}
				case n == 1 && w == 0:
					if err := c.DeleteResource(t.Context(), invSrcB, "AWS::S3::Bucket", fmt.Sprintf("b-%02d", r.IntN(15))); err != nil {
						t.Error(err)
						return
					}
				default:
					var batch []compliance.Result
					for range 10 + r.IntN(40) {
						batch = append(batch, result(keys[r.IntN(len(keys))], 1+r.IntN(20)))
					}
					if err := c.PutResults(t.Context(), batch); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	t.Logf("attempts run again: %d and %d", invs[0].retries.Load(), invs[1].retries.Load())
	// Every stored result is the one its key and ordering make, and the
	// counts agree with the results.
	page, err := invs[1].Compliance().List(t.Context(), compliance.ListQuery{Scope: inventory.AllSources(), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Results) == 0 {
		t.Fatal("no results")
	}
	for _, got := range page.Results {
		ord := int(got.OrderingTime.Sub(invT0) / time.Minute)
		want := result(got.ResultKey, ord)
		if got.ComplianceType != want.ComplianceType || got.Annotation != want.Annotation || !got.RecordedTime.Equal(want.RecordedTime) {
			t.Errorf("%v: got %+v, want %+v", got.ResultKey, got, want)
		}
	}
	var mismatched int
	err = invs[0].db.Pool().QueryRow(t.Context(), `SELECT count(*) FROM (
  SELECT account_id, region, rule_name,
    count(*) FILTER (WHERE compliance_type = 'COMPLIANT') AS compliant,
    count(*) FILTER (WHERE compliance_type = 'NON_COMPLIANT') AS non_compliant,
    count(*) FILTER (WHERE compliance_type = 'NOT_APPLICABLE') AS not_applicable,
    count(*) FILTER (WHERE compliance_type = 'INSUFFICIENT_DATA') AS insufficient,
    max(recorded_time) AS latest
  FROM compliance_results GROUP BY 1, 2, 3) r
FULL JOIN compliance_counts c USING (account_id, region, rule_name)
WHERE (r.compliant, r.non_compliant, r.not_applicable, r.insufficient, r.latest)
  IS DISTINCT FROM (c.compliant, c.non_compliant, c.not_applicable, c.insufficient, c.latest)`).Scan(&mismatched)
	if err != nil || mismatched != 0 {
		t.Errorf("compliance_counts: %d rows disagree with compliance_results, %v", mismatched, err)
	}
}

// TestComplianceQueryPlans checks that Counts reads compliance_counts and
// never compliance_results, and that a page of List of an aggregator's
// sources, and of a rule across every source, sorts no more than a page.
func TestComplianceQueryPlans(t *testing.T) {
	db := invOpenDB(t, pgtest.DSN(t))
	st := NewInventory(db, InventoryOptions{}).Compliance()
	compliancetest.BenchFill(t, st, 200)
	if _, err := db.Pool().Exec(t.Context(), "ANALYZE compliance_results, compliance_counts"); err != nil {
		t.Fatal(err)
	}
	scope := compliancetest.BenchSourcesScope(200)
	after := compliancetest.BenchResult(1000, 0).ResultKey
	rule := after.RuleName
	for _, tt := range []struct {
		name  string
		scope *inventory.Scope
		f     compliance.Filter
	}{
		{"a set of sources", scope, compliance.Filter{}},
		{"a set of sources and a rule", scope, compliance.Filter{RuleNames: []string{rule}}},
		{"a rule across every source", inventory.AllSources(), compliance.Filter{RuleNames: []string{rule}}},
		{"every source", inventory.AllSources(), compliance.Filter{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, args, ok := complianceListSQL(tt.scope, tt.scope.SortedSources(), &tt.f, &after, 100)
			if !ok {
				t.Fatal("no statement")
			}
			invCheckPlans(t, db, "", q, args)
		})
	}
	t.Run("Counts", func(t *testing.T) {
		var a invArgs
		conds, _ := complianceScopeConds(&a, "c", scope, scope.SortedSources(), &compliance.Filter{})
		plan := invExplain(t, db, "custom", "SELECT c.* FROM compliance_counts c"+invWhere(conds), a)
		t.Logf("plan:\n%s", plan)
		if strings.Contains(plan, "compliance_results") {
			t.Errorf("Counts reads compliance_results:\n%s", plan)
		}
	})
}
