package configapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/apierr"
)

const structPrefix = "com.amazonaws.starling.dove."

// validationMessage returns the message of the ValidationException that
// Validate returned, or "" for nil.
func validationMessage(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *apierr.Error
	if !errors.As(err, &e) {
		t.Fatalf("Validate returned %T %v, want *apierr.Error", err, err)
	}
	if e.Code != "ValidationException" {
		t.Fatalf("Code = %q, want ValidationException", e.Code)
	}
	return e.Message
}

func validSource() AccountAggregationSource {
	return AccountAggregationSource{AccountIds: []string{"123456789012"}, AllAwsRegions: new(true)}
}

func names(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = "n" + string(rune('a'+i))
	}
	return s
}

func TestValidateExactMessages(t *testing.T) {
	long := strings.Repeat("a", 257)
	tests := []struct {
		name string
		in   interface{ Validate() error }
		want string // "" for a valid request
	}{
		{
			name: "valid put",
			in: &PutConfigurationAggregatorRequest{
				ConfigurationAggregatorName: new("my-aggregator_1"),
				AccountAggregationSources:   []AccountAggregationSource{validSource()},
				Tags:                        []Tag{{Key: new("env"), Value: new("prod")}},
			},
		},
		{
			name: "missing name",
			in:   &PutConfigurationAggregatorRequest{},
			want: "1 validation error detected: Value null at 'configurationAggregatorName' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "name too long",
			in:   &PutConfigurationAggregatorRequest{ConfigurationAggregatorName: &long},
			want: "1 validation error detected: Value '" + long + "' at 'configurationAggregatorName' failed to satisfy constraint: Member must have length less than or equal to 256",
		},
		{
			name: "name pattern",
			in:   &PutConfigurationAggregatorRequest{ConfigurationAggregatorName: new("bad name!")},
			want: `1 validation error detected: Value 'bad name!' at 'configurationAggregatorName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w\-]+`,
		},
		{
			name: "account id pattern in a list in a list",
			in: &PutConfigurationAggregatorRequest{
				ConfigurationAggregatorName: new("agg"),
				AccountAggregationSources:   []AccountAggregationSource{{AccountIds: []string{"123"}}},
			},
			want: `1 validation error detected: Value '123' at 'accountAggregationSources.1.member.accountIds.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: \d{12}`,
		},
		{
			name: "empty account id list",
			in: &PutConfigurationAggregatorRequest{
				ConfigurationAggregatorName: new("agg"),
				AccountAggregationSources:   []AccountAggregationSource{{AccountIds: []string{}}},
			},
			want: "1 validation error detected: Value '[]' at 'accountAggregationSources.1.member.accountIds' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "required member of a list element",
			in: &PutConfigurationAggregatorRequest{
				ConfigurationAggregatorName: new("agg"),
				AccountAggregationSources:   []AccountAggregationSource{{}},
			},
			want: "1 validation error detected: Value null at 'accountAggregationSources.1.member.accountIds' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "tag key too long",
			in: &PutConfigurationAggregatorRequest{
				ConfigurationAggregatorName: new("agg"),
				Tags:                        []Tag{{Key: new(strings.Repeat("k", 129))}},
			},
			want: "1 validation error detected: Value '" + strings.Repeat("k", 129) + "' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
		},
		{
			name: "two violations",
			in: &PutConfigurationAggregatorRequest{
				AccountAggregationSources: []AccountAggregationSource{{AccountIds: []string{"123456789012", "x"}}},
			},
			want: "2 validation errors detected: " +
				"Value null at 'configurationAggregatorName' failed to satisfy constraint: Member must not be null; " +
				`Value 'x' at 'accountAggregationSources.1.member.accountIds.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: \d{12}`,
		},
		{
			name: "limit too big",
			in:   &DescribeConfigurationAggregatorsRequest{Limit: new(int32(101))},
			want: "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
		},
		{
			name: "limit negative",
			in:   &DescribeConfigurationAggregatorsRequest{Limit: new(int32(-1))},
			want: "1 validation error detected: Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0",
		},
		{
			name: "valid describe",
			in:   &DescribeConfigurationAggregatorsRequest{Limit: new(int32(100)), ConfigurationAggregatorNames: names(10)},
		},
		{
			name: "too many names",
			in:   &DescribeConfigurationAggregatorsRequest{ConfigurationAggregatorNames: names(11)},
			want: "1 validation error detected: Value '[na, nb, nc, nd, ne, nf, ng, nh, ni, nj, nk]' at 'configurationAggregatorNames' failed to satisfy constraint: Member must have length less than or equal to 10",
		},
		{
			name: "enum in a list",
			in: &DescribeConfigurationAggregatorSourcesStatusRequest{
				ConfigurationAggregatorName: new("agg"),
				UpdateStatus:                []string{AggregatedSourceStatusTypeFailed, "BOGUS"},
			},
			want: "1 validation error detected: Value 'BOGUS' at 'updateStatus.2.member' failed to satisfy constraint: Member must satisfy enum value set: [FAILED, SUCCEEDED, OUTDATED]",
		},
		{
			name: "map value structure",
			in: &RemediationConfiguration{
				ConfigRuleName: new("rule"),
				TargetType:     new(RemediationTargetTypeSsmDocument),
				TargetId:       new("AWS-Doc"),
				Parameters: map[string]RemediationParameterValue{
					"b": {ResourceValue: &ResourceValue{}},
					"a": {StaticValue: &StaticValue{Values: []string{"v"}}},
				},
			},
			want: "1 validation error detected: Value null at 'parameters.b.member.resourceValue.value' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "map key",
			in: &RemediationConfiguration{
				ConfigRuleName: new("rule"),
				TargetType:     new(RemediationTargetTypeSsmDocument),
				TargetId:       new("AWS-Doc"),
				Parameters:     map[string]RemediationParameterValue{"": {}},
			},
			want: "1 validation error detected: Value '' at 'parameters..member' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validationMessage(t, tt.in.Validate()); got != tt.want {
				t.Errorf("message\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestValidateStructListSize(t *testing.T) {
	in := &PutConfigurationAggregatorRequest{
		ConfigurationAggregatorName: new("agg"),
		AccountAggregationSources:   []AccountAggregationSource{validSource(), validSource()},
	}
	got := validationMessage(t, in.Validate())
	prefix := "1 validation error detected: Value '[" + structPrefix + "AccountAggregationSource@"
	suffix := "]' at 'accountAggregationSources' failed to satisfy constraint: Member must have length less than or equal to 1"
	if !strings.HasPrefix(got, prefix) || !strings.HasSuffix(got, suffix) {
		t.Fatalf("message\n got: %s\nwant: %s...%s", got, prefix, suffix)
	}
	if n := strings.Count(got, structPrefix+"AccountAggregationSource@"); n != 2 {
		t.Errorf("message names %d structures, want 2: %s", n, got)
	}
	if again := validationMessage(t, in.Validate()); again != got {
		t.Errorf("message not stable:\n%s\n%s", got, again)
	}
}

func TestValidateTagCount(t *testing.T) {
	tags := make([]Tag, 51)
	for i := range tags {
		tags[i] = Tag{Key: new("k"), Value: new("v")}
	}
	in := &PutConfigurationAggregatorRequest{ConfigurationAggregatorName: new("agg"), Tags: tags}
	got := validationMessage(t, in.Validate())
	suffix := "]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"
	if !strings.HasPrefix(got, "1 validation error detected: Value '["+structPrefix+"Tag@") || !strings.HasSuffix(got, suffix) {
		t.Errorf("message: %s", got)
	}
}
