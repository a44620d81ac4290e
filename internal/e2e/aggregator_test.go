package e2e

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/starlingcfg/starling/internal/config"
)

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

func accountSource(regions []string, all bool, ids ...string) []types.AccountAggregationSource {
	return []types.AccountAggregationSource{{AccountIds: ids, AwsRegions: regions, AllAwsRegions: all}}
}

func putAccounts(name string, ids ...string) *configservice.PutConfigurationAggregatorInput {
	return &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String(name),
		AccountAggregationSources:   accountSource(nil, true, ids...),
	}
}

var aggregatorARN = regexp.MustCompile(`^arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-[a-z0-9]{8}$`)

func TestPutConfigurationAggregator_CreateAndDescribe(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	in := putAccounts("MyAggregator", acctA, acctB)
	in.Tags = []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}
	out := must(c.PutConfigurationAggregator(ctx, in)).get(t)
	agg := out.ConfigurationAggregator
	if !aggregatorARN.MatchString(aws.ToString(agg.ConfigurationAggregatorArn)) {
		t.Errorf("ARN = %q; want %s", aws.ToString(agg.ConfigurationAggregatorArn), aggregatorARN)
	}
	if got := aws.ToString(agg.ConfigurationAggregatorName); got != "MyAggregator" {
		t.Errorf("name = %q; want MyAggregator", got)
	}
	if !agg.CreationTime.Equal(testEpoch) || !agg.LastUpdatedTime.Equal(testEpoch) {
		t.Errorf("times = %v, %v; want %v", agg.CreationTime, agg.LastUpdatedTime, testEpoch)
	}
	if agg.CreatedBy != nil {
		t.Errorf("CreatedBy = %q; want absent for customer aggregators", *agg.CreatedBy)
	}
	src := agg.AccountAggregationSources
	if len(src) != 1 || strings.Join(src[0].AccountIds, ",") != acctA+","+acctB || !src[0].AllAwsRegions {
		t.Errorf("sources = %+v; want the ones sent", src)
	}

	desc := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
	if len(desc.ConfigurationAggregators) != 1 || desc.NextToken != nil {
		t.Fatalf("Describe = %d aggregators, token %v; want 1, none", len(desc.ConfigurationAggregators), desc.NextToken)
	}
	if got := aws.ToString(desc.ConfigurationAggregators[0].ConfigurationAggregatorArn); got != aws.ToString(agg.ConfigurationAggregatorArn) {
		t.Errorf("Describe ARN = %q; want %q", got, aws.ToString(agg.ConfigurationAggregatorArn))
	}
	tags := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: agg.ConfigurationAggregatorArn})).get(t)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" || aws.ToString(tags.Tags[0].Value) != "test" {
		t.Errorf("tags = %+v; want env=test", tags.Tags)
	}
}

func TestPutConfigurationAggregator_InvalidSources(t *testing.T) {
	s := startServer(t)
	c := s.config(acctA, "us-east-1")
	org := &types.OrganizationAggregationSource{RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), AllAwsRegions: true}
	tests := []struct {
		name    string
		in      configservice.PutConfigurationAggregatorInput
		code    string
		message string
	}{
		{"both sources", configservice.PutConfigurationAggregatorInput{
			AccountAggregationSources:     accountSource(nil, true, acctA),
			OrganizationAggregationSource: org,
		}, "InvalidParameterValueException", "The configuration aggregator cannot be created because your request contains both the AccountAggregationSource and the OrganizationAggregationSource. Include only one aggregation source and try again."},
		{"no source", configservice.PutConfigurationAggregatorInput{},
			"InvalidParameterValueException", "The configuration aggregator cannot be created because your request is missing either the AccountAggregationSource or the OrganizationAggregationSource. Include the appropriate aggregation source and try again."},
		{"empty account source list is no source", configservice.PutConfigurationAggregatorInput{
			AccountAggregationSources: []types.AccountAggregationSource{},
		}, "InvalidParameterValueException", "The configuration aggregator cannot be created because your request is missing either the AccountAggregationSource or the OrganizationAggregationSource. Include the appropriate aggregation source and try again."},
		{"regions and all regions", configservice.PutConfigurationAggregatorInput{
			AccountAggregationSources: accountSource([]string{"us-east-1"}, true, acctA),
		}, "InvalidParameterValueException", "Your configuration aggregator contains a list of regions and also specifies the use of all regions. You must choose one of these options."},
		{"no regions", configservice.PutConfigurationAggregatorInput{
			AccountAggregationSources: accountSource(nil, false, acctA),
		}, "InvalidParameterValueException", "Your request does not specify any regions. Select AWS Config-supported regions and try again."},
		{"organization without regions", configservice.PutConfigurationAggregatorInput{
			OrganizationAggregationSource: &types.OrganizationAggregationSource{RoleArn: aws.String("arn:aws:iam::111111111111:role/r")},
		}, "InvalidParameterValueException", "Your request does not specify any regions. Select AWS Config-supported regions and try again."},
		{"organization with both region options", configservice.PutConfigurationAggregatorInput{
			OrganizationAggregationSource: &types.OrganizationAggregationSource{RoleArn: aws.String("r"), AwsRegions: []string{"us-east-1"}, AllAwsRegions: true},
		}, "InvalidParameterValueException", "Your configuration aggregator contains a list of regions and also specifies the use of all regions. You must choose one of these options."},
		{"two account sources", configservice.PutConfigurationAggregatorInput{
			AccountAggregationSources: append(accountSource(nil, true, acctA), accountSource(nil, true, acctB)...),
		}, "ValidationException", ""},
		{"no account ids", configservice.PutConfigurationAggregatorInput{
			AccountAggregationSources: accountSource(nil, true, []string{}...),
		}, "ValidationException", "1 validation error detected: Value '[]' at 'accountAggregationSources.1.member.accountIds' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"short account id", configservice.PutConfigurationAggregatorInput{
			AccountAggregationSources: accountSource(nil, true, "12345"),
		}, "ValidationException", `1 validation error detected: Value '12345' at 'accountAggregationSources.1.member.accountIds.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: \d{12}`},
		{"empty role", configservice.PutConfigurationAggregatorInput{
			OrganizationAggregationSource: &types.OrganizationAggregationSource{RoleArn: aws.String(""), AllAwsRegions: true},
		}, "InvalidRoleException", ""},
		{"organization while in no organization", configservice.PutConfigurationAggregatorInput{
			OrganizationAggregationSource: org,
		}, "NoAvailableOrganizationException", "Organization is no longer available."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.ConfigurationAggregatorName = aws.String("agg")
			_, err := c.PutConfigurationAggregator(context.Background(), &in)
			wantError(t, err, tt.code, tt.message)
		})
	}
	desc := must(c.DescribeConfigurationAggregators(context.Background(), &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
	if n := len(desc.ConfigurationAggregators); n != 0 {
		t.Errorf("after only failed Puts, Describe found %d aggregators; want 0", n)
	}
}

func TestPutConfigurationAggregator_TwoAccountSourcesMessage(t *testing.T) {
	s := startServer(t)
	in := putAccounts("agg", acctA)
	in.AccountAggregationSources = append(in.AccountAggregationSources, accountSource(nil, true, acctB)...)
	_, err := s.config(acctA, "us-east-1").PutConfigurationAggregator(context.Background(), in)
	wantErrorPrefix(t, err, "ValidationException", "1 validation error detected: Value '[com.amazonaws.starling.dove.AccountAggregationSource@")
	if !strings.HasSuffix(err.Error(), "at 'accountAggregationSources' failed to satisfy constraint: Member must have length less than or equal to 1") {
		t.Errorf("error = %v; want the accountAggregationSources length constraint", err)
	}
}

func TestPutConfigurationAggregator_Names(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	long := strings.Repeat("a", 257)
	_, err := c.PutConfigurationAggregator(ctx, putAccounts(long, acctA))
	wantError(t, err, "ValidationException", "1 validation error detected: Value '"+long+"' at 'configurationAggregatorName' failed to satisfy constraint: Member must have length less than or equal to 256")
	_, err = c.PutConfigurationAggregator(ctx, putAccounts("bad name", acctA))
	wantError(t, err, "ValidationException", `1 validation error detected: Value 'bad name' at 'configurationAggregatorName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w\-]+`)
	_ = must(c.PutConfigurationAggregator(ctx, putAccounts(strings.Repeat("b", 256), acctA))).get(t)

	// Names are case-sensitive and case-preserving.
	upper := must(c.PutConfigurationAggregator(ctx, putAccounts("Prod-Agg_1", acctA))).get(t)
	lower := must(c.PutConfigurationAggregator(ctx, putAccounts("prod-agg_1", acctA))).get(t)
	if aws.ToString(upper.ConfigurationAggregator.ConfigurationAggregatorArn) == aws.ToString(lower.ConfigurationAggregator.ConfigurationAggregatorArn) {
		t.Errorf("names differing only in case share ARN %s", aws.ToString(upper.ConfigurationAggregator.ConfigurationAggregatorArn))
	}
	desc := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{
		ConfigurationAggregatorNames: []string{"Prod-Agg_1"}})).get(t)
	if got := aws.ToString(desc.ConfigurationAggregators[0].ConfigurationAggregatorName); got != "Prod-Agg_1" {
		t.Errorf("Describe(Prod-Agg_1) name = %q; want the exact case", got)
	}
	_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{
		ConfigurationAggregatorNames: []string{"PROD-AGG_1"}})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
}

func TestPutConfigurationAggregator_Update(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	in := putAccounts("agg", acctA, acctB)
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("red")}}
	first := must(c.PutConfigurationAggregator(ctx, in)).get(t).ConfigurationAggregator

	s.clock.Advance(90 * time.Second)
	update := &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String("agg"),
		AccountAggregationSources:   accountSource([]string{"eu-west-1", "us-west-2"}, false, "333333333333"),
		Tags:                        []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}, {Key: aws.String("new"), Value: aws.String("x")}},
	}
	second := must(c.PutConfigurationAggregator(ctx, update)).get(t).ConfigurationAggregator
	if aws.ToString(second.ConfigurationAggregatorArn) != aws.ToString(first.ConfigurationAggregatorArn) {
		t.Errorf("update changed the ARN from %s to %s", aws.ToString(first.ConfigurationAggregatorArn), aws.ToString(second.ConfigurationAggregatorArn))
	}
	if !second.CreationTime.Equal(testEpoch) {
		t.Errorf("CreationTime after update = %v; want %v", second.CreationTime, testEpoch)
	}
	if want := testEpoch.Add(90 * time.Second); !second.LastUpdatedTime.Equal(want) {
		t.Errorf("LastUpdatedTime after update = %v; want %v", second.LastUpdatedTime, want)
	}
	src := second.AccountAggregationSources[0]
	if strings.Join(src.AccountIds, ",") != "333333333333" || strings.Join(src.AwsRegions, ",") != "eu-west-1,us-west-2" || src.AllAwsRegions {
		t.Errorf("sources after update = %+v; want the replaced accounts and regions", src)
	}
	tags := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: first.ConfigurationAggregatorArn})).get(t)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "red" {
		t.Errorf("tags after update = %+v; want the creation tags (team=red) unchanged", tags.Tags)
	}
	desc := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
	if len(desc.ConfigurationAggregators) != 1 {
		t.Errorf("Describe after update = %d aggregators; want 1", len(desc.ConfigurationAggregators))
	}

	// Switching an account aggregator to an organization source is refused.
	_, err := c.PutConfigurationAggregator(ctx, &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName:   aws.String("agg"),
		OrganizationAggregationSource: &types.OrganizationAggregationSource{RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), AllAwsRegions: true},
	})
	wantError(t, err, "InvalidParameterValueException", "")
}

func TestDeleteConfigurationAggregator(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	in := putAccounts("agg", acctA)
	in.Tags = []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
	first := must(c.PutConfigurationAggregator(ctx, in)).get(t).ConfigurationAggregator
	_ = must(c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("agg")})).get(t)

	_, err := c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("agg")})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
	_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: first.ConfigurationAggregatorArn})
	wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+aws.ToString(first.ConfigurationAggregatorArn)+"' does not exist")

	// Recreating the name gives a new ARN and no old tags.
	second := must(c.PutConfigurationAggregator(ctx, putAccounts("agg", acctA))).get(t).ConfigurationAggregator
	if aws.ToString(second.ConfigurationAggregatorArn) == aws.ToString(first.ConfigurationAggregatorArn) {
		t.Errorf("recreated aggregator reuses ARN %s", aws.ToString(first.ConfigurationAggregatorArn))
	}
	tags := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: second.ConfigurationAggregatorArn})).get(t)
	if len(tags.Tags) != 0 {
		t.Errorf("recreated aggregator has tags %+v; want none", tags.Tags)
	}
}

func TestDescribeConfigurationAggregators_FiltersAndPages(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	for _, n := range []string{"e", "c", "a", "d", "b"} {
		_ = must(c.PutConfigurationAggregator(ctx, putAccounts(n, acctA))).get(t)
	}

	var names []string
	p := configservice.NewDescribeConfigurationAggregatorsPaginator(c, &configservice.DescribeConfigurationAggregatorsInput{Limit: 2})
	pages := 0
	for p.HasMorePages() {
		page := must(p.NextPage(ctx)).get(t)
		pages++
		for _, a := range page.ConfigurationAggregators {
			names = append(names, aws.ToString(a.ConfigurationAggregatorName))
		}
	}
	if got := strings.Join(names, ","); got != "a,b,c,d,e" || pages != 3 {
		t.Errorf("paginated names = %s in %d pages; want a,b,c,d,e in 3", got, pages)
	}

	// A filtered set paginates too.
	page := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{
		ConfigurationAggregatorNames: []string{"d", "b"}, Limit: 1})).get(t)
	if len(page.ConfigurationAggregators) != 1 || aws.ToString(page.ConfigurationAggregators[0].ConfigurationAggregatorName) != "b" || page.NextToken == nil {
		t.Fatalf("filtered page 1 = %+v; want b and a token", page)
	}
	filteredToken := page.NextToken
	page = must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{
		ConfigurationAggregatorNames: []string{"d", "b"}, Limit: 1, NextToken: filteredToken})).get(t)
	if len(page.ConfigurationAggregators) != 1 || aws.ToString(page.ConfigurationAggregators[0].ConfigurationAggregatorName) != "d" || page.NextToken != nil {
		t.Fatalf("filtered page 2 = %+v; want d and no token", page)
	}

	// Tokens are opaque and bound to their scope.
	const msgToken = "The nextToken provided is invalid"
	_, err := c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{NextToken: aws.String("b")})
	wantError(t, err, "InvalidNextTokenException", msgToken)
	forged := strings.Replace(*filteredToken, (*filteredToken)[:1], "Z", 1)
	_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{
		ConfigurationAggregatorNames: []string{"d", "b"}, NextToken: aws.String(forged)})
	wantError(t, err, "InvalidNextTokenException", msgToken)
	_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{NextToken: filteredToken})
	wantError(t, err, "InvalidNextTokenException", msgToken)
	_, err = s.config(acctB, "us-east-1").DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{
		ConfigurationAggregatorNames: []string{"d", "b"}, NextToken: filteredToken})
	wantError(t, err, "InvalidNextTokenException", msgToken)

	// Unknown names, too many names, bad limits.
	_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"a", "zzz"}})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "At least one of the configuration aggregators does not exist. Check the configuration aggregator names and try again.")
	_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"zzz"}})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
	eleven := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}
	_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: eleven})
	wantError(t, err, "ValidationException", "1 validation error detected: Value '[a, b, c, d, e, f, g, h, i, j, k]' at 'configurationAggregatorNames' failed to satisfy constraint: Member must have length less than or equal to 10")
	_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: 101})
	wantError(t, err, "InvalidLimitException", "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
	_, err = c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: -1})
	wantError(t, err, "InvalidLimitException", "Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0")
	all := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: 0})).get(t)
	if len(all.ConfigurationAggregators) != 5 || all.NextToken != nil {
		t.Errorf("Limit 0 = %d aggregators, token %v; want all 5 and no token", len(all.ConfigurationAggregators), all.NextToken)
	}
}

func TestPutConfigurationAggregator_Quotas(t *testing.T) {
	s := startServer(t, func(c *config.Config) {
		c.Quotas.AggregatorsPerRegion = 3
		c.Quotas.AccountsPerAggregator = 4
	})
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	for _, n := range []string{"a", "b", "c"} {
		_ = must(c.PutConfigurationAggregator(ctx, putAccounts(n, acctA))).get(t)
	}
	_, err := c.PutConfigurationAggregator(ctx, putAccounts("d", acctA))
	wantError(t, err, "LimitExceededException", "")
	// Updating an existing aggregator at the quota still works, and other
	// regions and accounts have their own quota.
	_ = must(c.PutConfigurationAggregator(ctx, putAccounts("a", acctB))).get(t)
	_ = must(s.config(acctA, "eu-west-1").PutConfigurationAggregator(ctx, putAccounts("d", acctA))).get(t)
	_ = must(s.config(acctB, "us-east-1").PutConfigurationAggregator(ctx, putAccounts("d", acctA))).get(t)

	_, err = c.PutConfigurationAggregator(ctx, putAccounts("a", "100000000001", "100000000002", "100000000003", "100000000004", "100000000005"))
	wantError(t, err, "LimitExceededException", "")
	_ = must(c.PutConfigurationAggregator(ctx, putAccounts("a", "100000000001", "100000000002", "100000000003", "100000000004"))).get(t)
}

func TestPutConfigurationAggregator_ConcurrentIdenticalPuts(t *testing.T) {
	s := startServer(t)
	c := s.config(acctA, "us-east-1")
	const n = 16
	arns := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.PutConfigurationAggregator(context.Background(), putAccounts("same", acctA))
			errs[i] = err
			if err == nil {
				arns[i] = aws.ToString(out.ConfigurationAggregator.ConfigurationAggregatorArn)
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Put %d: %v", i, errs[i])
		}
		if arns[i] != arns[0] {
			t.Errorf("Put %d returned ARN %s; Put 0 returned %s", i, arns[i], arns[0])
		}
	}
	desc := must(c.DescribeConfigurationAggregators(context.Background(), &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
	if len(desc.ConfigurationAggregators) != 1 {
		t.Errorf("after %d identical Puts Describe found %d aggregators; want 1", n, len(desc.ConfigurationAggregators))
	}
}

func TestAggregators_IsolatedByAccountAndRegion(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	a := s.config(acctA, "us-east-1")
	arn := must(a.PutConfigurationAggregator(ctx, putAccounts("private", acctA))).get(t).ConfigurationAggregator.ConfigurationAggregatorArn
	others := map[string]*configservice.Client{
		"other account":            s.config(acctB, "us-east-1"),
		"other region":             s.config(acctA, "us-west-2"),
		"default account (AKID..)": s.config("AKIDEXAMPLE", "us-east-1"),
	}
	for name, c := range others {
		t.Run(name, func(t *testing.T) {
			desc := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
			if len(desc.ConfigurationAggregators) != 0 {
				t.Errorf("Describe sees %d aggregators; want 0", len(desc.ConfigurationAggregators))
			}
			_, err := c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"private"}})
			wantError(t, err, "NoSuchConfigurationAggregatorException", "")
			_, err = c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("private")})
			wantError(t, err, "NoSuchConfigurationAggregatorException", "")
			_, err = c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
			wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+aws.ToString(arn)+"' does not exist")
			_, err = c.UntagResource(ctx, &configservice.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"x"}})
			wantError(t, err, "ResourceNotFoundException", "")
			_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: arn})
			wantError(t, err, "ResourceNotFoundException", "")
		})
	}
	// The owner still has it, untouched.
	tags := must(a.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: arn})).get(t)
	if len(tags.Tags) != 0 {
		t.Errorf("owner's tags = %+v; want none", tags.Tags)
	}
}
