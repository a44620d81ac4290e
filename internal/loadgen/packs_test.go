package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// putTestPack puts in c's account and region a conformance pack of one
// managed rule, which evaluates the recorded instances.
func putTestPack(t *testing.T, c *Client, name string) {
	t.Helper()
	template := fmt.Sprintf("Resources:\n  NoPublicIp:\n    Type: AWS::Config::ConfigRule\n    Properties:\n"+
		"      ConfigRuleName: %s-no-public-ip\n      Source: {Owner: AWS, SourceIdentifier: EC2_INSTANCE_NO_PUBLIC_IP}\n", name)
	body, _ := json.Marshal(map[string]any{"ConformancePackName": name, "TemplateBody": template})
	if _, err := c.CallOK(context.Background(), "PutConformancePack", body); err != nil {
		t.Fatal(err)
	}
}

// TestPreparePacks prepares the conformance pack workloads against an
// account aggregator of two accounts in two regions with three packs, and
// checks that their requests succeed and ask for what exists: each account
// filter is of an account with packs, and the summaries have the groups
// asked for.
func TestPreparePacks(t *testing.T) {
	c := startAggregate(t, "agg")
	ctx := context.Background()
	hc := NewHTTPClient(1)
	putTestPack(t, NewClient(c.Endpoint(), hc, aggOther, "x", "eu-west-1"), "pack-a")
	putTestPack(t, c, "pack-b")
	putTestPack(t, c, "pack-c")
	wantPacks := map[string]int{aggOwner: 2, aggOther: 1}

	type packsPage struct {
		AggregateComplianceByConformancePacks []packSource
	}
	type summaries struct {
		GroupByKey                                  string
		AggregateConformancePackComplianceSummaries []struct{ GroupName string }
	}
	for _, names := range []int{1, 5} {
		t.Run(fmt.Sprintf("%s, %d names", OpAggPackCompliance, names), func(t *testing.T) {
			plan, err := PrepareAggregate(ctx, c, AggregateOptions{Op: OpAggPackCompliance, Aggregator: "agg", Group: GroupResourceType, Names: names})
			if err != nil {
				t.Fatalf("PrepareAggregate: %v", err)
			}
			if plan.Op != OpAggPackCompliance || !strings.Contains(plan.Workload, "(3 packs)") {
				t.Errorf("plan: op %q, workload %q; want 3 packs", plan.Op, plan.Workload)
			}
			cycle := min(names, len(wantPacks)) + 1 // the accounts, and the unfiltered page
			var filtered []string
			for i := range uint64(2 * cycle) {
				req := plan.Request(i)
				if req.Op != apiAggPackCompliance {
					t.Fatalf("request %d: %s", i, req.Op)
				}
				if i >= uint64(cycle) && string(req.Body) != string(plan.Request(i-uint64(cycle)).Body) {
					t.Errorf("request %d differs from request %d; want a cycle of %d", i, i-uint64(cycle), cycle)
				}
				var in struct {
					ConfigurationAggregatorName string
					Filters                     struct{ AccountId string }
				}
				var out packsPage
				resp, err := c.CallOK(ctx, req.Op, req.Body)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if err := json.Unmarshal(req.Body, &in); err != nil || json.Unmarshal(resp, &out) != nil || in.ConfigurationAggregatorName != "agg" {
					t.Fatalf("request %s, answer %s", req.Body, resp)
				}
				want := wantPacks[in.Filters.AccountId]
				if in.Filters.AccountId == "" {
					want = 3
				} else if i < uint64(cycle) {
					filtered = append(filtered, in.Filters.AccountId)
				}
				if len(out.AggregateComplianceByConformancePacks) != want {
					t.Errorf("request %s: %d packs; want %d", req.Body, len(out.AggregateComplianceByConformancePacks), want)
				}
				for _, p := range out.AggregateComplianceByConformancePacks {
					if in.Filters.AccountId != "" && p.AccountId != in.Filters.AccountId {
						t.Errorf("request %s: a pack of %s", req.Body, p.AccountId)
					}
				}
			}
			slices.Sort(filtered)
			if len(filtered) != cycle-1 || len(slices.Compact(filtered)) != cycle-1 {
				t.Errorf("account filters %v; want %d distinct accounts", filtered, cycle-1)
			}
		})
	}
	for _, tt := range []struct {
		group, wantKey string
		wantGroups     []string
	}{
		{GroupResourceType, "", []string{""}},
		{"", "", []string{""}},
		{GroupAccountID, GroupAccountID, []string{aggOwner, aggOther}},
		{GroupRegion, GroupRegion, []string{"eu-west-1", "us-east-1"}},
	} {
		t.Run(fmt.Sprintf("%s by %q", OpAggPackSummary, tt.group), func(t *testing.T) {
			plan, err := PrepareAggregate(ctx, c, AggregateOptions{Op: OpAggPackSummary, Aggregator: "agg", Group: tt.group, Names: 3})
			if err != nil {
				t.Fatalf("PrepareAggregate: %v", err)
			}
			if plan.Op != OpAggPackSummary || !strings.Contains(plan.Workload, "(3 packs)") {
				t.Errorf("plan: op %q, workload %q; want 3 packs", plan.Op, plan.Workload)
			}
			for i := range uint64(3) {
				req := plan.Request(i)
				if req.Op != apiAggPackSummary || string(req.Body) != string(plan.Request(0).Body) {
					t.Errorf("request %d: %s %s; want the same %s every time", i, req.Op, req.Body, apiAggPackSummary)
				}
				resp, err := c.CallOK(ctx, req.Op, req.Body)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				var out summaries
				if err := json.Unmarshal(resp, &out); err != nil {
					t.Fatal(err)
				}
				var groups []string
				for _, g := range out.AggregateConformancePackComplianceSummaries {
					groups = append(groups, g.GroupName)
				}
				if out.GroupByKey != tt.wantKey || !slices.Equal(groups, tt.wantGroups) {
					t.Errorf("answer %s: key %q, groups %q; want %q, %q", resp, out.GroupByKey, groups, tt.wantKey, tt.wantGroups)
				}
			}
		})
	}
	t.Run("an aggregator without packs", func(t *testing.T) {
		empty, _ := json.Marshal(map[string]any{
			"ConfigurationAggregatorName": "empty",
			"AccountAggregationSources":   []map[string]any{{"AccountIds": []string{"333333333333"}, "AllAwsRegions": true}},
		})
		if _, err := c.CallOK(ctx, apiPut, empty); err != nil {
			t.Fatal(err)
		}
		for _, op := range []string{OpAggPackCompliance, OpAggPackSummary} {
			plan, err := PrepareAggregate(ctx, c, AggregateOptions{Op: op, Aggregator: "empty", Group: GroupAccountID, Names: 3})
			if err != nil {
				t.Fatalf("%s: PrepareAggregate: %v", op, err)
			}
			if !strings.Contains(plan.Workload, "no conformance pack") {
				t.Errorf("%s: workload %q; want it to say there is no pack", op, plan.Workload)
			}
			if req := plan.Request(1); string(req.Body) != string(plan.Request(0).Body) || strings.Contains(string(req.Body), "Filters") {
				t.Errorf("%s: requests %s and %s; want one unfiltered request", op, plan.Request(0).Body, req.Body)
			}
		}
	})
}

// TestPreparePacks_Refusals checks that a conformance pack workload that
// cannot be prepared says why.
func TestPreparePacks_Refusals(t *testing.T) {
	c := startAggregate(t, "agg")
	for _, tt := range []struct {
		name    string
		o       AggregateOptions
		wantErr string
	}{
		{"no such aggregator", AggregateOptions{Op: OpAggPackCompliance, Aggregator: "nope", Names: 1}, "NoSuchConfigurationAggregatorException"},
		{"no such aggregator to summarize", AggregateOptions{Op: OpAggPackSummary, Aggregator: "nope", Group: GroupRegion, Names: 1}, "NoSuchConfigurationAggregatorException"},
		{"bad group", AggregateOptions{Op: OpAggPackSummary, Aggregator: "agg", Group: "TYPE", Names: 1}, `group "TYPE"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PrepareAggregate(context.Background(), c, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("PrepareAggregate: %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
