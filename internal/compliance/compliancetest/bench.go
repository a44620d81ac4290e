package compliancetest

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// The backends' benchmarks (BenchmarkComplianceCounts,
// BenchmarkCompliancePut, BenchmarkComplianceReplace,
// BenchmarkComplianceSummaries) store the results of BenchResult: an
// aggregator's sources, each with BenchRules rules of BenchPerRule results
// each, so that the figures of the backends compare.
const (
	BenchRules   = 10 // rules per source
	BenchPerRule = 3  // results per rule
	BenchBatch   = 1000
	// BenchSources is the number of sources of BenchmarkComplianceCounts:
	// an aggregator's.
	BenchSources = 4000
)

// BenchSource returns the s-th source: two regions per account.
func BenchSource(s int) inventory.Source {
	return inventory.Source{AccountID: fmt.Sprintf("%012d", 100000000000+s/2), Region: []string{"us-east-1", "eu-west-1"}[s%2]}
}

// BenchSourcesScope returns the scope of the first n sources.
func BenchSourcesScope(n int) *inventory.Scope {
	srcs := make([]inventory.Source, n)
	for i := range srcs {
		srcs[i] = BenchSource(i)
	}
	return inventory.NewScope(srcs)
}

var benchTypes = []string{"AWS::EC2::Instance", "AWS::S3::Bucket", "AWS::EC2::SecurityGroup", "AWS::IAM::Role"}

// BenchResult returns the i-th result, of evaluation round round (0, 1,
// …; a later round has a later ordering time and flips some verdicts):
// results [s*BenchRules*BenchPerRule, (s+1)*BenchRules*BenchPerRule) are
// the source s's, so that consecutive results share a source and a rule.
func BenchResult(i, round int) compliance.Result {
	s := i / (BenchRules * BenchPerRule)
	rule := (i / BenchPerRule) % BenchRules
	j := i % BenchPerRule
	typ := benchTypes[(rule+j)%len(benchTypes)]
	at := benchT0.Add(time.Duration(round)*time.Hour + time.Duration(i)*time.Millisecond)
	ct := []string{compliance.Compliant, compliance.NonCompliant, compliance.Compliant, compliance.NotApplicable}[(i+round)%4]
	return compliance.Result{
		ResultKey: compliance.ResultKey{
			Source:       BenchSource(s),
			RuleName:     fmt.Sprintf("rule-%02d-%s", rule, []string{"required-tags", "encrypted-volumes", "restricted-ssh"}[rule%3]),
			ResourceType: typ,
			ResourceID:   fmt.Sprintf("res-%08x-%d", s*7919+rule, j),
		},
		ComplianceType: ct,
		Annotation:     []string{"", "The resource has no Owner tag."}[i%2],
		OrderingTime:   at,
		RecordedTime:   at.Add(2 * time.Second),
		InvokedTime:    at.Add(time.Second),
	}
}

var benchT0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// BenchResults returns results [start, end) of round, in dst's memory.
func BenchResults(start, end, round int, dst []compliance.Result) []compliance.Result {
	dst = dst[:0]
	for i := start; i < end; i++ {
		dst = append(dst, BenchResult(i, round))
	}
	return dst
}

// BenchFill stores round 0 of the results of the first sources sources,
// in batches of BenchBatch.
func BenchFill(b testing.TB, st compliance.Store, sources int) {
	var batch []compliance.Result
	n := sources * BenchRules * BenchPerRule
	for start := 0; start < n; start += BenchBatch {
		batch = BenchResults(start, min(start+BenchBatch, n), 0, batch)
		if err := st.PutResults(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchCounts measures Counts on st, which BenchFill filled with
// BenchSources sources: over a scope of all of them (an aggregator's), over
// every source, and over one source.
func BenchCounts(b *testing.B, st compliance.Store) {
	for _, bc := range []struct {
		name  string
		scope *inventory.Scope
		rows  int
	}{
		{fmt.Sprintf("scope of %d sources", BenchSources), BenchSourcesScope(BenchSources), BenchSources * BenchRules},
		{"every source", inventory.AllSources(), BenchSources * BenchRules},
		{"one source", inventory.OneSource(BenchSource(BenchSources / 2)), BenchRules},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				cs, err := st.Counts(b.Context(), compliance.CountsQuery{Scope: bc.scope})
				if err != nil {
					b.Fatal(err)
				}
				if len(cs) != bc.rows {
					b.Fatalf("Counts: %d rows, want %d", len(cs), bc.rows)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchPut measures PutResults of batches of BenchBatch results on the
// stores open makes: new results (each batch of another source's), and
// results that replace stored ones (later rounds of the same keys). It
// reports results/s.
func BenchPut(b *testing.B, open func(b *testing.B) compliance.Store) {
	const sources = 400 // 12,000 results, 12 batches of each round
	n := sources * BenchRules * BenchPerRule
	b.Run("new", func(b *testing.B) {
		st := open(b)
		var batch []compliance.Result
		next, round := 0, 0
		var spent time.Duration
		for b.Loop() {
			b.StopTimer()
			if next >= n {
				next, round = 0, round+1
				if err := st.Reset(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
			batch = BenchResults(next, next+BenchBatch, round, batch)
			next += BenchBatch
			b.StartTimer()
			start := time.Now()
			if err := st.PutResults(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(start)
		}
		b.ReportMetric(float64(b.N*BenchBatch)/spent.Seconds(), "results/s")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("replace", func(b *testing.B) {
		st := open(b)
		BenchFill(b, st, sources)
		var batch []compliance.Result
		next, round := 0, 1
		var spent time.Duration
		for b.Loop() {
			b.StopTimer()
			if next >= n {
				next, round = 0, round+1
			}
			batch = BenchResults(next, next+BenchBatch, round, batch)
			next += BenchBatch
			b.StartTimer()
			start := time.Now()
			if err := st.PutResults(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(start)
		}
		b.ReportMetric(float64(b.N*BenchBatch)/spent.Seconds(), "results/s")
		b.ReportMetric(0, "ns/op")
	})
}

// BenchReplaceRules and BenchReplacePerRule shape the sources of
// BenchReplace as `starling generate --managed-rules` shapes its own: nine
// rules of about a dozen results each, about a hundred results a source.
const (
	BenchReplaceRules   = 9
	BenchReplacePerRule = 12
)

// benchReplaceBatch returns the results of source s of round round for
// BenchReplace: a later round flips some verdicts and, each third, leaves
// a resource out and adds another.
func benchReplaceBatch(s, round int, dst []compliance.Result) ([]compliance.Result, []string) {
	dst = dst[:0]
	src := BenchSource(s)
	rules := make([]string, BenchReplaceRules)
	at := benchT0.Add(time.Duration(round) * time.Hour)
	for r := range rules {
		rules[r] = fmt.Sprintf("rule-%02d-%s", r, []string{"required-tags", "encrypted-volumes", "restricted-ssh"}[r%3])
		for j := range BenchReplacePerRule {
			id := j
			if j == 0 && round%3 == 2 {
				id = BenchReplacePerRule // the resource left, another came
			}
			dst = append(dst, compliance.Result{
				ResultKey: compliance.ResultKey{Source: src, RuleName: rules[r],
					ResourceType: benchTypes[(r+id)%len(benchTypes)], ResourceID: fmt.Sprintf("res-%08x-%d", s*7919+r, id)},
				ComplianceType: []string{compliance.Compliant, compliance.NonCompliant, compliance.Compliant, compliance.NotApplicable}[(s+r+id+round)%4],
				Annotation:     []string{"", "The resource has no Owner tag."}[(r+id)%2],
				OrderingTime:   at, RecordedTime: at.Add(2 * time.Second), InvokedTime: at.Add(time.Second),
			})
		}
	}
	return dst, rules
}

// BenchReplace measures ReplaceResults of every rule of a source, as a
// StartConfigRulesEvaluation of the source makes it (with the rules'
// evaluation time), over sources that
// BenchReplace filled first (round 0), parallel at once (the evaluation
// runs 4 sources at a time). It reports sources/s and results/s.
func BenchReplace(b *testing.B, st compliance.Store, parallel int) {
	const sources = 400
	var batch []compliance.Result
	for s := range sources {
		var rules []string
		batch, rules = benchReplaceBatch(s, 0, batch)
		if err := st.ReplaceResults(b.Context(), BenchSource(s), rules, batch, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	start := time.Now()
	b.SetParallelism(max(1, parallel/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		var batch []compliance.Result
		for pb.Next() {
			n := int(next.Add(1))
			s, round := n%sources, 1+n/sources
			var rules []string
			batch, rules = benchReplaceBatch(s, round, batch)
			if err := st.ReplaceResults(b.Context(), BenchSource(s), rules, batch, time.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	took := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/took, "sources/s")
	b.ReportMetric(float64(b.N*BenchReplaceRules*BenchReplacePerRule)/took, "results/s")
	b.ReportMetric(0, "ns/op")
}

// BenchSummaries measures Summaries of st, which BenchFill filled with
// BenchSources sources, over a scope of all of them (an aggregator's) by
// each grouping.
func BenchSummaries(b *testing.B, st compliance.Store) {
	scope := BenchSourcesScope(BenchSources)
	for _, bc := range []struct {
		name string
		by   compliance.SummaryGroupBy
		rows int
	}{
		{"by account", compliance.SummaryByAccount, BenchSources / 2},
		{"by region", compliance.SummaryByRegion, 2},
		{"total", compliance.SummaryTotal, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				sums, err := st.Summaries(b.Context(), compliance.SummaryQuery{Scope: scope, GroupBy: bc.by, Limit: 1001})
				if err != nil {
					b.Fatal(err)
				}
				if len(sums) != min(bc.rows, 1001) {
					b.Fatalf("Summaries: %d groups, want %d", len(sums), min(bc.rows, 1001))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(0, "ns/op")
		})
	}
}
