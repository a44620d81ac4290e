package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// The aggregated inventory: ListAggregateDiscoveredResources,
// GetAggregateDiscoveredResourceCounts, GetAggregateResourceConfig and
// BatchGetAggregateResourceConfig over the sources an aggregator may read.

const (
	acctC = "333333333333"
	acctD = "444444444444"

	east  = "us-east-1"  // the aggregator's region, and a source region
	west  = "eu-west-1"  // the other source region
	south = "ap-south-1" // a region the aggregators do not read (but AllAwsRegions)

	msgNoSuchAggregator = "The configuration aggregator does not exist. Check the configuration aggregator name and try again."
	msgOversizedItem    = "The configuration item size is outside the allowable range."
)

// aggTypes are the resource types the fixtures record.
var aggTypes = []types.ResourceType{typeInstance, typeSG, typeBucket}

// aggID names a resource for the aggregate reads.
func aggID(account, region string, typ types.ResourceType, id string) types.AggregateResourceIdentifier {
	return types.AggregateResourceIdentifier{
		SourceAccountId: aws.String(account), SourceRegion: aws.String(region),
		ResourceType: typ, ResourceId: aws.String(id),
	}
}

// aggKey renders an identifier as "account/region/id".
func aggKey(id types.AggregateResourceIdentifier) string {
	return aws.ToString(id.SourceAccountId) + "/" + aws.ToString(id.SourceRegion) + "/" + aws.ToString(id.ResourceId)
}

// aggKeys renders identifiers as aggKey does.
func aggKeys(ids []types.AggregateResourceIdentifier) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = aggKey(id)
	}
	return out
}

// k is aggKey's form, written out in expectations.
func k(account, region, id string) string { return account + "/" + region + "/" + id }

// aggItem is an item of a type as the source account records it an hour
// before testEpoch.
func aggItem(account, region string, typ types.ResourceType, id string) fileCI {
	return fileItem(account, region, string(typ), id, 1, testEpoch.Add(-time.Hour))
}

// recordIn makes the source account record in the region and ingests the
// items there.
func (s *server) recordIn(t *testing.T, account, region string, items ...fileCI) {
	t.Helper()
	s.startRecording(t, account, region)
	s.mustIngest(t, account, region, items...)
}

// aggFixture records, for an aggregator of acctA in us-east-1:
//
//	acctB us-east-1:  instances i-b1 (named web, two versions, every member),
//	                  i-b2, i-b3 (deleted); security group sg-b1; bucket bkt-b1
//	acctB eu-west-1:  instance i-zz (named web); security group sg-b2
//	acctB ap-south-1: instance i-b5
//	acctC us-east-1:  instance i-00; bucket bkt-c1
//	acctC eu-west-1:  instance i-c2
//	acctD us-east-1:  instance i-d1
//
// acctB authorizes acctA/us-east-1 in its three regions, acctC and acctD in
// us-east-1 only. The ids sort otherwise than the sources, so that the
// order of the reads shows. It returns identifiers of all of them, i-b3
// and a resource never recorded (i-404) included.
func aggFixture(t *testing.T, s *server) []types.AggregateResourceIdentifier {
	t.Helper()
	at := func(h int) time.Time { return testEpoch.Add(time.Duration(h) * time.Hour) }
	b1 := func(state int64, h int) fileCI {
		return fileItem(acctB, east, string(typeInstance), "i-b1", state, at(h)).
			with("configuration", json.RawMessage(`{"instanceId":"i-b1","cpu":`+fmt.Sprint(state)+`}`)).
			with("supplementaryConfiguration", map[string]any{"Flag": true}).
			with("tags", map[string]any{"Name": "web", "env": fmt.Sprint("v", state)}).
			with("relationships", []any{
				map[string]any{"resourceId": "vpc-1", "resourceName": nil, "resourceType": "AWS::EC2::VPC", "name": "Is contained in Vpc"},
			}).
			with("resourceName", "web").
			with("availabilityZone", "us-east-1a").
			with("ARN", "arn:aws:ec2:us-east-1:"+acctB+":instance/i-b1").
			with("resourceCreationTime", isoTime(at(-10)))
	}
	s.recordIn(t, acctB, east, b1(1, -3), b1(2, -2),
		aggItem(acctB, east, typeInstance, "i-b2"),
		fileItem(acctB, east, string(typeInstance), "i-b3", 1, at(-5)),
		fileItem(acctB, east, string(typeInstance), "i-b3", 2, at(-4)).deleted(),
		aggItem(acctB, east, typeSG, "sg-b1"),
		aggItem(acctB, east, typeBucket, "bkt-b1").with("resourceName", "bkt-b1"))
	s.recordIn(t, acctB, west, aggItem(acctB, west, typeInstance, "i-zz").with("resourceName", "web"), aggItem(acctB, west, typeSG, "sg-b2"))
	s.recordIn(t, acctB, south, aggItem(acctB, south, typeInstance, "i-b5"))
	s.recordIn(t, acctC, east, aggItem(acctC, east, typeInstance, "i-00"), aggItem(acctC, east, typeBucket, "bkt-c1").with("resourceName", "bkt-c1"))
	s.recordIn(t, acctC, west, aggItem(acctC, west, typeInstance, "i-c2"))
	s.recordIn(t, acctD, east, aggItem(acctD, east, typeInstance, "i-d1"))
	for _, r := range []string{east, west, south} {
		_ = s.authorize(t, acctB, r, acctA, east)
	}
	_ = s.authorize(t, acctC, east, acctA, east)
	_ = s.authorize(t, acctD, east, acctA, east)
	return []types.AggregateResourceIdentifier{
		aggID(acctB, east, typeInstance, "i-b1"),
		aggID(acctB, east, typeInstance, "i-b2"),
		aggID(acctB, east, typeInstance, "i-b3"),
		aggID(acctB, east, typeSG, "sg-b1"),
		aggID(acctB, east, typeBucket, "bkt-b1"),
		aggID(acctB, west, typeInstance, "i-zz"),
		aggID(acctB, west, typeSG, "sg-b2"),
		aggID(acctB, south, typeInstance, "i-b5"),
		aggID(acctC, east, typeInstance, "i-00"),
		aggID(acctC, east, typeBucket, "bkt-c1"),
		aggID(acctC, west, typeInstance, "i-c2"),
		aggID(acctD, east, typeInstance, "i-d1"),
		aggID(acctB, east, typeInstance, "i-404"),
	}
}

// fixtureVisible is what an aggregator of acctB and acctC in us-east-1 and
// eu-west-1 reads of aggFixture.
var fixtureVisible = []string{
	k(acctB, east, "i-b1"), k(acctB, east, "i-b2"), k(acctB, east, "sg-b1"), k(acctB, east, "bkt-b1"),
	k(acctB, west, "i-zz"), k(acctB, west, "sg-b2"),
	k(acctC, east, "i-00"), k(acctC, east, "bkt-c1"),
}

// putAccountAggregator creates or updates the account aggregator of c's
// account and region over the accounts, in the regions (nil: all).
func putAccountAggregator(t *testing.T, c *configservice.Client, name string, filters *types.AggregatorFilters, regions []string, accounts ...string) {
	t.Helper()
	_ = must(c.PutConfigurationAggregator(context.Background(), &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String(name),
		AccountAggregationSources:   accountSource(regions, regions == nil, accounts...),
		AggregatorFilters:           filters,
	})).get(t)
}

// aggList returns what ListAggregateDiscoveredResources answers to in,
// following every page, and the number of pages. It checks each page's
// size and each identifier's type.
func aggList(t *testing.T, c *configservice.Client, in configservice.ListAggregateDiscoveredResourcesInput) (ids []types.AggregateResourceIdentifier, pages int) {
	t.Helper()
	limit := int(in.Limit)
	if limit == 0 {
		limit = 100
	}
	for {
		pages++
		if pages > 200 {
			t.Fatal("ListAggregateDiscoveredResources: more than 200 pages")
		}
		out := must(c.ListAggregateDiscoveredResources(context.Background(), &in)).get(t)
		if len(out.ResourceIdentifiers) > limit {
			t.Fatalf("page %d has %d identifiers; want at most %d", pages, len(out.ResourceIdentifiers), limit)
		}
		for _, id := range out.ResourceIdentifiers {
			if id.ResourceType != in.ResourceType {
				t.Errorf("%s has type %s; want %s", aggKey(id), id.ResourceType, in.ResourceType)
			}
		}
		ids = append(ids, out.ResourceIdentifiers...)
		if out.NextToken == nil {
			return ids, pages
		}
		in.NextToken = out.NextToken
	}
}

// named renders identifiers as aggKey does, with ":name" when they carry a
// ResourceName.
func named(ids []types.AggregateResourceIdentifier) []string {
	out := aggKeys(ids)
	for i, id := range ids {
		if id.ResourceName != nil {
			out[i] += ":" + *id.ResourceName
		}
	}
	return out
}

// aggCounts returns the total and the groups ("name=count") of
// GetAggregateDiscoveredResourceCounts, following every page. It checks
// that each page repeats the total and the GroupByKey asked.
func aggCounts(t *testing.T, c *configservice.Client, in configservice.GetAggregateDiscoveredResourceCountsInput) (int64, []string) {
	t.Helper()
	var groups []string
	total := int64(-1)
	for pages := 1; ; pages++ {
		if pages > 50 {
			t.Fatal("GetAggregateDiscoveredResourceCounts: more than 50 pages")
		}
		out := must(c.GetAggregateDiscoveredResourceCounts(context.Background(), &in)).get(t)
		if total >= 0 && out.TotalDiscoveredResources != total {
			t.Errorf("page %d total = %d; want %d as on page 1", pages, out.TotalDiscoveredResources, total)
		}
		total = out.TotalDiscoveredResources
		if got := aws.ToString(out.GroupByKey); got != string(in.GroupByKey) {
			t.Errorf("GroupByKey = %q; want %q", got, in.GroupByKey)
		}
		for _, g := range out.GroupedResourceCounts {
			groups = append(groups, fmt.Sprintf("%s=%d", aws.ToString(g.GroupName), g.ResourceCount))
		}
		if out.NextToken == nil {
			return total, groups
		}
		in.NextToken = out.NextToken
	}
}

// tally counts keys ("account/region/id") by account or region, as
// "name=count" in name order.
func tally(keys []string, field int) []string {
	n := map[string]int{}
	for _, key := range keys {
		n[strings.Split(key, "/")[field]]++
	}
	var out []string
	for name, c := range n {
		out = append(out, fmt.Sprintf("%s=%d", name, c))
	}
	slices.Sort(out)
	return out
}

// checkAggView checks that the four aggregate reads of the aggregator
// agree that it reads exactly the resources want ("account/region/id") of
// the probes: List finds them, Counts counts them, Get returns them and
// refuses the other probes with ResourceNotDiscoveredException, and
// BatchGet returns them in request order and the others as unprocessed.
func checkAggView(t *testing.T, step string, c *configservice.Client, name string, probes []types.AggregateResourceIdentifier, want ...string) {
	t.Helper()
	ctx := context.Background()
	wanted := map[string]bool{}
	typeOf := map[string]types.ResourceType{}
	for _, p := range probes {
		typeOf[aggKey(p)] = p.ResourceType
	}
	byType := map[string]int{}
	for _, key := range want {
		wanted[key] = true
		byType[string(typeOf[key])]++
	}
	sortedWant := slices.Sorted(slices.Values(want))

	var listed []string
	for _, typ := range aggTypes {
		ids, _ := aggList(t, c, configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String(name), ResourceType: typ})
		listed = append(listed, aggKeys(ids)...)
	}
	slices.Sort(listed)
	if !slices.Equal(listed, sortedWant) {
		t.Errorf("%s: List = %q;\nwant %q", step, listed, sortedWant)
	}

	var wantTypes []string
	for typ, n := range byType {
		wantTypes = append(wantTypes, fmt.Sprintf("%s=%d", typ, n))
	}
	slices.Sort(wantTypes)
	for _, g := range []struct {
		key  types.ResourceCountGroupKey
		want []string
	}{
		{types.ResourceCountGroupKeyResourceType, wantTypes},
		{types.ResourceCountGroupKeyAccountId, tally(want, 0)},
		{types.ResourceCountGroupKeyAwsRegion, tally(want, 1)},
	} {
		total, groups := aggCounts(t, c, configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String(name), GroupByKey: g.key})
		if total != int64(len(want)) || !slices.Equal(groups, g.want) {
			t.Errorf("%s: Counts by %s = %d %q; want %d %q", step, g.key, total, groups, len(want), g.want)
		}
	}

	var got []string
	for _, p := range probes {
		out, err := c.GetAggregateResourceConfig(ctx, &configservice.GetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String(name), ResourceIdentifier: &p})
		if err != nil {
			wantError(t, err, "ResourceNotDiscoveredException", msgResourceNotDiscovered)
			continue
		}
		ci := out.ConfigurationItem
		if key := k(aws.ToString(ci.AccountId), aws.ToString(ci.AwsRegion), aws.ToString(ci.ResourceId)); key != aggKey(p) || ci.ResourceType != p.ResourceType {
			t.Errorf("%s: Get %s returned %s of type %s", step, aggKey(p), key, ci.ResourceType)
		}
		got = append(got, aggKey(p))
	}
	slices.Sort(got)
	if !slices.Equal(got, sortedWant) {
		t.Errorf("%s: Get found %q;\nwant %q", step, got, sortedWant)
	}

	var wantFound, wantUnprocessed []string
	for _, p := range probes {
		if wanted[aggKey(p)] {
			wantFound = append(wantFound, aggKey(p))
		} else {
			wantUnprocessed = append(wantUnprocessed, aggKey(p))
		}
	}
	out := must(c.BatchGetAggregateResourceConfig(ctx, &configservice.BatchGetAggregateResourceConfigInput{
		ConfigurationAggregatorName: aws.String(name), ResourceIdentifiers: probes})).get(t)
	var found []string
	for _, it := range out.BaseConfigurationItems {
		found = append(found, k(aws.ToString(it.AccountId), aws.ToString(it.AwsRegion), aws.ToString(it.ResourceId)))
	}
	if unprocessed := aggKeys(out.UnprocessedResourceIdentifiers); !slices.Equal(found, wantFound) || !slices.Equal(unprocessed, wantUnprocessed) {
		t.Errorf("%s: BatchGet = %q, unprocessed %q;\nwant %q, unprocessed %q", step, found, unprocessed, wantFound, wantUnprocessed)
	}
}

// wantNoAggregator checks that all four reads answer
// NoSuchConfigurationAggregatorException for the aggregator name.
func wantNoAggregator(t *testing.T, c *configservice.Client, name string) {
	t.Helper()
	ctx := context.Background()
	id := aggID(acctB, east, typeInstance, "i-b1")
	_, err := c.ListAggregateDiscoveredResources(ctx, &configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String(name), ResourceType: typeInstance})
	wantError(t, err, "NoSuchConfigurationAggregatorException", msgNoSuchAggregator)
	_, err = c.GetAggregateDiscoveredResourceCounts(ctx, &configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String(name)})
	wantError(t, err, "NoSuchConfigurationAggregatorException", msgNoSuchAggregator)
	_, err = c.GetAggregateResourceConfig(ctx, &configservice.GetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String(name), ResourceIdentifier: &id})
	wantError(t, err, "NoSuchConfigurationAggregatorException", msgNoSuchAggregator)
	_, err = c.BatchGetAggregateResourceConfig(ctx, &configservice.BatchGetAggregateResourceConfigInput{
		ConfigurationAggregatorName: aws.String(name), ResourceIdentifiers: []types.AggregateResourceIdentifier{id}})
	wantError(t, err, "NoSuchConfigurationAggregatorException", msgNoSuchAggregator)
}

func TestAggregate_ListDiscoveredResources(t *testing.T) {
	s := startServer(t)
	c := s.config(acctA, east)
	aggFixture(t, s)
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC)

	list := func(typ types.ResourceType, f *types.ResourceFilters) configservice.ListAggregateDiscoveredResourcesInput {
		return configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String("agg"), ResourceType: typ, Filters: f}
	}
	instances := []string{k(acctB, west, "i-zz") + ":web", k(acctB, east, "i-b1") + ":web", k(acctB, east, "i-b2"), k(acctC, east, "i-00")}
	tests := []struct {
		name string
		in   configservice.ListAggregateDiscoveredResourcesInput
		want []string
	}{
		// By account, region, then id; deleted i-b3 left out; no
		// resource of an unreadable source (acctC eu-west-1, pending), of
		// a region not aggregated (ap-south-1) or of an account not
		// aggregated (acctD).
		{"instances", list(typeInstance, nil), instances},
		{"security groups", list(typeSG, nil), []string{k(acctB, west, "sg-b2"), k(acctB, east, "sg-b1")}},
		{"buckets", list(typeBucket, nil), []string{k(acctB, east, "bkt-b1") + ":bkt-b1", k(acctC, east, "bkt-c1") + ":bkt-c1"}},
		{"a type with none", list(types.ResourceTypeRole, nil), nil},
		{"empty filters", list(typeInstance, &types.ResourceFilters{}), instances},
		{"an account", list(typeInstance, &types.ResourceFilters{AccountId: aws.String(acctC)}), []string{k(acctC, east, "i-00")}},
		{"a region", list(typeInstance, &types.ResourceFilters{Region: aws.String(west)}), []string{k(acctB, west, "i-zz") + ":web"}},
		{"an account and a region", list(typeInstance, &types.ResourceFilters{AccountId: aws.String(acctB), Region: aws.String(east)}),
			[]string{k(acctB, east, "i-b1") + ":web", k(acctB, east, "i-b2")}},
		{"a region not aggregated", list(typeInstance, &types.ResourceFilters{Region: aws.String(south)}), nil},
		{"an account not aggregated", list(typeInstance, &types.ResourceFilters{AccountId: aws.String(acctD)}), nil},
		{"an unauthorized source", list(typeInstance, &types.ResourceFilters{AccountId: aws.String(acctC), Region: aws.String(west)}), nil},
		{"an id", list(typeInstance, &types.ResourceFilters{ResourceId: aws.String("i-b2")}), []string{k(acctB, east, "i-b2")}},
		{"a deleted id", list(typeInstance, &types.ResourceFilters{ResourceId: aws.String("i-b3")}), nil},
		{"an id of another type", list(typeSG, &types.ResourceFilters{ResourceId: aws.String("i-b2")}), nil},
		{"a name", list(typeInstance, &types.ResourceFilters{ResourceName: aws.String("web")}), []string{k(acctB, west, "i-zz") + ":web", k(acctB, east, "i-b1") + ":web"}},
		{"a name and a region", list(typeInstance, &types.ResourceFilters{ResourceName: aws.String("web"), Region: aws.String(east)}), []string{k(acctB, east, "i-b1") + ":web"}},
		{"an id and another's name", list(typeInstance, &types.ResourceFilters{ResourceId: aws.String("i-b2"), ResourceName: aws.String("web")}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, pages := aggList(t, c, tt.in)
			if got := named(ids); !slices.Equal(got, tt.want) {
				t.Errorf("identifiers = %q;\nwant %q", got, tt.want)
			}
			if pages != 1 {
				t.Errorf("%d pages; want 1", pages)
			}
		})
	}

	// Pages of any size return each resource once, in order.
	for _, limit := range []int32{1, 2, 3, 4, 100} {
		ids, pages := aggList(t, c, configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String("agg"), ResourceType: typeInstance, Limit: limit})
		if got := named(ids); !slices.Equal(got, instances) {
			t.Errorf("in pages of %d: %q;\nwant %q", limit, got, instances)
		}
		if want := (len(instances) + int(limit) - 1) / int(limit); pages != want {
			t.Errorf("in pages of %d: %d pages; want %d", limit, pages, want)
		}
	}
	ids, _ := aggList(t, c, configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String("agg"), ResourceType: typeSG,
		Filters: &types.ResourceFilters{AccountId: aws.String(acctB)}, Limit: 1})
	if got, want := aggKeys(ids), []string{k(acctB, west, "sg-b2"), k(acctB, east, "sg-b1")}; !slices.Equal(got, want) {
		t.Errorf("filtered, in pages of 1: %q; want %q", got, want)
	}

	// On the wire: ResourceName only when there is one; an empty answer
	// has its empty list.
	r := s.post(t, "StarlingDoveService.ListAggregateDiscoveredResources", `{"ConfigurationAggregatorName":"agg","ResourceType":"AWS::EC2::Instance","Filters":{"ResourceId":"i-b2"}}`,
		"Authorization", authAs(acctA, east))
	if want := `{"ResourceIdentifiers":[{"SourceAccountId":"` + acctB + `","SourceRegion":"us-east-1","ResourceId":"i-b2","ResourceType":"AWS::EC2::Instance"}]}`; r.status != 200 || r.raw != want {
		t.Errorf("body = %d %s;\nwant 200 %s", r.status, r.raw, want)
	}
	r = s.post(t, "StarlingDoveService.ListAggregateDiscoveredResources", `{"ConfigurationAggregatorName":"agg","ResourceType":"AWS::IAM::Role"}`,
		"Authorization", authAs(acctA, east))
	if r.status != 200 || r.raw != `{"ResourceIdentifiers":[]}` {
		t.Errorf("empty body = %d %s; want 200 {\"ResourceIdentifiers\":[]}", r.status, r.raw)
	}
}

func TestAggregate_ListDiscoveredResourcesDefaultLimit(t *testing.T) {
	s := startServer(t)
	c := s.config(acctA, east)
	var items []fileCI
	for i := range 105 {
		items = append(items, aggItem(acctB, east, typeSG, fmt.Sprintf("sg-%03d", i)))
	}
	s.recordIn(t, acctB, east, items...)
	_ = s.authorize(t, acctB, east, acctA, east)
	putAccountAggregator(t, c, "agg", nil, []string{east}, acctB)
	for _, limit := range []int32{0, 100} {
		in := &configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String("agg"), ResourceType: typeSG, Limit: limit}
		first := must(c.ListAggregateDiscoveredResources(context.Background(), in)).get(t)
		if len(first.ResourceIdentifiers) != 100 || first.NextToken == nil || aws.ToString(first.ResourceIdentifiers[99].ResourceId) != "sg-099" {
			t.Fatalf("Limit %d: first page has %d identifiers, token %v; want 100 up to sg-099 and a token", limit, len(first.ResourceIdentifiers), first.NextToken)
		}
		in.NextToken = first.NextToken
		second := must(c.ListAggregateDiscoveredResources(context.Background(), in)).get(t)
		if len(second.ResourceIdentifiers) != 5 || second.NextToken != nil || aws.ToString(second.ResourceIdentifiers[0].ResourceId) != "sg-100" {
			t.Errorf("Limit %d: second page has %d identifiers, token %v; want the last 5 from sg-100, no token", limit, len(second.ResourceIdentifiers), second.NextToken)
		}
	}
}

func TestAggregate_ListDiscoveredResourcesErrors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, east)
	aggFixture(t, s)
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC)
	putAccountAggregator(t, c, "agg2", nil, []string{east, west}, acctB, acctC)
	tok := must(c.ListAggregateDiscoveredResources(ctx, &configservice.ListAggregateDiscoveredResourcesInput{
		ConfigurationAggregatorName: aws.String("agg"), ResourceType: typeInstance, Filters: &types.ResourceFilters{AccountId: aws.String(acctB)}, Limit: 1})).get(t).NextToken
	if tok == nil {
		t.Fatal("no NextToken with Limit 1")
	}
	in := func(name string, typ types.ResourceType, f *types.ResourceFilters, limit int32, token *string) configservice.ListAggregateDiscoveredResourcesInput {
		return configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String(name), ResourceType: typ, Filters: f, Limit: limit, NextToken: token}
	}
	byB := &types.ResourceFilters{AccountId: aws.String(acctB)}
	tests := []struct {
		name      string
		in        configservice.ListAggregateDiscoveredResourcesInput
		code, msg string
	}{
		{"limit 101", in("agg", typeInstance, nil, 101, nil),
			"InvalidLimitException", "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"negative limit", in("agg", typeInstance, nil, -1, nil),
			"InvalidLimitException", "Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{"made-up token", in("agg", typeInstance, byB, 1, aws.String("abc.def")), "InvalidNextTokenException", msgInvalidNextToken},
		{"token without its filters", in("agg", typeInstance, nil, 1, tok), "InvalidNextTokenException", msgInvalidNextToken},
		{"token with another account", in("agg", typeInstance, &types.ResourceFilters{AccountId: aws.String(acctC)}, 1, tok), "InvalidNextTokenException", msgInvalidNextToken},
		{"token with a region added", in("agg", typeInstance, &types.ResourceFilters{AccountId: aws.String(acctB), Region: aws.String(east)}, 1, tok), "InvalidNextTokenException", msgInvalidNextToken},
		{"token with a name added", in("agg", typeInstance, &types.ResourceFilters{AccountId: aws.String(acctB), ResourceName: aws.String("web")}, 1, tok), "InvalidNextTokenException", msgInvalidNextToken},
		{"token with an id added", in("agg", typeInstance, &types.ResourceFilters{AccountId: aws.String(acctB), ResourceId: aws.String("i-b1")}, 1, tok), "InvalidNextTokenException", msgInvalidNextToken},
		{"token of another type", in("agg", typeSG, byB, 1, tok), "InvalidNextTokenException", msgInvalidNextToken},
		{"token of another aggregator", in("agg2", typeInstance, byB, 1, tok), "InvalidNextTokenException", msgInvalidNextToken},
		{"unknown aggregator", in("nope", typeInstance, nil, 0, nil), "NoSuchConfigurationAggregatorException", msgNoSuchAggregator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.ListAggregateDiscoveredResources(ctx, &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
	t.Run("token of another region", func(t *testing.T) {
		putAccountAggregator(t, s.config(acctA, west), "agg", nil, []string{east, west}, acctB, acctC)
		_, err := s.config(acctA, west).ListAggregateDiscoveredResources(ctx, &configservice.ListAggregateDiscoveredResourcesInput{
			ConfigurationAggregatorName: aws.String("agg"), ResourceType: typeInstance, Filters: byB, Limit: 1, NextToken: tok})
		wantError(t, err, "InvalidNextTokenException", msgInvalidNextToken)
	})
	t.Run("the token itself works", func(t *testing.T) {
		page := must(c.ListAggregateDiscoveredResources(ctx, &configservice.ListAggregateDiscoveredResourcesInput{
			ConfigurationAggregatorName: aws.String("agg"), ResourceType: typeInstance, Filters: byB, Limit: 1, NextToken: tok})).get(t)
		if got := aggKeys(page.ResourceIdentifiers); !slices.Equal(got, []string{k(acctB, east, "i-b1")}) {
			t.Errorf("second page = %q; want i-b1", got)
		}
	})
	t.Run("unknown AWS type", func(t *testing.T) {
		_, err := c.ListAggregateDiscoveredResources(ctx, &configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String("agg"), ResourceType: "AWS::Nope::Thing"})
		wantErrorPrefix(t, err, "ValidationException",
			"1 validation error detected: Value 'AWS::Nope::Thing' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [AWS::EC2::CustomerGateway, ")
	})
}

func TestAggregate_DiscoveredResourceCounts(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, east)
	aggFixture(t, s)
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC)

	in := func(f *types.ResourceCountFilters, key types.ResourceCountGroupKey) configservice.GetAggregateDiscoveredResourceCountsInput {
		return configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg"), Filters: f, GroupByKey: key}
	}
	const (
		byType    = types.ResourceCountGroupKeyResourceType
		byAccount = types.ResourceCountGroupKeyAccountId
		byRegion  = types.ResourceCountGroupKeyAwsRegion
	)
	allTypes := []string{"AWS::EC2::Instance=4", "AWS::EC2::SecurityGroup=2", "AWS::S3::Bucket=2"}
	tests := []struct {
		name   string
		in     configservice.GetAggregateDiscoveredResourceCountsInput
		total  int64
		groups []string
	}{
		// Deleted i-b3 and the resources of unreadable sources are not
		// counted; groups come in name order, not count order.
		{"no grouping", in(nil, ""), 8, nil},
		{"by type", in(nil, byType), 8, allTypes},
		{"by account", in(nil, byAccount), 8, []string{acctB + "=6", acctC + "=2"}},
		{"by region", in(nil, byRegion), 8, []string{"eu-west-1=2", "us-east-1=6"}},
		{"empty filters by type", in(&types.ResourceCountFilters{}, byType), 8, allTypes},
		{"a type by account", in(&types.ResourceCountFilters{ResourceType: typeInstance}, byAccount), 4, []string{acctB + "=3", acctC + "=1"}},
		{"a type, no grouping", in(&types.ResourceCountFilters{ResourceType: typeBucket}, ""), 2, nil},
		{"an account by type", in(&types.ResourceCountFilters{AccountId: aws.String(acctC)}, byType), 2, []string{"AWS::EC2::Instance=1", "AWS::S3::Bucket=1"}},
		{"a region by type", in(&types.ResourceCountFilters{Region: aws.String(west)}, byType), 2, []string{"AWS::EC2::Instance=1", "AWS::EC2::SecurityGroup=1"}},
		{"all three by region", in(&types.ResourceCountFilters{ResourceType: typeInstance, AccountId: aws.String(acctB), Region: aws.String(east)}, byRegion), 2, []string{"us-east-1=2"}},
		{"a region not aggregated", in(&types.ResourceCountFilters{Region: aws.String(south)}, byType), 0, nil},
		{"an account not aggregated", in(&types.ResourceCountFilters{AccountId: aws.String(acctD)}, byAccount), 0, nil},
		{"an unauthorized source", in(&types.ResourceCountFilters{AccountId: aws.String(acctC), Region: aws.String(west)}, byRegion), 0, nil},
		{"a type with none", in(&types.ResourceCountFilters{ResourceType: types.ResourceTypeRole}, byType), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, groups := aggCounts(t, c, tt.in)
			if total != tt.total || !slices.Equal(groups, tt.groups) {
				t.Errorf("counts = %d %q; want %d %q", total, groups, tt.total, tt.groups)
			}
		})
	}

	// Pages of one group, each with the total.
	for _, key := range []types.ResourceCountGroupKey{byType, byAccount, byRegion} {
		full := in(nil, key)
		_, want := aggCounts(t, c, full)
		paged := full
		paged.Limit = 1
		var got []string
		for pages := 1; ; pages++ {
			out := must(c.GetAggregateDiscoveredResourceCounts(ctx, &paged)).get(t)
			if len(out.GroupedResourceCounts) != 1 || out.TotalDiscoveredResources != 8 {
				t.Fatalf("by %s, page %d = %d groups, total %d; want 1 group, total 8", key, pages, len(out.GroupedResourceCounts), out.TotalDiscoveredResources)
			}
			got = append(got, fmt.Sprintf("%s=%d", aws.ToString(out.GroupedResourceCounts[0].GroupName), out.GroupedResourceCounts[0].ResourceCount))
			if out.NextToken == nil {
				break
			}
			paged.NextToken = out.NextToken
		}
		if !slices.Equal(got, want) {
			t.Errorf("by %s in pages of 1 = %q; want %q", key, got, want)
		}
	}

	// On the wire, without a GroupByKey: the total, an empty list, no key.
	r := s.post(t, "StarlingDoveService.GetAggregateDiscoveredResourceCounts", `{"ConfigurationAggregatorName":"agg"}`, "Authorization", authAs(acctA, east))
	if want := `{"TotalDiscoveredResources":8,"GroupedResourceCounts":[]}`; r.status != 200 || r.raw != want {
		t.Errorf("body = %d %s;\nwant 200 %s", r.status, r.raw, want)
	}

	tok := must(c.GetAggregateDiscoveredResourceCounts(ctx, &configservice.GetAggregateDiscoveredResourceCountsInput{
		ConfigurationAggregatorName: aws.String("agg"), GroupByKey: byType, Limit: 1})).get(t).NextToken
	if tok == nil {
		t.Fatal("no NextToken with Limit 1")
	}
	errs := []struct {
		name      string
		in        configservice.GetAggregateDiscoveredResourceCountsInput
		code, msg string
	}{
		{"limit 1001", configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg"), Limit: 1001},
			"InvalidLimitException", "Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"made-up token", configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg"), GroupByKey: byType, NextToken: aws.String("nope")},
			"InvalidNextTokenException", msgInvalidNextToken},
		{"token of another key", configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg"), GroupByKey: byRegion, Limit: 1, NextToken: tok},
			"InvalidNextTokenException", msgInvalidNextToken},
		{"token with a filter added", configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg"), GroupByKey: byType, Limit: 1,
			Filters: &types.ResourceCountFilters{Region: aws.String(east)}, NextToken: tok},
			"InvalidNextTokenException", msgInvalidNextToken},
		{"unknown aggregator", configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("nope")},
			"NoSuchConfigurationAggregatorException", msgNoSuchAggregator},
		{"unknown group key", configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg"), GroupByKey: "OWNER"},
			"ValidationException", "1 validation error detected: Value 'OWNER' at 'groupByKey' failed to satisfy constraint: Member must satisfy enum value set: [RESOURCE_TYPE, ACCOUNT_ID, AWS_REGION]"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.GetAggregateDiscoveredResourceCounts(ctx, &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
}

func TestAggregate_GetResourceConfig(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, east)
	aggFixture(t, s)
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC)
	get := func(id types.AggregateResourceIdentifier) (*configservice.GetAggregateResourceConfigOutput, error) {
		return c.GetAggregateResourceConfig(ctx, &configservice.GetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String("agg"), ResourceIdentifier: &id})
	}

	// The latest version, as recorded.
	ci := must(get(aggID(acctB, east, typeInstance, "i-b1"))).get(t).ConfigurationItem
	checks := []struct{ what, got, want string }{
		{"accountId", aws.ToString(ci.AccountId), acctB},
		{"awsRegion", aws.ToString(ci.AwsRegion), east},
		{"resourceType", string(ci.ResourceType), string(typeInstance)},
		{"resourceId", aws.ToString(ci.ResourceId), "i-b1"},
		{"resourceName", aws.ToString(ci.ResourceName), "web"},
		{"arn", aws.ToString(ci.Arn), "arn:aws:ec2:us-east-1:" + acctB + ":instance/i-b1"},
		{"availabilityZone", aws.ToString(ci.AvailabilityZone), "us-east-1a"},
		{"configurationStateId", aws.ToString(ci.ConfigurationStateId), "2"},
		{"configurationItemStatus", string(ci.ConfigurationItemStatus), "OK"},
		{"configurationItemCaptureTime", timeOrDash(ci.ConfigurationItemCaptureTime), epochPlus(-2 * time.Hour)},
		{"resourceCreationTime", timeOrDash(ci.ResourceCreationTime), epochPlus(-10 * time.Hour)},
		{"configuration", aws.ToString(ci.Configuration), `{"instanceId":"i-b1","cpu":2}`},
		{"tags", fmt.Sprint(ci.Tags), "map[Name:web env:v2]"},
		{"supplementaryConfiguration", fmt.Sprint(ci.SupplementaryConfiguration), "map[Flag:true]"},
		{"relatedEvents", fmt.Sprint(ci.RelatedEvents), "[]"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %s; want %s", ck.what, ck.got, ck.want)
		}
	}
	if len(ci.Relationships) != 1 || ci.Relationships[0].ResourceType != "AWS::EC2::VPC" || aws.ToString(ci.Relationships[0].ResourceId) != "vpc-1" ||
		aws.ToString(ci.Relationships[0].RelationshipName) != "Is contained in Vpc" {
		t.Errorf("relationships = %+v; want the VPC", ci.Relationships)
	}
	// The same item as the source account reads it.
	if own := history(t, s.config(acctB, east), typeInstance, "i-b1", 1)[0]; aws.ToString(own.ConfigurationStateId) != "2" || aws.ToString(own.Configuration) != aws.ToString(ci.Configuration) {
		t.Errorf("the source's own latest version = %s %s; want the aggregate one", aws.ToString(own.ConfigurationStateId), aws.ToString(own.Configuration))
	}
	// A resource of another readable source, region and type.
	if ci := must(get(aggID(acctC, east, typeBucket, "bkt-c1"))).get(t).ConfigurationItem; aws.ToString(ci.ResourceName) != "bkt-c1" || aws.ToString(ci.Configuration) != `{"id":"bkt-c1"}` {
		t.Errorf("bkt-c1 = %+v", ci)
	}

	// On the wire, empty collections are sent; absent members are not.
	r := s.post(t, "StarlingDoveService.GetAggregateResourceConfig",
		`{"ConfigurationAggregatorName":"agg","ResourceIdentifier":{"SourceAccountId":"`+acctB+`","SourceRegion":"eu-west-1","ResourceId":"sg-b2","ResourceType":"AWS::EC2::SecurityGroup"}}`,
		"Authorization", authAs(acctA, east))
	for _, want := range []string{`"tags":{}`, `"relatedEvents":[]`, `"relationships":[]`, `"supplementaryConfiguration":{}`, `"configurationStateId":"1"`, `"configuration":"{\"id\":\"sg-b2\"}"`} {
		if r.status != 200 || !strings.Contains(r.raw, want) {
			t.Errorf("body %d %s lacks %s", r.status, r.raw, want)
		}
	}
	if strings.Contains(r.raw, `"resourceName"`) || strings.Contains(r.raw, `"resourceCreationTime"`) {
		t.Errorf("body %s has members the item does not have", r.raw)
	}

	notDiscovered := []struct {
		name string
		id   types.AggregateResourceIdentifier
	}{
		{"an unauthorized source", aggID(acctC, west, typeInstance, "i-c2")},
		{"a region not aggregated", aggID(acctB, south, typeInstance, "i-b5")},
		{"an account not aggregated", aggID(acctD, east, typeInstance, "i-d1")},
		{"never recorded", aggID(acctB, east, typeInstance, "i-404")},
		{"deleted", aggID(acctB, east, typeInstance, "i-b3")},
		{"the id of another type", aggID(acctB, east, typeSG, "i-b1")},
		{"the id in another region", aggID(acctB, west, typeInstance, "i-b1")},
		{"the id in another account", aggID(acctC, east, typeInstance, "i-b1")},
	}
	for _, tt := range notDiscovered {
		t.Run(tt.name, func(t *testing.T) {
			_, err := get(tt.id)
			wantError(t, err, "ResourceNotDiscoveredException", msgResourceNotDiscovered)
		})
	}
	t.Run("unknown aggregator", func(t *testing.T) {
		id := aggID(acctB, east, typeInstance, "i-b1")
		_, err := c.GetAggregateResourceConfig(ctx, &configservice.GetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String("nope"), ResourceIdentifier: &id})
		wantError(t, err, "NoSuchConfigurationAggregatorException", msgNoSuchAggregator)
	})
	t.Run("unknown AWS type", func(t *testing.T) {
		_, err := get(aggID(acctB, east, "AWS::Nope::Thing", "i-b1"))
		wantErrorPrefix(t, err, "ValidationException",
			"1 validation error detected: Value 'AWS::Nope::Thing' at 'resourceIdentifier.resourceType' failed to satisfy constraint: Member must satisfy enum value set: [")
	})
}

func TestAggregate_BatchGetResourceConfig(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, east)
	aggFixture(t, s)
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC)
	batch := func(ids ...types.AggregateResourceIdentifier) (*configservice.BatchGetAggregateResourceConfigOutput, error) {
		return c.BatchGetAggregateResourceConfig(ctx, &configservice.BatchGetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String("agg"), ResourceIdentifiers: ids})
	}

	out := must(batch(
		aggID(acctB, east, typeInstance, "i-b1"),
		aggID(acctB, east, typeInstance, "i-404"),  // never recorded
		aggID(acctB, west, typeSG, "sg-b2"),        //
		aggID(acctC, west, typeInstance, "i-c2"),   // unauthorized source
		aggID(acctB, east, typeInstance, "i-b1"),   // again
		aggID(acctB, east, typeInstance, "i-b3"),   // deleted
		aggID(acctB, south, typeInstance, "i-b5"),  // region not aggregated
		aggID(acctC, east, typeInstance, "i-00"),   //
		aggID(acctD, east, typeInstance, "i-d1"),   // account not aggregated
		aggID(acctB, east, typeInstance, "i-404"),  // again
		aggID(acctB, east, typeBucket, "i-b1"),     // id of another type
		aggID(acctC, west, typeInstance, "i-c2"),   // again
		aggID(acctC, east, typeBucket, "bkt-c1"),   //
		aggID(acctB, west, typeSG, "sg-b2"),        // again
		aggID(acctB, east, typeInstance, "i-b2"),   //
		aggID(acctB, east, typeInstance, "i-b3"),   // again
		aggID(acctB, south, typeInstance, "i-b5"),  // again
		aggID(acctD, east, typeInstance, "i-d1"),   // again
		aggID(acctB, east, typeBucket, "i-b1"),     // again
		aggID(acctC, east, typeInstance, "i-00"))). // again
		get(t)
	var found []string
	for _, it := range out.BaseConfigurationItems {
		found = append(found, k(aws.ToString(it.AccountId), aws.ToString(it.AwsRegion), aws.ToString(it.ResourceId))+"@"+aws.ToString(it.ConfigurationStateId))
	}
	if want := []string{k(acctB, east, "i-b1") + "@2", k(acctB, west, "sg-b2") + "@1", k(acctC, east, "i-00") + "@1", k(acctC, east, "bkt-c1") + "@1", k(acctB, east, "i-b2") + "@1"}; !slices.Equal(found, want) {
		t.Errorf("found = %q;\nwant %q", found, want)
	}
	var unprocessed []string
	for _, id := range out.UnprocessedResourceIdentifiers {
		unprocessed = append(unprocessed, aggKey(id)+"|"+string(id.ResourceType))
	}
	if want := []string{
		k(acctB, east, "i-404") + "|AWS::EC2::Instance", k(acctC, west, "i-c2") + "|AWS::EC2::Instance", k(acctB, east, "i-b3") + "|AWS::EC2::Instance",
		k(acctB, south, "i-b5") + "|AWS::EC2::Instance", k(acctD, east, "i-d1") + "|AWS::EC2::Instance", k(acctB, east, "i-b1") + "|AWS::S3::Bucket",
	}; !slices.Equal(unprocessed, want) {
		t.Errorf("unprocessed = %q;\nwant %q", unprocessed, want)
	}
	// The found items as recorded.
	b1 := out.BaseConfigurationItems[0]
	if b1.ResourceType != typeInstance || aws.ToString(b1.ResourceName) != "web" || aws.ToString(b1.Configuration) != `{"instanceId":"i-b1","cpu":2}` ||
		aws.ToString(b1.Arn) != "arn:aws:ec2:us-east-1:"+acctB+":instance/i-b1" || aws.ToString(b1.AvailabilityZone) != "us-east-1a" ||
		fmt.Sprint(b1.SupplementaryConfiguration) != "map[Flag:true]" || timeOrDash(b1.ConfigurationItemCaptureTime) != epochPlus(-2*time.Hour) {
		t.Errorf("i-b1 = %+v", b1)
	}

	// On the wire, both lists are always there.
	post := func(ids ...string) rawResponse {
		t.Helper()
		var list []string
		for _, id := range ids {
			account, region, _ := strings.Cut(id, "/")
			region, rid, _ := strings.Cut(region, "/")
			list = append(list, `{"SourceAccountId":"`+account+`","SourceRegion":"`+region+`","ResourceId":"`+rid+`","ResourceType":"AWS::EC2::Instance"}`)
		}
		return s.post(t, "StarlingDoveService.BatchGetAggregateResourceConfig", `{"ConfigurationAggregatorName":"agg","ResourceIdentifiers":[`+strings.Join(list, ",")+`]}`,
			"Authorization", authAs(acctA, east))
	}
	if r := post(k(acctB, east, "i-b2")); r.status != 200 || !strings.HasSuffix(r.raw, `,"UnprocessedResourceIdentifiers":[]}`) ||
		!strings.Contains(r.raw, `"supplementaryConfiguration":{}`) {
		t.Errorf("all found: %d %s; want an empty UnprocessedResourceIdentifiers and supplementaryConfiguration {}", r.status, r.raw)
	}
	if r := post(k(acctB, east, "i-404")); r.status != 200 || !strings.HasPrefix(r.raw, `{"BaseConfigurationItems":[],"UnprocessedResourceIdentifiers":[{`) {
		t.Errorf("none found: %d %s; want an empty BaseConfigurationItems", r.status, r.raw)
	}

	many := make([]types.AggregateResourceIdentifier, 101)
	for i := range many {
		many[i] = aggID(acctB, east, typeInstance, fmt.Sprint("i-", i))
	}
	_, err := batch(many[:100]...)
	if err != nil {
		t.Errorf("100 identifiers: %v", err)
	}
	// AWS renders the list as Java objects, one per element.
	_, err = batch(many...)
	wantErrorPrefix(t, err, "ValidationException", "1 validation error detected: Value '[com.amazonaws.starling.dove.AggregateResourceIdentifier@")
	wantErrorSuffix(t, err, "]' at 'resourceIdentifiers' failed to satisfy constraint: Member must have length less than or equal to 100")
	if n := strings.Count(err.Error(), "com.amazonaws.starling.dove.AggregateResourceIdentifier@"); n != 101 {
		t.Errorf("the message renders %d identifiers; want 101", n)
	}
	// The SDK refuses an empty list itself: raw.
	r := s.post(t, "StarlingDoveService.BatchGetAggregateResourceConfig", `{"ConfigurationAggregatorName":"agg","ResourceIdentifiers":[]}`, "Authorization", authAs(acctA, east))
	wantRawError(t, r, 400, "ValidationException", "1 validation error detected: Value '[]' at 'resourceIdentifiers' failed to satisfy constraint: Member must have length greater than or equal to 1")
	_, err = c.BatchGetAggregateResourceConfig(ctx, &configservice.BatchGetAggregateResourceConfigInput{
		ConfigurationAggregatorName: aws.String("nope"), ResourceIdentifiers: many[:1]})
	wantError(t, err, "NoSuchConfigurationAggregatorException", msgNoSuchAggregator)
}

// wantErrorSuffix fails the test unless err's message ends with suffix.
func wantErrorSuffix(t *testing.T, err error, suffix string) {
	t.Helper()
	if err == nil || !strings.HasSuffix(err.Error(), suffix) {
		t.Fatalf("error = %v;\nwant one ending %q", err, suffix)
	}
}

// TestAggregate_OversizedItem records items around the 1 MiB limit of an
// item's API encoding: GetAggregateResourceConfig refuses the larger ones
// with OversizedConfigurationItemException and BatchGet leaves them
// unprocessed; List and Counts still show them.
func TestAggregate_OversizedItem(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, east)
	blob := func(id, s string) fileCI {
		return aggItem(acctB, east, typeInstance, id).with("configuration", map[string]any{"id": id, "blob": s})
	}
	s.recordIn(t, acctB, east,
		blob("i-big", strings.Repeat("x", 1200_000)),
		blob("i-near", strings.Repeat("x", 1000_000)),
		aggItem(acctB, east, typeInstance, "i-small"))
	// 400,000 quotes: 800 KB as recorded ({"blob":"\"\"…"}), 1.6 MB in the
	// API's encoding, where the configuration is a JSON string and each \"
	// is escaped once more.
	s.mustIngest(t, acctB, east, blob("i-quotes", strings.Repeat(`"`, 400_000)))
	_ = s.authorize(t, acctB, east, acctA, east)
	putAccountAggregator(t, c, "agg", nil, []string{east}, acctB)

	get := func(id string) (*configservice.GetAggregateResourceConfigOutput, error) {
		ri := aggID(acctB, east, typeInstance, id)
		return c.GetAggregateResourceConfig(ctx, &configservice.GetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String("agg"), ResourceIdentifier: &ri})
	}
	batch := func(ids ...string) (found, unprocessed []string) {
		t.Helper()
		var ris []types.AggregateResourceIdentifier
		for _, id := range ids {
			ris = append(ris, aggID(acctB, east, typeInstance, id))
		}
		out := must(c.BatchGetAggregateResourceConfig(ctx, &configservice.BatchGetAggregateResourceConfigInput{
			ConfigurationAggregatorName: aws.String("agg"), ResourceIdentifiers: ris})).get(t)
		for _, it := range out.BaseConfigurationItems {
			found = append(found, aws.ToString(it.ResourceId))
		}
		for _, id := range out.UnprocessedResourceIdentifiers {
			unprocessed = append(unprocessed, aws.ToString(id.ResourceId))
		}
		return found, unprocessed
	}

	for _, tt := range []struct{ name, id string }{
		{"1.2 MB of configuration", "i-big"},
		{"800 KB of configuration, 1.6 MB encoded", "i-quotes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := get(tt.id)
			wantError(t, err, "OversizedConfigurationItemException", msgOversizedItem)
			found, unprocessed := batch("i-small", tt.id)
			if !slices.Equal(found, []string{"i-small"}) || !slices.Equal(unprocessed, []string{tt.id}) {
				t.Errorf("BatchGet found %q, unprocessed %q; want [i-small], [%s]", found, unprocessed, tt.id)
			}
		})
	}

	t.Run("1 MB of configuration", func(t *testing.T) {
		near := must(get("i-near")).get(t).ConfigurationItem
		if got := len(aws.ToString(near.Configuration)); got != len(`{"blob":"","id":"i-near"}`)+1000_000 {
			t.Errorf("i-near configuration is %d bytes; want the whole of it", got)
		}
		found, unprocessed := batch("i-near", "i-small")
		if !slices.Equal(found, []string{"i-near", "i-small"}) || len(unprocessed) != 0 {
			t.Errorf("BatchGet found %q, unprocessed %q; want both found", found, unprocessed)
		}
	})

	ids, _ := aggList(t, c, configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String("agg"), ResourceType: typeInstance})
	if got, want := aggKeys(ids), []string{k(acctB, east, "i-big"), k(acctB, east, "i-near"), k(acctB, east, "i-quotes"), k(acctB, east, "i-small")}; !slices.Equal(got, want) {
		t.Errorf("List = %q; want %q", got, want)
	}
	if total, _ := aggCounts(t, c, configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg")}); total != 4 {
		t.Errorf("Counts total = %d; want 4", total)
	}
}

// TestAggregate_AccountSources follows an account aggregator's sources
// through the changes that open and close them: every read agrees at each
// step.
func TestAggregate_AccountSources(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, east)
	probes := aggFixture(t, s)
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC)
	view := func(step string, want ...string) {
		t.Helper()
		checkAggView(t, step, c, "agg", probes, want...)
	}
	without := func(keys []string, drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(keys), func(key string) bool {
			for _, d := range drop {
				if strings.HasPrefix(key, d) {
					return true
				}
			}
			return false
		})
	}
	view("authorized sources", fixtureVisible...)

	// What a source recorded stays readable after its recorder stops, or
	// is deleted.
	s.stopRecording(t, acctB, east)
	s.stopRecording(t, acctB, west)
	_ = must(s.config(acctB, west).DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	view("recorders stopped and deleted", fixtureVisible...)

	// A rejected request opens nothing; an authorization does.
	_ = must(s.config(acctC, west).DeletePendingAggregationRequest(ctx, &configservice.DeletePendingAggregationRequestInput{
		RequesterAccountId: aws.String(acctA), RequesterAwsRegion: aws.String(east)})).get(t)
	view("acctC eu-west-1 rejected", fixtureVisible...)
	_ = s.authorize(t, acctC, west, acctA, east)
	withC2 := append(slices.Clone(fixtureVisible), k(acctC, west, "i-c2"))
	view("acctC eu-west-1 authorized", withC2...)

	// Revoking closes the source at once; authorizing again reopens it.
	revoke := func(source, region string) {
		t.Helper()
		_ = must(s.config(source, region).DeleteAggregationAuthorization(ctx, &configservice.DeleteAggregationAuthorizationInput{
			AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String(east)})).get(t)
	}
	revoke(acctB, east)
	view("acctB us-east-1 revoked", without(withC2, acctB+"/"+east+"/")...)
	_ = s.authorize(t, acctB, east, acctA, east)
	view("acctB us-east-1 authorized again", withC2...)

	// An authorization of the aggregator account in another region does
	// not open a source.
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC, acctD)
	view("acctD added", append(slices.Clone(withC2), k(acctD, east, "i-d1"))...)
	revoke(acctD, east)
	_ = s.authorize(t, acctD, east, acctA, west)
	view("acctD authorizes eu-west-1's aggregators only", withC2...)

	// Updating the aggregator narrows and widens at once.
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB)
	view("acctC dropped", without(withC2, acctC+"/")...)
	putAccountAggregator(t, c, "agg", nil, []string{east}, acctB)
	view("eu-west-1 dropped", k(acctB, east, "i-b1"), k(acctB, east, "i-b2"), k(acctB, east, "sg-b1"), k(acctB, east, "bkt-b1"))
	putAccountAggregator(t, c, "agg", nil, []string{west}, acctB)
	view("us-east-1 swapped for eu-west-1", k(acctB, west, "i-zz"), k(acctB, west, "sg-b2"))
	putAccountAggregator(t, c, "agg", nil, nil, acctB)
	view("all regions", k(acctB, east, "i-b1"), k(acctB, east, "i-b2"), k(acctB, east, "sg-b1"), k(acctB, east, "bkt-b1"),
		k(acctB, west, "i-zz"), k(acctB, west, "sg-b2"), k(acctB, south, "i-b5"))
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC)
	view("back to acctB and acctC in two regions", withC2...)

	// Another aggregator of the same account reads the same sources; one
	// of another region of that account is not authorized by them.
	putAccountAggregator(t, c, "agg2", nil, []string{east}, acctC)
	checkAggView(t, "agg2", c, "agg2", probes, k(acctC, east, "i-00"), k(acctC, east, "bkt-c1"))
	putAccountAggregator(t, s.config(acctA, west), "agg", nil, []string{east, west}, acctB, acctC)
	checkAggView(t, "acctA eu-west-1's agg", s.config(acctA, west), "agg", probes)

	// Deleting the aggregator: it is gone for every read.
	_ = must(c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("agg")})).get(t)
	wantNoAggregator(t, c, "agg")
	checkAggView(t, "agg2 after agg was deleted", c, "agg2", probes, k(acctC, east, "i-00"), k(acctC, east, "bkt-c1"))
}

// TestAggregate_OrganizationSources follows an organization aggregator's
// sources: the members of the organization in the aggregator's regions,
// while the organization stands behind the aggregator.
func TestAggregate_OrganizationSources(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	s.orgWithAdmin(t)
	s.recordIn(t, mgmt, east, aggItem(mgmt, east, typeInstance, "i-m1"))
	s.recordIn(t, admin, east, aggItem(admin, east, typeSG, "sg-a1"))
	s.recordIn(t, member, east, aggItem(member, east, typeInstance, "i-p1"), aggItem(member, east, typeBucket, "bkt-p1"))
	s.recordIn(t, member, west, aggItem(member, west, typeInstance, "i-p2"))
	s.recordIn(t, member, south, aggItem(member, south, typeInstance, "i-p3"))
	s.recordIn(t, outsider, east, aggItem(outsider, east, typeInstance, "i-o1"))
	probes := []types.AggregateResourceIdentifier{
		aggID(mgmt, east, typeInstance, "i-m1"),
		aggID(admin, east, typeSG, "sg-a1"),
		aggID(member, east, typeInstance, "i-p1"),
		aggID(member, east, typeBucket, "bkt-p1"),
		aggID(member, west, typeInstance, "i-p2"),
		aggID(member, south, typeInstance, "i-p3"),
		aggID(outsider, east, typeInstance, "i-o1"),
	}
	c := s.config(admin, east)
	put := func(regions ...string) {
		t.Helper()
		in := putOrg("org")
		in.OrganizationAggregationSource.AllAwsRegions = false
		in.OrganizationAggregationSource.AwsRegions = regions
		_ = must(c.PutConfigurationAggregator(ctx, in)).get(t)
	}
	put(east, west)
	view := func(step string, want ...string) {
		t.Helper()
		checkAggView(t, step, c, "org", probes, want...)
	}
	members := []string{k(mgmt, east, "i-m1"), k(admin, east, "sg-a1"), k(member, east, "i-p1"), k(member, east, "bkt-p1"), k(member, west, "i-p2")}
	view("members, no authorization", members...)
	s.stopRecording(t, member, east)
	view("a member's recorder stopped", members...)

	put(east)
	view("eu-west-1 dropped", k(mgmt, east, "i-m1"), k(admin, east, "sg-a1"), k(member, east, "i-p1"), k(member, east, "bkt-p1"))
	put(east, west)

	// A member that joins is read at once; one that leaves or is removed
	// is not.
	s.admit(t, mgmt, outsider)
	view("outsider joined", append(slices.Clone(members), k(outsider, east, "i-o1"))...)
	_ = must(s.orgs(outsider).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})).get(t)
	view("outsider left", members...)
	_ = must(s.orgs(mgmt).RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(member)})).get(t)
	view("member removed", k(mgmt, east, "i-m1"), k(admin, east, "sg-a1"))

	// Without trusted access, or without its delegated administrator, the
	// aggregator reads nothing; restored, it reads again.
	o := s.orgs(mgmt)
	_ = must(o.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	view("trusted access disabled")
	_ = must(o.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	view("trusted access enabled again", k(mgmt, east, "i-m1"), k(admin, east, "sg-a1"))
	_ = must(o.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{
		AccountId: aws.String(admin), ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	view("delegated administrator deregistered")
	_ = must(o.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(admin), ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	view("registered again", k(mgmt, east, "i-m1"), k(admin, east, "sg-a1"))

	// The management account's own organization aggregator reads the same.
	mc := s.config(mgmt, east)
	_ = must(mc.PutConfigurationAggregator(ctx, putOrg("org"))).get(t)
	checkAggView(t, "the management account's aggregator", mc, "org", probes, k(mgmt, east, "i-m1"), k(admin, east, "sg-a1"))

	// The owner leaves (deregistered first, as Organizations requires):
	// nothing; the aggregator deleted: no such aggregator.
	_ = must(o.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{
		AccountId: aws.String(admin), ServicePrincipal: aws.String("config.amazonaws.com")})).get(t)
	_ = must(s.orgs(admin).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})).get(t)
	view("the owner left")
	_ = must(c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("org")})).get(t)
	wantNoAggregator(t, c, "org")
}

// TestAggregate_ResourceTypeFilter checks that an aggregator's
// AggregatorFilters ResourceType INCLUDE narrows every read to those types,
// and that the ServicePrincipal filter narrows nothing.
func TestAggregate_ResourceTypeFilter(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, east)
	probes := aggFixture(t, s)
	include := func(typs ...string) *types.AggregatorFilters {
		return &types.AggregatorFilters{ResourceType: &types.AggregatorFilterResourceType{Type: types.AggregatorFilterTypeInclude, Value: typs}}
	}
	filters := include(string(typeInstance), string(typeBucket))
	filters.ServicePrincipal = &types.AggregatorFilterServicePrincipal{Type: types.AggregatorFilterTypeInclude, Value: []string{"config-conforms.amazonaws.com"}}
	putAccountAggregator(t, c, "agg", filters, []string{east, west}, acctB, acctC)

	desc := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"agg"}})).get(t)
	if got := desc.ConfigurationAggregators[0].AggregatorFilters; got == nil || got.ResourceType == nil || got.ServicePrincipal == nil ||
		got.ResourceType.Type != types.AggregatorFilterTypeInclude || strings.Join(got.ResourceType.Value, ",") != "AWS::EC2::Instance,AWS::S3::Bucket" ||
		got.ServicePrincipal.Type != types.AggregatorFilterTypeInclude || strings.Join(got.ServicePrincipal.Value, ",") != "config-conforms.amazonaws.com" {
		t.Errorf("described filters = %+v; want those put", got)
	}

	noSGs := slices.DeleteFunc(slices.Clone(fixtureVisible), func(key string) bool { return strings.Contains(key, "/sg-") })
	checkAggView(t, "instances and buckets", c, "agg", probes, noSGs...)
	// Each read asked about security groups only finds none.
	ids, _ := aggList(t, c, configservice.ListAggregateDiscoveredResourcesInput{ConfigurationAggregatorName: aws.String("agg"), ResourceType: typeSG})
	if len(ids) != 0 {
		t.Errorf("List of security groups = %q; want none", aggKeys(ids))
	}
	total, groups := aggCounts(t, c, configservice.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg"),
		Filters: &types.ResourceCountFilters{ResourceType: typeSG}, GroupByKey: types.ResourceCountGroupKeyResourceType})
	if total != 0 || len(groups) != 0 {
		t.Errorf("Counts of security groups = %d %q; want 0 and none", total, groups)
	}
	sg := aggID(acctB, east, typeSG, "sg-b1")
	_, err := c.GetAggregateResourceConfig(ctx, &configservice.GetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String("agg"), ResourceIdentifier: &sg})
	wantError(t, err, "ResourceNotDiscoveredException", msgResourceNotDiscovered)

	putAccountAggregator(t, c, "agg", include(string(typeSG)), []string{east, west}, acctB, acctC)
	checkAggView(t, "security groups only", c, "agg", probes, k(acctB, east, "sg-b1"), k(acctB, west, "sg-b2"))
	putAccountAggregator(t, c, "agg", include(string(types.ResourceTypeRole)), []string{east, west}, acctB, acctC)
	checkAggView(t, "roles only", c, "agg", probes)
	putAccountAggregator(t, c, "agg", &types.AggregatorFilters{ServicePrincipal: filters.ServicePrincipal}, []string{east, west}, acctB, acctC)
	checkAggView(t, "a service principal filter only", c, "agg", probes, fixtureVisible...)
	putAccountAggregator(t, c, "agg", nil, []string{east, west}, acctB, acctC)
	checkAggView(t, "no filters", c, "agg", probes, fixtureVisible...)
	desc = must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"agg"}})).get(t)
	if got := desc.ConfigurationAggregators[0].AggregatorFilters; got != nil {
		t.Errorf("described filters after an update without = %+v; want none", got)
	}
}
