package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// customType is the third-party type of the AWS Config Developer Guide's
// example ("Record Configuration Items with AWS Config for Third-Party
// Resources using the AWS CLI").
const customType = "MyCustomNamespace::Testing::WordPress"

func putCustom(id, config string) *configservice.PutResourceConfigInput {
	return &configservice.PutResourceConfigInput{
		ResourceType:    aws.String(customType),
		SchemaVersionId: aws.String("00000001"),
		ResourceId:      aws.String(id),
		Configuration:   aws.String(config),
	}
}

func TestResourceConfig_Lifecycle(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	tick := func() { s.clock.Advance(time.Second) }

	// The documentation's example, as the CLI sends it.
	_ = must(c.PutResourceConfig(ctx, putCustom("resource-001", `{
  "Id": "resource-001",
  "Name": "My example custom resource.",
  "PublicAccess": false
}`))).get(t)
	tick()
	// The same again: nothing changed, nothing recorded.
	_ = must(c.PutResourceConfig(ctx, putCustom("resource-001", `{"Id":"resource-001","Name":"My example custom resource.","PublicAccess":false}`))).get(t)
	tick()
	// A name and tags are changes.
	named := putCustom("resource-001", `{"Id":"resource-001","Name":"My example custom resource.","PublicAccess":false}`)
	named.ResourceName = aws.String("wordpress")
	named.Tags = map[string]string{"env": "prod"}
	_ = must(c.PutResourceConfig(ctx, named)).get(t)
	tick()
	_ = must(c.PutResourceConfig(ctx, named)).get(t)
	tick()
	changed := putCustom("resource-001", `{"Id":"resource-001","PublicAccess":true}`)
	changed.ResourceName = aws.String("wordpress")
	changed.Tags = map[string]string{"env": "prod"}
	_ = must(c.PutResourceConfig(ctx, changed)).get(t)

	ms := func(d time.Duration) string { return fmt.Sprint(testEpoch.Add(d).UnixMilli()) }
	hist := history(t, c, customType, "resource-001", 0)
	if got, want := stateIDs(hist), []string{ms(4*time.Second) + ":OK", ms(2*time.Second) + ":OK", ms(0) + ":ResourceDiscovered"}; !slices.Equal(got, want) {
		t.Fatalf("history = %q; want %q (a version per change, numbered by capture time in milliseconds)", got, want)
	}
	first := hist[2]
	checks := []struct{ what, got, want string }{
		{"configuration", aws.ToString(first.Configuration), `{"Id":"resource-001","Name":"My example custom resource.","PublicAccess":false}`},
		{"resourceType", string(first.ResourceType), customType},
		{"awsRegion", aws.ToString(first.AwsRegion), "us-east-1"},
		{"accountId", aws.ToString(first.AccountId), acctA},
		{"version", aws.ToString(first.Version), "1.3"},
		{"capture time", timeOrDash(first.ConfigurationItemCaptureTime), epochPlus(0)},
		{"resourceName", aws.ToString(first.ResourceName), ""},
		{"latest name", aws.ToString(hist[0].ResourceName), "wordpress"},
		{"latest tags", fmt.Sprint(hist[0].Tags), "map[env:prod]"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q; want %q", ck.what, ck.got, ck.want)
		}
	}

	// Read back as the documentation reads it.
	list := must(c.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: customType})).get(t)
	if got := resourceIDs(list.ResourceIdentifiers); !slices.Equal(got, []string{"resource-001"}) || string(list.ResourceIdentifiers[0].ResourceType) != customType {
		t.Errorf("ListDiscoveredResources = %+v; want resource-001 of %s", list.ResourceIdentifiers, customType)
	}
	batch := must(c.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{
		{ResourceType: customType, ResourceId: aws.String("resource-001")}}})).get(t)
	if len(batch.BaseConfigurationItems) != 1 || aws.ToString(batch.BaseConfigurationItems[0].Configuration) != `{"Id":"resource-001","PublicAccess":true}` {
		t.Errorf("BatchGetResourceConfig = %+v; want the latest configuration", batch.BaseConfigurationItems)
	}
	counts := must(c.GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{})).get(t)
	if counts.TotalDiscoveredResources != 1 || len(counts.ResourceCounts) != 1 || counts.ResourceCounts[0].ResourceType != customType {
		t.Errorf("GetDiscoveredResourceCounts = %d %+v; want 1 of %s", counts.TotalDiscoveredResources, counts.ResourceCounts, customType)
	}

	// Deletion: a ResourceDeleted version, once.
	tick()
	del := &configservice.DeleteResourceConfigInput{ResourceType: aws.String(customType), ResourceId: aws.String("resource-001")}
	_ = must(c.DeleteResourceConfig(ctx, del)).get(t)
	tick()
	_ = must(c.DeleteResourceConfig(ctx, del)).get(t)
	hist = history(t, c, customType, "resource-001", 0)
	if got, want := stateIDs(hist)[0], ms(5*time.Second)+":ResourceDeleted"; len(hist) != 4 || got != want {
		t.Errorf("history after deletes = %q; want one more version, %s", stateIDs(hist), want)
	}
	if aws.ToString(hist[0].Configuration) != "null" || aws.ToString(hist[0].ResourceName) != "wordpress" || len(hist[0].Tags) != 0 {
		t.Errorf("deleted version = %+v; want no configuration nor tags, the name kept", hist[0])
	}
	if got := listIDs(t, c, customType); !slices.Equal(got, []string{"resource-001"}) {
		t.Errorf("with deleted ones = %q", got)
	}
	if out := must(c.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: customType})).get(t); len(out.ResourceIdentifiers) != 0 {
		t.Errorf("ListDiscoveredResources after the delete = %+v; want none", out.ResourceIdentifiers)
	}
	if out := must(c.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{
		{ResourceType: customType, ResourceId: aws.String("resource-001")}}})).get(t); len(out.BaseConfigurationItems) != 0 {
		t.Errorf("BatchGetResourceConfig after the delete = %+v; want none", out.BaseConfigurationItems)
	}

	// Put after delete: discovered again.
	tick()
	_ = must(c.PutResourceConfig(ctx, putCustom("resource-001", `{"Id":"resource-001"}`))).get(t)
	if got := stateIDs(history(t, c, customType, "resource-001", 1))[0]; got != ms(7*time.Second)+":ResourceDiscovered" {
		t.Errorf("put after delete = %s; want ResourceDiscovered", got)
	}
}

func TestResourceConfig_Errors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")

	// No recorder, then a stopped one.
	_, err := c.PutResourceConfig(ctx, putCustom("r", `{}`))
	wantError(t, err, "NoRunningConfigurationRecorderException", msgNoRunningRecorder)
	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("default"))).get(t)
	_, err = c.PutResourceConfig(ctx, putCustom("r", `{}`))
	wantError(t, err, "NoRunningConfigurationRecorderException", msgNoRunningRecorder)
	_, err = c.DeleteResourceConfig(ctx, &configservice.DeleteResourceConfigInput{ResourceType: aws.String(customType), ResourceId: aws.String("r")})
	wantError(t, err, "NoRunningConfigurationRecorderException", msgNoRunningRecorder)
	_ = must(c.PutDeliveryChannel(ctx, putChannelInput("default"))).get(t)
	_ = must(c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)

	reserved := func(typ, org string) string {
		return "The resource type '" + typ + "' is not valid: you cannot use the organization name '" + org +
			"' with custom resource types. The organization names aws, amzn, amazon, alexa and custom are reserved."
	}
	malformed := func(typ string) string {
		return "The resource type '" + typ + "' is not valid: a custom resource type is named Organization::Service::Resource, each part 2 to 64 letters or digits."
	}
	big := `{"x":"` + strings.Repeat("a", 64<<10) + `"}`
	tests := []struct {
		name      string
		in        *configservice.PutResourceConfigInput
		code, msg string
	}{
		{"AWS type", withType(putCustom("r", `{}`), "AWS::EC2::Instance"), "ValidationException", reserved("AWS::EC2::Instance", "AWS")},
		{"amzn", withType(putCustom("r", `{}`), "amzn::A::B"), "ValidationException", reserved("amzn::A::B", "amzn")},
		{"Amazon", withType(putCustom("r", `{}`), "Amazon::Ab::Cd"), "ValidationException", reserved("Amazon::Ab::Cd", "Amazon")},
		{"Alexa", withType(putCustom("r", `{}`), "Alexa::Ab::Cd"), "ValidationException", reserved("Alexa::Ab::Cd", "Alexa")},
		{"Custom", withType(putCustom("r", `{}`), "Custom::Ab::Cd"), "ValidationException", reserved("Custom::Ab::Cd", "Custom")},
		{"two parts", withType(putCustom("r", `{}`), "MyOrg::Thing"), "ValidationException", malformed("MyOrg::Thing")},
		{"punctuation", withType(putCustom("r", `{}`), "My-Org::Ab::Cd"), "ValidationException", malformed("My-Org::Ab::Cd")},
		{"not JSON", putCustom("r", `{"a":`), "ValidationException",
			"The configuration is not valid JSON. Provide the configuration object of the resource in valid JSON format."},
		{"not an object", putCustom("r", `[1,2]`), "ValidationException",
			"The configuration is not a JSON object. Provide the configuration object of the resource in valid JSON format."},
		{"over 64 KB", putCustom("r", big), "ValidationException",
			fmt.Sprintf("The configuration is %d bytes long. The configuration JSON must not exceed 64 KB (65536 bytes).", len(big))},
		{"bad schema version", func() *configservice.PutResourceConfigInput {
			in := putCustom("r", `{}`)
			in.SchemaVersionId = aws.String("1.0")
			return in
		}(), "ValidationException",
			"1 validation error detected: Value '1.0' at 'schemaVersionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-]+"},
		{"long name", func() *configservice.PutResourceConfigInput {
			in := putCustom("r", `{}`)
			in.ResourceName = aws.String(strings.Repeat("n", 769))
			return in
		}(), "ValidationException", "The ResourceName is not valid: it is longer than 768 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutResourceConfig(ctx, tt.in)
			wantError(t, err, tt.code, tt.msg)
		})
	}
	// 64 KB exactly is fine.
	exact := `{"x":"` + strings.Repeat("a", 64<<10-8) + `"}`
	_ = must(c.PutResourceConfig(ctx, putCustom("exact", exact))).get(t)

	_, err = c.DeleteResourceConfig(ctx, &configservice.DeleteResourceConfigInput{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b")})
	wantError(t, err, "ValidationException", reserved("AWS::S3::Bucket", "AWS"))
	_, err = c.DeleteResourceConfig(ctx, &configservice.DeleteResourceConfigInput{ResourceType: aws.String(customType), ResourceId: aws.String("never")})
	wantError(t, err, "ResourceNotDiscoveredException", msgResourceNotDiscovered)
	if got := listIDs(t, c, customType); !slices.Equal(got, []string{"exact"}) {
		t.Errorf("recorded = %q; want only the valid put", got)
	}
	// An AWS type cannot be recorded this way, nor a reserved name read.
	_, err = c.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: "Custom::Ab::Cd"})
	wantErrorPrefix(t, err, "ValidationException", "1 validation error detected: Value 'Custom::Ab::Cd' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [")
}

func withType(in *configservice.PutResourceConfigInput, typ string) *configservice.PutResourceConfigInput {
	in.ResourceType = aws.String(typ)
	return in
}
