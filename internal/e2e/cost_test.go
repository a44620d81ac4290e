package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
)

// dataDirBytes returns the bytes of the files in the server's data
// directory: the database and its write-ahead log.
func (s *server) dataDirBytes(t *testing.T) int64 {
	t.Helper()
	entries, err := os.ReadDir(s.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		info, err := os.Stat(filepath.Join(s.dataDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}

// costAccounts and costRegions make n distinct account ids and region codes
// (of regions AWS might open: n is at most 999).
func costAccounts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%012d", 300000000000+i)
	}
	return out
}

func costRegions(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("eu-cost-%d", i+1)
	}
	return out
}

// TestCost_AggregatorStorageGrowsWithAccountsPlusRegions puts an aggregator
// of 2,000 accounts × 300 regions and checks that the database grows with
// accounts + regions, not with their product (600,000 sources).
func TestCost_AggregatorStorageGrowsWithAccountsPlusRegions(t *testing.T) {
	const n, m = 2000, 300
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	// A first aggregator brings the database to its working size.
	_ = must(c.PutConfigurationAggregator(ctx, putAccounts("warm-up", acctB))).get(t)
	before := s.dataDirBytes(t)

	in := putAccounts("big", costAccounts(n)...)
	in.AccountAggregationSources[0].AllAwsRegions = false
	in.AccountAggregationSources[0].AwsRegions = costRegions(m)
	_ = must(c.PutConfigurationAggregator(ctx, in)).get(t)
	grown := s.dataDirBytes(t) - before
	t.Logf("the data directory grew by %d bytes", grown)
	// The request body is 36 KB; each account costs one small index record.
	// A copy of the regions per account would be over 4 MB.
	if limit := int64(2 << 20); grown > limit {
		t.Errorf("the data directory grew by %d bytes for an aggregator of %d accounts × %d regions; want at most %d (O(accounts + regions))", grown, n, m, limit)
	}

	// The aggregator works at that size: one of its sources is pending in
	// one of its regions, and a page of its status is a page.
	src := s.config(costAccounts(n)[n-1], costRegions(m)[m-1])
	if got := pendingOf(t, src); got != acctA+"/us-east-1" {
		t.Errorf("pending in the last source = %q; want %s/us-east-1", got, acctA)
	}
	page := must(c.DescribeConfigurationAggregatorSourcesStatus(ctx, &configservice.DescribeConfigurationAggregatorSourcesStatusInput{
		ConfigurationAggregatorName: aws.String("big"), Limit: 100})).get(t)
	if len(page.AggregatedSourceStatusList) != 100 || page.NextToken == nil {
		t.Errorf("first status page = %d sources, token %v; want 100 and a token", len(page.AggregatedSourceStatusList), page.NextToken)
	}
}

// TestCost_RegionListsAreCanonical checks the region rule through the API:
// duplicates collapse to their first occurrence, so a long list of one
// region is stored and answered once; a region AWS might open later is
// accepted, and a value that is not a region code is refused.
func TestCost_RegionListsAreCanonical(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	in := putAccounts("agg", acctB)
	in.AccountAggregationSources[0].AllAwsRegions = false
	regions := []string{"us-west-2", "eu-west-1"}
	for range 5000 {
		regions = append(regions, "us-west-2", "eu-newplace-1")
	}
	in.AccountAggregationSources[0].AwsRegions = regions
	got := must(c.PutConfigurationAggregator(ctx, in)).get(t).ConfigurationAggregator
	if r := regionList(got.AccountAggregationSources[0].AwsRegions); r != "us-west-2,eu-west-1,eu-newplace-1" {
		t.Errorf("AwsRegions = %s; want us-west-2,eu-west-1,eu-newplace-1", r)
	}
	desc := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
	if r := regionList(desc.ConfigurationAggregators[0].AccountAggregationSources[0].AwsRegions); r != "us-west-2,eu-west-1,eu-newplace-1" {
		t.Errorf("described AwsRegions = %s; want us-west-2,eu-west-1,eu-newplace-1", r)
	}
	if got := statuses(t, c, "agg"); strings.Count(got, "ACCOUNT/") != 3 {
		t.Errorf("status lists %d sources; want one per region, 3", strings.Count(got, "ACCOUNT/"))
	}

	for _, bad := range []string{"made-up-1", "US-EAST-1", "us-east-1a", "us east 1", "", "*", "eu-" + strings.Repeat("a", 70) + "-1"} {
		in.AccountAggregationSources[0].AwsRegions = []string{"us-east-1", bad}
		_, err := c.PutConfigurationAggregator(ctx, in)
		quoted := bad
		if len(quoted) > 64 {
			quoted = quoted[:64] + "..."
		}
		wantError(t, err, "InvalidParameterValueException",
			"The region '"+quoted+"' is not a valid AWS Region code. Specify regions by their codes, such as us-east-1, and try again.")
	}
}

// regionList joins a region list for a message, shortening a long one.
func regionList(regions []string) string {
	if len(regions) > 5 {
		return fmt.Sprintf("%s,... (%d regions)", strings.Join(regions[:5], ","), len(regions))
	}
	return strings.Join(regions, ",")
}
