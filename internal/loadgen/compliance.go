package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
)

// The aggregated compliance workloads read the compliance of the rules of
// an aggregator's sources, as its owner. The rules and their results come
// from `starling generate --managed-rules` (or any other).
const (
	// OpAggComplianceRules is a DescribeAggregateComplianceByConfigRules
	// page (1,000, the default) of the aggregator, filtered by one of K
	// accounts.
	OpAggComplianceRules = "agg-compliance-rules"
	// OpAggComplianceDetails is a GetAggregateComplianceDetailsByConfigRule
	// page (100) of one rule of one source, cycling over K (rule, source).
	OpAggComplianceDetails = "agg-compliance-details"
	// OpAggComplianceSummary is GetAggregateConfigRuleComplianceSummary
	// grouped by the workload's GroupByKey (ACCOUNT_ID or AWS_REGION;
	// RESOURCE_TYPE, the --group default, which this read has not, means
	// ACCOUNT_ID).
	OpAggComplianceSummary = "agg-compliance-summary"
)

// AWS Config operation names of the compliance workloads.
const (
	apiAggComplianceRules   = "DescribeAggregateComplianceByConfigRules"
	apiAggComplianceDetails = "GetAggregateComplianceDetailsByConfigRule"
	apiAggComplianceSummary = "GetAggregateConfigRuleComplianceSummary"
)

// isCompliance reports whether op is one of the compliance workloads, of
// rules or of conformance packs (packs.go).
func isCompliance(op string) bool {
	return op == OpAggComplianceRules || op == OpAggComplianceDetails || op == OpAggComplianceSummary || isPacks(op)
}

// ruleSource is one rule of one source, as DescribeAggregateComplianceByConfigRules
// answers it.
type ruleSource struct {
	ConfigRuleName string
	AccountId      string
	AwsRegion      string
}

// prepareCompliance learns the (rule, source) pairs with results from the
// aggregator's first pages, and returns the workload's plan.
func prepareCompliance(ctx context.Context, c *Client, o AggregateOptions, progress io.Writer) (*Plan, error) {
	if isPacks(o.Op) {
		return preparePacks(ctx, c, o, progress)
	}
	fmt.Fprintf(progress, "reading the rules of aggregator %s\n", o.Aggregator)
	var pairs []ruleSource
	_, err := aggregatorPages(ctx, c, apiAggComplianceRules, o.Aggregator, 10, func(resp []byte) (string, error) {
		var out struct {
			AggregateComplianceByConfigRules []ruleSource
			NextToken                        string
		}
		err := json.Unmarshal(resp, &out)
		pairs = append(pairs, out.AggregateComplianceByConfigRules...)
		return out.NextToken, err
	})
	if err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("aggregator %s shows no rule with results (starling generate --managed-rules puts some)", o.Aggregator)
	}
	r := rand.New(rand.NewPCG(aggSeed, 1))
	r.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	k := min(o.Names, len(pairs))
	var bodies [][]byte
	var api, workload string
	switch o.Op {
	case OpAggComplianceRules:
		var accounts []string
		for _, p := range pairs {
			if !slices.Contains(accounts, p.AccountId) && len(accounts) < k {
				accounts = append(accounts, p.AccountId)
			}
		}
		for _, a := range accounts {
			b, _ := json.Marshal(map[string]any{"ConfigurationAggregatorName": o.Aggregator, "Filters": map[string]string{"AccountId": a}})
			bodies = append(bodies, b)
		}
		b, _ := json.Marshal(map[string]any{"ConfigurationAggregatorName": o.Aggregator})
		bodies = append(bodies, b) // and the unfiltered first page
		api, workload = apiAggComplianceRules, fmt.Sprintf("%s of aggregator %s: the first page, and filtered by one of %d accounts", apiAggComplianceRules, o.Aggregator, len(accounts))
	case OpAggComplianceDetails:
		for _, p := range pairs[:k] {
			b, _ := json.Marshal(map[string]any{"ConfigurationAggregatorName": o.Aggregator, "ConfigRuleName": p.ConfigRuleName,
				"AccountId": p.AccountId, "AwsRegion": p.AwsRegion, "Limit": 100})
			bodies = append(bodies, b)
		}
		api, workload = apiAggComplianceDetails, fmt.Sprintf("%s of aggregator %s: %d (rule, source) pairs, 100 results a page", apiAggComplianceDetails, o.Aggregator, k)
	case OpAggComplianceSummary:
		if o.Group == GroupResourceType {
			o.Group = GroupAccountID // the flag's default, which this read has not
		}
		if o.Group != GroupAccountID && o.Group != GroupRegion {
			return nil, fmt.Errorf("group %q: want %s or %s", o.Group, GroupAccountID, GroupRegion)
		}
		b, _ := json.Marshal(map[string]any{"ConfigurationAggregatorName": o.Aggregator, "GroupByKey": o.Group})
		bodies = append(bodies, b)
		api, workload = apiAggComplianceSummary, fmt.Sprintf("%s of aggregator %s grouped by %s", apiAggComplianceSummary, o.Aggregator, o.Group)
	}
	return &Plan{
		Op: o.Op, Workload: workload,
		next: func(i uint64) Request { return Request{Op: api, Body: bodies[i%uint64(len(bodies))]} },
	}, nil
}

// aggregatorPages reads up to pages pages of the aggregator read api
// (DescribeAggregateComplianceByConfigRules,
// DescribeAggregateComplianceByConformancePacks), from the first, handing
// each response to add, which returns the page's NextToken ("" at the
// last page); more says whether pages were left unread.
func aggregatorPages(ctx context.Context, c *Client, api, aggregator string, pages int, add func(resp []byte) (string, error)) (more bool, err error) {
	token := ""
	for range pages {
		in := map[string]any{"ConfigurationAggregatorName": aggregator}
		if token != "" {
			in["NextToken"] = token
		}
		body, _ := json.Marshal(in)
		resp, err := c.CallOK(ctx, api, body)
		if err != nil {
			return false, err
		}
		if token, err = add(resp); err != nil {
			return false, fmt.Errorf("%s: decode response: %w", api, err)
		}
		if token == "" {
			return false, nil
		}
	}
	return true, nil
}
