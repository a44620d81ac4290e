package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
)

// The aggregated conformance pack workloads read the compliance of the
// conformance packs of an aggregator's sources, as its owner, over every
// source of the aggregator (of the filter's, if any), whether or not they
// have packs.
const (
	// OpAggPackCompliance is a DescribeAggregateComplianceByConformancePacks
	// page (100, the default) of the aggregator, filtered by one of K
	// accounts with packs, and (one call in K+1) the unfiltered first page.
	OpAggPackCompliance = "agg-pack-compliance"
	// OpAggPackSummary is GetAggregateConformancePackComplianceSummary
	// grouped by the workload's GroupByKey (ACCOUNT_ID or AWS_REGION);
	// RESOURCE_TYPE, the --group default, which this read has not, means
	// no GroupByKey (as does no group): one count of every pack.
	OpAggPackSummary = "agg-pack-summary"
)

// AWS Config operation names of the conformance pack workloads.
const (
	apiAggPackCompliance = "DescribeAggregateComplianceByConformancePacks"
	apiAggPackSummary    = "GetAggregateConformancePackComplianceSummary"
)

// aggPackPages bounds the pages of packs read to prepare a workload.
const aggPackPages = 10

func isPacks(op string) bool { return op == OpAggPackCompliance || op == OpAggPackSummary }

// packSource is one pack of one source, as
// DescribeAggregateComplianceByConformancePacks answers it.
type packSource struct {
	ConformancePackName string
	AccountId           string
	AwsRegion           string
}

// preparePacks learns the packs of the aggregator from its first pages
// (aggPackPages), and returns the workload's plan. An aggregator without
// packs is a workload still: each call reads every source's packs and
// finds none, which the workload line says.
func preparePacks(ctx context.Context, c *Client, o AggregateOptions, progress io.Writer) (*Plan, error) {
	group := ""
	// RESOURCE_TYPE (the flag's default) or none: no group.
	if o.Op == OpAggPackSummary && o.Group != GroupResourceType && o.Group != "" {
		if o.Group != GroupAccountID && o.Group != GroupRegion {
			return nil, fmt.Errorf("group %q: want %s, %s or (no group) %s", o.Group, GroupAccountID, GroupRegion, GroupResourceType)
		}
		group = o.Group
	}
	fmt.Fprintf(progress, "reading the conformance packs of aggregator %s\n", o.Aggregator)
	var packs []packSource
	more, err := aggregatorPages(ctx, c, apiAggPackCompliance, o.Aggregator, aggPackPages, func(resp []byte) (string, error) {
		var out struct {
			AggregateComplianceByConformancePacks []packSource
			NextToken                             string
		}
		err := json.Unmarshal(resp, &out)
		packs = append(packs, out.AggregateComplianceByConformancePacks...)
		return out.NextToken, err
	})
	if err != nil {
		return nil, err
	}
	shown := fmt.Sprintf("%d packs", len(packs))
	if more {
		shown = fmt.Sprintf("at least %d packs", len(packs))
	}
	if len(packs) == 0 {
		shown = "no conformance pack: each call finds none"
	}
	var bodies [][]byte
	var api, workload string
	switch o.Op {
	case OpAggPackCompliance:
		var accounts []string
		for _, p := range packs {
			if !slices.Contains(accounts, p.AccountId) {
				accounts = append(accounts, p.AccountId)
			}
		}
		r := rand.New(rand.NewPCG(aggSeed, 2))
		r.Shuffle(len(accounts), func(i, j int) { accounts[i], accounts[j] = accounts[j], accounts[i] })
		accounts = accounts[:min(o.Names, len(accounts))]
		for _, a := range accounts {
			b, _ := json.Marshal(map[string]any{"ConfigurationAggregatorName": o.Aggregator, "Filters": map[string]string{"AccountId": a}})
			bodies = append(bodies, b)
		}
		b, _ := json.Marshal(map[string]any{"ConfigurationAggregatorName": o.Aggregator})
		bodies = append(bodies, b) // and the unfiltered first page
		api, workload = apiAggPackCompliance, fmt.Sprintf("%s of aggregator %s (%s): the first page, and filtered by one of %d accounts with packs",
			apiAggPackCompliance, o.Aggregator, shown, len(accounts))
	case OpAggPackSummary:
		in := map[string]any{"ConfigurationAggregatorName": o.Aggregator}
		by := "without a group"
		if group != "" {
			in["GroupByKey"] = group
			by = "grouped by " + group
		}
		b, _ := json.Marshal(in)
		bodies = append(bodies, b)
		api, workload = apiAggPackSummary, fmt.Sprintf("%s of aggregator %s (%s) %s", apiAggPackSummary, o.Aggregator, shown, by)
	default:
		return nil, fmt.Errorf("unknown conformance pack operation %q", o.Op)
	}
	return &Plan{
		Op: o.Op, Workload: workload,
		next: func(i uint64) Request { return Request{Op: api, Body: bodies[i%uint64(len(bodies))]} },
	}, nil
}
