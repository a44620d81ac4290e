package configservice

import (
	"context"
	"fmt"
	"slices"

	json "github.com/segmentio/encoding/json"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// The aggregated view of conformance packs
// (DescribeAggregateComplianceByConformancePacks,
// GetAggregateConformancePackComplianceSummary): the packs of the
// aggregator's readable sources (aggregateView, the one place that decides
// them), read from the control plane in one read (ListAcross: a List per
// source would be 4,000 round trips for 4,000 sources on PostgreSQL), and
// the counts of their rules' results in one read of the results store over
// the sources that have packs, narrowed to the packs' rules. AWS also lists
// packs deleted from a source; Starling keeps no record of them.

// aggregatePacksMax is the largest and default page of both reads (the
// model's Limit, 0..100: "The default is maximum").
const aggregatePacksMax = 100

// sourcePack is a pack of a source, with its compliance.
type sourcePack struct {
	inventory.Source
	pack packRecord
	packCompliance
}

// key is the page-token key of the pack: (account, region, name).
func (sp *sourcePack) key() string {
	return sp.AccountID + "\x00" + sp.Region + "\x00" + sp.pack.name()
}

// viewPackList returns the packs of the view's sources (of account and
// region when not ""), in (account, region, name) order, without their
// compliance (packsCompliance).
func (s *Service) viewPackList(ctx context.Context, v *aggregateView, account, region string) ([]sourcePack, error) {
	var ts []store.Namespace
	for _, src := range v.scope.Sources {
		if (account != "" && src.AccountID != account) || (region != "" && src.Region != region) {
			continue
		}
		ts = append(ts, store.Regional(src.AccountID, src.Region))
	}
	if len(ts) == 0 {
		return nil, nil
	}
	// One read of every source's packs, however many sources: in (account,
	// region, name) order, since a source is a regional namespace and a
	// pack's id is its name.
	var items []store.NamespacedItem
	err := s.store.View(ctx, func(tx store.Tx) (err error) {
		items, err = tx.ListAcross(ts, kindConformancePack)
		return err
	})
	if err != nil || len(items) == 0 {
		return nil, err
	}
	packs := make([]sourcePack, len(items))
	for i := range items {
		it := &items[i]
		if err := json.Unmarshal(it.Doc, &packs[i].pack); err != nil {
			return nil, fmt.Errorf("decode %s %q of %s/%s: %w", kindConformancePack, it.ID, it.Namespace.Owner, it.Namespace.Region, err)
		}
		packs[i].Source = inventory.Source{AccountID: it.Namespace.Owner, Region: it.Namespace.Region}
	}
	return packs, nil
}

// packsCompliance sets the compliance of packs, in (account, region, name)
// order, from one read of the counts of their rules, in their sources only:
// not every rule of the view.
func (s *Service) packsCompliance(ctx context.Context, packs []sourcePack) error {
	if len(packs) == 0 {
		return nil
	}
	var srcs []inventory.Source
	var rules []string
	for i := range packs {
		if n := len(srcs); n == 0 || srcs[n-1] != packs[i].Source {
			srcs = append(srcs, packs[i].Source)
		}
		rules = append(rules, packs[i].pack.ruleNames()...)
	}
	slices.Sort(rules)
	rules = slices.Compact(rules)
	counts, err := s.results.Counts(ctx, compliance.CountsQuery{Scope: inventory.NewScope(srcs), Filter: compliance.Filter{RuleNames: rules}})
	if err != nil {
		return resultsErr(err)
	}
	type ruleKey struct {
		inventory.Source
		rule string
	}
	byRule := make(map[ruleKey]compliance.RuleCounts, len(counts))
	for _, c := range counts {
		byRule[ruleKey{c.Source, c.RuleName}] = c
	}
	for i := range packs {
		sp := &packs[i]
		sp.packCompliance = packComplianceOf(sp.pack.ruleNames(), func(r string) compliance.RuleCounts {
			return byRule[ruleKey{sp.Source, r}]
		})
	}
	return nil
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
	var account, region, packName, want string
	if f := in.Filters; f != nil {
		account, region, packName, want = deref(f.AccountId), deref(f.AwsRegion), deref(f.ConformancePackName), deref(f.ComplianceType)
	}
	scope := pagetoken.Scope("DescribeAggregateComplianceByConformancePacks", t.Owner, t.Region, name, account, region, packName, want)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	packs, err := s.viewPackList(ctx, v, account, region)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, aggregatePacksMax)
	// The packs the page may show: those after the token, of the name.
	// Without a compliance filter the page is their first limit (and one
	// more tells whether another page follows), and only its packs'
	// compliance is read; with one, every candidate's.
	candidates := packs[:0]
	for i := range packs {
		sp := &packs[i]
		if (after != "" && sp.key() <= after) || (packName != "" && sp.pack.name() != packName) {
			continue
		}
		candidates = append(candidates, *sp)
		if want == "" && len(candidates) == limit+1 {
			break
		}
	}
	if err := s.packsCompliance(ctx, candidates); err != nil {
		return nil, err
	}
	out := &configapi.DescribeAggregateComplianceByConformancePacksResponse{AggregateComplianceByConformancePacks: []configapi.AggregateComplianceByConformancePack{}}
	last := ""
	for i := range candidates {
		sp := &candidates[i]
		ct := sp.complianceType()
		if want != "" && ct != want {
			continue
		}
		if len(out.AggregateComplianceByConformancePacks) == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, last))
			break
		}
		out.AggregateComplianceByConformancePacks = append(out.AggregateComplianceByConformancePacks, configapi.AggregateComplianceByConformancePack{
			ConformancePackName: sp.pack.Detail.ConformancePackName, AccountId: ptr(sp.AccountID), AwsRegion: ptr(sp.Region),
			Compliance: &configapi.AggregateConformancePackCompliance{
				ComplianceType: ptr(ct), CompliantRuleCount: ptr(int32(sp.compliant)),
				NonCompliantRuleCount: ptr(int32(sp.nonCompliant)), TotalRuleCount: ptr(int32(sp.total)),
			},
		})
		last = sp.key()
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
