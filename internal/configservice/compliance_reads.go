package configservice

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// The compliance reads of a source account (DescribeComplianceByConfigRule,
// DescribeComplianceByResource, GetComplianceDetailsByConfigRule,
// GetComplianceDetailsByResource, GetComplianceSummaryByConfigRule,
// GetComplianceSummaryByResourceType) and of an aggregator
// (DescribeAggregateComplianceByConfigRules,
// GetAggregateComplianceDetailsByConfigRule,
// GetAggregateConfigRuleComplianceSummary), over the results store.

// complianceCap is the largest count a ComplianceContributorCount holds:
// "up to a maximum number" of 100, CapExceeded past it (AWS Config API
// Reference, ComplianceContributorCount).
const complianceCap = 100

// Page sizes: the model's limits and the documented defaults.
const (
	detailsByRuleDefault     = 10   // GetComplianceDetailsByConfigRule: "The default is 10"
	detailsByResourcePage    = 100  // GetComplianceDetailsByResource has no page-size member
	complianceByResourceDef  = 10   // DescribeComplianceByResource
	complianceByRulePage     = 25   // DescribeComplianceByConfigRule has no page-size member
	aggregateDetailsDefault  = 50   // GetAggregateComplianceDetailsByConfigRule: "The default is 50"
	aggregateGroupByLimitMax = 1000 // GroupByAPILimit: "The default is maximum"
	resultsReadPage          = 1000 // results read a page at a time to group them
	evaluationModeDetective  = "DETECTIVE"
)

// sourceOf returns the source of a namespace: its account and region.
func sourceOf(t store.Namespace) inventory.Source {
	return inventory.Source{AccountID: t.Owner, Region: t.Region}
}

// capped returns n as a ComplianceContributorCount.
func capped(n int64) *configapi.ComplianceContributorCount {
	return &configapi.ComplianceContributorCount{CappedCount: ptr(int32(min(n, complianceCap))), CapExceeded: ptr(n > complianceCap)}
}

// ruleCompliance is the compliance of a rule from its counts: NON_COMPLIANT
// when a resource is, else COMPLIANT when one is, else "" (no result that
// decides: INSUFFICIENT_DATA where the read shows such rules).
func ruleCompliance(c compliance.RuleCounts) *configapi.Compliance {
	switch {
	case c.NonCompliant > 0:
		return &configapi.Compliance{ComplianceType: ptr(compliance.NonCompliant), ComplianceContributorCount: capped(c.NonCompliant)}
	case c.Compliant > 0:
		return &configapi.Compliance{ComplianceType: ptr(compliance.Compliant)}
	}
	return nil
}

// checkComplianceFilter refuses INSUFFICIENT_DATA as a filter: "cannot be
// used as a ComplianceType for filtering results" (AWS Config API
// Reference, GetComplianceDetailsByConfigRule).
func checkComplianceFilter(types []string) error {
	if slices.Contains(types, compliance.InsufficientData) {
		// ours
		return configapi.InvalidParameterValue("INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results.")
	}
	return nil
}

// evaluationResult returns a stored result in the API's shape.
func evaluationResult(r *compliance.Result) configapi.EvaluationResult {
	return configapi.EvaluationResult{
		EvaluationResultIdentifier: &configapi.EvaluationResultIdentifier{
			EvaluationResultQualifier: &configapi.EvaluationResultQualifier{
				ConfigRuleName: ptr(r.RuleName), ResourceType: ptr(r.ResourceType), ResourceId: ptr(r.ResourceID),
				EvaluationMode: ptr(evaluationModeDetective),
			},
			OrderingTimestamp: shape.NewTimestamp(r.OrderingTime),
		},
		ComplianceType:        ptr(r.ComplianceType),
		ResultRecordedTime:    shape.NewTimestamp(r.RecordedTime),
		ConfigRuleInvokedTime: shape.NewTimestamp(r.InvokedTime),
		Annotation:            nonEmpty(r.Annotation),
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ruleCountsOf returns the counts of the rules of src, by rule name.
func (s *Service) ruleCountsOf(ctx context.Context, src inventory.Source, rules []string) (map[string]compliance.RuleCounts, error) {
	counts, err := s.results.Counts(ctx, compliance.CountsQuery{Scope: inventory.OneSource(src), Filter: compliance.Filter{RuleNames: rules}})
	if err != nil {
		return nil, resultsErr(err)
	}
	out := make(map[string]compliance.RuleCounts, len(counts))
	for _, c := range counts {
		out[c.RuleName] = c
	}
	return out, nil
}

// DescribeComplianceByConfigRule returns the compliance of the caller's
// rules (of names, or all), by name, 25 a page: NON_COMPLIANT with the
// number of noncompliant resources, COMPLIANT, or INSUFFICIENT_DATA for a
// rule without a result that decides.
func (s *Service) DescribeComplianceByConfigRule(ctx context.Context, in *configapi.DescribeComplianceByConfigRuleRequest) (*configapi.DescribeComplianceByConfigRuleResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("DescribeComplianceByConfigRule", t.Owner, t.Region,
		strings.Join(in.ConfigRuleNames, "\x00"), strings.Join(in.ComplianceTypes, "\x00"))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	var names []string
	err = s.store.View(ctx, func(tx store.Tx) error {
		recs, err := rulesNamed(tx, t, in.ConfigRuleNames)
		for _, rec := range recs {
			names = append(names, *rec.Rule.ConfigRuleName)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	counts, err := s.ruleCountsOf(ctx, sourceOf(t), nil)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeComplianceByConfigRuleResponse{ComplianceByConfigRules: []configapi.ComplianceByConfigRule{}}
	for _, name := range names {
		if after != "" && name <= after {
			continue
		}
		c := ruleCompliance(counts[name])
		if c == nil {
			c = &configapi.Compliance{ComplianceType: ptr(compliance.InsufficientData)}
		}
		if len(in.ComplianceTypes) > 0 && !slices.Contains(in.ComplianceTypes, *c.ComplianceType) {
			continue
		}
		if len(out.ComplianceByConfigRules) == complianceByRulePage {
			out.NextToken = ptr(s.tokens.Encode(scope, *out.ComplianceByConfigRules[complianceByRulePage-1].ConfigRuleName))
			break
		}
		out.ComplianceByConfigRules = append(out.ComplianceByConfigRules, configapi.ComplianceByConfigRule{ConfigRuleName: ptr(name), Compliance: c})
	}
	return out, nil
}

// resourceCompliance is one resource's compliance over every rule.
type resourceCompliance struct {
	typ, id      string
	nonCompliant int64 // rules that say NON_COMPLIANT
	compliant    int64 // rules that say COMPLIANT
}

// DescribeComplianceByResource returns the compliance of the caller's
// resources (of a type, or one resource) over every rule that evaluated
// them, in (type, id) order: NON_COMPLIANT with the number of rules they
// break, or COMPLIANT. Resources that only NOT_APPLICABLE results name are
// left out.
func (s *Service) DescribeComplianceByResource(ctx context.Context, in *configapi.DescribeComplianceByResourceRequest) (*configapi.DescribeComplianceByResourceResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if in.ResourceId != nil && in.ResourceType == nil {
		// ours
		return nil, configapi.InvalidParameterValue("A ResourceId requires a ResourceType.")
	}
	if err := checkComplianceFilter(in.ComplianceTypes); err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("DescribeComplianceByResource", t.Owner, t.Region, deref(in.ResourceType), deref(in.ResourceId),
		strings.Join(in.ComplianceTypes, "\x00"))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, complianceByResourceDef)
	byResource := map[[2]string]*resourceCompliance{}
	q := compliance.ListQuery{Scope: inventory.OneSource(sourceOf(t)), Limit: resultsReadPage,
		Filter: compliance.Filter{ResourceType: deref(in.ResourceType), ResourceID: deref(in.ResourceId)}}
	for {
		page, err := s.results.List(ctx, q)
		if err != nil {
			return nil, resultsErr(err)
		}
		for i := range page.Results {
			r := &page.Results[i]
			k := [2]string{r.ResourceType, r.ResourceID}
			rc := byResource[k]
			if rc == nil {
				rc = &resourceCompliance{typ: r.ResourceType, id: r.ResourceID}
				byResource[k] = rc
			}
			switch r.ComplianceType {
			case compliance.NonCompliant:
				rc.nonCompliant++
			case compliance.Compliant:
				rc.compliant++
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	resources := make([]*resourceCompliance, 0, len(byResource))
	for _, rc := range byResource {
		resources = append(resources, rc)
	}
	slices.SortFunc(resources, func(a, b *resourceCompliance) int {
		return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.id, b.id))
	})
	out := &configapi.DescribeComplianceByResourceResponse{ComplianceByResources: []configapi.ComplianceByResource{}}
	for _, rc := range resources {
		key := rc.typ + "\x00" + rc.id
		if after != "" && key <= after {
			continue
		}
		var c *configapi.Compliance
		switch {
		case rc.nonCompliant > 0:
			c = &configapi.Compliance{ComplianceType: ptr(compliance.NonCompliant), ComplianceContributorCount: capped(rc.nonCompliant)}
		case rc.compliant > 0:
			c = &configapi.Compliance{ComplianceType: ptr(compliance.Compliant)}
		default:
			continue
		}
		if len(in.ComplianceTypes) > 0 && !slices.Contains(in.ComplianceTypes, *c.ComplianceType) {
			continue
		}
		if len(out.ComplianceByResources) == limit {
			last := out.ComplianceByResources[limit-1]
			out.NextToken = ptr(s.tokens.Encode(scope, *last.ResourceType+"\x00"+*last.ResourceId))
			break
		}
		out.ComplianceByResources = append(out.ComplianceByResources, configapi.ComplianceByResource{
			ResourceType: ptr(rc.typ), ResourceId: ptr(rc.id), Compliance: c,
		})
	}
	return out, nil
}

// listResults returns a page of results for a read whose page token scope
// is scope, with the store's cursor in the token.
func (s *Service) listResults(ctx context.Context, scope string, token *string, q compliance.ListQuery) (compliance.ListPage, *string, error) {
	after, err := s.decodeToken(scope, token)
	if err != nil {
		return compliance.ListPage{}, nil, err
	}
	q.Cursor = compliance.Cursor(after)
	page, err := s.results.List(ctx, q)
	if err != nil {
		return compliance.ListPage{}, nil, resultsErr(err)
	}
	var next *string
	if page.Next != "" {
		next = ptr(s.tokens.Encode(scope, string(page.Next)))
	}
	return page, next, nil
}

// GetComplianceDetailsByConfigRule returns the results of one of the
// caller's rules, 10 a page unless Limit says otherwise.
func (s *Service) GetComplianceDetailsByConfigRule(ctx context.Context, in *configapi.GetComplianceDetailsByConfigRuleRequest) (*configapi.GetComplianceDetailsByConfigRuleResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkComplianceFilter(in.ComplianceTypes); err != nil {
		return nil, err
	}
	name := *in.ConfigRuleName
	if err := s.store.View(ctx, func(tx store.Tx) error {
		_, err := rulesNamed(tx, t, []string{name})
		return err
	}); err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("GetComplianceDetailsByConfigRule", t.Owner, t.Region, name, strings.Join(in.ComplianceTypes, "\x00"))
	page, next, err := s.listResults(ctx, scope, in.NextToken, compliance.ListQuery{
		Scope: inventory.OneSource(sourceOf(t)), Limit: pageLimit(in.Limit, detailsByRuleDefault),
		Filter: compliance.Filter{RuleNames: []string{name}, ComplianceTypes: in.ComplianceTypes},
	})
	if err != nil {
		return nil, err
	}
	out := &configapi.GetComplianceDetailsByConfigRuleResponse{EvaluationResults: []configapi.EvaluationResult{}, NextToken: next}
	for i := range page.Results {
		out.EvaluationResults = append(out.EvaluationResults, evaluationResult(&page.Results[i]))
	}
	return out, nil
}

// GetComplianceDetailsByResource returns the results of one of the
// caller's resources, by every rule that evaluated it, 100 a page.
func (s *Service) GetComplianceDetailsByResource(ctx context.Context, in *configapi.GetComplianceDetailsByResourceRequest) (*configapi.GetComplianceDetailsByResourceResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if in.ResourceEvaluationId != nil {
		// Proactive evaluations (StartResourceEvaluation) are not
		// served: no evaluation of that id exists.
		return nil, configapi.ResourceNotFound("The resource evaluation '" + *in.ResourceEvaluationId + "' does not exist.")
	}
	if in.ResourceType == nil || in.ResourceId == nil {
		// ours
		return nil, configapi.InvalidParameterValue("Specify both ResourceType and ResourceId, or a ResourceEvaluationId.")
	}
	if err := checkComplianceFilter(in.ComplianceTypes); err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("GetComplianceDetailsByResource", t.Owner, t.Region, *in.ResourceType, *in.ResourceId,
		strings.Join(in.ComplianceTypes, "\x00"))
	page, next, err := s.listResults(ctx, scope, in.NextToken, compliance.ListQuery{
		Scope: inventory.OneSource(sourceOf(t)), Limit: detailsByResourcePage,
		Filter: compliance.Filter{ResourceType: *in.ResourceType, ResourceID: *in.ResourceId, ComplianceTypes: in.ComplianceTypes},
	})
	if err != nil {
		return nil, err
	}
	out := &configapi.GetComplianceDetailsByResourceResponse{EvaluationResults: []configapi.EvaluationResult{}, NextToken: next}
	for i := range page.Results {
		out.EvaluationResults = append(out.EvaluationResults, evaluationResult(&page.Results[i]))
	}
	return out, nil
}

// GetComplianceSummaryByConfigRule returns how many of the caller's rules
// are compliant and how many noncompliant.
func (s *Service) GetComplianceSummaryByConfigRule(ctx context.Context, _ *shape.Empty) (*configapi.GetComplianceSummaryByConfigRuleResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.results.Counts(ctx, compliance.CountsQuery{Scope: inventory.OneSource(sourceOf(t))})
	if err != nil {
		return nil, resultsErr(err)
	}
	var sum ruleSummary
	for _, c := range counts {
		sum.add(c)
	}
	return &configapi.GetComplianceSummaryByConfigRuleResponse{ComplianceSummary: sum.summary(s.clock.Now())}, nil
}

// ruleSummary counts rules by compliance.
type ruleSummary struct {
	compliant, nonCompliant int64
	latest                  time.Time
}

func (r *ruleSummary) add(c compliance.RuleCounts) {
	switch {
	case c.NonCompliant > 0:
		r.nonCompliant++
	case c.Compliant > 0:
		r.compliant++
	default:
		return
	}
	if c.Latest.After(r.latest) {
		r.latest = c.Latest
	}
}

func (r *ruleSummary) summary(now time.Time) *configapi.ComplianceSummary {
	ts := r.latest
	if ts.IsZero() {
		ts = now
	}
	return &configapi.ComplianceSummary{
		CompliantResourceCount: capped(r.compliant), NonCompliantResourceCount: capped(r.nonCompliant),
		ComplianceSummaryTimestamp: shape.NewTimestamp(ts),
	}
}

// GetComplianceSummaryByResourceType returns how many of the caller's
// resources are compliant and how many noncompliant: per type for the
// types named, or over every type (one summary without a type).
func (s *Service) GetComplianceSummaryByResourceType(ctx context.Context, in *configapi.GetComplianceSummaryByResourceTypeRequest) (*configapi.GetComplianceSummaryByResourceTypeResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.results.ResourceCounts(ctx, inventory.OneSource(sourceOf(t)), compliance.Filter{})
	if err != nil {
		return nil, resultsErr(err)
	}
	now := s.clock.Now()
	summary := func(c compliance.ResourceCounts) *configapi.ComplianceSummary {
		ts := c.Latest
		if ts.IsZero() {
			ts = now
		}
		return &configapi.ComplianceSummary{
			CompliantResourceCount: capped(c.Compliant), NonCompliantResourceCount: capped(c.NonCompliant),
			ComplianceSummaryTimestamp: shape.NewTimestamp(ts),
		}
	}
	out := &configapi.GetComplianceSummaryByResourceTypeResponse{ComplianceSummariesByResourceType: []configapi.ComplianceSummaryByResourceType{}}
	if len(in.ResourceTypes) == 0 {
		var all compliance.ResourceCounts
		for _, c := range counts {
			all.Compliant += c.Compliant
			all.NonCompliant += c.NonCompliant
			if c.Latest.After(all.Latest) {
				all.Latest = c.Latest
			}
		}
		out.ComplianceSummariesByResourceType = append(out.ComplianceSummariesByResourceType,
			configapi.ComplianceSummaryByResourceType{ComplianceSummary: summary(all)})
		return out, nil
	}
	byType := map[string]compliance.ResourceCounts{}
	for _, c := range counts {
		byType[c.ResourceType] = c
	}
	for _, typ := range in.ResourceTypes {
		c := byType[typ]
		out.ComplianceSummariesByResourceType = append(out.ComplianceSummariesByResourceType,
			configapi.ComplianceSummaryByResourceType{ResourceType: ptr(typ), ComplianceSummary: summary(c)})
	}
	return out, nil
}
