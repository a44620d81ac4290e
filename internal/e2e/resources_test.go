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
)

const (
	typeInstance = types.ResourceTypeInstance
	typeSG       = types.ResourceTypeSecurityGroup
	typeBucket   = types.ResourceTypeBucket
	typeRole     = types.ResourceTypeRole
)

// Messages of the resource reads.
const (
	msgInvalidNextToken      = "The nextToken provided is invalid"
	msgResourceNotDiscovered = "You have specified a resource that is either unknown or has not been discovered."
	msgInvalidTimeRange      = "The specified time range is not valid. The earlier time is not chronologically before the later time."
	msgNoRunningRecorder     = "There is no configuration recorder running."
)

// resourceFixture records, as acctA in us-east-1 with all supported types
// recorded: an instance with three versions and every optional member, a
// deleted instance, another instance, a security group, and an IAM role
// (global, so not recorded without includeGlobalResourceTypes).
func resourceFixture(t *testing.T, s *server) {
	t.Helper()
	at := func(h int) time.Time { return testEpoch.Add(time.Duration(h) * time.Hour) }
	full := func(state int64, h int, status string) fileCI {
		return fileItem(acctA, "us-east-1", string(typeInstance), "i-1", state, at(h)).
			with("configurationItemStatus", status).
			with("configuration", json.RawMessage(`{"instanceId":"i-1","state":{"name":"running"},"cpu":`+fmt.Sprint(state)+`,"big":12345678901234567890}`)).
			with("supplementaryConfiguration", map[string]any{"Obj": map[string]any{"x": 1}, "Flag": false, "Str": `{"a":"b"}`}).
			with("tags", map[string]any{"Name": "web", "env": "prod"}).
			with("relationships", []any{
				map[string]any{"resourceId": "vpc-1", "resourceName": nil, "resourceType": "AWS::EC2::VPC", "name": "Is contained in Vpc"},
				map[string]any{"resourceName": "role-x", "resourceType": "AWS::IAM::Role", "name": "Is associated with Role"},
			}).
			with("resourceName", "web").
			with("availabilityZone", "us-east-1a").
			with("ARN", "arn:aws:ec2:us-east-1:"+acctA+":instance/i-1").
			with("resourceCreationTime", isoTime(at(-10)))
	}
	newCount, unchanged, superseded := s.mustIngest(t, acctA, "us-east-1",
		full(1000, -3, "ResourceDiscovered"), full(2000, -2, "OK"), full(3000, -1, "OK"),
		fileItem(acctA, "us-east-1", string(typeInstance), "i-2", 100, at(-5)),
		fileItem(acctA, "us-east-1", string(typeInstance), "i-2", 200, at(-4)).deleted(),
		fileItem(acctA, "us-east-1", string(typeInstance), "i-3", 10, at(-6)),
		fileItem(acctA, "us-east-1", string(typeSG), "sg-1", 10, at(-6)),
		fileItem(acctA, "global", string(typeRole), "AROA1", 10, at(-6)),
	)
	if newCount+superseded != 7 || unchanged != 0 {
		t.Fatalf("ingest counts New %d + Superseded %d, Unchanged %d; want 7 recorded (the global role is not), none unchanged", newCount, superseded, unchanged)
	}
}

func TestResources_ListDiscoveredResources(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	resourceFixture(t, s)

	list := func(in *configservice.ListDiscoveredResourcesInput) *configservice.ListDiscoveredResourcesOutput {
		t.Helper()
		return must(c.ListDiscoveredResources(ctx, in)).get(t)
	}
	deletedAt := " (deleted " + isoTime(testEpoch.Add(-4*time.Hour)) + ")"
	tests := []struct {
		name string
		in   configservice.ListDiscoveredResourcesInput
		want []string
	}{
		{"a type", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance}, []string{"i-1", "i-3"}},
		{"deleted too", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, IncludeDeletedResources: true},
			[]string{"i-1", "i-2" + strings.TrimPrefix(deletedAt, " "), "i-3"}},
		{"ids", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, ResourceIds: []string{"i-3", "i-2", "i-404"}}, []string{"i-3"}},
		{"ids, deleted too", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, ResourceIds: []string{"i-3", "i-2"}, IncludeDeletedResources: true},
			[]string{"i-2" + strings.TrimPrefix(deletedAt, " "), "i-3"}},
		{"name", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, ResourceName: aws.String("web")}, []string{"i-1"}},
		{"another type", configservice.ListDiscoveredResourcesInput{ResourceType: typeSG}, []string{"sg-1"}},
		{"a type with none", configservice.ListDiscoveredResourcesInput{ResourceType: typeBucket}, []string{}},
		{"a type not recorded", configservice.ListDiscoveredResourcesInput{ResourceType: typeRole}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := list(&tt.in)
			if got := resourceIDs(out.ResourceIdentifiers); !slices.Equal(got, tt.want) {
				t.Errorf("ids = %q; want %q", got, tt.want)
			}
			if out.NextToken != nil {
				t.Errorf("NextToken = %q; want none", *out.NextToken)
			}
		})
	}

	// Identifiers carry the type and the name, when there is one.
	out := list(&configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance})
	if id := out.ResourceIdentifiers[0]; id.ResourceType != typeInstance || aws.ToString(id.ResourceName) != "web" || id.ResourceDeletionTime != nil {
		t.Errorf("i-1 identifier = %+v; want its type and name, no deletion time", id)
	}
	if id := out.ResourceIdentifiers[1]; id.ResourceName != nil {
		t.Errorf("i-3 identifier has name %q; want none", *id.ResourceName)
	}

	// Pages of one, with deleted ones.
	var ids []string
	in := &configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, IncludeDeletedResources: true, Limit: 1}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("more than 5 pages")
		}
		page := list(in)
		if len(page.ResourceIdentifiers) != 1 {
			t.Fatalf("page %d has %d identifiers; want 1", pages, len(page.ResourceIdentifiers))
		}
		ids = append(ids, aws.ToString(page.ResourceIdentifiers[0].ResourceId))
		if page.NextToken == nil {
			break
		}
		in.NextToken = page.NextToken
	}
	if want := []string{"i-1", "i-2", "i-3"}; !slices.Equal(ids, want) {
		t.Errorf("paged ids = %q; want %q", ids, want)
	}
}

func TestResources_ListDiscoveredResourcesErrors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	resourceFixture(t, s)
	tok := must(c.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, Limit: 1})).get(t).NextToken
	if tok == nil {
		t.Fatal("no NextToken with Limit 1")
	}
	ids21 := make([]string, 21)
	for i := range ids21 {
		ids21[i] = fmt.Sprintf("i-%d", i)
	}
	tests := []struct {
		name      string
		in        configservice.ListDiscoveredResourcesInput
		code, msg string
	}{
		{"ids and name", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, ResourceIds: []string{"i-1"}, ResourceName: aws.String("web")},
			"ValidationException", "Both Resource ID and Resource Name cannot be specified in the request"},
		{"21 ids", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, ResourceIds: ids21},
			"ValidationException", "The specified list had more than 20 resource ID's. It must have '20' or less items"},
		{"limit 101", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, Limit: 101},
			"InvalidLimitException", "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"made-up token", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, NextToken: aws.String("abc.def")},
			"InvalidNextTokenException", msgInvalidNextToken},
		{"token of another filter", configservice.ListDiscoveredResourcesInput{ResourceType: typeInstance, IncludeDeletedResources: true, NextToken: tok},
			"InvalidNextTokenException", msgInvalidNextToken},
		{"token of another type", configservice.ListDiscoveredResourcesInput{ResourceType: typeSG, NextToken: tok},
			"InvalidNextTokenException", msgInvalidNextToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.ListDiscoveredResources(ctx, &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
	t.Run("unknown AWS type", func(t *testing.T) {
		_, err := c.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: "AWS::Nope::Thing"})
		wantErrorPrefix(t, err, "ValidationException",
			"1 validation error detected: Value 'AWS::Nope::Thing' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [AWS::EC2::CustomerGateway, ")
	})
}

func TestResources_GetResourceConfigHistory(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	resourceFixture(t, s)

	if got, want := stateIDs(history(t, c, typeInstance, "i-1", 0)), []string{"3000:OK", "2000:OK", "1000:ResourceDiscovered"}; !slices.Equal(got, want) {
		t.Errorf("history = %q; want newest first %q", got, want)
	}
	if got, want := stateIDs(history(t, c, typeInstance, "i-1", 2)), []string{"3000:OK", "2000:OK", "1000:ResourceDiscovered"}; !slices.Equal(got, want) {
		t.Errorf("history in pages of 2 = %q; want %q", got, want)
	}
	fwd := must(c.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{
		ResourceType: typeInstance, ResourceId: aws.String("i-1"), ChronologicalOrder: types.ChronologicalOrderForward})).get(t)
	if got, want := stateIDs(fwd.ConfigurationItems), []string{"1000:ResourceDiscovered", "2000:OK", "3000:OK"}; !slices.Equal(got, want) {
		t.Errorf("Forward history = %q; want oldest first %q", got, want)
	}
	window := func(from, to time.Duration) []string {
		t.Helper()
		return stateIDs(must(c.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{
			ResourceType: typeInstance, ResourceId: aws.String("i-1"),
			EarlierTime: aws.Time(testEpoch.Add(from)), LaterTime: aws.Time(testEpoch.Add(to))})).get(t).ConfigurationItems)
	}
	if got, want := window(-150*time.Minute, -90*time.Minute), []string{"2000:OK"}; !slices.Equal(got, want) {
		t.Errorf("history in (-2.5h, -1.5h) = %q; want %q", got, want)
	}
	if got, want := window(-2*time.Hour, -2*time.Hour), []string{"2000:OK"}; !slices.Equal(got, want) {
		t.Errorf("history at exactly -2h = %q; want %q (the range is inclusive)", got, want)
	}
	if got := window(-30*time.Minute, 0); len(got) != 0 {
		t.Errorf("history in the last half hour = %q; want none, and no error", got)
	}

	// The latest version in the API form.
	ci := history(t, c, typeInstance, "i-1", 1)[0]
	checks := []struct{ what, got, want string }{
		{"version", aws.ToString(ci.Version), "1.3"},
		{"accountId", aws.ToString(ci.AccountId), acctA},
		{"configurationItemCaptureTime", timeOrDash(ci.ConfigurationItemCaptureTime), epochPlus(-time.Hour)},
		{"configurationItemStatus", string(ci.ConfigurationItemStatus), "OK"},
		{"configurationStateId", aws.ToString(ci.ConfigurationStateId), "3000"},
		{"configurationItemMD5Hash", aws.ToString(ci.ConfigurationItemMD5Hash), ""},
		{"arn", aws.ToString(ci.Arn), "arn:aws:ec2:us-east-1:" + acctA + ":instance/i-1"},
		{"resourceType", string(ci.ResourceType), string(typeInstance)},
		{"resourceId", aws.ToString(ci.ResourceId), "i-1"},
		{"resourceName", aws.ToString(ci.ResourceName), "web"},
		{"awsRegion", aws.ToString(ci.AwsRegion), "us-east-1"},
		{"availabilityZone", aws.ToString(ci.AvailabilityZone), "us-east-1a"},
		{"resourceCreationTime", timeOrDash(ci.ResourceCreationTime), epochPlus(-10 * time.Hour)},
		{"tags", fmt.Sprint(ci.Tags), "map[Name:web env:prod]"},
		{"relatedEvents", fmt.Sprint(ci.RelatedEvents), "[]"},
		// Keys and numbers as recorded, big integers included.
		{"configuration", aws.ToString(ci.Configuration), `{"instanceId":"i-1","state":{"name":"running"},"cpu":3000,"big":12345678901234567890}`},
		// Each value is the JSON text of the file's value.
		{"supplementaryConfiguration", fmt.Sprint(ci.SupplementaryConfiguration), `map[Flag:false Obj:{"x":1} Str:"{\"a\":\"b\"}"]`},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %s; want %s", ck.what, ck.got, ck.want)
		}
	}
	var rels []string
	for _, r := range ci.Relationships {
		rels = append(rels, fmt.Sprintf("%s|%s|%s|%s", r.ResourceType, aws.ToString(r.ResourceId), aws.ToString(r.ResourceName), aws.ToString(r.RelationshipName)))
	}
	if want := []string{"AWS::EC2::VPC|vpc-1||Is contained in Vpc", "AWS::IAM::Role||role-x|Is associated with Role"}; !slices.Equal(rels, want) {
		t.Errorf("relationships = %q; want %q", rels, want)
	}

	// A deleted resource keeps its history, the deletion first, without
	// configuration.
	del := history(t, c, typeInstance, "i-2", 0)
	if got, want := stateIDs(del), []string{"200:ResourceDeleted", "100:OK"}; !slices.Equal(got, want) {
		t.Errorf("deleted resource's history = %q; want %q", got, want)
	}
	if got := aws.ToString(del[0].Configuration); got != "null" {
		t.Errorf("deleted version's configuration = %q; want \"null\"", got)
	}

	// On the wire, empty collections are sent, as AWS sends them.
	r := s.post(t, "StarlingDoveService.GetResourceConfigHistory", `{"resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-1"}`,
		"Authorization", authAs(acctA, "us-east-1"))
	for _, want := range []string{`"tags":{}`, `"relatedEvents":[]`, `"relationships":[]`, `"supplementaryConfiguration":{}`,
		`"configurationItemMD5Hash":""`, `"configurationStateId":"10"`, `"configuration":"{\"id\":\"sg-1\"}"`} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("GetResourceConfigHistory body %s lacks %s", r.raw, want)
		}
	}
	if strings.Contains(r.raw, `"resourceName"`) || strings.Contains(r.raw, `"resourceCreationTime"`) || strings.Contains(r.raw, `"nextToken"`) {
		t.Errorf("GetResourceConfigHistory body %s has members the item does not have", r.raw)
	}
}

func TestResources_GetResourceConfigHistoryErrors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	resourceFixture(t, s)
	tok := must(c.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{
		ResourceType: typeInstance, ResourceId: aws.String("i-1"), Limit: 1})).get(t).NextToken
	if tok == nil {
		t.Fatal("no NextToken with Limit 1")
	}
	tests := []struct {
		name      string
		in        configservice.GetResourceConfigHistoryInput
		code, msg string
	}{
		{"never recorded", configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-404")},
			"ResourceNotDiscoveredException", msgResourceNotDiscovered},
		{"of a type not recorded", configservice.GetResourceConfigHistoryInput{ResourceType: typeRole, ResourceId: aws.String("AROA1")},
			"ResourceNotDiscoveredException", msgResourceNotDiscovered},
		{"of another type", configservice.GetResourceConfigHistoryInput{ResourceType: typeSG, ResourceId: aws.String("i-1")},
			"ResourceNotDiscoveredException", msgResourceNotDiscovered},
		{"earlier after later", configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-1"),
			EarlierTime: aws.Time(testEpoch.Add(-time.Hour)), LaterTime: aws.Time(testEpoch.Add(-2 * time.Hour))},
			"InvalidTimeRangeException", msgInvalidTimeRange},
		{"earlier after now", configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-1"),
			EarlierTime: aws.Time(testEpoch.Add(time.Hour))},
			"InvalidTimeRangeException", msgInvalidTimeRange},
		{"limit 101", configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-1"), Limit: 101},
			"InvalidLimitException", "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"made-up token", configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-1"), NextToken: aws.String("x.y")},
			"InvalidNextTokenException", msgInvalidNextToken},
		{"token of another resource", configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-3"), NextToken: tok},
			"InvalidNextTokenException", msgInvalidNextToken},
		{"token of another order", configservice.GetResourceConfigHistoryInput{ResourceType: typeInstance, ResourceId: aws.String("i-1"),
			ChronologicalOrder: types.ChronologicalOrderForward, NextToken: tok},
			"InvalidNextTokenException", msgInvalidNextToken},
		{"unknown AWS type", configservice.GetResourceConfigHistoryInput{ResourceType: "AWS::Nope::Thing", ResourceId: aws.String("x")},
			"ValidationException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.GetResourceConfigHistory(ctx, &tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
}

func TestResources_BatchGetResourceConfig(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	resourceFixture(t, s)

	key := func(typ types.ResourceType, id string) types.ResourceKey {
		return types.ResourceKey{ResourceType: typ, ResourceId: aws.String(id)}
	}
	out := must(c.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{
		key(typeSG, "sg-1"), key(typeInstance, "i-2"), key(typeInstance, "i-404"), key(typeInstance, "i-1"), key(typeInstance, "i-1"),
	}})).get(t)
	var got []string
	for _, it := range out.BaseConfigurationItems {
		got = append(got, aws.ToString(it.ResourceId)+":"+aws.ToString(it.ConfigurationStateId))
	}
	// The named order; the deleted and the unknown left out; each once.
	if want := []string{"sg-1:10", "i-1:3000"}; !slices.Equal(got, want) {
		t.Errorf("items = %q; want %q", got, want)
	}
	if out.UnprocessedResourceKeys == nil || len(out.UnprocessedResourceKeys) != 0 {
		t.Errorf("unprocessedResourceKeys = %v; want an empty list", out.UnprocessedResourceKeys)
	}
	if it := out.BaseConfigurationItems[1]; aws.ToString(it.Configuration) != `{"instanceId":"i-1","state":{"name":"running"},"cpu":3000,"big":12345678901234567890}` ||
		aws.ToString(it.ResourceName) != "web" || it.SupplementaryConfiguration["Flag"] != "false" || aws.ToString(it.AvailabilityZone) != "us-east-1a" {
		t.Errorf("i-1 = %+v; want its latest configuration", it)
	}

	r := s.post(t, "StarlingDoveService.BatchGetResourceConfig", `{"resourceKeys":[{"resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-1"}]}`,
		"Authorization", authAs(acctA, "us-east-1"))
	for _, want := range []string{`"unprocessedResourceKeys":[]`, `"supplementaryConfiguration":{}`} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("BatchGetResourceConfig body %s lacks %s", r.raw, want)
		}
	}
	for _, not := range []string{`"tags"`, `"relationships"`, `"relatedEvents"`, `"configurationItemMD5Hash"`} {
		if strings.Contains(r.raw, not) {
			t.Errorf("BatchGetResourceConfig body %s has %s, which BaseConfigurationItem does not", r.raw, not)
		}
	}

	keys := make([]types.ResourceKey, 101)
	for i := range keys {
		keys[i] = key(typeInstance, fmt.Sprint("i-", i))
	}
	_, err := c.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: keys})
	wantErrorPrefix(t, err, "ValidationException", "1 validation error detected: Value '[com.amazonaws.starling.dove.ResourceKey@")
	_, err = c.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{key("AWS::Nope::Thing", "x")}})
	wantErrorPrefix(t, err, "ValidationException",
		"1 validation error detected: Value 'AWS::Nope::Thing' at 'resourceKeys.1.member.resourceType' failed to satisfy constraint: Member must satisfy enum value set: [")
}

func TestResources_GetDiscoveredResourceCounts(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	resourceFixture(t, s)
	// Two buckets: three types, counted 2, 2 and 1.
	s.mustIngest(t, acctA, "us-east-1",
		fileItem(acctA, "us-east-1", string(typeBucket), "b-1", 1, testEpoch.Add(-time.Hour)),
		fileItem(acctA, "us-east-1", string(typeBucket), "b-2", 1, testEpoch.Add(-time.Hour)))

	counts := func(in *configservice.GetDiscoveredResourceCountsInput) (int64, []string, *string) {
		t.Helper()
		out := must(c.GetDiscoveredResourceCounts(ctx, in)).get(t)
		var got []string
		for _, rc := range out.ResourceCounts {
			got = append(got, fmt.Sprintf("%s=%d", rc.ResourceType, rc.Count))
		}
		return out.TotalDiscoveredResources, got, out.NextToken
	}
	// Largest count first, ties by type; deleted resources not counted.
	total, got, next := counts(&configservice.GetDiscoveredResourceCountsInput{})
	if want := []string{"AWS::EC2::Instance=2", "AWS::S3::Bucket=2", "AWS::EC2::SecurityGroup=1"}; total != 5 || !slices.Equal(got, want) || next != nil {
		t.Errorf("counts = %d %q %v; want 5 %q, no token", total, got, next, want)
	}
	total, got, _ = counts(&configservice.GetDiscoveredResourceCountsInput{ResourceTypes: []string{"AWS::EC2::SecurityGroup", "AWS::IAM::Role", "Custom::Nothing"}})
	if want := []string{"AWS::EC2::SecurityGroup=1"}; total != 1 || !slices.Equal(got, want) {
		t.Errorf("counts of three types = %d %q; want 1 %q", total, got, want)
	}
	var paged []string
	in := &configservice.GetDiscoveredResourceCountsInput{Limit: 1}
	for {
		total, got, next := counts(in)
		if total != 5 {
			t.Errorf("a page's total = %d; want 5 on every page", total)
		}
		paged = append(paged, got...)
		if next == nil {
			break
		}
		in.NextToken = next
	}
	if want := []string{"AWS::EC2::Instance=2", "AWS::S3::Bucket=2", "AWS::EC2::SecurityGroup=1"}; !slices.Equal(paged, want) {
		t.Errorf("counts in pages of 1 = %q; want %q", paged, want)
	}

	_, err := c.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{Limit: 101})
	wantError(t, err, "InvalidLimitException", "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
	_, err = c.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{NextToken: aws.String("a.b")})
	wantError(t, err, "InvalidNextTokenException", msgInvalidNextToken)
	_, err = c.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{ResourceTypes: []string{"AWS::S3::Bucket"}, NextToken: in.NextToken})
	wantError(t, err, "InvalidNextTokenException", msgInvalidNextToken)
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprint("T::Y::", i)
	}
	_, err = c.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{ResourceTypes: many})
	wantErrorPrefix(t, err, "ValidationException", "1 validation error detected: Value '[T::Y::0, ")

	// A fresh account has none.
	out := must(s.config(acctB, "us-east-1").GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{})).get(t)
	if out.TotalDiscoveredResources != 0 || len(out.ResourceCounts) != 0 {
		t.Errorf("a fresh account's counts = %d %v; want 0 and none", out.TotalDiscoveredResources, out.ResourceCounts)
	}
}
