package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// selectInstance is an EC2 instance CI of the account and region with an
// instance type and an image.
func selectInstance(account, region, id, instanceType, image string, at time.Time) fileCI {
	return fileItem(account, region, "AWS::EC2::Instance", id, at.UnixMilli(), at).
		with("configuration", map[string]any{"instanceId": id, "instanceType": instanceType, "imageId": image,
			"placement": map[string]any{"tenancy": "default"}}).
		with("availabilityZone", region+"a").
		with("tags", map[string]any{"Name": id})
}

// selectFields returns the names of QueryInfo.SelectFields.
func selectFields(info *types.QueryInfo) []string {
	var out []string
	if info != nil {
		for _, f := range info.SelectFields {
			out = append(out, aws.ToString(f.Name))
		}
	}
	return out
}

// TestSelect_ResourceConfig runs advanced queries over an account's own
// resources: results in AWS's shape, QueryInfo, paging, and the errors.
func TestSelect_ResourceConfig(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	at := testEpoch.Add(-time.Hour)
	s.mustIngest(t, acctA, "us-east-1",
		selectInstance(acctA, "us-east-1", "i-1", "t2.micro", "ami-12345", at),
		selectInstance(acctA, "us-east-1", "i-2", "t3.large", "ami-12345", at),
		selectInstance(acctA, "us-east-1", "i-3", "t2.micro", "ami-99999", at),
		fileItem(acctA, "us-east-1", "AWS::EC2::Volume", "vol-1", at.UnixMilli(), at).
			with("configuration", map[string]any{"volumeId": "vol-1", "size": 100, "state": "available", "encrypted": false}),
	)
	// Another account's instance in the same region stays out.
	startRecording(t, s.config(acctB, "us-east-1"), nil)
	s.mustIngest(t, acctB, "us-east-1", selectInstance(acctB, "us-east-1", "i-b", "t2.micro", "ami-12345", at))

	for _, tc := range []struct {
		expr   string
		want   []string
		fields []string
	}{
		{"SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'",
			[]string{`{"resourceId":"i-1"}`, `{"resourceId":"i-2"}`, `{"resourceId":"i-3"}`}, []string{"resourceId"}},
		// The developer guide's first example, on this data.
		{"SELECT resourceId, resourceType, configuration.instanceType, configuration.placement.tenancy, configuration.imageId, availabilityZone " +
			"WHERE resourceType = 'AWS::EC2::Instance' AND configuration.imageId = 'ami-12345'",
			[]string{
				`{"availabilityZone":"us-east-1a","configuration":{"imageId":"ami-12345","instanceType":"t2.micro","placement":{"tenancy":"default"}},"resourceId":"i-1","resourceType":"AWS::EC2::Instance"}`,
				`{"availabilityZone":"us-east-1a","configuration":{"imageId":"ami-12345","instanceType":"t3.large","placement":{"tenancy":"default"}},"resourceId":"i-2","resourceType":"AWS::EC2::Instance"}`,
			},
			[]string{"resourceId", "resourceType", "configuration.instanceType", "configuration.placement.tenancy", "configuration.imageId", "availabilityZone"}},
		{"select configuration.instanceType, count(*) where resourceType = 'AWS::EC2::Instance' group by configuration.instanceType",
			[]string{`{"COUNT(*)":2,"configuration":{"instanceType":"t2.micro"}}`, `{"COUNT(*)":1,"configuration":{"instanceType":"t3.large"}}`},
			[]string{"configuration.instanceType", "COUNT(*)"}},
		// Numbers come back as Java doubles, and the volume's state is
		// wrapped in {"value": …} as the schema addresses it.
		{"SELECT configuration.size, configuration.state.value WHERE resourceType = 'AWS::EC2::Volume' AND configuration.encrypted = false",
			[]string{`{"configuration":{"size":100.0,"state":{"value":"available"}}}`}, []string{"configuration.size", "configuration.state.value"}},
		{"SELECT COUNT(*) WHERE resourceType = 'AWS::S3::Bucket'", []string{`{"COUNT(*)":0}`}, []string{"COUNT(*)"}},
		{"SELECT resourceId WHERE tags.key = 'Name' AND tags.value LIKE 'i-1%'", []string{`{"resourceId":"i-1"}`}, []string{"resourceId"}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			out := must(c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{Expression: aws.String(tc.expr)})).get(t)
			if fmt.Sprint(out.Results) != fmt.Sprint(tc.want) || out.NextToken != nil {
				t.Errorf("Results =\n%s\nwant\n%s", out.Results, tc.want)
			}
			if got := selectFields(out.QueryInfo); fmt.Sprint(got) != fmt.Sprint(tc.fields) {
				t.Errorf("SelectFields = %v; want %v", got, tc.fields)
			}
		})
	}

	// Paging, one result a page; the token is bound to the query.
	expr := "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'"
	var got []string
	var token *string
	for {
		out := must(c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{Expression: aws.String(expr), Limit: 1, NextToken: token})).get(t)
		got = append(got, out.Results...)
		if token = out.NextToken; token == nil {
			break
		}
		_, err := c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{Expression: aws.String(expr + " AND resourceId = 'i-1'"), NextToken: token})
		wantError(t, err, "InvalidNextTokenException", "The nextToken provided is invalid")
		_, err = s.config(acctB, "us-east-1").SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{Expression: aws.String(expr), NextToken: token})
		wantError(t, err, "InvalidNextTokenException", "The nextToken provided is invalid")
	}
	if fmt.Sprint(got) != `[{"resourceId":"i-1"} {"resourceId":"i-2"} {"resourceId":"i-3"}]` {
		t.Errorf("paged = %v", got)
	}

	for _, tc := range []struct {
		expr, code, msg string
	}{
		{"SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance' configuration.imageId = 'ami-12345'", "InvalidExpressionException", "syntax error at line 1, column 61"},
		{"SELECT resourceId FROM resources", "InvalidExpressionException", "FROM is not supported (line 1, column 19)"},
		{"SELECT resourceId WHERE resourceName LIKE 'ab%'", "InvalidExpressionException", ""},
		{"SELECT resourceId\n;", "InvalidExpressionException", "syntax error at line 2, column 1"},
	} {
		_, err := c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{Expression: aws.String(tc.expr)})
		wantError(t, err, tc.code, tc.msg)
	}
	_, err := c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{Expression: aws.String(expr), Limit: 101})
	wantError(t, err, "InvalidLimitException", "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
	_, err = c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{Expression: aws.String("")})
	wantErrorPrefix(t, err, "ValidationException", "1 validation error detected: Value '' at 'expression' failed to satisfy constraint: Member must have length greater than or equal to 1")
}

// TestSelect_DefaultPageSizes checks the page sizes without Limit: 25 for
// plain queries, 500 (at most) for aggregation queries.
func TestSelect_DefaultPageSizes(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	at := testEpoch.Add(-time.Hour)
	var items []fileCI
	for i := range 30 {
		items = append(items, selectInstance(acctA, "us-east-1", fmt.Sprintf("i-%02d", i), fmt.Sprintf("t%d.micro", i), "ami-1", at))
	}
	s.mustIngest(t, acctA, "us-east-1", items...)
	out := must(c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{Expression: aws.String("SELECT resourceId")})).get(t)
	if len(out.Results) != 25 || out.NextToken == nil {
		t.Errorf("plain query: %d results, NextToken %v; want 25 and a token", len(out.Results), out.NextToken)
	}
	out = must(c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{
		Expression: aws.String("SELECT configuration.instanceType, COUNT(*) GROUP BY configuration.instanceType")})).get(t)
	if len(out.Results) != 30 || out.NextToken != nil {
		t.Errorf("aggregation query: %d results, NextToken %v; want 30 and none", len(out.Results), out.NextToken)
	}
}

// TestSelect_Aggregate runs advanced queries through an aggregator: its
// readable sources only, MaxResults as Limit, and its errors.
func TestSelect_Aggregate(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	agg := s.config(acctA, "us-east-1")
	at := testEpoch.Add(-time.Hour)
	for _, src := range []struct{ account, region string }{{acctB, "us-east-1"}, {acctB, "eu-west-1"}, {"333333333333", "us-east-1"}} {
		startRecording(t, s.config(src.account, src.region), nil)
		s.mustIngest(t, src.account, src.region, selectInstance(src.account, src.region, "i-"+src.account[:3]+"-"+src.region, "t2.micro", "ami-1", at))
	}
	_ = must(agg.PutConfigurationAggregator(ctx, &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String("agg"),
		AccountAggregationSources:   []types.AccountAggregationSource{{AccountIds: []string{acctB, "333333333333"}, AwsRegions: []string{"us-east-1", "eu-west-1"}}},
	})).get(t)
	// B authorizes in us-east-1 only; 333333333333 not at all.
	_ = must(s.config(acctB, "us-east-1").PutAggregationAuthorization(ctx, &configservice.PutAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)

	run := func(expr string, limit int32) *configservice.SelectAggregateResourceConfigOutput {
		t.Helper()
		return must(agg.SelectAggregateResourceConfig(ctx, &configservice.SelectAggregateResourceConfigInput{
			ConfigurationAggregatorName: aws.String("agg"), Expression: aws.String(expr), MaxResults: limit})).get(t)
	}
	out := run("SELECT resourceId, accountId, awsRegion WHERE resourceType = 'AWS::EC2::Instance'", 0)
	if want := `[{"accountId":"222222222222","awsRegion":"us-east-1","resourceId":"i-222-us-east-1"}]`; fmt.Sprint(out.Results) != want {
		t.Errorf("Results = %v; want %s", out.Results, want)
	}
	out = run("SELECT COUNT(*), accountId GROUP BY accountId", 0)
	if want := `[{"COUNT(*)":1,"accountId":"222222222222"}]`; fmt.Sprint(out.Results) != want {
		t.Errorf("per account = %v; want %s", out.Results, want)
	}
	// Authorizing eu-west-1 too brings its instance in at once.
	_ = must(s.config(acctB, "eu-west-1").PutAggregationAuthorization(ctx, &configservice.PutAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)
	out = run("SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'", 1)
	if len(out.Results) != 1 || out.NextToken == nil {
		t.Fatalf("MaxResults 1: %v, NextToken %v", out.Results, out.NextToken)
	}
	next := func(token *string) *configservice.SelectAggregateResourceConfigOutput {
		t.Helper()
		return must(agg.SelectAggregateResourceConfig(ctx, &configservice.SelectAggregateResourceConfigInput{
			ConfigurationAggregatorName: aws.String("agg"), Expression: aws.String("SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'"),
			MaxResults: 1, NextToken: token})).get(t)
	}
	page2 := next(out.NextToken)
	if got := fmt.Sprint(out.Results, page2.Results, page2.NextToken); got != `[{"resourceId":"i-222-eu-west-1"}] [{"resourceId":"i-222-us-east-1"}] <nil>` {
		t.Errorf("pages: %s", got)
	}
	// A source lost between two pages is not in the second: the results
	// kept from the first page are of a control plane that has changed.
	out = run("SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'", 1)
	_ = must(s.config(acctB, "us-east-1").DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
		AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")})).get(t)
	if page2 = next(out.NextToken); len(page2.Results) != 0 || page2.NextToken != nil {
		t.Errorf("after us-east-1 was revoked, the second page: %v, NextToken %v; want nothing", page2.Results, page2.NextToken)
	}

	_, err := agg.SelectAggregateResourceConfig(ctx, &configservice.SelectAggregateResourceConfigInput{
		ConfigurationAggregatorName: aws.String("nope"), Expression: aws.String("SELECT resourceId")})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
	_, err = agg.SelectAggregateResourceConfig(ctx, &configservice.SelectAggregateResourceConfigInput{
		ConfigurationAggregatorName: aws.String("agg"), Expression: aws.String("SELECT")})
	wantError(t, err, "InvalidExpressionException", "syntax error at line 1, column 7")
	_, err = agg.SelectAggregateResourceConfig(ctx, &configservice.SelectAggregateResourceConfigInput{
		ConfigurationAggregatorName: aws.String("agg"), Expression: aws.String("SELECT resourceId"), Limit: 101})
	wantError(t, err, "InvalidLimitException", "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
}

// selectIsoCases are the isolation cases of the advanced queries: no
// caller's query sees A's resources, and A's aggregators are not theirs.
func (e *isoEnv) selectIsoCases() []configCase {
	ctx := context.Background()
	return []configCase{
		{"SelectResourceConfig", "finds none of A's resources", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			out := must(c.SelectResourceConfig(ctx, &configservice.SelectResourceConfigInput{
				Expression: aws.String("SELECT resourceId, accountId WHERE resourceId IN ('i-a1', 'i-a2', 'a-secret')")})).get(t)
			if len(out.Results) != 0 {
				t.Errorf("Results = %v; want none", out.Results)
			}
		}},
		{"SelectAggregateResourceConfig", "through A's aggregators", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, n := range []string{"agg-a1", "org-agg"} {
				_, err := c.SelectAggregateResourceConfig(ctx, &configservice.SelectAggregateResourceConfigInput{
					ConfigurationAggregatorName: aws.String(n), Expression: aws.String("SELECT resourceId")})
				wantError(t, err, "NoSuchConfigurationAggregatorException", isoNoSuchAggregator)
			}
		}},
	}
}
