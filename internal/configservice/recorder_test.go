package configservice

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

func TestRecordingGroupOf(t *testing.T) {
	const (
		all = configapi.RecordingStrategyTypeAllSupportedResourceTypes
		inc = configapi.RecordingStrategyTypeInclusionByResourceTypes
		exc = configapi.RecordingStrategyTypeExclusionByResourceTypes
	)
	yes, no := ptr(true), ptr(false)
	types := []string{"AWS::EC2::Instance", "AWS::S3::Bucket"}
	strategy := func(s string) *configapi.RecordingStrategy { return &configapi.RecordingStrategy{UseOnly: ptr(s)} }
	excluding := func(types ...string) *configapi.ExclusionByResourceTypes {
		return &configapi.ExclusionByResourceTypes{ResourceTypes: types}
	}
	tests := []struct {
		name string
		in   *configapi.RecordingGroup
		// want is the completed group's strategy, or "" for
		// InvalidRecordingGroupException.
		want       string
		wantAll    bool
		wantGlobal bool
	}{
		{"absent: all supported without global types", nil, all, true, false},
		{"all supported", &configapi.RecordingGroup{AllSupported: yes}, all, true, false},
		{"all supported with global types", &configapi.RecordingGroup{AllSupported: yes, IncludeGlobalResourceTypes: yes}, all, true, true},
		{"all supported, strategy ALL", &configapi.RecordingGroup{AllSupported: yes, RecordingStrategy: strategy(all)}, all, true, false},
		{"all supported, empty strategy", &configapi.RecordingGroup{AllSupported: yes, RecordingStrategy: &configapi.RecordingStrategy{}}, all, true, false},
		{"all supported, empty exclusions", &configapi.RecordingGroup{AllSupported: yes, ExclusionByResourceTypes: excluding()}, all, true, false},
		{"all supported, empty type list", &configapi.RecordingGroup{AllSupported: yes, ResourceTypes: []string{}}, all, true, false},
		{"all supported with types", &configapi.RecordingGroup{AllSupported: yes, ResourceTypes: types}, "", false, false},
		{"all supported with exclusions", &configapi.RecordingGroup{AllSupported: yes, ExclusionByResourceTypes: excluding(types...)}, "", false, false},
		{"all supported, strategy INCLUSION", &configapi.RecordingGroup{AllSupported: yes, RecordingStrategy: strategy(inc)}, "", false, false},
		{"all supported, strategy EXCLUSION", &configapi.RecordingGroup{AllSupported: yes, RecordingStrategy: strategy(exc)}, "", false, false},
		{"types", &configapi.RecordingGroup{ResourceTypes: types}, inc, false, false},
		{"types, allSupported false", &configapi.RecordingGroup{AllSupported: no, IncludeGlobalResourceTypes: no, ResourceTypes: types}, inc, false, false},
		{"types, strategy INCLUSION", &configapi.RecordingGroup{ResourceTypes: types, RecordingStrategy: strategy(inc)}, inc, false, false},
		{"types with global types", &configapi.RecordingGroup{ResourceTypes: types, IncludeGlobalResourceTypes: yes}, "", false, false},
		{"types with exclusions", &configapi.RecordingGroup{ResourceTypes: types, ExclusionByResourceTypes: excluding("AWS::S3::Bucket")}, "", false, false},
		{"types, strategy ALL", &configapi.RecordingGroup{ResourceTypes: types, RecordingStrategy: strategy(all)}, "", false, false},
		{"types, strategy EXCLUSION", &configapi.RecordingGroup{ResourceTypes: types, RecordingStrategy: strategy(exc)}, "", false, false},
		{"exclusions, strategy EXCLUSION", &configapi.RecordingGroup{ExclusionByResourceTypes: excluding(types...), RecordingStrategy: strategy(exc)}, exc, false, false},
		{"exclusions without strategy", &configapi.RecordingGroup{ExclusionByResourceTypes: excluding(types...)}, "", false, false},
		{"exclusions, strategy INCLUSION", &configapi.RecordingGroup{ExclusionByResourceTypes: excluding(types...), RecordingStrategy: strategy(inc)}, "", false, false},
		{"exclusions with global types", &configapi.RecordingGroup{ExclusionByResourceTypes: excluding(types...), RecordingStrategy: strategy(exc), IncludeGlobalResourceTypes: yes}, "", false, false},
		{"empty group", &configapi.RecordingGroup{}, "", false, false},
		{"everything false", &configapi.RecordingGroup{AllSupported: no, IncludeGlobalResourceTypes: no}, "", false, false},
		{"global types alone", &configapi.RecordingGroup{IncludeGlobalResourceTypes: yes}, "", false, false},
		{"strategy alone", &configapi.RecordingGroup{RecordingStrategy: strategy(exc)}, "", false, false},
		{"empty exclusions with strategy EXCLUSION", &configapi.RecordingGroup{ExclusionByResourceTypes: excluding(), RecordingStrategy: strategy(exc)}, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recordingGroupOf(tt.in)
			if tt.want == "" {
				if code(err) != configapi.CodeInvalidRecordingGroup {
					t.Fatalf("recordingGroupOf() = %+v, %v; want InvalidRecordingGroupException", got, err)
				}
				if msg := err.(*apierr.Error).Message; msg != "The recording group provided is not valid" {
					t.Errorf("message = %q", msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("recordingGroupOf() = %v; want strategy %s", err, tt.want)
			}
			if s := deref(got.RecordingStrategy.UseOnly); s != tt.want {
				t.Errorf("strategy = %s; want %s", s, tt.want)
			}
			if *got.AllSupported != tt.wantAll || *got.IncludeGlobalResourceTypes != tt.wantGlobal {
				t.Errorf("allSupported, includeGlobalResourceTypes = %v, %v; want %v, %v",
					*got.AllSupported, *got.IncludeGlobalResourceTypes, tt.wantAll, tt.wantGlobal)
			}
			if got.ResourceTypes == nil || got.ExclusionByResourceTypes == nil || got.ExclusionByResourceTypes.ResourceTypes == nil {
				t.Errorf("type lists = %v, %+v; want both present", got.ResourceTypes, got.ExclusionByResourceTypes)
			}
			switch tt.want {
			case inc:
				if strings.Join(got.ResourceTypes, ",") != strings.Join(tt.in.ResourceTypes, ",") {
					t.Errorf("resourceTypes = %v; want %v", got.ResourceTypes, tt.in.ResourceTypes)
				}
			case exc:
				if strings.Join(got.ExclusionByResourceTypes.ResourceTypes, ",") != strings.Join(tt.in.ExclusionByResourceTypes.ResourceTypes, ",") {
					t.Errorf("excluded = %v; want %v", got.ExclusionByResourceTypes.ResourceTypes, tt.in.ExclusionByResourceTypes.ResourceTypes)
				}
			}
		})
	}
}

func TestRecordingModeOf(t *testing.T) {
	got := recordingModeOf(nil)
	if deref(got.RecordingFrequency) != "CONTINUOUS" || got.RecordingModeOverrides == nil || len(got.RecordingModeOverrides) != 0 {
		t.Errorf("recordingModeOf(nil) = %+v; want CONTINUOUS without overrides", got)
	}
	daily := &configapi.RecordingMode{RecordingFrequency: ptr("DAILY")}
	if got := recordingModeOf(daily); got != daily {
		t.Errorf("recordingModeOf(DAILY) = %+v; want it unchanged", got)
	}
}

func TestCheckRecorderName(t *testing.T) {
	tests := []struct {
		name string
		want string // error code, "" for none
		msg  string
	}{
		{"default", "", ""},
		{"my-recorder", "", ""},
		{"awsConfigurationRecorderForX", "", ""},
		{"MyAWSConfigurationRecorderFor", "", ""},
		{" ", configapi.CodeInvalidConfigurationRecorderName, "The configuration recorder name ' ' is not valid, blank string."},
		{"\t\n", configapi.CodeInvalidConfigurationRecorderName, "The configuration recorder name '\t\n' is not valid, blank string."},
		{"AWSConfigurationRecorderFor", configapi.CodeInvalidConfigurationRecorderName, msgReservedRecorderName},
		{"AWSConfigurationRecorderForSecurityHub", configapi.CodeInvalidConfigurationRecorderName, msgReservedRecorderName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRecorderName(tt.name)
			if got := code(err); got != tt.want {
				t.Fatalf("checkRecorderName(%q) = %v; want code %q", tt.name, err, tt.want)
			}
			if tt.msg != "" && err.(*apierr.Error).Message != tt.msg {
				t.Errorf("message = %q; want %q", err.(*apierr.Error).Message, tt.msg)
			}
		})
	}
}

func TestCheckChannel(t *testing.T) {
	bucket := ptr("my-bucket")
	tests := []struct {
		name string
		ch   configapi.DeliveryChannel
		want string // error code, "" for none
		msg  string
	}{
		{"bucket only", configapi.DeliveryChannel{S3BucketName: bucket}, "", ""},
		{"everything", configapi.DeliveryChannel{
			S3BucketName: bucket, S3KeyPrefix: ptr("config/logs"),
			SnsTopicARN: ptr("arn:aws:sns:us-east-1:111111111111:config-topic"),
			S3KmsKeyArn: ptr("arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		}, "", ""},
		{"FIFO topic", configapi.DeliveryChannel{S3BucketName: bucket, SnsTopicARN: ptr("arn:aws:sns:eu-west-1:111111111111:t.fifo")}, "", ""},
		{"KMS alias, other partition", configapi.DeliveryChannel{S3BucketName: bucket, S3KmsKeyArn: ptr("arn:aws-cn:kms:cn-north-1:111111111111:alias/config")}, "", ""},
		{"no bucket", configapi.DeliveryChannel{}, configapi.CodeNoSuchBucket, msgEmptyBucket},
		{"empty bucket", configapi.DeliveryChannel{S3BucketName: ptr("")}, configapi.CodeNoSuchBucket, msgEmptyBucket},
		{"blank bucket", configapi.DeliveryChannel{S3BucketName: ptr("  ")}, configapi.CodeNoSuchBucket, msgEmptyBucket},
		{"empty prefix", configapi.DeliveryChannel{S3BucketName: bucket, S3KeyPrefix: ptr("")}, configapi.CodeInvalidS3KeyPrefix, msgEmptyKeyPrefix},
		{"prefix starting with a slash", configapi.DeliveryChannel{S3BucketName: bucket, S3KeyPrefix: ptr("/config")}, configapi.CodeInvalidS3KeyPrefix,
			"The s3 key prefix '/config' is not valid, it must not start with '/'."},
		{"prefix with AWSLogs", configapi.DeliveryChannel{S3BucketName: bucket, S3KeyPrefix: ptr("x/AWSLogs/y")}, configapi.CodeInvalidS3KeyPrefix,
			"The s3 key prefix 'x/AWSLogs/y' is not valid, it must not contain 'AWSLogs'."},
		{"empty topic", configapi.DeliveryChannel{S3BucketName: bucket, SnsTopicARN: ptr("")}, configapi.CodeInvalidSNSTopicARN, "The sns topic arn '' is not valid."},
		{"topic name instead of ARN", configapi.DeliveryChannel{S3BucketName: bucket, SnsTopicARN: ptr("config-topic")}, configapi.CodeInvalidSNSTopicARN,
			"The sns topic arn 'config-topic' is not valid."},
		{"queue ARN as topic", configapi.DeliveryChannel{S3BucketName: bucket, SnsTopicARN: ptr("arn:aws:sqs:us-east-1:111111111111:q")}, configapi.CodeInvalidSNSTopicARN, ""},
		{"empty key", configapi.DeliveryChannel{S3BucketName: bucket, S3KmsKeyArn: ptr("")}, configapi.CodeInvalidS3KmsKeyArn, "The arn '' is not a valid kms key or alias arn."},
		{"key id instead of ARN", configapi.DeliveryChannel{S3BucketName: bucket, S3KmsKeyArn: ptr("1234abcd")}, configapi.CodeInvalidS3KmsKeyArn,
			"The arn '1234abcd' is not a valid kms key or alias arn."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkChannel(&tt.ch, "default")
			if got := code(err); got != tt.want {
				t.Fatalf("checkChannel() = %v; want code %q", err, tt.want)
			}
			if tt.msg != "" && err.(*apierr.Error).Message != tt.msg {
				t.Errorf("message = %q; want %q", err.(*apierr.Error).Message, tt.msg)
			}
		})
	}
	err := checkChannel(&configapi.DeliveryChannel{S3BucketName: bucket}, " ")
	if code(err) != configapi.CodeInvalidDeliveryChannelName || err.(*apierr.Error).Message != "The delivery channel name ' ' is not valid, blank string." {
		t.Errorf("checkChannel(blank name) = %v", err)
	}
}

// newStoreService returns a Service on a fresh SQLite store, a fake clock
// and a caller context for the tenant.
func newStoreService(t *testing.T, tenant store.Namespace) (*Service, *clock.Fake, context.Context) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := New(Options{Store: st, Clock: clk, Random: bytes.NewReader(bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 100))})
	return s, clk, identity.WithCaller(ctx, identity.Caller{AccountID: tenant.Owner, Region: tenant.Region})
}

func TestRecorderState(t *testing.T) {
	tenant := store.Namespace{Owner: "111111111111", Region: "eu-west-1"}
	s, clk, ctx := newStoreService(t, tenant)
	state := func() string {
		t.Helper()
		var exists, recording bool
		err := s.store.View(ctx, func(tx store.Tx) (err error) {
			exists, recording, err = recorderState(tx, tenant)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case recording:
			return "recording"
		case exists:
			return "stopped"
		}
		return "none"
	}
	check := func(step, want string) {
		t.Helper()
		if got := state(); got != want {
			t.Fatalf("after %s: recorderState = %s; want %s", step, got, want)
		}
	}
	mustOK := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check("nothing", "none")
	mustOK(s.PutConfigurationRecorder(ctx, &configapi.PutConfigurationRecorderRequest{
		ConfigurationRecorder: &configapi.ConfigurationRecorder{RoleARN: ptr("arn:aws:iam::111111111111:role/config")},
	}))
	check("put", "stopped")

	desc, err := s.DescribeConfigurationRecorders(ctx, &configapi.DescribeConfigurationRecordersRequest{})
	if err != nil || len(desc.ConfigurationRecorders) != 1 {
		t.Fatalf("Describe = %+v, %v; want one recorder", desc, err)
	}
	arn := regexp.MustCompile(`^arn:aws:config:eu-west-1:111111111111:configuration-recorder/default/[a-z0-9]{16}$`)
	if got := deref(desc.ConfigurationRecorders[0].Arn); !arn.MatchString(got) {
		t.Errorf("ARN = %q; want %s", got, arn)
	}

	start := &configapi.StartConfigurationRecorderRequest{ConfigurationRecorderName: ptr("default")}
	_, err = s.StartConfigurationRecorder(ctx, start)
	if code(err) != configapi.CodeNoAvailableDeliveryChannel {
		t.Fatalf("Start without channel = %v; want NoAvailableDeliveryChannelException", err)
	}
	mustOK(s.PutDeliveryChannel(ctx, &configapi.PutDeliveryChannelRequest{DeliveryChannel: &configapi.DeliveryChannel{S3BucketName: ptr("b")}}))
	mustOK(s.StartConfigurationRecorder(ctx, start))
	check("start", "recording")
	clk.Advance(time.Hour)
	mustOK(s.StopConfigurationRecorder(ctx, &configapi.StopConfigurationRecorderRequest{ConfigurationRecorderName: ptr("default")}))
	check("stop", "stopped")
	mustOK(s.DeleteConfigurationRecorder(ctx, &configapi.DeleteConfigurationRecorderRequest{ConfigurationRecorderName: ptr("default")}))
	check("delete", "none")

	other := store.Namespace{Owner: tenant.Owner, Region: "us-east-1"}
	mustOK(s.PutConfigurationRecorder(ctx, &configapi.PutConfigurationRecorderRequest{
		ConfigurationRecorder: &configapi.ConfigurationRecorder{RoleARN: ptr("r")},
	}))
	err = s.store.View(ctx, func(tx store.Tx) error {
		exists, _, err := recorderState(tx, other)
		if exists {
			t.Errorf("recorderState(%v) sees the recorder of %v", other, tenant)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
