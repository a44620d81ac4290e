package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
)

// The aggregated-inventory workloads read what an aggregator aggregates,
// signed as the aggregator's owner. They create nothing: the data comes
// from `starling generate` (or any other ingest), and the workload is
// taken from it first, through the same API, so that every request asks
// for something that exists.
const (
	// OpAggList is a ListAggregateDiscoveredResources page of one resource
	// type and one account or one region, cycling over K such filters.
	OpAggList = "agg-list"
	// OpAggCounts is GetAggregateDiscoveredResourceCounts grouped by the
	// workload's GroupByKey.
	OpAggCounts = "agg-counts"
	// OpAggBatchGet is BatchGetAggregateResourceConfig of AggBatchSize
	// identifiers of existing resources, cycling over K such batches.
	OpAggBatchGet = "agg-batchget"
)

// AWS Config operation names of the aggregate workloads.
const (
	apiAggList     = "ListAggregateDiscoveredResources"
	apiAggCounts   = "GetAggregateDiscoveredResourceCounts"
	apiAggBatchGet = "BatchGetAggregateResourceConfig"
)

// The GroupByKey values of GetAggregateDiscoveredResourceCounts.
const (
	GroupResourceType = "RESOURCE_TYPE"
	GroupAccountID    = "ACCOUNT_ID"
	GroupRegion       = "AWS_REGION"
)

// Groups lists the GroupByKey values.
var Groups = []string{GroupResourceType, GroupAccountID, GroupRegion}

// Defaults of the aggregate workloads: the aggregator `starling generate`
// creates, in its management account's first region.
const (
	DefaultAggregator = "generated"
	// AggregatorAccount is the account the aggregate workloads sign as
	// unless told otherwise: generate's default management account.
	AggregatorAccount = "000000000000"
)

// AggBatchSize is the number of identifiers of a BatchGetAggregateResourceConfig,
// the most the API takes.
const AggBatchSize = 100

// aggListLimit is the page size of the agg-list workload: the largest
// ListAggregateDiscoveredResources takes, and its default.
const aggListLimit = 100

// aggPoolMax bounds the identifiers sampled for agg-batchget, so that
// preparing K batches stays a few hundred list calls.
const aggPoolMax = 10000

// aggStalePages is how many list pages in a row may add no identifier
// before agg-batchget stops sampling with fewer than it wants.
const aggStalePages = 50

// aggSeed seeds every random choice of the aggregate workloads, so that
// the same data gives the same requests.
const aggSeed = 14

// IsAggregate reports whether op is one of the aggregate workloads.
func IsAggregate(op string) bool {
	return op == OpAggList || op == OpAggCounts || op == OpAggBatchGet || isCompliance(op)
}

// AggregateOptions shape an aggregate workload.
type AggregateOptions struct {
	// Op is OpAggList, OpAggCounts or OpAggBatchGet.
	Op string
	// Aggregator is the configuration aggregator read, the signer's.
	Aggregator string
	// Group is the GroupByKey of OpAggCounts.
	Group string
	// Names is K: the filters agg-list and the batches agg-batchget cycle
	// over.
	Names int
	// Progress receives a line per preparation step; nil discards them.
	Progress io.Writer
}

// aggAccountsSample is the number of accounts, drawn at random, whose
// types agg-list's account filters and agg-batchget's identifiers come
// from: one count each to prepare.
const aggAccountsSample = 250

// typeMix is what one account (or one region) of an aggregator holds: its
// resources grouped by type.
type typeMix struct {
	// Account or Region, exactly one, is where.
	Account, Region string
	Types           []group
	// Total is the sum of the groups' counts.
	Total int64
}

// aggFilter is the filter of one ListAggregateDiscoveredResources page:
// a type and exactly one of an account and a region.
type aggFilter struct {
	Type, Account, Region string
}

// aggID is an AggregateResourceIdentifier, as requests and answers spell it.
type aggID struct {
	SourceAccountId string
	SourceRegion    string
	ResourceId      string
	ResourceType    string
}

// group is one GroupedResourceCount.
type group struct {
	GroupName     string
	ResourceCount int64
}

// PrepareAggregate learns from the aggregator behind c what the workload
// o.Op asks for, and returns its plan. agg-counts checks that the
// aggregator answers. agg-list and agg-batchget learn the types held by
// each region and by aggAccountsSample accounts drawn at random: a filter
// of agg-list is one of those accounts, or one of the regions, and a type
// drawn in proportion to its resources there (as if a resource were drawn
// and its type asked for); agg-batchget samples identifiers from such
// pages of those accounts.
func PrepareAggregate(ctx context.Context, c *Client, o AggregateOptions) (*Plan, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	if o.Names < 1 {
		return nil, fmt.Errorf("names = %d; want at least 1", o.Names)
	}
	if o.Aggregator == "" {
		return nil, errors.New("no aggregator")
	}
	switch o.Op {
	case OpAggCounts:
		if !slices.Contains(Groups, o.Group) {
			return nil, fmt.Errorf("group %q: want one of %s", o.Group, strings.Join(Groups, ", "))
		}
		groups, total, err := aggGroups(ctx, c, o.Aggregator, o.Group, aggFilter{})
		if err != nil {
			return nil, err
		}
		body := countsBody(o.Aggregator, o.Group, aggFilter{}, "")
		return &Plan{
			Op:       o.Op,
			Workload: fmt.Sprintf("%s of aggregator %s grouped by %s: %d groups, %d resources", apiAggCounts, o.Aggregator, o.Group, len(groups), total),
			next:     func(uint64) Request { return Request{Op: apiAggCounts, Body: body} },
		}, nil
	case OpAggList, OpAggBatchGet:
	default:
		if isCompliance(o.Op) {
			return prepareCompliance(ctx, c, o, progress)
		}
		return nil, fmt.Errorf("unknown aggregate operation %q", o.Op)
	}
	r := rand.New(rand.NewPCG(aggSeed, 0))
	accounts, regions, total, err := aggMixes(ctx, c, o.Aggregator, r, progress)
	if err != nil {
		return nil, err
	}
	if o.Op == OpAggList {
		filters := listFilters(accounts, regions, o.Names, r)
		bodies := make([][]byte, len(filters))
		for i, f := range filters {
			bodies[i] = listBody(o.Aggregator, f)
		}
		return &Plan{
			Op: o.Op,
			Workload: fmt.Sprintf("%s of aggregator %s (%d resources): %d filters, a type and one of %d accounts or %d regions",
				apiAggList, o.Aggregator, total, len(filters), len(accounts), len(regions)),
			next: func(i uint64) Request { return Request{Op: apiAggList, Body: bodies[i%uint64(len(bodies))]} },
		}, nil
	}
	// agg-batchget: identifiers from account pages, until the pool holds
	// enough, or aggStalePages pages in a row added none (the sampled
	// accounts hold fewer).
	want := min(o.Names*AggBatchSize, aggPoolMax)
	fmt.Fprintf(progress, "sampling %d identifiers from aggregator %s\n", want, o.Aggregator)
	var pool []aggID
	seen := map[aggID]bool{}
	for stale := 0; len(pool) < want && stale < aggStalePages; {
		ids, err := aggList(ctx, c, o.Aggregator, listFilters(accounts, nil, 1, r)[0])
		if err != nil {
			return nil, err
		}
		stale++
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				pool = append(pool, id)
				stale = 0
			}
		}
	}
	if len(pool) == 0 {
		return nil, fmt.Errorf("aggregator %s: no resource found to sample", o.Aggregator)
	}
	batches := sampleBatches(pool, o.Names, AggBatchSize, r)
	bodies := make([][]byte, len(batches))
	for i, b := range batches {
		bodies[i] = batchGetBody(o.Aggregator, b)
	}
	// Every identifier names an existing resource: check the first batch.
	resp, err := c.CallOK(ctx, apiAggBatchGet, bodies[0])
	if err != nil {
		return nil, err
	}
	var out struct {
		BaseConfigurationItems         []json.RawMessage
		UnprocessedResourceIdentifiers []aggID
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return nil, fmt.Errorf("%s: decode response: %w", apiAggBatchGet, err)
	}
	if len(out.BaseConfigurationItems) != len(batches[0]) || len(out.UnprocessedResourceIdentifiers) != 0 {
		return nil, fmt.Errorf("%s of %d sampled identifiers: %d items, %d unprocessed; want them all", apiAggBatchGet,
			len(batches[0]), len(out.BaseConfigurationItems), len(out.UnprocessedResourceIdentifiers))
	}
	return &Plan{
		Op: o.Op,
		Workload: fmt.Sprintf("%s of aggregator %s (%d resources): %d batches of %d identifiers drawn from %d sampled in %d accounts",
			apiAggBatchGet, o.Aggregator, total, len(batches), len(batches[0]), len(pool), len(accounts)),
		next: func(i uint64) Request { return Request{Op: apiAggBatchGet, Body: bodies[i%uint64(len(bodies))]} },
	}, nil
}

// aggMixes returns the types held by aggAccountsSample of the aggregator's
// accounts, drawn by r, and by each of its regions, and the resources it
// counts. Accounts and regions without resources are left out.
func aggMixes(ctx context.Context, c *Client, aggregator string, r *rand.Rand, progress io.Writer) (accounts, regions []typeMix, total int64, err error) {
	accountGroups, total, err := aggGroups(ctx, c, aggregator, GroupAccountID, aggFilter{})
	if err != nil {
		return nil, nil, 0, err
	}
	if total == 0 {
		return nil, nil, 0, fmt.Errorf("aggregator %s holds no resources: generate some first (starling generate)", aggregator)
	}
	regionGroups, _, err := aggGroups(ctx, c, aggregator, GroupRegion, aggFilter{})
	if err != nil {
		return nil, nil, 0, err
	}
	r.Shuffle(len(accountGroups), func(i, j int) { accountGroups[i], accountGroups[j] = accountGroups[j], accountGroups[i] })
	accountGroups = accountGroups[:min(len(accountGroups), aggAccountsSample)]
	fmt.Fprintf(progress, "aggregator %s: %d resources; reading the types of %d accounts and %d regions\n",
		aggregator, total, len(accountGroups), len(regionGroups))
	unnamed := map[string]bool{} // types the API cannot name, left out
	mix := func(f aggFilter) (typeMix, error) {
		types, _, err := aggGroups(ctx, c, aggregator, GroupResourceType, f)
		m := typeMix{Account: f.Account, Region: f.Region}
		for _, g := range types {
			if !nameable(g.GroupName) {
				unnamed[g.GroupName] = true
				continue
			}
			m.Types = append(m.Types, g)
			m.Total += g.ResourceCount
		}
		return m, err
	}
	for _, g := range accountGroups {
		if m, err := mix(aggFilter{Account: g.GroupName}); err != nil {
			return nil, nil, 0, err
		} else if m.Total > 0 {
			accounts = append(accounts, m)
		}
	}
	for _, g := range regionGroups {
		if m, err := mix(aggFilter{Region: g.GroupName}); err != nil {
			return nil, nil, 0, err
		} else if m.Total > 0 {
			regions = append(regions, m)
		}
	}
	if len(unnamed) > 0 {
		names := slices.Sorted(maps.Keys(unnamed))
		fmt.Fprintf(progress, "left out %d types the API's ResourceType enum lacks, so that no request names them: %s\n", len(names), strings.Join(names, ", "))
	}
	if len(accounts) == 0 {
		return nil, nil, 0, fmt.Errorf("aggregator %s holds no resources of a type the API can name", aggregator)
	}
	return accounts, regions, total, nil
}

// aggGroups returns every group of the aggregator's resources that f
// admits, grouped by key, following NextToken, and their total.
func aggGroups(ctx context.Context, c *Client, aggregator, key string, f aggFilter) ([]group, int64, error) {
	var groups []group
	var total int64
	token := ""
	for {
		resp, err := c.CallOK(ctx, apiAggCounts, countsBody(aggregator, key, f, token))
		if err != nil {
			return nil, 0, err
		}
		var out struct {
			TotalDiscoveredResources int64
			GroupedResourceCounts    []group
			NextToken                string
		}
		if err := json.Unmarshal(resp, &out); err != nil {
			return nil, 0, fmt.Errorf("%s: decode response: %w", apiAggCounts, err)
		}
		groups = append(groups, out.GroupedResourceCounts...)
		total = out.TotalDiscoveredResources
		if token = out.NextToken; token == "" {
			return groups, total, nil
		}
	}
}

// aggList returns the identifiers of the first page of f.
func aggList(ctx context.Context, c *Client, aggregator string, f aggFilter) ([]aggID, error) {
	resp, err := c.CallOK(ctx, apiAggList, listBody(aggregator, f))
	if err != nil {
		return nil, err
	}
	var out struct{ ResourceIdentifiers []aggID }
	if err := json.Unmarshal(resp, &out); err != nil {
		return nil, fmt.Errorf("%s: decode response: %w", apiAggList, err)
	}
	return out.ResourceIdentifiers, nil
}

// listFilters returns k page filters: alternately one of accounts and one
// of regions (only one kind if the other is empty), drawn by r, each with a
// type drawn in proportion to its resources there.
func listFilters(accounts, regions []typeMix, k int, r *rand.Rand) []aggFilter {
	if len(accounts)+len(regions) == 0 {
		return nil
	}
	out := make([]aggFilter, k)
	for i := range out {
		from := accounts
		if len(accounts) == 0 || (i%2 == 1 && len(regions) > 0) {
			from = regions
		}
		m := &from[r.IntN(len(from))]
		out[i] = aggFilter{Type: pickType(m, r), Account: m.Account, Region: m.Region}
	}
	return out
}

// resourceTypes holds the values of AWS Config's ResourceType enum: the
// types a ListAggregateDiscoveredResources or an AggregateResourceIdentifier
// can name.
var resourceTypes = func() map[string]bool {
	m := make(map[string]bool, len(configapi.ResourceTypeValues))
	for _, t := range configapi.ResourceTypeValues {
		m[t] = true
	}
	return m
}()

// nameable reports whether a request can name the resource type t.
func nameable(t string) bool { return resourceTypes[t] }

// pickType draws one of m's types in proportion to its count.
func pickType(m *typeMix, r *rand.Rand) string {
	if m.Total <= 0 {
		return m.Types[r.IntN(len(m.Types))].GroupName
	}
	n := r.Int64N(m.Total)
	for _, g := range m.Types {
		if n < g.ResourceCount {
			return g.GroupName
		}
		n -= g.ResourceCount
	}
	return m.Types[len(m.Types)-1].GroupName
}

// sampleBatches returns k batches of size identifiers of pool (all of it
// if it has fewer), each drawn by r without repeating one.
func sampleBatches(pool []aggID, k, size int, r *rand.Rand) [][]aggID {
	n := min(size, len(pool))
	idx := make([]int, len(pool))
	for i := range idx {
		idx[i] = i
	}
	out := make([][]aggID, k)
	for i := range out {
		b := make([]aggID, n)
		for j := range b { // a partial Fisher-Yates shuffle of idx
			p := j + r.IntN(len(idx)-j)
			idx[j], idx[p] = idx[p], idx[j]
			b[j] = pool[idx[j]]
		}
		out[i] = b
	}
	return out
}

// countsBody is the body of a GetAggregateDiscoveredResourceCounts grouped
// by key (none if ""), of the resources f admits, from token if not "".
func countsBody(aggregator, key string, f aggFilter, token string) []byte {
	type filters struct {
		ResourceType string `json:",omitempty"`
		AccountId    string `json:",omitempty"`
		Region       string `json:",omitempty"`
	}
	in := struct {
		ConfigurationAggregatorName string
		Filters                     *filters `json:",omitempty"`
		GroupByKey                  string   `json:",omitempty"`
		NextToken                   string   `json:",omitempty"`
	}{ConfigurationAggregatorName: aggregator, GroupByKey: key, NextToken: token}
	if f != (aggFilter{}) {
		in.Filters = &filters{f.Type, f.Account, f.Region}
	}
	b, _ := json.Marshal(in)
	return b
}

// resourceFilters are the Filters of a ListAggregateDiscoveredResources.
type resourceFilters struct {
	AccountId string `json:",omitempty"`
	Region    string `json:",omitempty"`
}

// listBody is the body of the first ListAggregateDiscoveredResources page
// of f, of the largest size.
func listBody(aggregator string, f aggFilter) []byte {
	b, _ := json.Marshal(struct {
		ConfigurationAggregatorName string
		ResourceType                string
		Filters                     resourceFilters
		Limit                       int
	}{aggregator, f.Type, resourceFilters{f.Account, f.Region}, aggListLimit})
	return b
}

// batchGetBody is the body of a BatchGetAggregateResourceConfig of ids.
func batchGetBody(aggregator string, ids []aggID) []byte {
	b, _ := json.Marshal(struct {
		ConfigurationAggregatorName string
		ResourceIdentifiers         []aggID
	}{aggregator, ids})
	return b
}
