package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	starcfg "github.com/starlingcfg/starling/internal/configservice"
)

// listIDs lists the ids of the client's resources of a type.
func listIDs(t *testing.T, c *configservice.Client, typ types.ResourceType) []string {
	t.Helper()
	out := must(c.ListDiscoveredResources(context.Background(), &configservice.ListDiscoveredResourcesInput{ResourceType: typ, IncludeDeletedResources: true})).get(t)
	ids := resourceIDs(out.ResourceIdentifiers)
	for i := range ids {
		ids[i], _, _ = strings.Cut(ids[i], "(")
	}
	return ids
}

func TestIngest_Counts(t *testing.T) {
	s := startServer(t)
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	v := func(state int64, h int) fileCI {
		return fileItem(acctA, "us-east-1", string(typeInstance), "i-1", state, testEpoch.Add(time.Duration(h)*time.Hour))
	}
	type counts struct{ newCount, unchanged, superseded int }
	steps := []struct {
		name  string
		items []fileCI
		want  counts
	}{
		{"a first version", []fileCI{v(20, -5)}, counts{1, 0, 0}},
		{"the same again", []fileCI{v(20, -5)}, counts{0, 1, 0}},
		{"a later version", []fileCI{v(30, -4)}, counts{1, 0, 0}},
		{"an earlier version, late", []fileCI{v(10, -6)}, counts{0, 0, 1}},
		{"an empty file", nil, counts{0, 0, 0}},
	}
	for _, st := range steps {
		n, u, sup := s.mustIngest(t, acctA, "us-east-1", st.items...)
		if got := (counts{n, u, sup}); got != st.want {
			t.Errorf("%s: counts = %+v; want %+v", st.name, got, st.want)
		}
	}
	if got, want := stateIDs(history(t, c, typeInstance, "i-1", 0)), []string{"30:OK", "20:OK", "10:OK"}; !slices.Equal(got, want) {
		t.Errorf("history = %q; want %q", got, want)
	}

	// The response is exactly the three counts.
	r := s.ingest(t, acctA, "us-east-1", deliveryFile(v(40, -3)))
	if r.status != 200 || r.raw != `{"New":1,"Unchanged":0,"Superseded":0}` {
		t.Errorf("PutConfigurationItems = %d %s; want 200 {\"New\":1,\"Unchanged\":0,\"Superseded\":0}", r.status, r.raw)
	}
	if r.header.Get("x-amzn-RequestId") == "" || r.header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("headers = %v; want the awsJson ones", r.header)
	}
}

// TestIngest_FileForms posts the forms of CI that AWS material holds: a
// snapshot file as delivered, the API's key spellings and string
// configuration, epoch-second times, and a global IAM type.
func TestIngest_FileForms(t *testing.T) {
	s := startServer(t)
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, &types.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: true})
	// A snapshot file: configSnapshotId and pretty printing are fine.
	snapshot := `{
  "fileVersion": "1.0",
  "configSnapshotId": "6292fd47-f519-4323-9b79-6c3cbebe1b2e",
  "configurationItems": [
    {"relatedEvents": [], "relationships": [{"resourceId": "vpc-14400670", "resourceName": null, "resourceType": "AWS::EC2::VPC", "name": "Is contained in Vpc"}],
     "configuration": {"groupId": "sg-3f1fef43", "ipPermissions": []}, "supplementaryConfiguration": {}, "tags": {},
     "configurationItemVersion": "1.2", "configurationItemCaptureTime": "2017-01-09T22:50:15.156Z", "configurationStateId": 1484002215156,
     "awsAccountId": "` + acctA + `", "configurationItemStatus": "ResourceDiscovered", "resourceType": "AWS::EC2::SecurityGroup",
     "resourceId": "sg-3f1fef43", "resourceName": null, "ARN": "arn:aws:ec2:us-east-1:` + acctA + `:security-group/sg-3f1fef43",
     "awsRegion": "us-east-1", "availabilityZone": "Not Applicable", "configurationStateMd5Hash": "7399608745296f67f7fe1c9ca56d5205",
     "resourceCreationTime": null},
    {"version": "1.3", "accountId": "` + acctA + `", "configurationItemCaptureTime": 1614641951.442, "configurationItemStatus": "OK",
     "configurationStateId": "1614641951442", "arn": "arn:aws:s3:::bucket-1", "resourceType": "AWS::S3::Bucket", "resourceId": "bucket-1",
     "resourceName": "bucket-1", "awsRegion": "us-east-1", "configuration": "{\"name\":\"bucket-1\"}"},
    {"configurationItemVersion": "1.3", "configurationItemCaptureTime": "2019-02-12T07:29:16.288Z", "configurationStateId": 1549956556288,
     "awsAccountId": "` + acctA + `", "configurationItemStatus": "OK", "resourceType": "AWS::IAM::Role", "resourceId": "AROAEXAMPLE",
     "resourceName": "admin", "ARN": "arn:aws:iam::` + acctA + `:role/admin", "awsRegion": "global", "configuration": {"roleName": "admin"}}
  ]
}`
	if r := s.ingest(t, acctA, "us-east-1", snapshot); r.status != 200 || r.raw != `{"New":3,"Unchanged":0,"Superseded":0}` {
		t.Fatalf("snapshot = %d %s; want 3 new", r.status, r.raw)
	}
	sg := history(t, c, typeSG, "sg-3f1fef43", 0)
	if len(sg) != 1 || aws.ToString(sg[0].Version) != "1.2" || aws.ToString(sg[0].ConfigurationStateId) != "1484002215156" ||
		timeOrDash(sg[0].ConfigurationItemCaptureTime) != "2017-01-09T22:50:15.156Z" ||
		aws.ToString(sg[0].Configuration) != `{"groupId":"sg-3f1fef43","ipPermissions":[]}` ||
		len(sg[0].Relationships) != 1 || aws.ToString(sg[0].Relationships[0].RelationshipName) != "Is contained in Vpc" {
		t.Errorf("security group = %+v", sg)
	}
	bucket := history(t, c, typeBucket, "bucket-1", 0)
	if len(bucket) != 1 || aws.ToString(bucket[0].Configuration) != `{"name":"bucket-1"}` || timeOrDash(bucket[0].ConfigurationItemCaptureTime) != "2021-03-01T23:39:11.442Z" {
		t.Errorf("bucket = %+v", bucket)
	}
	// The global role was recorded in the caller's region, with its
	// awsRegion "global"; another region's recorder did not record it.
	role := history(t, c, typeRole, "AROAEXAMPLE", 0)
	if len(role) != 1 || aws.ToString(role[0].AwsRegion) != "global" {
		t.Errorf("role = %+v; want one version, awsRegion global", role)
	}
	if ids := listIDs(t, s.config(acctA, "eu-west-1"), typeRole); len(ids) != 0 {
		t.Errorf("roles in eu-west-1 = %q; want none", ids)
	}
}

// TestIngest_RecorderDecides checks that the caller's recorder decides what
// is recorded: nothing without a recording recorder, and only the types of
// its recording group.
func TestIngest_RecorderDecides(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	item := func(typ types.ResourceType, id string) fileCI {
		return fileItem(acctA, "us-east-1", string(typ), id, 1, testEpoch.Add(-time.Hour))
	}
	noRecorder := func(when string) {
		t.Helper()
		wantRawError(t, s.ingest(t, acctA, "us-east-1", deliveryFile(item(typeInstance, "i-refused"))), 400,
			"NoRunningConfigurationRecorderException", msgNoRunningRecorder)
		if ids := listIDs(t, c, typeInstance); slices.Contains(ids, "i-refused") {
			t.Errorf("%s: instances = %q; want i-refused not recorded", when, ids)
		}
	}
	noRecorder("no recorder")
	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("default"))).get(t)
	noRecorder("a recorder never started")

	// Only buckets and roles.
	_ = must(c.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
		RoleARN:        aws.String(recorderRole),
		RecordingGroup: &types.RecordingGroup{ResourceTypes: []types.ResourceType{typeBucket, typeRole}},
	}})).get(t)
	_ = must(c.PutDeliveryChannel(ctx, putChannelInput("default"))).get(t)
	_ = must(c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	n, u, sup := s.mustIngest(t, acctA, "us-east-1", item(typeInstance, "i-1"), item(typeBucket, "b-1"),
		item(typeRole, "r-1").with("awsRegion", "global"), item(typeSG, "sg-1"))
	if n != 2 || u != 0 || sup != 0 {
		t.Errorf("counts with an inclusion group = %d/%d/%d; want the bucket and the role new, the rest dropped", n, u, sup)
	}
	// Everything but security groups.
	_ = must(c.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
		RoleARN: aws.String(recorderRole),
		RecordingGroup: &types.RecordingGroup{
			ExclusionByResourceTypes: &types.ExclusionByResourceTypes{ResourceTypes: []types.ResourceType{typeSG}},
			RecordingStrategy:        &types.RecordingStrategy{UseOnly: types.RecordingStrategyTypeExclusionByResourceTypes},
		},
	}})).get(t)
	if n, _, _ := s.mustIngest(t, acctA, "us-east-1", item(typeInstance, "i-2"), item(typeSG, "sg-2"), item(typeRole, "r-2").with("awsRegion", "global")); n != 2 {
		t.Errorf("new with an exclusion group = %d; want the instance and the role", n)
	}
	// All supported types, global ones not included.
	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("default"))).get(t)
	if n, _, _ := s.mustIngest(t, acctA, "us-east-1", item(typeSG, "sg-3"), item(typeRole, "r-3").with("awsRegion", "global")); n != 1 {
		t.Errorf("new with all supported types = %d; want the security group only", n)
	}
	for typ, want := range map[types.ResourceType][]string{
		typeInstance: {"i-2"},
		typeBucket:   {"b-1"},
		typeRole:     {"r-1", "r-2"},
		typeSG:       {"sg-3"},
	} {
		if got := listIDs(t, c, typ); !slices.Equal(got, want) {
			t.Errorf("%s recorded = %q; want %q", typ, got, want)
		}
	}

	stopRecording(t, c)
	noRecorder("a stopped recorder")
	_ = must(c.DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	wantRawError(t, s.ingest(t, acctA, "us-east-1", deliveryFile(item(typeBucket, "b-9"))), 400,
		"NoRunningConfigurationRecorderException", msgNoRunningRecorder)
	// What was recorded stays readable without a recorder.
	if got := listIDs(t, c, typeBucket); !slices.Equal(got, []string{"b-1"}) {
		t.Errorf("buckets after the recorder was deleted = %q; want [b-1]", got)
	}
}

func TestIngest_Refusals(t *testing.T) {
	s := startServer(t)
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	ok := func() fileCI {
		return fileItem(acctA, "us-east-1", string(typeInstance), "i-ok", 1, testEpoch.Add(-time.Hour))
	}
	const notFile = "The body is not a configuration item delivery file: "
	tests := []struct {
		name string
		body string
		msg  string // exact, or a prefix ending in ": "
	}{
		{"another account's item", deliveryFile(ok(), fileItem(acctB, "us-east-1", string(typeInstance), "i-b", 1, testEpoch)),
			"configurationItems[1] (AWS::EC2::Instance i-b) is of account " + acctB + "; a caller records the items of its own account only, " + acctA + "."},
		{"another region's item", deliveryFile(fileItem(acctA, "eu-west-1", string(typeInstance), "i-eu", 1, testEpoch)),
			"configurationItems[0] (AWS::EC2::Instance i-eu) was recorded in region eu-west-1; a caller records the items of its own region only, us-east-1."},
		{"an item without an id", deliveryFile(ok().without("resourceId")), notFile + "configurationItems[0]: missing resourceId"},
		{"an unknown status", deliveryFile(ok().with("configurationItemStatus", "Gone")), notFile},
		{"a configuration that is not an object", deliveryFile(ok().with("configuration", []int{1})), notFile},
		{"no items member", `{"fileVersion":"1.0"}`, notFile},
		{"not JSON", `{"configurationItems":[`, notFile},
		{"an empty body", ``, notFile},
		{"an array", `[]`, notFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.ingest(t, acctA, "us-east-1", tt.body)
			if strings.HasSuffix(tt.msg, ": ") {
				wantRawError(t, r, 400, "ValidationException", tt.msg)
			} else {
				wantRawError(t, r, 400, "ValidationException", "")
				if msg, _ := r.body["message"].(string); msg != tt.msg {
					t.Errorf("message = %q;\nwant %q", msg, tt.msg)
				}
			}
		})
	}
	// A refused file records none of its items: the valid first one of
	// "another account's item" is not there.
	if ids := listIDs(t, c, typeInstance); len(ids) != 0 {
		t.Errorf("instances after refused files = %q; want none", ids)
	}
	// Only POST, and only this operation.
	wantRawError(t, s.post(t, starcfg.IngestTargetPrefix+".GetConfigurationItems", `{}`), 400, "UnknownOperationException", "")
}
