package console

import (
	"net/http"

	"github.com/starlingcfg/starling/internal/api/configapi"
)

// The compliance pages: rules and conformance packs of an aggregator's
// sources, compliant against noncompliant, and a rule's resources.

// complianceFilter is the compliance page's filter, from its query.
type complianceFilter struct {
	Account, Region, Type, Rule string
}

// complianceTypes are the filter's choices (ComplianceType of the rule
// views, which take only these two).
var complianceTypes = []string{"COMPLIANT", "NON_COMPLIANT"}

// compliancePage is the model of the compliance page.
type compliancePage struct {
	Filter         complianceFilter
	Types          []string
	RulesCompliant int32
	RulesNon       int32
	Rules          []configapi.AggregateComplianceByConfigRule
	RulesNext      string
	Packs          []configapi.AggregateComplianceByConformancePack
	PacksNext      string
	PacksCompliant int32
	PacksNon       int32
}

func (c *Console) compliance(w http.ResponseWriter, r *http.Request, s *session) {
	ctx, name := r.Context(), r.PathValue("name")
	f := complianceFilter{Account: r.FormValue("account"), Region: r.FormValue("region"), Type: r.FormValue("type"), Rule: r.FormValue("rule")}
	p := &compliancePage{Filter: f, Types: complianceTypes}

	var sum configapi.GetAggregateConfigRuleComplianceSummaryResponse
	err := c.call(ctx, s, "GetAggregateConfigRuleComplianceSummary", &configapi.GetAggregateConfigRuleComplianceSummaryRequest{
		ConfigurationAggregatorName: &name,
		Filters:                     &configapi.ConfigRuleComplianceSummaryFilters{AccountId: opt(f.Account), AwsRegion: opt(f.Region)},
	}, &sum)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	for _, g := range sum.AggregateComplianceCounts {
		if cs := g.ComplianceSummary; cs != nil {
			p.RulesCompliant += deref(deref(cs.CompliantResourceCount).CappedCount)
			p.RulesNon += deref(deref(cs.NonCompliantResourceCount).CappedCount)
		}
	}

	var rules configapi.DescribeAggregateComplianceByConfigRulesResponse
	err = c.call(ctx, s, "DescribeAggregateComplianceByConfigRules", &configapi.DescribeAggregateComplianceByConfigRulesRequest{
		ConfigurationAggregatorName: &name, Limit: ptr(int32(pageSize)), NextToken: opt(r.FormValue("rulesToken")),
		Filters: &configapi.ConfigRuleComplianceFilters{
			AccountId: opt(f.Account), AwsRegion: opt(f.Region), ComplianceType: opt(f.Type), ConfigRuleName: opt(f.Rule),
		},
	}, &rules)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	p.Rules, p.RulesNext = rules.AggregateComplianceByConfigRules, deref(rules.NextToken)

	var packs configapi.DescribeAggregateComplianceByConformancePacksResponse
	err = c.call(ctx, s, "DescribeAggregateComplianceByConformancePacks", &configapi.DescribeAggregateComplianceByConformancePacksRequest{
		ConfigurationAggregatorName: &name, Limit: ptr(int32(pageSize)), NextToken: opt(r.FormValue("packsToken")),
		Filters: &configapi.AggregateConformancePackComplianceFilters{
			AccountId: opt(f.Account), AwsRegion: opt(f.Region), ComplianceType: opt(f.Type),
		},
	}, &packs)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	p.Packs, p.PacksNext = packs.AggregateComplianceByConformancePacks, deref(packs.NextToken)
	for _, pk := range p.Packs {
		switch deref(deref(pk.Compliance).ComplianceType) {
		case "COMPLIANT":
			p.PacksCompliant++
		case "NON_COMPLIANT":
			p.PacksNon++
		}
	}
	c.render(w, r, s, http.StatusOK, "compliance", p)
}

// rulePage is a rule's resources in one source.
type rulePage struct {
	Rule, Account, Region, Type string
	Types                       []string
	Results                     []configapi.AggregateEvaluationResult
	Next                        string
}

// ruleTypes are the drill-down's filter choices: the ComplianceType values
// GetAggregateComplianceDetailsByConfigRule takes ("Config supports only
// the COMPLIANT and NON_COMPLIANT", AWS Config API Reference); unfiltered,
// it also shows NOT_APPLICABLE results.
var ruleTypes = complianceTypes

func (c *Console) ruleDetails(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	p := &rulePage{Rule: r.FormValue("rule"), Account: r.FormValue("account"), Region: r.FormValue("region"), Type: r.FormValue("type"), Types: ruleTypes}
	var out configapi.GetAggregateComplianceDetailsByConfigRuleResponse
	err := c.call(r.Context(), s, "GetAggregateComplianceDetailsByConfigRule", &configapi.GetAggregateComplianceDetailsByConfigRuleRequest{
		ConfigurationAggregatorName: &name, ConfigRuleName: &p.Rule, AccountId: &p.Account, AwsRegion: &p.Region,
		ComplianceType: opt(p.Type), Limit: ptr(int32(pageSize)), NextToken: opt(r.FormValue("token")),
	}, &out)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	p.Results, p.Next = out.AggregateEvaluationResults, deref(out.NextToken)
	c.render(w, r, s, http.StatusOK, "rule", p)
}
