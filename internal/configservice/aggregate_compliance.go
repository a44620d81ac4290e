package configservice

import (
	"context"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
)

// The aggregated compliance view: the results of the rules of the
// aggregator's readable sources (aggregateView, the one place that decides
// them), never of another source. The aggregator's resource-type filter
// applies to configuration items, not to rules: a rule's compliance is
// shown whatever types it evaluates (docs/deviations.md).

// aggregateComplianceKey is the page-token key of a (source, rule): its
// account, region and rule, joined by NUL bytes, which none of them holds.
func aggregateComplianceKey(c *compliance.RuleCounts) string {
	return c.AccountID + "\x00" + c.Region + "\x00" + c.RuleName
}

// parseAggregateComplianceKey returns the (source, rule) of a key of
// aggregateComplianceKey.
func parseAggregateComplianceKey(key string) (*compliance.RuleKey, error) {
	parts := strings.Split(key, "\x00")
	if len(parts) != 3 {
		return nil, invalidNextToken()
	}
	return &compliance.RuleKey{Source: inventory.Source{AccountID: parts[0], Region: parts[1]}, RuleName: parts[2]}, nil
}

// DescribeAggregateComplianceByConfigRules returns the compliance of each
// rule of each readable source that has a result that decides it, in
// (account, region, rule) order: a page of the results store's counts,
// read after the page token's (source, rule) and filtered by compliance
// there, never every rule of the view.
func (s *Service) DescribeAggregateComplianceByConfigRules(ctx context.Context, in *configapi.DescribeAggregateComplianceByConfigRulesRequest) (*configapi.DescribeAggregateComplianceByConfigRulesResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	v, err := s.aggregateView(ctx, t, name)
	if err != nil {
		return nil, err
	}
	var f compliance.Filter
	var want, ruleName string
	if fl := in.Filters; fl != nil {
		if fl.ConfigRuleName != nil {
			ruleName = *fl.ConfigRuleName
			f.RuleNames = []string{ruleName}
		}
		f.AccountID, f.Region, want = deref(fl.AccountId), deref(fl.AwsRegion), deref(fl.ComplianceType)
	}
	if want == compliance.NotApplicable || want == compliance.InsufficientData {
		// "Config supports only the COMPLIANT and NON_COMPLIANT" (AWS
		// Config API Reference, ConfigRuleComplianceFilters).
		return nil, configapi.Validation("Value '" + want + "' at 'filters.complianceType' failed to satisfy constraint: " +
			"Member must satisfy enum value set: [COMPLIANT, NON_COMPLIANT]")
	}
	scope := pagetoken.Scope("DescribeAggregateComplianceByConfigRules", t.Owner, t.Region, name,
		ruleName, f.AccountID, f.Region, want)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, aggregateGroupByLimitMax)
	// The rules a result decides (ruleCompliance), or those of the
	// filter's compliance type; one more than a page, to know whether
	// another follows.
	q := compliance.CountsQuery{Scope: v.scope, Filter: f, Compliance: []string{compliance.Compliant, compliance.NonCompliant}, Limit: limit + 1}
	if want != "" {
		q.Compliance = []string{want}
	}
	if after != "" {
		if q.After, err = parseAggregateComplianceKey(after); err != nil {
			return nil, err
		}
	}
	counts, err := s.results.Counts(ctx, q)
	if err != nil {
		return nil, resultsErr(err)
	}
	out := &configapi.DescribeAggregateComplianceByConfigRulesResponse{AggregateComplianceByConfigRules: make([]configapi.AggregateComplianceByConfigRule, 0, min(len(counts), limit))}
	for i := range counts {
		c := &counts[i]
		if i == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, aggregateComplianceKey(&counts[i-1])))
			break
		}
		out.AggregateComplianceByConfigRules = append(out.AggregateComplianceByConfigRules, configapi.AggregateComplianceByConfigRule{
			ConfigRuleName: ptr(c.RuleName), Compliance: ruleCompliance(*c), AccountId: ptr(c.AccountID), AwsRegion: ptr(c.Region),
		})
	}
	return out, nil
}

// GetAggregateComplianceDetailsByConfigRule returns the results of a rule
// of one readable source, 50 a page unless Limit says otherwise; a source
// the aggregator cannot read has none.
func (s *Service) GetAggregateComplianceDetailsByConfigRule(ctx context.Context, in *configapi.GetAggregateComplianceDetailsByConfigRuleRequest) (*configapi.GetAggregateComplianceDetailsByConfigRuleResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	v, err := s.aggregateView(ctx, t, name)
	if err != nil {
		return nil, err
	}
	want := deref(in.ComplianceType)
	if want == compliance.NotApplicable || want == compliance.InsufficientData {
		// "Config supports only the COMPLIANT and NON_COMPLIANT" (AWS
		// Config API Reference, GetAggregateComplianceDetailsByConfigRule).
		return nil, configapi.Validation("Value '" + want + "' at 'complianceType' failed to satisfy constraint: " +
			"Member must satisfy enum value set: [COMPLIANT, NON_COMPLIANT]")
	}
	src := inventory.Source{AccountID: *in.AccountId, Region: *in.AwsRegion}
	scope := pagetoken.Scope("GetAggregateComplianceDetailsByConfigRule", t.Owner, t.Region, name,
		*in.ConfigRuleName, src.AccountID, src.Region, want)
	out := &configapi.GetAggregateComplianceDetailsByConfigRuleResponse{AggregateEvaluationResults: []configapi.AggregateEvaluationResult{}}
	if _, ok := slices.BinarySearchFunc(v.scope.Sources, src, inventory.CompareSources); !ok {
		// Still check the token: a page token of another read is refused.
		if _, err := s.decodeToken(scope, in.NextToken); err != nil {
			return nil, err
		}
		return out, nil
	}
	f := compliance.Filter{RuleNames: []string{*in.ConfigRuleName}}
	if want != "" {
		f.ComplianceTypes = []string{want}
	}
	page, next, err := s.listResults(ctx, scope, in.NextToken, compliance.ListQuery{
		Scope: inventory.OneSource(src), Filter: f, Limit: pageLimit(in.Limit, aggregateDetailsDefault),
	})
	if err != nil {
		return nil, err
	}
	out.NextToken = next
	for i := range page.Results {
		r := &page.Results[i]
		e := evaluationResult(r)
		out.AggregateEvaluationResults = append(out.AggregateEvaluationResults, configapi.AggregateEvaluationResult{
			EvaluationResultIdentifier: e.EvaluationResultIdentifier, ComplianceType: e.ComplianceType,
			ResultRecordedTime: e.ResultRecordedTime, ConfigRuleInvokedTime: e.ConfigRuleInvokedTime,
			Annotation: e.Annotation, AccountId: ptr(r.AccountID), AwsRegion: ptr(r.Region),
		})
	}
	return out, nil
}

// GetAggregateConfigRuleComplianceSummary returns how many rules of the
// readable sources are compliant and how many noncompliant: per account
// or per region with GroupByKey (in group order), else one count without a
// group name. The results store sums the rules per group (Summaries): a
// page of groups, never a row per rule.
func (s *Service) GetAggregateConfigRuleComplianceSummary(ctx context.Context, in *configapi.GetAggregateConfigRuleComplianceSummaryRequest) (*configapi.GetAggregateConfigRuleComplianceSummaryResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	v, err := s.aggregateView(ctx, t, name)
	if err != nil {
		return nil, err
	}
	q := compliance.SummaryQuery{Scope: v.scope}
	if fl := in.Filters; fl != nil {
		q.AccountID, q.Region = deref(fl.AccountId), deref(fl.AwsRegion)
	}
	key := deref(in.GroupByKey)
	scope := pagetoken.Scope("GetAggregateConfigRuleComplianceSummary", t.Owner, t.Region, name, q.AccountID, q.Region, key)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, aggregateGroupByLimitMax)
	switch key {
	case "":
	case "AWS_REGION":
		q.GroupBy, q.After, q.Limit = compliance.SummaryByRegion, after, limit+1
	default:
		q.GroupBy, q.After, q.Limit = compliance.SummaryByAccount, after, limit+1
	}
	sums, err := s.results.Summaries(ctx, q)
	if err != nil {
		return nil, resultsErr(err)
	}
	now := s.clock.Now()
	out := &configapi.GetAggregateConfigRuleComplianceSummaryResponse{AggregateComplianceCounts: []configapi.AggregateComplianceCount{}}
	if key == "" {
		var sum ruleSummary // zeros when no rule has results
		for _, g := range sums {
			sum = ruleSummary{compliant: g.Compliant, nonCompliant: g.NonCompliant, latest: g.Latest}
		}
		out.AggregateComplianceCounts = append(out.AggregateComplianceCounts, configapi.AggregateComplianceCount{ComplianceSummary: sum.summary(now)})
		return out, nil
	}
	out.GroupByKey = ptr(key)
	for i, g := range sums {
		if i == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, sums[i-1].Group))
			break
		}
		sum := ruleSummary{compliant: g.Compliant, nonCompliant: g.NonCompliant, latest: g.Latest}
		out.AggregateComplianceCounts = append(out.AggregateComplianceCounts, configapi.AggregateComplianceCount{
			GroupName: ptr(g.Group), ComplianceSummary: sum.summary(now),
		})
	}
	return out, nil
}

// Summaries, of a Service built without a results store, sums nothing
// (noResults, items.go).
func (noResults) Summaries(context.Context, compliance.SummaryQuery) ([]compliance.RuleSummary, error) {
	return nil, nil
}
