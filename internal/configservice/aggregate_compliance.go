package configservice

import (
	"context"
	"slices"

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

// aggregateComplianceKey is the page-token key of a (source, rule).
func aggregateComplianceKey(c compliance.RuleCounts) string {
	return c.AccountID + "\x00" + c.Region + "\x00" + c.RuleName
}

// DescribeAggregateComplianceByConfigRules returns the compliance of each
// rule of each readable source that has a result that decides it, in
// (account, region, rule) order.
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
	counts, err := s.results.Counts(ctx, compliance.CountsQuery{Scope: v.scope, Filter: f})
	if err != nil {
		return nil, resultsErr(err)
	}
	limit := pageLimit(in.Limit, aggregateGroupByLimitMax)
	out := &configapi.DescribeAggregateComplianceByConfigRulesResponse{AggregateComplianceByConfigRules: []configapi.AggregateComplianceByConfigRule{}}
	var last string
	for _, c := range counts {
		key := aggregateComplianceKey(c)
		if after != "" && key <= after {
			continue
		}
		comp := ruleCompliance(c)
		if comp == nil || (want != "" && *comp.ComplianceType != want) {
			continue
		}
		if len(out.AggregateComplianceByConfigRules) == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, last))
			break
		}
		out.AggregateComplianceByConfigRules = append(out.AggregateComplianceByConfigRules, configapi.AggregateComplianceByConfigRule{
			ConfigRuleName: ptr(c.RuleName), Compliance: comp, AccountId: ptr(c.AccountID), AwsRegion: ptr(c.Region),
		})
		last = key
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
// group name.
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
	var f compliance.Filter
	if fl := in.Filters; fl != nil {
		f.AccountID, f.Region = deref(fl.AccountId), deref(fl.AwsRegion)
	}
	key := deref(in.GroupByKey)
	scope := pagetoken.Scope("GetAggregateConfigRuleComplianceSummary", t.Owner, t.Region, name, f.AccountID, f.Region, key)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	counts, err := s.results.Counts(ctx, compliance.CountsQuery{Scope: v.scope, Filter: f})
	if err != nil {
		return nil, resultsErr(err)
	}
	now := s.clock.Now()
	out := &configapi.GetAggregateConfigRuleComplianceSummaryResponse{AggregateComplianceCounts: []configapi.AggregateComplianceCount{}}
	if key == "" {
		var sum ruleSummary
		for _, c := range counts {
			sum.add(c)
		}
		out.AggregateComplianceCounts = append(out.AggregateComplianceCounts, configapi.AggregateComplianceCount{ComplianceSummary: sum.summary(now)})
		return out, nil
	}
	out.GroupByKey = ptr(key)
	names, groups := sourceGroups(counts, key,
		func(c *compliance.RuleCounts) inventory.Source { return c.Source },
		func(sum *ruleSummary, c *compliance.RuleCounts) { sum.add(*c) })
	limit := pageLimit(in.Limit, aggregateGroupByLimitMax)
	for _, g := range names {
		if after != "" && g <= after {
			continue
		}
		if len(out.AggregateComplianceCounts) == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, *out.AggregateComplianceCounts[limit-1].GroupName))
			break
		}
		out.AggregateComplianceCounts = append(out.AggregateComplianceCounts, configapi.AggregateComplianceCount{
			GroupName: ptr(g), ComplianceSummary: groups[g].summary(now),
		})
	}
	return out, nil
}

// sourceGroups groups items by the account (key ACCOUNT_ID) or the region
// (AWS_REGION) of their source, adding each to its group's sum: the
// GroupByKey of the aggregate compliance summaries. It returns the group
// names, sorted, and the sums.
func sourceGroups[T, S any](items []T, key string, source func(*T) inventory.Source, add func(*S, *T)) ([]string, map[string]*S) {
	sums := map[string]*S{}
	var names []string
	for i := range items {
		src := source(&items[i])
		g := src.AccountID
		if key == "AWS_REGION" {
			g = src.Region
		}
		sum := sums[g]
		if sum == nil {
			sum = new(S)
			sums[g] = sum
			names = append(names, g)
		}
		add(sum, &items[i])
	}
	slices.Sort(names)
	return names, sums
}
