package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

var recorderARNPattern = regexp.MustCompile(`^arn:aws:config:us-east-1:111111111111:configuration-recorder/default/[a-z0-9]{16}$`)

const recorderRole = "arn:aws:iam::111111111111:role/config"

func putRecorderInput(name string) *configservice.PutConfigurationRecorderInput {
	in := &configservice.PutConfigurationRecorderInput{
		ConfigurationRecorder: &types.ConfigurationRecorder{RoleARN: aws.String(recorderRole)},
	}
	if name != "" {
		in.ConfigurationRecorder.Name = aws.String(name)
	}
	return in
}

func putChannelInput(name string) *configservice.PutDeliveryChannelInput {
	in := &configservice.PutDeliveryChannelInput{DeliveryChannel: &types.DeliveryChannel{S3BucketName: aws.String("config-bucket")}}
	if name != "" {
		in.DeliveryChannel.Name = aws.String(name)
	}
	return in
}

// describeRecorder returns the caller's only recorder.
func describeRecorder(t *testing.T, c *configservice.Client) types.ConfigurationRecorder {
	t.Helper()
	out := must(c.DescribeConfigurationRecorders(context.Background(), &configservice.DescribeConfigurationRecordersInput{})).get(t)
	if len(out.ConfigurationRecorders) != 1 {
		t.Fatalf("DescribeConfigurationRecorders = %d recorders; want 1", len(out.ConfigurationRecorders))
	}
	return out.ConfigurationRecorders[0]
}

// recorderStatus returns the status of the caller's only recorder.
func recorderStatus(t *testing.T, c *configservice.Client) types.ConfigurationRecorderStatus {
	t.Helper()
	out := must(c.DescribeConfigurationRecorderStatus(context.Background(), &configservice.DescribeConfigurationRecorderStatusInput{})).get(t)
	if len(out.ConfigurationRecordersStatus) != 1 {
		t.Fatalf("DescribeConfigurationRecorderStatus = %d statuses; want 1", len(out.ConfigurationRecordersStatus))
	}
	return out.ConfigurationRecordersStatus[0]
}

// timeOrDash renders an optional time for comparisons.
func timeOrDash(p *time.Time) string {
	if p == nil {
		return "-"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

// epochPlus renders the test clock's start plus d.
func epochPlus(d time.Duration) string { return timeOrDash(aws.Time(testEpoch.Add(d))) }

func TestConfigurationRecorder_PutAndDescribe(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")

	if out := must(c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})).get(t); len(out.ConfigurationRecorders) != 0 {
		t.Fatalf("recorders before Put = %+v; want none", out.ConfigurationRecorders)
	}
	if out := must(c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})).get(t); len(out.ConfigurationRecordersStatus) != 0 {
		t.Fatalf("statuses before Put = %+v; want none", out.ConfigurationRecordersStatus)
	}

	// No name: "default"; no recording group: all supported, no global types.
	in := putRecorderInput("")
	in.Tags = tagsOf("env", "test")
	_ = must(c.PutConfigurationRecorder(ctx, in)).get(t)
	rec := describeRecorder(t, c)
	arn := aws.ToString(rec.Arn)
	if !recorderARNPattern.MatchString(arn) {
		t.Errorf("ARN = %q; want %s", arn, recorderARNPattern)
	}
	if aws.ToString(rec.Name) != "default" || aws.ToString(rec.RoleARN) != recorderRole || rec.RecordingScope != types.RecordingScopePaid {
		t.Errorf("recorder = name %q, role %q, scope %q; want default, %s, PAID", aws.ToString(rec.Name), aws.ToString(rec.RoleARN), rec.RecordingScope, recorderRole)
	}
	g := rec.RecordingGroup
	if g == nil || !g.AllSupported || g.IncludeGlobalResourceTypes || len(g.ResourceTypes) != 0 ||
		g.RecordingStrategy == nil || g.RecordingStrategy.UseOnly != types.RecordingStrategyTypeAllSupportedResourceTypes {
		t.Errorf("recording group = %+v; want all supported without global types", g)
	}
	if m := rec.RecordingMode; m == nil || m.RecordingFrequency != types.RecordingFrequencyContinuous || len(m.RecordingModeOverrides) != 0 {
		t.Errorf("recording mode = %+v; want CONTINUOUS", m)
	}
	if rec.ServicePrincipal != nil || rec.ConnectorArn != nil {
		t.Errorf("service principal, connector = %v, %v; want absent", rec.ServicePrincipal, rec.ConnectorArn)
	}

	// Tags at creation, then TagResource/ListTagsForResource by the ARN.
	list := func() string {
		t.Helper()
		return tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: rec.Arn})).get(t).Tags)
	}
	if got := list(); got != "env=test" {
		t.Errorf("tags = %s; want env=test", got)
	}
	_ = must(c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: rec.Arn, Tags: tagsOf("team", "core")})).get(t)
	if got := list(); got != "env=test,team=core" {
		t.Errorf("after TagResource tags = %s; want env=test,team=core", got)
	}

	// Update by name: role, group and mode replaced, ARN kept, tags ignored.
	up := putRecorderInput("default")
	up.ConfigurationRecorder.RoleARN = aws.String("arn:aws:iam::111111111111:role/other")
	up.ConfigurationRecorder.RecordingGroup = &types.RecordingGroup{
		ResourceTypes:     []types.ResourceType{"AWS::EC2::Instance", "AWS::S3::Bucket"},
		RecordingStrategy: &types.RecordingStrategy{UseOnly: types.RecordingStrategyTypeInclusionByResourceTypes},
	}
	up.ConfigurationRecorder.RecordingMode = &types.RecordingMode{
		RecordingFrequency: types.RecordingFrequencyDaily,
		RecordingModeOverrides: []types.RecordingModeOverride{{
			Description:        aws.String("instances continuously"),
			RecordingFrequency: types.RecordingFrequencyContinuous,
			ResourceTypes:      []types.ResourceType{"AWS::EC2::Instance"},
		}},
	}
	up.Tags = tagsOf("ignored", "yes")
	_ = must(c.PutConfigurationRecorder(ctx, up)).get(t)
	rec = describeRecorder(t, c)
	if aws.ToString(rec.Arn) != arn || aws.ToString(rec.RoleARN) != "arn:aws:iam::111111111111:role/other" {
		t.Errorf("after update ARN, role = %q, %q; want %q, the new role", aws.ToString(rec.Arn), aws.ToString(rec.RoleARN), arn)
	}
	g = rec.RecordingGroup
	if g.AllSupported || g.IncludeGlobalResourceTypes || len(g.ResourceTypes) != 2 || g.ResourceTypes[1] != "AWS::S3::Bucket" ||
		g.RecordingStrategy.UseOnly != types.RecordingStrategyTypeInclusionByResourceTypes {
		t.Errorf("after update recording group = %+v", g)
	}
	m := rec.RecordingMode
	if m.RecordingFrequency != types.RecordingFrequencyDaily || len(m.RecordingModeOverrides) != 1 ||
		aws.ToString(m.RecordingModeOverrides[0].Description) != "instances continuously" ||
		m.RecordingModeOverrides[0].RecordingFrequency != types.RecordingFrequencyContinuous {
		t.Errorf("after update recording mode = %+v", m)
	}
	if got := list(); got != "env=test,team=core" {
		t.Errorf("after update tags = %s; want them unchanged", got)
	}

	// Exclusions.
	ex := putRecorderInput("default")
	ex.ConfigurationRecorder.RecordingGroup = &types.RecordingGroup{
		ExclusionByResourceTypes: &types.ExclusionByResourceTypes{ResourceTypes: []types.ResourceType{"AWS::IAM::User"}},
		RecordingStrategy:        &types.RecordingStrategy{UseOnly: types.RecordingStrategyTypeExclusionByResourceTypes},
	}
	_ = must(c.PutConfigurationRecorder(ctx, ex)).get(t)
	g = describeRecorder(t, c).RecordingGroup
	if g.AllSupported || g.ExclusionByResourceTypes == nil || len(g.ExclusionByResourceTypes.ResourceTypes) != 1 ||
		g.RecordingStrategy.UseOnly != types.RecordingStrategyTypeExclusionByResourceTypes {
		t.Errorf("excluding recording group = %+v", g)
	}

	// Named, by ARN.
	byName := must(c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{ConfigurationRecorderNames: []string{"default"}})).get(t)
	byARN := must(c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{Arn: aws.String(arn)})).get(t)
	if len(byName.ConfigurationRecorders) != 1 || len(byARN.ConfigurationRecorders) != 1 || aws.ToString(byARN.ConfigurationRecorders[0].Arn) != arn {
		t.Errorf("by name, by ARN = %d, %d recorders; want 1, 1", len(byName.ConfigurationRecorders), len(byARN.ConfigurationRecorders))
	}
	st := must(c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{Arn: aws.String(arn), ConfigurationRecorderNames: []string{"default"}})).get(t)
	if len(st.ConfigurationRecordersStatus) != 1 || aws.ToString(st.ConfigurationRecordersStatus[0].Arn) != arn {
		t.Errorf("status by name and ARN = %+v; want the recorder's", st.ConfigurationRecordersStatus)
	}
}

func TestConfigurationRecorder_PutErrors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	const badGroup = "The recording group provided is not valid"
	withGroup := func(g *types.RecordingGroup) *configservice.PutConfigurationRecorderInput {
		in := putRecorderInput("default")
		in.ConfigurationRecorder.RecordingGroup = g
		return in
	}
	tests := []struct {
		name    string
		in      *configservice.PutConfigurationRecorderInput
		code    string
		message string
	}{
		{"blank name", putRecorderInput("  "), "InvalidConfigurationRecorderNameException",
			"The configuration recorder name '  ' is not valid, blank string."},
		{"reserved prefix", putRecorderInput("AWSConfigurationRecorderForSecurityHub"), "InvalidConfigurationRecorderNameException",
			`The configuration recorder name is not valid. The prefix "AWSConfigurationRecorderFor" is reserved for service-linked configuration recorders.`},
		{"empty name", &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
			Name: aws.String(""), RoleARN: aws.String(recorderRole),
		}}, "ValidationException",
			"1 validation error detected: Value '' at 'configurationRecorder.name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"no role", &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{}}, "InvalidRoleException",
			"You have provided a null or empty Amazon Resource Name (ARN) for the IAM role assumed by Config and used by the customer managed configuration recorder."},
		{"empty role", &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{RoleARN: aws.String("")}}, "InvalidRoleException",
			"You have provided a null or empty Amazon Resource Name (ARN) for the IAM role assumed by Config and used by the customer managed configuration recorder."},
		{"service principal", &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
			RoleARN: aws.String(recorderRole), ServicePrincipal: aws.String("securityhub.amazonaws.com"),
		}}, "UnmodifiableEntityException",
			"You cannot use PutConfigurationRecorder to create a service-linked configuration recorder. Use PutServiceLinkedConfigurationRecorder instead."},
		{"empty recording group", withGroup(&types.RecordingGroup{}), "InvalidRecordingGroupException", badGroup},
		{"all supported with types", withGroup(&types.RecordingGroup{AllSupported: true, ResourceTypes: []types.ResourceType{"AWS::S3::Bucket"}}),
			"InvalidRecordingGroupException", badGroup},
		{"all supported with exclusion strategy", withGroup(&types.RecordingGroup{AllSupported: true,
			RecordingStrategy: &types.RecordingStrategy{UseOnly: types.RecordingStrategyTypeExclusionByResourceTypes}}),
			"InvalidRecordingGroupException", badGroup},
		{"types with global types", withGroup(&types.RecordingGroup{IncludeGlobalResourceTypes: true, ResourceTypes: []types.ResourceType{"AWS::S3::Bucket"}}),
			"InvalidRecordingGroupException", badGroup},
		{"exclusions without strategy", withGroup(&types.RecordingGroup{
			ExclusionByResourceTypes: &types.ExclusionByResourceTypes{ResourceTypes: []types.ResourceType{"AWS::S3::Bucket"}}}),
			"InvalidRecordingGroupException", badGroup},
		{"global types alone", withGroup(&types.RecordingGroup{IncludeGlobalResourceTypes: true}), "InvalidRecordingGroupException", badGroup},
		{"unknown resource type", withGroup(&types.RecordingGroup{ResourceTypes: []types.ResourceType{"AWS::Nope::Thing"}}), "ValidationException", ""},
		{"duplicate tag keys", func() *configservice.PutConfigurationRecorderInput {
			in := putRecorderInput("default")
			in.Tags = tagsOf("k", "1", "K", "2")
			return in
		}(), "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutConfigurationRecorder(ctx, tt.in)
			wantError(t, err, tt.code, tt.message)
		})
	}
	if out := must(c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})).get(t); len(out.ConfigurationRecorders) != 0 {
		t.Fatalf("failed puts left recorders %+v", out.ConfigurationRecorders)
	}

	// One recorder per account and region.
	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("first"))).get(t)
	_, err := c.PutConfigurationRecorder(ctx, putRecorderInput("second"))
	wantError(t, err, "MaxNumberOfConfigurationRecordersExceededException",
		"Failed to put configuration recorder 'second' because the maximum number of configuration recorders: 1 is reached.")
	_, err = c.PutConfigurationRecorder(ctx, putRecorderInput(""))
	wantError(t, err, "MaxNumberOfConfigurationRecordersExceededException",
		"Failed to put configuration recorder 'default' because the maximum number of configuration recorders: 1 is reached.")
	if got := aws.ToString(describeRecorder(t, c).Name); got != "first" {
		t.Errorf("recorder = %q; want first", got)
	}
}

func TestConfigurationRecorder_DescribeErrors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	const noSuch = "NoSuchConfigurationRecorderException"

	// Before any recorder, a named one does not exist.
	_, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{ConfigurationRecorderNames: []string{"default"}})
	wantError(t, err, noSuch, "Cannot find configuration recorder with the specified name 'default'.")
	_, err = c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{"default"}})
	wantError(t, err, noSuch, "Cannot find configuration recorder with the specified name 'default'.")

	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("default"))).get(t)
	arn := aws.ToString(describeRecorder(t, c).Arn)
	otherARN := strings.TrimSuffix(arn, arn[len(arn)-16:]) + "0000000000000000"
	tests := []struct {
		name      string
		names     []string
		arn       *string
		principal *string
		code      string
		message   string
	}{
		{"two names", []string{"default", "other"}, nil, nil, "ValidationException", "You have specified more than one configuration recorder."},
		{"same name twice", []string{"default", "default"}, nil, nil, "ValidationException", "You have specified more than one configuration recorder."},
		{"unknown name", []string{"other"}, nil, nil, noSuch, "Cannot find configuration recorder with the specified name 'other'."},
		{"unknown ARN", nil, aws.String(otherARN), nil, noSuch, "Cannot find configuration recorder with the specified ARN '" + otherARN + "'."},
		{"name and another recorder's ARN", []string{"default"}, aws.String(otherARN), nil, noSuch,
			"Cannot find configuration recorder with the specified ARN '" + otherARN + "'."},
		{"service principal", nil, nil, aws.String("securityhub.amazonaws.com"), noSuch,
			"Cannot find configuration recorder with the specified service principal 'securityhub.amazonaws.com'."},
		{"bad service principal", nil, nil, aws.String("not valid!"), "ValidationException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{
				ConfigurationRecorderNames: tt.names, Arn: tt.arn, ServicePrincipal: tt.principal,
			})
			wantError(t, err, tt.code, tt.message)
			_, err = c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{
				ConfigurationRecorderNames: tt.names, Arn: tt.arn, ServicePrincipal: tt.principal,
			})
			wantError(t, err, tt.code, tt.message)
		})
	}
}

func TestConfigurationRecorder_StartStopStatus(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	name := aws.String("default")
	start := func() error {
		_, err := c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: name})
		return err
	}
	stop := func() error {
		_, err := c.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: name})
		return err
	}
	// status renders the status as recording/lastStatus/start/stop/change.
	status := func() string {
		t.Helper()
		st := recorderStatus(t, c)
		if aws.ToString(st.Name) != "default" || !recorderARNPattern.MatchString(aws.ToString(st.Arn)) {
			t.Errorf("status name, ARN = %q, %q", aws.ToString(st.Name), aws.ToString(st.Arn))
		}
		if st.LastErrorCode != nil || st.LastErrorMessage != nil || st.ServicePrincipal != nil {
			t.Errorf("status error, principal = %v, %v, %v; want absent", st.LastErrorCode, st.LastErrorMessage, st.ServicePrincipal)
		}
		rec := "stopped"
		if st.Recording {
			rec = "recording"
		}
		return strings.Join([]string{rec, string(st.LastStatus), timeOrDash(st.LastStartTime), timeOrDash(st.LastStopTime), timeOrDash(st.LastStatusChangeTime)}, " ")
	}
	wantStatus := func(step, want string) {
		t.Helper()
		if got := status(); got != want {
			t.Errorf("after %s status = %s;\nwant %s", step, got, want)
		}
	}

	wantError(t, start(), "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name 'default'.")
	wantError(t, stop(), "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name 'default'.")

	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput(""))).get(t)
	wantStatus("put", "stopped  - - -")
	wantError(t, start(), "NoAvailableDeliveryChannelException", "Delivery channel is not available to start configuration recorder.")
	if err := stop(); err != nil {
		t.Fatalf("stopping a stopped recorder: %v", err)
	}
	wantStatus("stop of a stopped recorder", "stopped  - - -")

	_ = must(c.PutDeliveryChannel(ctx, putChannelInput(""))).get(t)
	s.clock.Advance(time.Minute)
	if err := start(); err != nil {
		t.Fatal(err)
	}
	wantStatus("start", "recording SUCCESS "+epochPlus(time.Minute)+" - "+epochPlus(time.Minute))

	s.clock.Advance(time.Minute)
	if err := start(); err != nil {
		t.Fatalf("starting a recording recorder: %v", err)
	}
	wantStatus("second start", "recording SUCCESS "+epochPlus(time.Minute)+" - "+epochPlus(time.Minute))

	s.clock.Advance(time.Hour)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stopped := "stopped SUCCESS " + epochPlus(time.Minute) + " " + epochPlus(62*time.Minute) + " " + epochPlus(time.Minute)
	wantStatus("stop", stopped)
	s.clock.Advance(time.Minute)
	if err := stop(); err != nil {
		t.Fatalf("stopping a stopped recorder: %v", err)
	}
	wantStatus("second stop", stopped)

	s.clock.Advance(time.Minute)
	if err := start(); err != nil {
		t.Fatal(err)
	}
	wantStatus("restart", "recording SUCCESS "+epochPlus(64*time.Minute)+" "+epochPlus(62*time.Minute)+" "+epochPlus(64*time.Minute))

	// Status survives an update of the recorder.
	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("default"))).get(t)
	wantStatus("update", "recording SUCCESS "+epochPlus(64*time.Minute)+" "+epochPlus(62*time.Minute)+" "+epochPlus(64*time.Minute))

	// ... and a restart of the server.
	s = s.restart()
	c = s.config(acctA, "us-east-1")
	wantStatus("server restart", "recording SUCCESS "+epochPlus(64*time.Minute)+" "+epochPlus(62*time.Minute)+" "+epochPlus(64*time.Minute))
}

func TestConfigurationRecorder_Delete(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	del := func(name string) error {
		_, err := c.DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String(name)})
		return err
	}
	wantError(t, del("default"), "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name 'default'.")

	in := putRecorderInput("")
	in.Tags = tagsOf("env", "test")
	_ = must(c.PutConfigurationRecorder(ctx, in)).get(t)
	arn := describeRecorder(t, c).Arn
	_ = must(c.PutDeliveryChannel(ctx, putChannelInput(""))).get(t)
	_ = must(c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)

	wantError(t, del("other"), "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name 'other'.")
	if err := del("default"); err != nil {
		t.Fatalf("deleting a recording recorder: %v", err)
	}
	if out := must(c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})).get(t); len(out.ConfigurationRecorders) != 0 {
		t.Errorf("recorders after delete = %+v; want none", out.ConfigurationRecorders)
	}
	if out := must(c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})).get(t); len(out.ConfigurationRecordersStatus) != 0 {
		t.Errorf("statuses after delete = %+v; want none", out.ConfigurationRecordersStatus)
	}
	_, err := c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: arn})
	wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+aws.ToString(arn)+"' does not exist")
	wantError(t, del("default"), "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name 'default'.")

	// The channel stays; a new recorder gets a new ARN, no tags, and is not
	// recording.
	if out := must(c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})).get(t); len(out.DeliveryChannels) != 1 {
		t.Errorf("channels after recorder delete = %d; want 1", len(out.DeliveryChannels))
	}
	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("other"))).get(t)
	rec := describeRecorder(t, c)
	if aws.ToString(rec.Arn) == aws.ToString(arn) {
		t.Errorf("new recorder reuses ARN %s", aws.ToString(arn))
	}
	if tags := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: rec.Arn})).get(t).Tags; len(tags) != 0 {
		t.Errorf("new recorder tags = %s; want none", tagString(tags))
	}
	if recorderStatus(t, c).Recording {
		t.Error("new recorder is recording")
	}
}

func TestDeliveryChannel_PutAndDescribe(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")

	_, err := c.PutDeliveryChannel(ctx, putChannelInput(""))
	wantError(t, err, "NoAvailableConfigurationRecorderException", "Configuration recorder is not available to put delivery channel.")
	if out := must(c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})).get(t); len(out.DeliveryChannels) != 0 {
		t.Fatalf("channels = %+v; want none", out.DeliveryChannels)
	}
	if out := must(c.DescribeDeliveryChannelStatus(ctx, &configservice.DescribeDeliveryChannelStatusInput{})).get(t); len(out.DeliveryChannelsStatus) != 0 {
		t.Fatalf("channel statuses = %+v; want none", out.DeliveryChannelsStatus)
	}

	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput(""))).get(t)
	full := &types.DeliveryChannel{
		S3BucketName:                     aws.String("config-bucket"),
		S3KeyPrefix:                      aws.String("config/logs"),
		S3KmsKeyArn:                      aws.String("arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		SnsTopicARN:                      aws.String("arn:aws:sns:us-east-1:111111111111:config-topic"),
		ConfigSnapshotDeliveryProperties: &types.ConfigSnapshotDeliveryProperties{DeliveryFrequency: types.MaximumExecutionFrequencySixHours},
	}
	_ = must(c.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: full})).get(t)
	channels := must(c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})).get(t).DeliveryChannels
	if len(channels) != 1 {
		t.Fatalf("channels = %d; want 1", len(channels))
	}
	ch := channels[0]
	if aws.ToString(ch.Name) != "default" || aws.ToString(ch.S3BucketName) != "config-bucket" || aws.ToString(ch.S3KeyPrefix) != "config/logs" ||
		aws.ToString(ch.S3KmsKeyArn) != aws.ToString(full.S3KmsKeyArn) || aws.ToString(ch.SnsTopicARN) != aws.ToString(full.SnsTopicARN) ||
		ch.ConfigSnapshotDeliveryProperties == nil || ch.ConfigSnapshotDeliveryProperties.DeliveryFrequency != types.MaximumExecutionFrequencySixHours {
		t.Errorf("channel = %+v; want the one put, named default", ch)
	}

	// Same name: replaced, not merged.
	s.clock.Advance(time.Hour)
	_ = must(c.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: &types.DeliveryChannel{
		Name: aws.String("default"), S3BucketName: aws.String("other-bucket"),
	}})).get(t)
	channels = must(c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{DeliveryChannelNames: []string{"default"}})).get(t).DeliveryChannels
	if len(channels) != 1 || aws.ToString(channels[0].S3BucketName) != "other-bucket" || channels[0].SnsTopicARN != nil ||
		channels[0].S3KeyPrefix != nil || channels[0].ConfigSnapshotDeliveryProperties != nil {
		t.Errorf("after update channels = %+v; want only the new bucket", channels)
	}

	_, err = c.PutDeliveryChannel(ctx, putChannelInput("second"))
	wantError(t, err, "MaxNumberOfDeliveryChannelsExceededException",
		"Failed to put delivery channel 'second' because the maximum number of delivery channels: 1 is reached.")

	_, err = c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{DeliveryChannelNames: []string{"default", "second"}})
	wantError(t, err, "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name 'second'.")
	_, err = c.DescribeDeliveryChannelStatus(ctx, &configservice.DescribeDeliveryChannelStatusInput{DeliveryChannelNames: []string{"second"}})
	wantError(t, err, "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name 'second'.")

	// Status: nothing delivered, the stream not applicable since creation.
	statuses := must(c.DescribeDeliveryChannelStatus(ctx, &configservice.DescribeDeliveryChannelStatusInput{DeliveryChannelNames: []string{"default", "default"}})).get(t).DeliveryChannelsStatus
	if len(statuses) != 1 {
		t.Fatalf("channel statuses = %d; want 1", len(statuses))
	}
	st := statuses[0]
	if aws.ToString(st.Name) != "default" || st.ConfigStreamDeliveryInfo == nil || st.ConfigStreamDeliveryInfo.LastStatus != "NOT_APPLICABLE" ||
		timeOrDash(st.ConfigStreamDeliveryInfo.LastStatusChangeTime) != epochPlus(0) {
		t.Errorf("channel status = %+v; want NOT_APPLICABLE stream since %s", st, epochPlus(0))
	}
	for _, info := range []*types.ConfigExportDeliveryInfo{st.ConfigHistoryDeliveryInfo, st.ConfigSnapshotDeliveryInfo} {
		if info == nil || info.LastStatus != "" || info.LastAttemptTime != nil || info.LastSuccessfulTime != nil {
			t.Errorf("export delivery info = %+v; want present and empty", info)
		}
	}
}

func TestDeliveryChannel_PutErrors(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput(""))).get(t)
	bucket := aws.String("config-bucket")
	tests := []struct {
		name    string
		ch      types.DeliveryChannel
		code    string
		message string
	}{
		{"blank name", types.DeliveryChannel{Name: aws.String(" "), S3BucketName: bucket}, "InvalidDeliveryChannelNameException",
			"The delivery channel name ' ' is not valid, blank string."},
		{"empty name", types.DeliveryChannel{Name: aws.String(""), S3BucketName: bucket}, "ValidationException",
			"1 validation error detected: Value '' at 'deliveryChannel.name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"no bucket", types.DeliveryChannel{}, "NoSuchBucketException", "Cannot find a S3 bucket with an empty bucket name."},
		{"empty bucket", types.DeliveryChannel{S3BucketName: aws.String("")}, "NoSuchBucketException", "Cannot find a S3 bucket with an empty bucket name."},
		{"empty prefix", types.DeliveryChannel{S3BucketName: bucket, S3KeyPrefix: aws.String("")}, "InvalidS3KeyPrefixException",
			"The s3 key prefix '' is not valid, empty s3 key prefix."},
		{"prefix with a leading slash", types.DeliveryChannel{S3BucketName: bucket, S3KeyPrefix: aws.String("/logs")}, "InvalidS3KeyPrefixException",
			"The s3 key prefix '/logs' is not valid, it must not start with '/'."},
		{"prefix with AWSLogs", types.DeliveryChannel{S3BucketName: bucket, S3KeyPrefix: aws.String("AWSLogs")}, "InvalidS3KeyPrefixException",
			"The s3 key prefix 'AWSLogs' is not valid, it must not contain 'AWSLogs'."},
		{"topic that is not an ARN", types.DeliveryChannel{S3BucketName: bucket, SnsTopicARN: aws.String("my-topic")}, "InvalidSNSTopicARNException",
			"The sns topic arn 'my-topic' is not valid."},
		{"key that is not an ARN", types.DeliveryChannel{S3BucketName: bucket, S3KmsKeyArn: aws.String("my-key")}, "InvalidS3KmsKeyArnException",
			"The arn 'my-key' is not a valid kms key or alias arn."},
		{"unknown delivery frequency", types.DeliveryChannel{S3BucketName: bucket,
			ConfigSnapshotDeliveryProperties: &types.ConfigSnapshotDeliveryProperties{DeliveryFrequency: "Weekly"}}, "ValidationException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: &tt.ch})
			wantError(t, err, tt.code, tt.message)
		})
	}
	if out := must(c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})).get(t); len(out.DeliveryChannels) != 0 {
		t.Fatalf("failed puts left channels %+v", out.DeliveryChannels)
	}
}

func TestDeliveryChannel_Delete(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	del := func(name string) error {
		_, err := c.DeleteDeliveryChannel(ctx, &configservice.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String(name)})
		return err
	}
	wantError(t, del("default"), "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name 'default'.")

	_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput(""))).get(t)
	_ = must(c.PutDeliveryChannel(ctx, putChannelInput("mine"))).get(t)
	_ = must(c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)

	wantError(t, del("default"), "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name 'default'.")
	wantError(t, del("mine"), "LastDeliveryChannelDeleteFailedException",
		"Failed to delete last specified delivery channel with name 'mine', because there is a running configuration recorder.")

	_ = must(c.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	if err := del("mine"); err != nil {
		t.Fatalf("deleting the channel of a stopped recorder: %v", err)
	}
	if out := must(c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})).get(t); len(out.DeliveryChannels) != 0 {
		t.Errorf("channels after delete = %+v; want none", out.DeliveryChannels)
	}
	wantError(t, del("mine"), "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name 'mine'.")
	_, err := c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
	wantError(t, err, "NoAvailableDeliveryChannelException", "Delivery channel is not available to start configuration recorder.")

	// A recorder deleted while recording leaves a channel that can go.
	_ = must(c.PutDeliveryChannel(ctx, putChannelInput(""))).get(t)
	_ = must(c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	_ = must(c.DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	if err := del("default"); err != nil {
		t.Fatalf("deleting the channel after its recorder: %v", err)
	}
}

func TestConfigurationRecorder_Isolation(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	a := s.config(acctA, "us-east-1")
	_ = must(a.PutConfigurationRecorder(ctx, putRecorderInput(""))).get(t)
	_ = must(a.PutDeliveryChannel(ctx, putChannelInput(""))).get(t)
	_ = must(a.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})).get(t)
	arn := describeRecorder(t, a).Arn

	for _, o := range []struct{ name, account, region string }{
		{"another account", acctB, "us-east-1"},
		{"another region", acctA, "eu-west-1"},
	} {
		t.Run(o.name, func(t *testing.T) {
			c := s.config(o.account, o.region)
			if out := must(c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})).get(t); len(out.ConfigurationRecorders) != 0 {
				t.Errorf("recorders = %+v; want none", out.ConfigurationRecorders)
			}
			if out := must(c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})).get(t); len(out.ConfigurationRecordersStatus) != 0 {
				t.Errorf("statuses = %+v; want none", out.ConfigurationRecordersStatus)
			}
			if out := must(c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})).get(t); len(out.DeliveryChannels) != 0 {
				t.Errorf("channels = %+v; want none", out.DeliveryChannels)
			}
			_, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{Arn: arn})
			wantError(t, err, "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified ARN '"+aws.ToString(arn)+"'.")
			_, err = c.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
			wantError(t, err, "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name 'default'.")
			_, err = c.DeleteDeliveryChannel(ctx, &configservice.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String("default")})
			wantError(t, err, "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name 'default'.")
			_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: arn})
			wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+aws.ToString(arn)+"' does not exist")
			_, err = c.PutDeliveryChannel(ctx, putChannelInput(""))
			wantError(t, err, "NoAvailableConfigurationRecorderException", "Configuration recorder is not available to put delivery channel.")

			// Its own recorder under another name is no second recorder.
			_ = must(c.PutConfigurationRecorder(ctx, putRecorderInput("own"))).get(t)
		})
	}
	if st := recorderStatus(t, a); !st.Recording || aws.ToString(st.Name) != "default" {
		t.Errorf("A's status = %+v; want default, recording", st)
	}
}
