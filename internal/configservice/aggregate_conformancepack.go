package configservice

import (
	"context"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
)

// The aggregated view of conformance packs
// (DescribeAggregateComplianceByConformancePacks,
// GetAggregateConformancePackComplianceSummary): the packs of the
// aggregator's readable sources (aggregateView, the one place that decides
// them), read from the results store's copy of every source's packs
// (compliance.GroupStore: syncPack, SyncPacks), which pages them with
// their compliance and sums them in one statement each, however many
// sources have packs. AWS also lists packs deleted from a source; Starling
// keeps no record of them.

// aggregatePacksMax is the largest and default page of both reads (the
// model's Limit, 0..100: "The default is maximum").
const aggregatePacksMax = 100

// packPageKey is the page-token key of a pack: (account, region, name).
func packPageKey(k *compliance.GroupKey) string {
	return k.AccountID + "\x00" + k.Region + "\x00" + k.Name
}

// parsePackPageKey reads a packPageKey; ok is false for anything else.
func parsePackPageKey(s string) (k compliance.GroupKey, ok bool) {
	parts := strings.Split(s, "\x00")
	if len(parts) != 3 {
		return k, false
	}
	return compliance.GroupKey{Source: inventory.Source{AccountID: parts[0], Region: parts[1]}, Name: parts[2]}, true
}

// DescribeAggregateComplianceByConformancePacks returns the compliance of
// each pack of each readable source: the number of its rules that are
// compliant, noncompliant and in all, in (account, region, name) order.
func (s *Service) DescribeAggregateComplianceByConformancePacks(ctx context.Context, in *configapi.DescribeAggregateComplianceByConformancePacksRequest) (*configapi.DescribeAggregateComplianceByConformancePacksResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	v, err := s.aggregateView(ctx, t, name)
	if err != nil {
		return nil, err
	}
	q := compliance.GroupCountsQuery{Scope: v.scope}
	if f := in.Filters; f != nil {
		q.AccountID, q.Region, q.Name, q.Compliance = deref(f.AccountId), deref(f.AwsRegion), deref(f.ConformancePackName), deref(f.ComplianceType)
	}
	scope := pagetoken.Scope("DescribeAggregateComplianceByConformancePacks", t.Owner, t.Region, name, q.AccountID, q.Region, q.Name, q.Compliance)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	if after != "" {
		k, ok := parsePackPageKey(after)
		if !ok {
			return nil, invalidNextToken()
		}
		q.After = &k
	}
	limit := pageLimit(in.Limit, aggregatePacksMax)
	q.Limit = limit + 1 // one more tells whether another page follows
	packs, err := s.results.GroupCounts(ctx, q)
	if err != nil {
		return nil, resultsErr(err)
	}
	out := &configapi.DescribeAggregateComplianceByConformancePacksResponse{AggregateComplianceByConformancePacks: []configapi.AggregateComplianceByConformancePack{}}
	for i := range packs {
		p := &packs[i]
		if i == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, packPageKey(&packs[i-1].GroupKey)))
			break
		}
		out.AggregateComplianceByConformancePacks = append(out.AggregateComplianceByConformancePacks, configapi.AggregateComplianceByConformancePack{
			ConformancePackName: ptr(p.Name), AccountId: ptr(p.AccountID), AwsRegion: ptr(p.Region),
			Compliance: &configapi.AggregateConformancePackCompliance{
				ComplianceType: ptr(p.Compliance()), CompliantRuleCount: ptr(int32(p.Compliant)),
				NonCompliantRuleCount: ptr(int32(p.NonCompliant)), TotalRuleCount: ptr(int32(p.Rules)),
			},
		})
	}
	return out, nil
}

// GetAggregateConformancePackComplianceSummary returns how many packs of the
// readable sources are compliant and how many noncompliant: per account or
// per region with GroupByKey (in group order), else one count without a
// group name, as GetAggregateConfigRuleComplianceSummary does. The results
// store sums them in one statement over its copy of the packs
// (compliance.GroupStore: syncPack, SyncPacks), however many sources have
// packs.
func (s *Service) GetAggregateConformancePackComplianceSummary(ctx context.Context, in *configapi.GetAggregateConformancePackComplianceSummaryRequest) (*configapi.GetAggregateConformancePackComplianceSummaryResponse, error) {
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
	if f := in.Filters; f != nil {
		q.AccountID, q.Region = deref(f.AccountId), deref(f.AwsRegion)
	}
	key := deref(in.GroupByKey)
	scope := pagetoken.Scope("GetAggregateConformancePackComplianceSummary", t.Owner, t.Region, name, q.AccountID, q.Region, key)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, aggregatePacksMax)
	switch key {
	case "":
	case configapi.AggregateConformancePackComplianceSummaryGroupKeyAwsRegion:
		q.GroupBy, q.After, q.Limit = compliance.SummaryByRegion, after, limit+1
	default:
		q.GroupBy, q.After, q.Limit = compliance.SummaryByAccount, after, limit+1
	}
	sums, err := s.results.GroupSummaries(ctx, q)
	if err != nil {
		return nil, resultsErr(err)
	}
	count := func(g *compliance.GroupSummary) *configapi.AggregateConformancePackComplianceCount {
		return &configapi.AggregateConformancePackComplianceCount{
			CompliantConformancePackCount: ptr(int32(g.Compliant)), NonCompliantConformancePackCount: ptr(int32(g.NonCompliant)),
		}
	}
	out := &configapi.GetAggregateConformancePackComplianceSummaryResponse{
		AggregateConformancePackComplianceSummaries: []configapi.AggregateConformancePackComplianceSummary{}}
	if key == "" {
		var sum compliance.GroupSummary // zeros when there is no pack
		for i := range sums {
			sum = sums[i]
		}
		out.AggregateConformancePackComplianceSummaries = append(out.AggregateConformancePackComplianceSummaries,
			configapi.AggregateConformancePackComplianceSummary{ComplianceSummary: count(&sum)})
		return out, nil
	}
	out.GroupByKey = ptr(key)
	for i := range sums {
		if i == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, sums[i-1].Group))
			break
		}
		out.AggregateConformancePackComplianceSummaries = append(out.AggregateConformancePackComplianceSummaries,
			configapi.AggregateConformancePackComplianceSummary{GroupName: ptr(sums[i].Group), ComplianceSummary: count(&sums[i])})
	}
	return out, nil
}
