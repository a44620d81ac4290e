package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// The source-account resource operations in the suites that cover every
// served operation: the empty-collections cases, the long-name table of
// TestHostile_LongNames and the isolation table of TestIsolation.

func init() {
	emptyConfigCases["ListDiscoveredResources"] = emptyCase{body: plain(`{"resourceType":"AWS::EC2::Instance"}`)}
	emptyConfigCases["GetDiscoveredResourceCounts"] = emptyCase{body: plain(`{}`)}
	emptyConfigCases["DescribeRetentionConfigurations"] = emptyCase{body: plain(`{}`)}
	emptyConfigCases["BatchGetResourceConfig"] = emptyCase{body: plain(`{"resourceKeys":[{"resourceType":"AWS::EC2::Instance","resourceId":"i-none"}]}`)}
	// A resource recorded an hour ago, asked for its history of two hours
	// ago: no items, no error.
	emptyConfigCases["GetResourceConfigHistory"] = emptyCase{body: func(t *testing.T, c emptyCaller) string {
		c.call(t, "PutConfigurationRecorder", `{"ConfigurationRecorder":{"name":"default","roleARN":"arn:aws:iam::`+c.account+`:role/config"}}`)
		c.call(t, "PutDeliveryChannel", `{"DeliveryChannel":{"name":"default","s3BucketName":"bucket"}}`)
		c.call(t, "StartConfigurationRecorder", `{"ConfigurationRecorderName":"default"}`)
		c.s.mustIngest(t, c.account, "us-east-1", fileItem(c.account, "us-east-1", string(typeInstance), "i-1", 1, testEpoch.Add(-time.Hour)))
		return fmt.Sprintf(`{"resourceType":"AWS::EC2::Instance","resourceId":"i-1","laterTime":%d}`, testEpoch.Add(-2*time.Hour).Unix())
	}}
}

// hostileInventoryNames are the rows of TestHostile_LongNames for the
// resource operations' names and ids: each a valid request but for the
// member, which gets a 100 KB value.
var hostileInventoryNames = map[string]struct{ base, code, reason string }{
	"DeleteResourceConfig.ResourceId":                             {`{"ResourceType":"MyOrg::Ab::Cd"}`, "ValidationException", ""},
	"DeleteRetentionConfiguration.RetentionConfigurationName":     {`{}`, "ValidationException", ""},
	"DescribeRetentionConfigurations.RetentionConfigurationNames": {`{}`, "ValidationException", ""},
	"GetResourceConfigHistory.resourceId":                         {`{"resourceType":"AWS::EC2::Instance"}`, "ValidationException", ""},
	"ListDiscoveredResources.resourceName":                        {`{"resourceType":"AWS::EC2::Instance"}`, "ValidationException", ""},
	"PutResourceConfig.SchemaVersionId":                           {`{"ResourceType":"MyOrg::Ab::Cd","ResourceId":"r","Configuration":"{}"}`, "ValidationException", ""},
	"PutResourceConfig.ResourceId":                                {`{"ResourceType":"MyOrg::Ab::Cd","SchemaVersionId":"1","Configuration":"{}"}`, "ValidationException", ""},
	"PutResourceConfig.ResourceName":                              {`{"ResourceType":"MyOrg::Ab::Cd","SchemaVersionId":"1","ResourceId":"r","Configuration":"{}"}`, "ValidationException", ""},

	"ListAggregateDiscoveredResources.ConfigurationAggregatorName":     {`{"ResourceType":"AWS::EC2::Instance"}`, "ValidationException", ""},
	"ListAggregateDiscoveredResources.Filters.AccountId":               {`{"ConfigurationAggregatorName":"agg","ResourceType":"AWS::EC2::Instance"}`, "ValidationException", ""},
	"ListAggregateDiscoveredResources.Filters.ResourceId":              {`{"ConfigurationAggregatorName":"agg","ResourceType":"AWS::EC2::Instance"}`, "ValidationException", ""},
	"ListAggregateDiscoveredResources.Filters.ResourceName":            {`{"ConfigurationAggregatorName":"agg","ResourceType":"AWS::EC2::Instance"}`, "ValidationException", ""},
	"GetAggregateDiscoveredResourceCounts.ConfigurationAggregatorName": {`{}`, "ValidationException", ""},
	"GetAggregateDiscoveredResourceCounts.Filters.AccountId":           {`{"ConfigurationAggregatorName":"agg"}`, "ValidationException", ""},
	"GetAggregateResourceConfig.ConfigurationAggregatorName":           {`{"ResourceIdentifier":` + hostileAggID + `}`, "ValidationException", ""},
	"GetAggregateResourceConfig.ResourceIdentifier.SourceAccountId":    {`{"ConfigurationAggregatorName":"agg","ResourceIdentifier":` + hostileAggID + `}`, "ValidationException", ""},
	"GetAggregateResourceConfig.ResourceIdentifier.ResourceId":         {`{"ConfigurationAggregatorName":"agg","ResourceIdentifier":` + hostileAggID + `}`, "ValidationException", ""},
	// The model bounds no ResourceName of an identifier, and the name is
	// not used to find the resource: the request gets as far as the
	// aggregator, which does not exist.
	"GetAggregateResourceConfig.ResourceIdentifier.ResourceName":  {`{"ConfigurationAggregatorName":"agg","ResourceIdentifier":` + hostileAggID + `}`, "NoSuchConfigurationAggregatorException", ""},
	"BatchGetAggregateResourceConfig.ConfigurationAggregatorName": {`{"ResourceIdentifiers":[` + hostileAggID + `]}`, "ValidationException", ""},

	"PutStoredQuery.StoredQuery.QueryName":                      {`{"StoredQuery":{"Expression":"SELECT *"}}`, "ValidationException", ""},
	"PutStoredQuery.StoredQuery.QueryId":                        {`{"StoredQuery":{"QueryName":"q","Expression":"SELECT *"}}`, "ValidationException", ""},
	"PutStoredQuery.StoredQuery.QueryArn":                       {`{"StoredQuery":{"QueryName":"q","Expression":"SELECT *"}}`, "ValidationException", ""},
	"GetStoredQuery.QueryName":                                  {`{}`, "ValidationException", ""},
	"DeleteStoredQuery.QueryName":                               {`{}`, "ValidationException", ""},
	"SelectAggregateResourceConfig.ConfigurationAggregatorName": {`{"Expression":"SELECT resourceId"}`, "ValidationException", ""},
}

// hostileAggID is a valid AggregateResourceIdentifier.
const hostileAggID = `{"SourceAccountId":"111111111111","SourceRegion":"us-east-1","ResourceId":"i-1","ResourceType":"AWS::EC2::Instance"}`

// isoCustomType is the custom type of A's custom resource.
const isoCustomType = "AOrg::Secret::Thing"

// setupInventory records A's resources in isoRegion (A's recorder is
// recording): an instance with two versions, a deleted one, a custom
// resource, and a retention period.
func (e *isoEnv) setupInventory(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	a := e.s.config(isoA, isoRegion)
	at := testEpoch.Add(-time.Hour)
	e.s.mustIngest(t, isoA, isoRegion,
		fileItem(isoA, isoRegion, string(typeInstance), "i-a1", 1, at),
		fileItem(isoA, isoRegion, string(typeInstance), "i-a1", 2, at.Add(time.Minute)),
		fileItem(isoA, isoRegion, string(typeInstance), "i-a2", 1, at).deleted())
	_ = must(a.PutResourceConfig(ctx, &configservice.PutResourceConfigInput{ResourceType: aws.String(isoCustomType), SchemaVersionId: aws.String("1"),
		ResourceId: aws.String("a-secret"), Configuration: aws.String(`{"secret":true}`)})).get(t)
	_ = must(a.PutRetentionConfiguration(ctx, &configservice.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(90)})).get(t)
	e.checkInventory(t)
}

// checkInventory checks that A's resources are as setupInventory made them.
func (e *isoEnv) checkInventory(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	a := e.s.config(isoA, isoRegion)
	if got, want := listIDs(t, a, typeInstance), []string{"i-a1", "i-a2"}; !slices.Equal(got, want) {
		t.Errorf("A's instances = %q; want %q", got, want)
	}
	if got, want := stateIDs(history(t, a, typeInstance, "i-a1", 0)), []string{"2:OK", "1:OK"}; !slices.Equal(got, want) {
		t.Errorf("A's history = %q; want %q", got, want)
	}
	if got := stateIDs(history(t, a, isoCustomType, "a-secret", 0)); len(got) != 1 {
		t.Errorf("A's custom resource history = %q; want one version", got)
	}
	out := must(a.DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{})).get(t)
	if len(out.RetentionConfigurations) != 1 || aws.ToInt32(out.RetentionConfigurations[0].RetentionPeriodInDays) != 90 {
		t.Errorf("A's retention = %+v; want 90 days", out.RetentionConfigurations)
	}
}

// inventoryCases are TestIsolation's cases of the resource operations: a
// caller that is not A in A's region sees none of A's resources and
// changes none of them.
func (e *isoEnv) inventoryCases() []configCase {
	ctx := context.Background()
	keys := []types.ResourceKey{
		{ResourceType: typeInstance, ResourceId: aws.String("i-a1")},
		{ResourceType: isoCustomType, ResourceId: aws.String("a-secret")},
	}
	return []configCase{
		{"ListDiscoveredResources", "lists none of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, typ := range []types.ResourceType{typeInstance, isoCustomType} {
				out := must(c.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: typ, IncludeDeletedResources: true})).get(t)
				if len(out.ResourceIdentifiers) != 0 || out.NextToken != nil {
					t.Errorf("%s = %+v; want none", typ, out.ResourceIdentifiers)
				}
			}
			out := must(c.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, ResourceIds: []string{"i-a1", "i-a2"}})).get(t)
			if len(out.ResourceIdentifiers) != 0 {
				t.Errorf("by A's ids = %+v; want none", out.ResourceIdentifiers)
			}
		}},
		{"GetResourceConfigHistory", "of A's resources", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, k := range keys {
				_, err := c.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: k.ResourceType, ResourceId: k.ResourceId})
				wantError(t, err, "ResourceNotDiscoveredException", msgResourceNotDiscovered)
			}
		}},
		{"BatchGetResourceConfig", "of A's resources", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			out := must(c.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: keys})).get(t)
			if len(out.BaseConfigurationItems) != 0 || len(out.UnprocessedResourceKeys) != 0 {
				t.Errorf("BatchGetResourceConfig = %+v; want nothing", out)
			}
		}},
		{"GetDiscoveredResourceCounts", "counts none of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			out := must(c.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{})).get(t)
			if out.TotalDiscoveredResources != 0 || len(out.ResourceCounts) != 0 {
				t.Errorf("counts = %d %+v; want none", out.TotalDiscoveredResources, out.ResourceCounts)
			}
		}},
		{"PutResourceConfig", "A's custom resource, without a recorder of its own", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.PutResourceConfig(ctx, &configservice.PutResourceConfigInput{ResourceType: aws.String(isoCustomType), SchemaVersionId: aws.String("1"),
				ResourceId: aws.String("a-secret"), Configuration: aws.String(`{"secret":false}`)})
			wantError(t, err, "NoRunningConfigurationRecorderException", msgNoRunningRecorder)
		}},
		{"DeleteResourceConfig", "A's custom resource, without a recorder of its own", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.DeleteResourceConfig(ctx, &configservice.DeleteResourceConfigInput{ResourceType: aws.String(isoCustomType), ResourceId: aws.String("a-secret")})
			wantError(t, err, "NoRunningConfigurationRecorderException", msgNoRunningRecorder)
		}},
		{"DescribeRetentionConfigurations", "shows none of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			out := must(c.DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{})).get(t)
			if len(out.RetentionConfigurations) != 0 {
				t.Errorf("retention = %+v; want none", out.RetentionConfigurations)
			}
			_, err := c.DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{RetentionConfigurationNames: []string{"default"}})
			wantError(t, err, "NoSuchRetentionConfigurationException", "Cannot find retention configuration with the specified name 'default'.")
		}},
		{"DeleteRetentionConfiguration", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_, err := c.DeleteRetentionConfiguration(ctx, &configservice.DeleteRetentionConfigurationInput{RetentionConfigurationName: aws.String("default")})
			wantError(t, err, "NoSuchRetentionConfigurationException", "Cannot find retention configuration with the specified name 'default'.")
		}},
		{"PutRetentionConfiguration", "makes the caller's own", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			_ = must(c.PutRetentionConfiguration(ctx, &configservice.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(30)})).get(t)
			out := must(c.DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{})).get(t)
			if len(out.RetentionConfigurations) != 1 || aws.ToInt32(out.RetentionConfigurations[0].RetentionPeriodInDays) != 30 {
				t.Errorf("own retention = %+v; want 30 days", out.RetentionConfigurations)
			}
			_ = must(c.DeleteRetentionConfiguration(ctx, &configservice.DeleteRetentionConfigurationInput{RetentionConfigurationName: aws.String("default")})).get(t)
		}},
		// The aggregate reads name A's aggregators, which no other caller
		// (nor A in another region) has.
		{"ListAggregateDiscoveredResources", "through A's aggregators", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, n := range []string{"agg-a1", "org-agg"} {
				_, err := c.ListAggregateDiscoveredResources(ctx, &configservice.ListAggregateDiscoveredResourcesInput{
					ConfigurationAggregatorName: aws.String(n), ResourceType: typeInstance})
				wantError(t, err, "NoSuchConfigurationAggregatorException", isoNoSuchAggregator)
			}
		}},
		{"GetAggregateDiscoveredResourceCounts", "through A's aggregators", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, n := range []string{"agg-a1", "org-agg"} {
				_, err := c.GetAggregateDiscoveredResourceCounts(ctx, &configservice.GetAggregateDiscoveredResourceCountsInput{
					ConfigurationAggregatorName: aws.String(n), GroupByKey: types.ResourceCountGroupKeyAccountId})
				wantError(t, err, "NoSuchConfigurationAggregatorException", isoNoSuchAggregator)
			}
		}},
		{"GetAggregateResourceConfig", "A's instance through A's aggregators", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, n := range []string{"agg-a1", "org-agg"} {
				_, err := c.GetAggregateResourceConfig(ctx, &configservice.GetAggregateResourceConfigInput{
					ConfigurationAggregatorName: aws.String(n), ResourceIdentifier: isoAggregateID()})
				wantError(t, err, "NoSuchConfigurationAggregatorException", isoNoSuchAggregator)
			}
		}},
		{"BatchGetAggregateResourceConfig", "A's instance through A's aggregators", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			for _, n := range []string{"agg-a1", "org-agg"} {
				_, err := c.BatchGetAggregateResourceConfig(ctx, &configservice.BatchGetAggregateResourceConfigInput{
					ConfigurationAggregatorName: aws.String(n), ResourceIdentifiers: []types.AggregateResourceIdentifier{*isoAggregateID()}})
				wantError(t, err, "NoSuchConfigurationAggregatorException", isoNoSuchAggregator)
			}
		}},
		{"ListDiscoveredResources", "leaves A's resources as they were", func(t *testing.T, _ *configservice.Client, _ isoCaller) {
			e.checkInventory(t)
		}},
	}
}

// isoAggregateID names A's instance i-a1 as an aggregate read does.
func isoAggregateID() *types.AggregateResourceIdentifier {
	return &types.AggregateResourceIdentifier{SourceAccountId: aws.String(isoA), SourceRegion: aws.String(isoRegion),
		ResourceId: aws.String("i-a1"), ResourceType: typeInstance}
}

// TestInventory_PageTokens checks that the resource reads' tokens are bound
// to the caller, the region and the request.
func TestInventory_PageTokens(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	items := func(account, region string) []fileCI {
		var out []fileCI
		for i := range 3 {
			out = append(out,
				fileItem(account, region, string(typeInstance), fmt.Sprint("i-", i), 1, testEpoch.Add(-time.Hour)),
				fileItem(account, region, string(typeInstance), "i-0", int64(i+2), testEpoch.Add(-time.Hour+time.Duration(i)*time.Minute)),
				fileItem(account, region, string(typeSG), fmt.Sprint("sg-", i), 1, testEpoch.Add(-time.Hour)))
		}
		return out
	}
	for _, x := range []struct{ account, region string }{{acctA, "us-east-1"}, {acctB, "us-east-1"}, {acctA, "eu-west-1"}} {
		startRecording(t, s.config(x.account, x.region), nil)
		s.mustIngest(t, x.account, x.region, items(x.account, x.region)...)
	}
	a := s.config(acctA, "us-east-1")
	list := must(a.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, Limit: 1})).get(t).NextToken
	hist := must(a.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-0"), Limit: 1})).get(t).NextToken
	counts := must(a.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{Limit: 1})).get(t).NextToken
	if list == nil || hist == nil || counts == nil {
		t.Fatalf("tokens %v %v %v; want three", list, hist, counts)
	}
	// They work for A...
	_ = must(a.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, Limit: 1, NextToken: list})).get(t)
	_ = must(a.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-0"), Limit: 1, NextToken: hist})).get(t)
	_ = must(a.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{Limit: 1, NextToken: counts})).get(t)
	// ... and nobody else.
	for name, c := range map[string]*configservice.Client{"another account": s.config(acctB, "us-east-1"), "another region": s.config(acctA, "eu-west-1")} {
		t.Run(name, func(t *testing.T) {
			_, err := c.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, Limit: 1, NextToken: list})
			wantError(t, err, "InvalidNextTokenException", msgInvalidNextToken)
			_, err = c.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-0"), Limit: 1, NextToken: hist})
			wantError(t, err, "InvalidNextTokenException", msgInvalidNextToken)
			_, err = c.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{Limit: 1, NextToken: counts})
			wantError(t, err, "InvalidNextTokenException", msgInvalidNextToken)
		})
	}
}

// TestInventory_Reset checks that the reset endpoint also clears the
// recorded resources.
func TestInventory_Reset(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	s.mustIngest(t, acctA, "us-east-1", fileItem(acctA, "us-east-1", string(typeInstance), "i-1", 1, testEpoch.Add(-time.Hour)))
	if r := s.operatorPost(t, "/_starling/reset", ""); r.status != 200 {
		t.Fatalf("reset = %d %s", r.status, r.raw)
	}
	if ids := listIDs(t, c, typeInstance); len(ids) != 0 {
		t.Errorf("instances after reset = %q; want none", ids)
	}
	_, err := c.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-1")})
	wantError(t, err, "ResourceNotDiscoveredException", msgResourceNotDiscovered)
	// The recorder went too: nothing is recorded until one runs again.
	wantRawError(t, s.ingest(t, acctA, "us-east-1", deliveryFile(fileItem(acctA, "us-east-1", string(typeInstance), "i-1", 1, testEpoch))), 400,
		"NoRunningConfigurationRecorderException", msgNoRunningRecorder)
}

// TestInventory_SurvivesRestart checks that recorded resources are durable
// across a restart on the same data directory.
func TestInventory_SurvivesRestart(t *testing.T) {
	s := startServer(t)
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	s.mustIngest(t, acctA, "us-east-1",
		fileItem(acctA, "us-east-1", string(typeInstance), "i-1", 1, testEpoch.Add(-2*time.Hour)),
		fileItem(acctA, "us-east-1", string(typeInstance), "i-1", 2, testEpoch.Add(-time.Hour)))
	s = s.restart()
	if got, want := stateIDs(history(t, s.config(acctA, "us-east-1"), typeInstance, "i-1", 0)), []string{"2:OK", "1:OK"}; !slices.Equal(got, want) {
		t.Errorf("history after restart = %q; want %q", got, want)
	}
}
