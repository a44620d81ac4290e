package configservice

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/store"
)

func code(err error) string {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

func TestCheckSources(t *testing.T) {
	yes := true
	no := false
	acct := func(regions []string, all *bool, ids ...string) []configapi.AccountAggregationSource {
		return []configapi.AccountAggregationSource{{AccountIds: ids, AwsRegions: regions, AllAwsRegions: all}}
	}
	org := func(regions []string, all *bool, role string) *configapi.OrganizationAggregationSource {
		return &configapi.OrganizationAggregationSource{RoleArn: &role, AwsRegions: regions, AllAwsRegions: all}
	}
	tests := []struct {
		name string
		in   configapi.PutConfigurationAggregatorRequest
		want string // error code, "" for none
		msg  string
	}{
		{"accounts, all regions", configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: acct(nil, &yes, "111111111111")}, "", ""},
		{"accounts, listed regions", configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: acct([]string{"eu-west-1"}, nil, "111111111111")}, "", ""},
		{"listed regions with AllAwsRegions false", configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: acct([]string{"eu-west-1"}, &no, "111111111111")}, "", ""},
		{"AllAwsRegions false alone", configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: acct(nil, &no, "111111111111")}, "InvalidParameterValueException", msgNoRegions},
		{"both region options", configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: acct([]string{"eu-west-1"}, &yes, "111111111111")}, "InvalidParameterValueException", msgBothRegions},
		{"organization", configapi.PutConfigurationAggregatorRequest{OrganizationAggregationSource: org(nil, &yes, "arn:aws:iam::1:role/r")}, "", ""},
		{"organization, empty role", configapi.PutConfigurationAggregatorRequest{OrganizationAggregationSource: org(nil, &yes, "")}, "InvalidRoleException", msgEmptyRole},
		{"organization, no regions", configapi.PutConfigurationAggregatorRequest{OrganizationAggregationSource: org(nil, nil, "r")}, "InvalidParameterValueException", msgNoRegions},
		{"both kinds", configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: acct(nil, &yes, "111111111111"), OrganizationAggregationSource: org(nil, &yes, "r")}, "InvalidParameterValueException", msgBothSources},
		{"neither kind", configapi.PutConfigurationAggregatorRequest{}, "InvalidParameterValueException", msgNoSource},
		{"accounts at the quota, counted once each", configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: acct(nil, &yes, "111111111111", "222222222222", "111111111111")}, "", ""},
		{"accounts over the quota", configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: acct(nil, &yes, "111111111111", "222222222222", "333333333333")}, "LimitExceededException", ""},
	}
	s := New(Options{Quotas: Quotas{AggregatorsPerRegion: 1, AccountsPerAggregator: 2}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.checkSources(&tt.in)
			if got := code(err); got != tt.want {
				t.Fatalf("checkSources() = %v; want code %q", err, tt.want)
			}
			if tt.msg != "" && err.(*apierr.Error).Message != tt.msg {
				t.Errorf("message = %q; want %q", err.(*apierr.Error).Message, tt.msg)
			}
		})
	}
}

// TestCheckSourcesRegionRule checks Starling's rule for the values of
// AwsRegions: region codes only (a region AWS might open later included),
// duplicates collapsed to their first occurrence, in both kinds of source.
func TestCheckSourcesRegionRule(t *testing.T) {
	s := New(Options{})
	dup := []string{"us-west-2", "eu-west-1", "us-west-2", "eu-newplace-1", "eu-west-1", "eu-newplace-1"}
	in := configapi.PutConfigurationAggregatorRequest{AccountAggregationSources: []configapi.AccountAggregationSource{
		{AccountIds: []string{"111111111111"}, AwsRegions: slices.Clone(dup)}}}
	if err := s.checkSources(&in); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(in.AccountAggregationSources[0].AwsRegions, ","); got != "us-west-2,eu-west-1,eu-newplace-1" {
		t.Errorf("account source regions = %s; want us-west-2,eu-west-1,eu-newplace-1", got)
	}
	role := "arn:aws:iam::111111111111:role/r"
	org := configapi.PutConfigurationAggregatorRequest{OrganizationAggregationSource: &configapi.OrganizationAggregationSource{RoleArn: &role, AwsRegions: slices.Clone(dup)}}
	if err := s.checkSources(&org); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(org.OrganizationAggregationSource.AwsRegions, ","); got != "us-west-2,eu-west-1,eu-newplace-1" {
		t.Errorf("organization source regions = %s; want us-west-2,eu-west-1,eu-newplace-1", got)
	}

	long := strings.Repeat("x", 100)
	for _, c := range []struct{ region, quoted string }{
		{"us-east-1a", "us-east-1a"},
		{"made-up-1", "made-up-1"},
		{"US-EAST-1", "US-EAST-1"},
		{"", ""},
		{long, strings.Repeat("x", 64) + "..."},
		{strings.Repeat("x", 63) + "é", strings.Repeat("x", 63) + "..."},
	} {
		for _, in := range []configapi.PutConfigurationAggregatorRequest{
			{AccountAggregationSources: []configapi.AccountAggregationSource{{AccountIds: []string{"111111111111"}, AwsRegions: []string{"us-east-1", c.region}}}},
			{OrganizationAggregationSource: &configapi.OrganizationAggregationSource{RoleArn: &role, AwsRegions: []string{"us-east-1", c.region}}},
		} {
			err := s.checkSources(&in)
			want := "The region '" + c.quoted + "' is not a valid AWS Region code. Specify regions by their codes, such as us-east-1, and try again."
			if code(err) != configapi.CodeInvalidParameterValue || err.(*apierr.Error).Message != want {
				t.Errorf("checkSources(%.20q) = %v; want InvalidParameterValueException %q", c.region, err, want)
			}
		}
	}
}

func TestCheckTags(t *testing.T) {
	tag := func(k string) configapi.Tag { v := "v"; return configapi.Tag{Key: &k, Value: &v} }
	tests := []struct {
		name string
		tags []configapi.Tag
		want string
	}{
		{"none", nil, ""},
		{"plain", []configapi.Tag{tag("env"), tag("team")}, ""},
		{"every allowed character", []configapi.Tag{tag("aZ0 _.:/=+-@é")}, ""},
		{"bad character", []configapi.Tag{tag("a*b")}, "ValidationException"},
		{"same key twice", []configapi.Tag{tag("env"), tag("env")}, "InvalidInput"},
		{"same key in another case", []configapi.Tag{tag("Env"), tag("eNV")}, "InvalidInput"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(checkTags(tt.tags, "tags")); got != tt.want {
				t.Errorf("checkTags() code = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestARNInTenant(t *testing.T) {
	tn := store.Namespace{Owner: "111111111111", Region: "us-east-1"}
	tests := []struct {
		arn  string
		want bool
	}{
		{"arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-abcd1234", true},
		{"arn:aws:config:us-east-1:111111111111:aggregation-authorization/222222222222/eu-west-1", true},
		{"arn:aws:config:us-east-1:222222222222:config-aggregator/config-aggregator-abcd1234", false},
		{"arn:aws:config:eu-west-1:111111111111:config-aggregator/config-aggregator-abcd1234", false},
		{"arn:aws:s3:us-east-1:111111111111:bucket", false},
		{"arn:aws:config:us-east-1:111111111111:", false},
		{"not an arn", false},
	}
	for _, tt := range tests {
		if got := arnInTenant(tt.arn, tn); got != tt.want {
			t.Errorf("arnInTenant(%q) = %v; want %v", tt.arn, got, tt.want)
		}
	}
}

// TestRuleStatusEvaluatedAt checks how DescribeConfigRuleEvaluationStatus
// merges the results store's evaluation time with the one a rule's record
// kept before the results store did.
func TestRuleStatusEvaluatedAt(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 1, 2, h, 0, 0, 0, time.UTC) }
	ts := func(h int) *shape.Timestamp { return shape.NewTimestamp(at(h)) }
	legacy := ruleStatus{FirstActivated: *ts(1), LastSuccessfulInvoked: ts(5), LastSuccessfulEval: ts(5), FirstEvaluationStarted: true}
	tests := []struct {
		name    string
		st      ruleStatus
		at      time.Time
		wantAt  time.Time // zero: none
		started bool
	}{
		{"never evaluated", ruleStatus{FirstActivated: *ts(1)}, time.Time{}, time.Time{}, false},
		{"evaluated by the results store only", ruleStatus{FirstActivated: *ts(1)}, at(3), at(3), true},
		{"the record's time only", legacy, time.Time{}, at(5), true},
		{"a later evaluation than the record's", legacy, at(7), at(7), true},
		{"an earlier one keeps the record's", legacy, at(4), at(5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.st.evaluatedAt(tt.at)
			if got.FirstActivated != tt.st.FirstActivated || got.FirstEvaluationStarted != tt.started {
				t.Errorf("got %+v", got)
			}
			for what, v := range map[string]*shape.Timestamp{"invoked": got.LastSuccessfulInvoked, "evaluated": got.LastSuccessfulEval} {
				switch {
				case tt.wantAt.IsZero() && v != nil:
					t.Errorf("%s = %v; want none", what, v.Time)
				case !tt.wantAt.IsZero() && (v == nil || !v.Time.Equal(tt.wantAt)):
					t.Errorf("%s = %v; want %v", what, v, tt.wantAt)
				}
			}
		})
	}
}
